"""Ingest: read files, validate, parse dates, dedupe and store articles; bad records become
rejection rows with a reason. Nothing read is ever silently dropped.

Counts (DESIGN.md): every record read is exactly one of added, updated, unchanged (same id,
same content), duplicates (another id already holds the same title and body) or rejected.
Every file read counts: a ``.jsonl``/``.csv``/``.warc`` file with no record in it is one
``empty-file`` rejection, a damaged ``.gz`` one ``bad-gzip`` rejection.

Identity and revisions: a record is the stored article with the same id (the record's own id,
else one derived from its canonical URL or file path) or, failing that, with the same canonical
URL (``archive/urls.py``). When its content differs, the article is updated in place (it keeps its
id) and the version it replaces is kept in ``article_revisions``. A new record whose title and
body another article already has is a duplicate and is not stored.

Time zones: a source's times without an offset are read in its zone — ``source_timezones``
(configuration, ``SOURCE_TIMEZONES``: outlet name → IANA zone) wins and is written to the
source's row; else the zone an earlier ingest stored for the source; else ``default_tz``.

Why one module of over 400 lines: its steps (read, validate, dedupe, store, revise, reject, count)
work on one run's batch, transaction and report together; the readers, dates, URLs, uploads and
run history it relies on are modules of their own.
"""
from __future__ import annotations

import gzip
import hashlib
import re
import unicodedata
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator, Protocol, runtime_checkable

from sqlalchemy import insert, select

from archive.changes import mark_changed
from archive.dates import DateParseError, check_timezone, parse_date
from archive.db import Database
from archive.errors import N_, Message, message_json
from archive.models import Article, ArticleRevision, IngestRun, Rejection, Section, Source, utcnow
from archive.uploads import skipped_members
from archive.urls import is_web_url, url_key
from archive.sources import (FORMATS, BadRecord, RawArticle, Record, UnreadablePath,
                             detect_format, iter_files, reader_for)

BATCH = 500
# Stored or changed articles after which the planner's statistics are refreshed (PostgreSQL).
ANALYZE_AFTER = 1000
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
    errors: list[Message] = field(default_factory=list)
    # Of ``read``: whole files that could not be read (unreadable, damaged archive, format not
    # read), each one rejection. A run that read nothing else failed, and ``failed`` says why.
    unreadable_files: int = 0
    failed: Message | None = None

    def to_dict(self) -> dict:
        return {"read": self.read, "added": self.added, "updated": self.updated,
                "unchanged": self.unchanged, "duplicates": self.duplicates,
                "rejected": self.rejected, "rejections": list(self.rejections)}


class RejectedRecord(Exception):
    """Validation failure of one record: ``code`` (short stable word) and the reason, a Message
    (archive/errors.py: English text that keeps its template and parameters for translation)."""

    def __init__(self, code: str, reason: Message):
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
    if raw.url and (key := url_key(raw.url)):
        return "u-" + key[:20]
    if raw.origin_path:
        return "f-" + hashlib.sha1(raw.origin_path.encode("utf-8")).hexdigest()[:20]
    raise RejectedRecord("no-id", Message("the record has no id, no URL and no file path to derive one from"))


# Fields a revision keeps (and compares to say what changed).
REVISED_FIELDS = ("title", "subtitle", "body", "author", "url", "published_at", "date_precision",
                  "section_id", "source_id")
# What an empty file of each format is, in plain words.
EMPTY_FILE = {"jsonl": N_("the file holds no JSON lines"), "csv": N_("the file holds no data rows"),
              "warc": N_("the WARC file holds no HTML response records")}


@dataclass
class StoredArticle:
    """An article ingest has just added or updated, as handed to ``on_stored``."""

    id: str
    title: str
    subtitle: str | None
    body: str


class Ahead(Protocol):
    """The hook's work started on a batch before it is stored."""

    def close(self) -> None:
        """Called once the batch is stored: drop what was not used."""


@runtime_checkable
class LookAhead(Protocol):
    """An ``on_stored`` hook that can start on a batch before it is stored
    (``archive.authority.linking.EntityLinker``: extraction in processes of its own)."""

    def __call__(self, session, articles: list[StoredArticle]) -> None: ...

    def ahead(self, session, articles: list[StoredArticle]) -> Ahead | None:
        """Start on ``articles`` (StoredArticle without ids, as they will be stored)."""

    def close(self) -> None:
        """The run has ended: stop what was started."""


