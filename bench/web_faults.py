"""The web-side attacks of issue 17, re-run against a real `arshif serve` (gunicorn, 2 workers)
on PostgreSQL holding the 20,000 corpus articles:

- every table locked (ACCESS EXCLUSIVE, from another connection) for --lock seconds while one
  client searches continuously: searches answered and their latency, /healthz's answer and time,
  the article page's status, a signed-in librarian's /admin status;
- failed sign-ins from one address until refused: how many the 2 workers allowed in a minute.

Starts its own throwaway PostgreSQL cluster (tests/pgcluster.py). Prints one JSON object.
Usage: python bench/web_faults.py [--lock 45] [--work bench/.work/web_faults]
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus" / "news.jsonl.gz"
sys.path.insert(0, str(ROOT))

from tests.pgcluster import ThrowawayCluster  # noqa: E402
from tests.web.server import ARSHIF, Client, serve  # noqa: E402

QUERIES = ["ترمب", "العراق", "الحكومة", "مجلس الأمن", "النفط", "الانتخابات", "سوريا", "الاقتصاد",
           "بغداد", "وزارة الخارجية", "كرة القدم", "الأمم المتحدة"]
PASSWORD = "a-long-password"


def arshif(instance: Path, env: dict, *args: str, stdin: str | None = None) -> str:
    proc = subprocess.run([*ARSHIF, *args], env=env, input=stdin, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"arshif {' '.join(args)} failed: {proc.stderr[-2000:]}")
    return proc.stdout


def timed(client: Client, path: str, timeout: float = 60.0):
    started = time.monotonic()
    try:
        status, _, body = client.request(path, timeout=timeout)
    except OSError as exc:  # timeout, reset
        return None, time.monotonic() - started, str(exc)
    return status, time.monotonic() - started, body


def sign_in(client: Client) -> int:
    page = client.request("/admin/login")[2]
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return client.request("/admin/login", {"name": "mona", "password": PASSWORD, "csrf_token": csrf})[0]


def lock_attack(base: str, url: str, seconds: float) -> dict:
    import psycopg

    librarian = Client(base)
    assert sign_in(librarian) == 303
    article = first_article_id(base)  # before the lock: the search needs no database, this lookup is ours
    searches: list[tuple[int | None, float]] = []
    holder = psycopg.connect(url)
    tables = [t for (t,) in holder.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
    holder.execute("LOCK TABLE " + ", ".join(f'"{t}"' for t in tables) + " IN ACCESS EXCLUSIVE MODE")
    locked_at = time.monotonic()
    stop = threading.Event()

    def search_loop():
        client, i = Client(base), 0
        while not stop.is_set():
            q = urllib.parse.quote(QUERIES[i % len(QUERIES)])
            status, took, _ = timed(client, f"/api/v1/search?q={q}&page={1 + i // len(QUERIES) % 5}")
            searches.append((status, took))
            i += 1

    thread = threading.Thread(target=search_loop)
    thread.start()
    health, pages = [], {}
    try:
        while time.monotonic() - locked_at < seconds:
            status, took, body = timed(Client(base), "/healthz")
            health.append({"status": status, "seconds": round(took, 3),
                           "body": json.loads(body) if status in (200, 503) else body})
            if not pages:
                pages["article"] = timed(Client(base), "/article/" + article)[0]
                pages["admin"] = timed(librarian, "/admin/")[0]
                pages["admin_api"] = timed(librarian, "/admin/api/status")[0]
            time.sleep(5)
    finally:
        stop.set()
        thread.join()
        holder.rollback()
        holder.close()
    answered = [t for s, t in searches if s == 200]
    after = timed(Client(base), "/healthz")
    return {
        "lock_seconds": round(time.monotonic() - locked_at, 1),
        "searches": len(searches), "searches_answered_200": len(answered),
        "search_statuses": {str(s): sum(1 for x, _ in searches if x == s) for s in {x for x, _ in searches}},
        "search_seconds_median": round(statistics.median(answered), 3) if answered else None,
        "search_seconds_max": round(max(answered), 3) if answered else None,
        "healthz_during_lock": [{"status": h["status"], "seconds": h["seconds"],
                                 "body_status": h["body"].get("status") if isinstance(h["body"], dict) else None,
                                 "database": h["body"].get("database") if isinstance(h["body"], dict) else None}
                                for h in health],
        "healthz_seconds_max": max(h["seconds"] for h in health),
        "pages_during_lock": pages,
        "healthz_after": {"status": after[0], "body": json.loads(after[2]) if after[0] == 200 else after[2]},
        "admin_after_lock": timed(librarian, "/admin/")[0],
    }


def first_article_id(base: str) -> str:
    status, _, body = Client(base).request("/api/v1/search?q=" + urllib.parse.quote("العراق"))
    if status != 200:
        raise SystemExit(f"the search before the lock answered {status}: {body[:300]}")
    return json.loads(body)["hits"][0]["id"]


def login_attack(base: str, attempts: int = 12) -> dict:
    codes = []
    for _ in range(attempts):
        client = Client(base)
        page = client.request("/admin/login")[2]
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        codes.append(client.request("/admin/login", {"name": "mona", "password": "wrong-password",
                                                     "csrf_token": csrf})[0])
    return {"attempts": attempts, "failures_allowed": codes.count(401), "refused_429": codes.count(429),
            "codes": codes}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lock", type=float, default=45.0)
    parser.add_argument("--work", default=str(ROOT / "bench" / ".work" / "web_faults"))
    args = parser.parse_args()
    if not CORPUS.exists():
        raise SystemExit(f"the corpus is not at {CORPUS}")
    work = Path(args.work)
    shutil.rmtree(work, ignore_errors=True)
    instance = work / "instance"
    instance.mkdir(parents=True)
    cluster = ThrowawayCluster()
    url = cluster.start()
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ARSHIF_")}
        env.update(ARSHIF_INSTANCE=str(instance), DATABASE_URL=url)
        started = time.monotonic()
        arshif(instance, env, "init")
        arshif(instance, env, "ingest", str(CORPUS), "--json")
        arshif(instance, env, "reindex", "--full", "--json")
        arshif(instance, env, "user", "add", "mona", "--password-stdin", stdin=PASSWORD + "\n")
        loaded = time.monotonic() - started
        # The shipped time limits, not the tests' generous ones.
        with serve(str(instance), workers=2, config={"SEARCH_TIME_LIMIT": 2.0, "FACET_TIME_LIMIT": 1.0},
                   DATABASE_URL=url) as base:
            health = json.loads(Client(base).request("/healthz")[2])
            lock = lock_attack(base, url, args.lock)
            login = login_attack(base)
        print(json.dumps({"articles": health["articles"], "load_seconds": round(loaded, 1),
                          "lock": lock, "login": login}, ensure_ascii=False, indent=1))
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
