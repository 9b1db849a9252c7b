"""Matching and BM25F ranking of queries in numpy, from each segment's columnar postings or
Whoosh's posting blocks.

Whoosh's own path walks every posting in Python twice (once to collect matches, once to score
them). Here each term's postings are read block by block into numpy arrays (cached per index
generation), matches are array intersections, unions and differences, and scores are Whoosh's
BM25F formula evaluated on whole arrays, using Whoosh's own idf, field lengths and averages,
so totals, scores and the top 10 are the same:

- plain words (``plain_words``, most searches): intersections, scored on the final page only;
- other shapes (``TermArrays.evaluate``): OR is a union of doc arrays (scores added), NOT a
  difference (each NOT adds Whoosh's constant 1.0), a prefix the union of the terms it expands
  to (kept per generation), a phrase the intersection of its words with positions read for those
  candidates only. Date ranges and field filters written in the query, and NOT under OR, still
  take Whoosh's path.

A term's postings in a segment come from the segment's columnar postings
(``indexer.posting_columns``: one read, no unpickling) where it has a file that fits, else its
posting list is read with one read and its blocks decoded in place (``indexer.blocks``). This
reads Whoosh's files: it depends on the pinned Whoosh distribution, and tests compare it with
Whoosh's own results.
"""
from __future__ import annotations

import pickle
import struct
import time
from math import log
from bisect import bisect_left
from collections import OrderedDict
from itertools import accumulate, chain, groupby
from typing import Iterator, NamedTuple

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, W3PerDocReader, W3TermInfo, W3TermsReader, _lenfield
from whoosh.columns import NumericColumn
from whoosh.formats import Positions
from whoosh.filedb.filetables import _lengths as _RECORD_LENGTHS  # a term index record's key and entry lengths
from whoosh.reading import TermNotFound
from whoosh.scoring import BM25F, WeightingModel
from whoosh.system import _INT_SIZE, _SHORT_SIZE, pack_ushort
from whoosh.util.numeric import byte_to_length, length_to_byte

from indexer import posting_columns
from indexer.blocks import block_ends as _block_ends
from indexer.blocks import docnums as _docnums
from indexer.blocks import read_block as _read_block
from indexer.blocks import read_blocks as _read_blocks
from indexer.blocks import term_extent as _extent
from indexer.compile import fields, spelling_fields
from indexer.plan import Exact, Prefix, Stems, analyse
from indexer.query import And, Not, Or
from indexer.request import SearchTimeout

# The posting LRU's bytes: 40 MB hold the postings 96 MB held when frequencies were kept as
# float64 (5 bytes a posting with uint8 frequencies, 12 then): at 300,000 articles the same CPU
# per request as 64 MB, and a worker that answered the whole benchmark mix peaked at 277 MB
# with it full (298 MB at 64).
CACHE_BYTES = 40 * 2**20
# Prefix expansions kept (TermArrays.expand_prefix), counted in (segment, term) entries: each
# takes ~250 bytes as Python objects (ال* at 300,000 articles expands to ~1,200 of them).
EXPANSIONS_KEPT = 50_000

Group = tuple[tuple[str, str, float], ...]   # one query term: (field, term, boost) alternatives
PlainWord = tuple[tuple[Group, ...], Group]  # a word's required groups, and its spellings' terms
Scored = tuple[np.ndarray, np.ndarray]       # sorted docnums and each one's score
NOTHING: Scored = (np.zeros(0, np.int32), np.zeros(0, np.float64))
NOT_SCORE = 1.0   # what Whoosh's inverse matcher adds for each NOT a document passes
SPAN = 1 << 32  # a phrase candidate's positions, keyed apart from the next one's
OR_TOO_MANY_CLAUSES = 1024  # whoosh.query.Or.TOO_MANY_CLAUSES
# A term's scores are added to the documents being ranked through its postings when they are
# at most this many times as many (a gather each), else by a binary search for each document.
SCORE_BY_POSTINGS = 4
SCORE_CHUNK = 8192  # postings or documents scored at a time
# Scores of documents are summed in their range of docnums (not sorted) when it is at most
# this many times as long as the list of them (_sum_by_doc).
SUM_IN_RANGE = 8
OR_ARRAY_DOCS = 5000        # segments this small get Whoosh's array OR (whoosh.query.Or._matcher)
EXPANSION_READ = 1 << 14      # bytes of the term index read at a time when expanding a prefix
SIDE_BY_SIDE_SLACK = 1 << 16  # bytes between a prefix's posting lists still read with them in one read
# Many terms' document frequencies at once (TermArrays.doc_frequencies): terms sharing their
# first two Arabic letters (4 bytes after the field's 2) are walked to in the ordered term index.
WALK_FROM = 6
WALK_STEP = 2        # one more Arabic letter when a stretch is too long to walk
WALK_PER_TERM = 4    # records walked per term sought before the stretch is split
WALK_LEAST = 8       # fewer terms than this sharing a stretch are looked up one by one
# Whoosh keeps a document's length in a field as one byte (whoosh.util.numeric.length_to_byte);
# doc_field_length gives the byte's length, None for a 0 byte (nan here, as np.fromiter made it)
# and its default where a segment has no length column for the field (1 as ranking asks: byte 1).
LENGTH_OF_BYTE = np.array([np.nan] + [byte_to_length(b) for b in range(1, 256)], dtype=np.float64)
NO_COLUMN_BYTE = length_to_byte(1)
_EXTENT = struct.Struct("!qi")  # a term entry's postings offset and length (W3TermInfo.to_bytes)


class BlockTable(NamedTuple):
    """Where a term's posting blocks lie, one entry per block: the least docnum it can hold (the
    one after the block before's last; ascending), its segment and its file offset."""
    least: np.ndarray    # int64
    segment: np.ndarray  # int32
    at: np.ndarray       # int64

    @property
    def nbytes(self) -> int:
        return self.least.nbytes + self.segment.nbytes + self.at.nbytes


