"""The kill test: a full reindex of 2,000 generated articles (tests/articles.py: self-contained,
short, so each build takes seconds) run as `arshif reindex --full` in a subprocess and SIGKILLed at
every stage of a build, the atomic switch included, while a thread searches continuously; once with
the one-process writer and once with Whoosh's two-process writer (forced by
REINDEX_MULTIPROCESS_MIN, which is 5,000 articles otherwise). After each kill the serving
generation answers every search exactly as before, no process of the killed build is left and the
writers' lock is free; the next reindex cleans up and completes with every article indexed exactly
once."""
from __future__ import annotations

import fcntl
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

    def __init__(self, index_dir: str, expected: dict, answer):
        super().__init__(daemon=True)
        self.answer = answer
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
                got = self.answer(result)
                if got != self.expected[q]:
                    self.errors.append(f"{q}: {got[0]} hits, expected {self.expected[q][0]}")
                self.generations.add(result.generation)
            except Exception as exc:  # noqa: BLE001 - every failure counts
                self.errors.append(f"{q}: {type(exc).__name__}: {exc}")
            self.searches += 1
            time.sleep(0.001)  # leave the build (on a 2-core machine) some CPU
        self.service.close()


def by_ids(result) -> tuple:
    return result.total, [h.id for h in result.hits]


def by_dates(result) -> tuple:
    """The answer up to the order of articles with the same date: the two-process writer numbers
    documents in a different order in each build, and ties come in document order."""
    return result.total, [h.date for h in result.hits]


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


def descendants(pid: int) -> list[int]:
    """The live processes ``pid`` started, and theirs."""
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] not in ("Z", "X"):
            parents.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    out, todo = [], [pid]
    while todo:
        children = parents.get(todo.pop(), [])
        out += children
        todo += children
    return out


def alive(pids: list[int]) -> list[int]:
    from archive.jobs import pid_alive

    return [p for p in pids if pid_alive(p)]


def lock_is_free(index_dir: str) -> bool:
    fd = os.open(Path(index_dir) / "build.lock", os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(fd)


WRITERS = {"one process": "", "two processes": "REINDEX_PROCS = 2\nREINDEX_MULTIPROCESS_MIN = 100\n"}


@pytest.fixture(scope="module", params=list(WRITERS))
def corpus_instance(request, tmp_path_factory):
    """An instance with ARTICLES generated articles ingested and indexed once, whose full
    reindex uses the one-process or the two-process writer."""
    tmp = tmp_path_factory.mktemp("kill")
    src = write_jsonl(tmp / "generated.jsonl", generate(ARTICLES))
    instance = tmp / "instance"
    instance.mkdir()
    (instance / "config.py").write_text(WRITERS[request.param])
    app = make_app(instance)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["init"]).exit_code == 0
    r = runner.invoke(args=["ingest", str(src), "--json", "--no-reindex"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(args=["reindex", "--full", "--json"])
    assert r.exit_code == 0, r.output
    app.extensions["arshif.search"].close()
    return app, instance, request.param


def test_sigkill_at_every_stage_leaves_search_intact_and_next_reindex_completes(corpus_instance):
    app, instance, writer = corpus_instance
    db = app.extensions["arshif.db"]
    index_dir = app.config["INDEX_DIR"]
    root = IndexRoot(index_dir)
    with db.session() as s:
        from sqlalchemy import select
        from archive.models import Article
        archive_ids = sorted(s.scalars(select(Article.id)))
    assert len(archive_ids) == ARTICLES
    service = SearchService(index_dir, cache_size=0)
    answer = by_ids if writer == "one process" else by_dates
    expected = {}
    for q in QUERIES:
        result = service.search(request(q))
        expected[q] = answer(result)
        assert result.total > 0, q
    service.close()

    searcher = Searcher(index_dir, expected, answer)
    searcher.start()
    figures = {"writer": writer, "articles": len(archive_ids), "points": []}
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
            children = descendants(proc.pid)
            if writer == "two processes" and point in ("writing", "timed"):
                assert len(children) >= 2, children  # the sub-writers are at work
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
            # Searches keep coming after the kill: wait for two more to finish (one may have been
            # under way at the kill; under a loaded machine a search takes longer than a fixed pause).
            deadline = time.monotonic() + 60
            while searcher.searches < searches_before + 2 and not searcher.errors and time.monotonic() < deadline:
                time.sleep(0.05)
            # The kernel kills the sub-writers with their parent (reaped by init a moment later).
            deadline = time.monotonic() + 10
            while alive(children) and time.monotonic() < deadline:
                time.sleep(0.05)
            assert not alive(children), f"{point}: processes of the killed build left: {alive(children)}"
            figures["orphans"] = figures.get("orphans", 0) + len(alive(children))
            assert lock_is_free(index_dir), point
            after = root.current()
            assert after is not None and (root.root / after / COMPLETE).exists()
            if point == "switched":
                assert after != before  # the switch itself had happened
            else:
                assert after == before, point
            assert searcher.searches >= searches_before + 2, f"{point}: searching stopped after the kill"
            assert not searcher.errors, searcher.errors[:5]
            figures["points"].append(point)
            print(point, round(time.monotonic() - t0, 1), searcher.searches)

        leftovers = [p.name for p in root.root.iterdir() if p.is_dir()]
        assert len(leftovers) > 2  # partial generations of the killed builds are still there
        started = time.monotonic()
        proc = subprocess.run([*ARSHIF, "reindex", "--full", "--json"], env=arshif_env(instance),
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        figures["next_reindex_seconds"] = round(time.monotonic() - started, 1)
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
