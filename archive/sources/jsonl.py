"""Reader for JSONL exports (plain or gzipped): one JSON object per line, corpus field names.

Each line is decoded on its own (``decode_text``: UTF-8, Windows-1256 …), so one badly encoded
line is one ``bad-encoding`` rejection and the rest of the file is still read; a UTF-16 file is
read as one text stream. A file whose first bytes are binary gives one ``bad-encoding`` rejection
(not one per stray newline byte).
Lines are read with a size cap: a line longer than ``MAX_LINE_BYTES`` is rejected (``too-long``)
after being skipped in pieces, never held whole in memory.
"""
from __future__ import annotations

import io
import json
from pathlib import Path
from typing import IO, Iterator

from archive.errors import N_, Message
from archive.sources import BadRecord, Record, open_bytes
from archive.sources.encoding import (UndecodableText, decode_text, looks_binary, printable_excerpt,
                                      utf16_encoding)
from archive.sources.fields import record_from_mapping

MAX_LINE_BYTES = 16 * 1024 * 1024  # a 2M-character body with JSON escapes fits
HEAD_BYTES = 64 * 1024             # what binary files and UTF-16 are recognised by
EXCERPT = 2000
TOO_LONG = {"bytes": N_("the line is %(length)s bytes long (at most %(max)s)"),
            "characters": N_("the line is %(length)s characters long (at most %(max)s)")}


def capped_lines(stream: IO, cap: int) -> Iterator[tuple[int, bytes | str, int | None]]:
    """(line number, line, None) for every line of a binary or text stream, or
    (line number, the line's first ``EXCERPT`` units, its full length) for a line longer than
    ``cap`` (bytes or characters): such a line is read in pieces and dropped."""
    lineno = 0
    while True:
        line = stream.readline(cap + 1)
        if not line:
            return
        lineno += 1
        newline = b"\n" if isinstance(line, bytes) else "\n"
        if len(line) <= cap or line.endswith(newline):
            yield lineno, line, None
            continue
        excerpt, length = line[:EXCERPT], len(line)
        while True:
            more = stream.readline(cap)
            length += len(more)
            if not more or more.endswith(newline):
                break
        yield lineno, excerpt, length


def _head(fh: IO[bytes]) -> bytes:
    """Up to HEAD_BYTES from the start of the file, read in small pieces so that a gzip file cut
    short still shows its first lines (the lines are read again, and the damage reported, after)."""
    parts: list[bytes] = []
    size = 0
    try:
        while size < HEAD_BYTES and (piece := fh.read(4096)):
            parts.append(piece)
            size += len(piece)
    except EOFError:
        pass
    return b"".join(parts)


# What Python's json module says, translatable (anything else it says is shown as it is).
JSON_DETAILS = {N_("Expecting value"), N_("Expecting ':' delimiter"), N_("Expecting ',' delimiter"),
                N_("Expecting property name enclosed in double quotes"), N_("Unterminated string starting at"),
                N_("Invalid control character at"), N_("Invalid \\escape"), N_("Extra data"),
                N_("Invalid \\uXXXX escape")}


def json_error(exc: json.JSONDecodeError, line: str) -> Message:
    """The reason for a line json cannot read, its column counted in characters from the start of
    the line (1: the first), with the text found there."""
    column = exc.pos + 1
    detail = Message(exc.msg) if exc.msg in JSON_DETAILS else exc.msg
    if exc.pos >= len(line):
        return Message("not valid JSON: %(detail)s at column %(column)s, the end of the line (is it cut short?)",
                       detail=detail, column=column)
    return Message("not valid JSON: %(detail)s at column %(column)s, at «%(found)s»", detail=detail,
                   column=column, found=line[exc.pos:exc.pos + 20])


def read_jsonl(path: Path, ref: str) -> Iterator[Record]:
    """Yield one record per non-blank line; ``ref`` is the file's reference (``path``)."""
    with open_bytes(path) as fh:
        head = _head(fh)
        if looks_binary(head):
            yield BadRecord(ref, "bad-encoding", Message("the file is binary, not text in a known encoding "
                                                         "(UTF-8, UTF-16, Windows-1256)"), printable_excerpt(head))
            return
        fh.seek(0)
        utf16 = utf16_encoding(head)
        # Broken UTF-16 characters become U+FFFD, so that only their line is rejected.
        stream = io.TextIOWrapper(fh, encoding=utf16, errors="replace") if utf16 else fh
        unit = "characters" if stream is not fh else "bytes"
        for lineno, raw_line, length in capped_lines(stream, MAX_LINE_BYTES):
            line_ref = f"{ref}:{lineno}"
            if length is not None:
                excerpt = raw_line if isinstance(raw_line, str) else printable_excerpt(raw_line)
                yield BadRecord(line_ref, "too-long", Message(TOO_LONG[unit], length=format(length, ","),
                                                              max=format(MAX_LINE_BYTES, ",")), excerpt)
                continue
            if not raw_line.strip():
                continue
            if isinstance(raw_line, bytes):
                try:
                    line = decode_text(raw_line)
                except UndecodableText:
                    yield BadRecord(line_ref, "bad-encoding",
                                    Message("the line is not text in a known encoding (UTF-8, UTF-16, Windows-1256)"),
                                    printable_excerpt(raw_line))
                    continue
            elif "\ufffd" in raw_line:
                yield BadRecord(line_ref, "bad-encoding", Message("the line is not valid %(encoding)s text",
                                                                  encoding=utf16), raw_line)
                continue
            else:
                line = raw_line.lstrip("\ufeff")
            line = line.rstrip("\r\n")  # else an error at the line's end is "line 2, column 1"
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                yield BadRecord(line_ref, "bad-json", json_error(exc, line), line)
                continue
            if not isinstance(obj, dict):
                yield BadRecord(line_ref, "bad-json",
                                Message("expected a JSON object, found %(type)s", type=type(obj).__name__), line)
                continue
            yield record_from_mapping(obj, line_ref, line)