class Expansion(NamedTuple):
    """The terms of one segment a prefix expands to, in term order."""
    segment: int                                  # its index in ``TermArrays.segments``
    terms: tuple[str, ...]
    doc_frequencies: tuple[int | None, ...]       # as the segment's lexicon counts them
    extents: tuple[tuple[int, int] | tuple[()], ...]  # where each one's posting blocks lie, () if not in blocks


def plain_words(tree) -> list[PlainWord] | None:
    """The query as AND-ed words, each its AND-ed groups of OR-ed field terms and the terms its
    spellings add to the score (``indexer.compile``), or None when it is not plain words
    (``tree``: an analysed plan query, or a parsed tree, analysed here). A word said twice with
    the same spellings counts once, as Whoosh drops the repeated clause."""
    tree = analyse(tree)
    found = tree.children if isinstance(tree, And) else (tree,)
    words: list[PlainWord] = []
    for w in found:
        if not isinstance(w, Stems) or not w.spellings:
            return None  # exact spellings, stop words, prefixes, phrases: Whoosh's path
        if w.alternatives and len(w.terms) != 1:
            return None
        groups = tuple(tuple((name, term, boost) for term in (t, *w.alternatives)
                             for name, boost in fields(w.field, exact=False)) for t in w.terms)
        word = (groups, tuple((name, s, boost) for s in w.spellings
                              for name, boost in spelling_fields(w.field)))
        if word not in words:
            words.append(word)
    return words or None


