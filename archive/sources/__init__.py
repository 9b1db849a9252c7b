"""Readers, one module per input format, each yielding the same record types.

A reader yields ``RawArticle`` for every record it could read and ``BadRecord`` for every
record it could not, each with ``ref`` saying where it came from (``path``, ``path:line``,
``path#warc-record-id``). Nothing read is silently dropped.
"""
from __future__ import annotations

import gzip
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator, Union

from archive.errors import UserError

FORMATS = ("auto", "page", "html", "jsonl", "csv", "warc")


@dataclass
class RawArticle:
    """One record as a reader found it: strings as given, nothing parsed yet."""

    ref: str
    title: str | None = None
    body: str | None = None
    date: str | None = None
    id: str | None = None
    section: str | None = None
    source: str | None = None
    url: str | None = None
    author: str | None = None
    subtitle: str | None = None
    # Where a file-based id comes from when there is neither id nor URL.
    origin_path: str | None = None
    raw: str = field(default="", repr=False)


@dataclass
class BadRecord:
    """A record that could not be read, and why (``code`` is a short stable word; ``reason`` a
    Message, archive/errors.py: English text that keeps its template for translation)."""

    ref: str
    code: str
    reason: str
    raw: str = field(default="", repr=False)


Record = Union[RawArticle, BadRecord]


class UnreadablePath(UserError):
    """A path given to ingest that is not there or cannot be read at all."""


def open_bytes(path: Path):
    """Open a file for binary reading, transparently un-gzipping ``.gz`` files."""
    if path.name.endswith(".gz"):
        return gzip.open(path, "rb")
    return open(path, "rb")


def base_name(path: Path) -> str:
    """The file name without a ``.gz`` suffix: ``x.jsonl.gz`` → ``x.jsonl``."""
    name = path.name.lower()
    return name[:-3] if name.endswith(".gz") else name


def detect_format(path: Path) -> str | None:
    """Guess a file's format from its name; None for files ingest should skip."""
    name = base_name(path)
    if name.endswith((".jsonl", ".ndjson", ".json")):
        return "jsonl"
    if name.endswith(".csv"):
        return "csv"
    if name.endswith((".warc", ".arc")):
        return "warc"
    if name.endswith((".html", ".htm", ".xhtml")):
        return "html"
    if name.endswith(".txt"):
        return "page"
    return None


def iter_files(paths: Iterable[str | os.PathLike]) -> Iterator[tuple[Path, Path]]:
    """(file, root) for every file under the given paths, directories walked recursively in
    sorted order. Raises UnreadablePath for a path that does not exist."""
    for p in paths:
        path = Path(p)
        if path.is_dir():
            for dirpath, dirnames, filenames in os.walk(path):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                for name in sorted(filenames):
                    if not name.startswith("."):
                        yield Path(dirpath) / name, path
        elif path.is_file():
            yield path, path.parent
        else:
            raise UnreadablePath("%(path)s: no such file or directory", path=str(path))


def reader_for(fmt: str) -> Callable[[Path, str], Iterator[Record]]:
    """The reader function ``(path, ref_prefix) -> records`` for a format name."""
    if fmt == "jsonl":
        from archive.sources.jsonl import read_jsonl
        return read_jsonl
    if fmt == "csv":
        from archive.sources.csv import read_csv
        return read_csv
    if fmt == "page":
        from archive.sources.page_text import read_page
        return read_page
    if fmt == "html":
        from archive.sources.html import read_html
        return read_html
    if fmt == "warc":
        from archive.sources.warc import read_warc
        return read_warc
    raise NotImplementedError(f"the {fmt} reader is not available yet")
