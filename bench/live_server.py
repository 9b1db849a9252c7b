"""Live-server attacks of issues 11 and 17.3, re-run against this checkout: a real `arshif serve`
(gunicorn, 2 workers) over the first 3,000 corpus articles (../shared/corpus/news.jsonl.gz).

1. 25 changed and 25 new articles ingested, then the default incremental `arshif reindex`:
   how many of 200 title searches list an article twice, how many of 200 searches still find a
   word the changed versions dropped, how many new articles are found, `/healthz` articles and
   indexed as every worker answers.
2. One 5-letter name (ترامب) typed 1, 80 and 166 times (the last is 995 characters): seconds and
   HTTP status of each search (SEARCH_TIME_LIMIT as configured: 2 s by default).

Prints one JSON object. Timings are wall clock on a shared machine.

    .venv/bin/python bench/live_server.py [--corpus PATH] [--articles N]
"""
from __future__ import annotations

import argparse
import gzip
import itertools
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.web.server import ARSHIF, serve  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "news.jsonl.gz"
DROPPED = "زمردستان"   # a made-up word the first versions carry and the changed ones drop
CHANGED = NEW = 25


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default=str(CORPUS))
    ap.add_argument("--articles", type=int, default=3000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="arshif-live-") as tmp:
        print(json.dumps(run(Path(tmp), Path(args.corpus), args.articles), ensure_ascii=False, indent=1))


def run(tmp: Path, corpus: Path, count: int) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARSHIF_") and k != "DATABASE_URL"}
    env["ARSHIF_INSTANCE"] = str(tmp / "instance")

    def arshif(*a: str) -> str:
        p = subprocess.run([*ARSHIF, *a], env=env, capture_output=True, text=True)
        if p.returncode:
            raise SystemExit(f"arshif {' '.join(a)} failed: {p.stdout}{p.stderr}")
        return p.stdout

    with gzip.open(corpus, "rt", encoding="utf-8") as src:
        articles = [json.loads(line) for line in itertools.islice(src, count + NEW)]
    first, extra = articles[:count], articles[count:]
    changing = first[::count // CHANGED][:CHANGED]
    for a in changing:
        a["body"] += " " + DROPPED
    write(tmp / "first.jsonl", first)
    arshif("init")
    arshif("ingest", str(tmp / "first.jsonl"), "--no-reindex")
    arshif("reindex", "--full")
    # The configured time limits, not the tests' generous ones: this measures them.
    limits = {"RATELIMIT_ENABLED": False, "SEARCH_TIME_LIMIT": 2.0, "FACET_TIME_LIMIT": 1.0}
    with serve(str(tmp / "instance"), workers=2, config=limits) as base:
        return attack(base, arshif, tmp, count, changing, extra)


def attack(base: str, arshif, tmp: Path, count: int, changing: list[dict], extra: list[dict]) -> dict:
    def get(path: str, **params) -> tuple[int, dict | str, float]:
        url = f"{base}{path}?" + urllib.parse.urlencode(params)
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(url, timeout=120) as r:
                return r.status, json.load(r), time.perf_counter() - started
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()[:200].decode(errors="replace"), time.perf_counter() - started

    for a in changing:  # the workers open the generation and cache these searches
        for _ in range(4):
            get("/api/v1/search", q=a["title"])
    changed = [dict(a, body=a["body"].replace(" " + DROPPED, "")) for a in changing]
    write(tmp / "second.jsonl", changed + extra)
    arshif("ingest", str(tmp / "second.jsonl"), "--no-reindex")
    arshif("reindex")
    twice = stale = 0
    for i in range(200):
        _, doc, _ = get("/api/v1/search", q=changing[i % CHANGED]["title"], per_page=100)
        ids = [h["id"] for h in doc["hits"]]
        twice += len(ids) != len(set(ids))
        stale += get("/api/v1/search", q=DROPPED)[1]["total"] > 0
    found = sum(get("/api/v1/search", q=a["title"], per_page=100)[1]["total"] > 0 for a in extra)
    health = sorted({(d["articles"], d["indexed"]) for d in (get("/healthz")[1] for _ in range(10))})
    repeated = {}
    for n in (1, 80, 166):
        status, doc, seconds = get("/api/v1/search", q=" ".join(["ترامب"] * n))
        repeated[str(n)] = {"seconds": round(seconds, 2), "status": status,
                            "total": doc.get("total") if isinstance(doc, dict) else None}
    return {"articles": count, "after_incremental_reindex": {
                "title_searches_listing_an_article_twice": f"{twice}/200",
                "searches_finding_the_dropped_word": f"{stale}/200",
                "new_articles_found": f"{found}/{NEW}",
                "healthz_articles_indexed": health},
            "one_name_typed_n_times": repeated}


def write(path: Path, articles: list[dict]) -> None:
    with open(path, "w", encoding="utf-8") as out:
        out.writelines(json.dumps(a, ensure_ascii=False) + "\n" for a in articles)


if __name__ == "__main__":
    main()
