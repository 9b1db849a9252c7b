"""Indexing into SolrCloud beside Whoosh: the first N corpus articles (default 2,000) ingested
into a fresh SQLite archive, then one full rebuild into a local 2-node SolrCloud (2 shards × 2
replicas, started from the Maven jars unless --solr-url names a cluster) and one into Whoosh
(one process). Prints one JSON object: cluster start time, articles/s of each build, and index
parity — for every TREC 2002 topic title, the articles holding all its stemmed terms (in title
or body) in each index, compared, HTTP query times with every facet, and Arshif's own search
(plan, engine, snippets, facets) on each engine: times and totals for the same queries.

    .venv/bin/python bench/solr_index.py [--articles 2000] [--solr-url URL] [--corpus PATH]
                                         [--workers 1,2]

With ``--workers 1,2`` it measures the parallel Solr build instead: one full rebuild per count of
build workers given (1 = in process; ``1,2,1,2`` repeats them), each into its own alias, with articles/s, the CPU seconds of the
process and its workers, and the load average beside each; then the collections are compared
(every document with every stored field, and each indexed field's terms with their document
frequencies), so the speed-up is shown on an index that is the same.

Timings are wall clock on a shared machine; runs under neither ``make test`` nor ``make bench``.
"""
from __future__ import annotations

import argparse
import gzip
import itertools
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from whoosh import index as whoosh_index  # noqa: E402
from whoosh import query as wq  # noqa: E402

from archive.db import Database  # noqa: E402
from archive.ingest import ingest  # noqa: E402
from archive.store import count_articles, iter_articles  # noqa: E402
from indexer.analysis import analyze, stemmed_analyzer  # noqa: E402
from indexer.build import full_rebuild as whoosh_rebuild  # noqa: E402
from indexer.generations import IndexRoot  # noqa: E402
from indexer.solr.build import full_rebuild as solr_rebuild  # noqa: E402
from indexer.solr.client import SolrClient  # noqa: E402
from indexer.solr.cluster import LocalCluster  # noqa: E402
from indexer.solr.generations import SolrGenerations  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--solr-url", default=None)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--workers", help="comma-separated build worker counts: time the parallel build only")
    args = parser.parse_args()
    out: dict = {"articles": args.articles}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        slice_path = tmp / "slice.jsonl"
        with gzip.open(args.corpus / "news.jsonl.gz", "rt", encoding="utf-8") as src, \
                open(slice_path, "w", encoding="utf-8") as dst:
            dst.writelines(itertools.islice(src, args.articles))
        db = Database(f"sqlite:///{tmp / 'archive.sqlite3'}")
        db.upgrade()
        ingest(db, [slice_path])
        total = count_articles(db)

        cluster = None
        solr_url = args.solr_url
        if solr_url is None:
            cluster = LocalCluster(tmp / "solr", nodes=2).start()
            out["cluster_start_s"] = round(cluster.started_in, 1)
            solr_url = cluster.solr_url
        try:
            if args.workers:
                out["builds"] = _builds(db, total, solr_url, [int(n) for n in args.workers.split(",")],
                                        cluster.proc.pid if cluster else None)
                return
            gens = SolrGenerations(SolrClient(solr_url), "bench", shards=2, replicas=2)
            started = time.perf_counter()
            report = solr_rebuild(iter_articles(db), gens, total=total)
            seconds = time.perf_counter() - started
            out["solr"] = {"seconds": round(seconds, 1), "articles_per_s": round(total / seconds, 1)}

            started = time.perf_counter()
            whoosh_rebuild(iter_articles(db), str(tmp / "index"), total=total, procs=1)
            seconds = time.perf_counter() - started
            out["whoosh"] = {"seconds": round(seconds, 1), "articles_per_s": round(total / seconds, 1)}

            out["shards"] = _shard_sizes(gens.client, report.generation)
            out["parity"] = _parity(gens.client, report.generation, tmp / "index", args.corpus)
            out["queries"] = _query_times(gens.client, "bench", args.corpus)
            out["search"] = _engines(solr_url, tmp / "index", args.corpus)
            if cluster is None:  # a cluster of the user's: leave nothing behind
                gens.client.delete_alias("bench")
                gens.client.delete_collection(report.generation)
        finally:
            if cluster:
                cluster.shutdown()
            print(json.dumps(out, ensure_ascii=False, indent=1))


