"""Search behaviour a journalist would notice, on a small real index (no web app)."""
from __future__ import annotations

import pytest

from archive.db import Database
from archive.ingest import ingest
from archive.store import iter_articles
from indexer.build import full_rebuild
from indexer.search import SearchError, SearchRequest, SearchService
from tests.conftest import FIXTURES


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    root = tmp_path_factory.mktemp("search")
    db = Database(f"sqlite:///{root / 'archive.sqlite3'}")
    db.upgrade()
    ingest(db, [FIXTURES / "news.jsonl"])
    full_rebuild(iter_articles(db), str(root / "index"))
    svc = SearchService(str(root / "index"))
    yield svc
    svc.close()
    db.dispose()


def run(service, **params):
    params = {k: [str(x) for x in v] if isinstance(v, list) else [str(v)] for k, v in params.items()}
    return service.search(SearchRequest.from_params(lambda name: params.get(name, [])))


def ids(result):
    return sorted(h.id for h in result.hits)


def test_hamzaless_query_finds_hamza_spelling_and_marks_the_original(service):
    r = run(service, q="اسرائيل")
    assert ids(r) == ["t-001", "t-004"]
    hit = next(h for h in r.hits if h.id == "t-001")
    assert "<mark>إسرائيل</mark>" in hit.title_html


def test_undiacritised_query_finds_vocalised_word(service):
    r = run(service, q="يجدد")
    assert ids(r) == ["t-001"]
    assert "<mark>يُجدِّدُ</mark>" in r.hits[0].snippet_html


def test_vocalised_query_finds_plain_text(service):
    assert ids(run(service, q="المنتخبُ")) == ["t-003"]


def test_hamza_on_waw_and_yeh_are_one_spelling(service):
    assert ids(run(service, q="مسؤول")) == ["t-001", "t-002"]
    assert ids(run(service, q="مسئول")) == ["t-001", "t-002"]


def test_phrase_and_word_order(service):
    assert ids(run(service, q='"خلية اتصال"')) == ["t-001"]
    assert ids(run(service, q='"اتصال خلية"')) == []
    assert ids(run(service, q='"وسوريا اتفقتا"~3')) == ["t-001"]


def test_boolean_operators(service):
    assert ids(run(service, q="وزارة -الاقتصاد")) == ["t-001"]
    assert ids(run(service, q="المنتخب OR الفائدة")) == ["t-002", "t-003"]
    assert ids(run(service, q="المنتخب أو الفائدة")) == ["t-002", "t-003"]
    assert ids(run(service, q="(المنتخب OR الفائدة) البنك")) == ["t-002"]


def test_exact_spelling_versus_stemmed(service):
    assert ids(run(service, q="الشباب")) == ["t-003", "t-006"]   # للشباب shares the stem
    assert ids(run(service, q="=الشباب")) == ["t-003"]


def test_prefix_query(service):
    r = run(service, q="مشترك*")
    assert ids(r) == ["t-001"]
    assert "<mark>مشتركة</mark>" in r.hits[0].title_html


def test_facets_count_everything_but_their_own_filter(service):
    r = run(service, section="economy")
    assert r.total == 2
    section = {v.value: (v.count, v.selected) for v in r.facets["section"].values}
    assert section == {"economy": (2, True), "politic": (2, False), "sport": (1, False), "culture": (1, False)}
    source = {v.value: v.count for v in r.facets["source"].values}
    assert source == {"Al Arabiya": 1, "Sky News Arabia": 1}
    assert set(r.facets) == {"section", "source", "person", "org", "place", "date"}


def test_repeated_section_values_are_ored(service):
    assert run(service, section=["economy", "politic"]).total == 4


def test_date_facet_years_then_months(service):
    r = run(service)
    assert [(v.value, v.count) for v in r.facets["date"].values] == [("2016", 1), ("2017", 1), ("2018", 4)]
    r = run(service, date="2018")
    assert r.total == 4
    values = [(v.value, v.count, v.selected) for v in r.facets["date"].values]
    assert values == [("2016", 1, False), ("2017", 1, False), ("2018", 4, True),
                      ("2018-01", 1, False), ("2018-03", 1, False), ("2018-05", 2, False)]
    assert ids(run(service, date="2018-05")) == ["t-002", "t-005"]


def test_date_range_is_inclusive(service):
    assert ids(run(service, **{"from": "2018-05"})) == ["t-002", "t-005"]
    assert ids(run(service, to="2017")) == ["t-003", "t-004"]
    assert ids(run(service, **{"from": "2018-05-20", "to": "2018-05-20"})) == ["t-002"]


