"""The coverage histogram above the results, and the Arabic/English interface."""
from __future__ import annotations

import re
from html import unescape

from tests.conftest import FIXTURES, build_instance


def _bars(html: str) -> dict[str, tuple[str, str]]:
    """data-value → (href, aria-label) of each histogram bar that is a link."""
    svg = html[html.index("<svg"):html.index("</svg>")]
    return {m.group(3): (unescape(m.group(1)), m.group(2)) for m in re.finditer(
        r'<a href="([^"]+)" aria-label="([^"]+)" class="bar[^"]*" data-value="([^"]+)"', svg)}


def test_histogram_by_year_links_narrow_the_date(client):
    html = client.get("/search?lang=en").get_data(as_text=True)
    bars = _bars(html)
    assert set(bars) == {"2016", "2017", "2018"}
    assert bars["2018"] == ("/search?date=2018&lang=en", "2018: 4 articles")
    assert bars["2016"][1] == "2016: 1 articles" or bars["2016"][1] == "2016: 1 article"
    # The same toggle URL as the date facet's link for that year.
    assert 'href="/search?date=2018&amp;lang=en"' in html.split("<svg")[0]
    assert 'role="group" aria-labelledby="histogram-title"' in html


def test_histogram_by_month_once_a_year_is_chosen(client):
    html = client.get("/search?date=2018&lang=en").get_data(as_text=True)
    assert "Matching articles by month" in html
    bars = _bars(html)
    assert set(bars) == {"2018-01", "2018-03", "2018-05"}   # months without articles are not links
    assert bars["2018-05"] == ("/search?date=2018-05&lang=en", "May 2018: 2 articles")
    assert html.count('class="bar empty"') == 9


def _bar_names(html: str) -> list[list[str]]:
    """The words under each histogram bar, in time order, one list per bar (a line per word)."""
    labels = re.findall(r'<text class="label"[^>]*>(.*?)</text>', html[html.index("<svg"):])
    return [re.findall(r"<tspan[^>]*>([^<]*)</tspan>", label) for label in labels]


