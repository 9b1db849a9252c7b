"""A running app (its search service stays open, like a web worker) sees an entity merge
exactly once the reindex that follows it has finished: one entry with the union of the
articles, the merged id still finding them, counts that agree everywhere."""
from __future__ import annotations

from tests.conftest import ROOT, build_instance
from tests.counts import assert_counts_add_up


def ids(client, **params) -> list[str]:
    data = client.get("/api/v1/search", query_string={**params, "per_page": 100}).get_json()
    found = [h["id"] for h in data["hits"]]
    assert len(found) == len(set(found)) and data["total"] == len(found)
    return sorted(found)


def test_a_merge_and_the_reindex_after_it_show_together(tmp_path):
    app = build_instance(tmp_path / "instance", ROOT / "sample", RATELIMIT_ENABLED=False)
    client, runner = app.test_client(), app.test_cli_runner()
    people = client.get("/api/v1/search").get_json()["facets"]["person"]
    keep, gone = people[0]["value"], people[1]["value"]
    union = sorted(set(ids(client, person=keep)) | set(ids(client, person=gone)))
    assert len(union) > people[0]["count"]

    assert runner.invoke(args=["entities", "merge", keep, gone]).exit_code == 0
    r = runner.invoke(args=["reindex", "--json"])
    assert r.exit_code == 0, r.output

    people = {v["value"]: v["count"] for v in client.get("/api/v1/search").get_json()["facets"]["person"]}
    assert gone not in people and people[keep] == len(union)
    assert ids(client, person=keep) == ids(client, person=gone) == union
    health = client.get("/healthz").get_json()
    assert health["indexed"] == health["articles"]
    assert_counts_add_up(client)
