"""The kill test: a full reindex of 2,000 generated articles (tests/articles.py: self-contained,
short, so each build takes seconds) run as `arshif reindex --full` in a subprocess and SIGKILLed at every stage of a build, the
atomic switch included, while a thread searches continuously. After each kill the serving
generation answers every search exactly as before; the next reindex cleans up and completes
with every article indexed exactly once."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from indexer.generations import CHECKPOINTS, COMPLETE, IndexRoot
from indexer.search import SearchRequest, SearchService
from tests.articles import generate, write_jsonl
from tests.conftest import make_app

ARTICLES = 2000
QUERIES = ["سوريا", "البنك", "وزارة الخارجية", "إسرائيل OR المركزي", '"خلية اتصال"', "الاجتماع -سوريا"]
ARSHIF = [sys.executable, "-c", "from web.cli import main; main()"]


class Searcher(threading.Thread):
    """Issues searches without pause against the index root; any exception, or any answer that
    differs from the expected one (total and first hits), is an error."""

    def __init__(self, index_dir: str, expected: dict):
        super().__init__(daemon=True)
        self.service = SearchService(index_dir, cache_size=0)
        self.expected = expected
        self.searches = 0
        self.errors: list[str] = []
        self.generations: set[str] = set()
        self.stop = threading.Event()

    def run(self):
        i = 0
        while not self.stop.is_set():
            q = QUERIES[i % len(QUERIES)]
            i += 1
            try:
                result = self.service.search(request(q))
                got = (result.total, [h.id for h in result.hits])
                if got != self.expected[q]:
                    self.errors.append(f"{q}: {got[0]} hits, expected {self.expected[q][0]}")
                self.generations.add(result.generation)
            except Exception as exc:  # noqa: BLE001 - every failure counts
                self.errors.append(f"{q}: {type(exc).__name__}: {exc}")
            self.searches += 1
            time.sleep(0.001)  # leave the build (on a 2-core machine) some CPU
        self.service.close()


def request(q: str) -> SearchRequest:
    params = {"q": [q], "sort": ["newest"]}
    return SearchRequest.from_params(lambda name: params.get(name, []))


def arshif_env(instance: Path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARSHIF_")}
    env.update(ARSHIF_INSTANCE=str(instance), **extra)
    return env


def wait_for(path: Path, proc: subprocess.Popen, timeout: float = 60.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists():
            return path.read_text()
        if proc.poll() is not None:
            raise AssertionError(f"the reindex ended before pausing: {proc.stdout.read()}")
        time.sleep(0.02)
    raise AssertionError(f"the reindex never reached {path.name}")


def indexed_ids(index_dir: str) -> list[str]:
    from whoosh import index as whoosh_index

    ix = whoosh_index.open_dir(str(IndexRoot(index_dir).current_path()))
    with ix.searcher() as s:
        return [fields["id"] for _, fields in s.reader().iter_docs()]


@pytest.fixture(scope="module")
def corpus_instance(tmp_path_factory):
    """An instance with ARTICLES generated articles ingested and indexed once."""
    tmp = tmp_path_factory.mktemp("kill")
    src = write_jsonl(tmp / "generated.jsonl", generate(ARTICLES))
    instance = tmp / "instance"
    app = make_app(instance)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["init"]).exit_code == 0
    r = runner.invoke(args=["ingest", str(src), "--json"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(args=["reindex", "--full", "--json"])
    assert r.exit_code == 0, r.output
    app.extensions["arshif.search"].close()
    return app, instance


def test_sigkill_at_every_stage_leaves_search_intact_and_next_reindex_completes(corpus_instance):
    app, instance = corpus_instance
    db = app.extensions["arshif.db"]
    index_dir = app.config["INDEX_DIR"]
    root = IndexRoot(index_dir)
    with db.session() as s:
        from sqlalchemy import select
        from archive.models import Article
        archive_ids = sorted(s.scalars(select(Article.id)))
    assert len(archive_ids) == ARTICLES
    service = SearchService(index_dir, cache_size=0)
    expected = {}
    for q in QUERIES:
        result = service.search(request(q))
        expected[q] = (result.total, [h.id for h in result.hits])
        assert result.total > 0, q
    service.close()

    searcher = Searcher(index_dir, expected)
    searcher.start()
    figures = {"articles": len(archive_ids), "points": []}
    t0 = time.monotonic()
    try:
        # Paused (then killed) at each named checkpoint, and once at a moment chosen by the clock.
        for point in (*CHECKPOINTS, "timed"):
            before = root.current()
            note = instance / f"paused-{point}"
            extra = {} if point == "timed" else {"ARSHIF_TEST_PAUSE_AT": point, "ARSHIF_TEST_PAUSE_FILE": str(note)}
            proc = subprocess.Popen([*ARSHIF, "reindex", "--full", "--json"], env=arshif_env(instance, **extra),
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            if point == "timed":
                # mid-write, when this build's job row says a third is done
                wait_job_progress(db, last_job_id(db), ARTICLES // 3, proc)
            else:
                assert wait_for(note, proc) == point
            searches_before = searcher.searches
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
            time.sleep(0.3)  # searches keep coming after the kill
            after = root.current()
            assert after is not None and (root.root / after / COMPLETE).exists()
            if point == "switched":
                assert after != before  # the switch itself had happened
            else:
                assert after == before, point
            assert searcher.searches > searches_before
            assert not searcher.errors, searcher.errors[:5]
            figures["points"].append(point)
            print(point, round(time.monotonic() - t0, 1), searcher.searches)

        leftovers = [p.name for p in root.root.iterdir() if p.is_dir()]
        assert len(leftovers) > 2  # partial generations of the killed builds are still there
        proc = subprocess.run([*ARSHIF, "reindex", "--full", "--json"], env=arshif_env(instance),
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        out = json.loads(proc.stdout)
        time.sleep(0.3)
    finally:
        searcher.stop.set()
        searcher.join(timeout=10)
    assert not searcher.errors, searcher.errors[:5]
    assert root.current() == out["generation"] and out["articles"] == len(archive_ids)
    assert out["generation"] in searcher.generations  # the searches switched to the new generation
    ids = indexed_ids(index_dir)
    assert len(ids) == len(set(ids)) == len(archive_ids)  # every article exactly once
    assert sorted(ids) == archive_ids
    # Cleaned up: the serving generation, the one before it (for rollback), nothing else.
    dirs = sorted(p.name for p in root.root.iterdir() if p.is_dir())
    assert len(dirs) == 2 and out["generation"] in dirs
    assert not [p for p in root.root.iterdir() if ".tmp-" in p.name]
    from archive import jobs
    rows = jobs.recent(db, limit=len(CHECKPOINTS) + 2, kind="reindex")
    assert rows[0].status == "completed"
    assert [j.status for j in rows[1:]] == ["failed"] * (len(CHECKPOINTS) + 1)
    assert all("stopped before finishing" in j.message for j in rows[1:])
    figures.update(searches=searcher.searches, errors=len(searcher.errors),
                   lost=len(archive_ids) - len(set(ids)))
    print("kill test:", json.dumps(figures))


def last_job_id(db) -> int:
    from archive import jobs

    rows = jobs.recent(db, limit=1)
    return rows[0].id if rows else 0


def wait_job_progress(db, after_id: int, done: int, proc, timeout: float = 60.0) -> None:
    from archive import jobs

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = jobs.active(db, "reindex")
        if job is not None and job.id > after_id and job.done >= done:
            return
        if proc.poll() is not None:
            raise AssertionError(f"the reindex ended early: {proc.stdout.read()}")
        time.sleep(0.05)
    raise AssertionError("the reindex made no progress")