def _cpu_seconds() -> float:
    return sum(resource.getrusage(who).ru_utime + resource.getrusage(who).ru_stime
               for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))


def _jvm_cpu_seconds(pid: int | None) -> float:
    """CPU seconds the local cluster's JVM has used (user + system, /proc/<pid>/stat)."""
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _builds(db: Database, total: int, solr_url: str, workers: list[int], jvm_pid: int | None) -> dict:
    """One full rebuild per worker count in the order given (a count may come back: ``1,2,1,2``
    shows what is the JVM warming up), each into an alias of its own; then every collection
    compared with the first. CPU seconds of the Python side (this process and its build workers)
    and of the local cluster's JVM."""
    out, collections = {}, []
    for i, n in enumerate(workers, 1):
        gens = SolrGenerations(SolrClient(solr_url), f"build{i}", shards=2, replicas=2)
        cpu, jvm, started = _cpu_seconds(), _jvm_cpu_seconds(jvm_pid), time.perf_counter()
        report = solr_rebuild(iter_articles(db), gens, total=total, procs=n, multiprocess_min=1)
        seconds = time.perf_counter() - started
        out[f"build{i}"] = {"workers": n, "seconds": round(seconds, 1), "articles_per_s": round(total / seconds, 1),
                            "cpu_s_python": round(_cpu_seconds() - cpu, 1),
                            "cpu_s_solr": round(_jvm_cpu_seconds(jvm_pid) - jvm, 1) if jvm_pid else None,
                            "load_average": [round(x, 1) for x in os.getloadavg()]}
        collections.append((gens.client, report.generation))
    client, first = collections[0]
    for i, (_, name) in enumerate(collections[1:], 2):
        out[f"build{i}"]["same_as_build1"] = _same_index(client, first, name)
    for client, name in collections:
        client.delete_alias(name.rsplit("_", 1)[0])
        client.delete_collection(name)
    return out


def _same_index(client: SolrClient, a: str, b: str) -> dict:
    """Both collections hold the same documents (every stored and facet field) and the same
    terms with the same document frequencies in each indexed field."""
    fields = "id,title,body,published,url,author,section,source,entities,date_precision,year,month,person,org,place"
    docs = {}
    for name in (a, b):
        docs[name], cursor = [], "*"
        while True:
            data = client.select(name, {"q": "*:*", "fl": fields, "rows": 1000, "sort": "id asc", "cursorMark": cursor})
            docs[name] += data["response"]["docs"]
            if data["nextCursorMark"] == cursor:
                break
            cursor = data["nextCursorMark"]
    out = {"documents": len(docs[a]), "same_documents": docs[a] == docs[b]}
    for field in ("title", "body", "title_exact", "body_exact"):  # (entities: in the documents above)
        terms = [client.request(f"{name}/terms", {"terms.fl": field, "terms.limit": -1, "terms.sort": "index",
                                                  "wt": "json"}, form=True)["terms"][field] for name in (a, b)]
        out[f"{field}_terms"] = len(terms[0]) // 2
        out[f"{field}_same"] = terms[0] == terms[1]
    return out


def _shard_sizes(client: SolrClient, collection: str) -> list[dict]:
    """Documents and index bytes of each replica (CoreAdmin STATUS on every node)."""
    shards = client.cluster_status()["collections"][collection]["shards"]
    out = []
    for shard_name, shard in sorted(shards.items()):
        for replica in shard["replicas"].values():
            node = SolrClient(replica["base_url"])
            index = node.request("admin/cores", {"action": "STATUS", "core": replica["core"],
                                                 "wt": "json"})["status"][replica["core"]]["index"]
            out.append({"shard": shard_name, "node": replica["node_name"], "docs": index["numDocs"],
                        "bytes": index["sizeInBytes"]})
    return out


