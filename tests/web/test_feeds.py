"""Journalist tools: CSV/JSON exports of a search, its Atom feed, OpenSearch, the OpenAPI document."""
from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

import pytest

from web.feeds import safe_cell

ATOM = "{http://www.w3.org/2005/Atom}"


def _csv(response) -> list[dict]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")  # Excel needs the BOM to read UTF-8 Arabic
    return list(csv.DictReader(io.StringIO(text[1:])))


def test_csv_export_has_the_search_results(client):
    r = client.get("/search.csv", query_string={"q": "اسرائيل", "sort": "newest"})
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert r.headers["Content-Disposition"].startswith("attachment; filename=")
    rows = _csv(r)
    assert [row["id"] for row in rows] == ["t-001", "t-004"]  # newest first, as asked
    first = rows[0]
    assert first["title"] == "إسرائيل وسوريا تتفقان على خلية اتصال مشتركة"
    assert first["date"] == "2018-03-04T07:20:00Z" and first["source"] == "Al Arabiya"
    assert first["permalink"] == "http://localhost/article/t-001"


def test_csv_export_applies_filters_and_ignores_paging(client):
    rows = _csv(client.get("/search.csv?section=economy&section=culture&per_page=1&page=2"))
    assert sorted(r["id"] for r in rows) == ["t-002", "t-005", "t-006"]


def test_export_is_capped_at_the_configured_rows(news_app):
    news_app.config["EXPORT_MAX_ROWS"] = 2
    try:
        assert len(_csv(news_app.test_client().get("/search.csv"))) == 2
        data = json.loads(news_app.test_client().get("/search.json").get_data(as_text=True))
        assert data["count"] == 2 and data["limit"] == 2
    finally:
        news_app.config["EXPORT_MAX_ROWS"] = 10_000


@pytest.mark.parametrize("cell, safe", [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"), ("+1", "'+1"), ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"), ("\t=1", "'\t=1"), ("عنوان = 1", "عنوان = 1"), (None, ""),
])
def test_csv_cells_are_safe_against_formula_injection(cell, safe):
    assert safe_cell(cell) == safe


def test_csv_export_escapes_a_formula_title(client):
    rows = _csv(client.get("/search.csv", query_string={"q": "تجريبي"}))
    assert rows[0]["title"].startswith("<script>")  # plain text kept as it is: not a formula
    assert all(not v.startswith(("=", "+", "@")) for row in rows for v in row.values())


def test_json_export_is_streamed_and_valid(client):
    r = client.get("/search.json", query_string={"q": "وزارة"})
    assert r.status_code == 200 and r.is_streamed and r.mimetype == "application/json"
    data = json.loads(r.get_data(as_text=True))
    assert data["query"] == "وزارة" and data["count"] == len(data["hits"]) == 2
    assert {h["id"] for h in data["hits"]} == {"t-001", "t-006"}
    assert set(data["hits"][0]) == {"id", "title", "url", "date", "date_precision", "section", "section_label", "source",
                                    "author", "snippet",
                                    "permalink", "entities"}


def test_export_of_a_bad_query_is_400_before_streaming(client):
    for ext in ("csv", "json", "atom"):
        r = client.get(f"/search.{ext}?q=%22abc")
        assert r.status_code == 400 and "quotation" in r.get_json()["error"]
        assert client.get(f"/search.{ext}?page=x").status_code == 400


def test_export_with_no_match_is_empty_not_an_error(client):
    assert _csv(client.get("/search.csv?q=كلمةغيرموجودةابدا")) == []
    data = json.loads(client.get("/search.json?q=كلمةغيرموجودةابدا").get_data(as_text=True))
    assert data["hits"] == [] and data["count"] == 0


