"""The journalist's desk on the search and article pages: date fields, the filters in use,
advice when nothing is found, the way back to the results with the words marked, bylines,
citations, the help page, and that every example in the help and the README finds something."""
from __future__ import annotations

import re
import shlex
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from markupsafe import escape

from tests.conftest import ROOT, build_instance
from web.search import HELP_EXAMPLES, latin_only


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    return build_instance(tmp_path_factory.mktemp("desk") / "instance", ROOT / "sample", RATELIMIT_ENABLED=False)


def test_date_fields_and_the_filters_in_use(client):
    html = client.get("/search?q=وزارة&from=2018-01-01&to=2018&section=economy&lang=ar").get_data(as_text=True)
    assert 'name="from" type="date"\n           value="2018-01-01"' in html
    assert 'name="to" type="text"\n           value="2018"' in html            # a year stays as typed
    row = html[html.index('class="active-filters"'):html.index("</ul>", html.index('class="active-filters"'))]
    assert "<bdi>economy</bdi>" in row and "<bdi>2018-01-01</bdi>" in row and "<bdi>2018</bdi>" in row
    removes = [unescape(u) for u in re.findall(r'<a href="([^"]+)" class="remove"', row)]
    assert len(removes) == 3
    assert "section=economy" not in removes[0] and "from=2018-01-01" in removes[0]
    assert "from=" not in removes[1] and "to=2018" in removes[1] and "section=economy" in removes[1]
    assert "(0 ms)" not in html and " ms)" not in html                          # no timings for the public


def test_nothing_found_hides_the_tools_and_gives_fitting_advice(client):
    html = client.get('/search?q="كلمة نادرة جدا"&section=economy&lang=en').get_data(as_text=True)
    assert "Nothing found." in html and "Export CSV" not in html and "Most relevant" not in html
    assert "Remove some filters" in html and "without the quotation marks" in html and "fewer words" in html
    assert 'href="/help?lang=en"' in html
    html = client.get("/search?q=كلمةغيرموجودةابدا&lang=en").get_data(as_text=True)
    assert "Check the spelling" in html and "Remove some filters" not in html


def test_latin_letters_get_a_hint(client):
    assert latin_only("Syria") and latin_only("title:Syria") and not latin_only("سوريا OR العراق")
    assert not latin_only("section:politic سوريا") and not latin_only('source:"BBC Arabic"')
    assert "سوريا rather than Syria" in client.get("/search?q=Syria&lang=en").get_data(as_text=True)
    assert "latin-hint" not in client.get("/search?q=سوريا&lang=en").get_data(as_text=True)


def test_entity_chip_adds_a_filter_and_keeps_the_query(sample):
    c = sample.test_client()
    html = c.get("/search?q=الموصل&lang=ar").get_data(as_text=True)
    chips = [unescape(u) for u in re.findall(r'<li class="chip chip-(?:person|org|place)"><a href="([^"]+)"', html)]
    assert chips
    params = parse_qs(urlsplit(chips[0]).query)
    assert params["q"] == ["الموصل"] and any(k in params for k in ("person", "org", "place"))


def test_back_to_results_with_the_words_marked(sample):
    c = sample.test_client()
    html = c.get("/search?q=الموصل&page=1&sort=newest&lang=ar").get_data(as_text=True)
    link = unescape(re.search(r'<h2><a href="(/article/[^"]+)"', html).group(1))
    back = parse_qs(urlsplit(link).query)["back"][0]
    assert back.startswith("/search?") and parse_qs(urlsplit(back).query) == {"q": ["الموصل"], "sort": ["newest"]}
    article = c.get(link).get_data(as_text=True)
    assert "العودة إلى النتائج" in article and f'href="{back}"'.replace("&", "&amp;") in article
    assert "<mark>" in article and 'value="الموصل"' in article          # marked words; the search box keeps the query
    for bad in ("https://evil.example/", "//evil.example/search?q=x", "/admin/"):
        assert "العودة إلى النتائج" not in c.get(link.split("?")[0], query_string={"back": bad}).get_data(as_text=True)


