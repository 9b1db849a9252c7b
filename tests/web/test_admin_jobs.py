"""Jobs across processes: a second reindex is refused while one runs (any process), a job whose
process was killed is found and marked failed, and a killed ingest leaves its run marked
failed with its counts, and re-running it adds no duplicates."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from archive import jobs
from archive.models import Article, IngestRun
from tests.articles import generate, write_jsonl
from tests.conftest import FIXTURES, build_instance

ARSHIF = [sys.executable, "-c", "from web.cli import main; main()"]


def env_for(app, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARSHIF_")}
    env.update(ARSHIF_INSTANCE=app.instance_path, **extra)
    return env


def wait_until(check, timeout=60.0, proc=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"the process ended early: {proc.stdout.read()}")
        time.sleep(0.05)
    raise AssertionError("timed out")


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (from /proc)."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


def alive(pid: int) -> bool:
    """Whether process ``pid`` exists and is not a zombie."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_second_reindex_is_refused_across_processes_and_dead_jobs_are_swept(tmp_path):
    app = build_instance(tmp_path / "instance", FIXTURES / "news.jsonl")
    db = app.extensions["arshif.db"]
    note = tmp_path / "paused"
    proc = subprocess.Popen([*ARSHIF, "reindex", "--full"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, env=env_for(app, ARSHIF_TEST_PAUSE_AT="committed",
                                                   ARSHIF_TEST_PAUSE_FILE=str(note)))
    try:
        wait_until(note.exists, proc=proc)
        runner = app.test_cli_runner()
        r = runner.invoke(args=["reindex", "--full"])
        assert r.exit_code == 1
        assert "a reindex is already running, started at" in r.output and "(command line)" in r.output
        r = runner.invoke(args=["jobs", "--json"])
        running = json.loads(r.stdout)[0]
        assert running["status"] == "running" and running["done"] == running["total"] == 6
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    # The killed job is found (its process is gone), marked failed, and the next reindex runs.
    r = app.test_cli_runner().invoke(args=["reindex", "--full", "--json"])
    assert r.exit_code == 0, r.output
    rows = jobs.recent(db, limit=2, kind="reindex")
    assert [j.status for j in rows] == ["completed", "failed"]
    assert "stopped before finishing" in rows[1].message


def test_killed_ingest_is_marked_failed_with_counts_and_rerun_adds_no_duplicates(tmp_path):
    app = build_instance(tmp_path / "instance")
    db = app.extensions["arshif.db"]
    src = write_jsonl(tmp_path / "many.jsonl", generate(3000, seed=3, prefix="ing"))
    proc = subprocess.Popen([*ARSHIF, "ingest", str(src)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, env=env_for(app, ARSHIF_EXTRACT_PROCS="2"))
    try:
        # killed once at least one batch (500 records) is stored
        wait_until(lambda: (j := jobs.active(db, "ingest")) is not None and j.done >= 500, proc=proc)
        extractors = children(proc.pid)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    # Its two extraction processes (forked with the first batch) die with it.
    assert len(extractors) == 2
    wait_until(lambda: not any(alive(pid) for pid in extractors))
    with db.session() as s:
        stored = s.scalar(select(func.count(Article.id)))
    assert 500 <= stored < 3000
    r = app.test_cli_runner().invoke(args=["ingest", str(src), "--json", "--no-reindex"])
    assert r.exit_code == 0, r.output
    again = json.loads(r.stdout)
    with db.session() as s:
        runs = s.scalars(select(IngestRun).order_by(IngestRun.id)).all()
        total = s.scalar(select(func.count(Article.id)))
    killed = runs[0]
    assert killed.status == "failed" and "stopped before finishing" in killed.error
    assert killed.added == stored and killed.read >= stored  # the counts of what it had stored
    assert again["added"] == 3000 - stored and again["unchanged"] == stored and again["duplicates"] == 0
    assert total == 3000 and runs[1].status == "completed"
    assert [j.status for j in jobs.recent(db, kind="ingest")] == ["completed", "failed"]


def test_stale_job_rows_free_their_kind(db):
    """On SQLite and PostgreSQL: the database's unique lock refuses a second reindex."""
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    job = jobs.create(db, "reindex", "someone", pid=dead.pid)
    assert jobs.sweep(db) == [job.id]
    assert jobs.get(db, job.id).status == "failed"
    alive = jobs.create(db, "reindex", "mona", pid=os.getpid())
    try:
        jobs.create(db, "reindex", "sami")
    except jobs.JobBusy as exc:
        assert "a reindex is already running" in exc.message and "by mona" in exc.message
    else:
        raise AssertionError("a second reindex was allowed")
    jobs.finish(db, alive.id, "completed")
    assert jobs.create(db, "reindex", "sami").status == "queued"


def test_accounts_on_both_databases(db):
    from archive.accounts import AccountError, add_user, authenticate

    add_user(db, "mona", "a-long-password", "admin")
    assert authenticate(db, "mona", "a-long-password").role == "admin"
    assert authenticate(db, "mona", "wrong-password") is None
    assert authenticate(db, "nobody", "a-long-password") is None
    try:
        add_user(db, "mona", "another-password")
    except AccountError as exc:
        assert "already a user called mona" in str(exc)
    else:
        raise AssertionError("a second account with the same name")
