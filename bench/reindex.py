"""Full-reindex speed, and where its time goes: the first ``--articles`` articles of a built
archive (bench/search.py's, by default) written into a fresh index generation by
``indexer.build.full_rebuild`` — what ``arshif reindex --full`` runs, with its writer processes —
once with Whoosh's default posting format and once with Arshif's (``indexer.build.codec``),
alternately, ``--runs`` times each, in the same run. With ``--limitmb A,B,…`` it compares the
writer's in-memory posting pool sizes instead (Arshif's format; Whoosh sorts and spills the pool
to a run file on disk whenever it fills, then merges the runs at the end).

Beside the rates it times the analysis alone (the stemmed and exact analyzers over the title
and body, as the writer runs them: first with the stemmer's caches empty, then warm, as they are
for most words of a long build) and reading the articles from the database, so the rest of a
build's time is Whoosh's document and posting writer. Prints one JSON object.

    .venv/bin/python bench/reindex.py [--instance bench/.work/i30000] [--articles 3000]
                                      [--runs 2] [--procs N] [--limitmb 64,256,1024]
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def size_mb(path: Path) -> float:
    return round(sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20, 1)


def analysis_seconds(articles: list[dict]) -> float:
    """The four text fields' analysis alone: the tokens the writer's analyzers make (with
    positions where the field keeps them), before Whoosh encodes a single posting."""
    from zoneinfo import ZoneInfo

    from indexer.schema import make_schema, to_document

    schema = make_schema()
    docs = [to_document(a, ZoneInfo("UTC")) for a in articles]
    fields = [(name, schema[name].analyzer, schema[name].format.supports("positions"))
              for name in ("title", "body", "title_exact", "body_exact")]
    started = time.perf_counter()
    for doc in docs:
        for name, analyzer, positions in fields:
            for _ in analyzer(doc[name], positions=positions, mode="index"):
                pass
    return time.perf_counter() - started


def main() -> None:
    from web import config

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--instance", type=Path, default=ROOT / "bench" / ".work" / "i30000")
    ap.add_argument("--articles", type=int, default=3000)
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--procs", type=int, default=int(config.REINDEX_PROCS or min(2, os.cpu_count() or 1)))
    ap.add_argument("--limitmb", help="compare these pool sizes (MB, comma-separated) instead of the formats")
    args = ap.parse_args()
    database = args.instance / "archive.sqlite3"
    if not database.exists():
        sys.exit(f"no archive at {database}: build one with bench/search.py first")

    from whoosh.codec.whoosh3 import W3Codec

    from archive.db import Database
    from archive.store import iter_articles
    from indexer.build import codec, full_rebuild

    out: dict = {"articles": args.articles, "procs": args.procs, "cpus": os.cpu_count(),
                 "load_average_start": [round(x, 1) for x in os.getloadavg()]}
    db = Database(f"sqlite:///{database}")
    started = time.perf_counter()
    articles = list(itertools.islice(iter_articles(db), args.articles))
    out["database_read_s"] = round(time.perf_counter() - started, 2)
    db.dispose()
    out["analysis_cold_s"] = round(analysis_seconds(articles), 2)
    out["analysis_s"] = round(analysis_seconds(articles), 2)
    if args.limitmb:
        variants = {f"limitmb_{mb}": (codec, int(mb)) for mb in args.limitmb.split(",")}
    else:
        variants = {"whoosh_default_codec": (W3Codec, 256), "arshif_codec": (codec, 256)}
    rates: dict[str, list[float]] = {name: [] for name in variants}
    sizes: dict[str, float] = {}
    for _ in range(args.runs):
        for name, (make, limitmb) in variants.items():
            with tempfile.TemporaryDirectory() as tmp:
                report = full_rebuild(articles, tmp, total=len(articles), procs=args.procs, limitmb=limitmb,
                                      multiprocess_min=config.REINDEX_MULTIPROCESS_MIN, write_codec=make())
                rates[name].append(round(report.articles / report.seconds, 1))
                sizes[name] = size_mb(Path(tmp))
            print(f"{name}: {rates[name][-1]} articles/s, load {os.getloadavg()[0]:.1f}",
                  file=sys.stderr, flush=True)
    for name in variants:
        median = statistics.median(rates[name])
        out[name] = {"articles_per_s": median, "runs": rates[name], "index_mb": sizes[name],
                     "warm_analysis_share": round(out["analysis_s"] / (args.articles / median), 2)}
    out["target_articles_per_s"] = 600
    out["target_met"] = max(out[name]["articles_per_s"] for name in variants) >= 600
    out["load_average_end"] = [round(x, 1) for x in os.getloadavg()]
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
