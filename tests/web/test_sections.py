"""Sections named by librarians: labels in Arabic and English from the CLI and the admin page,
shown in facets, hits, article pages, CSV, JSON and Atom; ``section:`` takes the code or a label."""
from __future__ import annotations

import csv
import io
import json

import pytest

from indexer.query import replace_filter_values
from tests.conftest import FIXTURES, build_instance
from tests.web.test_admin import PASSWORD


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    app = build_instance(tmp_path_factory.mktemp("sections") / "instance", FIXTURES / "news.jsonl",
                         RATELIMIT_ENABLED=False)
    runner = app.test_cli_runner()
    r = runner.invoke(args=["sections", "label", "politic", "--ar", "سياسة", "--en", "Politics"])
    assert r.exit_code == 0, r.output
    return app


def ids(client, url: str) -> set[str]:
    return {h["id"] for h in client.get(url).get_json()["hits"]}


def test_cli_lists_and_labels_sections(app):
    runner = app.test_cli_runner()
    rows = json.loads(runner.invoke(args=["sections", "list", "--json"]).output)
    by_code = {r["code"]: r for r in rows}
    assert by_code["politic"] == {"code": "politic", "label_ar": "سياسة", "label_en": "Politics", "articles": 2}
    assert by_code["sport"]["label_ar"] is None and set(by_code) == {"politic", "economy", "sport", "culture"}
    assert "politic\tسياسة\tPolitics\t2" in runner.invoke(args=["sections", "list"]).output
    for args, message in ((["label", "nosuch", "--ar", "س"], "there is no section with the code nosuch"),
                          (["label", "sport", "--en", "politics"], "already names the section politic"),
                          (["label", "sport", "--ar", "economy"], "already names the section economy"),
                          (["label", "sport"], "give --ar, --en or both")):
        r = runner.invoke(args=["sections", *args])
        assert r.exit_code != 0 and message in r.output, r.output


def test_section_filter_takes_the_code_or_either_label(app):
    c = app.test_client()
    expected = ids(c, "/api/v1/search?section=politic")
    assert expected == {"t-001", "t-004"}
    for q in ("section:politic", "section:سياسة", "section:Politics", "section:POLITICS", 'section:"سياسة"'):
        assert ids(c, "/api/v1/search?q=" + q) == expected, q
    assert ids(c, "/api/v1/search?section=سياسة") == expected
    assert ids(c, "/api/v1/search?q=-section:سياسة") == {"t-002", "t-003", "t-005", "t-006"}
    assert ids(c, "/api/v1/search?q=section:رياضة") == set()     # a label nobody gave: nothing, no error


def test_labels_in_facets_hits_and_article_pages(app):
    c = app.test_client()
    ar = c.get("/search?q=section:سياسة").get_data(as_text=True)
    assert 'value="section:سياسة"' in ar                      # the query stays as the reader typed it
    assert 'data-value="politic"><bdi>سياسة</bdi>' in ar and "<bdi>politic</bdi>" not in ar
    assert " · <bdi>سياسة</bdi>" in ar
    en = c.get("/search?q=section:Politics&lang=en").get_data(as_text=True)
    assert 'data-value="politic"><bdi>Politics</bdi>' in en
    assert 'data-value="sport"><bdi>sport</bdi>' in c.get("/search?lang=en").get_data(as_text=True)  # no label
    assert "<bdi>سياسة</bdi>" in c.get("/article/t-001?lang=ar").get_data(as_text=True)
    assert "<bdi>Politics</bdi>" in c.get("/article/t-001?lang=en").get_data(as_text=True)
    facets = c.get("/api/v1/search?lang=ar").get_json()["facets"]["section"]
    assert {v["value"]: v["label"] for v in facets}["politic"] == "سياسة"


def test_labels_in_csv_json_and_atom(app):
    c = app.test_client()
    rows = list(csv.DictReader(io.StringIO(c.get("/search.csv?section=politic").get_data(as_text=True).lstrip("\ufeff"))))
    assert {(r["section"], r["section_label"]) for r in rows} == {("politic", "سياسة")}
    hits = json.loads(c.get("/search.json?section=سياسة").get_data(as_text=True))["hits"]
    assert {(h["section"], h["section_label"]) for h in hits} == {("politic", "سياسة")}
    atom = c.get("/search.atom?section=politic").get_data(as_text=True)
    assert '<category term="politic" label="سياسة"/>' in atom


