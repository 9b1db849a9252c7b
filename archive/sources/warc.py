"""Reader for WARC (and ARC) web archives, plain or gzipped: every successful HTML response
record is read by the HTML reader's ``parse_html``, its target URI as the article URL.

What is skipped, not rejected: records that are not ``response`` records (requests, metadata,
revisits, warcinfo), responses that are not HTML (images, scripts, stylesheets) and responses
whose HTTP status is not 2xx (redirects and error pages carry no article). Each article's
``ref`` is ``path#<WARC-Record-ID>`` (angle brackets dropped).

A damaged file — a record cut short, a truncated gzip member, bytes that are not a WARC record —
gives one ``bad-warc`` rejection saying where; the records read before the damage are kept.
(A file cut exactly between two records is a valid, shorter WARC: nothing can tell.)
"""
from __future__ import annotations

import zlib
from pathlib import Path
from typing import Iterator

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from archive.errors import Message, nmessage
from archive.sources import BadRecord, Record
from archive.sources.html import parse_html

HTML_TYPES = ("text/html", "application/xhtml+xml")
_CHUNK = 1 << 16


def _content_type(record) -> tuple[str, str | None]:
    """The HTTP response's media type (lower case) and charset parameter."""
    value = (record.http_headers.get_header("Content-Type") or "") if record.http_headers else ""
    media, _, params = value.partition(";")
    charset = None
    for param in params.split(";"):
        key, _, val = param.partition("=")
        if key.strip().lower() == "charset" and val.strip():
            charset = val.strip().strip("\"'")
    return media.strip().lower(), charset


def _missing_bytes(record) -> int | None:
    """How many bytes of the record's declared length the file did not have (0 when whole);
    None when a WARC record has no Content-Length (its header block was cut short)."""
    if record.format.startswith("warc") and record.rec_headers.get_header("Content-Length") is None:
        return None
    raw = record.raw_stream
    while raw.read(_CHUNK):
        pass
    return max(getattr(raw, "limit", 0), 0)


def _damage(exc: Exception) -> str:
    """Plain words for what warcio tripped on (warcio's own words are English)."""
    if isinstance(exc, ArchiveLoadFailed):
        return " ".join(str(exc).split())[:300]
    return Message("a record's headers or compressed data are unreadable (%(error)s)", error=type(exc).__name__)


def _records(n: int) -> Message:
    return nmessage("%(num)s complete record", "%(num)s complete records", n)


def read_warc(path: Path, ref: str) -> Iterator[Record]:
    """Yield one record per HTML response in the archive, then a ``bad-warc`` rejection if the
    file is damaged."""
    size = path.stat().st_size
    read = last_start = 0
    damaged = False
    with open(path, "rb") as fh:  # warcio un-gzips per record itself
        records = ArchiveIterator(fh, arc2warc=True)
        while True:
            # Anything warcio raises while parsing is damage in the file (a cut gzip member can
            # surface as an AttributeError deep inside it), so this boundary catches it all.
            try:
                record = next(records)
                record_id = (record.rec_headers.get_header("WARC-Record-ID") or "").strip("<>")
                media, charset = _content_type(record)
                status = str(record.http_headers.get_statuscode()) if record.http_headers else ""
                wanted = record.rec_type == "response" and media in HTML_TYPES and status.startswith("2")
                content = record.content_stream().read() if wanted else b""
                missing = _missing_bytes(record)
            except StopIteration:
                break
            except Exception as exc:  # noqa: BLE001 - see above
                yield BadRecord(ref, "bad-warc",
                                Message("the WARC file is damaged after %(records)s (near byte %(offset)s of "
                                        "%(size)s): %(damage)s", records=_records(read), offset=records.offset,
                                        size=size, damage=_damage(exc)))
                return
            read += 1
            last_start = records.get_record_offset()
            record_ref = f"{ref}#{record_id or f'record-{read}'}"
            if missing is None or missing:
                damaged = True
                yield BadRecord(record_ref, "bad-warc",
                                Message("the WARC file is cut short inside record %(record)s: %(detail)s",
                                        record=read, detail=Message("its header has no Content-Length")
                                        if missing is None else Message("%(num)s of its bytes are missing",
                                                                        num=missing)))
                continue
            if not wanted:
                continue
            url = (record.rec_headers.get_header("WARC-Target-URI") or "").strip("<> ")
            if not url:
                yield BadRecord(record_ref, "no-url", Message("the response record has no WARC-Target-URI"))
                continue
            yield parse_html(content, record_ref, url=url, charset=charset)
    if damaged:
        return
    if records.offset < size:
        yield BadRecord(ref, "bad-warc",
                        Message("the WARC file is damaged or cut short after %(records)s: bytes %(offset)s to "
                                "%(size)s hold no complete record", records=_records(read),
                                offset=records.offset, size=size))
    elif read and not _last_member_whole(path, last_start):
        yield BadRecord(ref, "bad-warc",
                        Message("the WARC file is cut short: the compressed data of its last record "
                                "(record %(record)s) ends early", record=read))


def _last_member_whole(path: Path, start: int) -> bool:
    """False when the file is gzipped and its last gzip member (from ``start``) lacks its end:
    warcio reads such a member without complaint when only the trailer is missing."""
    with open(path, "rb") as fh:
        fh.seek(start)
        if fh.read(2) != b"\x1f\x8b":
            return True  # not gzipped: a record's content was already checked against its length
        fh.seek(start)
        inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
        while chunk := fh.read(_CHUNK):
            inflate.decompress(chunk, _CHUNK)
            if inflate.eof:
                return True
            while inflate.unconsumed_tail:
                inflate.decompress(inflate.unconsumed_tail, _CHUNK)
        return inflate.eof
