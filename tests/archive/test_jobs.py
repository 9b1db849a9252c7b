"""Jobs whose process died: the ingest run a dead job leaves is closed by identity, not by a time
window (issue 17: the same class of bug as the reindex race), on both databases."""
from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

from archive import jobs
from archive.ingest import ingest
from archive.models import IngestRun, utcnow
from tests.articles import generate, write_jsonl


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_a_dead_ingest_job_closes_its_own_run_and_no_other(db, tmp_path):
    job = jobs.create(db, "ingest", "librarian", pid=dead_pid())
    now = utcnow()
    with db.session() as s:
        # The job's run, stamped by a clock a few seconds behind the one that stamped the job.
        own = IngestRun(status="running", job_id=job.id, started_at=now - timedelta(seconds=5))
        # An ingest another process (a script calling archive.ingest) started after the job.
        other = IngestRun(status="running", started_at=now + timedelta(seconds=1))
        s.add_all([own, other])
        s.flush()
        own_id, other_id = own.id, other.id
    assert jobs.sweep(db) == [job.id]
    with db.session() as s:
        assert s.get(IngestRun, own_id).status == "failed"
        assert "stopped before finishing" in s.get(IngestRun, own_id).error
        assert s.get(IngestRun, other_id).status == "running"


def test_an_ingest_run_records_its_job(db, tmp_path):
    job = jobs.create(db, "ingest", "librarian", pid=dead_pid())
    report = ingest(db, [write_jsonl(tmp_path / "a.jsonl", generate(2))], job_id=job.id)
    with db.session() as s:
        assert s.get(IngestRun, report.run_id).job_id == job.id
