"""Facet counts a journalist can quote: entity facets from columns read when a generation
opens, the facet time box (an incomplete result is never cached), and counts that add up."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from indexer.build import full_rebuild
from indexer.search import SearchRequest, SearchService

PEOPLE = (["e1"], ["e1", "e2"], ["e2"], [], ["e3"], ["e1"])
PLACES = (["e7"], [], ["e7", "e8"], ["e8"], ["e7"], [])


def article(i: int) -> dict:
    when = datetime(2017 + i % 3, 1 + i, 10, tzinfo=timezone.utc)
    return {"id": f"a{i}", "title": f"عنوان {i}", "subtitle": None, "body": "خبر عن الاجتماع",
            "author": None, "url": None, "published_at": when, "date_precision": "day",
            "section": ("politic", "economy")[i % 2], "section_label": None, "source": "Al Arabiya",
            "updated_at": when, "person": PEOPLE[i], "org": [], "place": PLACES[i]}


@pytest.fixture()
def index_dir(tmp_path):
    full_rebuild([article(i) for i in range(len(PEOPLE))], str(tmp_path))
    return str(tmp_path)


def counts(facet) -> dict:
    return {v.value: v.count for v in facet.values}


def test_entity_columns_are_read_when_a_generation_opens(index_dir):
    service = SearchService(index_dir)
    try:
        gen = service._current()
        assert gen.entities_ready(wait=60)  # read in the background as the generation opened
        assert {kind: sorted(col.ids) for kind, col in gen._entity_columns.items()} == \
            {"person": ["e1", "e2", "e3"], "org": [], "place": ["e7", "e8"]}
    finally:
        service.close()


def test_searches_while_entity_columns_are_read(index_dir):
    """Until the columns are in, entity facets are timed out (and the result not cached) and
    an entity filter waits for them within the search's time limit."""
    import threading

    service = SearchService(index_dir, time_limit=60)
    try:
        gen = service._current()
        assert gen.entities_ready(wait=60)
        assert service.ready()
        ready = gen._entities_ready
        gen._entities_ready = threading.Event()      # as if still reading
        assert not service.ready(wait=0.05)          # what a starting web worker waits for
        r = service.search(SearchRequest(query="الاجتماع"))
        assert r.total == 6 and {n for n, f in r.facets.items() if f.timed_out} == {"person", "org", "place"}
        threading.Timer(0.2, gen._entities_ready.set).start()
        filtered = service.search(SearchRequest(query="الاجتماع", person=["e2"]))  # waits, then filters
        assert sorted(h.id for h in filtered.hits) == ["a1", "a2"]
        gen._entities_ready = ready
        again = service.search(SearchRequest(query="الاجتماع"))
        assert counts(again.facets["person"]) == {"e1": 3, "e2": 2, "e3": 1}
    finally:
        service.close()


def test_counts_after_an_incremental_update_skip_replaced_articles(index_dir):
    from indexer.build import incremental_update

    changed = dict(article(0), person=["e3"], updated_at=datetime(2030, 1, 1, tzinfo=timezone.utc))
    incremental_update([changed], index_dir)
    service = SearchService(index_dir)
    try:
        service._current().entities_ready(wait=60)
        r = service.search(SearchRequest(query="الاجتماع"))
        assert r.total == 6
        assert counts(r.facets["person"]) == {"e1": 2, "e2": 2, "e3": 2}
        assert service.search(SearchRequest(person=["e1"])).total == 2
    finally:
        service.close()


def test_a_timed_out_facet_leaves_the_counts_and_is_never_cached(index_dir):
    service = SearchService(index_dir, facet_time_limit=-1.0)  # past the time box at once
    try:
        r = service.search(SearchRequest(query="الاجتماع"))
        assert r.total == 6
        assert {name for name, f in r.facets.items() if f.timed_out} == {"person", "org", "place"}
        assert [n for n in r.notices if "facet took too long" in n] and r.facets["person"].values == []
        assert counts(r.facets["section"]) == {"politic": 3, "economy": 3}
        assert counts(r.facets["date"]) == {"2017": 2, "2018": 2, "2019": 2}
        service.facet_time_limit = 5.0
        again = service.search(SearchRequest(query="الاجتماع"))
        assert not any(f.timed_out for f in again.facets.values()) and again.notices == []
        assert counts(again.facets["person"]) == {"e1": 3, "e2": 2, "e3": 1}
        assert counts(again.facets["place"]) == {"e7": 3, "e8": 2}
        # a complete result is cached: the same facets come back without searching again
        service._search = None
        assert service.search(SearchRequest(query="الاجتماع")).facets == again.facets
    finally:
        service.close()


