"""The jobs table: long work (reindex, uploaded ingest) run by its own process, one of each
kind at a time, with its progress (done/total, rate, ETA) for the CLI and the admin pages.

One at a time is enforced by the database (a unique ``lock_key`` held while queued or
running), so it holds across web workers, CLI invocations and machines. A job whose process
is gone (killed, crashed) is found by ``sweep`` and marked failed, which frees its kind.
"""
from __future__ import annotations

import json
import os
import socket
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Iterator

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from archive.dates import to_iso_z
from archive.db import Database
from archive.errors import N_, Message, UserError, message_json, stored_message
from archive.models import Article, IngestRun, Job, Rejection, utcnow

KINDS = ("reindex", "ingest", "reextract")
# Kinds of which only one may be queued or running at once.
EXCLUSIVE = ("reindex", "ingest", "reextract")
BUSY = {"reindex": N_("a reindex is already running, started at %(started)s UTC by %(by)s (job %(id)s)"),
        "ingest": N_("an ingest is already running, started at %(started)s UTC by %(by)s (job %(id)s)"),
        "reextract": N_("an entity re-extraction is already running, started at %(started)s UTC by %(by)s "
                        "(job %(id)s)")}
# A queued job whose process never started (or a job on another machine that stopped
# reporting) is given up after this long.
QUEUED_GRACE = timedelta(minutes=5)
SILENT_GRACE = timedelta(minutes=30)
# Where a job's result keeps its message's template and parameters (archive/errors.py).
MESSAGE_PARAMS = "message_params"


class JobBusy(UserError):
    """Another job of the same kind is queued or running."""

    def __init__(self, job: "JobInfo"):
        self.job = job
        started = job.started_at or job.created_at
        super().__init__(BUSY.get(job.kind, BUSY["reindex"]), started=f"{started:%Y-%m-%d %H:%M:%S}",
                         by=job.started_by or "?", id=job.id)


@dataclass
class JobInfo:
    id: int
    kind: str
    status: str
    started_by: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    done: int
    total: int | None
    rate: float | None
    message: str | None
    pid: int | None
    host: str | None
    params: dict = field(default_factory=dict)
    result: dict = field(default_factory=dict)

    @property
    def active(self) -> bool:
        return self.status in ("queued", "running")

    @property
    def eta_seconds(self) -> float | None:
        if not self.active or not self.total or not self.rate:
            return None
        return max(self.total - self.done, 0) / self.rate

    @property
    def percent(self) -> float | None:
        if not self.total:
            return None
        return min(100.0, 100.0 * self.done / self.total)

    def to_dict(self) -> dict:
        def iso(d):
            return to_iso_z(d) if d else None
        return {"id": self.id, "kind": self.kind, "status": self.status, "started_by": self.started_by,
                "created_at": iso(self.created_at), "started_at": iso(self.started_at),
                "finished_at": iso(self.finished_at), "done": self.done, "total": self.total,
                "rate": round(self.rate, 1) if self.rate else None,
                "eta_seconds": round(self.eta_seconds, 1) if self.eta_seconds is not None else None,
                "percent": round(self.percent, 1) if self.percent is not None else None,
                "message": self.message, "params": self.params, "result": self.result}


def _info(j: Job) -> JobInfo:
    result = json.loads(j.result) if j.result else {}
    message = stored_message(j.message, result.pop(MESSAGE_PARAMS, None))
    return JobInfo(j.id, j.kind, j.status, j.started_by, j.created_at, j.started_at, j.finished_at,
                   j.done, j.total, j.rate, message, j.pid, j.host, json.loads(j.params or "{}"), result)


def hostname() -> str:
    return socket.gethostname()


def pid_alive(pid: int | None) -> bool:
    """Whether process ``pid`` exists on this machine and is not a zombie."""
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a killed child its parent has not reaped yet still answers kill(0)
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        return state not in ("Z", "X")
    except (OSError, IndexError):
        return True


def _stale(j: Job, now: datetime) -> Message | None:
    """Why an active job is dead, or None when it may still be working."""
    if j.pid and j.host == hostname():
        return None if pid_alive(j.pid) else Message("the %(kind)s process (%(pid)s) stopped before finishing",
                                                     kind=j.kind, pid=j.pid)
    if j.pid is None and now - j.created_at > QUEUED_GRACE:
        return Message("the job's process never started")
    if j.pid and j.host != hostname() and now - (j.heartbeat_at or j.created_at) > SILENT_GRACE:
        return Message("the %(kind)s process on %(host)s stopped reporting", kind=j.kind, host=j.host)
    return None