def test_atom_feed_is_valid_and_newest_first(client):
    r = client.get("/search.atom", query_string={"q": "اسرائيل", "sort": "oldest"})
    assert r.status_code == 200 and r.mimetype == "application/atom+xml"
    feed = ET.fromstring(r.data)
    assert feed.tag == f"{ATOM}feed"
    assert feed.find(f"{ATOM}id").text == "http://localhost/search.atom?q=%D8%A7%D8%B3%D8%B1%D8%A7%D8%A6%D9%8A%D9%84"
    assert feed.find(f"{ATOM}updated").text == "2018-03-04T07:20:00Z"
    assert feed.find(f"{ATOM}author/{ATOM}name").text
    links = {l.get("rel"): l.get("href") for l in feed.findall(f"{ATOM}link")}
    assert links["alternate"].startswith("http://localhost/search?q=")
    entries = feed.findall(f"{ATOM}entry")
    assert [e.find(f"{ATOM}id").text for e in entries] == ["http://localhost/article/t-001",
                                                           "http://localhost/article/t-004"]  # newest first
    for e in entries:
        for tag in ("title", "updated", "summary"):
            assert e.find(f"{ATOM}{tag}").text, tag
        assert e.find(f"{ATOM}link[@rel='alternate']").get("href").startswith("http://localhost/article/")
    # The <script> title is text in the feed, not markup.
    assert entries[1].find(f"{ATOM}title").text.startswith("<script>")
    assert "<script>" not in r.get_data(as_text=True)


def test_search_page_links_its_permalink_feed_and_exports(client):
    html = client.get("/search?q=وزارة&section=economy").get_data(as_text=True)
    assert 'rel="alternate" type="application/atom+xml"' in html
    assert 'href="/search.csv?q=%D9%88%D8%B2%D8%A7%D8%B1%D8%A9&amp;section=economy"' in html
    assert 'href="/search.json?q=' in html and 'href="/search.atom?q=' in html
    assert 'rel="bookmark"' in html
    assert 'rel="search" type="application/opensearchdescription+xml"' in html


def test_opensearch_description(client):
    r = client.get("/opensearch.xml")
    assert r.mimetype == "application/opensearchdescription+xml"
    doc = ET.fromstring(r.data)
    ns = "{http://a9.com/-/spec/opensearch/1.1/}"
    assert doc.find(f"{ns}ShortName").text == "أرشيف"
    templates = {u.get("type"): u.get("template") for u in doc.findall(f"{ns}Url")}
    assert templates["text/html"] == "http://localhost/search?q={searchTerms}"
    assert templates["application/atom+xml"] == "http://localhost/search.atom?q={searchTerms}"
    assert doc.find(f"{ns}Description").text == "أرشيف قابل للبحث للأخبار العربية"
    assert doc.find(f"{ns}Language").text == "ar"


def test_opensearch_description_in_english(client):
    doc = ET.fromstring(client.get("/opensearch.xml?lang=en").data)
    ns = "{http://a9.com/-/spec/opensearch/1.1/}"
    assert doc.find(f"{ns}ShortName").text == "Arshif" and doc.find(f"{ns}Language").text == "en"
    assert doc.find(f"{ns}Description").text == "A searchable archive of Arabic news"
    templates = {u.get("type"): u.get("template") for u in doc.findall(f"{ns}Url")}
    assert templates["text/html"] == "http://localhost/search?q={searchTerms}&lang=en"   # lands in English
    assert 'href="/opensearch.xml?lang=en"' in client.get("/search?lang=en").get_data(as_text=True)
    assert 'href="/opensearch.xml"' in client.get("/search?lang=ar").get_data(as_text=True)


def test_feed_title_in_the_readers_language_with_the_query_escaped_once(client):
    ar = client.get("/search.atom?q=وزارة&lang=ar").get_data(as_text=True)
    assert '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="ar">' in ar and "<title type=\"text\">أرشيف: وزارة</title>" in ar
    en = client.get("/search.atom?q=وزارة %26 <b>&lang=en").get_data(as_text=True)
    assert "<title type=\"text\">Arshif: وزارة &amp; &lt;b&gt;</title>" in en
    assert "Arshif: latest articles" in client.get("/search.atom?lang=en").get_data(as_text=True)


def test_exports_carry_author_and_snippet(tmp_path):
    from tests.conftest import ROOT, build_instance
    app = build_instance(tmp_path / "instance", ROOT / "sample", RATELIMIT_ENABLED=False)
    c = app.test_client()
    rows = _csv(c.get("/search.csv?q=الموصل"))
    assert rows and all("الموصل" in r["snippet"] and "<mark>" not in r["snippet"] for r in rows)
    assert any(r["author"] for r in rows)
    hits = json.loads(c.get("/search.json?q=الموصل").get_data(as_text=True))["hits"]
    assert [(h["id"], h["author"] or "", h["snippet"]) for h in hits] == [(r["id"], r["author"], r["snippet"]) for r in rows]
