"""The live-server test: a real `arshif serve` (gunicorn, 2 workers) searched continuously
while the archive changes under it. After an ingest of changed and new articles and the default
incremental reindex, an ingest that only changes metadata, a full reindex and a rollback, every
worker answers exactly: no article twice in a page, the old text gone, the new text found,
facet counts and totals equal to the archive's (``/healthz`` ``indexed`` == ``articles``)."""
from __future__ import annotations

import json
import os
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

import pytest

from tests.articles import generate, write_jsonl
from tests.web.server import ARSHIF, serve

ARTICLES = 300
CHANGED = 25          # articles whose new version drops OLD_WORD for NEW_WORD
NEW = 25              # new articles with NEW_WORD
RESECTIONED = 10      # articles whose new version changes only the section
OLD_WORD = "زمردستان"   # made-up words, in no generated article
NEW_WORD = "فيروزستان"
WORKERS = 2


def arshif(instance: Path, *args: str) -> str:
    proc = subprocess.run([*ARSHIF, *args], env=_env(instance), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, f"arshif {' '.join(args)}: {proc.stdout}{proc.stderr}"
    return proc.stdout


def _env(instance: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARSHIF_") and k != "DATABASE_URL"}
    env["ARSHIF_INSTANCE"] = str(instance)
    return env


class Server:
    """A running `arshif serve` (tests/web/server.py) asked for JSON on new connections."""

    def __init__(self, base: str):
        self.base = base

    def get(self, path: str, **params) -> tuple[str, dict]:
        """(worker pid, JSON document) of one request on a new connection."""
        url = self.base + path + ("?" + urllib.parse.urlencode(params, doseq=True) if params else "")
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.headers["X-Arshif-Worker"], json.load(response)


class Reader(threading.Thread):
    """Searches without pause; a page listing an article twice, a total that disagrees with
    the hits, or anything but a 200 is an error (stale text is allowed only while a reindex
    runs, so it is checked after each step, not here)."""

    QUERIES = (NEW_WORD, OLD_WORD, "", "سوريا", "البنك المركزي")

    def __init__(self, server: Server):
        super().__init__(daemon=True)
        self.server = server
        self.stop = threading.Event()
        self.searches = 0
        self.errors: list[str] = []
        self.workers: set[str] = set()

    def run(self) -> None:
        i = 0
        while not self.stop.is_set():
            q = self.QUERIES[i % len(self.QUERIES)]
            i += 1
            try:
                worker, doc = self.server.get("/api/v1/search", q=q, per_page=100, sort="newest")
                ids = [h["id"] for h in doc["hits"]]
                if len(ids) != len(set(ids)):
                    self.errors.append(f"{q!r}: duplicate ids on one page from worker {worker}")
                if doc["total"] <= 100 and doc["total"] != len(ids):
                    self.errors.append(f"{q!r}: total {doc['total']} but {len(ids)} hits")
                self.workers.add(worker)
            except Exception as exc:  # noqa: BLE001 - every failure counts
                self.errors.append(f"{q!r}: {type(exc).__name__}: {exc}")
            self.searches += 1
            time.sleep(0.005)


def every_worker(server: Server, checks: list) -> None:
    """Send each (path, params, assertion) of ``checks`` until every one of them has passed on
    each of the WORKERS processes (new connections: the kernel spreads them over the workers)."""
    answered: set[tuple[int, str]] = set()
    for _ in range(300):
        for i, (path, params, check) in enumerate(checks):
            worker, doc = server.get(path, **params)
            check(doc)
            answered.add((i, worker))
        if len(answered) == len(checks) * WORKERS:
            return
    raise AssertionError(f"not every worker answered every check: {sorted(answered)}")


def expect_archive(server: Server, old: set[str], new: set[str], sections: Counter, total: int) -> None:
    def health(doc):
        assert doc["articles"] == doc["indexed"] == total, doc

    def found(ids):
        def check(doc):
            hits = [h["id"] for h in doc["hits"]]
            assert len(hits) == len(set(hits)), f"an article twice: {hits}"
            assert sorted(hits) == sorted(ids) and doc["total"] == len(ids), (doc["query"], doc["total"], hits)
        return check

    def everything(doc):
        hits = [h["id"] for h in doc["hits"]]
        assert doc["total"] == total and len(hits) == len(set(hits)) == 100
        facets = doc["facets"]
        assert {v["value"]: v["count"] for v in facets["section"]} == dict(+sections)
        assert sum(v["count"] for v in facets["source"]) == total
        assert sum(v["count"] for v in facets["date"]) == total

    every_worker(server, [("/healthz", {}, health),
                          ("/api/v1/search", {"q": OLD_WORD, "per_page": 100}, found(old)),
                          ("/api/v1/search", {"q": NEW_WORD, "per_page": 100}, found(new)),
                          ("/api/v1/search", {"per_page": 100}, everything)])


@pytest.fixture()
def instance(tmp_path):
    return tmp_path / "instance"


def test_every_worker_of_a_live_server_sees_every_update_exactly(tmp_path, instance):
    started = time.monotonic()
    articles = generate(ARTICLES, seed=11, prefix="live")
    changing = articles[::ARTICLES // CHANGED][:CHANGED]
    for a in changing:
        a["title"] += " " + OLD_WORD
        a["body"] += " " + OLD_WORD
    arshif(instance, "init")
    arshif(instance, "ingest", str(write_jsonl(tmp_path / "first.jsonl", articles)), "--no-reindex")
    arshif(instance, "reindex", "--full")
    sections = Counter(a["section"] for a in articles)
    with serve(str(instance), workers=WORKERS, config={"RATELIMIT_ENABLED": False}) as base:
        server = Server(base)
        reader = Reader(server)
        try:
            through_every_update(tmp_path, instance, server, reader, articles, changing, sections)
        finally:
            reader.stop.set()
            reader.join(timeout=30)
    assert not reader.errors, reader.errors[:10]
    assert reader.searches > 20 and len(reader.workers) == WORKERS
    print(f"\nlive server: {reader.searches} searches in {time.monotonic() - started:.1f} s, "
          f"workers {sorted(reader.workers)}")


def through_every_update(tmp_path, instance, server, reader, articles, changing, sections) -> None:
    """Each step, then every worker checked against the archive as it now stands."""
    expect_archive(server, {a["id"] for a in changing}, set(), sections, ARTICLES)
    reader.start()

    # changed and new articles, then the default (incremental) reindex
    changed = [dict(a, title=a["title"].replace(OLD_WORD, NEW_WORD), body=a["body"].replace(OLD_WORD, NEW_WORD))
               for a in changing]
    added = generate(NEW, seed=12, prefix="live-new")
    for a in added:
        a["body"] += " " + NEW_WORD
    report = json.loads(arshif(instance, "ingest", str(write_jsonl(tmp_path / "second.jsonl", changed + added)),
                               "--json", "--no-reindex"))
    assert (report["updated"], report["added"]) == (CHANGED, NEW)
    arshif(instance, "reindex")
    new_ids = {a["id"] for a in changed + added}
    sections.update(a["section"] for a in added)
    total = ARTICLES + NEW
    expect_archive(server, set(), new_ids, sections, total)

    # only the section changes
    moved = [dict(a, section="culture") for a in articles[1::ARTICLES // RESECTIONED][:RESECTIONED]
             if a["section"] != "culture"]
    report = json.loads(arshif(instance, "ingest", str(write_jsonl(tmp_path / "third.jsonl", moved)), "--json",
                               "--no-reindex"))
    assert report["updated"] == len(moved)
    arshif(instance, "reindex")
    sections.subtract(a["section"] for a in articles if a["id"] in {m["id"] for m in moved})
    sections.update(a["section"] for a in moved)
    expect_archive(server, set(), new_ids, sections, total)

    arshif(instance, "reindex", "--full")
    expect_archive(server, set(), new_ids, sections, total)

    # back to the incrementally updated generation: the same archive
    arshif(instance, "index", "rollback")
    expect_archive(server, set(), new_ids, sections, total)