def _topic_terms(corpus: Path) -> list[tuple[str, list[str]]]:
    topics = [json.loads(line) for line in (corpus / "trec2002_arabic_topics.jsonl").read_text(encoding="utf-8").splitlines()]
    out = [(t["id"], analyze(stemmed_analyzer(), t["title_ar"])) for t in topics]
    return [(topic, terms) for topic, terms in out if terms]


def _query_times(client: SolrClient, alias: str, corpus: Path, rounds: int = 3) -> dict:
    """Wall time over HTTP of each topic title as an OR of its stemmed terms (title boosted),
    10 hits with their stored title and body, and every facet Arshif shows (section, source,
    month, person, org, place). Not Arshif's engine: a floor for what it will ask of Solr."""
    times = []
    for _ in range(rounds):
        for _topic, terms in _topic_terms(corpus):
            q = " OR ".join(f"title:{t}^2 OR body:{t}" for t in terms)
            started = time.perf_counter()
            client.select(alias, {"q": q, "rows": 10, "fl": "id,title,body,published,section,source",
                                  "facet": "true", "facet.limit": 30, "facet.mincount": 1,
                                  "facet.field": ["section", "source", "month", "person", "org", "place"]})
            times.append(time.perf_counter() - started)
    times.sort()
    return {"count": len(times), "p50_ms": round(1000 * times[len(times) // 2], 1),
            "p95_ms": round(1000 * times[int(len(times) * 0.95)], 1)}


def _engines(solr_url: str, index_dir: Path, corpus: Path, rounds: int = 2) -> dict:
    """Arshif's own search (SearchService: plan, engine, 10 snippets, every facet) on each
    engine, over the topic titles: wall time per search (uncached) and whether totals agree."""
    from indexer.search import SearchRequest, SearchService
    from indexer.solr.engine import SolrEngine

    topics = [json.loads(line)["title_ar"] for line in
              (corpus / "trec2002_arabic_topics.jsonl").read_text(encoding="utf-8").splitlines()]
    services = {"whoosh": SearchService(str(index_dir), cache_size=0, time_limit=60, facet_time_limit=60),
                "solr": SearchService(str(index_dir), cache_size=0, time_limit=60, facet_time_limit=60,
                                      engine=SolrEngine(solr_url, "bench"))}
    out, totals = {}, {}
    for name, service in services.items():
        times = []
        for _ in range(rounds):
            for q in topics:
                started = time.perf_counter()
                result = service.search(SearchRequest(query=q))
                times.append(time.perf_counter() - started)
                totals.setdefault(name, {})[q] = result.total
        times.sort()
        out[name] = {"searches": len(times), "p50_ms": round(1000 * times[len(times) // 2], 1),
                     "p95_ms": round(1000 * times[int(len(times) * 0.95)], 1)}
        service.close()
    differ = [q for q in topics if totals["whoosh"][q] != totals["solr"][q]]
    out["totals_agree"] = f"{len(topics) - len(differ)}/{len(topics)}"
    out["totals_differ"] = [{"q": q, "whoosh": totals["whoosh"][q], "solr": totals["solr"][q]} for q in differ]
    return out


def _parity(client: SolrClient, collection: str, index_dir: Path, corpus: Path) -> dict:
    """Articles holding every stemmed term of each topic title (title or body), both indexes."""
    ix = whoosh_index.open_dir(str(IndexRoot(index_dir).current_path()))
    same, differ = 0, []
    with ix.searcher() as s:
        for topic, terms in _topic_terms(corpus):
            q = wq.And([wq.Or([wq.Term("title", t), wq.Term("body", t)]) for t in terms])
            whoosh_ids = {s.stored_fields(d)["id"] for d in q.docs(s)}
            solr_q = " AND ".join(f"(title:{t} OR body:{t})" for t in terms)
            data = client.select(collection, {"q": solr_q, "fl": "id", "rows": 5000})
            solr_ids = {d["id"] for d in data["response"]["docs"]}
            if solr_ids == whoosh_ids:
                same += 1
            else:
                differ.append({"topic": topic, "whoosh": len(whoosh_ids),
                               "solr": len(solr_ids)})
    return {"queries": same + len(differ), "same_articles": same, "differ": differ}


if __name__ == "__main__":
    main()
