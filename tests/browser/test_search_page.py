"""The search page in a real browser: right-to-left Arabic that renders, highlighted results,
facets and the histogram that narrow, keyboard use, a phone layout, exports, and no script
injection."""
from __future__ import annotations

import csv
import io
import re
from urllib.parse import parse_qs, urlparse

from playwright.sync_api import expect

# Same length as the Arabic word, in an unassigned code point: drawn as fallback boxes (tofu).
WIDTH_JS = """([word, fallback]) => {
  const ctx = document.createElement('canvas').getContext('2d');
  const font = getComputedStyle(document.body).fontFamily;
  ctx.font = '32px ' + font;
  return [ctx.measureText(word).width, ctx.measureText(fallback).width];
}"""


def _query(url: str) -> dict:
    return parse_qs(urlparse(url).query)


# Arabic counts say one and two in words (نتيجة واحدة، نتيجتان), as Arabic does.
COUNT_WORDS = {"لا نتائج": 0, "نتيجة واحدة": 1, "نتيجتان": 2, "No results": 0}


def _count(page) -> int:
    text = page.locator("#results-count").inner_text()
    for words, n in COUNT_WORDS.items():
        if words in text:
            return n
    return int(re.search(r"\d+", text.replace(",", "")).group(0))


def test_search_page_is_rtl_with_real_arabic_glyphs(page, artifacts):
    page.goto("/")
    html = page.locator("html")
    expect(html).to_have_attribute("dir", "rtl")
    expect(html).to_have_attribute("lang", "ar")
    assert page.evaluate("document.fonts.check('16px \"Noto Naskh Arabic\"')")
    word = "الأرشيف العربي"
    real, tofu = page.evaluate(WIDTH_JS, [word, "\u0378" * len(word)])
    assert real > 0 and abs(real - tofu) / tofu > 0.15, (real, tofu)   # glyphs, not boxes
    # The search box sits at the right edge in RTL.
    box, form = page.locator("#q").bounding_box(), page.locator("form.search").bounding_box()
    assert box["x"] + box["width"] >= form["x"] + form["width"] - 2
    path = artifacts / "search-desktop.png"
    page.goto("/search?q=الاقتصاد")
    page.screenshot(path=str(path), full_page=True)
    print(f"screenshot: {path}")


def test_hamzaless_query_highlights_the_hamza_spelling(page):
    page.goto("/")
    page.locator("#q").fill("اسرائيل")
    page.locator("#q").press("Enter")
    page.wait_for_url(re.compile(r"/search\?q="))
    marks = page.locator(".hits mark").all_inner_texts()
    assert "إسرائيل" in marks and "اسرائيل" in marks
    expect(page.locator('.hits a[href^="/article/t-001?back="]')).to_be_visible()


def test_section_facet_and_histogram_bar_narrow_the_results(page):
    page.goto("/search")
    total = _count(page)
    page.locator('.facet-section a[data-value="politic"]').click()
    page.wait_for_url(re.compile(r"section=politic"))
    narrowed = _count(page)
    assert 0 < narrowed < total
    expect(page.locator('.facet-section a[data-value="politic"]')).to_have_attribute("aria-pressed", "true")
    bar = page.locator(".histogram a.bar").first
    year = bar.get_attribute("data-value")
    bar.click()
    page.wait_for_url(re.compile(r"date=\d{4}"))
    q = _query(page.url)
    assert q["date"] == [year] and q["section"] == ["politic"]
    assert _count(page) <= narrowed
    expect(page.locator("figcaption#histogram-title")).to_contain_text("الشهر")   # months of that year


def test_keyboard_reaches_search_box_and_facets_with_visible_focus(page):
    page.goto("/search?q=الاقتصاد")
    seen = []
    for _ in range(40):
        page.keyboard.press("Tab")
        info = page.evaluate("""() => { const e = document.activeElement; const s = getComputedStyle(e);
            return {id: e.id, facet: e.dataset ? e.dataset.facet || null : null,
                    outline: s.outlineStyle, width: parseFloat(s.outlineWidth)}; }""")
        seen.append(info)
        if info["facet"]:
            break
    search_box = next(i for i in seen if i["id"] == "q")
    facet = seen[-1]
    assert facet["facet"], seen
    for i in (search_box, facet):
        assert i["outline"] != "none" and i["width"] >= 2, i


def test_phone_width_folds_the_facets(browser, server_url, artifacts):
    context = browser.new_context(base_url=server_url, viewport={"width": 390, "height": 844},
                                  device_scale_factor=2, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto("/search?q=الاقتصاد")
    first_facet = page.locator(".facet-section")
    expect(first_facet).not_to_have_attribute("open", "")
    expect(page.locator('.facet-section a[data-facet="section"]').first).to_be_hidden()
    expect(page.locator(".hits .hit").first).to_be_in_viewport()   # results are not pushed off screen
    path = artifacts / "search-phone.png"
    page.screenshot(path=str(path), full_page=False)
    print(f"screenshot: {path}")
    first_facet.locator("summary").click()
    expect(page.locator('.facet-section a[data-facet="section"]').first).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the page scrolls sideways on a phone"
    context.close()


def test_open_an_article_and_switch_language(page):
    page.goto("/search?q=وزارة الاقتصاد")
    page.locator(".hits h2 a").first.click()
    page.wait_for_url(re.compile(r"/article/"))
    expect(page.locator("article h1")).to_be_visible()
    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("article")).to_have_attribute("dir", "rtl")   # the article stays Arabic
    page.goto("/search?q=وزارة")                                       # remembered without ?lang=
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    expect(page.locator("#results-count")).to_contain_text("results")


def test_entity_chip_opens_the_entity_page(page):
    page.goto("/search?q=العراق")
    page.locator(".hits h2 a").first.click()
    page.wait_for_url(re.compile(r"/article/"))
    chip = page.locator(".chips .chip-place a").first
    name = chip.inner_text()
    chip.click()
    page.wait_for_url(re.compile(r"/entity/e\d+"))
    expect(page.locator("h1#entity-name")).to_have_text(name)
    expect(page.locator("figure.histogram svg")).to_be_visible()
    page.locator(".hits h3 a").first.click()
    page.wait_for_url(re.compile(r"/article/"))


def test_csv_export_downloads_the_rows(page):
    page.goto("/search?q=اسرائيل")
    with page.expect_download() as info:
        page.locator('a[href^="/search.csv"]').click()
    text = open(info.value.path(), encoding="utf-8-sig").read()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == _count(page) and {"t-001", "t-004"} <= {r["id"] for r in rows}
    assert next(r for r in rows if r["id"] == "t-001")["title"].startswith("إسرائيل")


def test_script_payloads_render_as_text(page):
    for url in ("/search?q=تجريبي", "/article/t-004"):
        page.goto(url)
        assert "<script>alert('x')</script>" in page.locator("body").inner_text()
        assert page.locator("script:not([src])").count() == 0
    page.goto("/search?q=" + "%3Cimg%20src=x%20onerror=alert(1)%3E")
    assert page.locator("img").count() == 0
    page.wait_for_timeout(200)
    assert not page.problems   # no dialog, no CSP violation, no script error
