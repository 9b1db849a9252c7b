"""The journalist's and the librarian's desks in a real browser: date fields and the row of
filters in use, an entity chip that adds a filter, back to the same page of results with the
words marked, copying a citation, the print layout, the Arabic entity page and the admin pages
in Arabic (screenshots in tests/browser/artifacts)."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

from playwright.sync_api import expect

from tests.browser.test_search_page import _count

ENGLISH_ON_ARABIC_PAGES = ("Also written", "Latest articles", "All articles that mention it", "provisional entry",
                           "articles will change", "completed", "Sign out", "Authority file", "Place")


def _query(url: str) -> dict:
    return parse_qs(urlparse(url).query)


def _no_english(page) -> None:
    text = page.locator("main").inner_text()
    for words in ENGLISH_ON_ARABIC_PAGES:
        assert words not in text, words


def test_date_fields_and_removable_filters(page, artifacts):
    page.goto("/search?q=العراق")
    page.locator("#date-from").fill("2016-01-01")
    page.locator("#date-to").fill("2017-12-31")
    page.locator("form.search button[type=submit]").click()
    page.wait_for_url(re.compile(r"from=2016-01-01"))
    q = _query(page.url)
    assert q["from"] == ["2016-01-01"] and q["to"] == ["2017-12-31"] and q["q"] == ["العراق"]
    chips = page.locator(".active-filters li")
    expect(chips).to_have_count(2)
    expect(chips.first).to_contain_text("من")
    page.locator('.facet-section a[data-value="politic"]').click()
    page.wait_for_url(re.compile(r"section=politic"))
    expect(page.locator(".active-filters li")).to_have_count(3)
    page.screenshot(path=str(artifacts / "desk-filters-ar.png"), full_page=True)
    page.locator(".active-filters li").filter(has_text="2016-01-01").locator("a.remove").click()
    page.wait_for_load_state()
    q = _query(page.url)
    assert "from" not in q and q["to"] == ["2017-12-31"] and q["section"] == ["politic"] and q["q"] == ["العراق"]
    expect(page.locator(".active-filters li")).to_have_count(2)


# Each text node of an element with its first box (top, left, right), in document order.
TEXT_BOXES = """(selector) => {
  const out = [], walker = document.createTreeWalker(document.querySelector(selector), NodeFilter.SHOW_TEXT);
  for (let n; (n = walker.nextNode());) {
    if (!n.textContent.trim()) continue;
    const range = document.createRange(); range.selectNodeContents(n);
    const box = range.getClientRects()[0];
    out.push({text: n.textContent, top: Math.round(box.top), left: box.left, right: box.right});
  }
  return out;
}"""


def _reads_in_order(boxes: list[dict], rtl: bool = False) -> bool:
    """Whether each piece of text stands after the one before it in the reading direction: to
    its right (left, for ``rtl``) on the same line, or on a later line."""
    def after(a, b):
        if b["top"] != a["top"]:
            return b["top"] > a["top"]
        return b["right"] <= a["left"] + 1 if rtl else b["left"] >= a["right"] - 1
    return all(after(a, b) for a, b in zip(boxes, boxes[1:]))


def _first_article_of_page_2(page, search: str) -> str:
    """Open ``search``, go to its second page of results and open the first article there;
    returns the results page's address."""
    page.goto(search)
    page.locator('.pages a[href*="page=2"]').first.click()
    page.wait_for_url(re.compile(r"page=2"))
    results = page.url
    page.locator(".hits h2 a").first.click()
    page.wait_for_url(re.compile(r"/article/"))
    return results


def test_entity_chip_in_a_result_adds_a_filter(page, artifacts):
    page.goto("/search?q=الموصل")
    total = _count(page)
    chip = page.locator(".hits .chip-place a, .hits .chip-person a, .hits .chip-org a").first
    name = chip.inner_text()
    chip.click()
    page.wait_for_load_state()
    q = _query(page.url)
    assert q["q"] == ["الموصل"] and any(k in q for k in ("person", "org", "place"))
    expect(page.locator(".active-filters")).to_contain_text(name)
    assert _count(page) <= total
    page.screenshot(path=str(artifacts / "desk-chip-filter-ar.png"), full_page=True)


def test_back_to_the_same_page_of_results_with_words_marked(page, artifacts):
    results = _first_article_of_page_2(page, "/search?q=العراق")
    expect(page.locator("article mark").first).to_be_visible()
    expect(page.locator("#q")).to_have_value("العراق")
    page.screenshot(path=str(artifacts / "desk-article-marked-ar.png"), full_page=True)
    page.get_by_role("link", name="العودة إلى النتائج").click()
    page.wait_for_load_state()
    assert _query(page.url) == _query(results)
    expect(page.locator(".pages strong[aria-current=page]")).to_have_text("2")


