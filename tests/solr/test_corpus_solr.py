"""A slice of the real corpus (../shared/corpus) on the 2-node cluster, beside Whoosh: every
article is indexed, and Arshif's own search (plan, spelling alternatives, facets) answers the
TREC 2002 topic titles and each of their words with the same totals and the same facet counts on both engines."""
from __future__ import annotations

import gzip
import itertools
import json

import pytest

from archive.db import Database
from archive.ingest import ingest
from archive.store import count_articles, iter_articles
from indexer.build import full_rebuild as whoosh_rebuild
from indexer.search import SearchRequest, SearchService
from indexer.solr.build import full_rebuild
from indexer.solr.client import SolrClient
from indexer.solr.engine import SolrEngine
from indexer.solr.generations import SolrGenerations

ARTICLES = 300


@pytest.mark.corpus
def test_a_corpus_slice_is_indexed_whole_and_searched_as_on_whoosh(solr_cluster, shared_dir, tmp_path):
    corpus = shared_dir / "corpus"
    with gzip.open(corpus / "news.jsonl.gz", "rt", encoding="utf-8") as src:
        (tmp_path / "slice.jsonl").write_text("".join(itertools.islice(src, ARTICLES)), encoding="utf-8")
    db = Database(f"sqlite:///{tmp_path / 'archive.sqlite3'}")
    db.upgrade()
    ingest(db, [tmp_path / "slice.jsonl"])
    total = count_articles(db)
    assert total >= ARTICLES * 0.95  # a few corpus records may be rejected; the rest is the archive
    gens = SolrGenerations(SolrClient(solr_cluster.solr_url), "corpus", shards=2, replicas=2)
    report = full_rebuild(iter_articles(db), gens, total=total)
    assert report.articles == total and gens.client.count("corpus") == total
    whoosh_rebuild(iter_articles(db), str(tmp_path / "index"), total=total)

    titles = [json.loads(line)["title_ar"] for line in
              (corpus / "trec2002_arabic_topics.jsonl").read_text(encoding="utf-8").splitlines()]
    queries = titles + sorted({w for t in titles for w in t.split()})  # each title, then each of its words
    engines = {"whoosh": SearchService(str(tmp_path / "index"), cache_size=0),
               "solr": SearchService(str(tmp_path / "index"), cache_size=0,
                                     engine=SolrEngine(solr_cluster.solr_url, "corpus"))}
    try:
        found = 0
        for q in queries:
            answers = {name: service.search(SearchRequest(query=q)) for name, service in engines.items()}
            w, s = answers["whoosh"], answers["solr"]
            assert s.total == w.total, q
            assert {f: [(v.value, v.count) for v in w.facets[f].values] for f in w.facets} == \
                   {f: [(v.value, v.count) for v in s.facets[f].values] for f in s.facets}, q
            found += w.total > 0
        assert found >= len(queries) // 3  # most words of the topics are in the slice
    finally:
        for service in engines.values():
            service.close()
        db.dispose()
