"""Hostile input that reached the pages before: non-http "original article" links, the Host
header in absolute links, and a 405 that did not say which methods are allowed."""
from __future__ import annotations

import xml.etree.ElementTree as ET

from sqlalchemy import update

from archive.models import Article
from tests.conftest import FIXTURES, build_instance

ATOM = "{http://www.w3.org/2005/Atom}"


def test_a_stored_javascript_url_is_shown_as_text_never_linked(tmp_path):
    """Ingest refuses such URLs now (tests/archive/test_ingest.py); an archive loaded before
    may still hold one."""
    app = build_instance(tmp_path / "instance", FIXTURES / "news.jsonl", RATELIMIT_ENABLED=False)
    with app.extensions["arshif.db"].session() as s:
        s.execute(update(Article).where(Article.id.in_(["t-001", "t-004"]))
                  .values(url="javascript:alert(document.cookie)"))
    assert app.test_cli_runner().invoke(args=["reindex", "--full"]).exit_code == 0
    client = app.test_client()
    page = client.get("/article/t-001").get_data(as_text=True)
    assert 'href="javascript:' not in page
    assert "javascript:alert(document.cookie)</bdi>" in page  # shown, as text
    feed = ET.fromstring(client.get("/search.atom?q=اسرائيل").get_data())
    entries = feed.findall(f"{ATOM}entry")
    assert entries and not [link for e in entries for link in e.findall(f"{ATOM}link[@rel='via']")]


def test_method_not_allowed_says_which_methods_are(client):
    for path in ("/api/v1/search", "/search", "/healthz"):
        r = client.post(path)
        assert r.status_code == 405, path
        assert set(r.headers["Allow"].split(", ")) >= {"GET", "HEAD"}, path


EVIL = {"Host": "evil.example"}


def test_a_forged_host_header_never_gets_into_links(news_app, caplog):
    """Without PUBLIC_URL only this machine's names are answered; the others get 400 (and the
    operator a log line that says what to set)."""
    client = news_app.test_client()
    for path in ("/opensearch.xml", "/search.atom?q=اسرائيل", "/article/t-001", "/api/v1/openapi.json"):
        r = client.get(path, headers=EVIL)
        assert r.status_code == 400 and "evil.example" not in r.get_data(as_text=True), path
    assert "refused a request for host 'evil.example': set PUBLIC_URL or TRUSTED_HOSTS" in caplog.text
    assert "http://localhost/search?q={searchTerms}" in client.get("/opensearch.xml").get_data(as_text=True)


def test_with_public_url_links_use_it_whatever_the_host(tmp_path):
    app = build_instance(tmp_path / "instance", FIXTURES / "news.jsonl", RATELIMIT_ENABLED=False,
                         PUBLIC_URL="https://archive.example.org/")
    client = app.test_client()
    pages = {path: client.get(path, headers=EVIL) for path in
             ("/opensearch.xml", "/search.atom?q=اسرائيل", "/article/t-001", "/search?q=اسرائيل",
              "/api/v1/openapi.json", "/api")}
    for path, r in pages.items():
        text = r.get_data(as_text=True)
        assert r.status_code == 200 and "evil.example" not in text, path
        assert "https://archive.example.org/" in text, path
    feed = ET.fromstring(pages["/search.atom?q=اسرائيل"].get_data())
    assert feed.find(f"{ATOM}id").text.startswith("https://archive.example.org/search.atom?q=")
    assert all(e.find(f"{ATOM}id").text.startswith("https://archive.example.org/article/")
               for e in feed.findall(f"{ATOM}entry"))
    assert pages["/api/v1/openapi.json"].get_json()["servers"] == [{"url": "https://archive.example.org/"}]