def test_copy_citation_and_print_layout(browser, server_url, artifacts):
    context = browser.new_context(base_url=server_url, locale="ar", viewport={"width": 1280, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server_url)
    page = context.new_page()
    try:
        page.goto("/search?q=البنك الدولي")
        page.locator(".hits h2 a").first.click()
        page.wait_for_url(re.compile(r"/article/"))
        cite = page.locator("#cite-ar").inner_text()
        title = page.locator("article h1").inner_text()
        assert f"«{title}»" in cite and "/article/" in cite
        button = page.locator('button[data-copy="#cite-ar"]')
        expect(button).to_be_visible()
        button.click()
        expect(button).to_have_text("نُسخ")
        assert page.evaluate("navigator.clipboard.readText()") == cite
        page.locator('button[data-copy="#cite-en"]').click()
        english = page.evaluate("navigator.clipboard.readText()")
        assert f"“{title}”" in english and english == page.locator("#cite-en").inner_text()
        # On the screen the English citation reads left to right, its parts in their order: the
        # quotation marks around the Arabic title (not inside its right-to-left run), then the
        # outlet, the date and the link, each comma right after the part it follows.
        boxes = page.evaluate(TEXT_BOXES, "#cite-en")
        assert [b["text"] for b in boxes[:3]] == ["“", title, "”, "], boxes
        assert _reads_in_order(boxes), boxes
        arabic = page.evaluate(TEXT_BOXES, "#cite-ar")
        assert [b["text"] for b in arabic[:3]] == ["«", title, "»، "] and _reads_in_order(arabic, rtl=True), arabic
        page.screenshot(path=str(artifacts / "desk-article-cite-ar.png"), full_page=True)
        page.locator("section.cite").screenshot(path=str(artifacts / "desk-citations-ar.png"))
        page.emulate_media(media="print")
        expect(page.locator("form.search")).to_be_hidden()
        expect(page.locator("nav.tools")).to_be_hidden()
        expect(page.locator("article h1")).to_be_visible()
        page.screenshot(path=str(artifacts / "desk-article-print.png"), full_page=True)
    finally:
        context.close()


def test_arabic_entity_page_has_no_english(page, artifacts):
    page.goto("/search?q=العراق")
    page.locator(".hits h2 a").first.click()
    page.wait_for_url(re.compile(r"/article/"))
    page.locator(".chips .chip-place a").first.click()
    page.wait_for_url(re.compile(r"/entity/e\d+"))
    expect(page.locator("section.entity > p.meta")).to_contain_text("مكان")
    expect(page.locator("section.entity > p.count")).to_contain_text("تذكره")
    expect(page.locator("#q")).to_be_visible()                   # a search box on the entity page
    _no_english(page)
    page.screenshot(path=str(artifacts / "desk-entity-ar.png"), full_page=True)


def test_entity_page_leads_back_to_the_same_page_of_results(page, artifacts):
    results = _first_article_of_page_2(page, "/search?q=بغداد&per_page=5")
    page.locator(".chips .chip-place a, .chips .chip-person a, .chips .chip-org a").first.click()
    page.wait_for_url(re.compile(r"/entity/e\d+"))
    expect(page.locator("#q")).to_have_value("بغداد")
    page.screenshot(path=str(artifacts / "desk-entity-back-ar.png"), full_page=True)
    page.get_by_role("link", name="العودة إلى النتائج").click()
    page.wait_for_load_state()
    assert _query(page.url) == _query(results)
    expect(page.locator(".pages strong[aria-current=page]")).to_have_text("2")


def test_month_bars_are_named_by_month(page, artifacts):
    page.goto("/search?date=2018")
    labels = page.locator(".histogram text.label")
    expect(labels).to_have_count(12)
    assert [labels.nth(i).text_content() for i in (0, 4, 11)] == ["يناير", "مايو", "ديسمبر"]
    january, december = (labels.nth(i).bounding_box()["x"] for i in (0, 11))
    assert january > december                                      # time runs right to left
    page.locator("figure.histogram").screenshot(path=str(artifacts / "desk-histogram-months-ar.png"))
    page.goto("/search?date=2018&lang=en")
    assert page.locator(".histogram text.label").nth(0).text_content() == "Jan"


def _char_x(element, i: int) -> float:
    """Where the element's i-th character is drawn (its left edge, px)."""
    return element.evaluate("(e, i) => { const r = document.createRange(); r.setStart(e.firstChild, i); "
                            "r.setEnd(e.firstChild, i + 1); return r.getBoundingClientRect().x; }", i)


def test_api_page_in_arabic(page, artifacts):
    page.goto("/api?lang=ar")
    expect(page.locator("h1")).to_have_text("واجهة برمجة أرشيف")
    expect(page.locator("#search table thead")).to_contain_text("معناه")
    expect(page.locator("#search")).not_to_contain_text("repeated values")
    meaning = page.locator("#search tbody tr").first.locator("td").nth(3)     # q: the query language
    expect(meaning.locator("code")).to_have_count(11)
    title = meaning.locator("code", has_text="title:كلمة")
    assert title.evaluate("e => e.matches(':dir(ltr)')")                   # Latin first: left to right
    assert _char_x(title, 0) < _char_x(title, 5) < _char_x(title, 6)          # title, then :, then the word
    minus = meaning.locator("code", has_text="-كلمة")
    assert minus.evaluate("e => e.matches(':dir(rtl)')")
    assert _char_x(minus, 0) > _char_x(minus, 1)                              # the minus stands before the word
    path = page.locator("main p code", has_text="/search").first
    assert _char_x(path, 0) < _char_x(path, 1)                                # /search, not search/
    page.screenshot(path=str(artifacts / "api-ar.png"), full_page=False)


def test_admin_pages_in_arabic(page, server_app, artifacts):
    from archive.accounts import add_user
    from archive.authority import list_entities
    db = server_app.extensions["arshif.db"]
    add_user(db, "huda", "a long enough password", "admin")
    page.goto("/admin/login")
    page.locator('input[name="name"]').fill("huda")
    page.locator('input[name="password"]').fill("a long enough password")
    page.locator("form.admin-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/admin/$"))
    expect(page.locator("h1")).to_have_text("حالة الأرشيف")
    _no_english(page)
    page.screenshot(path=str(artifacts / "admin-status-ar.png"), full_page=True)
    _, rows = list_entities(db, q="حيدر العبادي", kind="person")
    _, others = list_entities(db, q="عادل عبد المهدي", kind="person")
    page.goto(f"/admin/entities/{rows[0]['id']}")
    expect(page.locator(".entity-article-list a").first).to_be_visible()  # the articles that mention it
    merge_box = page.locator('form.admin-form input[name="other"]')
    merge_box.fill("عبد")  # a name several entries share: a choice first
    merge_box.locator("xpath=ancestor::form//button").click()
    expect(page.locator(".merge-candidates")).to_contain_text("اختر المدخل")
    _no_english(page)
    page.screenshot(path=str(artifacts / "admin-merge-choice-ar.png"), full_page=True)
    merge_box.fill("عادل عبد المهدي")  # the name itself: straight to the preview
    merge_box.locator("xpath=ancestor::form//button").click()
    expect(page.locator(".merge-preview")).to_contain_text("ستتغير")
    expect(page.locator('.merge-preview input[name="other"]')).to_have_value(others[0]["id"])
    _no_english(page)
    page.screenshot(path=str(artifacts / "admin-merge-preview-ar.png"), full_page=True)
    page.goto("/admin/sections")
    row = page.locator("form.section-form").filter(has=page.locator('input[value="politic"]'))
    row.locator('input[name="label_ar"]').fill("سياسة")
    row.locator('input[name="label_en"]').fill("Politics")
    row.locator("button").click()
    expect(page.locator(".admin-notice")).to_contain_text("حُفظت تسميات politic")
    page.screenshot(path=str(artifacts / "admin-sections-ar.png"), full_page=True)
    page.goto("/search")
    expect(page.locator('.facet-section a[data-value="politic"]')).to_contain_text("سياسة")
    page.goto("/search?q=section:سياسة")
    expect(page.locator("#results-count")).not_to_contain_text("لا نتائج")


