"""The numpy path gives Whoosh's own totals, scores and ranking: plain words, and the other
shapes it answers (phrases, OR, NOT, prefixes, exact spellings)."""
from __future__ import annotations

import pytest

from archive.db import Database
from archive.ingest import ingest
from archive.store import iter_articles
from indexer.build import full_rebuild
from indexer.fastpath import plain_words
from indexer.plan import prepare
from indexer.query import parse
from indexer.search import SearchRequest, SearchService
from tests.conftest import ROOT

QUERIES = ["العراق", "اسرائيل", "الأمم المتحدة", "ترامب", "الحكومة العراقية", "title:بغداد",
           "مستشفى", "الرئيس", "المنتخب الوطني", "2019", "البنك الدولي", "وزارة",
           "الحكومة حكومة"]  # one stem in two spellings: each spelling's clause, the stem's twice


@pytest.fixture(scope="module")
def services(tmp_path_factory):
    root = tmp_path_factory.mktemp("fast")
    db = Database(f"sqlite:///{root / 'a.sqlite3'}")
    db.upgrade()
    ingest(db, [ROOT / "sample"])
    full_rebuild(iter_articles(db), str(root / "index"))
    fast, slow = SearchService(str(root / "index"), cache_size=0), \
        SearchService(str(root / "index"), cache_size=0, fast=False)
    yield fast, slow
    fast.close(), slow.close()
    db.dispose()


def compare(fast, slow, **params):
    p = {k: [v] for k, v in params.items()}
    req = SearchRequest.from_params(lambda name: p.get(name, []))
    a, b = fast.search(req), slow.search(req)
    assert a.total == b.total
    assert [h.score for h in a.hits] == [h.score for h in b.hits]
    # Ties at the page boundary: the numpy path sees every tied doc and keeps the newest, while
    # Whoosh's collector keeps whichever came first, so ids must agree above the last score only.
    last = a.hits[-1].score if a.hits else None
    assert [h.id for h in a.hits if h.score != last] == [h.id for h in b.hits if h.score != last]
    assert a.facets == b.facets
    return a


@pytest.mark.parametrize("q", QUERIES)
def test_same_results_as_whoosh(services, q):
    assert plain_words(parse(q)) is not None
    compare(*services, q=q, per_page="20")


def test_same_results_with_filters_and_pages(services):
    compare(*services, q="العراق", section="politic")
    compare(*services, q="الرئيس", page="2", per_page="3")


def test_a_word_with_the_spellings_it_means_same_results_as_whoosh(services):
    # الجايحة: the hamza seat typed as ي; the sample writes الجائحة, so the plan adds that spelling
    fast, _slow = services
    plan = prepare(parse("الجايحة العراق"), lexicon=_generation(fast))
    word = plan.query.children[0]
    assert word.alternatives and word.spellings == ("الجايحه", "الجاءحه")
    assert plain_words(plan.query) is not None
    assert compare(*services, q="الجايحة العراق", per_page="20").total > 0


def test_other_shapes_are_not_plain_words():
    for q in ('"خلية اتصال"', "سوريا OR لبنان", "سوريا -لبنان", "=وزارة", "وزار*", "في"):
        assert plain_words(parse(q)) is None


# Every shape the numpy path answers beyond plain words; each must find something in the sample
# (checked below), so that the comparison compares rankings, not two empty pages.
SHAPES = ['"الأمم المتحدة"', '"الامم المتحدة"~3', '"في العراق"~2', '"وزارة الصحة في"~2', 'title:"البنك الدولي"', '"في العراق"', '"مجلس النواب العراقي"',
          "سوريا OR لبنان", "العراق OR \"الأمم المتحدة\"", "ترامب OR بغداد OR مستشفى",
          "العراق -بغداد", "الرئيس -ترامب -العراق", "-العراق", "(سوريا OR لبنان) -إسرائيل",
          "الحكو*", "وزار*", "title:العر*", "وزار* العراق", "=وزارة", "=العراق الرئيس", "في",
          "العراق (=الحكومة OR \"البنك الدولي\")"]


def _generation(service):
    return service.engine.searcher()


@pytest.mark.parametrize("q", SHAPES)
def test_other_shapes_same_results_as_whoosh(services, q):
    fast, slow = services
    gen = _generation(fast)
    plan = prepare(parse(q), lexicon=gen)
    assert plain_words(plan.query) is None
    assert gen.arrays.evaluate(plan.query) is not None  # the numpy path answers it
    result = compare(fast, slow, q=q, per_page="20")
    assert result.total > 0


def test_other_shapes_with_filters_sorts_and_pages(services):
    compare(*services, q="سوريا OR لبنان", section="politic")
    compare(*services, q='"الأمم المتحدة"', page="2", per_page="3")
    compare(*services, q="وزار*", sort="oldest")
    compare(*services, q="العراق -بغداد", sort="newest", per_page="50")


@pytest.mark.parametrize("q", ["سوريا OR -لبنان", "العراق date:2019", "العراق section:politic"])
def test_shapes_left_to_whoosh(services, q):
    fast, slow = services
    gen = _generation(fast)
    assert gen.arrays.evaluate(prepare(parse(q), lexicon=gen).query) is None
    compare(fast, slow, q=q, per_page="20")


def test_prefix_expansion_is_read_once_per_generation(services):
    gen = _generation(services[0])
    first = gen.arrays.expand_prefix("body_exact", "وزار")
    terms = [t for _segment, found in first for t in found]
    assert terms and all(t.startswith("وزار") for t in terms)
    assert gen.arrays.expand_prefix("body_exact", "وزار") is first
    matched = gen.arrays.prefix("body_exact", "وزار", 1.0)
    assert matched[0].size and gen.arrays.prefix("body_exact", "وزار", 1.0) is matched  # kept


def test_phrase_positions_read_from_their_blocks(services):
    """Positions read by jumping to each candidate's block are those Whoosh's matcher steps to."""
    arrays = _generation(services[0]).arrays
    for field, term in (("body_exact", "في"), ("body_exact", "العراق"), ("title_exact", "العراق")):
        ids, _tfs = arrays.postings(field, term)
        assert ids.size
        docs = ids[::3]
        assert arrays.positions(field, term, docs) == arrays._positions_stepping(field, term, docs)
        assert (field, term) in arrays._blocks  # the jump, not the stepping
