"""The segment writer of full rebuilds: the files Whoosh's own writer makes (its W3 format:
terms, posting blocks, field lengths, stored fields, columns), from postings gathered in
compact arrays instead of Whoosh's per-posting pool.

Whoosh's ``SegmentWriter`` analyses each text field on its own, adds every posting to a pool
(sorted at commit, spilled to disk when full) and writes the postings one at a time, reading
each document's field length back from the file it has just written. ``ArticleWriter``:

- analyses a title or a body once for its stemmed and its exact field (``SHARED_ANALYSIS``,
  ``analysis.index_terms``) when both fields hold the same text;
- appends each field's postings, as documents arrive in order, to flat arrays keyed by term
  number, so every posting list is already in document order;
- at commit sorts the terms and writes each posting list a block at a time
  (``write_postings``), with the field lengths it kept when the documents were added.

When its postings pass ``limitmb`` it writes them, sorted by term, to a temporary run file
(``_Run``) and starts afresh in the same segment; at commit the runs and what is left in memory
are merged term by term (``_merged``: the runs hold ever later documents, so a term's postings
are its runs' in order). So a writer writes one segment however large the archive (a search
pays Whoosh's term lookup once per segment for every term), and memory stays bounded.

Stored fields, field lengths and columns go through Whoosh's per-document writer as before. The
files are the same bytes Whoosh's writer makes of the same documents (tests/indexer/
test_writer.py), so readers, ``indexer.fastpath``, highlighting and incremental updates (which
keep Whoosh's writer) need nothing new.

``ArticleMpWriter`` runs ArticleWriters in processes, as Whoosh's ``MpWriter`` runs its own
writers (the parent hands out batches of documents; every process writes its own segment).

This writes ``whoosh.codec.whoosh3`` blocks itself: it depends on the pinned Whoosh, and the
tests compare its files with Whoosh's.
"""
from __future__ import annotations

import queue
import shutil
import tempfile
import zlib
from array import array
from bisect import bisect_right
from operator import sub
from pathlib import Path
from pickle import dumps
from typing import Iterator, NamedTuple

import numpy as np
from whoosh.codec.whoosh3 import COMPRESSION_MIN_SIZE, WHOOSH3_HEADER_MAGIC, W3TermInfo
from whoosh.formats import Frequency, Positions
from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.system import pack_int as _pack_int
from whoosh.system import pack_uint, pack_ushort
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import SegmentWriter

from indexer.analysis import exact_analyzer, index_terms, stemmed_analyzer
from indexer.posting_columns import FIELDS as COLUMN_FIELDS
from indexer.posting_columns import PostingColumnsWriter, tf_type, widest_tf

# (stemmed field, exact field) pairs that index the same text of a document.
SHARED_ANALYSIS = (("title", "title_exact"), ("body", "body_exact"))
# What one posting held in memory costs, roughly (its four array entries, the value's bytes
# object or a share of it, and the sorted arrays at commit; ≈ 100 measured on the corpus with
# the stemmer's caches): a writer spills its postings to a run when they would pass limitmb.
POSTING_BYTES = 100
# Postings made Python objects at a time while a segment is written.
FLUSH_CHUNK = 1 << 16
# Frequency.word_values' value of a posting (its frequency, packed), made once for the common
# frequencies: the stemmed fields' postings share them instead of holding a bytes object each.
_FREQUENCY_VALUES = [pack_uint(n) for n in range(256)]
# Seconds a writer process may wait to hand its segments to the parent.
RESULT_WAIT = 30.0


