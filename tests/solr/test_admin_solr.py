"""The librarians' status and rollback pages on the SolrCloud engine: they show and move the
cluster's generations (collections behind the alias), as `arshif index rollback` does, not the
unused Whoosh index folder; a cluster that does not answer leaves the status page up."""
from __future__ import annotations

import json

import pytest

from tests.conftest import build_instance
from tests.solr.test_api_solr import solr_app
from tests.web.test_admin import PASSWORD, sign_in
from tests.web.test_admin_desk import (  # noqa: F401  (collected here, against Solr)
    test_rollback_button_asks_then_switches, test_status_counts_articles_not_yet_searchable)


def _librarian(app) -> None:
    r = app.test_cli_runner().invoke(args=["user", "add", "mona", "--role", "admin", "--password-stdin"],
                                     input=PASSWORD + "\n")
    assert r.exit_code == 0, r.output


def test_status_lists_the_clusters_generations_and_rollback_moves_the_alias(solr_cluster, tmp_path):
    app = solr_app(solr_cluster, tmp_path / "instance")
    _librarian(app)
    first = app.test_client().get("/healthz").get_json()["generation"]
    result = app.test_cli_runner().invoke(args=["reindex", "--full", "--json"])
    assert result.exit_code == 0, result.output
    second = json.loads(result.output)["generation"]
    client = app.test_client()
    csrf = sign_in(client, lang="en")

    status = client.get("/admin/api/status").get_json()
    assert [(g["name"], g["serving"]) for g in status["generations"]] == [(second, True), (first, False)]
    assert all(g["bytes"] > 0 for g in status["generations"])   # the cluster's, all replicas together
    page = client.get("/admin/rollback").get_data(as_text=True)
    assert first in page and second in page

    r = client.post("/admin/rollback", data={"csrf_token": csrf})
    assert r.status_code == 303
    app.extensions["arshif.search"].engine.refresh = 0  # see the alias move at once
    assert app.test_client().get("/healthz").get_json()["generation"] == first
    assert [g["serving"] for g in client.get("/admin/api/status").get_json()["generations"]] == [False, True]


def test_an_unreachable_cluster_leaves_the_status_page_up_with_the_reason(tmp_path):
    app = build_instance(tmp_path / "instance", RATELIMIT_ENABLED=False, SEARCH_BACKEND="solr",
                         SOLR_URL="http://127.0.0.1:9/solr", SOLR_COLLECTION="nowhere")
    _librarian(app)
    client = app.test_client()
    sign_in(client, lang="en")
    r = client.get("/admin/")
    assert r.status_code == 200
    assert "no Solr node answered" in r.get_data(as_text=True)
    assert client.get("/admin/api/status").get_json()["generations"] == []


@pytest.fixture
def admin_app(solr_cluster, tmp_path):
    """The shared admin desk tests' fixture, on the cluster."""
    app = solr_app(solr_cluster, tmp_path / "instance")
    _librarian(app)
    return app


def test_status_and_index_list_name_the_collections_and_the_cluster(admin_app):
    client = admin_app.test_client()
    sign_in(client, lang="en")
    alias = admin_app.config["SOLR_COLLECTION"]
    runner = admin_app.test_cli_runner()
    assert runner.invoke(args=["reindex", "--full"]).exit_code == 0   # a second generation
    status = client.get("/admin/api/status").get_json()
    names = [g["name"] for g in status["generations"]]
    assert len(names) == 2 and all(n.startswith(alias + "_g") for n in names)
    assert status["disk"]["index"] == sum(g["bytes"] for g in status["generations"])
    assert alias in status["index_location"] and status["index_error"] is None
    assert len(status["cluster"]["live_nodes"]) == 2 and status["cluster"]["replicas_down"] == []
    page = client.get("/admin/").get_data(as_text=True)
    assert names[0] in page and names[1] in page and "2 live nodes; 0 of 4 replicas down" in page
    listing = json.loads(runner.invoke(args=["index", "list", "--json"]).output)
    assert [g["name"] for g in listing["generations"]] == names and listing["location"] == status["index_location"]
    assert listing["generations"][0]["meta"]["articles"] == 6
    text = runner.invoke(args=["index", "list"]).output
    assert f"* {names[0]}" in text and f"  {names[1]}" in text
    admin_app.config["SOLR_URL"] = "http://127.0.0.1:9/solr"   # a cluster that does not answer
    r = runner.invoke(args=["index", "list"])
    assert r.exit_code == 1 and "no Solr node answered" in r.output
