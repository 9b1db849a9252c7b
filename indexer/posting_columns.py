"""Columnar postings beside each segment of an index generation, so the numpy path
(``indexer.fastpath``) reads a term's postings in a segment with one read and ``np.frombuffer``
instead of unpickling Whoosh's blocks of 128 postings one by one.

For every term of ``FIELDS`` a segment's file ``<segment id>.postcols`` holds its docnums
(int32, segment-local, sorted, deleted documents included as in Whoosh's blocks) and term
frequencies (per field the smallest of uint8, uint16 and float32 that holds the field's weights
exactly: Whoosh keeps weights as 32-bit floats), contiguous. There is no second term dictionary:
a term is found by Whoosh's own lookup, whose term info gives the posting list's offset in the
postings file, and that offset is the key here. Layout, in this order:

- records: each term's (docnum int32, frequency) pairs, packed;
- directory: one entry per term, sorted by key: key uint64, records' file offset uint64,
  count uint32, crc32 of the records uint32;
- page keys (uint64) and page crc32s (uint32): every ``PAGE``-th entry's key and each page's
  checksum, held in memory once the file is open, so a lookup reads one page of the directory,
  then the term's records;
- meta (JSON: version, segment id, documents, the segment's file sizes, fields and their
  frequency types, counts and section offsets), then a trailer: meta length, crc32 of page keys,
  page crcs and meta, ``MAGIC``.

A file never changes an answer: one that is missing, written for another segment (id, document
count, the segment's file sizes), cut short or otherwise inconsistent is ignored when the
generation opens, and a term whose directory page or records fail their checksum, or whose
count is not the df of Whoosh's term info, is read from Whoosh's blocks instead (the file is
then ignored for the rest of that reader's life). Files are written under a hidden temporary
name, synced and renamed, so a crash leaves none that validates; Whoosh's clean-up deletes a
segment's file with the segment (the name matches its segment-file pattern).
"""
from __future__ import annotations

import json
import logging
import os
import secrets
import zlib
from pathlib import Path

import numpy as np
from whoosh.codec.whoosh3 import W3TermsReader
from whoosh.filedb.filestore import FileStorage

from indexer.blocks import read_blocks, where
from indexer.generations import _fsync_dir

# The fields the numpy path reads postings of (indexer.compile.fields: stemmed and exact).
FIELDS = ("title", "body", "title_exact", "body_exact")
EXTENSION = ".postcols"
MAGIC = b"ArshPC1\n"
VERSION = 1
PAGE = 64  # directory entries per page
SIDE_BY_SIDE_SLACK = 1 << 16  # bytes between terms' records still read with them in one read
ENTRY = np.dtype([("key", "<u8"), ("at", "<u8"), ("count", "<u4"), ("crc", "<u4")])
TRAILER = 16  # meta length uint32, crc32 uint32, MAGIC
TF_TYPES = {"uint8": np.dtype("<u1"), "uint16": np.dtype("<u2"), "float32": np.dtype("<f4")}
# Set False to read every term from Whoosh's blocks (benchmarks compare the two in process).
ENABLED = True

log = logging.getLogger(__name__)


def tf_type(weights: np.ndarray) -> np.dtype:
    """The smallest of TF_TYPES that holds every one of ``weights`` (32-bit floats) exactly."""
    if weights.size and (weights.min() >= 0) and (weights == np.rint(weights)).all():
        top = weights.max()
        if top <= 0xFF:
            return TF_TYPES["uint8"]
        if top <= 0xFFFF:
            return TF_TYPES["uint16"]
    return TF_TYPES["float32"]


def widest_tf(names) -> str:
    """The TF_TYPES name that holds the weights of every one of ``names`` (``tf_type``'s)."""
    order = list(TF_TYPES)
    return max(names, key=order.index)


def records(tf: np.dtype) -> np.dtype:
    return np.dtype([("doc", "<i4"), ("tf", tf)])


def segment_sizes(folder: str | os.PathLike, segment_id: str) -> dict[str, int]:
    """The sizes of a segment's own files (its compound file, or each of its files)."""
    prefix = segment_id + "."
    return {name: os.path.getsize(os.path.join(folder, name)) for name in sorted(os.listdir(folder))
            if name.startswith(prefix) and not name.endswith(EXTENSION)}


def path_of(folder: str | os.PathLike, segment_id: str) -> Path:
    return Path(folder) / (segment_id + EXTENSION)


