"""The bundled sample archive loads cleanly and finds what sample/README.md promises."""
from __future__ import annotations

import json

import pytest

from tests.conftest import FIXTURES, ROOT, build_instance

EXPECTATIONS = json.loads((FIXTURES / "sample_expectations.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def sample_app(tmp_path_factory):
    return build_instance(tmp_path_factory.mktemp("sample") / "instance", ROOT / "sample")


def test_sample_loads_without_rejections(tmp_path):
    from archive.db import Database
    from archive.ingest import ingest

    db = Database(f"sqlite:///{tmp_path / 'a.sqlite3'}")
    db.upgrade()
    report = ingest(db, [ROOT / "sample"])
    assert report.rejected == 0, report.rejections
    assert report.added >= 48


def test_sample_spans_sections_sources_and_years(sample_app):
    facets = sample_app.test_client().get("/api/v1/search").get_json()["facets"]
    assert len(facets["section"]) >= 4 and len(facets["source"]) >= 3 and len(facets["date"]) >= 3


@pytest.mark.parametrize("case", EXPECTATIONS, ids=[c["query"] for c in EXPECTATIONS])
def test_sample_queries_find_their_articles(sample_app, case):
    data = sample_app.test_client().get("/api/v1/search", query_string={"q": case["query"],
                                                                         "per_page": 100}).get_json()
    found = {h["id"] for h in data["hits"]}
    assert set(case["must_find"]) <= found