class _Postings:
    """One field's postings in the order they were added (document order): the term number,
    document number, weight and encoded value of each."""

    __slots__ = ("terms", "term", "doc", "weight", "value")

    def __init__(self):
        self.terms: dict[bytes, int] = {}
        self.term = array("I")
        self.doc = array("I")
        self.weight = array("d")
        self.value: list[bytes] = []

    def add(self, docnum: int, items, boost: float, scorable: bool) -> int:
        """Add a document's ``(term bytes, frequency, weight, value)`` items; return the
        field's length in that document (the frequencies' sum when it is scorable)."""
        terms = self.terms
        term, doc, weight, value = self.term.append, self.doc.append, self.weight.append, self.value.append
        length = 0
        for tbytes, freq, w, vbytes in items:
            if scorable:
                length += freq
            number = terms.get(tbytes)
            if number is None:
                number = terms[tbytes] = len(terms)
            term(number)
            doc(docnum)
            weight(w * boost)
            value(vbytes if vbytes is not None else b"")
        return length

    def __len__(self) -> int:
        return len(self.doc)

    def tf(self) -> str:
        """The posting columns' frequency type of these postings (``posting_columns.tf_type``)."""
        return tf_type(np.frombuffer(self.weight, np.float64).astype(np.float32)).name

    def chunks(self) -> Iterator[_Chunk]:
        """The postings sorted by term in byte order, then as added, in chunks of whole terms of
        about FLUSH_CHUNK postings (the values made Python lists a chunk at a time)."""
        names = sorted(self.terms)
        numbers = np.fromiter((self.terms[name] for name in names), np.int64, len(names))
        rank = np.empty(len(names), np.int64)
        rank[numbers] = np.arange(len(names))
        term = np.frombuffer(self.term, np.uint32)
        order = np.argsort(rank[term], kind="stable")  # by term in byte order, then as added
        counts = np.bincount(term, minlength=len(names))[numbers]
        docs = np.frombuffer(self.doc, np.uint32)[order]
        weights = np.frombuffer(self.weight, np.float64)[order]
        ends = np.cumsum(counts).tolist()
        values = self.value
        first, start = 0, 0
        while first < len(names):
            last = max(bisect_right(ends, start + FLUSH_CHUNK, first), first + 1)
            end = ends[last - 1]
            yield _Chunk(names[first:last], counts[first:last], docs[start:end], weights[start:end],
                         [values[i] for i in order[start:end].tolist()])
            first, start = last, end


class _Chunk(NamedTuple):
    """Consecutive terms of a field's sorted postings, with all their postings."""
    names: list[bytes]        # the terms, in byte order
    counts: np.ndarray        # each term's number of postings
    docs: np.ndarray          # docnums, term after term, each term's in document order
    weights: np.ndarray
    values: list[bytes]

    def split(self, terms: int) -> tuple[_Chunk, _Chunk]:
        """The first ``terms`` terms and the rest."""
        n = int(self.counts[:terms].sum())
        return (_Chunk(self.names[:terms], self.counts[:terms], self.docs[:n], self.weights[:n], self.values[:n]),
                _Chunk(self.names[terms:], self.counts[terms:], self.docs[n:], self.weights[n:], self.values[n:]))


class _Run:
    """One field's postings spilled to a file, sorted (``_Postings.chunks``), when a
    writer's postings passed limitmb; read back once, in order, when the segment is written.
    Each chunk: a header (terms, postings, bytes of names, bytes of values: uint64), the names'
    ends, names, counts, docnums, weights, the values' ends and values."""

    HEAD = 32

    def __init__(self, path: Path, postings: _Postings):
        self.path = path
        self._tf = postings.tf()
        with open(path, "wb") as f:
            for c in postings.chunks():
                name_ends = np.cumsum(np.fromiter(map(len, c.names), np.uint64, len(c.names)))
                value_ends = np.cumsum(np.fromiter(map(len, c.values), np.uint64, len(c.values)))
                f.write(np.asarray([len(c.names), len(c.docs), name_ends[-1],
                                    value_ends[-1] if len(c.values) else 0], "<u8").tobytes())
                for part in (name_ends, b"".join(c.names), c.counts.astype("<u8"), c.docs.astype("<u4"),
                             c.weights.astype("<f8"), value_ends, b"".join(c.values)):
                    f.write(part)

    def tf(self) -> str:
        return self._tf

    def chunks(self) -> Iterator[_Chunk]:
        with open(self.path, "rb") as f:
            def read(size: int) -> bytes:
                data = f.read(size)
                if len(data) != size:
                    raise OSError(f"{self.path}: cut short")
                return data

            while head := f.read(self.HEAD):
                terms, n, names_size, values_size = np.frombuffer(head, "<u8").tolist()
                name_ends = np.frombuffer(read(8 * terms), "<u8").tolist()
                names = read(names_size)
                counts = np.frombuffer(read(8 * terms), "<u8").astype(np.int64)
                docs = np.frombuffer(read(4 * n), "<u4")
                weights = np.frombuffer(read(8 * n), "<f8")
                value_ends = np.frombuffer(read(8 * n), "<u8").tolist()
                values = read(values_size)
                yield _Chunk([names[a:b] for a, b in zip([0, *name_ends[:-1]], name_ends)], counts, docs, weights,
                             [values[a:b] for a, b in zip([0, *value_ends[:-1]], value_ends)])


