"""A search service that stays open (one web worker) sees every change to the index exactly:
incremental updates, new generations, rollbacks, and a generation pruned from under it."""
from __future__ import annotations

import shutil
from datetime import datetime, timezone

from indexer.build import full_rebuild, incremental_update
from indexer.generations import IndexRoot
from indexer.reader import WhooshGeneration as _Generation
from indexer.search import SearchRequest, SearchService

BEFORE = datetime(2020, 1, 1, tzinfo=timezone.utc)
AFTER = datetime(2021, 1, 1, tzinfo=timezone.utc)


def article(i: int, body: str, when: datetime = BEFORE) -> dict:
    return {"id": f"a{i}", "title": f"عنوان {i}", "subtitle": None, "body": body, "author": None,
            "url": None, "published_at": when, "date_precision": "day", "section": "politic",
            "section_label": "politic", "source": "Al Arabiya", "updated_at": when}


def found(service: SearchService, q: str = "", **params) -> list[str]:
    r = service.search(SearchRequest(query=q, per_page=100, **params))
    ids = [h.id for h in r.hits]
    assert len(ids) == len(set(ids)), f"duplicate hits for {q!r}: {ids}"
    assert r.total == len(ids)
    return sorted(ids)


def test_an_open_service_sees_an_incremental_update_exactly(tmp_path):
    full_rebuild([article(i, "خبر عن سوريا") for i in range(5)], str(tmp_path))
    service = SearchService(str(tmp_path))
    try:
        assert found(service, "سوريا") == ["a0", "a1", "a2", "a3", "a4"]
        # a0 changes (drops سوريا for لبنان), a9 is new
        incremental_update([article(0, "خبر عن لبنان", AFTER), article(9, "خبر عن سوريا", AFTER)],
                           str(tmp_path))
        assert found(service, "سوريا") == ["a1", "a2", "a3", "a4", "a9"]   # old text gone, once each
        assert found(service, "لبنان") == ["a0"]                           # new text found
        assert found(service) == ["a0", "a1", "a2", "a3", "a4", "a9"]
        r = service.search(SearchRequest(query=""))
        assert [(v.value, v.count) for v in r.facets["section"].values] == [("politic", 6)]
        assert sum(v.count for v in r.facets["date"].values) == r.total == 6
        assert service.status()["indexed"] == 6
    finally:
        service.close()


def test_an_open_service_follows_rebuilds_rollbacks_and_pruning(tmp_path):
    full_rebuild([article(i, "خبر عن سوريا") for i in range(3)], str(tmp_path))
    service = SearchService(str(tmp_path))
    try:
        first = service.status()["generation"]
        assert found(service, "سوريا") == ["a0", "a1", "a2"]
        full_rebuild([article(i, "خبر عن لبنان") for i in range(4)], str(tmp_path))
        assert found(service, "سوريا") == [] and len(found(service, "لبنان")) == 4
        assert IndexRoot(tmp_path).rollback() == first
        assert found(service, "سوريا") == ["a0", "a1", "a2"] and found(service, "لبنان") == []
        # two more builds prune the generation this service has open; the next search opens
        # the serving one
        full_rebuild([article(i, "خبر عن مصر") for i in range(2)], str(tmp_path))
        full_rebuild([article(i, "خبر عن مصر") for i in range(2)], str(tmp_path))
        assert not (tmp_path / first).exists()
        assert found(service, "مصر") == ["a0", "a1"] and found(service, "سوريا") == []
        assert service.status()["indexed"] == 2
    finally:
        service.close()


def test_a_generation_removed_while_open_still_answers_its_searches(tmp_path):
    """A search that began on a generation finishes even if a build prunes it meanwhile: its
    files stay open (no mmap), so the removal takes effect for the next request only."""
    full_rebuild([article(i, "خبر عن سوريا") for i in range(3)], str(tmp_path))
    root = IndexRoot(tmp_path)
    gen = _Generation(root.current(), root.current_path())
    shutil.rmtree(root.current_path())
    service = SearchService(str(tmp_path))
    service._current = lambda: gen
    try:
        assert found(service, "سوريا") == ["a0", "a1", "a2"]
        assert found(service, '"خبر عن"') == ["a0", "a1", "a2"]   # Whoosh's own path too
        assert [h.id for h in service.related("a1")]
    finally:
        gen.close()
