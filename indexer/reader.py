"""The Whoosh engine: the serving generation of an index root opened read-only, refreshed
after incremental reindexes and reopened after a switch (``WhooshEngine``), and the searcher
of one open generation (``WhooshGeneration``), which matches and ranks a plan (the numpy
fast path, ``indexer.fastpath``; Whoosh's own matching for the shapes it leaves) and counts facets from numpy
columns: the matching docnums are collected once, and each facet counts them under every
filter except its own."""
from __future__ import annotations

import logging
import threading
import time
from itertools import count
from typing import Sequence

import numpy as np
from whoosh import query as wq
from whoosh.collectors import TimeLimit, WrappingCollector
from whoosh.filedb.filestore import FileStorage

from indexer import topk
from indexer.columns import EntityColumn, ValueColumn, date_columns, top_counts
from indexer.compile import compile_plan
from indexer.engine import Engine, FacetQuery, Filters, Ranked, Searcher, Selection
from indexer.fastpath import TermArrays, field_postings, plain_words
from indexer.generations import IndexRoot, NoIndex
from indexer.plan import Plan
from indexer.query import ENTITY_KINDS
from indexer.request import SearchTimeout

# Documents between two looks at the clock while Whoosh matches: its matchers can spend a
# millisecond on one document of a long query, so thousands between looks overran the limit.
TIME_CHECK_EVERY = 64
RELATED_TERMS = 12        # an article's key words that "related" searches for
RELATED_CANDIDATES = 40   # its best key words by Bo1, among which those are chosen
log = logging.getLogger(__name__)


class _DeadlineCollector(WrappingCollector):
    """Stops collecting past ``deadline`` (checked every few dozen documents). Unlike
    Whoosh's TimeLimitCollector it starts no timer thread per search."""

    def __init__(self, child, deadline: float):
        self.child = child
        self.deadline = deadline

    def collect_matches(self) -> None:
        child = self.child
        clock = time.perf_counter
        for i, sub_docnum in enumerate(child.matches()):
            if i % TIME_CHECK_EVERY == 0 and clock() > self.deadline:
                raise TimeLimit
            child.collect(sub_docnum)


def _matching(searcher, q, deadline: float):
    """Docnums matching ``q``, checking the deadline every few dozen documents (and at once)."""
    for i, docnum in enumerate(searcher.docs_for_query(q)):
        if i % TIME_CHECK_EVERY == 0 and time.perf_counter() > deadline:
            raise SearchTimeout()
        yield docnum
    if time.perf_counter() > deadline:
        raise SearchTimeout()


class WhooshSelection(Selection):
    """The docnums the text query matches (``base``), one boolean mask per filter in use, and
    each base docnum's score when the numpy path matched a query other than plain words."""

    def __init__(self, plan: Plan, query, base: np.ndarray, masks: dict[str, np.ndarray],
                 scores: np.ndarray | None = None):
        self.plan = plan
        self.query = query
        self.base = base
        self.scores = scores
        self.masks = masks
        self.docs = self.restrict()
        self.total = int(self.docs.size)

    def restrict(self, skip: str | None = None) -> np.ndarray:
        """``base`` under every filter mask except ``skip`` (a facet's own filter)."""
        docs = self.base
        for name, m in self.masks.items():
            if name != skip:
                docs = docs[m[docs]]
        return docs