class PostingColumnsWriter:
    """Writes one segment's file: ``add_field`` for each field (any order), then ``finish``
    once the segment's own files are complete (or ``discard``)."""

    def __init__(self, folder: str | os.PathLike):
        self.folder = Path(folder)
        # hidden: Whoosh neither packs it into a compound segment nor cleans it up
        self.tmp = self.folder / f".postcols-{secrets.token_hex(6)}.tmp-{os.getpid()}"
        self._file = open(self.tmp, "wb")
        self._written = 0
        self._entries: list[np.ndarray] = []
        self._fields: dict[str, str] = {}

    def add_field(self, field: str, keys: np.ndarray, counts: np.ndarray, docs: np.ndarray,
                  weights: np.ndarray, tf: str | None = None) -> None:
        """One field's terms: each one's key (its posting list's offset in the postings file)
        and posting count, and every posting's docnum and weight, term after term. A field may
        come in several calls, in key order, each giving the field's frequency type ``tf``
        (a TF_TYPES name: ``widest_tf`` of all its weights)."""
        counts = np.asarray(counts, np.int64)
        weights = np.asarray(weights, np.float32)  # what Whoosh's blocks keep
        tf = TF_TYPES[tf] if tf is not None else tf_type(weights)
        if self._fields.get(field, tf.name) != tf.name:
            raise ValueError(f"{field}: frequencies as {self._fields[field]} and as {tf.name}")
        recs = np.empty(len(docs), records(tf))
        recs["doc"] = docs
        recs["tf"] = weights
        view = memoryview(recs.view(np.uint8))  # the packed records' bytes, not a copy
        ends = np.cumsum(counts) * recs.dtype.itemsize
        starts = ends - counts * recs.dtype.itemsize
        entries = np.empty(len(keys), ENTRY)
        entries["key"] = keys
        entries["at"] = self._written + starts
        entries["count"] = counts
        crc = zlib.crc32
        entries["crc"] = [crc(view[a:b]) for a, b in zip(starts.tolist(), ends.tolist())]
        self._file.write(view)
        self._written += len(view)
        self._entries.append(entries)
        self._fields[field] = tf.name

    def finish(self, segment_id: str, documents: int) -> Path:
        """Write the directory and meta, sync and give the file its name."""
        entries = np.concatenate(self._entries) if self._entries else np.zeros(0, ENTRY)
        entries = entries[np.argsort(entries["key"], kind="stable")]
        f = self._file
        pad = -self._written % 8
        f.write(b"\0" * pad)
        directory_at = self._written + pad
        f.write(entries.tobytes())
        pages = np.ascontiguousarray(entries["key"][::PAGE])
        page_bytes = entries.tobytes()
        width = PAGE * ENTRY.itemsize
        page_crcs = np.asarray([zlib.crc32(page_bytes[i:i + width]) for i in range(0, len(page_bytes), width)],
                               np.uint32)
        meta = json.dumps({
            "version": VERSION, "segment": segment_id, "documents": documents,
            "files": segment_sizes(self.folder, segment_id), "fields": self._fields,
            "terms": int(entries.size), "postings_bytes": self._written, "directory": directory_at,
        }, sort_keys=True).encode("utf-8")
        tail = pages.astype("<u8").tobytes() + page_crcs.astype("<u4").tobytes() + meta
        f.write(tail)
        f.write(np.asarray([len(meta), zlib.crc32(tail)], "<u4").tobytes() + MAGIC)
        f.flush()
        os.fsync(f.fileno())
        f.close()
        final = path_of(self.folder, segment_id)
        os.replace(self.tmp, final)
        _fsync_dir(self.folder)
        return final

    def discard(self) -> None:
        self._file.close()
        self.tmp.unlink(missing_ok=True)


