"""The site and the JSON API on the SolrCloud engine (SEARCH_BACKEND = "solr"), built and
reindexed through the CLI like any instance: the shared API tests (tests/web/test_api.py), the
same answers as the Whoosh engine for the same archive, and a node stopped under the API."""
from __future__ import annotations

import itertools
import json
import re

import pytest

from tests.conftest import FIXTURES, build_instance
from tests.web.test_api import (  # noqa: F401  (collected here, against Solr)
    test_article_json_and_404, test_bad_parameters_are_400_with_a_message, test_errors_in_arabic_when_asked,
    test_filters_combine_as_designed, test_over_long_query_string_is_414, test_script_in_title_is_escaped_in_json,
    test_search_document_shape, test_unknown_api_path_is_json_404)

_aliases = itertools.count(1)
QUERIES = [
    {}, {"q": "وزارة"}, {"q": "اسرائيل"}, {"q": "مسوول"}, {"q": '"خلية اتصال"'}, {"q": "مشترك*"},
    {"q": "=الشباب"}, {"q": "وزارة -الاقتصاد"}, {"q": "المنتخب OR الفائدة"}, {"q": "في"},
    {"q": "date:2018"}, {"q": "الفايدة"}, {"section": ["economy", "culture"]},
    {"section": "economy", "source": "Al Arabiya"}, {"date": "2018"}, {"date": ["2018", "2018-05"]},
    {"from": "2017", "to": "2018-03"}, {"sort": "newest"}, {"sort": "oldest", "per_page": 2, "page": 2},
    {"q": "وزارة", "sort": "oldest"},
]


def solr_app(cluster, path, **config):
    return build_instance(path, FIXTURES / "news.jsonl", RATELIMIT_ENABLED=False, SEARCH_BACKEND="solr",
                          SOLR_URL=cluster.solr_url, SOLR_COLLECTION=f"api{next(_aliases)}", **config)


@pytest.fixture(scope="module")
def news_app(solr_cluster, tmp_path_factory):
    return solr_app(solr_cluster, tmp_path_factory.mktemp("solr-news") / "instance")


@pytest.fixture(scope="module")
def whoosh_app(tmp_path_factory):
    return build_instance(tmp_path_factory.mktemp("whoosh-news") / "instance", FIXTURES / "news.jsonl",
                          RATELIMIT_ENABLED=False)


@pytest.fixture
def client(news_app):
    return news_app.test_client()


def _answer(client, params: dict) -> dict:
    """A search's JSON without what differs by nature (time taken; scores: BM25 vs BM25F)."""
    data = client.get("/api/v1/search", query_string=params).get_json()
    data.pop("took_ms")
    for hit in data["hits"]:
        hit.pop("score", None)
    return data


@pytest.mark.parametrize("params", QUERIES, ids=lambda p: json.dumps(p, ensure_ascii=False))
def test_the_same_answers_as_the_whoosh_engine(client, whoosh_app, params):
    assert _answer(client, params) == _answer(whoosh_app.test_client(), params)


def test_healthz_names_the_collection_and_the_clusters_health(client, news_app):
    data = client.get("/healthz").get_json()
    alias = news_app.config["SOLR_COLLECTION"]
    assert data["status"] == "ok" and data["articles"] == 6 and data["indexed"] == 6
    assert data["generation"].startswith(alias + "_g")
    cluster = data["cluster"]
    assert cluster["alias"] == alias and len(cluster["live_nodes"]) == 2
    assert cluster["shards"] == 2 and cluster["replicas"] == 4 and cluster["replicas_down"] == []


def _unstamped(export: bytes) -> bytes:
    return re.sub(rb'"exported_at": "[^"]*"', b'"exported_at": ""', export)


def test_exports_page_through_the_cluster_with_a_cursor(client, whoosh_app, monkeypatch):
    import indexer.solr.engine as engine

    monkeypatch.setattr(engine, "PAGE", 2)  # six articles: three cursor pages
    for fmt in ("csv", "json"):
        for sort in ("newest", "oldest"):
            url = f"/search.{fmt}?sort={sort}"
            solr = client.get(url)
            assert solr.status_code == 200
            solr_rows = solr.get_data()  # streamed: read each before the next request
            # the same rows; the JSON's exported_at is each request's own clock (it may tick between)
            assert _unstamped(solr_rows) == _unstamped(whoosh_app.test_client().get(url).get_data())
            assert len(set(re.findall(rb"t-00[1-6]", solr_rows))) == 6


def test_cli_rollback_moves_the_alias_back(solr_cluster, tmp_path):
    app = solr_app(solr_cluster, tmp_path / "instance")
    runner = app.test_cli_runner()
    first = app.test_client().get("/healthz").get_json()["generation"]
    result = runner.invoke(args=["reindex", "--full", "--json"])
    assert result.exit_code == 0, result.output
    second = json.loads(result.output)["generation"]
    assert second > first
    app.extensions["arshif.search"].engine.refresh = 0  # see the alias move at once
    assert app.test_client().get("/healthz").get_json()["generation"] == second
    result = runner.invoke(args=["index", "rollback"])
    assert result.exit_code == 0 and first in result.output
    assert app.test_client().get("/healthz").get_json()["generation"] == first


def test_an_unreachable_cluster_is_a_503_and_a_plain_cli_error(tmp_path):
    app = build_instance(tmp_path / "instance", SEARCH_BACKEND="solr", SOLR_URL="http://127.0.0.1:9/solr",
                         SOLR_COLLECTION="nowhere")
    r = app.test_client().get("/api/v1/search?q=وزارة")
    assert r.status_code == 503 and "does not answer" in r.get_json()["error"]
    result = app.test_cli_runner().invoke(args=["reindex", "--full"])
    assert result.exit_code != 0 and "no Solr node answered" in result.output


def test_every_search_answers_with_a_node_down_and_a_write_made_then_is_kept(solr_cluster, tmp_path):
    app = solr_app(solr_cluster, tmp_path / "instance")
    app.extensions["arshif.search"].engine.refresh = 0
    client = app.test_client()
    before = {json.dumps(p): _answer(client, p) for p in QUERIES}
    solr_cluster.stop_node(2)
    try:
        health = client.get("/healthz").get_json()["cluster"]
        assert len(health["live_nodes"]) == 1 and len(health["replicas_down"]) == 2
        for p in QUERIES:  # every search, every article, the same answer
            assert _answer(client, p) == before[json.dumps(p)], p
        record = {"id": "t-down", "title": "خبر كتب والعقدة متوقفة", "body": "نص الخبر عن كسوف تجريبي",
                  "date": "2020-01-01T10:00:00Z", "section": "culture", "source": "Al Arabiya"}
        path = tmp_path / "new.jsonl"
        path.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
        runner = app.test_cli_runner()
        assert runner.invoke(args=["ingest", str(path), "--no-reindex"]).exit_code == 0
        result = runner.invoke(args=["reindex", "--json"])
        assert result.exit_code == 0, result.output
        assert json.loads(result.output)["articles"] == 1
        assert [h["id"] for h in _answer(client, {"q": "كسوف"})["hits"]] == ["t-down"]
    finally:
        solr_cluster.start_node(2)
    from tests.solr.test_cluster import _wait_for
    _wait_for(lambda: not client.get("/healthz").get_json()["cluster"]["replicas_down"], what="node 2's recovery")
    assert [h["id"] for h in _answer(client, {"q": "كسوف"})["hits"]] == ["t-down"]
    assert _answer(client, {})["total"] == 7
