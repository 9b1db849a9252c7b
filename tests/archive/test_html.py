"""The HTML reader: fields from trafilatura and the page's metadata, no menus or footers in the
body, charsets, and a page without article text rejected by ingest."""
from __future__ import annotations

import shutil

from archive.ingest import article_id, ingest
from archive.sources import detect_format, reader_for
from archive.sources.html import parse_html, read_html
from archive.store import get_article
from tests.conftest import FIXTURES

HTML = FIXTURES / "html"


def read_one(path):
    (record,) = list(read_html(path, str(path)))
    return record


def test_article_with_opengraph_metadata():
    page = read_one(HTML / "river.html")
    assert page.title == "افتتاح جسر جديد على نهر الفرات في الرمادي"
    assert page.date == "2025-03-14T09:45:00+03:00"
    assert page.author == "سلمى الراوي"
    assert page.section == "محليات"
    assert page.source == "صحيفة الضفاف"
    assert page.url == "https://dhifaf.example/news/2025/03/euphrates-bridge"
    paragraphs = page.body.split("\n\n")
    assert len(paragraphs) == 4
    assert paragraphs[0].startswith("افتتحت الحكومة المحلية في محافظة الأنبار")
    assert "نُفّذ بأيدٍ عراقية" in page.body  # diacritics as written
    for furniture in ("الرئيسية", "عاجل", "انقطاع مؤقت للكهرباء", "الأكثر قراءة", "مهرجان الربيع",
                      "جميع الحقوق محفوظة", "النشرة البريدية", page.title):
        assert furniture not in page.body, furniture


def test_article_with_json_ld_and_no_charset():
    page = read_one(HTML / "market.html")
    assert page.title == "أسعار التمور ترتفع في أسواق البصرة مع اقتراب رمضان"
    assert page.date == "2024-02-27T16:20:00+03:00"
    assert page.author == "حيدر الساعدي"
    assert page.section == "اقتصاد"
    assert page.source == "موقع النخلة الإخباري"
    assert page.url == "https://nakhla.example/economy/dates-prices-basra"  # og:url
    assert page.body.startswith("شهدت أسواق البصرة") and page.body.count("\n\n") == 2
    for furniture in ("اتصل بنا", "تطبيق النخلة", "تابعونا", "سياسة الخصوصية", "من البصرة إلى العالم"):
        assert furniture not in page.body, furniture


def test_windows_1256_page_with_declared_charset(tmp_path):
    text = (HTML / "market.html").read_text(encoding="utf-8")
    text = text.replace("<head>", '<head>\n<meta http-equiv="Content-Type" content="text/html; charset=windows-1256">')
    path = tmp_path / "market-1256.html"
    path.write_bytes(text.encode("cp1256"))
    page = read_one(path)
    expected = read_one(HTML / "market.html")
    assert (page.title, page.body, page.author) == (expected.title, expected.body, expected.author)
    # The charset a server declares wins over guessing (the WARC reader passes it).
    assert parse_html(text.encode("cp1256"), "x", charset="windows-1256").body == expected.body


def test_undecodable_and_empty_documents():
    garbage = bytes((i * 7919 + 13) % 256 for i in range(3000))
    bad = parse_html(garbage, "garbage.html")
    assert bad.code == "bad-encoding" and "\x00" not in bad.raw
    empty = parse_html(b"", "empty.html")
    assert empty.body is None and empty.title is None


def test_menu_only_page_has_no_body():
    page = read_one(HTML / "menu-only.html")
    assert page.body is None
    assert page.date is None


def test_html_folder_end_to_end(db, tmp_path):
    folder = tmp_path / "site"
    shutil.copytree(HTML, folder)
    assert detect_format(folder / "river.html") == "html"
    assert reader_for("html") is read_html
    report = ingest(db, [folder])
    assert (report.read, report.added, report.rejected) == (3, 2, 1)
    assert report.rejections == [{"ref": str(folder / "menu-only.html"), "code": "no-body",
                                  "reason": "the record has no body text"}]
    river = read_one(folder / "river.html")
    stored = get_article(db, article_id(river))
    assert stored["url"] == "https://dhifaf.example/news/2025/03/euphrates-bridge"
    assert stored["published_at"].isoformat() == "2025-03-14T06:45:00+00:00"
    assert (stored["section"], stored["source"], stored["author"]) == ("محليات", "صحيفة الضفاف", "سلمى الراوي")
    assert "الأكثر قراءة" not in stored["body"]
    again = ingest(db, [folder])
    assert (again.unchanged, again.rejected) == (2, 1)