class WhooshGeneration(Searcher):
    """One open generation: its Whoosh searcher, facet columns and posting arrays."""

    def __init__(self, name: str, path, version: int = 0, fast: bool = True, tz: str = "UTC"):
        self.name = name
        self.version = version
        self.fast = fast
        self.tz = tz
        # Without mmap: Whoosh's mmap mode copies index files into the process (RESEARCH §7).
        self.ix = FileStorage(str(path), supports_mmap=False, readonly=True).open_index()
        self.searcher = self.ix.searcher()
        self._load()

    def _load(self) -> None:
        reader = self.searcher.reader()
        self.n = reader.doc_count_all()

        def column(name):  # an empty index has no columns at all
            return reader.column_reader(name) if self.n else ()

        self.columns = {f: ValueColumn(column(f)) for f in ("section", "source")}
        self.published = np.fromiter(column("published"), dtype=np.int64, count=self.n)
        # Years and months in the archive's time zone now, whatever zone the index was built in.
        self.columns["year"], self.columns["month"] = date_columns(self.published, self.tz)
        self.live = np.ones(self.n, dtype=bool)
        if reader.has_deletions():
            for d in range(self.n):
                if reader.is_deleted(d):
                    self.live[d] = False
        self.all_docs = np.flatnonzero(self.live).astype(np.int32)
        self.doc_count = int(self.live.sum())
        self._arrays = TermArrays(self.searcher, self.live) if self.fast and self.n else None
        # Entity columns are read when the generation opens, in the background (seconds for a
        # large archive): a search waits for them only within its limits (an entity filter
        # within the search's, an entity facet within the facet time box, past which the facet
        # is reported as timed out and the result not cached).
        self._entity_columns: dict[str, EntityColumn] = {}
        self._entities_ready = threading.Event()
        threading.Thread(target=self._load_entities, daemon=True, name=f"entities-{self.name}").start()

    def _load_entities(self) -> None:
        # Its own reader: Whoosh's files are read by seek-and-read, so a reader shared with the
        # searches of the request thread would mix up their positions.
        reader = None
        try:
            reader = self.ix.reader()
            if self._segment_ids(reader) == self._segment_ids(self.searcher.reader()):
                self._entity_columns = {kind: self._read_entities(reader, kind) for kind in ENTITY_KINDS}
            # else: an incremental reindex committed meanwhile; the next request opens it afresh
        except Exception:  # noqa: BLE001 - e.g. the generation closed meanwhile; searches time out its facets
            log.warning("entity columns of generation %s not read", self.name, exc_info=True)
        finally:
            if reader is not None:
                reader.close()
            self._entities_ready.set()

    @staticmethod
    def _segment_ids(reader) -> list:
        return [s.segment_id() for s in reader.segments()] if hasattr(reader, "segments") else []

    def entities_ready(self, wait: float = 0.0) -> bool:
        """Whether the entity columns are in (waiting up to ``wait`` s for them)."""
        return self._entities_ready.wait(max(0.0, wait))

    ready = entities_ready  # what this searcher reads in the background: the entity columns

    @property
    def arrays(self) -> TermArrays:
        """Posting arrays for the numpy path (field lengths are read on first use: a read per
        segment)."""
        if self._arrays is None:
            self._arrays = TermArrays(self.searcher, self.live)
        return self._arrays

    def _read_entities(self, index_reader, kind: str) -> EntityColumn:
        """Which entities each live document mentions, from one pass over each segment's terms
        of the field (looking every term up on its own took 11 s for 20,000 articles)."""
        texts: list[bytes] = []
        docs, counts = [], []
        for reader, offset in (index_reader.leaf_readers() if self.n else ()):
            if kind in reader.schema:
                found = field_postings(reader, kind)
                texts += found[0]
                docs.append(found[1] + offset)
                counts.append(found[2])
        if not texts:
            return EntityColumn([], np.zeros(0, np.int32), np.zeros(0, np.int32))
        # Each entry's entity code among the field's terms (sorted, as the index lists them)
        names = sorted(set(texts))
        code = {t: i for i, t in enumerate(names)}
        codes = np.repeat(np.asarray([code[t] for t in texts], dtype=np.int32), np.concatenate(counts))
        docs = np.concatenate(docs)
        keep = self.live[docs]
        docs, codes = docs[keep], codes[keep]
        # Entities of deleted documents only are left out, and the others numbered again
        held = np.bincount(codes, minlength=len(names)) > 0
        renumber = np.cumsum(held, dtype=np.int32) - 1
        return EntityColumn([t.decode("utf-8") if isinstance(t, bytes) else t
                             for t, h in zip(names, held.tolist()) if h], docs, renumber[codes])

    def column(self, name: str):
        """The facet column of a field (entity fields: which entities each document mentions;
        SearchTimeout while they are still being read)."""
        if name in ENTITY_KINDS:
            if not self.entities_ready() or name not in self._entity_columns:
                raise SearchTimeout()
            return self._entity_columns[name]
        return self.columns[name]

    def up_to_date(self) -> bool:
        """False once an incremental reindex has committed to this generation since it was
        opened: it must then be opened afresh. (Whoosh's ``Searcher.refresh`` reuses the old
        segment readers beside the new ones, so a reopened searcher counted replaced articles
        twice and still found their old text.)"""
        return self.searcher.up_to_date()

    def close(self) -> None:
        self.searcher.close()

    # Searcher
    def _masks(self, filters: Filters, deadline: float) -> dict[str, np.ndarray]:
        masks: dict[str, np.ndarray] = {}
        for name in ("section", "source"):
            if getattr(filters, name):
                masks[name] = self.columns[name].mask(getattr(filters, name))
        if filters.date:
            masks["date"] = (self.columns["year"].mask(v for v in filters.date if len(v) == 4)
                             | self.columns["month"].mask(v for v in filters.date if len(v) == 7))
        lo, hi = filters.published
        if lo is not None or hi is not None:
            m = np.ones(self.n, dtype=bool)
            if lo is not None:
                m &= self.published >= lo
            if hi is not None:
                m &= self.published < hi
            masks["range"] = m
        for kind, ids in filters.entities:
            if ids:  # AND: articles that mention every one of them
                self.entities_ready(wait=deadline - time.perf_counter())
                masks[kind] = self.column(kind).mask(ids, self.n)
        return masks

    def select(self, plan: Plan, filters: Filters, deadline: float) -> WhooshSelection:
        query = compile_plan(plan.query)
        fast = self.fast and self.n and query is not None
        words = plain_words(plan.query) if fast else None
        scored = self.arrays.evaluate(plan.query, deadline) if fast and words is None else None
        scores = None
        if query is None:
            base = self.all_docs
        elif words is not None:
            base = self.arrays.match(words)
        elif scored is not None:
            base, scores = scored
        else:
            base = np.fromiter(_matching(self.searcher, query, deadline), dtype=np.int32)
        if time.perf_counter() > deadline:
            raise SearchTimeout()
        return WhooshSelection(plan, query, base, self._masks(filters, deadline), scores)

    def rank(self, selection: WhooshSelection, plan: Plan, sort: str, stop: int,
             deadline: float) -> list[Ranked]:
        final = selection.docs
        if final.size == 0 or stop <= 0:
            return []
        if sort != "relevance" or selection.query is None or not plan.has_text:
            # by date, the page only (newest first: later docnums first among equal dates, so
            # the oldest first of the matches taken from the last)
            dates = self.published[final]
            if sort == "oldest":
                order = topk.first((dates,), stop)
            else:
                order = final.size - 1 - topk.first((np.negative(dates, out=dates)[::-1],), stop)
            return [Ranked(d, None) for d in final[order].tolist()]
        words = plain_words(plan.query) if self.fast and selection.scores is None else None
        if words is not None or selection.scores is not None:
            if words is not None:
                scores = self.arrays.scores(words, final)
            elif final is selection.base:  # no filter
                scores = selection.scores
            else:
                scores = selection.scores[np.searchsorted(selection.base, final)]
            # by score (to 6 places), then newest first, then docnum; the page only
            dates, rounded = self.published[final], np.round(scores, 6)
            order = topk.first((np.negative(dates, out=dates), np.negative(rounded, out=rounded)), stop)
            return [Ranked(d, round(float(s), 4)) for d, s in zip(final[order].tolist(), scores[order])]
        allow = None if final.size == self.doc_count else set(final.tolist())
        if deadline - time.perf_counter() <= 0:
            raise SearchTimeout()
        collector = _DeadlineCollector(self.searcher.collector(limit=stop, filter=allow), deadline)
        try:
            self.searcher.search_with_collector(selection.query, collector)
        except TimeLimit:
            raise SearchTimeout() from None
        ranked = sorted(((r.score, r.docnum) for r in collector.results()),
                        key=lambda p: (-round(p[0], 6), -int(self.published[p[1]])))
        return [Ranked(d, round(float(s), 4)) for s, d in ranked]

    def facet_counts(self, selection: WhooshSelection, query: FacetQuery) -> dict[str, int]:
        if query.field in ENTITY_KINDS:
            self.entities_ready(wait=query.deadline - time.perf_counter())
        col = self.column(query.field)
        counts = col.counts(selection.restrict(query.exclude), self.n)
        return top_counts(col.ids if query.field in ENTITY_KINDS else col.labels, col.index, counts,
                          query.limit, query.keep, col.rank)

    def documents(self, docs: Sequence[int]) -> list[dict]:
        return [self.searcher.stored_fields(int(d)) for d in docs]

    def doc_frequency(self, field: str, term: str) -> int:
        return self.searcher.reader().doc_frequency(field, term)

    def doc_frequencies(self, field: str, terms: Sequence[str]) -> dict[str, int]:
        if self.fast and self.n:  # in walks of the term index where they lie together
            return self.arrays.doc_frequencies(field, terms)
        return super().doc_frequencies(field, terms)

    def example(self, field: str, term: str) -> dict | None:
        postings = self.searcher.postings(field, term)
        if not postings.is_active():
            return None
        return self.searcher.stored_fields(postings.id())

    def related(self, article_id: str, limit: int) -> list[Ranked]:
        docnum = self.searcher.document_number(id=article_id)
        if docnum is None:
            return []
        body = self.searcher.stored_fields(docnum)["body"]
        # Whoosh's more_like, except that the key terms are those another article holds too:
        # Bo1 ranks an article's own rarest words first, and twelve words no other article has
        # find nothing (an article with a "related" list empty beside others on its subject).
        reader = self.searcher.reader()
        shared = [(t, w) for t, w in self.searcher.key_terms_from_text("body", body, numterms=RELATED_CANDIDATES)
                  if reader.doc_frequency("body", t) > 1][:RELATED_TERMS]
        if not shared:
            return []
        q = wq.Or([wq.Term("body", t, boost=w) for t, w in shared])
        results = self.searcher.search(q, limit=limit, mask={docnum})
        return [Ranked(r.docnum, round(float(r.score), 4)) for r in results]


class WhooshEngine(Engine):
    """The serving generation of one index root (``indexer.generations``), kept open."""

    def __init__(self, index_root: str, fast: bool = True, tz: str = "UTC"):
        self.root = IndexRoot(index_root)
        self.tz = tz
        # fast=False sends every query through Whoosh's own matching and scoring (tests compare).
        self.fast = fast
        self._gen: WhooshGeneration | None = None
        self._versions = count(1)
        self._lock = threading.Lock()

    def searcher(self) -> WhooshGeneration:
        with self._lock:
            name = self.root.current()
            if self._gen is not None and self._gen.name == name and self._gen.up_to_date():
                return self._gen
            path = self.root.current_path()  # raises NoIndex
            gen = WhooshGeneration(path.name, path, next(self._versions), self.fast, self.tz)
            old, self._gen = self._gen, gen
            if old is not None:
                old.close()
            return gen

    def status(self) -> dict:
        try:
            gen = self.searcher()
        except NoIndex:
            return {"generation": None, "indexed": 0}
        return {"generation": gen.name, "indexed": gen.doc_count}

    def close(self) -> None:
        with self._lock:
            if self._gen is not None:
                self._gen.close()
                self._gen = None
