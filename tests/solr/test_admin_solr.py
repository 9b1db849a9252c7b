"""The librarians' status and rollback pages on the SolrCloud engine: they show and move the
cluster's generations (collections behind the alias), as `arshif index rollback` does, not the
unused Whoosh index folder; a cluster that does not answer leaves the status page up."""
from __future__ import annotations

import json

from tests.conftest import build_instance
from tests.solr.test_api_solr import solr_app
from tests.web.test_admin import PASSWORD, sign_in


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
    assert all(g["bytes"] is None for g in status["generations"])   # on the cluster, not on this disk
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