def test_sorting_and_paging(service):
    newest = run(service, sort="newest")
    assert [h.id for h in newest.hits] == ["t-002", "t-005", "t-001", "t-006", "t-003", "t-004"]
    oldest = run(service, sort="oldest", per_page=2, page=2)
    assert [h.id for h in oldest.hits] == ["t-006", "t-001"] and oldest.total == 6


def test_relevance_prefers_title_matches(service):
    r = run(service, q="الفائدة")
    assert r.hits[0].id == "t-002"
    assert r.hits[0].score > 0


@pytest.mark.parametrize("q, first", [("الشباب", "t-003"), ("للشباب", "t-006")])
def test_the_spelling_typed_ranks_above_other_forms_of_its_stem(service, q, first):
    # t-003 has الشباب, t-006 للشباب, each once in its body: both match either query, and the
    # article holding the spelling typed comes first
    r = run(service, q=q)
    assert ids(r) == ["t-003", "t-006"]
    assert r.hits[0].id == first and r.hits[0].score > r.hits[1].score


def test_snippets_escape_the_article_text(service):
    r = run(service, q="وسوم")
    assert r.hits[0].id == "t-004"
    assert "&lt;b&gt;<mark>وسوم</mark>&lt;/b&gt;" in r.hits[0].snippet_html
    assert "&lt;script&gt;" in r.hits[0].title_html and "<script>" not in r.hits[0].title_html


@pytest.mark.parametrize("params, param", [
    ({"page": "abc"}, "page"), ({"page": "0"}, "page"), ({"per_page": "1000"}, "per_page"),
    ({"sort": "random"}, "sort"), ({"date": "2018-13"}, "date"), ({"from": "yesterday"}, "from"),
    ({"q": '"خلية اتصال'}, "q"), ({"q": "(سوريا"}, "q"), ({"q": "سوريا OR"}, "q"),
    ({"from": "2019", "to": "2018"}, "from"),
])
def test_bad_parameters_raise_search_errors(service, params, param):
    with pytest.raises(SearchError) as info:
        run(service, **params)
    assert info.value.param == param
    assert info.value.message and info.value.template   # English, and the template web/ translates


def test_unclosed_quote_message_points_at_the_position(service):
    with pytest.raises(SearchError) as info:
        run(service, q='سوريا "خلية اتصال')
    assert "position 7" in info.value.message and info.value.params == {"pos": 7}


def test_deep_paging_is_capped_with_a_notice(service):
    r = run(service, per_page=100, page=11)
    assert r.page == 10 and r.notices and "1,000" in r.notices[0]


def test_every_word_of_a_multiword_query_is_marked(service):
    r = run(service, q="اسرائيل سوريا")
    hit = next(h for h in r.hits if h.id == "t-001")
    assert "<mark>إسرائيل</mark>" in hit.title_html and "<mark>وسوريا</mark>" in hit.title_html
    r = run(service, q='"خلية اتصال" OR المنتخب')
    marked = {h.id: h.title_html for h in r.hits}
    assert "<mark>خلية</mark> <mark>اتصال</mark>" in marked["t-001"] and "<mark>المنتخب</mark>" in marked["t-003"]


def test_date_field_in_the_query(service):
    assert ids(run(service, q="date:2018-05")) == ["t-002", "t-005"]
    assert ids(run(service, q="date:2017..2018-01")) == ["t-003", "t-006"]
    assert ids(run(service, q="date:..2016")) == ["t-004"]
    for bad in ("date:yesterday", "date:2019..2018", "date:.."):
        with pytest.raises(SearchError) as info:
            run(service, q=bad)
        assert info.value.param == "q" and "date:" in info.value.message


@pytest.mark.parametrize("q", [
    "(" * 500 + "سوريا" + ")" * 500,
    "-" * 900 + "سوريا",
    "NOT " * 200 + "سوريا",
    "*", "*سوريا", "س*", "\x00\x01\x02", "سوريا " * 2000, "ا" * 2_000_000,
])
def test_hostile_queries_are_answered_or_refused_never_crash(service, q):
    try:
        r = run(service, q=q)
    except SearchError as exc:
        assert exc.message and exc.param == "q"
    else:
        assert r.total >= 0


def test_time_limit_stops_a_search_with_a_clear_error(service):
    from indexer.search import SearchTimeout

    tight = SearchService(str(service.root.root), time_limit=0.0)
    try:
        with pytest.raises(SearchTimeout) as info:
            run(tight, q="وزارة")
        assert "too long" in info.value.message
    finally:
        tight.close()


def test_related_articles(service):
    related = service.related("t-006")  # shares وزارة/أعلنت with t-001, الشباب with t-003
    assert {h.id for h in related} == {"t-001", "t-003"}
    assert service.related("no-such-article") == []


