"""Jobs from the web side: the ``arshif`` commands that run as jobs (recorded in the jobs
table with their progress), and spawning such a command in its own process for the admin
pages, so long work never runs inside a web worker."""
from __future__ import annotations

import functools
import getpass
import os
import subprocess
import sys
import threading
from pathlib import Path

import click
from flask import Flask, g
from sqlalchemy import inspect

from archive import jobs
from archive.errors import Message
from archive.runs import record_counts
from indexer.generations import IndexBusy
from web.console import ConsoleError, archive_db
from web.labels import COMMAND_LINE

# How a spawned job starts the arshif CLI: this interpreter, so the same environment.
ARSHIF = [sys.executable, "-c", "from web.cli import main; main()"]


def cli_user() -> str:
    try:
        user = getpass.getuser()
    except Exception:  # no name for this uid (containers)
        user = str(os.getuid())
    return f"{user}{COMMAND_LINE}"


def jobs_db():
    db = archive_db()
    if not inspect(db.engine).has_table("jobs"):
        raise click.ClickException("the database predates jobs and accounts: run 'arshif init' to upgrade it")
    return db


def job_command(kind: str, fill=("paths", "fmt", "source", "full")):
    """Run a CLI command as a job of ``kind``: a new one (refused with "a reindex is already
    running, started at … by …" while one is active), or, with ``--job N``, the queued job N
    the admin pages recorded (its parameters fill the command's). The job ends completed, or
    failed with the command's error message."""
    def decorate(fn):
        @functools.wraps(fn)
        def wrapper(*args, job_id=None, **kwargs):
            db = jobs_db()
            params = {k: (list(v) if isinstance(v, tuple) else v) for k, v in kwargs.items() if k in fill}
            try:
                with jobs.run(db, kind, cli_user(), params, job_id=job_id) as job:
                    if job_id:
                        for k, v in job.params.items():
                            if k in kwargs:
                                kwargs[k] = tuple(v) if isinstance(kwargs[k], tuple) else v
                    g.arshif_job = job
                    try:
                        return fn(*args, **kwargs)
                    except click.exceptions.Exit as exc:
                        if exc.exit_code:
                            job.failed = job.failed or job.message or Message("nothing could be read")
                        raise
                    except click.ClickException as exc:
                        job.failed = getattr(exc, "reason", None) or exc.message
                        raise
                    finally:
                        g.pop("arshif_job", None)
            except jobs.JobBusy as exc:
                raise click.ClickException(exc.message + _progress_words(exc.job)) from None
            except LookupError as exc:  # --job N that is not queued
                raise click.ClickException(str(exc)) from None
            except IndexBusy as exc:
                raise ConsoleError(exc) from None
        return wrapper
    return decorate


def _progress_words(job: jobs.JobInfo) -> str:
    if not job.done:
        return ""
    text = f": {job.done:,}" + (f"/{job.total:,}" if job.total else "")
    if job.rate:
        text += f" ({job.rate:,.0f}/s"
        text += f", ETA {job.eta_seconds:,.0f} s)" if job.eta_seconds is not None else ")"
    return text


def current_job() -> jobs.RunningJob | None:
    return g.get("arshif_job")


def with_job_progress(progress):
    """A ``(done, total)`` progress callback that also updates the current job's row."""
    def callback(done: int, total: int | None = None) -> None:
        progress(done, total)
        job = current_job()
        if job is not None:
            job.progress(done, total)
    return callback


def ingest_progress(progress):
    """The ingest progress callback (called after each stored batch): the terminal line, the
    job's progress and the run's counts so far (so a killed run keeps them)."""
    def callback(report) -> None:
        progress(report.read)
        job = current_job()
        if job is not None:
            job.progress(report.read)
            counts = report.to_dict()
            record_counts(job._reporter.db, report.run_id, counts)
            counts.pop("rejections", None)
            job.result = {"run_id": report.run_id, **counts}
            job.message = ", ".join(f"{k} {v}" for k, v in counts.items())
    return callback


def note_result(result: dict, message: str | None = None) -> None:
    job = current_job()
    if job is not None:
        job.result = result
        if message:
            job.message = message


# -- spawning ------------------------------------------------------------------------------
def job_log(app: Flask, job_id: int) -> Path:
    return Path(app.instance_path) / "jobs" / f"job-{job_id}.log"


def spawn(app: Flask, job: jobs.JobInfo, args: list[str]) -> int:
    """Start ``arshif <args> --job N`` in its own process and session (so it outlives the web
    worker, and signals to the worker's group do not reach it); its output goes to
    ``instance/jobs/job-N.log``. Returns the process id."""
    log = job_log(app, job.id)
    log.parent.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env["ARSHIF_INSTANCE"] = app.instance_path
    env["DATABASE_URL"] = app.config["DATABASE_URL"]
    env["ARSHIF_INDEX_DIR"] = app.config["INDEX_DIR"]
    env["ARSHIF_TIMEZONE"] = app.config["ARSHIF_TIMEZONE"]
    with open(log, "ab") as out:
        proc = subprocess.Popen([*ARSHIF, *args, "--job", str(job.id)], stdin=subprocess.DEVNULL,
                                stdout=out, stderr=subprocess.STDOUT, env=env, cwd=app.instance_path,
                                start_new_session=True, close_fds=True)
    db = app.extensions["arshif.db"]
    jobs.set_pid(db, job.id, proc.pid)
    # Reap the child when it ends, so it never lingers as a zombie of the web worker.
    threading.Thread(target=proc.wait, name=f"reap-job-{job.id}", daemon=True).start()
    return proc.pid


def start_job(app: Flask, kind: str, started_by: str, params: dict, args: list[str]) -> jobs.JobInfo:
    """Record a queued job (JobBusy when one of its kind is active) and spawn its process."""
    db = app.extensions["arshif.db"]
    job = jobs.create(db, kind, started_by, params)
    try:
        spawn(app, job, args)
    except OSError as exc:
        jobs.finish(db, job.id, "failed", message=Message("the job's process could not start: %(error)s",
                                                                     error=str(exc)))
        raise
    return jobs.get(db, job.id)
