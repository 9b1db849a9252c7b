"""Reader for CSV exports (plain or gzipped) with a header row; column names as in fields.py.
The file is decoded by ``decode_text`` (UTF-8 ± BOM, UTF-16, Windows-1256)."""
from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path
from typing import Iterator

from archive.errors import Message
from archive.sources import BadRecord, Record
from archive.sources.encoding import read_whole_text
from archive.sources.fields import record_from_mapping

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


def read_csv(path: Path, ref: str) -> Iterator[Record]:
    text, rejection = read_whole_text(path, ref)
    if rejection is not None:
        yield rejection
        return
    if not text.strip():
        return  # nothing to read: ingest reports the file as empty-file
    # Only the delimiter is guessed: the sniffer's other guesses (doublequote in particular)
    # go wrong on a sample whose quoted fields happen to contain no doubled quotes.
    try:
        delimiter = csv.Sniffer().sniff(text[:4096], delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.reader(io.StringIO(text, newline=""), csv.excel, delimiter=delimiter)
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        yield BadRecord(ref, "bad-csv", Message("the file has no header row"), text[:2000])
        return
    header = [h.strip() for h in header]
    while True:
        line = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield BadRecord(f"{ref}:{line}", "bad-csv", Message("unreadable CSV row: %(detail)s", detail=str(exc)), "")
            return
        if not any(cell.strip() for cell in row):
            continue
        raw = json.dumps(dict(zip(header, row)), ensure_ascii=False)
        if len(row) != len(header):
            yield BadRecord(f"{ref}:{line}", "bad-csv",
                            Message("row has %(columns)s columns, the header has %(header)s", columns=len(row),
                                    header=len(header)), raw)
            continue
        yield record_from_mapping(dict(zip(header, row)), f"{ref}:{line}", raw)
