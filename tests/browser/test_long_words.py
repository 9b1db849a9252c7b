"""A 10,000-letter word (pasted tables, runs of letters without spaces) wraps: the page stays as
wide as the window, in Arabic (right to left, where a wider page showed blank) and in English."""
from __future__ import annotations

import json

import pytest

from tests.browser.conftest import running
from tests.conftest import build_instance

LONG = "ب" * 10_000
TITLE_WORD = "ت" * 400


@pytest.fixture(scope="module")
def long_word_url(tmp_path_factory):
    folder = tmp_path_factory.mktemp("long-word")
    path = folder / "long.jsonl"
    record = {"id": "lw-1", "title": f"خبر طويل {TITLE_WORD}", "date": "2020-05-01", "section": "misc",
              "source": "اختبار", "url": "https://example.org/" + LONG[:2000],
              "body": f"بدأ الاجتماع صباحا {LONG} وانتهى الاجتماع مساء.\nفقرة ثانية {LONG}"}
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    app = build_instance(folder / "instance", path, RATELIMIT_ENABLED=False, TESTING=False)
    with running(app) as url:
        yield url


@pytest.mark.parametrize("lang", ["ar", "en"])
@pytest.mark.parametrize("path", ["/article/lw-1", "/search?q=الاجتماع", "/search?q=خبر"])
def test_a_10000_letter_word_wraps_within_the_window(page, long_word_url, path, lang):
    page.goto(f"{long_word_url}{path}{'&' if '?' in path else '?'}lang={lang}")
    assert page.locator("main").inner_text().strip()
    widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1], widths  # nothing wider than the 1280-pixel window
    # the text is in view: the heading starts inside the window, not thousands of pixels away
    box = page.locator("main h1, main h2").first.bounding_box()
    assert 0 <= box["x"] and box["x"] + box["width"] <= widths[1] + 1, box
