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
from whoosh.codec.whoosh3 import W3Codec

from indexer.generations import IndexRoot, NoIndex, checkpoint
from indexer.posting_columns import add_to_index
from indexer.schema import make_schema, to_document
from indexer.writer import ArticleMpWriter, ArticleWriter

# Builds smaller than this use one process: forking writers costs more than it saves.
MULTIPROCESS_MIN = 5000
# Progress is reported every this many articles.
PROGRESS_EVERY = 100
# Memory (MB) each writer process of a full rebuild may hold in postings before it spills them,
# sorted, to a run file merged when its segment is written (indexer/writer.py): each process
# writes one segment whatever the archive's size.
WRITER_MB = 1024
# Seconds a build waits for another writer (e.g. a rollback) to finish before giving up.
LOCK_WAIT = 30.0


def codec() -> W3Codec:
    """How generations are written: Whoosh's own format, with posting blocks left uncompressed
    (Whoosh's default zlib-compresses every block of 128 postings, and a search decompresses
    every block it reads; without it a build runs ≈ 12% faster in bench/reindex.py for an
    index ≈ 35% larger). Readers need no setting: each block says whether it is compressed."""
    return W3Codec(compression=0)


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


def _cancel(writer) -> None:
    """Cancel a writer. Whoosh's multi-process writer only flags its sub-writer processes,
    which then wait for work forever (and the interpreter waits for them at exit): they are
    stopped first, then the writer removes its files."""
    for task in getattr(writer, "tasks", ()):
        task.terminate()
        task.join()
    writer.cancel()


def _feed(writer, write, articles: Iterable[dict], zone: ZoneInfo, progress: Progress | None,
          total: int | None, at_half=None) -> int:
    """Write every article with ``write`` (add or update), commit, and return how many were
    written. On any error the writer is cancelled."""
    count = 0
    half = (total or 0) // 2
    try:
        for article in articles:
            write(**to_document(article, zone))
            count += 1
            if progress and count % PROGRESS_EVERY == 0:
                progress(count, total or count)
            if at_half is not None and count == half:
                at_half()
        writer.commit()
    except BaseException:
        _cancel(writer)
        raise
    if progress:
        progress(count, total or count)
    return count


def full_rebuild(articles: Iterable[dict], index_root: str, total: int | None = None,
                 tz: str = "UTC", procs: int = 1, limitmb: int = WRITER_MB,
                 progress: Progress | None = None, change: int | None = None,
                 multiprocess_min: int = MULTIPROCESS_MIN, write_codec: W3Codec | None = None,
                 whoosh_writer: bool = False) -> BuildReport:
    """Write every article into a new generation, then switch to it and prune old ones.
    ``change`` is the archive's change number read before the first article was
    (archive/changes.py): the next incremental update takes the articles changed after it.
    The segments are written by ``indexer.writer`` (Whoosh's format; ``whoosh_writer``: by
    Whoosh's own writer, which benchmarks and tests compare it with); from
    ``multiprocess_min`` articles on, by ``procs`` processes, each writing its own segments.
    ``write_codec``: the posting format (``codec()`` by default; benchmarks compare others).
    ``limitmb``: each writer process's postings in memory (Whoosh's writer: its pool's size).
    IndexBusy when another process is writing the index."""
    started = time.perf_counter()
    root = IndexRoot(index_root)
    with root.lock(wait=LOCK_WAIT):
        root.prune()  # leftovers of a crashed build go first
        name, path = root.new_generation()
        checkpoint("generation-created")
        ix = whoosh_index.create_in(str(path), make_schema())
        multi = procs > 1 and (total or 0) >= multiprocess_min
        options = {"limitmb": limitmb, "codec": write_codec or codec()}
        if whoosh_writer:
            writer = ix.writer(procs=procs, multisegment=True, **options) if multi else ix.writer(**options)
        else:
            writer = ArticleMpWriter(ix, procs=procs, **options) if multi else ArticleWriter(ix, **options)
        if progress and total:
            progress(0, total)
        count = _feed(writer, writer.add_document, articles, ZoneInfo(tz), progress, total,
                      at_half=lambda: checkpoint("writing"))
        add_to_index(path)  # Arshif's writer wrote them; Whoosh's did not
        checkpoint("committed")
        root.write_meta(name, {"articles": count, "timezone": tz, "change": change,
                               "built": datetime.now(timezone.utc).isoformat()})
        root.mark_complete(name)
        checkpoint("complete")
        root.switch(name)
        checkpoint("switched")
        root.prune()
    return BuildReport(name, count, time.perf_counter() - started)


def incremental_update(articles: Iterable[dict], index_root: str, tz: str = "UTC",
                       progress: Progress | None = None, total: int | None = None,
                       change: int | None = None) -> BuildReport:
    """Add or replace the given (changed) articles in the serving generation; ``change`` is
    the archive's change number read before the first of them was. A crash leaves the
    generation as of its last commit (Whoosh writes a new table of contents atomically); the
    generation's change number moves only after the commit, so the next update repeats the
    lost work (replacing by id, never duplicating)."""
    started = time.perf_counter()
    root = IndexRoot(index_root)
    with root.lock(wait=LOCK_WAIT):
        path = root.current_path()
        name = path.name
        meta = root.read_meta(name)
        ix = whoosh_index.open_dir(str(path))
        writer = ix.writer(codec=codec())
        count = _feed(writer, writer.update_document, articles,
                      ZoneInfo(meta.get("timezone", tz)), progress, total)
        # the new and merged segments' columnar postings (and any an older build left out); a
        # crash before they are written leaves segments read from their blocks until the next update
        add_to_index(path)
        if change is not None:
            meta["change"] = change
        meta["articles"] = ix.doc_count()
        root.write_meta(name, meta)
    return BuildReport(name, count, time.perf_counter() - started, full=False)


def indexed_change(index_root: str) -> int | None:
    """The archive change number up to which the serving generation holds the archive; None
    when there is no index, or it was built before change numbers (rebuild it in full)."""
    root = IndexRoot(index_root)
    try:
        name = root.current_path().name
    except NoIndex:
        return None
    return root.read_meta(name).get("change")