def sweep(db: Database) -> list[int]:
    """Mark failed every queued/running job whose process is gone; close the ingest runs such
    a job left running (status failed, with the counts of what it had stored)."""
    now = utcnow()
    failed = []
    with db.session() as s:
        for j in s.scalars(select(Job).where(Job.status.in_(("queued", "running")))):
            why = _stale(j, now)
            if why is None:
                continue
            j.status, j.lock_key, j.finished_at = "failed", None, now
            if j.total:
                why = Message("%(why)s (at %(done)s/%(total)s)", why=why, done=format(j.done, ","),
                              total=format(j.total, ","))
            j.message = why
            j.result = json.dumps({**(json.loads(j.result) if j.result else {}), MESSAGE_PARAMS: why.to_json()},
                                  ensure_ascii=False)
            failed.append((j.id, j.kind, j.created_at, j.finished_at))
    for job_id, kind, _, _ in failed:
        if kind == "ingest":
            fail_orphaned_runs(db, job_id, Message("the ingest process stopped before finishing (job %(job)s); the "
                                                   "counts are what it had stored", job=job_id))
    return [f[0] for f in failed]


def fail_orphaned_runs(db: Database, job_id: int, error: Message) -> list[int]:
    """The ingest runs of job ``job_id`` still 'running' become 'failed'; their counts are
    completed from what the database holds (committed batches only)."""
    closed = []
    with db.session() as s:
        runs = s.scalars(select(IngestRun).where(IngestRun.status == "running", IngestRun.job_id == job_id))
        for run in runs:
            rejected = s.scalar(select(func.count(Rejection.id)).where(Rejection.run_id == run.id)) or 0
            stored = s.execute(select(Article.created_at == Article.updated_at, func.count())
                               .where(Article.ingest_run_id == run.id)
                               .group_by(Article.created_at == Article.updated_at)).all()
            added = sum(n for new, n in stored if new)
            updated = sum(n for new, n in stored if not new)
            run.rejected = max(run.rejected, rejected)
            run.added = max(run.added, added)
            run.updated = max(run.updated, updated)
            run.read = run.added + run.updated + run.unchanged + run.duplicates + run.rejected
            run.status, run.error, run.finished_at = "failed", error, utcnow()
            run.error_params = message_json(error)
            closed.append(run.id)
    return closed


def create(db: Database, kind: str, started_by: str, params: dict | None = None,
           pid: int | None = None) -> JobInfo:
    """Record a job; with ``pid`` it is running (the caller does the work), else queued for
    the process the caller spawns. JobBusy when one of its kind is queued or running."""
    if kind not in KINDS:
        raise ValueError(f"unknown job kind {kind!r}")
    sweep(db)
    now = utcnow()
    job = Job(kind=kind, status="running" if pid else "queued",
              lock_key=kind if kind in EXCLUSIVE else None, started_by=started_by or "",
              created_at=now, started_at=now if pid else None, heartbeat_at=now, done=0,
              pid=pid, host=hostname(), params=json.dumps(params or {}, ensure_ascii=False))
    try:
        with db.session() as s:
            s.add(job)
            s.flush()
            return _info(job)
    except IntegrityError:
        busy = active(db, kind)
        if busy is None:  # finished between our insert and this look-up: try once more
            return create(db, kind, started_by, params, pid)
        raise JobBusy(busy) from None


def set_pid(db: Database, job_id: int, pid: int) -> None:
    """The spawning process records its child, so a child that dies at once is noticed."""
    with db.session() as s:
        s.execute(update(Job).where(Job.id == job_id, Job.pid.is_(None)).values(pid=pid, host=hostname()))


def start(db: Database, job_id: int, pid: int | None = None) -> JobInfo:
    """The job's own process takes it up (queued → running)."""
    with db.session() as s:
        j = s.get(Job, job_id)
        if j is None:
            raise LookupError(f"there is no job {job_id}")
        if j.status not in ("queued", "running"):
            raise LookupError(f"job {job_id} is {j.status}, not queued")
        now = utcnow()
        j.status, j.pid, j.host = "running", pid or os.getpid(), hostname()
        j.started_at = j.started_at or now
        j.heartbeat_at = now
        return _info(j)


def report(db: Database, job_id: int, done: int, total: int | None = None, rate: float | None = None,
           message: str | None = None, result: dict | None = None) -> None:
    values: dict = {"done": done, "heartbeat_at": utcnow()}
    if total is not None:
        values["total"] = total
    if rate is not None:
        values["rate"] = rate
    if message is not None:
        values["message"] = message
    if result is not None:
        values["result"] = json.dumps(result, ensure_ascii=False)
    with db.session() as s:
        s.execute(update(Job).where(Job.id == job_id).values(**values))


