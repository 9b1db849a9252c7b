"""The JSON API and /healthz, as DESIGN.md specifies them."""
from __future__ import annotations


import pytest

from tests.conftest import make_app

HIT_KEYS = ["id", "title", "title_html", "url", "date", "section", "source", "snippet_html", "entities"]
TOP_KEYS = ["query", "total", "page", "per_page", "took_ms", "hits", "facets", "expanded", "notices",
            "suggestion"]


def test_search_document_shape(client):
    r = client.get("/api/v1/search", query_string={"q": "اسرائيل", "per_page": 5})
    assert r.status_code == 200 and r.mimetype == "application/json"
    data = r.get_json()
    assert list(data) == TOP_KEYS
    assert data["query"] == "اسرائيل" and data["total"] == 2 and data["per_page"] == 5
    assert list(data["hits"][0]) == HIT_KEYS
    assert list(data["facets"]) == ["section", "source", "person", "org", "place", "date"]
    assert all(set(v) == {"value", "label", "count", "selected"} for f in data["facets"].values() for v in f)
    hit = next(h for h in data["hits"] if h["id"] == "t-001")
    assert hit["date"] == "2018-03-04T07:20:00Z"
    assert "<mark>إسرائيل</mark>" in hit["title_html"]
    assert "إسرائيل" in r.get_data(as_text=True)  # UTF-8, not \u escapes


def test_filters_combine_as_designed(client):
    data = client.get("/api/v1/search?section=economy&section=culture&source=Al%20Arabiya").get_json()
    assert sorted(h["id"] for h in data["hits"]) == ["t-005", "t-006"]
    sections = {f["value"]: f["count"] for f in data["facets"]["section"]}
    assert sections == {"economy": 1, "culture": 1, "politic": 1}  # source applied, section not


@pytest.mark.parametrize("query, word", [
    ("page=abc", "page"), ("page=-1", "page"), ("per_page=0", "per_page"), ("per_page=101", "per_page"),
    ("sort=best", "sort"), ("date=18", "date"), ("from=2018-02-30", "from"), ("q=%22abc", "quotation"),
    ("page=1&page=2", "page"),
])
def test_bad_parameters_are_400_with_a_message(client, query, word):
    r = client.get("/api/v1/search?" + query)
    assert r.status_code == 400
    assert word in r.get_json()["error"]


def test_errors_in_arabic_when_asked(client):
    r = client.get("/api/v1/search?page=abc", headers={"Accept-Language": "ar"})
    assert r.status_code == 400 and "عدد" in r.get_json()["error"]


def test_script_in_title_is_escaped_in_json(client):
    data = client.get("/api/v1/search?q=تجريبي").get_json()
    hit = data["hits"][0]
    assert hit["title"] == "<script>alert('x')</script> عنوان تجريبي"  # the plain field is plain text
    assert "<script>" not in hit["title_html"] and "&lt;script&gt;" in hit["title_html"]
    assert "<b>" not in hit["snippet_html"]


def test_article_json_and_404(client):
    data = client.get("/api/v1/articles/t-003").get_json()
    assert data["title"] == "المنتخب يفوز في مباراة ودية"
    assert data["date_precision"] == "day" and data["url"] is None and data["section"] == "sport"
    r = client.get("/api/v1/articles/nope")
    assert r.status_code == 404 and "nope" in r.get_json()["error"]


def test_healthz(client, news_app):
    data = client.get("/healthz").get_json()
    assert data["status"] == "ok" and data["articles"] == 6 and data["indexed"] == 6
    assert data["generation"].startswith("g")


def test_no_index_yet_is_503_not_500(tmp_path):
    app = make_app(tmp_path / "instance")
    app.test_cli_runner().invoke(args=["init"])
    r = app.test_client().get("/api/v1/search?q=x")
    assert r.status_code == 503 and "reindex" in r.get_json()["error"]
    assert app.test_client().get("/healthz").get_json()["generation"] == ""


def test_unknown_api_path_is_json_404(client):
    r = client.get("/api/v1/nothing")
    assert r.status_code == 404 and r.get_json()["error"]


def test_over_long_query_string_is_414(client):
    r = client.get("/api/v1/search?q=" + "ا" * 9000)
    assert r.status_code == 414 and r.get_json()["error"]


def test_search_timeout_is_503_with_a_message(tmp_path):
    from tests.conftest import FIXTURES, build_instance

    app = build_instance(tmp_path / "instance", FIXTURES / "news.jsonl", SEARCH_TIME_LIMIT=0.0)
    r = app.test_client().get("/api/v1/search?q=وزارة")
    assert r.status_code == 503 and "too long" in r.get_json()["error"]
    r = app.test_client().get("/search?q=وزارة")
    assert r.status_code == 503 and "طويلًا" in r.get_data(as_text=True)
