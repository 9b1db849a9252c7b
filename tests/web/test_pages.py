"""The public pages: right-to-left, escaped, facets that toggle, errors as pages."""
from __future__ import annotations

import re
from html import unescape


def test_search_page_is_rtl_arabic_with_marked_snippet(client):
    r = client.get("/search", query_string={"q": "يجدد"})
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert '<html lang="ar" dir="rtl">' in html
    assert "<mark>يُجدِّدُ</mark>" in html
    assert 'href="/article/t-001?back=' in html


def test_facet_links_toggle_filters(client):
    html = client.get("/search?q=&section=economy").get_data(as_text=True)
    links = {m.group(2): unescape(m.group(1)) for m in
             re.finditer(r'<a href="([^"]+)" class="[^"]*" aria-pressed="\w+"\s+data-facet="section" data-value="([^"]+)"', html)}
    assert links["economy"] == "/search"                        # selected: clicking removes it
    assert links["politic"] == "/search?section=economy&section=politic"
    assert 'aria-pressed="true"' in html and "مسح التصفية" in html


def test_script_title_is_escaped_on_pages(client):
    for url in ("/search?q=تجريبي", "/article/t-004"):
        html = client.get(url).get_data(as_text=True)
        assert "<script>alert" not in html
        assert "&lt;script&gt;alert(" in html


def test_query_is_escaped_in_the_search_box(client):
    html = client.get('/search?q=%22%3E%3Cscript%3Ex%3C/script%3E').get_data(as_text=True)
    assert "<script>x" not in html


def test_bad_parameter_is_a_400_page_with_the_reason(client):
    r = client.get("/search?page=abc")
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and "page" in html and 'role="alert"' in html
    r = client.get("/search?page=abc&lang=en")
    assert "must be a whole number" in r.get_data(as_text=True)


def test_paging_links(client):
    html = client.get("/search?per_page=2").get_data(as_text=True)
    assert 'rel="next" href="/search?page=2&amp;per_page=2"' in html


def test_article_page_and_404(client):
    r = client.get("/article/t-005")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "افتُتِحَ مهرجانُ" in html and "<h1>مهرجان الثقافة العربية" in html
    r = client.get("/article/missing")
    assert r.status_code == 404 and "لا يوجد شيء" in r.get_data(as_text=True)


def test_english_interface(client):
    html = client.get("/search?q=اسرائيل&lang=en").get_data(as_text=True)
    assert '<html lang="en" dir="ltr">' in html and "2 results" in html