class Ingester:
    """Runs ingest into one database. ``default_tz`` is ARSHIF_TIMEZONE; ``source_timezones``
    maps outlet names to IANA zones (SOURCE_TIMEZONES). Unknown zone names raise ValueError.

    ``on_stored(session, articles)`` runs once per batch, in the batch's transaction, with the
    StoredArticle of every article added or updated (entity extraction hooks in here). When it
    is a ``LookAhead``, its ``ahead(session, articles)`` is given each batch (as StoredArticle
    without ids) before the previous batch is stored and returns None or a handle (``Ahead``)
    whose ``close()`` is called once the batch is stored; its ``close()`` is called when the run
    ends."""

    def __init__(self, db: Database, default_tz: str = "UTC",
                 progress: Callable[[IngestReport], None] | None = None,
                 source_timezones: dict[str, str] | None = None,
                 on_stored: Callable[[object, list[StoredArticle]], None] | None = None,
                 job_id: int | None = None):
        self.db = db
        self.job_id = job_id
        self.on_stored = on_stored
        self.default_tz = check_timezone(default_tz)
        self.source_timezones = {name: check_timezone(tz) for name, tz in (source_timezones or {}).items()}
        self.progress = progress
        self._sections: dict[str, int] = {}
        self._sources: dict[str, tuple[int, str | None]] = {}

    # -- the run -------------------------------------------------------------------------
    def ingest(self, paths: Iterable[str], fmt: str = "auto", source: str | None = None,
               fingerprint: str | None = None) -> IngestReport:
        if fmt not in FORMATS:
            raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
        paths = [str(p) for p in paths]
        report = IngestReport()
        with self.db.session() as s:
            run = IngestRun(paths="\n".join(paths), format=fmt, source_override=source, job_id=self.job_id,
                            fingerprint=fingerprint)
            s.add(run)
            s.flush()
            report.run_id = run.id
        try:
            # A batch is stored after the next one is read, so that extraction processes (the
            # hook's ``ahead``) work on the next batch while this one is stored.
            pending: tuple[list[Record], object] | None = None
            # Whether the last batch stored added or updated articles: re-reading a file that is
            # unchanged starts no extraction it will not use (beyond the first batches).
            stored_some = True
            batches = self._batches(self._records(paths, fmt, source, report))
            while True:
                try:
                    batch = next(batches, None)
                except BaseException:
                    if pending is not None:  # read in full before the reader failed: stored, as ever
                        self._store(*pending, report)
                    raise
                if batch is None:
                    break
                ahead = self._ahead(batch) if stored_some else None
                if pending is not None:
                    before = report.added + report.updated
                    self._store(*pending, report)
                    stored_some = report.added + report.updated > before
                pending = (batch, ahead)
            if pending is not None:
                self._store(*pending, report)
        except BaseException as exc:
            self._finish(report, "failed", f"{type(exc).__name__}: {exc}")
            raise
        finally:
            if isinstance(self.on_stored, LookAhead):
                self.on_stored.close()
        report.failed = _why_nothing_was_read(paths, report)
        self._finish(report, "failed" if report.failed else "completed",
                     report.failed or (Message("%(reasons)s", reasons=report.errors) if report.errors else None))
        if report.added + report.updated >= ANALYZE_AFTER:
            self.db.analyze("articles", "article_revisions")
        return report

    def _finish(self, report: IngestReport, status: str, error: str | None) -> None:
        with self.db.session() as s:
            run = s.get(IngestRun, report.run_id)
            run.status = status
            run.error = error
            run.error_params = message_json(error)
            run.finished_at = utcnow()
            for name in ("read", "added", "updated", "unchanged", "duplicates", "rejected"):
                setattr(run, name, getattr(report, name))

    def _records(self, paths: list[str], fmt: str, source: str | None,
                 report: IngestReport) -> Iterator[Record]:
        for p in paths:
            try:
                files = list(iter_files([p]))
            except UnreadablePath as exc:
                report.errors.append(exc.message)
                continue
            for record in skipped_members(Path(p)):  # zip members an upload left out
                report.unreadable_files += 1
                yield record
            for path, root in files:
                for record in self._file_records(path, root, fmt, source, named=path == Path(p)):
                    # A rejection of the file as a whole (not of one of its lines or records).
                    report.unreadable_files += isinstance(record, BadRecord) and record.ref == str(path)
                    yield record

    def _file_records(self, path: Path, root: Path, fmt: str, source: str | None,
                      named: bool) -> Iterator[Record]:
        file_fmt = fmt if fmt != "auto" else detect_format(path)
        ref = str(path)
        if file_fmt is None:
            if named:  # named on its own: say why it is not read
                yield BadRecord(ref, "unsupported-format", _not_an_input(path))
            return  # in a folder: not an archive file (images, stylesheets next to saved pages)
        count = 0
        try:
            reader = reader_for(file_fmt)
            for record in reader(path, ref):
                if isinstance(record, RawArticle):
                    if source:
                        record.source = source
                    if record.origin_path is None:
                        record.origin_path = str(path.relative_to(root)) if root != path else path.name
                count += 1
                yield record
        except NotImplementedError:
            count += 1
            yield BadRecord(ref, "unsupported-format", Message("the %(format)s reader is not available yet",
                                                               format=file_fmt))
        except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
            count += 1
            yield BadRecord(ref, "bad-gzip", Message("the compressed file is damaged or cut short after "
                                                     "%(count)s records: %(detail)s", count=count - 1,
                                                     detail=str(exc)))
        except OSError as exc:
            count += 1
            yield BadRecord(ref, "unreadable", Message("the file could not be read: %(detail)s",
                                                       detail=exc.strerror or str(exc)))
        if count == 0 and file_fmt in EMPTY_FILE:
            yield BadRecord(ref, "empty-file", Message(EMPTY_FILE[file_fmt]))

    @staticmethod
    def _batches(records: Iterable[Record]) -> Iterator[list[Record]]:
        batch: list[Record] = []
        for record in records:
            batch.append(record)
            if len(batch) >= BATCH:
                yield batch
                batch = []
        if batch:
            yield batch

    def _ahead(self, batch: list[Record]) -> Ahead | None:
        """Start the hook's work on ``batch`` before it is stored, when the hook can (a
        ``LookAhead``); a handle to close once the batch is stored, or None. (The texts are
        cleaned here and again when the batch is stored: 0.16 CPU s for 20,000 articles.)"""
        if not isinstance(self.on_stored, LookAhead):
            return None
        articles = [StoredArticle("", _clean(r.title), _clean(r.subtitle), _clean(r.body))
                    for r in batch if not isinstance(r, BadRecord)]
        with self.db.session() as s:
            return self.on_stored.ahead(s, articles)

    # -- one batch -----------------------------------------------------------------------
    def _store(self, batch: list[Record], ahead: Ahead | None, report: IngestReport) -> None:
        """Store one batch: a few queries to find what exists, bulk INSERTs for what is new,
        ORM updates (with a revision row each) for what changed. ``ahead``: the hook's work
        started on this batch, closed once it is stored."""
        try:
            with self.db.session() as s:
                prepared: list[dict] = []
                for record in batch:
                    report.read += 1
                    if isinstance(record, BadRecord):
                        self._reject(s, report, record.ref, record.code, record.reason, record.raw)
                        continue
                    try:
                        prepared.append(self._validate(s, record))
                    except RejectedRecord as exc:
                        self._reject(s, report, record.ref, exc.code, exc.reason, record.raw)
                if prepared:
                    self._apply(s, prepared, report)
        finally:
            if ahead is not None:
                ahead.close()
        if self.progress:
            self.progress(report)

    def _apply(self, s, prepared: list[dict], report: IngestReport) -> None:
        ids = {v["id"] for v in prepared}
        keys = {v["url_key"] for v in prepared if v["url_key"]}
        hashes = {v["content_hash"] for v in prepared}
        # What is stored already, by id and by canonical URL: hashes only, no text.
        known: dict[str, str] = {}  # id → record_hash
        by_key: dict[str, str] = {}  # url_key → id
        columns = (Article.id, Article.url_key, Article.record_hash)
        rows = list(s.execute(select(*columns).where(Article.id.in_(ids))))
        if keys:
            rows += s.execute(select(*columns).where(Article.url_key.in_(keys)).order_by(Article.id))
        for aid, key, record_hash in rows:
            known[aid] = record_hash
            if key:
                by_key.setdefault(key, aid)
        by_hash = dict(s.execute(select(Article.content_hash, Article.id)
                                 .where(Article.content_hash.in_(hashes))).all())
        new: dict[str, dict] = {}       # id → values to insert
        changed: dict[str, dict] = {}   # id → the stored article's new values
        revisions: list[tuple[str, dict | None, dict]] = []  # (id, previous values or None: stored, new)
        for v in prepared:
            target = v["id"] if v["id"] in known else by_key.get(v["url_key"]) if v["url_key"] else None
            if target is not None:
                if known[target] == v["record_hash"]:
                    report.unchanged += 1
                    continue
                v = dict(v, id=target)
                previous = new.get(target) or changed.get(target)
                revisions.append((target, previous, v))
                (new if target in new else changed)[target] = v
                report.updated += 1
            elif by_hash.get(v["content_hash"], v["id"]) != v["id"]:
                report.duplicates += 1
                continue
            else:
                new[target := v["id"]] = v
                report.added += 1
            known[target] = v["record_hash"]
            by_hash[v["content_hash"]] = target
            if v["url_key"]:
                by_key.setdefault(v["url_key"], target)
        now = utcnow()
        run = report.run_id
        if new:
            s.execute(insert(Article), [dict(v, ingest_run_id=run, created_at=now, updated_at=now)
                                        for v in new.values()])
        if revisions:
            self._revise(s, changed, revisions, run, now)
        mark_changed(s, [*new, *changed])
        if self.on_stored is not None and (new or changed):
            self.on_stored(s, [StoredArticle(v["id"], v["title"], v["subtitle"], v["body"])
                               for v in (*new.values(), *changed.values())])

    def _revise(self, s, changed: dict[str, dict], revisions: list[tuple[str, dict | None, dict]],
                run: int | None, now) -> None:
        """Apply updates to stored articles, keeping each replaced version as a revision row."""
        stored = {a.id: a for a in s.scalars(select(Article).where(Article.id.in_(set(changed))))}
        previous_of = {aid: {f: getattr(a, f) for f in (*REVISED_FIELDS, "origin")}
                       for aid, a in stored.items()}
        rows = []
        for aid, previous, v in revisions:
            before = previous if previous is not None else previous_of[aid]
            rows.append({**{f: before[f] for f in (*REVISED_FIELDS, "origin")},
                         "article_id": aid, "replaced_at": now, "ingest_run_id": run,
                         "changed": ",".join(f for f in REVISED_FIELDS if before[f] != v[f])[:300]})
        for aid, v in changed.items():
            article = stored[aid]
            for key, value in v.items():
                setattr(article, key, value)
            article.updated_at = now
            article.ingest_run_id = run
        s.flush()
        s.execute(insert(ArticleRevision), rows)

    def _reject(self, s, report: IngestReport, ref: str, code: str, reason: str, raw: str) -> None:
        report.rejected += 1
        report.rejections.append({"ref": ref, "code": code, "reason": reason})
        s.add(Rejection(run_id=report.run_id, ref=ref.replace("\x00", ""), code=code,
                        reason=reason.replace("\x00", ""), reason_params=message_json(reason),
                        raw=(raw or "")[:RAW_EXCERPT].replace("\x00", "\ufffd")))

    def _validate(self, s, raw: RawArticle) -> dict:
        title = _clean(raw.title)
        body = _clean(raw.body)
        if not body:
            raise RejectedRecord("no-body", Message("the record has no body text"))
        if not title:
            raise RejectedRecord("no-title", Message("the record has no title"))
        if len(title) > MAX_TITLE:
            raise RejectedRecord("too-long", Message("the title has %(length)s characters (at most %(max)s)",
                                                     length=len(title), max=MAX_TITLE))
        if len(body) > MAX_BODY:
            raise RejectedRecord("too-long", Message("the body has %(length)s characters (at most %(max)s)",
                                                     length=len(body), max=MAX_BODY))
        if not raw.date:
            raise RejectedRecord("no-date", Message("the record has no publication date"))
        source_name = _clean(raw.source)
        source_id, source_tz = self._source(s, source_name) if source_name else (None, None)
        try:
            parsed = parse_date(raw.date, source_tz or self.default_tz)
        except DateParseError as exc:
            raise RejectedRecord("bad-date", exc.message) from None
        section = _clean(raw.section)
        url = _clean(raw.url)
        if url and not is_web_url(url):  # javascript:, data:, relative: never stored nor linked
            raise RejectedRecord("bad-url", Message("the url is not an http or https address: %(url)s",
                                                    url=url[:100]))
        values = {
            "id": article_id(raw),
            "title": title,
            "subtitle": _clean(raw.subtitle),
            "body": body,
            "author": (_clean(raw.author) or None),
            "url": url,
            "url_key": url_key(url),
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
        """The source's id and time zone, creating its row on first sight; a configured zone
        (SOURCE_TIMEZONES) is written to the row."""
        if name not in self._sources:
            configured = self.source_timezones.get(name)
            row = s.scalar(select(Source).where(Source.name == name))
            if row is None:
                row = Source(name=name, timezone=configured)
                s.add(row)
                s.flush()
            elif configured and row.timezone != configured:
                row.timezone = configured
            self._sources[name] = (row.id, row.timezone)
        return self._sources[name]


INPUTS = ".jsonl, .ndjson, .json, .csv, .warc, .arc, .html, .htm, .xhtml and .txt files (each also .gz)"


def _not_an_input(path: Path) -> Message:
    if path.name.lower().endswith(".zip"):
        return Message("ingest does not read .zip files: unpack it first (an upload on the admin pages "
                       "unpacks zips)")
    return Message("ingest reads %(inputs)s; use --format to read this file as one of them", inputs=INPUTS)


def _why_nothing_was_read(paths: list[str], report: IngestReport) -> Message | None:
    """Why a run failed, or None: it failed when every record it read was a whole file it could
    not read (or there was nothing to read at all)."""
    if report.read > report.unreadable_files:
        return None
    file_reasons = [Message("%(ref)s: %(reason)s", ref=r["ref"], reason=r["reason"]) for r in report.rejections]
    reasons = report.errors + file_reasons
    if not reasons:
        return Message("no file to read in %(paths)s: ingest reads %(inputs)s", paths=", ".join(paths),
                       inputs=INPUTS)
    if len(reasons) > 5:
        reasons = reasons[:5] + [Message("… %(num)s more", num=len(reasons) - 5)]
    return Message("nothing could be read: %(reasons)s", reasons=reasons)


def ingest(db: Database, paths: Iterable[str], fmt: str = "auto", source: str | None = None,
           default_tz: str = "UTC", progress=None,
           source_timezones: dict[str, str] | None = None, on_stored=None,
           job_id: int | None = None, fingerprint: str | None = None) -> IngestReport:
    """Ingest files and directories into ``db``; see Ingester (``job_id``: the job running it;
    ``fingerprint``: the paths' ``fingerprint()``, kept with the run for ``read_unchanged``)."""
    return Ingester(db, default_tz, progress, source_timezones, on_stored, job_id).ingest(
        paths, fmt, source, fingerprint)


def fingerprint(paths: Iterable[str], fmt: str = "auto", source: str | None = None) -> str | None:
    """sha256 of what a run of these arguments would read: the format, the source override and
    every file under ``paths`` (its name, size and content); None when a path cannot be read."""
    h = hashlib.sha256(f"{fmt}\x1f{source or ''}\x1f".encode("utf-8"))
    try:
        for path, _root in iter_files([str(p) for p in paths]):
            h.update(f"{path}\x1f{path.stat().st_size}\x1f".encode("utf-8", "surrogateescape"))
            with open(path, "rb") as fh:
                while chunk := fh.read(1 << 20):
                    h.update(chunk)
    except (UnreadablePath, OSError):
        return None
    return h.hexdigest()


def read_unchanged(db: Database, paths: Iterable[str], fmt: str, source: str | None,
                   digest: str | None) -> int | None:
    """The number of the latest run of these same arguments when it completed reading exactly
    the files ``digest`` describes (so running it again would change nothing); else None."""
    if digest is None:
        return None
    with db.session() as s:
        run = s.scalars(select(IngestRun).where(IngestRun.paths == "\n".join(str(p) for p in paths),
                                                IngestRun.format == fmt,
                                                IngestRun.source_override.is_(None) if source is None
                                                else IngestRun.source_override == source)
                        .order_by(IngestRun.id.desc()).limit(1)).first()
        return run.id if run is not None and run.status == "completed" and run.fingerprint == digest else None
