"""Search speed at archive scale, against plain Whoosh used as documented, in the same run.

Builds (once, cached in --work) an archive of the 20,000 corpus articles copied --copies times
(each copy with its own id, URL, a shifted date and a distinguishing line), through the real
`arshif ingest` and `arshif reindex --full` commands; then runs the 50 TREC 2002 topic titles and
200 single- and two-word queries drawn from the index vocabulary across frequency bands, each with
facets and 10 highlighted snippets, through the code path of GET /api/v1/search. The baseline
runs the same compiled queries through Whoosh's own `search(groupedby=...)` + `hit.highlights()`.

Prints one JSON object. Usage: python bench/search.py [--copies 5] [--work bench/.work]
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "corpus"
sys.path.insert(0, str(ROOT))


def percentile(values, p):
    values = sorted(values)
    k = (len(values) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def summary(ms):
    return {"p50_ms": round(percentile(ms, 50), 2), "p95_ms": round(percentile(ms, 95), 2),
            "p99_ms": round(percentile(ms, 99), 2), "max_ms": round(max(ms), 2),
            "mean_ms": round(statistics.fmean(ms), 2)}


def make_corpus(path: Path, copies: int) -> int:
    """The corpus ``copies`` times over; every copy distinct so deduplication keeps it."""
    n = 0
    with gzip.open(SHARED / "news.jsonl.gz", "rt", encoding="utf-8") as src:
        rows = [json.loads(line) for line in src]
    with gzip.open(path, "wt", encoding="utf-8") as out:
        for k in range(copies):
            for row in rows:
                if k:
                    row = dict(row)
                    row["id"] = f"{row['id']}-c{k}"
                    # Another host: a fragment or query would canonicalise to the same URL,
                    # and ingest would rightly treat the copy as an update of the original.
                    row["url"] = row["url"].replace("://", f"://copy{k}.", 1)
                    date = row["date"]
                    when = datetime.fromisoformat(date)
                    row["date"] = (when + timedelta(days=7 * k)).isoformat()
                    row["body"] = row["body"] + f"\nنسخة أرشيفية رقم {k}"
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
                n += 1
    return n


def arshif(instance: Path, *args: str) -> tuple[float, str]:
    env = dict(os.environ, ARSHIF_INSTANCE=str(instance))
    started = time.perf_counter()
    out = subprocess.run([str(Path(sys.executable).parent / "arshif"), *args],
                         env=env, check=True, capture_output=True, text=True, cwd=ROOT)
    return time.perf_counter() - started, out.stdout


def build(work: Path, copies: int) -> dict:
    instance = work / "instance"
    marker = work / f"built-{copies}.json"
    if marker.exists():
        return json.loads(marker.read_text())
    work.mkdir(parents=True, exist_ok=True)
    corpus = work / f"corpus-x{copies}.jsonl.gz"
    n = make_corpus(corpus, copies)
    if instance.exists():
        subprocess.run(["rm", "-rf", str(instance)], check=True)
    arshif(instance, "init")
    ingest_s, out = arshif(instance, "ingest", str(corpus), "--json")
    report = json.loads(out)
    reindex_s, out = arshif(instance, "reindex", "--full", "--json")
    index = json.loads(out)
    gen_dir = instance / "index" / index["generation"]
    size = sum(p.stat().st_size for p in gen_dir.iterdir())
    info = {"articles": n, "added": report["added"], "ingest_seconds": round(ingest_s, 1),
            "ingest_articles_per_s": round(n / ingest_s, 1), "reindex_seconds": round(reindex_s, 1),
            "reindex_articles_per_s": round(index["articles"] / reindex_s, 1),
            "index_mb": round(size / 2**20, 1)}
    marker.write_text(json.dumps(info))
    return info


def queries(index_dir: str, n_vocab: int, seed: int = 7) -> list[str]:
    from whoosh import index as windex

    topics = [json.loads(line)["title_ar"] for line in
              (SHARED / "trec2002_arabic_topics.jsonl").read_text(encoding="utf-8").splitlines()]
    ix = windex.open_dir(index_dir)
    with ix.reader() as reader:
        total = reader.doc_count()
        bands = {(5, 50): [], (50, 500): [], (500, 5000): [], (5000, total + 1): []}
        for term, info in reader.iter_field("body_exact"):
            term = term.decode("utf-8") if isinstance(term, bytes) else term
            if not term.isalpha() or len(term) < 3:
                continue
            df = info.doc_frequency()
            for (lo, hi), bucket in bands.items():
                if lo <= df < hi:
                    bucket.append(term)
    rng = random.Random(seed)
    picked = []
    per_band = n_vocab // (2 * len(bands))
    for bucket in bands.values():
        bucket.sort()
        picked += rng.sample(bucket, per_band)
        picked += [f"{a} {b}" for a, b in zip(rng.sample(bucket, per_band), rng.sample(bucket, per_band))]
    return topics + picked


def run_arshif(index_root: str, qs: list[str]) -> tuple[list[float], list[dict]]:
    from indexer.search import SearchRequest, SearchService

    service = SearchService(index_root, cache_size=0, time_limit=30)
    out, ms = [], []
    for q in qs:  # warm-up: open the generation, fill the stem caches
        service.search(SearchRequest(query=q))
    for q in qs:
        started = time.perf_counter()
        result = service.search(SearchRequest(query=q))
        json.dumps(result.to_dict(), ensure_ascii=False)
        ms.append((time.perf_counter() - started) * 1000)
        out.append({"total": result.total, "top": [h.id for h in result.hits],
                    "scores": [h.score for h in result.hits],
                    "section": {v.value: v.count for v in result.facets["section"].values}})
    return ms, out


def run_whoosh(index_dir: str, qs: list[str]) -> tuple[list[float], list[dict]]:
    """Whoosh as its documentation shows: groupedby facets and hit.highlights()."""
    from whoosh import index as windex
    from whoosh.sorting import FieldFacet

    from indexer.query import parse
    from indexer.search import compile_query

    ix = windex.open_dir(index_dir)
    searcher = ix.searcher()
    facets = {"section": FieldFacet("section", allow_overlap=False),
              "source": FieldFacet("source"), "year": FieldFacet("year")}
    out, ms = [], []
    compiled = [compile_query(parse(q)) for q in qs]
    for q in compiled[:20]:
        searcher.search(q, limit=10, groupedby=facets)
    for q in compiled:
        started = time.perf_counter()
        results = searcher.search(q, limit=10, groupedby=facets)
        groups = {name: {k: len(v) for k, v in results.groups(name).items()} for name in facets}
        snippets = [(hit["title"], hit.highlights("body")) for hit in results]
        total = len(results)
        ms.append((time.perf_counter() - started) * 1000)
        out.append({"total": total, "top": [hit["id"] for hit in results], "section": groups["section"],
                    "scores": [round(float(hit.score), 4) for hit in results]})
        del snippets
    return ms, out


def memory_mb(index_root: str, qs: list[str]) -> float:
    """Peak resident memory of a process that serves all the queries (a web worker's job).
    VmHWM, not ru_maxrss: on Linux ru_maxrss survives exec, so a child of this (large) process
    would report the parent's peak."""
    code = ("import json,sys; sys.path.insert(0, %r)\n"
            "from indexer.search import SearchRequest, SearchService\n"
            "s = SearchService(%r)\n"
            "for q in json.loads(sys.stdin.read()): s.search(SearchRequest(query=q))\n"
            "print(open('/proc/self/status').read().split('VmHWM:')[1].split()[0])") % (str(ROOT), index_root)
    out = subprocess.run([sys.executable, "-c", code], input=json.dumps(qs), capture_output=True,
                         text=True, check=True)
    return round(int(out.stdout.strip()) / 1024, 1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--copies", type=int, default=5)
    ap.add_argument("--work", default=str(ROOT / "bench" / ".work"))
    ap.add_argument("--vocab-queries", type=int, default=200)
    args = ap.parse_args()
    if not (SHARED / "news.jsonl.gz").exists():
        sys.exit(f"bench/search.py needs the corpus at {SHARED}")
    work = Path(args.work)
    built = build(work, args.copies)
    index_root = str(work / "instance" / "index")
    current = (Path(index_root) / "CURRENT").read_text().strip()
    index_dir = str(Path(index_root) / current)
    qs = queries(index_dir, args.vocab_queries)
    ours_ms, ours = run_arshif(index_root, qs)
    base_ms, base = run_whoosh(index_dir, qs)
    same_total = sum(a["total"] == b["total"] for a, b in zip(ours, base))
    same_sections = sum(a["section"] == {k: v for k, v in b["section"].items() if k}
                        for a, b in zip(ours, base))
    # The corpus copies tie in score (same text, same quantised length): ties are ordered by
    # date here and by docnum in Whoosh, so ids differ where scores do not.
    comparable = [(a, b) for a, b in zip(ours, base) if a["total"] == b["total"]]
    same_scores = sum(a["scores"] == b["scores"] for a, b in comparable)
    overlap = statistics.fmean(len(set(a["top"]) & set(b["top"])) / max(1, len(b["top"]))
                               for a, b in zip(ours, base))
    ours_s, base_s = summary(ours_ms), summary(base_ms)
    print(json.dumps({
        "build": built,
        "queries": len(qs),
        "arshif": ours_s,
        "whoosh_documented": base_s,
        "speedup_p50": round(base_s["p50_ms"] / ours_s["p50_ms"], 1),
        "speedup_p95": round(base_s["p95_ms"] / ours_s["p95_ms"], 1),
        "same_total": f"{same_total}/{len(qs)}",
        "same_section_counts": f"{same_sections}/{len(qs)}",
        "top10_overlap": round(overlap, 3),
        "same_top10_scores": f"{same_scores}/{len(comparable)} (queries with the same total)",
        "worker_peak_rss_mb": memory_mb(index_root, qs),
    }, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
