"""The numpy path gives Whoosh's own totals, scores and ranking for plain-word queries."""
from __future__ import annotations

import pytest

from archive.db import Database
from archive.ingest import ingest
from archive.store import iter_articles
from indexer.build import full_rebuild
from indexer.fastpath import plain_groups
from indexer.query import parse
from indexer.search import SearchRequest, SearchService
from tests.conftest import ROOT

QUERIES = ["العراق", "اسرائيل", "الأمم المتحدة", "ترامب", "الحكومة العراقية", "title:بغداد",
           "مستشفى", "الرئيس", "المنتخب الوطني", "2019", "البنك الدولي", "وزارة"]


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
    assert plain_groups(parse(q)) is not None
    compare(*services, q=q, per_page="20")


def test_same_results_with_filters_and_pages(services):
    compare(*services, q="العراق", section="politic")
    compare(*services, q="الرئيس", page="2", per_page="3")


def test_other_shapes_take_whoosh_path():
    for q in ('"خلية اتصال"', "سوريا OR لبنان", "سوريا -لبنان", "=وزارة", "وزار*", "في"):
        assert plain_groups(parse(q)) is None