def test_a_failed_upload_says_why_on_the_arabic_runs_page(page, server_app, artifacts, tmp_path):
    from archive.accounts import add_user
    add_user(server_app.extensions["arshif.db"], "salma", "a long enough password", "librarian")
    page.goto("/admin/login")
    page.locator('input[name="name"]').fill("salma")
    page.locator('input[name="password"]').fill("a long enough password")
    page.locator("form.admin-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/admin/$"))
    scan = tmp_path / "scan.jsonl"
    scan.write_bytes(bytes(range(256)) * 8)                        # not text: nothing can be read
    page.goto("/admin/ingest")
    page.locator('input[type="file"]').set_input_files(str(scan))
    page.locator("form.admin-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/admin/jobs/\d+"))
    expect(page.locator("main")).to_contain_text("فشل", timeout=60_000)   # the page refreshes itself
    page.goto("/admin/runs")
    failed = page.locator("table.admin-table tr").filter(has=page.locator(".run-error")).first
    expect(failed).to_contain_text("لم يمكن قراءة شيء")                 # the stored reason, in Arabic
    expect(failed).to_contain_text("الملف ثنائي، لا نص بترميز معروف")
    expect(failed).not_to_contain_text("binary")
    _no_english(page)
    page.screenshot(path=str(artifacts / "admin-runs-failed-ar.png"), full_page=True)