def _merged(sources: list[Iterator[_Chunk]]) -> Iterator[_Chunk]:
    """The sorted postings of several sources (each of later documents than the one before)
    as one: chunks of whole terms, each term's postings from every source in source order."""
    pending = [next(source, None) for source in sources]
    while any(c is not None for c in pending):
        bound = min(c.names[-1] for c in pending if c is not None)
        parts = []
        for k, c in enumerate(pending):
            if c is None:
                continue
            cut = bisect_right(c.names, bound)
            if cut == len(c.names):
                parts.append(c)
                pending[k] = next(sources[k], None)
            elif cut:
                part, pending[k] = c.split(cut)
                parts.append(part)
        yield parts[0] if len(parts) == 1 else _interleaved(parts)


def _interleaved(parts: list[_Chunk]) -> _Chunk:
    """One chunk of the postings of ``parts`` (chunks of terms up to the same term): by term,
    then in the parts' order."""
    names = sorted(set().union(*(p.names for p in parts)))
    rank = {name: k for k, name in enumerate(names)}
    term = np.concatenate([np.repeat(np.fromiter(map(rank.__getitem__, p.names), np.int64, len(p.names)),
                                     p.counts) for p in parts])
    order = np.argsort(term, kind="stable")
    values = [v for p in parts for v in p.values]
    return _Chunk(names, np.bincount(term, minlength=len(names)), np.concatenate([p.docs for p in parts])[order],
                  np.concatenate([p.weights for p in parts])[order], [values[i] for i in order.tolist()])


def write_postings(postfile, ids: list[int], weights: list[float], values: list[bytes],
                   lengths: list[int] | None, fixed_size: int | None, blocklimit: int,
                   compression: int) -> W3TermInfo:
    """Write one term's posting list as ``whoosh.codec.whoosh3.W3PostingsWriter`` does (the
    same bytes: blocks of ``blocklimit`` pickled postings, each behind its pickled statistics)
    and return its term info. ``lengths``: each posting's field length as Whoosh reads it back
    (``byte_to_length(length_to_byte(n))``; 0 for none), None for an unscored field."""
    info = W3TermInfo()
    start = postfile.tell()
    n = len(ids)
    if n == 1:
        return _write_one_posting(postfile, info, start, ids[0], weights[0], values[0],
                                  lengths[0] if lengths is not None else 0, fixed_size, compression)
    pieces = [WHOOSH3_HEADER_MAGIC]
    for first in range(0, n, blocklimit):
        last = min(first + blocklimit, n)
        block_ids = ids[first:last]
        block_weights = array("f", weights[first:last])
        if block_weights.count(1.0) == len(block_weights):
            mini_weights = None
        elif block_weights.count(block_weights[0]) == len(block_weights):
            mini_weights = block_weights[0]
        else:
            mini_weights = tuple(block_weights)
        if fixed_size is None or fixed_size < 0:
            mini_values = tuple(values[first:last])
        elif fixed_size == 0:
            mini_values = None
        else:
            mini_values = b"".join(values[first:last])
        deltas = tuple(map(sub, block_ids, [0, *block_ids[:-1]]))
        data = dumps((deltas, mini_weights, mini_values), 2)
        level = compression if len(data) >= COMPRESSION_MIN_SIZE else 0
        if level:
            data = zlib.compress(data, level)
        if lengths is None:
            min_length, max_length = None, 0
        else:
            block_lengths = lengths[first:last]
            if 0 in block_lengths:
                block_lengths = [x for x in block_lengths if x]
            min_length = min(block_lengths, default=None)
            max_length = max(block_lengths, default=0)
        max_weight = max(weights[first:last])
        if not max_weight > 0:
            max_weight = 0  # Whoosh's running maximum starts at 0
        head = dumps((last - first, block_ids[-1], max_weight, level, length_to_byte(min_length),
                      length_to_byte(max_length)), 2)
        size = len(head) + len(data)
        pieces += (_pack_int(-size if last == n else size), head, data)
        # W3TermInfo.add_block, from the same figures
        info._weight += sum(block_weights)
        info._df += last - first
        info._minlength = min_length if info._minlength is None else min(info._minlength, min_length)
        info._maxlength = max(info._maxlength, max_length)
        info._maxweight = max(info._maxweight, max_weight)
        if info._minid is None:
            info._minid = block_ids[0]
        info._maxid = block_ids[-1]
    data = b"".join(pieces)
    postfile.write(data)
    info.set_extent(start, len(data))
    return info


