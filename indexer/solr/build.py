"""Building index generations on SolrCloud, the way ``indexer.build`` builds them on disk: a full
rebuild writes a new collection and moves the alias to it; an incremental update adds or
replaces the changed articles in the serving collection. Articles go through the same
``indexer.build`` feed (``to_document``, progress, cancel on error) into a writer that
sends batches of Solr documents.

Crash safety: a full rebuild writes only its own new collection, marked complete after its
commit; the alias moves last, so a build killed at any moment leaves the serving collection
as it was, and the next build deletes what it left. An incremental update sends documents by
id (replacing, never duplicating); the change number moves only after the commit, so an update
that died is repeated whole by the next one."""
from __future__ import annotations

import time
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, timezone
from typing import Iterable
from zoneinfo import ZoneInfo

from indexer.build import BuildReport, Progress, _feed
from indexer.generations import NoIndex
from indexer.solr.client import SolrClient
from indexer.solr.documents import solr_document
from indexer.solr.generations import SolrGenerations

# Documents per update request (a news article is 10-60 KB of pre-analysed JSON).
BATCH = 100


class SolrWriter:
    """What ``indexer.build._feed`` writes into: documents are sent in batches, committed once.
    Solr replaces a document with the same id, so adding and updating are one operation. One
    batch is in flight while the next is analysed (the request waits on the network, not on
    Python), and a failed request is raised at the next batch or at the commit."""

    def __init__(self, client: SolrClient, collection: str, batch: int = BATCH):
        self.client = client
        self.collection = collection
        self.batch = batch
        self.pending: list[dict] = []
        self._sender = ThreadPoolExecutor(max_workers=1, thread_name_prefix="solr-writer")
        self._in_flight: Future | None = None

    def add_document(self, **doc) -> None:
        self.pending.append(solr_document(doc))
        if len(self.pending) >= self.batch:
            self.flush()

    update_document = add_document

    def flush(self) -> None:
        self._wait()
        if self.pending:
            self._in_flight = self._sender.submit(self.client.add, self.collection, self.pending)
            self.pending = []

    def _wait(self) -> None:
        if self._in_flight is not None:
            sent, self._in_flight = self._in_flight, None
            sent.result()

    def commit(self) -> None:
        try:
            self.flush()
            self._wait()
            self.client.commit(self.collection)
        finally:
            self._sender.shutdown(wait=True)

    def cancel(self) -> None:
        # Solr has no rollback in cloud mode: what was sent stays uncommitted until the next
        # commit. A full rebuild's collection is never switched to; an update repeats it all.
        self.pending = []
        self._sender.shutdown(wait=True, cancel_futures=True)


def full_rebuild(articles: Iterable[dict], generations: SolrGenerations, total: int | None = None,
                 tz: str = "UTC", progress: Progress | None = None, change: int | None = None) -> BuildReport:
    """Write every article into a new collection, then move the alias to it and prune.
    ``change`` is the archive's change number read before the first article was
    (archive/changes.py): the next incremental update takes the articles changed after it."""
    started = time.perf_counter()
    generations.prune()  # leftovers of a crashed build go first
    name = generations.new_generation()
    writer = SolrWriter(generations.client, name)
    if progress and total:
        progress(0, total)
    count = _feed(writer, writer.add_document, articles, ZoneInfo(tz), progress, total)
    generations.write_meta(name, {"articles": count, "timezone": tz, "change": change,
                                  "built": datetime.now(timezone.utc).isoformat()})
    generations.mark_complete(name)
    generations.switch(name)
    generations.prune()
    return BuildReport(name, count, time.perf_counter() - started)


def incremental_update(articles: Iterable[dict], generations: SolrGenerations, tz: str = "UTC",
                       progress: Progress | None = None, total: int | None = None,
                       change: int | None = None) -> BuildReport:
    """Add or replace the given (changed) articles in the serving collection; ``change`` is the
    archive's change number read before the first of them was."""
    started = time.perf_counter()
    name = generations.current_collection()
    meta = generations.read_meta(name)
    writer = SolrWriter(generations.client, name)
    count = _feed(writer, writer.update_document, articles, ZoneInfo(meta.get("timezone", tz)),
                  progress, total)
    if change is not None:
        meta["change"] = change
    meta["articles"] = generations.client.count(name)
    generations.write_meta(name, meta)
    return BuildReport(name, count, time.perf_counter() - started, full=False)


def indexed_change(generations: SolrGenerations) -> int | None:
    """The archive change number up to which the serving collection holds the archive (None:
    no index yet)."""
    try:
        name = generations.current_collection()
    except NoIndex:
        return None
    return generations.read_meta(name).get("change")
