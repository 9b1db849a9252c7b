"""The Whoosh engine's facet columns: per generation, each facet field as numpy arrays
(docnum → value code; entity fields as (docnum, entity) pairs), read once when the generation
opens, and the filters of a request as boolean masks over docnums."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Iterable, Iterator

import numpy as np

from archive.dates import MAX_YEAR, MIN_YEAR, period
from indexer import topk

COUNT_CHUNK = 4096  # documents counted at a time by a facet


class ValueColumn:
    """Value codes per docnum for one single-valued field (section, source, year, month)."""

    def __init__(self, values: Iterable[str]):
        labels: dict[str, int] = {}
        codes = [labels.setdefault(v or "", len(labels)) for v in values]
        self.codes = np.asarray(codes, dtype=np.int32)
        self.labels = list(labels)
        self.index = labels
        self._rank: np.ndarray | None = None

    @property
    def rank(self) -> np.ndarray:
        """Each value code's place in the values' sorted order (ties in a facet go by value)."""
        if self._rank is None:
            self._rank = label_ranks(self.labels)
        return self._rank

    @classmethod
    def of_codes(cls, codes: np.ndarray, labels: list[str]) -> "ValueColumn":
        col = cls(())
        col.codes = codes.astype(np.int32)
        col.labels = labels
        col.index = {label: i for i, label in enumerate(labels)}
        return col

    def mask(self, selected: Iterable[str]) -> np.ndarray:
        """Documents whose value is any of ``selected``."""
        wanted = [self.index[v] for v in selected if v in self.index]
        return np.isin(self.codes, np.asarray(wanted, dtype=np.int32))

    def counts(self, docs: np.ndarray, n: int) -> np.ndarray:
        """Documents of ``docs`` per value code."""
        counts = np.zeros(len(self.labels), np.intp)
        for chunk in _chunks(docs):
            np.add.at(counts, self.codes[chunk], 1)
        return counts


def date_columns(published: np.ndarray, tz: str) -> tuple[ValueColumn, ValueColumn]:
    """The year and month columns of publication times (epoch seconds): each article in the
    month of ``tz`` that holds it, months cut where ``archive.dates.period`` says they begin,
    so a date bucket counts exactly what ``date=``, ``date:`` and ``from``/``to`` find."""
    if not published.size:
        return ValueColumn(()), ValueColumn(())
    def year(ts) -> int:  # the UTC year, widened by one each side for any zone's offset
        return datetime.fromtimestamp(int(ts), timezone.utc).year
    first = max(MIN_YEAR, year(published.min()) - 1)
    last = min(MAX_YEAR, year(published.max()) + 1)
    months = [f"{y:04d}-{m:02d}" for y in range(first, last + 1) for m in range(1, 13)]
    starts = np.asarray([int(period(m, tz)[0].timestamp()) for m in months], dtype=np.int64)
    codes = np.clip(np.searchsorted(starts, published, side="right") - 1, 0, len(months) - 1)
    years = [str(y) for y in range(first, last + 1)]
    return ValueColumn.of_codes(codes // 12, years), ValueColumn.of_codes(codes, months)


class EntityColumn:
    """(document, entity) pairs of one entity field, kept in document order: each pair's entity
    code (the smallest unsigned type that holds the codes) and where each document's run of
    pairs starts. A facet over k documents reads their pairs only; a filter finds the pairs of
    its entity by one comparison over the codes. (Two bytes a pair at 300,000 articles, where
    the pairs in both orders as int32 took twelve: 3.7 million pairs.)"""

    def __init__(self, ids: list[str], docs: np.ndarray, codes: np.ndarray):
        self.ids = ids              # sorted, as the index lists its terms
        self.index = {eid: i for i, eid in enumerate(ids)}
        self.rank = label_ranks(ids)
        order = np.argsort(docs, kind="stable")
        self._codes_by_doc = codes[order].astype(np.min_scalar_type(max(len(ids) - 1, 0)))
        last = int(docs.max()) + 1 if docs.size else 0
        self._position = np.int32 if docs.size < 2**31 else np.int64
        self._starts = np.searchsorted(docs[order], np.arange(last + 1)).astype(self._position)
        self._every = np.bincount(self._codes_by_doc, minlength=len(ids))  # over all documents

    @property
    def nbytes(self) -> int:
        return self._codes_by_doc.nbytes + self._starts.nbytes + self._every.nbytes

    def counts(self, docs: np.ndarray, n: int) -> np.ndarray:
        """Documents of ``docs`` (docnums of ``n``) per entity code: those of their pairs, or,
        for most of the documents, those of every document less those of the others."""
        if not all((c[1:] > c[:-1]).all() for c in _chunks(docs, overlap=1)):
            docs = np.unique(docs)  # each document counts once
        last = self._starts.size - 1
        docs = docs[:np.searchsorted(docs, last)]  # past the last document that mentions one
        if docs.size == last:  # every pair
            return self._every.copy()
        if 2 * docs.size > last:
            return self._every - self._counted(_others(docs, last))
        return self._counted(_chunks(docs))

    def _counted(self, chunks: Iterator[np.ndarray]) -> np.ndarray:
        """Pairs per entity code of the documents of ``chunks`` (each sorted)."""
        counts = np.zeros(len(self.ids), np.intp)
        for docs in chunks:
            first = self._starts[docs]
            sizes = self._starts[docs + 1] - first
            held = sizes > 0
            first, sizes = first[held], sizes[held]
            if first.size == 0:
                continue
            # The pairs' positions as a running sum of steps: +1 along a document's run, and
            # from the end of one run to the start of the next (np.repeat was twice as slow).
            into = np.cumsum(sizes) - sizes  # where each run begins among the positions
            steps = np.ones(int(into[-1] + sizes[-1]), self._position)
            steps[0] = first[0]
            steps[into[1:]] = first[1:] - (first[:-1] + sizes[:-1]) + 1
            np.add.at(counts, self._codes_by_doc[np.cumsum(steps, out=steps)], 1)
        return counts

    def mask(self, wanted: Iterable[str], n: int) -> np.ndarray:
        """Documents (of ``n``) that mention every one of ``wanted``."""
        result = np.ones(n, dtype=bool)
        for eid in wanted:
            m = np.zeros(n, dtype=bool)
            code = self.index.get(eid)
            if code is not None:  # the document of each of its pairs: the run the pair is in
                pairs = np.flatnonzero(self._codes_by_doc == code)
                m[np.searchsorted(self._starts, pairs, side="right") - 1] = True
            result &= m
        return result


def _chunks(docs: np.ndarray, overlap: int = 0) -> Iterator[np.ndarray]:
    """``docs`` a few thousand at a time (each piece with the next ``overlap`` too): a facet's
    temporaries stay small, so that they come from the heap and are reused (glibc's mmap
    threshold), where arrays one per matching document or pair were fresh pages each
    request: tens of MB for a common word."""
    for at in range(0, docs.size, COUNT_CHUNK):
        yield docs[at:at + COUNT_CHUNK + overlap]


def _others(docs: np.ndarray, n: int) -> Iterator[np.ndarray]:
    """The docnums below ``n`` not in ``docs`` (sorted), a few thousand at a time."""
    for lo in range(0, n, COUNT_CHUNK):
        hi = min(lo + COUNT_CHUNK, n)
        out = np.ones(hi - lo, bool)
        out[docs[np.searchsorted(docs, lo):np.searchsorted(docs, hi)] - lo] = False
        yield np.flatnonzero(out) + lo


def label_ranks(labels: list[str]) -> np.ndarray:
    """Each code's place when ``labels`` (the codes' values) are sorted."""
    rank = np.empty(len(labels), dtype=np.int64)
    rank[sorted(range(len(labels)), key=labels.__getitem__)] = np.arange(len(labels))
    return rank


def top_counts(labels: list[str], index: dict[str, int], counts: np.ndarray, limit: int | None,
               keep: Iterable[str], rank: np.ndarray | None = None) -> dict[str, int]:
    """value → count (``counts`` by code, ``labels`` the codes' values, ``index`` the reverse)
    for the values with documents (the ``limit`` most frequent, ties by value), and for every
    value of ``keep`` (0 when absent). ``rank``: ``label_ranks(labels)``, when kept."""
    codes = np.flatnonzero(counts)
    if limit is not None and codes.size > limit:
        rank = label_ranks(labels) if rank is None else rank
        codes = codes[topk.first((rank[codes], -counts[codes]), limit)]
    out = {labels[c]: int(counts[c]) for c in codes.tolist() if labels[c]}
    for value in keep:
        if value not in out:
            code = index.get(value)
            out[value] = int(counts[code]) if code is not None else 0
    return out
