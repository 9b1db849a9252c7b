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

import multiprocessing
import os
import time
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from datetime import datetime, timezone
from typing import Iterable
from zoneinfo import ZoneInfo

from indexer.build import MULTIPROCESS_MIN, BuildReport, Progress, _feed
from indexer.generations import NoIndex, die_with_parent
from indexer.solr.client import SolrClient
from indexer.solr.documents import solr_document
from indexer.solr.generations import SolrGenerations

# Documents per update request (a news article is 10-60 KB of pre-analysed JSON).
BATCH = 100


def _analyse_and_send(client: SolrClient, collection: str, docs: list[dict]) -> int:
    """In a build worker process: analyse a batch (the costly part) and send it."""
    client.add(collection, [solr_document(d) for d in docs])
    return len(docs)


class SolrWriter:
    """What ``indexer.build._feed`` writes into: documents are sent in batches, committed once.
    Solr replaces a document with the same id, so adding and updating are one operation.

    With ``procs`` 1, batches are analysed here and one is in flight while the next is analysed
    (the request waits on the network, not on Python). With more, ``procs`` forked worker
    processes each analyse and send whole batches (analysis is most of a build's time, and it
    is Python's), at most two batches per worker waiting. Either way a failed request is
    raised at a later batch or at the commit."""

    def __init__(self, client: SolrClient, collection: str, batch: int = BATCH, procs: int = 1):
        self.client = client
        self.collection = collection
        self.batch = batch
        self.procs = max(1, procs)
        self.pending: list[dict] = []
        if self.procs == 1:
            self._sender = ThreadPoolExecutor(max_workers=1, thread_name_prefix="solr-writer")
        else:
            self._sender = ProcessPoolExecutor(max_workers=self.procs, mp_context=multiprocessing.get_context("fork"),
                                               initializer=die_with_parent, initargs=(os.getpid(),))
        self._in_flight: deque[Future] = deque()

    def add_document(self, **doc) -> None:
        self.pending.append(solr_document(doc) if self.procs == 1 else doc)
        if len(self.pending) >= self.batch:
            self.flush()

    update_document = add_document

    def flush(self) -> None:
        while len(self._in_flight) >= (1 if self.procs == 1 else 2 * self.procs):
            self._in_flight.popleft().result()
        if self.pending:
            if self.procs == 1:
                sent = self._sender.submit(self.client.add, self.collection, self.pending)
            else:
                sent = self._sender.submit(_analyse_and_send, self.client, self.collection, self.pending)
            self._in_flight.append(sent)
            self.pending = []

    def _wait(self) -> None:
        while self._in_flight:
            self._in_flight.popleft().result()

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
                 tz: str = "UTC", progress: Progress | None = None, change: int | None = None,
                 procs: int = 1, multiprocess_min: int = MULTIPROCESS_MIN) -> BuildReport:
    """Write every article into a new collection, then move the alias to it and prune.
    ``change`` is the archive's change number read before the first article was
    (archive/changes.py): the next incremental update takes the articles changed after it.
    From ``multiprocess_min`` articles on, ``procs`` worker processes analyse and send."""
    started = time.perf_counter()
    generations.prune()  # leftovers of a crashed build go first
    name = generations.new_generation()
    writer = SolrWriter(generations.client, name,
                        procs=procs if (total or 0) >= multiprocess_min else 1)
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
