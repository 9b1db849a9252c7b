"""Building index generations from articles: a full rebuild into a new generation with an
atomic switch, or an incremental update of the serving generation.

Crash safety: a build holds the index root's writers' lock; a full rebuild only ever writes
its own new directory until the one atomic replace of ``CURRENT``, so killing it at any
moment leaves the serving generation as it was, and the next build removes what it left.
``checkpoint`` calls mark the points the kill test stops a build at."""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable, Iterable
from zoneinfo import ZoneInfo

from whoosh import index as whoosh_index

from indexer.generations import IndexRoot, NoIndex, checkpoint
from indexer.schema import make_schema, to_document

# Builds smaller than this use one process: forking writers costs more than it saves.
MULTIPROCESS_MIN = 5000
# Progress is reported every this many articles.
PROGRESS_EVERY = 100
# Seconds a build waits for another writer (e.g. a rollback) to finish before giving up.
LOCK_WAIT = 30.0


@dataclass
class BuildReport:
    generation: str
    articles: int
    seconds: float
    full: bool = True

    def to_dict(self) -> dict:
        return {"generation": self.generation, "articles": self.articles,
                "seconds": round(self.seconds, 3)}


Progress = Callable[[int, int], None]


def _latest(articles: Iterable[dict], seen: list) -> Iterable[dict]:
    """Pass articles through, remembering the newest ``updated_at``."""
    for a in articles:
        u = a.get("updated_at")
        if u is not None and (not seen or u > seen[0]):
            seen[:] = [u]
        yield a


def _feed(writer, write, articles: Iterable[dict], zone: ZoneInfo, progress: Progress | None,
          total: int | None, at_half=None) -> tuple[int, datetime | None]:
    """Write every article with ``write`` (add or update), commit, and return how many were
    written and the newest ``updated_at`` among them. On any error the writer is cancelled."""
    seen: list = []
    count = 0
    half = (total or 0) // 2
    try:
        for article in _latest(articles, seen):
            write(**to_document(article, zone))
            count += 1
            if progress and count % PROGRESS_EVERY == 0:
                progress(count, total or count)
            if at_half is not None and count == half:
                at_half()
        writer.commit()
    except BaseException:
        writer.cancel()
        raise
    if progress:
        progress(count, total or count)
    return count, (seen[0] if seen else None)


def full_rebuild(articles: Iterable[dict], index_root: str, total: int | None = None,
                 tz: str = "UTC", procs: int = 1, limitmb: int = 256,
                 progress: Progress | None = None) -> BuildReport:
    """Write every article into a new generation, then switch to it and prune old ones.
    IndexBusy when another process is writing the index."""
    started = time.perf_counter()
    root = IndexRoot(index_root)
    with root.lock(wait=LOCK_WAIT):
        root.prune()  # leftovers of a crashed build go first
        name, path = root.new_generation()
        checkpoint("generation-created")
        ix = whoosh_index.create_in(str(path), make_schema())
        multi = procs > 1 and (total or 0) >= MULTIPROCESS_MIN
        writer = ix.writer(procs=procs, multisegment=True, limitmb=limitmb) if multi \
            else ix.writer(limitmb=limitmb)
        if progress and total:
            progress(0, total)
        count, newest = _feed(writer, writer.add_document, articles, ZoneInfo(tz), progress, total,
                              at_half=lambda: checkpoint("writing"))
        checkpoint("committed")
        built_at = newest or datetime.now(timezone.utc)
        root.write_meta(name, {"articles": count, "timezone": tz, "changed_until": built_at.isoformat(),
                               "built": datetime.now(timezone.utc).isoformat()})
        root.mark_complete(name)
        checkpoint("complete")
        root.switch(name)
        checkpoint("switched")
        root.prune()
    return BuildReport(name, count, time.perf_counter() - started)


def incremental_update(articles: Iterable[dict], index_root: str, tz: str = "UTC",
                       progress: Progress | None = None, total: int | None = None) -> BuildReport:
    """Add or replace the given (changed) articles in the serving generation. A crash leaves
    the generation as of its last commit (Whoosh writes a new table of contents atomically);
    ``changed_until`` moves only after the commit, so the next update repeats the lost work
    (replacing by id, never duplicating)."""
    started = time.perf_counter()
    root = IndexRoot(index_root)
    with root.lock(wait=LOCK_WAIT):
        path = root.current_path()
        name = path.name
        meta = root.read_meta(name)
        ix = whoosh_index.open_dir(str(path))
        writer = ix.writer()
        count, newest = _feed(writer, writer.update_document, articles,
                              ZoneInfo(meta.get("timezone", tz)), progress, total)
        if newest is not None:
            meta["changed_until"] = newest.isoformat()
        meta["articles"] = ix.doc_count()
        root.write_meta(name, meta)
    return BuildReport(name, count, time.perf_counter() - started, full=False)


def changed_since(index_root: str) -> datetime | None:
    """The change time up to which the serving generation holds the archive (None: no index)."""
    root = IndexRoot(index_root)
    try:
        name = root.current_path().name
    except NoIndex:
        return None
    value = root.read_meta(name).get("changed_until")
    return datetime.fromisoformat(value) if value else None
