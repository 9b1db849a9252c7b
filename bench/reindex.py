"""Full-reindex speed and memory, and where the time goes: the first ``--articles`` articles of a
built archive (bench/search.py's, by default) written into a fresh index generation by
``indexer.build.full_rebuild`` — what ``arshif reindex --full`` runs, with its writer processes —
once by Arshif's segment writer (indexer/writer.py) and once by Whoosh's own writer, alternately,
``--runs`` times each, in the same run. ``--codecs`` compares Whoosh's default posting format with
Arshif's instead (both through Arshif's writer); ``--limitmb A,B,…`` the writer's memory bound.

Each build runs in a process of its own, forked once the articles are read (so every build
starts with the stemmer's caches as empty as ``arshif reindex`` does), and reports its wall
time, its CPU time (its writer processes included: articles per CPU-second is the figure a
loaded machine cannot blur), and its peak RSS (the build process and, apart, the largest writer
process; the articles in memory are part of both, ``rss_before_mb``).

Beside the rates it times the analysis alone (of the first ``--analysis`` articles) — the four
text fields through the two analyzers as Whoosh's writer runs them, and through
``analysis.index_terms`` as Arshif's writer does, first with the stemmer's caches empty, then
warm — and reading the articles from the database.
``--profile N`` adds a cProfile of one single-process build by Arshif's writer: the N functions
taking the most time of their own, and the N largest cumulative ones. Prints one JSON object.

    .venv/bin/python bench/reindex.py [--instance bench/.work/i30000] [--articles 3000]
                                      [--runs 2] [--procs N] [--codecs | --limitmb 64,256]
                                      [--analysis 3000] [--profile 25]
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# The goal (issue 16): 600 articles/s on this machine's two cores, i.e. at most this much CPU
# per article when both cores work on the build.
TARGET_ARTICLES_PER_S = 600
CORES = 2


def size_mb(path: Path) -> float:
    return round(sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20, 1)


def in_child(work):
    """Run ``work()`` in a forked process and return what it returns (a JSON-able value), with
    that process's CPU seconds (its own and its waited-for children's) and peak RSS."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        status = 1
        try:
            os.close(read_end)
            mine, theirs = resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN
            rss_before = _rss_mb()
            started = [resource.getrusage(who) for who in (mine, theirs)]
            value = work()
            ended = [resource.getrusage(who) for who in (mine, theirs)]
            cpu = sum(e.ru_utime + e.ru_stime - s.ru_utime - s.ru_stime for s, e in zip(started, ended))
            out = {"value": value, "cpu_s": round(cpu, 2), "rss_before_mb": rss_before,
                   "peak_rss_mb": ended[0].ru_maxrss // 1024, "writer_peak_rss_mb": ended[1].ru_maxrss // 1024}
            with os.fdopen(write_end, "w") as pipe:
                json.dump(out, pipe)
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        text = pipe.read()
    _, status = os.waitpid(pid, 0)
    if status:
        sys.exit(f"a measuring process failed (status {status})")
    return json.loads(text)


def _rss_mb() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 2**20


def analysis_seconds(articles: list[dict], shared: bool) -> list[float]:
    """CPU seconds of the four text fields' analysis alone, twice (stemmer caches empty, then
    warm): the tokens the two analyzers make as Whoosh's writer runs them (positions where the
    field keeps them), or ``index_terms`` once per title and body as Arshif's writer runs it."""
    from zoneinfo import ZoneInfo

    from indexer.analysis import index_terms
    from indexer.schema import make_schema, to_document

    schema = make_schema()
    docs = [to_document(a, ZoneInfo("UTC")) for a in articles]
    fields = [(name, schema[name].analyzer, schema[name].format.supports("positions"))
              for name in ("title", "body", "title_exact", "body_exact")]
    out = []
    for _ in range(2):
        started = time.process_time()
        for doc in docs:
            if shared:
                index_terms(doc["title"])
                index_terms(doc["body"])
            else:
                for name, analyzer, positions in fields:
                    for _ in analyzer(doc[name], positions=positions, mode="index"):
                        pass
        out.append(round(time.process_time() - started, 2))
    return out


def build(articles: list[dict], procs: int, multiprocess_min: int, options: dict) -> dict:
    from indexer.build import full_rebuild

    with tempfile.TemporaryDirectory() as tmp:
        report = full_rebuild(articles, tmp, total=len(articles), procs=procs,
                              multiprocess_min=multiprocess_min, **options)
        return {"seconds": report.seconds, "index_mb": size_mb(Path(tmp))}


def profile(articles: list[dict], top: int) -> dict:
    """cProfile of a single-process build by Arshif's writer: the ``top`` functions by time of
    their own and by cumulative time, each as its share of the build (cProfile inflates
    Python-heavy code: read shares, not times)."""
    import cProfile
    import pstats

    from indexer.build import full_rebuild

    profiler = cProfile.Profile()
    with tempfile.TemporaryDirectory() as tmp:
        profiler.enable()
        full_rebuild(articles, tmp, total=len(articles), procs=1)
        profiler.disable()
    stats = pstats.Stats(profiler).stats
    total = sum(tt for _cc, _nc, tt, _ct, _callers in stats.values())

    def name(key):
        path, line, function = key
        return f"{Path(path).name}:{line}({function})" if line else function

    def line(key, calls, seconds):
        return f"{seconds / total:6.1%}  {name(key)}  ({calls:,} calls)"

    own = sorted(stats.items(), key=lambda kv: -kv[1][2])[:top]
    cumulative = sorted(stats.items(), key=lambda kv: -kv[1][3])[:top]
    return {"total_s": round(total, 1),
            "own": [line(k, v[1], v[2]) for k, v in own],
            "cumulative": [line(k, v[1], v[3]) for k, v in cumulative]}


def main() -> None:
    from web import config

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--instance", type=Path, default=ROOT / "bench" / ".work" / "i30000")
    ap.add_argument("--articles", type=int, default=3000)
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--procs", type=int, default=int(config.REINDEX_PROCS or min(2, os.cpu_count() or 1)))
    choice = ap.add_mutually_exclusive_group()
    choice.add_argument("--codecs", action="store_true", help="compare Whoosh's default posting format with Arshif's")
    choice.add_argument("--limitmb", help="compare these writer memory bounds (MB, comma-separated)")
    ap.add_argument("--analysis", type=int, default=3000, metavar="N", help="time the analysis on the first N articles")
    ap.add_argument("--profile", type=int, default=0, metavar="N", help="add a cProfile's top N functions")
    args = ap.parse_args()
    database = args.instance / "archive.sqlite3"
    if not database.exists():
        sys.exit(f"no archive at {database}: build one with bench/search.py first")

    from whoosh.codec.whoosh3 import W3Codec

    import indexer.build  # noqa: F401  (imported once, before the measuring processes fork)
    from archive.db import Database
    from archive.store import iter_articles

    out: dict = {"articles": args.articles, "procs": args.procs, "cpus": os.cpu_count(),
                 "load_average_start": [round(x, 1) for x in os.getloadavg()]}
    db = Database(f"sqlite:///{database}")
    started = time.perf_counter()
    articles = list(itertools.islice(iter_articles(db), args.articles))
    out["database_read_s"] = round(time.perf_counter() - started, 2)
    db.dispose()
    sample = articles[:args.analysis]
    out["analysis_articles"] = len(sample)
    for name, shared in (("analysis_whoosh_s", False), ("analysis_shared_s", True)):
        cold, warm = in_child(lambda shared=shared: analysis_seconds(sample, shared))["value"]
        out[name] = {"cold": cold, "warm": warm}
    if args.codecs:
        variants = {"whoosh_default_codec": {"write_codec": W3Codec()}, "arshif_codec": {}}
    elif args.limitmb:
        variants = {f"limitmb_{mb}": {"limitmb": int(mb)} for mb in args.limitmb.split(",")}
    else:
        # Whoosh's writer with its former pool size (a larger pool gains it a few per cent)
        variants = {"whoosh_writer": {"whoosh_writer": True, "limitmb": 256}, "arshif_writer": {}}
    runs: dict[str, list[dict]] = {name: [] for name in variants}
    for _ in range(args.runs):
        for name, options in variants.items():
            run = in_child(lambda options=options: build(articles, args.procs, config.REINDEX_MULTIPROCESS_MIN,
                                                         options))
            run.update(run.pop("value"))
            run["load"] = round(os.getloadavg()[0], 1)
            runs[name].append(run)
            print(f"{name}: {args.articles / run['seconds']:.0f} articles/s, "
                  f"{args.articles / run['cpu_s']:.0f} per CPU-second, load {run['load']}", file=sys.stderr, flush=True)
    for name, done in runs.items():
        cpu = statistics.median(r["cpu_s"] for r in done)
        seconds = statistics.median(r["seconds"] for r in done)
        out[name] = {"articles_per_s": round(args.articles / seconds, 1),
                     "articles_per_cpu_s": round(args.articles / cpu, 1),
                     "cpu_ms_per_article": round(1000 * cpu / args.articles, 2),
                     "peak_rss_mb": max(r["peak_rss_mb"] for r in done),
                     "writer_peak_rss_mb": max(r["writer_peak_rss_mb"] for r in done),
                     "rss_before_mb": done[0]["rss_before_mb"], "index_mb": done[0]["index_mb"], "runs": done}
    if args.profile:
        out["profile_arshif_writer"] = in_child(lambda: profile(articles, args.profile))["value"]
    out["target_cpu_ms_per_article"] = round(1000 * CORES / TARGET_ARTICLES_PER_S, 2)
    out["target_met"] = {name: out[name]["cpu_ms_per_article"] <= out["target_cpu_ms_per_article"]
                         for name in variants}
    out["load_average_end"] = [round(x, 1) for x in os.getloadavg()]
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