def test_admin_page_names_sections(tmp_path):
    app = build_instance(tmp_path / "instance", FIXTURES / "news.jsonl", RATELIMIT_ENABLED=False)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["user", "add", "mona", "--password-stdin"], input=PASSWORD + "\n").exit_code == 0
    from tests.web.test_admin import sign_in
    client = app.test_client()
    csrf = sign_in(client)
    page = client.get("/admin/sections").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in page and 'value="economy"' in page and "التسمية العربية" in page
    r = client.post("/admin/sections", data={"code": "economy", "label_ar": "اقتصاد", "label_en": "Economy",
                                             "csrf_token": csrf})
    assert r.status_code == 303
    page = client.get("/admin/sections").get_data(as_text=True)
    assert 'value="اقتصاد"' in page and "حُفظت تسميات economy" in page
    assert "<bdi>اقتصاد</bdi>" in client.get("/article/t-002").get_data(as_text=True)
    r = client.post("/admin/sections", data={"code": "sport", "label_ar": "اقتصاد", "label_en": "",
                                             "csrf_token": csrf})
    assert r.status_code == 400 and "«اقتصاد» يسمّي القسم economy" in r.get_data(as_text=True)
    r = client.post("/admin/sections", data={"code": "sport", "label_ar": "رياضة"})   # no CSRF token
    assert r.status_code == 400
    assert json.loads(runner.invoke(args=["sections", "list", "--json"]).output)[-1]["label_ar"] is None


def test_labels_are_cached_per_worker_and_a_relabel_shows(tmp_path):
    """No SQL per request for the labels: a change written by another process shows after
    SECTION_LABELS_TTL seconds; a relabel made in this process shows at once."""
    from sqlalchemy import update

    from archive.db import Database
    from archive.models import Section
    from archive.sections import set_labels

    app = build_instance(tmp_path / "instance", FIXTURES / "news.jsonl", RATELIMIT_ENABLED=False,
                         SECTION_LABELS_TTL=60)
    cache = app.extensions["arshif.section_labels"]
    now = [1000.0]
    cache.clock = lambda: now[0]
    client = app.test_client()

    def label(code: str) -> str:
        facets = client.get("/api/v1/search?lang=en").get_json()["facets"]["section"]
        return {v["value"]: v["label"] for v in facets}[code]

    assert label("sport") == "sport"
    other = Database(app.config["DATABASE_URL"])  # another worker, or the CLI, in its own process
    with other.session() as s:
        s.execute(update(Section).where(Section.code == "sport").values(label_en="Sport"))
    other.dispose()
    now[0] += 59
    assert label("sport") == "sport"                 # kept: no query while the table is fresh
    now[0] += 2
    assert label("sport") == "Sport"                 # read again after the TTL
    set_labels(Database(app.config["DATABASE_URL"]), "sport", label_en="Sports")
    assert label("sport") == "Sports"                # a relabel in this process: at once
    assert ids(client, "/api/v1/search?q=section:Sports") == ids(client, "/api/v1/search?section=sport")


@pytest.mark.parametrize("q, expected", [
    ("section:سياسة", "section:politic"),
    ("وزارة section:سياسة -section:Politics", "وزارة section:politic -section:politic"),
    ('section:"أخبار محلية" title:x', 'section:local title:x'),
    ("section:رياضة", "section:رياضة"),
    ("source:سياسة", "source:سياسة"),
    ('"خلية اتصال', '"خلية اتصال'),                     # does not parse: left for the search to report
])
def test_replace_filter_values(q, expected):
    mapping = {"سياسة": "politic", "Politics": "politic", "أخبار محلية": "local"}
    assert replace_filter_values(q, "section", lambda v: mapping.get(v, v)) == expected


def test_a_code_with_spaces_is_quoted():
    assert replace_filter_values("section:x", "section", lambda v: "اخبار وتقارير") == 'section:"اخبار وتقارير"'