@pytest.mark.parametrize("chunk", [4096, 7])  # documents counted at a time
def test_entity_counts_and_top_values_match_a_plain_count(monkeypatch, chunk):
    """A facet reads only the chosen documents' (document, entity) pairs (or, for most of the
    documents, the others'); the counts and the top values (most frequent first, ties by value)
    are what counting every pair gives, and a filter's documents those that hold every entity
    chosen; the pairs kept in a byte each."""
    import numpy as np

    from indexer import columns
    from indexer.columns import EntityColumn, ValueColumn, top_counts

    monkeypatch.setattr(columns, "COUNT_CHUNK", chunk)

    rng = np.random.default_rng(7)
    n = 500
    pairs = {(int(d), int(e)) for d, e in zip(rng.integers(0, n - 20, 3000), rng.integers(0, 60, 3000))}
    ids = sorted(f"e{i:03d}" for i in range(60))
    docs = np.asarray([d for d, _ in sorted(pairs, key=lambda p: p[1])], dtype=np.int32)  # term by term
    codes = np.asarray([e for _, e in sorted(pairs, key=lambda p: p[1])], dtype=np.int32)
    col = EntityColumn(ids, docs, codes)
    for chosen in (np.arange(n), np.zeros(0, np.int32), np.asarray([3, 3, 1, n - 1]),
                   np.sort(rng.choice(n, 40, replace=False)), np.asarray([n - 5, n - 1]),
                   # most documents: every document's counts less the others'
                   np.sort(rng.choice(n, 400, replace=False)), np.delete(np.arange(n), [0, 5, 70, 300]),
                   np.arange(1, n), np.arange(n - 1),
                   np.asarray([0, 1, 2, 3, 4, 5, 6, 6, 7, 8])):  # a repeat across 7 at a time
        expected = np.zeros(len(ids), dtype=np.int64)
        for d, e in pairs:
            expected[e] += d in set(chosen.tolist())
        got = col.counts(chosen.astype(np.int32), n)
        assert got.tolist() == expected.tolist()
        values = ValueColumn([f"v{d % 13}" for d in range(n)])
        assert values.counts(np.unique(chosen), n).tolist() == \
            np.bincount(values.codes[np.unique(chosen)], minlength=13).tolist()
        top = top_counts(ids, col.index, got, 10, ["e059"], col.rank)
        plain = sorted((eid for eid in ids if expected[col.index[eid]]),
                       key=lambda eid: (-expected[col.index[eid]], eid))[:10]
        assert list(top)[:len(plain)] == plain and top["e059"] == expected[59]
    for wanted in (["e000"], ["e013", "e042"], ["e059", "absent"], []):
        expected = [all((d, col.index[e]) in pairs for e in wanted if e in col.index) and "absent" not in wanted
                    for d in range(n)]
        assert col.mask(wanted, n).tolist() == expected, wanted
    # One byte a pair for 60 entities (the codes' smallest type), where both orders as int32 took
    # 12, and the 60 counts over every document
    assert col.nbytes == len(pairs) + 4 * (max(d for d, _ in pairs) + 2) + 8 * 60
    empty = EntityColumn([], np.zeros(0, np.int32), np.zeros(0, np.int32))
    assert empty.counts(np.arange(5, dtype=np.int32), 5).tolist() == []
    assert empty.mask(["e1"], 5).tolist() == [False] * 5


def test_entity_columns_of_a_generation_are_those_of_its_live_documents(tmp_path):
    """The entity columns a generation reads (each segment's terms and postings read at once)
    hold each live document's entities: over segments, with a deleted document, and without an
    entity only a deleted document mentions."""
    import numpy as np
    from whoosh import index

    from indexer.reader import WhooshGeneration
    from indexer.schema import make_schema

    ix = index.create_in(str(tmp_path), make_schema())
    mentions = {}
    for part in range(2):
        writer = ix.writer()
        for i in range(150):
            doc = f"d{part}-{i}"
            mentions[doc] = [f"e{i % 7}", f"e{10 + i % 3}"][:1 + i % 2] + ["gone"] * (doc == "d1-5")
            writer.add_document(id=doc, title="عنوان", body="نص", published=1_600_000_000 + i,
                                person=",".join(mentions[doc]))
        writer.commit(merge=False)
    writer = ix.writer()
    writer.delete_by_term("id", "d1-5")
    writer.commit(merge=False)
    gen = WhooshGeneration("g", tmp_path)
    try:
        assert gen.entities_ready(wait=30)
        col = gen.column("person")
        stored = [gen.searcher.stored_fields(d)["id"] if gen.live[d] else None for d in range(gen.n)]
        live_mentions = [m for doc, m in mentions.items() if doc != "d1-5"]
        assert col.ids == sorted({e for m in live_mentions for e in m})  # "gone" left out
        counts = col.counts(np.flatnonzero(gen.live).astype(np.int32), gen.n)
        assert {e: int(counts[col.index[e]]) for e in col.ids} == \
            {e: sum(e in m for m in live_mentions) for e in col.ids}
        holding = col.mask(["e3", "e11"], gen.n)
        assert sorted(stored[d] for d in np.flatnonzero(holding)) == \
            sorted(doc for doc, m in mentions.items() if {"e3", "e11"} <= set(m))
    finally:
        gen.close()
