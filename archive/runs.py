"""Ingest-run history for the admin pages: runs with their five counts, their rejections with
the raw excerpt, and the counts a running ingest has stored so far."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update

from archive.db import Database
from archive.errors import stored_message
from archive.models import IngestRun, Rejection

COUNTS = ("read", "added", "updated", "unchanged", "duplicates", "rejected")


@dataclass
class RunInfo:
    id: int
    status: str
    started_at: datetime
    finished_at: datetime | None
    paths: list[str]
    format: str
    source_override: str | None
    error: str | None
    read: int
    added: int
    updated: int
    unchanged: int
    duplicates: int
    rejected: int


@dataclass
class RejectionInfo:
    id: int
    run_id: int
    ref: str
    code: str
    reason: str
    raw: str


def _run(r: IngestRun) -> RunInfo:
    return RunInfo(r.id, r.status, r.started_at, r.finished_at, [p for p in r.paths.split("\n") if p],
                   r.format, r.source_override, stored_message(r.error, r.error_params),
                   *(getattr(r, c) for c in COUNTS))


def rejection_info(r: Rejection) -> "RejectionInfo":
    """A stored rejection, its reason a Message when the row keeps its template (else English)."""
    return RejectionInfo(r.id, r.run_id, r.ref, r.code, stored_message(r.reason, r.reason_params), r.raw or "")


def record_counts(db: Database, run_id: int, counts: dict) -> None:
    """Store a running ingest's counts so far (its batches are committed), so a run that is
    killed keeps the counts of what it stored."""
    with db.session() as s:
        s.execute(update(IngestRun).where(IngestRun.id == run_id, IngestRun.status == "running")
                  .values(**{c: counts[c] for c in COUNTS}))


def list_runs(db: Database, limit: int = 50, before: int | None = None) -> list[RunInfo]:
    with db.session() as s:
        q = select(IngestRun).order_by(IngestRun.id.desc()).limit(limit)
        if before:
            q = q.where(IngestRun.id < before)
        return [_run(r) for r in s.scalars(q)]


def get_run(db: Database, run_id: int) -> RunInfo | None:
    with db.session() as s:
        r = s.get(IngestRun, run_id)
        return _run(r) if r is not None else None


def last_run(db: Database) -> RunInfo | None:
    runs = list_runs(db, limit=1)
    return runs[0] if runs else None


def run_rejections(db: Database, run_id: int, offset: int = 0, limit: int = 100) -> tuple[int, list[RejectionInfo]]:
    """(how many, one page of) the run's rejections, raw excerpt included."""
    with db.session() as s:
        total = s.scalar(select(func.count(Rejection.id)).where(Rejection.run_id == run_id)) or 0
        rows = s.scalars(select(Rejection).where(Rejection.run_id == run_id).order_by(Rejection.id)
                         .offset(offset).limit(limit))
        return total, [rejection_info(r) for r in rows]


def get_rejection(db: Database, rejection_id: int) -> RejectionInfo | None:
    with db.session() as s:
        r = s.get(Rejection, rejection_id)
        return rejection_info(r) if r else None