class TermArrays:
    """Posting arrays and field lengths of one index generation, with an LRU of hot terms (each
    term's frequencies kept in the type they are stored in, as small as uint8, and turned into
    float64 where they are scored)."""

    def __init__(self, searcher, live: np.ndarray):
        self.searcher = searcher
        self.live = live
        self.n = live.size
        weighting = searcher.weighting
        if not isinstance(weighting, BM25F):
            raise TypeError("the numpy path reproduces BM25F only")
        self.B, self.K1 = weighting.B, weighting.K1
        self._field_B = getattr(weighting, "_field_B", {})
        # Whoosh's idf (WeightingModel.idf) from the document frequencies read with each term's
        # postings, instead of looking the term up in the term index again
        self._own_idf = type(weighting).idf is WeightingModel.idf
        self._doc_count_all = searcher.get_parent().doc_count_all()
        self._doc_frequencies: dict[tuple[str, str], int] = {}
        self._lengths: dict[str, FieldLengths] = {}
        self._cache: OrderedDict = OrderedDict()
        self._bytes = 0
        self.segments = [(s.reader(), offset) for s, offset in searcher.leaf_searchers()]
        # Each segment's columnar postings (indexer.posting_columns), None where it has none
        self._columns = [posting_columns.open_segment(searcher, reader) for reader, _offset in self.segments]
        self._prefixes: OrderedDict[tuple[str, str], list[Expansion]] = OrderedDict()
        self._expanded = 0  # the (segment, term) entries _prefixes holds
        # Where each cached term's posting blocks start (from their headers, when a phrase first
        # needs them; counted in the LRU's bytes): a phrase reads its candidates' positions
        # straight from their blocks.
        self._blocks: dict[tuple[str, str], BlockTable] = {}

    def lengths(self, field: str) -> "FieldLengths":
        """Each document's length in ``field`` (read once per generation, a read per segment)."""
        found = self._lengths.get(field)
        if found is None:
            found = self._lengths[field] = FieldLengths(np.concatenate(
                [_length_bytes(reader, field) for reader, _offset in self.segments]
                or [np.zeros(0, np.uint8)]))
        return found

    def postings(self, field: str, term: str) -> tuple[np.ndarray, np.ndarray]:
        """The live docnums holding ``term`` in ``field`` and its frequency in each (as stored:
        uint8, uint16 or float32, whose float64 values are Whoosh's weights): per segment from
        its columnar postings (one read), else from Whoosh's posting blocks."""
        key = (field, term)
        hit = self._cache.get(key)
        if hit is not None:
            self._cache.move_to_end(key)
            return hit
        ids_parts, tf_parts = [], []
        df: int | None = 0  # the term's document frequency, as Whoosh's lexicon counts it
        for segment, (reader, offset) in enumerate(self.segments):
            extent, found_df = _extent(reader, field, term)
            df = None if df is None or found_df is None else df + found_df
            if extent is None:
                continue
            found = self._columnar(segment, field, extent, found_df)
            if found is None and extent:
                found = _concatenated(_read_blocks(reader._terms._postfile, *extent))
            if found is None:
                found = _stepped(reader, field, term)
            if found is not None:
                ids_parts.append(found[0] + offset)
                tf_parts.append(found[1])
        ids = np.concatenate(ids_parts) if ids_parts else np.zeros(0, np.int32)
        tfs = np.concatenate(tf_parts) if tf_parts else np.zeros(0, np.uint8)
        if ids.size and not self.live.all():
            keep = self.live[ids]
            ids, tfs = ids[keep], tfs[keep]
        if df is not None:
            if len(self._doc_frequencies) > 1 << 16:
                self._doc_frequencies.clear()
            self._doc_frequencies[key] = df
        return self._keep(key, (ids, tfs))

    def _columnar_many(self, field: str, e: Expansion) -> list[tuple[np.ndarray, np.ndarray] | None]:
        """``_columnar`` of every term of an expansion, read together."""
        columns = self._columns[e.segment] if posting_columns.ENABLED else None
        found: list[tuple[np.ndarray, np.ndarray] | None] = [None] * len(e.terms)
        keyed = [k for k, extent in enumerate(e.extents) if extent]
        if columns is not None and keyed:
            read = columns.postings_of(field, [e.extents[k][0] for k in keyed], [e.doc_frequencies[k] for k in keyed])
            for k, postings in zip(keyed, read):
                found[k] = postings
        return found

    def _columnar(self, segment: int, field: str, extent, df: int | None) -> tuple[np.ndarray, np.ndarray] | None:
        """A term's segment-local docnums and frequencies from the segment's columnar postings
        (``extent``: where its posting blocks lie), or None: read its blocks."""
        columns = self._columns[segment] if posting_columns.ENABLED and extent else None
        return columns.postings(field, extent[0], df) if columns is not None else None

    def idf(self, field: str, term: str) -> float:
        """Whoosh's idf of ``term`` (``Searcher.idf``), from the document frequency read with
        its postings when there is one."""
        return self._idf(field, term, self._doc_frequencies.get((field, term)))

    def _idf(self, field: str, term: str, n: int | None) -> float:
        """Whoosh's idf of ``term`` in ``n`` documents of the lexicon (None: look it up)."""
        if n is None or not self._own_idf:
            return self.searcher.idf(field, term)
        return log(self._doc_count_all / (n + 1)) + 1

    def _keep(self, key, value: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """Remember ``value`` in the LRU of hot postings (oldest out past ``CACHE_BYTES``)."""
        self._cache[key] = value
        self._bytes += value[0].nbytes + value[1].nbytes
        while self._bytes > CACHE_BYTES and len(self._cache) > 1:
            old, (i, t) = self._cache.popitem(last=False)
            table = self._blocks.pop(old, None)
            self._bytes -= i.nbytes + t.nbytes + (table.nbytes if table is not None else 0)
        return value

    def match(self, words: list[PlainWord]) -> np.ndarray:
        """Sorted docnums containing every required group of every word (a group: any of its
        field terms)."""
        groups = list(dict.fromkeys(g for required, _spelling in words for g in required))
        result = None
        # Rarest first keeps the intersections small.
        sized = sorted(groups, key=lambda g: sum(self.postings(f, t)[0].size for f, t, _b in g))
        for group in sized:
            parts = [self.postings(f, t)[0] for f, t, _b in group]
            docs = parts[0] if len(parts) == 1 else _sorted_unique(np.concatenate(parts))
            result = docs if result is None else result[_common(result, docs)[0]]
            if result.size == 0:
                break
        return result if result is not None else np.zeros(0, np.int32)

    def scores(self, words: list[PlainWord], docs: np.ndarray) -> np.ndarray:
        """Whoosh's BM25F score of each doc in ``docs`` (sorted, each matching every word): each
        word's groups, and its spellings' terms where a doc holds them."""
        total = np.zeros(docs.size, dtype=np.float64)
        place = None  # each docnum's index in docs (-1: not in it), made when first needed
        for required, spelling in words:
            for field, term, boost in (*(t for group in required for t in group), *spelling):
                ids, tfs = self.postings(field, term)
                if ids.size == 0:
                    continue
                idf = self.idf(field, term)
                # through the term's postings (a common word's: the docs are most of them), or
                # by looking the docs up in them (a few docs, a long list); a few thousand at a
                # time, so that the temporaries are small (reused, not fresh pages)
                through = ids.size <= SCORE_BY_POSTINGS * docs.size
                if through and place is None:
                    place = np.full(self.n, -1, np.int32)
                    place[docs] = np.arange(docs.size, dtype=np.int32)
                for lo in range(0, ids.size if through else docs.size, SCORE_CHUNK):
                    if through:
                        part = ids[lo:lo + SCORE_CHUNK]
                        at = place[part]
                        held = at >= 0
                        at, tf, holders = at[held], tfs[lo:lo + SCORE_CHUNK][held], part[held]
                    else:
                        part = docs[lo:lo + SCORE_CHUNK]
                        pos, held = _lookup(ids, part)
                        at, tf, holders = lo + np.flatnonzero(held), tfs[pos[held]], part[held]
                    if at.size:
                        total[at] += self._bm25f(field, holders, tf, idf, boost)
        return total

    def term_scores(self, field: str, term: str, boost: float) -> Scored:
        """The documents holding ``term`` in ``field`` and Whoosh's BM25F score of each."""
        ids, tfs = self.postings(field, term)
        if ids.size == 0:
            return NOTHING
        return ids, self._bm25f(field, ids, tfs, self.idf(field, term), boost)

    def _bm25f(self, field: str, ids: np.ndarray, tfs: np.ndarray, idf, boost: float) -> np.ndarray:
        """Whoosh's BM25F score of postings of ``field`` (``idf``: the term's, or each posting's;
        ``tfs`` as stored, scored as float64)."""
        tfs = tfs.astype(np.float64, copy=False)
        B = self._field_B.get(field, self.B)
        avgfl = self.searcher.avg_field_length(field) or 1
        fl = self.lengths(field)[ids]
        return idf * ((tfs * (self.K1 + 1)) / (tfs + self.K1 * ((1 - B) + B * fl / avgfl))) * boost

    def doc_frequencies(self, field: str, terms) -> dict[str, int]:
        """In how many documents each of ``terms`` is in ``field``, as Whoosh's lexicon counts
        them (``doc_frequency`` of each, in the order given). Terms that share their first
        letters (did-you-mean's hundreds of spellings one slip away from a word) are found in
        one walk of that stretch of each segment's ordered term index instead of a hash lookup
        each; the rest are looked up."""
        out = dict.fromkeys(terms, 0)
        for reader, _offset in self.segments:
            index = getattr(reader, "_terms", None)
            if not isinstance(index, W3TermsReader):
                for t in out:
                    out[t] += reader.doc_frequency(field, t)
                continue
            coded, to_bytes = index._keycoder(field, b""), reader.schema[field].to_bytes  # field number + term
            keys = {coded + to_bytes(t): t for t in out}
            found: dict[bytes, int] = {}
            _frequencies(reader, field, index, sorted(keys), WALK_FROM, found)
            for key, n in found.items():
                out[keys[key]] += n
        return out

    def expand_prefix(self, field: str, prefix: str) -> list[Expansion]:
        """Per segment, the terms of ``field`` that begin with ``prefix``, each with its document
        frequency and where its postings lie, read in one walk of the ordered term index (kept,
        the least recently used dropped past ``EXPANSIONS_KEPT`` entries)."""
        key = (field, prefix)
        found = self._prefixes.get(key)
        if found is not None:
            self._prefixes.move_to_end(key)
            return found
        found = [_expansion(i, reader, field, prefix) for i, (reader, _offset) in enumerate(self.segments)]
        self._prefixes[key] = found
        self._expanded += _entries(found)
        while self._expanded > EXPANSIONS_KEPT and len(self._prefixes) > 1:
            self._expanded -= _entries(self._prefixes.popitem(last=False)[1])
        return found

    def prefix(self, field: str, prefix: str, boost: float) -> Scored:
        """Documents with a term of ``field`` beginning with ``prefix``, scored as Whoosh scores
        ``Prefix`` segment by segment: the sum of the terms' scores, except where Whoosh ORs
        them with its unscored array matcher (every document 1.0): from ``OR_TOO_MANY_CLAUSES``
        terms on, or from three terms on in a segment of at most ``OR_ARRAY_DOCS`` documents.
        A segment's posting lists of the terms are read together (one read where they lie side
        by side) and scored and added up as whole arrays, not term by term. Kept with the hot
        postings: a prefix can stand for hundreds of terms."""
        key = ("prefix", field, prefix, boost)
        hit = self._cache.get(key)
        if hit is not None:
            self._cache.move_to_end(key)
            return hit
        expansions = self.expand_prefix(field, prefix)
        # a term's idf counts its documents in every segment, as Whoosh's searcher does
        df: dict[str, int | None] = {}
        for e in expansions:
            for t, n in zip(e.terms, e.doc_frequencies):
                df[t] = None if n is None or df.get(t, 0) is None else df.get(t, 0) + n
        found = []
        for e in expansions:
            ids, tfs, term_of = self._segment_postings(field, e)
            if ids.size == 0:
                continue
            idf = np.asarray([self._idf(field, t, df[t]) for t in e.terms])[term_of]
            scores = self._bm25f(field, ids, tfs, idf, boost)
            if term_of[0] != term_of[-1]:  # more than one term: Whoosh's union adds their scores
                ids, scores = _sum_by_doc(ids, scores)
            size = self.segments[e.segment][0].doc_count_all()
            if len(e.terms) >= OR_TOO_MANY_CLAUSES or (len(e.terms) > 2 and size <= OR_ARRAY_DOCS):
                scores = np.ones(ids.size, np.float64)
            found.append((ids, scores))
        return self._keep(key, _concatenate(found))

    def _segment_postings(self, field: str, e: Expansion) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The live postings of ``e.terms`` in their segment, one term after the other:
        docnums, term frequencies and which term (its index in ``e.terms``). The posting lists
        are read with one read where they lie side by side (Whoosh writes them in term order);
        a term whose postings are not in blocks of their own, or whose recorded length does not
        hold them, is read as ``postings`` reads it. Where the segment has columnar postings,
        the terms' come from them instead, all with one read of their directory pages and one
        of their records (the blocks are read only for a term they lack)."""
        reader, offset = self.segments[e.segment]
        spans = [x for x in e.extents if x]
        postfile = reader._terms._postfile if spans else None
        if spans and (not posting_columns.ENABLED or self._columns[e.segment] is None):
            start = min(o for o, _n in spans)
            end = max(o + n for o, n in spans)
            if end - start <= 2 * sum(n for _o, n in spans) + SIDE_BY_SIDE_SLACK:
                postfile = _Read(postfile.get(start, end - start), start)
        columnar = self._columnar_many(field, e)
        ids, tfs, counts = [], [], []
        for term, extent, found in zip(e.terms, e.extents, columnar):
            if found is not None:
                ids.append(found[0])
                tfs.append(found[1])
                counts.append(found[0].size)
                continue
            if extent:
                o, n = extent
                found = _read_blocks(postfile, o, n)
            if found is None:
                docs, freqs = self.postings(field, term)
                lo, hi = np.searchsorted(docs, (offset, offset + reader.doc_count_all()))
                ids.append(docs[lo:hi] - offset)
                tfs.append(freqs[lo:hi])
                counts.append(hi - lo)
                continue
            counts.append(sum(block_ids.size for _at, block_ids, _tfs in found))
            ids.extend(block_ids for _at, block_ids, _tfs in found)
            tfs.extend(block_tfs for _at, _ids, block_tfs in found)
        if not ids:
            return NOTHING[0], NOTHING[1], np.zeros(0, np.intp)
        ids = np.concatenate(ids) + offset
        tfs = np.concatenate(tfs)
        term_of = np.repeat(np.arange(len(counts)), counts)
        if not self.live.all():
            keep = self.live[ids]
            ids, tfs, term_of = ids[keep], tfs[keep], term_of[keep]
        return ids, tfs, term_of

    def positions(self, field: str, term: str, docs: np.ndarray) -> list[list[int]]:
        """The positions of ``term`` in each of ``docs`` (sorted, live, each holding it)."""
        self.postings(field, term)
        table = self._blocks.get((field, term)) or self._block_table(field, term)
        if table is None:  # postings not in blocks of their own: step through them
            return self._positions_stepping(field, term, docs)
        which = np.searchsorted(table.least, docs, side="right") - 1
        out: list[list[int]] = []
        current = -1
        for d, b, segment, at in zip(docs.tolist(), which.tolist(), table.segment[which].tolist(),
                                     table.at[which].tolist()):
            reader, offset = self.segments[segment]
            if b != current:
                fmt = reader.schema[field].format
                if fmt.fixed_value_size() is not None:  # not a positions format: step through them
                    return self._positions_stepping(field, term, docs)
                ids, values = _read_block(reader._terms._postfile, at)
                current, decode, ids = b, _positions_decoder(fmt), ids.tolist()
            out.append(decode(values[bisect_left(ids, d - offset)]))
        return out

    def _block_table(self, field: str, term: str) -> BlockTable | None:
        """Where each posting block of ``term`` lies, from the blocks' headers; kept with the
        term's postings. None when its postings are not all in blocks."""
        least, segments, ats = [], [], []
        for segment, (reader, offset) in enumerate(self.segments):
            extent, _df = _extent(reader, field, term)
            if extent is None:
                continue
            found = _block_ends(reader._terms._postfile, *extent) if extent else None
            if found is None:
                return None
            first = offset
            for at, last in found:
                least.append(first), segments.append(segment), ats.append(at)
                first = offset + last + 1
        table = BlockTable(np.asarray(least, np.int64), np.asarray(segments, np.int32), np.asarray(ats, np.int64))
        if (field, term) in self._cache and (field, term) not in self._blocks:
            self._blocks[(field, term)] = table
            self._bytes += table.nbytes
        return table

    def _positions_stepping(self, field: str, term: str, docs: np.ndarray) -> list[list[int]]:
        out: list[list[int]] = []
        for reader, offset in self.segments:
            local = docs[(docs >= offset) & (docs < offset + reader.doc_count_all())] - offset
            if local.size == 0:
                continue
            m = reader.postings(field, term)
            for d in local.tolist():
                m.skip_to(d)
                out.append(m.value_as("positions"))
        return out

    def evaluate(self, node, deadline: float = float("inf")) -> Scored | None:
        """The documents an analysed query matches and Whoosh's score of each (as
        ``indexer.compile`` compiles it), or None for a shape only Whoosh's path answers."""
        if isinstance(node, Stems):
            # compile_plan: each stem in title or body (alternatives only for a one-stem word)
            spellings = (node.terms[0], *node.alternatives) if len(node.terms) == 1 else None
            required = _intersection([
                _union([self.term_scores(f, t, b) for t in (spellings or (term,))
                        for f, b in fields(node.field, exact=False)])
                for term in node.terms])
            if not node.spellings:
                return required
            return _maybe(required, _union([self.term_scores(f, s, b) for s in node.spellings
                                            for f, b in spelling_fields(node.field)]))
        if isinstance(node, Exact):
            return _union([self.term_scores(f, node.words[0], b) if len(node.words) == 1
                           else self.phrase(f, node.words, node.slop, b, deadline)
                           for f, b in fields(node.field, exact=True)])
        if isinstance(node, Prefix):
            return _union([self.prefix(f, node.prefix, b) for f, b in fields(node.field, exact=True)])
        if isinstance(node, Or):
            if any(isinstance(c, Not) for c in node.children):
                return None  # "a OR -b": Whoosh's path (it scores the Every it ORs with)
            parts = [self.evaluate(c, deadline) for c in node.children]
            return None if any(p is None for p in parts) else _union(parts)
        if isinstance(node, (And, Not)):
            kids = node.children if isinstance(node, And) else (node,)
            positive = [self.evaluate(c, deadline) for c in kids if not isinstance(c, Not)]
            if any(p is None for p in positive):
                return None
            if positive:
                ids, scores = _intersection(positive)
            else:  # nothing but NOTs: every document (ranked by date: there is no word)
                ids = np.flatnonzero(self.live).astype(np.int32)
                scores = np.zeros(ids.size, np.float64)
            # Each NOT removes the documents it matches among those left: a set difference, the
            # excluded side neither scored nor gathered into one array.
            for c in kids:
                if isinstance(c, Not):
                    excluded = self.matches(c.child, ids, deadline)
                    if excluded is None:
                        return None
                    ids, scores = ids[~excluded], scores[~excluded] + NOT_SCORE
            return ids, scores
        return None  # date ranges and field filters in the query text

    def matches(self, node, docs: np.ndarray, deadline: float = float("inf")) -> np.ndarray | None:
        """Which of ``docs`` (sorted) an analysed query matches, as a mask; None for a shape only
        Whoosh's path answers. Words are looked up in their posting arrays, unscored; other
        shapes are evaluated."""
        if isinstance(node, Stems):  # every stem, each in any of its spellings and fields
            found = np.ones(docs.size, bool)
            spellings = (node.terms[0], *node.alternatives) if len(node.terms) == 1 else None
            for term in node.terms:
                found &= self._holding([(f, t) for t in (spellings or (term,)) for f, _b in fields(node.field, exact=False)], docs)
            return found
        if isinstance(node, Exact) and len(node.words) == 1:
            return self._holding([(f, node.words[0]) for f, _b in fields(node.field, exact=True)], docs)
        scored = self.evaluate(node, deadline)
        return None if scored is None else _among(scored[0], docs)

    def _holding(self, terms: list[tuple[str, str]], docs: np.ndarray) -> np.ndarray:
        """Which of ``docs`` hold any of ``terms`` (field, term)."""
        found = np.zeros(docs.size, bool)
        for field, term in terms:
            found |= _among(self.postings(field, term)[0], docs)
        return found

    def phrase(self, field: str, words: tuple[str, ...], slop: int, boost: float,
               deadline: float = float("inf")) -> Scored:
        """Documents where ``words`` follow each other in ``field``, each within ``slop``
        positions of the one before (Whoosh's ordered SpanNear2, mindist 1), scored as Whoosh
        scores a phrase: the sum of its words' scores, times ``boost``. Candidates come from
        intersecting the words' posting arrays; positions are read for those only, a word at a
        time from the phrase's rarer end, each word's only where the words before it fit, and
        matched as whole arrays of (candidate, position) keys; the words are scored for the
        documents that hold the phrase only (not over a common word's every posting)."""
        postings = [self.postings(field, w) for w in words]
        ids = min((p[0] for p in postings), key=lambda found: found.size)
        for found, _tfs in postings:
            ids = ids[_common(ids, found)[0]]
        if ids.size == 0:
            return NOTHING
        step = 1  # reading left to right: a word sits 1..slop after one of the reach
        order = list(words)
        if self.postings(field, words[-1])[0].size < self.postings(field, words[0])[0].size:
            order.reverse()
            step = -1
        alive = np.arange(ids.size)  # the candidates still in (indexes into ids)
        # Where the words so far end, as keys: candidate index * SPAN + position (sorted)
        reach = _keyed(alive, self.positions(field, order[0], ids))
        for word in order[1:]:
            if time.perf_counter() > deadline:
                raise SearchTimeout()
            found = _keyed(alive, self.positions(field, word, ids[alive]))
            if time.perf_counter() > deadline:
                raise SearchTimeout()
            fits = np.zeros(found.size, bool)
            for gap in range(1, slop + 1):  # the word sits 1..slop after (before) one of the reach
                fits |= _among(reach, found - step * gap)
            reach = found[fits]
            if reach.size == 0:
                return NOTHING
            alive = _sorted_unique(reach // SPAN)
        ids = ids[alive]
        scores = np.zeros(ids.size, np.float64)  # added word by word, as Whoosh's intersection adds
        for w, (found, tfs) in zip(words, postings):
            scores = scores + self._bm25f(field, ids, tfs[np.searchsorted(found, ids)], self.idf(field, w), 1.0)
        return ids, scores * boost


class FieldLengths:
    """The documents' lengths in one field, kept as Whoosh's length bytes (one byte a document
    rather than a float64); ``lengths[docs]`` gives them as the float64 lengths ranking reads."""

    def __init__(self, codes: np.ndarray):
        self.codes = codes

    def __getitem__(self, docs) -> np.ndarray:
        return LENGTH_OF_BYTE[self.codes[docs]]

    @property
    def nbytes(self) -> int:
        return self.codes.nbytes


def _length_bytes(reader, field: str) -> np.ndarray:
    """A segment's length byte of ``field`` for each of its documents, with one read of its
    length column (``doc_field_length`` reads a byte per call: 300,000 calls per field at
    300,000 articles, seconds of a worker's first searches)."""
    n = reader.doc_count_all()
    perdoc = getattr(reader, "_perdoc", None)
    column = perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN) if isinstance(perdoc, W3PerDocReader) \
        else False
    if column is None:  # no document of the segment has the field
        return np.full(n, NO_COLUMN_BYTE, np.uint8)
    if not isinstance(column, NumericColumn.Reader) or column._fixedlen != 1:  # another codec: ask per document
        return np.fromiter((length_to_byte(reader.doc_field_length(d, field, 1)) for d in range(n)),
                           dtype=np.uint8, count=n)
    codes = np.zeros(n, np.uint8)  # past the column's end: its default, byte 0
    stored = min(column._count, n)
    codes[:stored] = np.frombuffer(column._dbfile.get(column._basepos, stored), np.uint8)
    return codes


def field_postings(reader, field: str) -> tuple[list[bytes], np.ndarray, np.ndarray]:
    """Every term of ``field`` in one segment, the docnums (segment-local) of all their postings,
    term after term, and how many each term has; read with one walk of the field's part of the
    term index and one read of its posting lists, docnums decoded without numpy per block. (Stepping
    through Whoosh's term table and postings readers reads each entry and block a few bytes at
    a time: 14 s for the entity fields of 300,000 articles, 590,519 entries over 26 segments.)"""
    terms = getattr(reader, "_terms", None)
    texts: list[bytes] = []
    docs: list[int] = []
    counts: list[int] = []
    if not isinstance(terms, W3TermsReader):  # another codec: through Whoosh's readers
        fmt = reader.schema[field].format
        for (_field, text), info in terms.items_from(field, b"") if terms is not None else ():
            if _field != field:
                break
            found = list(terms._codec.postings_reader(terms._postfile, info, fmt).all_ids())
            texts.append(text), docs.extend(found), counts.append(len(found))
        return texts, np.asarray(docs, dtype=np.int32), np.asarray(counts, dtype=np.int64)
    entries = _field_entries(terms, field)
    lists = [(offset, length) for _text, _df, offset, length, ids in entries if ids is None]
    start = min((o for o, _n in lists), default=0)
    data = terms._postfile.get(start, max((o + n for o, n in lists), default=start) - start) if lists else b""
    for text, _df, offset, length, ids in entries:
        before = len(docs)
        if ids is not None:
            docs.extend(ids)
        elif not _docnums(data[offset - start:offset - start + length], offset, docs):
            # its recorded length does not hold its blocks: Whoosh's reader
            info = terms.term_info(field, text)
            fmt = reader.schema[field].format
            docs.extend(terms._codec.postings_reader(terms._postfile, info, fmt).all_ids())
        texts.append(text)
        counts.append(len(docs) - before)
    return texts, np.asarray(docs, dtype=np.int32), np.asarray(counts, dtype=np.int64)


def _field_entries(terms: W3TermsReader, field: str) -> list[tuple[bytes, int, int, int, tuple | None]]:
    """(term, document frequency, postings offset, postings length, inlined docnums or None) of
    each term of ``field``, from one walk of the field's part of the ordered term index (the
    keys are the field's number and the term: a field's entries are one run of it), each entry
    unpacked for what is needed here only (``W3TermInfo.from_bytes`` builds a whole object)."""
    number = terms._fieldmap.get(field)
    if number is None:
        return []
    index = terms._tindex
    first = index.closest_key_pos(pack_ushort(number))
    after = index.closest_key_pos(pack_ushort(number + 1)) if number + 1 < 65535 else None
    out = []
    for key, entry in _records_from(index.dbfile, first, index.endofdata if after is None else after) \
            if first is not None else ():
        df, extent = _entry(entry)
        if extent is None:  # postings inlined in the entry, as W3TermInfo.from_bytes reads them
            out.append((key[_SHORT_SIZE:], df, 0, 0, pickle.loads(entry[W3TermInfo._struct.size:])[0]))
        else:
            out.append((key[_SHORT_SIZE:], df, *extent, None))
    return out


def _entry(entry: bytes) -> tuple[int, tuple[int, int] | None]:
    """A term index entry's document frequency and where its postings lie (offset, length; None
    when they are inlined in the entry), unpacked for these only (``W3TermInfo.from_bytes``
    builds a whole object)."""
    info = W3TermInfo._struct
    flags, _weight, df = info.unpack_from(entry)[:3]
    return df, None if flags else _EXTENT.unpack_from(entry, info.size)


def _expansion(segment: int, reader, field: str, prefix: str) -> Expansion:
    """The terms of ``field`` in a segment that begin with ``prefix``, with their entries read
    in the same walk of the ordered term index (no lookup per term afterwards)."""
    terms = getattr(reader, "_terms", None)
    if not isinstance(terms, W3TermsReader):  # another codec: postings() finds each term's postings
        found = tuple(t.decode("utf-8") if isinstance(t, bytes) else t for t in reader.expand_prefix(field, prefix))
        return Expansion(segment, found, (None,) * len(found), ((),) * len(found))
    start = reader._text_to_bytes(field, prefix)
    key = terms._keycoder(field, start)
    # The term index's records are stored in key order: the prefix's follow the first key from
    # it, read a chunk at a time rather than three reads per term.
    # Each entry is unpacked for its document frequency and extent only (_entry: 18,000
    # terms for ألف*).
    index = terms._tindex
    first = index.closest_key_pos(key)
    names, dfs, extents = [], [], []
    for keybytes, entry in _records_from(index.dbfile, first, index.endofdata) if first is not None else ():
        if not keybytes.startswith(key):  # the field's number, then the term
            break
        df, extent = _entry(entry)
        names.append(keybytes[_SHORT_SIZE:].decode("utf-8"))
        dfs.append(df)
        extents.append(() if extent is None else extent)
    return Expansion(segment, tuple(names), tuple(dfs), tuple(extents))


def _frequencies(reader, field: str, index: W3TermsReader, keys: list[bytes], depth: int,
                 out: dict[bytes, int]) -> None:
    """The document frequencies of term-index ``keys`` (sorted) in one segment, into ``out``
    (0: not in it). Keys sharing their first ``depth`` bytes are found by walking that stretch
    of the ordered index from the first of them; a walk that passes ``WALK_PER_TERM`` records
    per key without finding them all leaves the rest to stretches one letter longer; fewer
    than ``WALK_LEAST`` keys are looked up one by one."""
    start = len(index._keycoder(field, b""))
    for _shared, group in groupby(keys, key=lambda k: k[:depth]):
        group = list(group)
        if len(group) < WALK_LEAST:
            for key in group:
                out[key] = reader.doc_frequency(field, key[start:])
            continue
        left = _walk(index, group, WALK_PER_TERM * len(group), out)
        if left:
            _frequencies(reader, field, index, left, depth + WALK_STEP, out)


def _walk(index: W3TermsReader, keys: list[bytes], most: int, out: dict[bytes, int]) -> list[bytes]:
    """Walk the ordered term index from the first of ``keys`` (sorted) for at most ``most``
    records, putting each key's document frequency into ``out`` (0 for a key passed over);
    the keys not reached."""
    first = index._tindex.closest_key_pos(keys[0])
    j = 0
    if first is not None:
        for walked, (key, entry) in enumerate(_records_from(index._tindex.dbfile, first, index._tindex.endofdata)):
            while keys[j] < key:
                out[keys[j]] = 0
                j += 1
                if j == len(keys):
                    return []
            if keys[j] == key:
                out[key] = W3TermInfo.from_bytes(entry).doc_frequency()
                j += 1
                if j == len(keys):
                    return []
            if walked + 1 >= most:
                return keys[j:]
    for key in keys[j:]:  # past the last key of the index
        out[key] = 0
    return []


def _entries(expansions: list[Expansion]) -> int:
    return sum(len(e.terms) for e in expansions)


def _records_from(dbfile, pos: int, end: int) -> Iterator[tuple[bytes, bytes]]:
    """The (key, value) records of a Whoosh hash file from file offset ``pos`` to ``end``, in
    file order (each: the two lengths, the key, the value), read in chunks that double."""
    buf, at, head, size = b"", 0, _RECORD_LENGTHS.size, EXPANSION_READ
    while True:
        if at + head <= len(buf):
            keylen, datalen = _RECORD_LENGTHS.unpack_from(buf, at)
            stop = at + head + keylen + datalen
            if stop <= len(buf):
                yield buf[at + head:at + head + keylen], buf[at + head + keylen:stop]
                at = stop
                continue
        read_from = pos + len(buf)
        if read_from >= end:
            return
        buf, pos, at = buf[at:] + dbfile.get(read_from, min(size, end - read_from)), pos + at, 0
        size *= 2


class _Read:
    """A stretch of a postings file already read (from file offset ``start``), read from as
    the file is (``get``)."""

    def __init__(self, data: bytes, start: int):
        self.data, self.start = data, start

    def get(self, offset: int, length: int) -> bytes:
        return self.data[offset - self.start:offset - self.start + length]


def _concatenated(blocks: list[tuple[int, np.ndarray, np.ndarray]] | None) -> tuple[np.ndarray, np.ndarray] | None:
    """One term's docnums and frequencies in a segment from its decoded blocks (None: none)."""
    if blocks is None:
        return None
    return np.concatenate([ids for _at, ids, _tfs in blocks]), np.concatenate([tfs for _at, _ids, tfs in blocks])


def _stepped(reader, field: str, term: str) -> tuple[np.ndarray, np.ndarray] | None:
    """One term's docnums and frequencies in a segment, stepping through Whoosh's matcher (for
    postings not in blocks of their own, or whose recorded length does not hold their blocks)."""
    try:
        m = _leaf(reader.postings(field, term))
    except TermNotFound:
        return None
    ids, tfs = [], []
    while m.is_active():
        ids.append(m.id())
        tfs.append(m.weight())
        m.next()
    return np.asarray(ids, dtype=np.int32), np.asarray(tfs, dtype=np.float32)  # Whoosh's 32-bit weights


def _leaf(m):
    """The posting matcher under Whoosh's deletion filter (deleted documents are masked by
    ``live`` instead)."""
    while not isinstance(m, W3LeafMatcher) and hasattr(m, "child"):
        m = m.child
    return m


def _union(parts: list[Scored]) -> Scored:
    """Documents in any part, their scores added (Whoosh's union matcher)."""
    parts = [p for p in parts if p[0].size]
    if not parts:
        return NOTHING
    if len(parts) == 1:
        return parts[0]
    return _sum_by_doc(np.concatenate([i for i, _ in parts]), np.concatenate([s for _, s in parts]))


def _sum_by_doc(ids: np.ndarray, scores: np.ndarray) -> Scored:
    """Each document of ``ids`` once, sorted, with the sum of its ``scores`` (added in order).
    Where the documents are dense in their range (a union of common words: most of the
    archive) they are counted into that range rather than sorted: np.bincount adds each
    document's scores in the same order either way."""
    if ids.size == 0:
        return NOTHING
    lo = int(ids.min())
    span = int(ids.max()) - lo + 1
    if span <= SUM_IN_RANGE * ids.size:
        held = np.zeros(span, bool)
        held[ids - lo] = True
        docs = np.flatnonzero(held)
        return (docs + lo).astype(np.int32), np.bincount(ids - lo, weights=scores, minlength=span)[docs]
    docs, where = np.unique(ids, return_inverse=True)
    return docs.astype(np.int32), np.bincount(where, weights=scores, minlength=docs.size)


def _common(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where the documents in both ``a`` and ``b`` (sorted, unique) are in each, ascending
    (``np.intersect1d``'s indices, by a binary search of the shorter in the longer instead
    of sorting both together)."""
    if a.size == 0 or b.size == 0:
        return np.zeros(0, np.intp), np.zeros(0, np.intp)
    if a.size > b.size:
        theirs, mine = _common(b, a)
        return mine, theirs
    at, held = _lookup(b, a)
    mine = np.flatnonzero(held)
    return mine, at[mine]


def _sorted_unique(ids: np.ndarray) -> np.ndarray:
    """``np.unique(ids)`` of posting arrays (sorted runs, concatenated), by a stable sort (a
    merge of the runs) and a comparison with the neighbour: this numpy's unique hashes
    first, tens of times slower on them."""
    ranked = np.sort(ids, kind="stable")
    first = np.empty(ranked.size, bool)
    first[:1] = True
    np.not_equal(ranked[1:], ranked[:-1], out=first[1:])
    return ranked[first]


def _among(ids: np.ndarray, docs: np.ndarray) -> np.ndarray:
    """Which of ``docs`` are in ``ids`` (both sorted), by binary search in ``ids``."""
    if ids.size == 0 or docs.size == 0:
        return np.zeros(docs.size, bool)
    return _lookup(ids, docs)[1]


def _lookup(ids: np.ndarray, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each of ``docs`` is or would be in ``ids`` (sorted, not empty; clamped to its last
    place), and whether it is there: a binary search of each."""
    at = np.searchsorted(ids, docs)
    at[at == ids.size] = ids.size - 1
    return at, ids[at] == docs


def _positions_decoder(fmt):
    """How to decode a posting's positions in a field of format ``fmt``: Whoosh's own decoder,
    except for its plain ``Positions``, whose running sum of pickled deltas is summed here
    by ``itertools.accumulate`` instead of a Python loop (the same integers)."""
    return _decode_positions if type(fmt) is Positions else fmt.decoder("positions")


def _decode_positions(value: bytes) -> list[int]:
    """``whoosh.formats.Positions.decode_positions``: a count, then the pickled deltas (whose
    final STOP opcode Whoosh may have cut off)."""
    if not value.endswith(b"."):
        value += b"."
    return list(accumulate(pickle.loads(value[_INT_SIZE:])))


def _keyed(candidates: np.ndarray, positions: list[list[int]]) -> np.ndarray:
    """Each of ``positions`` (ascending, one list per candidate) as candidate * SPAN + position,
    in one sorted array."""
    counts = np.fromiter(map(len, positions), np.int64, len(positions))
    flat = np.fromiter(chain.from_iterable(positions), np.int64, int(counts.sum()))
    return np.repeat(candidates.astype(np.int64) * SPAN, counts) + flat


def _concatenate(parts: list[Scored]) -> Scored:
    """Parts over disjoint, ascending ranges of documents (segments), as one."""
    parts = [p for p in parts if p[0].size]
    if len(parts) <= 1:
        return parts[0] if parts else NOTHING
    return np.concatenate([i for i, _ in parts]), np.concatenate([s for _, s in parts])


def _maybe(required: Scored, optional: Scored) -> Scored:
    """The documents of ``required``, with ``optional``'s score added where they are in it too
    (Whoosh's AndMaybe)."""
    ids, scores = required
    if ids.size == 0 or optional[0].size == 0:
        return required
    mine, theirs = _common(ids, optional[0])
    scores = scores.copy()
    scores[mine] += optional[1][theirs]
    return ids, scores


def _intersection(parts: list[Scored]) -> Scored:
    """Documents in every part, their scores added (Whoosh's intersection matcher)."""
    ids, scores = min(parts, key=lambda p: p[0].size)
    scores = np.zeros(ids.size, np.float64)
    for part_ids, part_scores in parts:
        mine, theirs = _common(ids, part_ids)
        ids, scores = ids[mine], scores[mine] + part_scores[theirs]
        if ids.size == 0:
            return NOTHING
    return ids, scores
