"""Ingest: read files, validate, parse dates, dedupe and store articles; bad records become
rejection rows with a reason. Nothing read is ever silently dropped.

Counts (DESIGN.md): every record read is exactly one of added, updated, unchanged (same id,
same content), duplicates (another id already holds the same title and body) or rejected.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from sqlalchemy import select

from archive.dates import DateParseError, parse_date
from archive.db import Database
from archive.models import Article, IngestRun, Rejection, Section, Source, utcnow
from archive.sources import (FORMATS, BadRecord, RawArticle, Record, UnreadablePath,
                             detect_format, iter_files, reader_for)

BATCH = 500
RAW_EXCERPT = 20_000
SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._~-]{0,199}$")
MAX_TITLE = 2_000
MAX_BODY = 2_000_000


@dataclass
class IngestReport:
    """The outcome of one run, in the shape ``arshif ingest --json`` prints."""

    run_id: int | None = None
    read: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0
    rejected: int = 0
    rejections: list[dict] = field(default_factory=list)
    # Paths that could not be read at all (not records: a run with only these read nothing).
    errors: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"read": self.read, "added": self.added, "updated": self.updated,
                "unchanged": self.unchanged, "duplicates": self.duplicates,
                "rejected": self.rejected, "rejections": list(self.rejections)}


class RejectedRecord(Exception):
    """Validation failure of one record: ``code`` (short stable word) and plain-words reason."""

    def __init__(self, code: str, reason: str):
        super().__init__(reason)
        self.code = code
        self.reason = reason


def _clean(text: str | None) -> str | None:
    """NFC, unified newlines, trimmed; None for empty."""
    if text is None:
        return None
    # NUL never belongs in text, and PostgreSQL refuses it.
    text = text.replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n")
    text = unicodedata.normalize("NFC", text).strip()
    return text or None


def _digest(*parts: str | None) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update((part or "").encode("utf-8"))
        h.update(b"\x1f")
    return h.hexdigest()


def article_id(raw: RawArticle) -> str:
    """The record's own id when URL-safe; otherwise one derived from it, the URL or the path."""
    if raw.id:
        if SAFE_ID.match(raw.id):
            return raw.id
        return "i-" + hashlib.sha1(raw.id.encode("utf-8")).hexdigest()[:20]
    if raw.url:
        return "u-" + hashlib.sha1(raw.url.strip().encode("utf-8")).hexdigest()[:20]
    if raw.origin_path:
        return "f-" + hashlib.sha1(raw.origin_path.encode("utf-8")).hexdigest()[:20]
    raise RejectedRecord("no-id", "the record has no id, no URL and no file path to derive one from")


@dataclass
class _Prepared:
    raw: RawArticle
    values: dict


