"""Ingest benchmark: the 20,000-article corpus (../shared/corpus/news.jsonl.gz) into a fresh SQLite
and a fresh PostgreSQL database, then the same file again (every record unchanged).

Prints one JSON object: articles/s for each database and for the re-ingest. Timings are wall
clock on a shared machine: other processes running at the same time lower them.

    .venv/bin/python bench/ingest.py [--corpus PATH] [--pg URL] [--no-pg] [--profile FILE]
"""
from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archive.db import Database  # noqa: E402
from archive.ingest import ingest  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "news.jsonl.gz"
PG_ADMIN = os.environ.get("ARSHIF_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
TARGET_SQLITE = 2000.0


def _timed(db: Database, corpus: Path, profile: str | None = None) -> dict:
    profiler = cProfile.Profile() if profile else None
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    report = ingest(db, [corpus])
    if profiler:
        profiler.disable()
        profiler.dump_stats(profile)
        pstats.Stats(profile).sort_stats("cumulative").print_stats(25)
    seconds = time.perf_counter() - started
    counts = report.to_dict()
    counts.pop("rejections")
    return {"seconds": round(seconds, 2), "articles_per_s": round(report.read / seconds, 1), **counts}


def run(db: Database, corpus: Path, profile: str | None) -> dict:
    db.upgrade()
    first = _timed(db, corpus, profile)
    again = _timed(db, corpus)
    return {"ingest": first, "reingest": again}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--pg", default=PG_ADMIN, help="PostgreSQL server URL (maintenance database)")
    parser.add_argument("--no-pg", action="store_true")
    parser.add_argument("--profile", default=None, help="write a cProfile of the SQLite ingest here")
    args = parser.parse_args()
    if not args.corpus.exists():
        print(json.dumps({"error": f"corpus not found at {args.corpus}"}))
        sys.exit(1)
    result: dict = {"corpus": str(args.corpus), "cpus": os.cpu_count(),
                    "load_average": [round(x, 2) for x in os.getloadavg()],
                    "note": "wall clock on a shared machine; concurrent processes lower these figures"}
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{tmp}/bench.sqlite3")
        try:
            result["sqlite"] = run(db, args.corpus, args.profile)
        finally:
            db.dispose()
    result["sqlite"]["target_articles_per_s"] = TARGET_SQLITE
    result["sqlite"]["target_met"] = result["sqlite"]["ingest"]["articles_per_s"] >= TARGET_SQLITE
    if not args.no_pg:
        result["postgresql"] = _postgres(args.pg, args.corpus)
    result["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(result, indent=2))


def _postgres(admin_url: str, corpus: Path) -> dict:
    try:
        import psycopg
        admin = psycopg.connect(admin_url, autocommit=True, connect_timeout=3)
    except Exception as exc:  # noqa: BLE001 - reported, the SQLite figures still stand
        return {"skipped": f"no PostgreSQL server at {admin_url}: {exc}"}
    name = f"arshif_bench_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin.execute(f'CREATE DATABASE "{name}" ENCODING \'UTF8\' TEMPLATE template0')
    db = Database(f"{admin_url.rsplit('/', 1)[0]}/{name}")
    try:
        return run(db, corpus, None)
    finally:
        db.dispose()
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


if __name__ == "__main__":
    main()
