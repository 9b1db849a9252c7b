"""The first 2,000 articles of the real corpus (../shared/corpus), end to end through the CLI."""
from __future__ import annotations

import gzip
import itertools
import json

import pytest

from tests.conftest import build_instance


@pytest.fixture(scope="module")
def corpus_app(shared_dir, tmp_path_factory):
    root = tmp_path_factory.mktemp("corpus")
    path = root / "first2000.jsonl"
    with gzip.open(shared_dir / "corpus" / "news.jsonl.gz", "rt", encoding="utf-8") as src, \
            open(path, "w", encoding="utf-8") as dst:
        dst.writelines(itertools.islice(src, 2000))
    return build_instance(root / "instance", path)


def test_corpus_slice_totals(corpus_app):
    client = corpus_app.test_client()
    health = client.get("/healthz").get_json()
    assert health["articles"] == 2000 and health["indexed"] == 2000
    data = client.get("/api/v1/search?per_page=1").get_json()
    assert data["total"] == 2000
    assert sum(v["count"] for v in data["facets"]["section"]) == 2000
    assert sum(v["count"] for v in data["facets"]["date"]) == 2000


def test_corpus_known_query_and_its_variants(corpus_app):
    client = corpus_app.test_client()
    plain = client.get("/api/v1/search?q=إسرائيل&per_page=100").get_json()
    assert plain["total"] > 50
    for variant in ("اسرائيل", "إسْرائيل", "إســرائيل", "ﺇﺳﺮﺍﺋﻴﻞ"):
        data = client.get("/api/v1/search", query_string={"q": variant, "per_page": 100}).get_json()
        assert data["total"] == plain["total"], variant
    marked = [h for h in plain["hits"] if "<mark>" in h["snippet_html"]]
    assert len(marked) == len(plain["hits"])


def test_corpus_reingest_adds_nothing(corpus_app, tmp_path):
    runner = corpus_app.test_cli_runner()
    path = next((p for p in (corpus_app.instance_path + "/../first2000.jsonl",)), None)
    r = runner.invoke(args=["ingest", path, "--json"])
    report = json.loads(r.stdout)
    assert report["read"] == 2000 and report["added"] == 0 and report["unchanged"] == 2000


def test_corpus_numpy_path_matches_whoosh(corpus_app):
    from indexer.search import SearchRequest, SearchService

    root = corpus_app.config["INDEX_DIR"]
    limits = {"time_limit": 60.0, "facet_time_limit": 60.0}  # counts, not speed (see tests/conftest.py make_app)
    fast = SearchService(root, cache_size=0, **limits)
    slow = SearchService(root, cache_size=0, fast=False, **limits)
    try:
        for q in ("الحكومة", "إسرائيل سوريا", "كرة القدم", "الرئيس الأمريكي ترامب", "تونس"):
            a, b = fast.search(SearchRequest(query=q)), slow.search(SearchRequest(query=q))
            assert a.total == b.total and a.facets == b.facets, q
            assert [h.score for h in a.hits] == [h.score for h in b.hits], q
    finally:
        fast.close(), slow.close()


@pytest.mark.parametrize("params", [{}, {"q": "الحكومة"}, {"q": "إسرائيل", "section": None}],
                         ids=["all", "query", "query-section"])
def test_corpus_counts_add_up(corpus_app, params):
    from tests.counts import assert_counts_add_up

    client = corpus_app.test_client()
    if "section" in params:  # the query's most frequent section
        facet = client.get("/api/v1/search", query_string={"q": params["q"]}).get_json()["facets"]["section"]
        params = {**params, "section": facet[0]["value"]}
    data = assert_counts_add_up(client, **params)
    assert data["total"] > 0 and any(data["facets"][k] for k in ("person", "org", "place"))
