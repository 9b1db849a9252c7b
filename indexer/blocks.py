"""Whoosh's W3 posting blocks read and decoded in place: where a term's posting list lies in a
segment's postings file, its blocks' docnums and term frequencies, and where each block ends.

This decodes what ``whoosh.codec.whoosh3.W3LeafMatcher`` decodes (``_goto``, ``_read_ids``,
``_read_weights``), from one read of the whole list: through the matcher each block's header
came off the file a few bytes at a time (Whoosh's compound file seeks and reads for each). It
depends on the pinned Whoosh distribution; tests compare it with Whoosh's matcher.
"""
from __future__ import annotations

import io
import pickle
import zlib
from itertools import accumulate

import numpy as np
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3TermsReader
from whoosh.reading import CorruptIndexError, TermNotFound
from whoosh.system import _INT_SIZE, unpack_int


def term_extent(reader, field: str, term: str) -> tuple[tuple[int, int] | tuple[()] | None, int | None]:
    """Where ``term``'s postings in ``field`` lie in a segment's postings file, as (offset,
    length) — None when the segment does not hold the term, () when they are not in blocks of
    their own (postings inlined in the term's entry, another codec): read them through a
    matcher — and in how many of the segment's documents it is (None: not known here)."""
    terms = getattr(reader, "_terms", None)
    if not isinstance(terms, W3TermsReader):
        return (), None
    try:
        info = terms.term_info(field, reader._text_to_bytes(field, term))
    except TermNotFound:
        return None, 0
    return where(info), info.doc_frequency()


def where(info) -> tuple[int, int] | tuple[()]:
    """(offset, length) of a W3 term entry's posting blocks; () when its postings are inlined."""
    if info.is_inlined():
        return ()
    offset, length = info.extent()
    # This Whoosh reads a stored length back as a 1-tuple (struct.unpack's result).
    return offset, length[0] if isinstance(length, tuple) else length


def read_blocks(postfile, offset: int, length: int) -> list[tuple[int, np.ndarray, np.ndarray]] | None:
    """(file offset, docnums, term frequencies) of each posting block of one term, read with
    one read of the whole list (None when its recorded length does not hold its blocks, which
    Whoosh's reader never looks at: read it through the matcher then)."""
    return decode_blocks(postfile.get(offset, length), offset)


def decode_blocks(buf: bytes, offset: int) -> list[tuple[int, np.ndarray, np.ndarray]] | None:
    """``read_blocks`` of a posting list already read (``buf``, from file offset ``offset``)."""
    out = []
    for at, _end in _walk(buf, offset):
        _size, ids, tfs, _values = decode_block(buf, at)
        out.append((offset + at, ids, tfs))
    return out if out and _whole(buf, out[-1][0] - offset) else None


def block_ends(postfile, offset: int, length: int) -> list[tuple[int, int]] | None:
    """(file offset, last docnum) of each posting block of one term, from the blocks' headers
    only (nothing decoded but them); None as for ``read_blocks``."""
    buf = postfile.get(offset, length)
    out = []
    for at, _end in _walk(buf, offset):
        header = io.BytesIO(buf)
        header.seek(at + _INT_SIZE)
        _count, maxid = pickle.load(header)[:2]
        out.append((offset + at, maxid))
    return out if out and _whole(buf, out[-1][0] - offset) else None


def docnums(buf: bytes, offset: int, out: list[int]) -> bool:
    """Append the docnums of the posting list ``buf`` (read from file offset ``offset``) to
    ``out``, decoding the docnums only and without numpy per block (for many short lists, as
    the entity fields have); False, ``out`` left as it was, when its recorded length does not
    hold its blocks."""
    before, last = len(out), None
    for at, end in _walk(buf, offset):
        header = io.BytesIO(buf[at + _INT_SIZE:end])
        compression = pickle.load(header)[3]
        data = header.read()
        out.extend(accumulate(pickle.loads(zlib.decompress(data) if compression else data)[0]))
        last = at
    if last is not None and _whole(buf, last):
        return True
    del out[before:]
    return False


def _walk(buf: bytes, offset: int):
    """(start, end) in ``buf`` of each whole block, up to the last one (whose length field is
    negative) or the end of ``buf``."""
    if buf[:len(WHOOSH3_HEADER_MAGIC)] != WHOOSH3_HEADER_MAGIC:
        raise CorruptIndexError(f"bad postings block tag at offset {offset}")
    at = len(WHOOSH3_HEADER_MAGIC)
    while at + _INT_SIZE <= len(buf):
        size = unpack_int(buf[at:at + _INT_SIZE])[0]
        end = at + _INT_SIZE + abs(size)
        if end > len(buf):
            return
        yield at, end
        if size < 0:
            return
        at = end


def _whole(buf: bytes, last: int) -> bool:
    """Whether the block at ``last`` is a term's last block (its length field negative)."""
    return unpack_int(buf[last:last + _INT_SIZE])[0] < 0


def read_block(postfile, at: int) -> tuple[np.ndarray, tuple]:
    """The docnums and stored values of the posting block at file offset ``at`` (two reads)."""
    head = postfile.get(at, _INT_SIZE)
    _size, ids, _tfs, values = decode_block(head + postfile.get(at + _INT_SIZE, abs(unpack_int(head)[0])), 0)
    return ids, values


def decode_block(buf: bytes, at: int) -> tuple[int, np.ndarray, np.ndarray, tuple]:
    """The posting block at ``at`` in ``buf``: its length field (negative for a term's last
    block), docnums, term frequencies and stored values (positions, still encoded), as
    ``W3LeafMatcher`` decodes them: IDs stored as deltas; weights as None (all 1.0), one float
    for all or one per posting, as 32-bit floats (as Whoosh keeps them: exactly its values)."""
    size = unpack_int(buf[at:at + _INT_SIZE])[0]
    header = io.BytesIO(buf)
    header.seek(at + _INT_SIZE)
    count, _maxid, _maxweight, compression, _minlength, _maxlength = pickle.load(header)
    data = buf[header.tell():at + _INT_SIZE + abs(size)]
    ids, weights, values = pickle.loads(zlib.decompress(data) if compression else data)
    docs = np.cumsum(np.asarray(ids, dtype=np.int64)).astype(np.int32)
    if weights is None:
        tfs = np.ones(count, np.float32)
    elif isinstance(weights, float):
        tfs = np.full(count, weights, np.float32)
    else:
        tfs = np.asarray(weights, dtype=np.float32)
    return size, docs, tfs, values