def _write_one_posting(postfile, info: W3TermInfo, start: int, docnum: int, weight: float, value: bytes,
                       length: int, fixed_size: int | None, compression: int) -> W3TermInfo:
    """write_postings for a term of one posting (most terms), without its loops."""
    stored_weight = array("f", (weight,))[0]
    if fixed_size is None or fixed_size < 0:
        mini_value = (value,)
    else:
        mini_value = value if fixed_size else None
    data = dumps(((docnum,), None if stored_weight == 1.0 else stored_weight, mini_value), 2)
    level = compression if len(data) >= COMPRESSION_MIN_SIZE else 0
    if level:
        data = zlib.compress(data, level)
    max_weight = weight if weight > 0 else 0
    length_byte = length_to_byte(length or None)
    head = dumps((1, docnum, max_weight, level, length_byte, length_byte), 2)
    postfile.write(b"".join((WHOOSH3_HEADER_MAGIC, _pack_int(-(len(head) + len(data))), head, data)))
    info._weight = 0 + stored_weight
    info._df = 1
    info._minlength = length or None
    info._maxlength = length
    info._maxweight = max_weight
    info._minid = info._maxid = docnum
    info.set_extent(start, len(WHOOSH3_HEADER_MAGIC) + 4 + len(head) + len(data))
    return info


def _shared_fields(schema) -> tuple[tuple[str, str], ...]:
    """The SHARED_ANALYSIS pairs this schema indexes as index_terms does (others are analysed
    field by field)."""
    pairs = []
    for stemmed, exact in SHARED_ANALYSIS:
        if stemmed in schema and exact in schema:
            s, e = schema[stemmed], schema[exact]
            if (s.analyzer == stemmed_analyzer() and type(s.format) is Frequency
                    and e.analyzer == exact_analyzer() and type(e.format) is Positions):
                pairs.append((stemmed, exact))
    return tuple(pairs)