class Ingester:
    """Runs ingest into one database. ``default_tz`` is ARSHIF_TIMEZONE."""

    def __init__(self, db: Database, default_tz: str = "UTC",
                 progress: Callable[[IngestReport], None] | None = None):
        self.db = db
        self.default_tz = default_tz
        self.progress = progress
        self._sections: dict[str, int] = {}
        self._sources: dict[str, tuple[int, str | None]] = {}

    # -- the run -------------------------------------------------------------------------
    def ingest(self, paths: Iterable[str], fmt: str = "auto", source: str | None = None) -> IngestReport:
        if fmt not in FORMATS:
            raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
        paths = [str(p) for p in paths]
        report = IngestReport()
        with self.db.session() as s:
            run = IngestRun(paths="\n".join(paths), format=fmt, source_override=source)
            s.add(run)
            s.flush()
            report.run_id = run.id
        try:
            batch: list[Record] = []
            for record in self._records(paths, fmt, source, report):
                batch.append(record)
                if len(batch) >= BATCH:
                    self._store(batch, report)
                    batch = []
            if batch:
                self._store(batch, report)
        except BaseException as exc:
            self._finish(report, "failed", f"{type(exc).__name__}: {exc}")
            raise
        self._finish(report, "completed", "; ".join(report.errors) or None)
        return report

    def _finish(self, report: IngestReport, status: str, error: str | None) -> None:
        with self.db.session() as s:
            run = s.get(IngestRun, report.run_id)
            run.status = status
            run.error = error
            run.finished_at = utcnow()
            for name in ("read", "added", "updated", "unchanged", "duplicates", "rejected"):
                setattr(run, name, getattr(report, name))

    def _records(self, paths: list[str], fmt: str, source: str | None,
                 report: IngestReport) -> Iterator[Record]:
        for p in paths:
            try:
                files = list(iter_files([p]))
            except UnreadablePath as exc:
                report.errors.append(str(exc))
                continue
            for path, root in files:
                file_fmt = fmt if fmt != "auto" else detect_format(path)
                if file_fmt is None:
                    continue  # not an archive file (images, stylesheets next to saved pages)
                ref = str(path)
                try:
                    reader = reader_for(file_fmt)
                    for record in reader(path, ref):
                        if isinstance(record, RawArticle):
                            if source:
                                record.source = source
                            if record.origin_path is None:
                                record.origin_path = str(path.relative_to(root)) if root != path else path.name
                        yield record
                except NotImplementedError as exc:
                    yield BadRecord(ref, "unsupported-format", str(exc))
                except OSError as exc:
                    yield BadRecord(ref, "unreadable", f"the file could not be read: {exc.strerror or exc}")

    # -- one batch -----------------------------------------------------------------------
    def _store(self, batch: list[Record], report: IngestReport) -> None:
        with self.db.session() as s:
            prepared: list[_Prepared] = []
            for record in batch:
                report.read += 1
                if isinstance(record, BadRecord):
                    self._reject(s, report, record.ref, record.code, record.reason, record.raw)
                    continue
                try:
                    prepared.append(_Prepared(record, self._validate(s, record)))
                except RejectedRecord as exc:
                    self._reject(s, report, record.ref, exc.code, exc.reason, record.raw)
            ids = {p.values["id"] for p in prepared}
            hashes = {p.values["content_hash"] for p in prepared}
            existing = {a.id: a for a in s.scalars(select(Article).where(Article.id.in_(ids)))}
            by_hash = dict(s.execute(select(Article.content_hash, Article.id)
                                     .where(Article.content_hash.in_(hashes))).all())
            now = utcnow()
            for p in prepared:
                v = p.values
                current = existing.get(v["id"])
                if current is not None:
                    if current.record_hash == v["record_hash"]:
                        report.unchanged += 1
                        continue
                    for key, value in v.items():
                        setattr(current, key, value)
                    current.updated_at = now
                    current.ingest_run_id = report.run_id
                    by_hash[v["content_hash"]] = v["id"]
                    report.updated += 1
                    continue
                if by_hash.get(v["content_hash"], v["id"]) != v["id"]:
                    report.duplicates += 1
                    continue
                article = Article(**v, ingest_run_id=report.run_id, created_at=now, updated_at=now)
                s.add(article)
                existing[v["id"]] = article
                by_hash[v["content_hash"]] = v["id"]
                report.added += 1
        if self.progress:
            self.progress(report)

    def _reject(self, s, report: IngestReport, ref: str, code: str, reason: str, raw: str) -> None:
        report.rejected += 1
        report.rejections.append({"ref": ref, "code": code, "reason": reason})
        s.add(Rejection(run_id=report.run_id, ref=ref.replace("\x00", ""), code=code,
                        reason=reason.replace("\x00", ""),
                        raw=(raw or "")[:RAW_EXCERPT].replace("\x00", "\ufffd")))

    def _validate(self, s, raw: RawArticle) -> dict:
        title = _clean(raw.title)
        body = _clean(raw.body)
        if not body:
            raise RejectedRecord("no-body", "the record has no body text")
        if not title:
            raise RejectedRecord("no-title", "the record has no title")
        if len(title) > MAX_TITLE:
            raise RejectedRecord("too-long", f"the title has {len(title)} characters (at most {MAX_TITLE})")
        if len(body) > MAX_BODY:
            raise RejectedRecord("too-long", f"the body has {len(body)} characters (at most {MAX_BODY})")
        if not raw.date:
            raise RejectedRecord("no-date", "the record has no publication date")
        source_name = _clean(raw.source)
        source_id, source_tz = self._source(s, source_name) if source_name else (None, None)
        try:
            parsed = parse_date(raw.date, source_tz or self.default_tz)
        except DateParseError as exc:
            raise RejectedRecord("bad-date", str(exc)) from None
        section = _clean(raw.section)
        values = {
            "id": article_id(raw),
            "title": title,
            "subtitle": _clean(raw.subtitle),
            "body": body,
            "author": (_clean(raw.author) or None),
            "url": _clean(raw.url),
            "published_at": parsed.when.replace(tzinfo=None),
            "date_precision": parsed.precision,
            "section_id": self._section(s, section) if section else None,
            "source_id": source_id,
            "origin": raw.ref,
        }
        if values["author"] and len(values["author"]) > 500:
            values["author"] = values["author"][:500]
        values["content_hash"] = _digest(title, body)
        values["record_hash"] = _digest(title, values["subtitle"], body, values["author"], values["url"],
                                        values["published_at"].isoformat(), values["date_precision"],
                                        section, source_name)
        return values

    def _section(self, s, code: str) -> int:
        if code not in self._sections:
            row = s.scalar(select(Section).where(Section.code == code))
            if row is None:
                row = Section(code=code)
                s.add(row)
                s.flush()
            self._sections[code] = row.id
        return self._sections[code]

    def _source(self, s, name: str) -> tuple[int, str | None]:
        if name not in self._sources:
            row = s.scalar(select(Source).where(Source.name == name))
            if row is None:
                row = Source(name=name)
                s.add(row)
                s.flush()
            self._sources[name] = (row.id, row.timezone)
        return self._sources[name]


def ingest(db: Database, paths: Iterable[str], fmt: str = "auto", source: str | None = None,
           default_tz: str = "UTC", progress=None) -> IngestReport:
    """Ingest files and directories into ``db``; see Ingester."""
    return Ingester(db, default_tz, progress).ingest(paths, fmt, source)
