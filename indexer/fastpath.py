"""Matching and BM25F ranking of plain-word queries in numpy, from Whoosh's posting blocks.

Most searches are a few ordinary words (all required). For those, Whoosh's own path walks
every posting in Python twice (once to collect matches, once to score them). Here each term's
postings are read block by block into numpy arrays (cached per index generation), matches are
array intersections, and scores are Whoosh's BM25F formula evaluated on whole arrays, using
Whoosh's own idf, field lengths and averages, so totals, scores and the top 10 are the same.
Other query shapes (phrases, prefixes, NOT, OR) take Whoosh's path.

This reads ``whoosh.codec.whoosh3.W3LeafMatcher`` blocks: it depends on the pinned Whoosh
distribution, and tests compare it with Whoosh's own results.
"""
from __future__ import annotations

from collections import OrderedDict

import numpy as np
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.reading import TermNotFound
from whoosh.scoring import BM25F

from indexer.compile import fields
from indexer.plan import Stems, analyse
from indexer.query import And

CACHE_BYTES = 96 * 2**20

Group = tuple[tuple[str, str, float], ...]   # one query term: (field, term, boost) alternatives


def plain_groups(tree) -> list[Group] | None:
    """The query as AND-ed groups of OR-ed field terms, or None when it is not plain words
    (``tree``: an analysed plan query, or a parsed tree, analysed here)."""
    tree = analyse(tree)
    words = tree.children if isinstance(tree, And) else (tree,)
    groups: list[Group] = []
    for w in words:
        if not isinstance(w, Stems):
            return None  # exact spellings, stop words, prefixes, phrases: Whoosh's path
        if w.alternatives and len(w.terms) != 1:
            return None
        for t in w.terms:
            group = tuple((name, term, boost) for term in (t, *w.alternatives)
                          for name, boost in fields(w.field, exact=False))
            if group not in groups:
                groups.append(group)
    return groups or None


class TermArrays:
    """Posting arrays and field lengths of one index generation, with an LRU of hot terms."""

    def __init__(self, searcher, live: np.ndarray):
        self.searcher = searcher
        self.live = live
        self.n = live.size
        weighting = searcher.weighting
        if not isinstance(weighting, BM25F):
            raise TypeError("the numpy path reproduces BM25F only")
        self.B, self.K1 = weighting.B, weighting.K1
        self._field_B = getattr(weighting, "_field_B", {})
        self._lengths: dict[str, np.ndarray] = {}
        self._cache: OrderedDict = OrderedDict()
        self._bytes = 0
        self.segments = [(s.reader(), offset) for s, offset in searcher.leaf_searchers()]

    def lengths(self, field: str, reader=None) -> np.ndarray:
        """Each document's length in ``field`` (read once; ``reader``: another reader of the
        same generation to read them with, e.g. in a background thread)."""
        arr = self._lengths.get(field)
        if arr is None:
            dfl = (reader or self.searcher).doc_field_length
            arr = np.fromiter((dfl(d, field, 1) for d in range(self.n)), dtype=np.float64, count=self.n)
            self._lengths[field] = arr
        return arr

    def postings(self, field: str, term: str) -> tuple[np.ndarray, np.ndarray]:
        key = (field, term)
        hit = self._cache.get(key)
        if hit is not None:
            self._cache.move_to_end(key)
            return hit
        ids_parts, tf_parts = [], []
        for reader, offset in self.segments:
            try:
                m = reader.postings(field, term)
            except TermNotFound:
                continue
            while isinstance(m, W3LeafMatcher) is False and hasattr(m, "child"):
                m = m.child  # a deletion filter: deleted docs are masked below
            if isinstance(m, W3LeafMatcher):
                while m.is_active():
                    m._read_ids()
                    m._read_weights()
                    ids_parts.append(np.asarray(m._ids, dtype=np.int32) + offset)
                    tf_parts.append(np.asarray(m._weights, dtype=np.float64))
                    m._next_block()
            else:  # another matcher type: the slow, general way
                ids, tfs = [], []
                while m.is_active():
                    ids.append(m.id() + offset)
                    tfs.append(m.weight())
                    m.next()
                ids_parts.append(np.asarray(ids, dtype=np.int32))
                tf_parts.append(np.asarray(tfs, dtype=np.float64))
        ids = np.concatenate(ids_parts) if ids_parts else np.zeros(0, np.int32)
        tfs = np.concatenate(tf_parts) if tf_parts else np.zeros(0, np.float64)
        if ids.size and not self.live.all():
            keep = self.live[ids]
            ids, tfs = ids[keep], tfs[keep]
        value = (ids, tfs)
        self._cache[key] = value
        self._bytes += ids.nbytes + tfs.nbytes
        while self._bytes > CACHE_BYTES and len(self._cache) > 1:
            _k, (i, t) = self._cache.popitem(last=False)
            self._bytes -= i.nbytes + t.nbytes
        return value

    def match(self, groups: list[Group]) -> np.ndarray:
        """Sorted docnums containing every group (a group: any of its field terms)."""
        result = None
        # Rarest first keeps the intersections small.
        sized = sorted(groups, key=lambda g: sum(self.postings(f, t)[0].size for f, t, _b in g))
        for group in sized:
            parts = [self.postings(f, t)[0] for f, t, _b in group]
            docs = parts[0] if len(parts) == 1 else np.union1d(*parts) if len(parts) == 2 \
                else np.unique(np.concatenate(parts))
            result = docs if result is None else np.intersect1d(result, docs, assume_unique=True)
            if result.size == 0:
                break
        return result if result is not None else np.zeros(0, np.int32)

    def scores(self, groups: list[Group], docs: np.ndarray) -> np.ndarray:
        """Whoosh's BM25F score of each doc in ``docs`` (sorted) for the AND of ``groups``."""
        total = np.zeros(docs.size, dtype=np.float64)
        for group in groups:
            for field, term, boost in group:
                ids, tfs = self.postings(field, term)
                if ids.size == 0:
                    continue
                pos = np.searchsorted(ids, docs)
                pos[pos >= ids.size] = ids.size - 1
                present = ids[pos] == docs
                if not present.any():
                    continue
                tf = tfs[pos[present]]
                fl = self.lengths(field)[docs[present]]
                B = self._field_B.get(field, self.B)
                idf = self.searcher.idf(field, term)
                avgfl = self.searcher.avg_field_length(field) or 1
                s = idf * ((tf * (self.K1 + 1)) / (tf + self.K1 * ((1 - B) + B * fl / avgfl)))
                total[present] += s * boost
        return total
