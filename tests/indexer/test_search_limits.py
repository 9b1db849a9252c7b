"""SEARCH_TIME_LIMIT covers every stage of a search (issue 17 item 3): alias expansion, the
spellings readers mean, matching, snippets and facets each stop at the deadline, tested with a
clock the test moves past it inside one stage; and a word typed many times is searched once."""
from __future__ import annotations

import time

import pytest
from whoosh.searching import Searcher as WhooshSearcher

from indexer import facets, fastpath, plan, reader, search
from indexer.plan import prepare
from indexer.query import parse
from indexer.search import SearchRequest, SearchService, SearchTimeout
from tests.indexer.test_search import service  # noqa: F401 - the small real index

from indexer.entities import entity_key  # noqa: E402

SPELLINGS = [["وزارة", entity_key("وزارة")], ["الوزارة", entity_key("الوزارة")]]
ALIASES = {key: ("e1", [name for name, _ in SPELLINGS]) for _, key in SPELLINGS}


class Clock:
    """time.perf_counter for the test: still, until a stage jumps it past any deadline."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def jump(self) -> None:
        self.now += 10_000.0


def test_a_word_typed_166_times_is_one_word():
    query = " ".join(["وزارة"] * 166)
    assert len(query) == 995
    folded = prepare(parse(query), aliases=ALIASES)
    once = prepare(parse("وزارة"), aliases=ALIASES)
    assert folded.query == once.query and folded.expanded == once.expanded and len(folded.expanded) == 1
    assert plan.fold_repeats(parse('"وزارة وزارة" OR وزارة OR وزارة')) == parse('"وزارة وزارة" OR وزارة')


def test_the_repeated_query_finds_what_the_word_finds(service):  # noqa: F811
    many = service.search(SearchRequest(query=" ".join(["وزارة"] * 166)))
    one = service.search(SearchRequest(query="وزارة"))
    assert [h.id for h in many.hits] == [h.id for h in one.hits] and many.total == one.total == 2


def jumping(monkeypatch, clock: Clock, owner, name: str) -> list:
    """Make ``owner.name`` move the clock past the deadline when called; returns its calls."""
    calls = []
    original = getattr(owner, name)

    def wrapper(*args, **kwargs):
        calls.append(name)
        clock.jump()
        return original(*args, **kwargs)
    monkeypatch.setattr(owner, name, wrapper)
    return calls


@pytest.mark.parametrize("owner, stage, query, later", [
    (plan, "expand_aliases", "وزارة", (plan, "add_spellings")),            # alias expansion
    (plan, "spelling_variants", "مسوول", (plan, "analyse")),              # the spellings readers mean
    (fastpath.TermArrays, "match", "الفائدة", (reader.WhooshGeneration, "rank")),   # matching, numpy
    (fastpath.TermArrays, "evaluate", "الفائدة OR السوق", (reader.WhooshGeneration, "rank")),  # OR, numpy
    (fastpath.TermArrays, "positions", '"سعر الفائدة"', (reader.WhooshGeneration, "rank")),  # phrase check
    (WhooshSearcher, "docs_for_query", "الفائدة OR -السوق", (reader.WhooshGeneration, "rank")),  # Whoosh
    (search, "snippet", "في", (search, "compute_facets")),              # snippets (three hits)
], ids=["aliases", "spellings", "matching", "matching-shapes", "phrase", "matching-whoosh", "snippets"])
def test_each_stage_stops_at_the_deadline(service, monkeypatch, owner, stage, query, later):  # noqa: F811
    tight = SearchService(str(service.root.root), cache_size=0, time_limit=5.0,
                          authority=lambda: {"aliases": {"e1": SPELLINGS}})
    try:
        tight._current()
        clock = Clock()
        monkeypatch.setattr(time, "perf_counter", clock)
        calls = jumping(monkeypatch, clock, owner, stage)
        after = []
        original = getattr(later[0], later[1])
        monkeypatch.setattr(later[0], later[1], lambda *a, **k: after.append(1) or original(*a, **k))
        with pytest.raises(SearchTimeout):
            tight.search(SearchRequest(query=query))
        assert calls and not after  # stopped at the next look at the clock, before the next stage
    finally:
        tight.close()


def test_facets_stop_at_the_search_deadline(service, monkeypatch):  # noqa: F811
    """Past the search's deadline, entity facets are not started (even with facet time to
    spare); the counts that sum to the total still come back."""
    roomy = SearchService(str(service.root.root), cache_size=0, time_limit=5.0, facet_time_limit=60.0)
    try:
        roomy._current().entities_ready(wait=60)
        clock = Clock()
        monkeypatch.setattr(time, "perf_counter", clock)
        jumping(monkeypatch, clock, facets, "date_facet")
        r = roomy.search(SearchRequest(query="وزارة"))
        assert r.total == 2 and {n for n, f in r.facets.items() if f.timed_out} == {"person", "org", "place"}
        assert sum(v.count for v in r.facets["date"].values) == 2
    finally:
        roomy.close()


def test_a_search_without_the_authority_file_says_so_and_is_not_cached(service):  # noqa: F811
    """The database is down when the worker starts: the search answers without alias expansion,
    says so, and is not cached; once the file can be read, the same search expands again."""
    down = {"now": True}

    def authority():
        if down["now"]:
            raise ConnectionError("database is down")
        return {"aliases": {"e1": SPELLINGS}}

    degraded = SearchService(str(service.root.root), authority=authority, authority_timeout=5.0)
    try:
        first = degraded.search(SearchRequest(query="وزارة"))
        assert first.expanded == [] and search.DEGRADED in first.notices
        down["now"] = False
        degraded.authority.retry = 0
        degraded.authority.get()
        reading = degraded.authority._reading
        if reading is not None:
            reading.wait(5)
        again = degraded.search(SearchRequest(query="وزارة"))
        assert again.expanded == [{"term": "وزارة", "aliases": ["الوزارة"]}] and not again.notices
        down["now"] = True   # a later outage: the last good copy still expands, from the cache or not
        degraded.authority.ttl = 0
        assert degraded.search(SearchRequest(query="وزارة", per_page=5)).expanded == again.expanded
    finally:
        degraded.close()
