"""Reader for JSONL exports (plain or gzipped): one JSON object per line, corpus field names."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

from archive.sources import BadRecord, RawArticle, Record, open_bytes
from archive.sources.fields import record_from_mapping


def read_jsonl(path: Path, ref: str) -> Iterator[Record]:
    """Yield one record per non-blank line; ``ref`` is the file's reference (``path``)."""
    with open_bytes(path) as fh:
        for lineno, raw_line in enumerate(fh, start=1):
            line_ref = f"{ref}:{lineno}"
            if not raw_line.strip():
                continue
            try:
                line = raw_line.decode("utf-8-sig" if lineno == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                yield BadRecord(line_ref, "bad-encoding",
                                f"line is not valid UTF-8 (byte {exc.start})",
                                raw_line.decode("utf-8", "replace"))
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                yield BadRecord(line_ref, "bad-json", f"not valid JSON: {exc.msg} at column {exc.colno}",
                                line)
                continue
            if not isinstance(obj, dict):
                yield BadRecord(line_ref, "bad-json",
                                f"expected a JSON object, found {type(obj).__name__}", line)
                continue
            yield record_from_mapping(obj, line_ref, line)