class ArticleWriter(SegmentWriter):
    """A Whoosh segment writer for new documents (see the module docstring). Takes
    SegmentWriter's arguments; ``limitmb`` bounds the postings held in memory."""

    def __init__(self, ix, limitmb: int = 256, **kwargs):
        super().__init__(ix, limitmb=limitmb, **kwargs)
        for name, field in self.schema.items():
            if field.vector or field.separate_spelling():
                raise ValueError(f"field {name!r}: term vectors and spelling fields are not written here")
        self._max_postings = limitmb * 2**20 // POSTING_BYTES
        self._shared = _shared_fields(self.schema)
        self._lengths: dict[str, array] = {name: array("I") for name, field in self.schema.items()
                                           if field.indexed and field.scorable}
        self._spill: Path | None = None  # the folder of the runs spilled when postings filled limitmb
        self._runs: dict[str, list[_Run | _Postings]] = {}
        self._new_postings()

    def _new_postings(self) -> None:
        self._postings: dict[str, _Postings] = {}
        self._held = 0

    def _shared_items(self, fields: dict) -> dict[str, list]:
        """The items ``field.index`` would give for the fields of SHARED_ANALYSIS pairs whose
        texts are the same, from one analysis of that text."""
        out = {}
        for stemmed, exact in self._shared:
            text = fields.get(stemmed)
            if not isinstance(text, str) or fields.get(exact) != text:
                continue
            positions, counts = index_terms(text)
            # Positions.word_values and Frequency.word_values: weight = the tokens' boosts
            # (1.0 each) times the format's field boost
            encode = self.schema[exact].format.encode
            boost = self.schema[exact].format.field_boost
            out[exact] = [(w.encode("utf-8"), len(p), float(len(p)) * boost, encode(p))
                          for w, p in positions.items()]
            boost = self.schema[stemmed].format.field_boost
            out[stemmed] = [(t.encode("utf-8"), n, float(n) * boost,
                             _FREQUENCY_VALUES[n] if n < 256 else pack_uint(n)) for t, n in counts.items()]
        return out

    def add_document(self, **fields):
        """Whoosh's SegmentWriter.add_document, with the postings kept in ``_Postings``. Every
        field is analysed before anything is written, so a document a field refuses (Whoosh's
        ValueError) leaves nothing behind (Whoosh's writer keeps part of it)."""
        self._check_state()
        schema = self.schema
        docnum = self.docnum
        docboost = self._doc_boost(fields)
        fieldnames = sorted(name for name in fields if not name.startswith("_"))
        self._check_fields(schema, fieldnames)
        fieldnames = [name for name in fieldnames if fields[name] is not None]
        items = self._shared_items(fields)
        for fieldname in fieldnames:
            if schema[fieldname].indexed and fieldname not in items:
                items[fieldname] = list(schema[fieldname].index(fields[fieldname]))
        perdocwriter = self.perdocwriter
        perdocwriter.start_doc(docnum)
        lengths = {}
        for fieldname in fieldnames:
            value = fields[fieldname]
            field = schema[fieldname]
            length = 0
            if field.indexed:
                postings = self._postings.get(fieldname)
                if postings is None:
                    postings = self._postings[fieldname] = _Postings()
                length = postings.add(docnum, items[fieldname], self._field_boost(fields, fieldname, docboost),
                                      field.scorable)
                self._held += len(items[fieldname])
                if length:
                    lengths[fieldname] = byte_to_length(length_to_byte(length))
            customval = fields.get(f"_stored_{fieldname}", value)
            perdocwriter.add_field(fieldname, field, customval if field.stored else None, length)
            column = field.column_type
            if column and customval is not None:
                perdocwriter.add_column_value(fieldname, column, field.to_column_value(customval))
        for fieldname, column in self._lengths.items():
            column.append(lengths.get(fieldname, 0))
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1
        if self._held > self._max_postings:
            self._spill_postings()

    def _spill_postings(self) -> None:
        """Write each field's postings, sorted, to a run of its own and start afresh: the
        segment goes on (one segment per writer, whatever the archive's size) and its postings
        are the runs merged when it is written."""
        if self._spill is None:
            folder = getattr(self.storage, "folder", None)  # the new generation's: pruned if the build dies
            self._spill = Path(tempfile.mkdtemp(prefix=".spill-", dir=folder))
        while self._postings:
            fieldname, postings = self._postings.popitem()  # its memory goes once it is spilled
            runs = self._runs.setdefault(fieldname, [])
            runs.append(_Run(self._spill / f"{fieldname}-{len(runs)}", postings))
        self._new_postings()

    def _remove_runs(self) -> None:
        self._runs = {}
        if self._spill is not None:
            shutil.rmtree(self._spill, ignore_errors=True)
            self._spill = None

    def _flush_segment(self):
        try:
            self._write_postings()
        finally:
            self._remove_runs()

    def _write_postings(self) -> None:
        self.perdocwriter.close()
        fieldwriter = self.fieldwriter
        codec = self.codec
        # the segment's columnar postings, from the sorted arrays (named once the segment is whole)
        folder = getattr(self.storage, "folder", None)
        self._columns = PostingColumnsWriter(folder) if folder is not None else None
        for fieldname in sorted(self._postings.keys() | self._runs.keys()):
            runs = self._runs.pop(fieldname, [])
            postings = self._postings.pop(fieldname, None)  # its memory goes once it is written
            if postings is not None and len(postings):
                runs.append(postings)
            if not runs:
                continue
            fieldobj = self.schema[fieldname]
            fixed_size = fieldobj.format.fixed_value_size()
            fieldwriter.start_field(fieldname, fieldobj)
            prefix = pack_ushort(fieldwriter._fieldid)
            lengths = self._lengths.get(fieldname)
            lengths = np.frombuffer(lengths, np.uint32) if lengths is not None else None
            columns = self._columns if fieldname in COLUMN_FIELDS else None
            tf = widest_tf(run.tf() for run in runs) if columns is not None else None
            for chunk in _merged([run.chunks() for run in runs]):
                ids, weights, values = chunk.docs.tolist(), chunk.weights.tolist(), chunk.values
                field_lengths = lengths[chunk.docs].tolist() if lengths is not None else None
                offsets = array("Q")
                lo = 0
                for tbytes, hi in zip(chunk.names, np.cumsum(chunk.counts).tolist()):
                    info = write_postings(fieldwriter._postfile, ids[lo:hi], weights[lo:hi], values[lo:hi],
                                          field_lengths[lo:hi] if field_lengths is not None else None,
                                          fixed_size, codec._blocklimit, codec._compression)
                    offsets.append(info.extent()[0])
                    fieldwriter._tindex.add(prefix + tbytes, info.to_bytes())
                    lo = hi
                if columns is not None:
                    columns.add_field(fieldname, np.frombuffer(offsets, np.uint64), chunk.counts, chunk.docs,
                                      chunk.weights, tf=tf)
            fieldwriter.finish_field()
        fieldwriter.close()
        self._new_postings()

    def _close_segment(self):
        super()._close_segment()
        self._remove_runs()  # cancelled: the runs go too

    def _finalize_segment(self):
        segment = super()._finalize_segment()
        if self._columns is not None:
            self._columns.finish(segment.segment_id(), segment.doc_count_all())
        return segment

    def finish_segments(self) -> list:
        """Finish writing and return the segment written, if any (for a writer process's parent)."""
        if self._added:
            return [self._finalize_segment()]
        self._close_segment()
        return []