def test_month_bars_are_named_by_month_in_both_languages(client, news_app):
    english = _bar_names(client.get("/search?date=2018&lang=en").get_data(as_text=True))
    assert english == [[m] for m in "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()]
    arabic = _bar_names(client.get("/search?date=2018&lang=ar").get_data(as_text=True))
    # ARABIC_LOCALE "ar" names them as most outlets and Babel's plain Arabic do.
    assert arabic == [[m] for m in ("يناير فبراير مارس أبريل مايو يونيو يوليو أغسطس سبتمبر أكتوبر نوفمبر "
                                          "ديسمبر").split()]
    news_app.config["ARABIC_LOCALE"] = "ar_IQ"  # an Iraqi archive: the Syriac month names, on two lines
    try:
        iraqi = _bar_names(client.get("/search?date=2018&lang=ar").get_data(as_text=True))
    finally:
        news_app.config["ARABIC_LOCALE"] = "ar"
    assert iraqi[0] == ["كانون", "الثاني"] and iraqi[2] == ["آذار"] and iraqi[9] == ["تشرين", "الأول"]
    # The year bars keep their years.
    assert _bar_names(client.get("/search?lang=en").get_data(as_text=True)) == [["2016"], ["2017"], ["2018"]]


def test_histogram_fills_gaps_and_runs_right_to_left_in_arabic(tmp_path):
    import json
    rows = [{"id": f"g-{y}", "title": f"خبر {y}", "body": f"نص الخبر {y}", "date": f"{y}-06-01", "section": "s",
             "source": "x", "url": None} for y in (2010, 2013)]
    path = tmp_path / "gap.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    app = build_instance(tmp_path / "instance", path, RATELIMIT_ENABLED=False)
    html = app.test_client().get("/search").get_data(as_text=True)
    xs = {m.group(1): int(m.group(2)) for m in re.finditer(
        r'data-value="(\d{4})">\s*<title>[^<]*</title>\s*<rect class="hit-area" x="(\d+)"', html)}
    assert set(xs) == {"2010", "2013"} and html.count('class="bar empty"') == 2   # 2011, 2012
    assert xs["2010"] > xs["2013"]                                               # oldest on the right


def test_no_histogram_without_results(client):
    assert "<svg" not in client.get("/search?q=كلمةغيرموجودةابدا").get_data(as_text=True)


def test_arabic_is_the_default_and_english_is_remembered(news_app):
    c = news_app.test_client()
    assert '<html lang="ar" dir="rtl">' in c.get("/search").get_data(as_text=True)
    r = c.get("/search?q=وزارة&lang=en")
    assert '<html lang="en" dir="ltr">' in r.get_data(as_text=True)
    assert "lang=en" in r.headers["Set-Cookie"] and "SameSite=Lax" in r.headers["Set-Cookie"]
    html = c.get("/search?q=وزارة").get_data(as_text=True)          # the cookie, no ?lang=
    assert '<html lang="en" dir="ltr">' in html and "2 results" in html
    html = c.get("/article/t-001?lang=ar").get_data(as_text=True)    # switching back
    assert '<html lang="ar" dir="rtl">' in html
    assert '<html lang="ar" dir="rtl">' in c.get("/search").get_data(as_text=True)


def test_language_switch_keeps_the_search(client):
    html = client.get("/search?q=وزارة&section=economy").get_data(as_text=True)
    assert 'href="/search?q=%D9%88%D8%B2%D8%A7%D8%B1%D8%A9&amp;section=economy&amp;lang=en" hreflang="en"' in html


def test_interface_text_is_translated(client):
    ar = client.get("/search?q=وزارة").get_data(as_text=True)
    en = client.get("/search?q=وزارة&lang=en").get_data(as_text=True)
    for arabic, english in (("الأكثر صلة", "Most relevant"), ("تصدير CSV", "Export CSV"),
                            ("رابط هذا البحث", "Link to this search"), ("التاريخ", "Date")):
        assert arabic in ar and english not in ar
        assert english in en and arabic not in en


def test_dates_use_arabic_month_names_as_the_outlet_does(tmp_path):
    app = build_instance(tmp_path / "instance", FIXTURES / "news.jsonl", RATELIMIT_ENABLED=False,
                         SOURCE_LOCALES={"Jawhara FM": "ar_TN", "Al Arabiya": "ar_IQ"})
    c = app.test_client()
    assert "2 جانفي 2017" not in c.get("/article/t-003").get_data(as_text=True)
    assert "2 نوفمبر 2017" in c.get("/article/t-003").get_data(as_text=True)    # ar_TN: نوفمبر
    assert "4 آذار 2018" in c.get("/article/t-001").get_data(as_text=True)      # Levantine names
    assert "20 مايو 2018" in c.get("/article/t-002").get_data(as_text=True)     # interface default
    assert "4 March 2018" in c.get("/article/t-001?lang=en").get_data(as_text=True)


def test_numbers_in_arabic_indic_digits_when_configured(tmp_path):
    app = build_instance(tmp_path / "instance", FIXTURES / "news.jsonl", RATELIMIT_ENABLED=False,
                         ARABIC_DIGITS="arab")
    html = app.test_client().get("/search").get_data(as_text=True)
    assert "٦ نتائج" in html and "٢٠١٨" in html
    assert 'data-value="2018"' in html  # values in links stay machine-readable


def test_mixed_direction_fragments_are_isolated(client):
    html = client.get("/search?q=وزارة").get_data(as_text=True)
    assert "<bdi>Al Arabiya</bdi>" in html and 'dir="auto"' in html
    en = client.get("/search?q=وزارة&lang=en").get_data(as_text=True)
    assert '<p class="snippet" lang="ar" dir="rtl">' in en  # Arabic text inside an English page


def test_every_control_has_a_label(client):
    html = client.get("/search?q=وزارة").get_data(as_text=True)
    assert '<label for="q"' in html
    assert all('aria-label="' in nav for nav in re.findall(r"<nav[^>]*>", html))
    assert 'class="skip-link" href="#main"' in html