def finish(db: Database, job_id: int, status: str, message: str | None = None,
           result: dict | None = None) -> None:
    if status not in ("completed", "failed"):
        raise ValueError(status)
    with db.session() as s:
        j = s.get(Job, job_id)
        j.status, j.lock_key, j.finished_at = status, None, utcnow()
        if message is not None:
            j.message = message
            if isinstance(message, Message):  # kept translatable beside the English text
                result = {**(result or {}), MESSAGE_PARAMS: message.to_json()}
        if result is not None:
            j.result = json.dumps(result, ensure_ascii=False)


def get(db: Database, job_id: int) -> JobInfo | None:
    with db.session() as s:
        j = s.get(Job, job_id)
        return _info(j) if j is not None else None


def active(db: Database, kind: str) -> JobInfo | None:
    with db.session() as s:
        j = s.scalar(select(Job).where(Job.kind == kind, Job.status.in_(("queued", "running")))
                     .order_by(Job.id.desc()).limit(1))
        return _info(j) if j is not None else None


def recent(db: Database, limit: int = 20, kind: str | None = None,
           status: str | None = None) -> list[JobInfo]:
    with db.session() as s:
        q = select(Job).order_by(Job.id.desc()).limit(limit)
        if kind:
            q = q.where(Job.kind == kind)
        if status:
            q = q.where(Job.status == status)
        return [_info(j) for j in s.scalars(q)]


class Reporter:
    """A progress callback ``(done, total)`` that writes to the job row at most once per
    ``every`` seconds (and always for the last call made through ``flush``)."""

    def __init__(self, db: Database, job_id: int, every: float = 1.0):
        self.db, self.job_id, self.every = db, job_id, every
        self.started = time.perf_counter()
        self.last = 0.0
        self.done = 0
        self.total: int | None = None

    def __call__(self, done: int, total: int | None = None) -> None:
        self.done, self.total = done, total if total is not None else self.total
        now = time.perf_counter()
        # the last item is always written: a job may then pause (commit, switch) for a while
        if now - self.last >= self.every or (self.total and done >= self.total):
            self.flush(now)

    def rate(self, now: float | None = None) -> float:
        elapsed = (now or time.perf_counter()) - self.started
        return self.done / elapsed if elapsed > 0 else 0.0

    def flush(self, now: float | None = None) -> None:
        self.last = now or time.perf_counter()
        report(self.db, self.job_id, self.done, self.total, self.rate(self.last))


class RunningJob:
    """What ``run`` hands to the work: its parameters, a progress callback, and slots for
    the outcome (``result``, ``message``)."""

    def __init__(self, db: Database, info: JobInfo, echo=None):
        self.info = info
        self.id = info.id
        self.params = info.params
        self.result: dict | None = None
        self.message: str | None = None
        self.failed: str | None = None
        self._reporter = Reporter(db, info.id)
        self._echo = echo

    def progress(self, done: int, total: int | None = None) -> None:
        self._reporter(done, total)
        if self._echo is not None:
            self._echo(done, total)

    def note(self, result: dict) -> None:
        """Record part of the outcome now (e.g. the ingest run's number), before the end."""
        self.result = result
        report(self._reporter.db, self.id, self._reporter.done, result=result)


@contextmanager
def run(db: Database, kind: str, started_by: str, params: dict | None = None,
        job_id: int | None = None, echo=None) -> Iterator[RunningJob]:
    """Do a job in this process: take up queued job ``job_id`` (spawned by the admin pages) or
    record a new running one (JobBusy when one of its kind is active). The job ends completed,
    or failed with the error's words when the work raises (also on Ctrl-C); a SIGKILL leaves
    it to ``sweep``."""
    info = start(db, job_id) if job_id else create(db, kind, started_by, params, pid=os.getpid())
    job = RunningJob(db, info, echo)
    try:
        yield job
    except BaseException as exc:
        words = getattr(exc, "message", None) or str(exc) or type(exc).__name__
        if isinstance(exc, KeyboardInterrupt):
            words = Message("interrupted")
        job._reporter.flush()
        finish(db, job.id, "failed", message=job.failed or words, result=job.result)
        raise
    job._reporter.flush()
    finish(db, job.id, "failed" if job.failed else "completed", message=job.failed or job.message,
           result=job.result)