class _ArticleWriterTask(SubWriterTask):
    """A writer process: an ArticleWriter fed the parent's batches of documents."""

    def run(self):
        ix = self.storage.open_index(self.indexname)
        writer = self.writer = ArticleWriter(ix, _lk=False, **self.kwargs)
        while True:
            job = self.jobqueue.get()
            if job is None:
                break
            self._process_file(*job)
        self.resultqueue.put(writer.finish_segments(), timeout=RESULT_WAIT)


class ArticleMpWriter(MpWriter):
    """Whoosh's MpWriter (multisegment: each process's segment is kept as it is) with
    ArticleWriters in its processes."""

    def __init__(self, ix, procs: int, **kwargs):
        super().__init__(ix, procs=procs, multisegment=True, **kwargs)

    def _new_task(self):
        task = _ArticleWriterTask(self.storage, self.indexname, self.jobqueue, self.resultqueue,
                                  self.subargs, True)
        self.tasks.append(task)
        task.start()
        return task

    def _commit(self, mergetype, optimize, merge):
        if self.docbuffer:
            self._enqueue()
        for _ in self.tasks:
            self.jobqueue.put(None)
        segments = self._merge_segments(mergetype, optimize, merge)
        received = 0
        while received < len(self.tasks):
            try:
                segments += self.resultqueue.get(timeout=1.0)
                received += 1
            except queue.Empty:
                # Whoosh's MpWriter gives up after a second and leaves a slow process's
                # documents out; here only a process that ended without its segments stops it.
                if any(task.exitcode for task in self.tasks):
                    raise RuntimeError("a writer process failed") from None
                if all(task.exitcode is not None for task in self.tasks) and self.resultqueue.empty():
                    raise RuntimeError("a writer process ended without its segments") from None
        for task in self.tasks:
            task.join()
        self._close_segment()
        self._commit_toc(segments)
        self._finish()
