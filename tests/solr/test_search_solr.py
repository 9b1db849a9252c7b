"""The search core's own tests (tests/indexer/test_search.py), answered by the SolrCloud engine
on a real 2-node cluster (2 shards × 2 replicas): the same fixture articles, the same
expectations. Left out: the tests that build a Whoosh service of their own (time-limit and
facet time-box mechanics, which are the engine-neutral core's)."""
from __future__ import annotations

import itertools

import pytest

from archive.db import Database
from archive.ingest import ingest
from archive.store import iter_articles
from indexer.search import SearchService
from indexer.solr.build import full_rebuild
from indexer.solr.client import SolrClient
from indexer.solr.engine import SolrEngine
from indexer.solr.generations import SolrGenerations
from tests.conftest import FIXTURES
from tests.indexer.test_search import (  # noqa: F401  (collected here, against Solr)
    test_bad_parameters_raise_search_errors, test_boolean_operators, test_date_facet_years_then_months,
    test_date_field_in_the_query, test_date_range_is_inclusive, test_deep_paging_is_capped_with_a_notice,
    test_every_word_of_a_multiword_query_is_marked, test_exact_spelling_versus_stemmed,
    test_export_streams_hits_in_sort_order_past_the_paging_window,
    test_facets_count_everything_but_their_own_filter, test_hamza_on_waw_and_yeh_are_one_spelling,
    test_hamza_seat_typed_as_waw_or_yeh_and_a_leading_ba,
    test_hamzaless_query_finds_hamza_spelling_and_marks_the_original, test_hostile_queries_are_answered_or_refused_never_crash,
    test_phrase_and_word_order, test_prefix_query, test_related_articles, test_relevance_prefers_title_matches,
    test_repeated_section_values_are_ored, test_snippets_escape_the_article_text, test_sorting_and_paging,
    test_stop_words_are_dropped_from_and_queries_but_kept_alone, test_the_spelling_typed_ranks_above_other_forms_of_its_stem,
    test_unclosed_quote_message_points_at_the_position,
    test_undiacritised_query_finds_vocalised_word, test_vocalised_query_finds_plain_text)

_aliases = itertools.count(1)


@pytest.fixture(scope="module")
def service(solr_cluster, tmp_path_factory):
    root = tmp_path_factory.mktemp("solr-search")
    db = Database(f"sqlite:///{root / 'archive.sqlite3'}")
    db.upgrade()
    ingest(db, [FIXTURES / "news.jsonl"])
    alias = f"search{next(_aliases)}"
    full_rebuild(iter_articles(db), SolrGenerations(SolrClient(solr_cluster.solr_url), alias))
    svc = SearchService(str(root / "index"), engine=SolrEngine(solr_cluster.solr_url, alias))
    yield svc
    svc.close()
    db.dispose()


def test_lexicon_statistics_come_whole_even_past_the_cache(service, monkeypatch):
    import indexer.solr.engine as engine
    from indexer.plan import exact_words

    searcher = service.engine.searcher()
    words = [exact_words(w)[0] for w in ("وزارة", "الشباب", "المنتخب", "الفائدة", "في", "خلية", "اتصال")]
    one_by_one = {w: searcher.doc_frequency("body_exact", w) for w in words}
    assert one_by_one[exact_words("وزارة")[0]] == 2
    monkeypatch.setattr(engine, "CACHE", 3)  # fewer than asked for at once: entries leave mid-call
    searcher._df.clear()
    assert searcher.doc_frequencies("body_exact", words + ["كلمةغيرموجودة"]) == {**one_by_one, "كلمةغيرموجودة": 0}


def test_a_search_is_one_request_to_the_cluster(service, monkeypatch):
    from tests.indexer.test_search import run

    monkeypatch.setattr(service.engine, "refresh", 3600)  # no alias check inside the count
    run(service, q="الشباب OR وزارة", sort="newest")      # the searcher is open, the words' statistics known
    asked = []
    request = service.engine.client.request
    monkeypatch.setattr(service.engine.client, "request", lambda path, *a, **k: asked.append(path) or request(path, *a, **k))
    r = run(service, q="الشباب OR وزارة", sort="oldest")
    assert r.total == 3 and len(r.hits) == 3 and r.hits[0].snippet_html
    assert r.facets["section"].values and r.facets["date"].values
    # the ranking brings the total, the hits' stored text and every facet
    assert asked == [f"{service.engine.searcher().name}/select"]
    # new words: their spellings' statistics in one more request, not one per spelling (and one
    # for the exact fields, as مسوول has a seat the stemmer reads: indexer.plan.add_spellings)
    asked.clear()
    run(service, q="مسوول الشباب بدمج", sort="oldest")
    assert [p.rsplit("/", 1)[1] for p in asked[:3]] == ["terms", "terms", "select"]   # (then did-you-mean's)

def test_a_page_comes_in_one_pass_over_the_shards_with_the_same_hits(service, monkeypatch):
    """The page's stored fields come with each shard's first answer (distrib.singlePass): no
    second round of shard requests to fetch them (Solr's request tracking lists each phase),
    and the same hits, in the same order, as the two-pass query."""
    from tests.indexer.test_search import run

    sent = []
    request = service.engine.client.request
    monkeypatch.setattr(service.engine.client, "request",
                        lambda path, params=None, *a, **k: sent.append((path, params)) or request(path, params, *a, **k))
    r = run(service, q="الشباب OR وزارة", sort="relevance")
    assert r.total == len(r.hits) == 3
    (path, params), = [(p, q) for p, q in sent if p.endswith("/select") and "facet" in q]
    phases = request(path, {**params, "debug": "track"}, form=True)["debug"]["track"]
    assert "EXECUTE_QUERY" in phases and "GET_FIELDS" not in phases
    two_pass = {k: v for k, v in params.items() if k != "distrib.singlePass"}
    assert "GET_FIELDS" in request(path, {**two_pass, "debug": "track"}, form=True)["debug"]["track"]
    hits = [[(d["id"], d["score"], d["body"]) for d in request(path, p, form=True)["response"]["docs"]]
            for p in (params, two_pass)]
    assert hits[0] == hits[1] and [h.id for h in r.hits] == [d for d, _, _ in hits[0]]
