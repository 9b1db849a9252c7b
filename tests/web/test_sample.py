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


def test_did_you_mean_offers_the_frequent_spelling(sample_app):
    client = sample_app.test_client()
    data = client.get("/api/v1/search", query_string={"q": "العراك"}).get_json()
    assert data["total"] < 3 and data["suggestion"] == "العراق"
    html = client.get("/search", query_string={"q": "العراك"}).get_data(as_text=True)
    assert "هل تقصد" in html and "العراق" in html
    assert client.get("/api/v1/search", query_string={"q": "العراق"}).get_json()["suggestion"] is None


def test_article_page_lists_related_articles(sample_app):
    client = sample_app.test_client()
    some_id = client.get("/api/v1/search?q=العراق").get_json()["hits"][0]["id"]
    html = client.get(f"/article/{some_id}").get_data(as_text=True)
    assert "مقالات ذات صلة" in html and html.count('href="/article/') >= 2


@pytest.mark.parametrize("params", [{}, {"q": "بغداد"}, {"section": "politic"}, {"sort": "newest", "q": "الحكومة"}],
                         ids=["all", "query", "section", "query-newest"])
def test_sample_counts_add_up(sample_app, params):
    from tests.counts import assert_counts_add_up

    data = assert_counts_add_up(sample_app.test_client(), **params)
    assert data["total"] > 0