def test_entity_pages_keep_the_way_back_to_the_same_page_of_results(sample):
    c = sample.test_client()
    html = c.get("/search?q=بغداد&page=2&per_page=5&lang=en").get_data(as_text=True)
    links = [unescape(u) for u in re.findall(r'<h2[^>]*><a href="(/article/[^"]+)"', html)]
    back = parse_qs(urlsplit(links[0]).query)["back"][0]
    assert parse_qs(urlsplit(back).query) == {"q": ["بغداد"], "page": ["2"], "per_page": ["5"], "lang": ["en"]}
    # Article page → entity page: the entity links carry the search along.
    article = c.get(next(u for u in links if "/entity/" in c.get(u).get_data(as_text=True))).get_data(as_text=True)
    entity_link = unescape(re.search(r'<li class="chip chip-(?:person|org|place)"><a href="([^"]+)"', article).group(1))
    assert entity_link.startswith("/entity/") and parse_qs(urlsplit(entity_link).query) == {"back": [back], "lang": ["en"]}
    entity = c.get(entity_link).get_data(as_text=True)
    assert "Back to results" in entity and f'href="{back}"'.replace("&", "&amp;") in entity
    assert 'value="بغداد"' in entity                                        # the search box keeps the query
    for u in re.findall(r'<h3><a href="(/article/[^"]+)"', entity):          # and its articles lead back too
        assert parse_qs(urlsplit(unescape(u)).query)["back"] == [back]
    # Reached without a search (or with a link elsewhere): no way back to show.
    plain = entity_link.split("?")[0]
    assert "Back to results" not in c.get(plain + "?lang=en").get_data(as_text=True)
    assert "Back to results" not in c.get(plain, query_string={"back": "//evil.example/search?q=x",
                                                               "lang": "en"}).get_data(as_text=True)


def test_byline_and_citations(sample):
    c = sample.test_client()
    with sample.app_context():
        from archive.store import iter_articles
        art = next(a for a in iter_articles(sample.extensions["arshif.db"]) if a["author"])
    html = c.get(f"/article/{art['id']}?lang=ar").get_data(as_text=True)
    ar = re.sub(r"</?bdi[^>]*>", "", re.search(r'<p id="cite-ar" lang="ar" dir="rtl">(.*?)</p>', html).group(1))
    en = re.sub(r"</?bdi[^>]*>", "", re.search(r'<p id="cite-en" lang="en" dir="ltr">(.*?)</p>', html).group(1))
    assert unescape(ar).startswith(f"{art['author']}، «{art['title']}»") and f"/article/{art['id']}" in ar
    assert unescape(en).startswith(f"{art['author']}, “{art['title']}”") and f"/article/{art['id']}" in en
    # Only the article's own text is isolated: the quotation marks stand outside the title's run.
    assert f"“<bdi>{escape(art['title'])}</bdi>”" in html and f"«<bdi>{escape(art['title'])}</bdi>»" in html
    hits = c.get("/search", query_string={"q": f'"{art["title"]}"', "lang": "en"}).get_data(as_text=True)
    assert f"by <bdi>{art['author']}</bdi>" in hits


def test_help_page_examples_each_find_something(sample):
    c = sample.test_client()
    html = c.get("/help?lang=en").get_data(as_text=True)
    for query, _meaning in HELP_EXAMPLES:
        assert c.get("/api/v1/search", query_string={"q": query}).get_json()["total"] > 0, query
    assert html.count("<tr><td><a href=") == len(HELP_EXAMPLES)
    assert 'href="/help"' in c.get("/search?lang=ar").get_data(as_text=True)        # linked from the search page


def _readme_queries() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text[text.index("### Query language"):text.index("### HTTP API")]
    out = []
    for line in table.splitlines():
        if line.startswith("| `"):
            first = line.split(" | ")[0]
            out += [q for q in re.findall(r"`([^`]+)`", first) if q not in ("NOT", "( … )")]
    return out


def test_every_readme_example_finds_something(sample):
    c = sample.test_client()
    queries = _readme_queries()
    assert len(queries) >= 12
    for q in queries:
        assert c.get("/api/v1/search", query_string={"q": q}).get_json()["total"] > 0, q
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = re.findall(r"^arshif search (.+?)(?:\s+#.*)?$", text, flags=re.M)
    assert commands
    runner = sample.test_cli_runner()
    for command in commands:
        args = [a for a in shlex.split(command) if a != "--json"]
        r = runner.invoke(args=["search", *args, "--json"])
        assert r.exit_code == 0 and '"total": 0' not in r.output, command