class PostingColumns:
    """One segment's file, open for reading (``open``: None when there is none that fits)."""

    def __init__(self, path: Path, fd: int, meta: dict, pages: np.ndarray, page_crcs: np.ndarray):
        self.path = path
        self._fd = fd
        self._types = {f: records(TF_TYPES[t]) for f, t in meta["fields"].items()}
        self._terms = meta["terms"]
        self._directory = meta["directory"]
        self._postings_bytes = meta["postings_bytes"]
        self._pages = pages
        self._page_crcs = page_crcs
        self.broken = False

    @classmethod
    def open(cls, folder: str | os.PathLike, segment_id: str, documents: int) -> PostingColumns | None:
        path = path_of(folder, segment_id)
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            return None
        try:
            found = cls._read_meta(fd, folder, segment_id, documents)
        except (OSError, ValueError, KeyError, TypeError) as e:
            found = f"unreadable ({e})"
        if isinstance(found, str):
            os.close(fd)
            log.warning("posting columns %s ignored: %s", path, found)
            return None
        return cls(path, fd, *found)

    @staticmethod
    def _read_meta(fd: int, folder, segment_id: str, documents: int):
        """(meta, page keys, page crcs), or why the file does not fit this segment."""
        size = os.fstat(fd).st_size
        if size < TRAILER:
            return "cut short"
        trailer = os.pread(fd, TRAILER, size - TRAILER)
        if trailer[8:] != MAGIC:
            return "not a posting columns file"
        meta_len, crc = (int(x) for x in np.frombuffer(trailer[:8], "<u4"))
        if meta_len > size - TRAILER:
            return "cut short"
        meta = json.loads(os.pread(fd, meta_len, size - TRAILER - meta_len))
        terms, directory = int(meta["terms"]), int(meta["directory"])
        n_pages = -(-terms // PAGE)
        tail_at = size - TRAILER - meta_len - n_pages * 12
        if meta.get("version") != VERSION or directory + terms * ENTRY.itemsize != tail_at \
                or directory < meta["postings_bytes"]:
            return "sizes do not add up"
        tail = os.pread(fd, n_pages * 12 + meta_len, tail_at)
        if zlib.crc32(tail) != crc:
            return "checksum"
        if meta["segment"] != segment_id or meta["documents"] != documents:
            return "written for another segment"
        if meta["files"] != segment_sizes(folder, segment_id):
            return "the segment's files changed"
        if not set(meta["fields"]) <= set(FIELDS) or any(t not in TF_TYPES for t in meta["fields"].values()):
            return "unknown fields"
        pages = np.frombuffer(tail[:n_pages * 8], "<u8")
        page_crcs = np.frombuffer(tail[n_pages * 8:n_pages * 12], "<u4")
        return meta, pages, page_crcs

    def postings(self, field: str, key: int, df: int | None) -> tuple[np.ndarray, np.ndarray] | None:
        """The segment-local docnums (int32) and frequencies (in the field's stored type: uint8,
        uint16 or float32) of the term whose posting list starts at ``key`` in the postings file
        and is in ``df`` documents; None when this file does not have them right (read Whoosh's
        blocks)."""
        return self.postings_of(field, [key], [df])[0]

    def postings_of(self, field: str, keys: list[int], dfs: list[int | None]) -> list[tuple[np.ndarray, np.ndarray] | None]:
        """``postings`` of several terms of ``field`` (``keys`` ascending: a prefix's terms, which
        lie side by side), with one read of the directory pages they are on and one of their
        records where these lie close together (both: read-only views of the records read)."""
        rec = self._types.get(field)
        out: list[tuple[np.ndarray, np.ndarray] | None] = [None] * len(keys)
        if rec is None or self.broken or not keys or any(df is None for df in dfs):
            return out
        wanted = np.asarray(keys, np.uint64)
        pages = np.searchsorted(self._pages, wanted, side="right") - 1
        first_page, last_page = max(int(pages.min()), 0), int(pages.max())
        if last_page < 0:
            return out
        if last_page - first_page > len(keys) // PAGE + 2:  # far apart: a term at a time
            return [self.postings_of(field, [k], [df])[0] for k, df in zip(keys, dfs)]
        first = first_page * PAGE
        n = min((last_page + 1) * PAGE, self._terms) - first
        raw = os.pread(self._fd, n * ENTRY.itemsize, self._directory + first * ENTRY.itemsize)
        width = PAGE * ENTRY.itemsize
        if len(raw) != n * ENTRY.itemsize or any(
                zlib.crc32(raw[k * width:(k + 1) * width]) != self._page_crcs[page]
                for k, page in enumerate(range(first_page, last_page + 1))):
            self._broken("directory checksum")
            return out
        entries = np.frombuffer(raw, ENTRY)
        where = np.minimum(np.searchsorted(entries["key"], wanted), n - 1)
        held = entries[where]
        found = held["key"] == wanted  # the others are not terms of these fields here
        if (held["count"][found] != np.asarray(dfs)[found]).any():
            self._broken("count")
            return out
        if not found.any():
            return out
        starts = held["at"][found].astype(np.int64)
        ends = starts + held["count"][found].astype(np.int64) * rec.itemsize
        lo, hi = int(starts.min()), int(ends.max())
        if hi - lo > 2 * int((ends - starts).sum()) + SIDE_BY_SIDE_SLACK:  # far apart: a term at a time
            return [self.postings_of(field, [k], [df])[0] for k, df in zip(keys, dfs)]
        data = os.pread(self._fd, hi - lo, lo)
        if len(data) != hi - lo:
            self._broken("cut short")
            return out
        view = memoryview(data)
        for k, a, b, crc in zip(np.flatnonzero(found).tolist(), (starts - lo).tolist(), (ends - lo).tolist(),
                                held["crc"][found].tolist()):
            if zlib.crc32(view[a:b]) != crc:
                self._broken("records checksum")
                return [None] * len(keys)
            records = np.frombuffer(data, rec, count=(b - a) // rec.itemsize, offset=a)
            out[k] = records["doc"], records["tf"]
        return out

    def verify(self) -> bool:
        """Whether every directory page and every term's records match their checksums (reads
        the whole file)."""
        raw = os.pread(self._fd, self._terms * ENTRY.itemsize, self._directory)
        width = PAGE * ENTRY.itemsize
        if len(raw) != self._terms * ENTRY.itemsize or any(
                zlib.crc32(raw[i:i + width]) != crc for i, crc in zip(range(0, len(raw), width), self._page_crcs.tolist())):
            return False
        data = os.pread(self._fd, self._postings_bytes, 0)
        view = memoryview(data)
        if len(data) != self._postings_bytes:
            return False
        # the terms' records lie back to back: each ends where the next begins
        entries = np.frombuffer(raw, ENTRY)
        order = np.argsort(entries["at"], kind="stable")
        starts = entries["at"][order].tolist()
        return all(zlib.crc32(view[at:end]) == crc for at, end, crc in
                   zip(starts, starts[1:] + [len(data)], entries["crc"][order].tolist()))

    def _broken(self, why: str) -> None:
        self.broken = True
        log.warning("posting columns %s ignored from now on: %s", self.path, why)

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __del__(self):
        self.close()


def open_segment(searcher, reader) -> PostingColumns | None:
    """The posting columns of ``reader``, a segment of the index ``searcher`` searches (None
    when it has none that fit, or the index is not in a folder)."""
    folder = getattr(getattr(getattr(searcher, "_ix", None), "storage", None), "folder", None)
    segment = getattr(reader, "_segment", None)
    if folder is None or segment is None:
        return None
    return PostingColumns.open(folder, segment.segment_id(), segment.doc_count_all())


def add_to_index(folder: str | os.PathLike, verify: bool = False) -> list[str]:
    """Write the posting columns of every segment of the index in ``folder`` that has none that
    fit, from its posting blocks (segments a full rebuild's writer did not write: incremental
    updates, Whoosh's merges, generations written before these files); also remove temporary
    files a crashed writer left. ``verify``: also rewrite those whose records or directory fail
    their checksums (reads every file whole). Call it holding the index root's writers' lock.
    Returns the segment ids written."""
    folder = Path(folder)
    for leftover in folder.glob(".postcols-*.tmp-*"):
        leftover.unlink(missing_ok=True)
    ix = FileStorage(str(folder), supports_mmap=False, readonly=True).open_index()
    written = []
    with ix.reader() as reader:
        for leaf, _offset in reader.leaf_readers():
            segment = getattr(leaf, "_segment", None)
            if segment is None:  # an index of no segments
                continue
            columns = PostingColumns.open(folder, segment.segment_id(), segment.doc_count_all())
            if columns is not None:
                fits = not verify or columns.verify()
                columns.close()
                if fits:
                    continue
            path_of(folder, segment.segment_id()).unlink(missing_ok=True)
            write_from_blocks(leaf, folder)
            written.append(segment.segment_id())
    return written


def write_from_blocks(reader, folder: str | os.PathLike) -> Path | None:
    """One segment's posting columns, decoded from its posting blocks (``reader``: the
    segment's reader). Terms whose postings are not in blocks of their own are left out."""
    terms = getattr(reader, "_terms", None)
    if not isinstance(terms, W3TermsReader):
        return None
    writer = PostingColumnsWriter(folder)
    try:
        for field in sorted(FIELDS):  # in the postings file's order, as the segment writer adds them
            if field not in reader.schema:
                continue
            keys, counts, docs, weights = [], [], [], []
            for (name, _text), info in terms.items_from(field, b""):
                if name != field:
                    break
                extent = where(info)
                found = read_blocks(terms._postfile, *extent) if extent else None
                if found is None:
                    continue
                keys.append(extent[0])
                counts.append(sum(ids.size for _at, ids, _tfs in found))
                docs.extend(ids for _at, ids, _tfs in found)
                weights.extend(tfs for _at, _ids, tfs in found)
            if keys:
                writer.add_field(field, np.asarray(keys, np.uint64), np.asarray(counts, np.int64),
                                 np.concatenate(docs), np.concatenate(weights))
        segment = reader._segment
        return writer.finish(segment.segment_id(), segment.doc_count_all())
    except BaseException:
        writer.discard()
        raise