def test_related_articles_of_an_article_whose_rarest_words_are_its_own(tmp_path):
    # Every word t-2 has that t-3 lacks is in t-2 alone (and rarer than what they share):
    # the related list still finds t-3 through the words they share.
    from indexer.build import full_rebuild as build
    from datetime import datetime, timezone

    when = datetime(2020, 1, 1, tzinfo=timezone.utc)
    shared = "الموازنة العراقية النفط الحكومة البرلمان"
    own = " ".join(f"كلمةفريدة{c}" for c in "ابتثجحخدذرزسشصضطظعغفقكلمنهوي")
    articles = [{"id": "t-1", "title": "الطقس", "body": "أمطار غزيرة في الشمال", "published_at": when},
                {"id": "t-2", "title": "الموازنة", "body": shared + " " + own, "published_at": when},
                {"id": "t-3", "title": "النفط", "body": shared + " وأسعار", "published_at": when}]
    build(articles, str(tmp_path / "index"))
    svc = SearchService(str(tmp_path / "index"))
    try:
        assert [h.id for h in svc.related("t-2")] == ["t-3"]
    finally:
        svc.close()


def test_export_streams_hits_in_sort_order_past_the_paging_window(service):
    def req(**params):
        params = {k: [v] for k, v in params.items()}
        return SearchRequest.from_params(lambda name: params.get(name, []))

    hits = list(service.export(req(sort="newest")))
    assert [h.id for h in hits] == ["t-002", "t-005", "t-001", "t-006", "t-003", "t-004"]
    assert [h.id for h in service.export(req(sort="oldest"), limit=2)] == ["t-004", "t-003"]
    found = list(service.export(req(q="الفائدة", section="economy")))
    assert [h.id for h in found] == ["t-002"] and found[0].snippet_html == ""


def test_stop_words_are_dropped_from_and_queries_but_kept_alone(service):
    from indexer.fastpath import plain_words
    from indexer.query import parse
    from indexer.search import drop_stop_words

    assert ids(run(service, q="البنك في السوق")) == ["t-002"]
    assert plain_words(drop_stop_words(parse("التخلص من النفايات"))) is not None
    assert ids(run(service, q="في")) == ["t-002", "t-003", "t-006"]  # alone, searched as written


def test_hamza_seat_typed_as_waw_or_yeh_and_a_leading_ba(service):
    r = run(service, q="مسوول")  # مسؤول / مسئول typed without the hamza
    assert ids(r) == ["t-001", "t-002"]
    assert "<mark>مسئول</mark>" in next(h.snippet_html for h in r.hits if h.id == "t-002")
    assert ids(run(service, q="بوزارة")) == ["t-001", "t-006"]  # "by the ministry", ب typed on
    assert ids(run(service, q="=مسوول")) == []                   # exact spelling means exactly that


def test_a_slow_facet_is_left_out_never_the_results_nor_the_counts(service):
    hurried = SearchService(str(service.root.root), facet_time_limit=-1.0)
    try:
        r = run(hurried, q="وزارة")
        assert ids(r) == ["t-001", "t-006"]
        # the facets whose counts sum to the total always come back; the entity facets wait
        assert {name for name, f in r.facets.items() if f.timed_out} == {"person", "org", "place"}
        assert sum(v.count for v in r.facets["section"].values) == r.total
        assert sum(v.count for v in r.facets["date"].values) == r.total
        assert sum(v.count for v in r.facets["source"].values) == r.total
        assert any("facet took too long" in n for n in r.notices)
        assert r.to_dict()["facets"]["person"] == []
        # an incomplete result is not cached: with time to spare the next request has them all
        hurried.facet_time_limit = 5.0
        again = run(hurried, q="وزارة")
        assert not any(f.timed_out for f in again.facets.values()) and not again.notices
    finally:
        hurried.close()



def test_a_cached_result_is_kept_pickled_and_each_search_gets_its_own_copy(service, monkeypatch):
    """A result is cached pickled (about a fifth of its size as objects) and comes back equal
    without searching again; what one caller changes in its copy never reaches the next."""
    first = run(service, q="وزارة")
    assert isinstance(next(reversed(service._cache.values())), bytes)

    def no_search(*_args, **_kwargs):
        raise AssertionError("searched again")

    monkeypatch.setattr(service, "_search", no_search)
    second = run(service, q="وزارة")
    second.hits.clear()
    second.notices.append("changed")
    third = run(service, q="وزارة")
    assert third.hits and third.to_dict() | {"took_ms": 0} == first.to_dict() | {"took_ms": 0}
    # notices come back as messages the web interface translates (template and parameters)
    monkeypatch.undo()
    said = run(service, q="في", page=900)
    again = run(service, q="في", page=900)
    assert len(said.notices) == 2 and [(n.template, n.params) for n in again.notices] == \
        [(n.template, n.params) for n in said.notices]
