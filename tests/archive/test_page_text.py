"""The saved-page reader: the seed page's fields, furniture learned from a folder of pages,
encodings, and what ingest stores or rejects."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from archive.ingest import ingest
from archive.models import Article
from archive.sources import BadRecord, RawArticle, detect_format, reader_for
from archive.sources.encoding import UndecodableText, decode_text
from archive.sources.page_text import (is_known_furniture, normalize_line, parse_page, read_page,
                                       site_furniture)
from archive.store import get_article
from tests.conftest import FIXTURES, SHARED, skip_or_fail

SEED = SHARED / "seeds" / "000_af52b2240ff3c432.txt"
WAHAT = FIXTURES / "pages" / "wahat"
SIDEBAR = ("من أرشيف الواحة", "اشترك في نشرة الواحة الصباحية لتصلك أهم الأخبار",
           "للتواصل مع هيئة التحرير: تحرير الواحة", "الرئيسية | محليات | رياضة | ثقافة | منوعات")


def read_one(path: Path):
    (record,) = list(read_page(path, str(path)))
    return record


@pytest.fixture
def seed_copy(tmp_path) -> Path:
    if not SEED.exists():
        skip_or_fail(f"the seed page is not at {SEED} (it is present in CI)")
    folder = tmp_path / "mada"
    folder.mkdir()
    return Path(shutil.copy(SEED, folder / SEED.name))


def test_seed_page_fields_and_no_furniture(seed_copy):
    page = read_one(seed_copy)
    assert page.source == "جريدة المدى"
    assert page.section == "اخبار وتقارير"
    assert page.title == "إنشاء خلية تنسيق مشتركة بين إسرائيل وسوريا برعاية أميركية لخفض التصعيد"
    assert page.date == "6 يناير, 2026: 10:30 م"
    assert page.author == "متابعة/ المدى"
    assert page.url is None and page.id is None
    assert page.body.startswith("كشفت وزارة الخارجية الأميركية، مساء اليوم الثلاثاء")
    assert page.body.endswith("ما قبل 8 كانون الأول/ ديسمبر 2024\".")
    assert "خلية اتصال" in page.body
    assert "يُجدد الطرفان" in page.body  # the page's own spelling, diacritics kept
    for furniture in ("مشجّع", "مشجع", "غزة", "انضم الى المحادثة", "حرف متبقي", "يحدث الآن",
                      "ملحق عراقيون", "مقالات ذات صلة", "linkedin", "TOP"):
        assert furniture not in page.body, furniture
    assert len(page.body.split("\n\n")) == 12


def test_seed_page_ingested_in_baghdad_time(db, seed_copy):
    report = ingest(db, [seed_copy.parent], default_tz="Asia/Baghdad")
    assert (report.read, report.added, report.rejected) == (1, 1, 0)
    with db.session() as s:
        (aid,) = s.scalars(select(Article.id)).all()
    article = get_article(db, aid)
    assert aid.startswith("f-")  # no URL on a saved page: the id comes from its path
    assert article["published_at"].isoformat() == "2026-01-06T19:30:00+00:00"  # 22:30 in Baghdad
    assert article["date_precision"] == "minute"
    assert (article["source"], article["section"], article["author"]) == (
        "جريدة المدى", "اخبار وتقارير", "متابعة/ المدى")
    assert "غزة" not in article["body"]
    assert ingest(db, [seed_copy.parent], default_tz="Asia/Baghdad").unchanged == 1


def test_known_markers():
    for line in ("انضم الى المحادثة", "انضم إلى المحادثة", "255 حرف متبقي", "يحدث الآن", "ملحق عراقيون",
                 "مقالات ذات صلة", "TOP", "linkedin facebook-blank rss youtube"):
        assert is_known_furniture(normalize_line(line)), line
    for line in ("كشفت وزارة الخارجية الأميركية عن خلية اتصال", "Paris Baghdad", "ملحق"):
        assert not is_known_furniture(normalize_line(line)), line


def test_a_folder_teaches_its_furniture():
    learned = site_furniture(WAHAT)
    for line in SIDEBAR:
        assert line in learned
    # A paragraph two of the four pages share is below the 3-page threshold: still body text.
    assert not any(line.startswith("وأبدى الأهالي") for line in learned)
    for path in sorted(WAHAT.glob("*.txt")):
        page = read_one(path)
        assert page.source == "جريدة الواحة" and page.date and page.author
        assert page.body.count("\n\n") == 2, path.name
        for line in SIDEBAR:
            assert line not in page.body
        assert page.title not in page.body
    market = read_one(WAHAT / "001_market.txt")
    assert (market.section, market.author) == ("محليات", "كتب/ ماجد العبيدي")
    assert market.date == "3 آذار 2025: 9:15 ص"
    assert "وأبدى الأهالي ارتياحهم" in market.body
    assert "مهرجان الشعر الشعبي" not in market.body  # a teaser under the learned sidebar heading


def test_a_page_alone_cannot_learn_and_new_pages_refresh_the_cache(tmp_path):
    alone = Path(shutil.copy(WAHAT / "003_football.txt", tmp_path / "003_football.txt"))
    assert site_furniture(tmp_path) == frozenset()
    assert "من أرشيف الواحة" in read_one(alone).body  # nothing to learn from: the sidebar stays
    for name in ("001_market.txt", "002_library.txt"):
        shutil.copy(WAHAT / name, tmp_path / name)
    assert "من أرشيف الواحة" in site_furniture(tmp_path)
    assert "من أرشيف الواحة" not in read_one(alone).body


def test_page_without_date_is_rejected_by_ingest(db, tmp_path):
    text = (WAHAT / "004_rain.txt").read_text(encoding="utf-8").replace("نشر في: 20 آذار 2025: 7:30 ص\n", "")
    path = tmp_path / "nodate.txt"
    path.write_text(text, encoding="utf-8")
    page = read_one(path)
    assert page.date is None and page.title == "أمطار غزيرة تغلق طريق الوادي لساعات"
    assert page.body.startswith("أغلقت مديرية الطرق")
    report = ingest(db, [path])
    assert (report.read, report.rejected) == (1, 1)
    assert report.rejections[0] == {"ref": str(path), "code": "no-date",
                                    "reason": "the record has no publication date"}


def test_encodings(tmp_path):
    text = (WAHAT / "002_library.txt").read_text(encoding="utf-8")
    expected = parse_page(text, "expected")  # alone in its folder: nothing learned
    assert expected.body.startswith("أعلنت إدارة المكتبة")
    for encoding in ("utf-8-sig", "utf-16", "utf-16-le", "cp1256"):
        folder = tmp_path / encoding
        folder.mkdir()
        path = folder / "page.txt"
        path.write_bytes(text.encode(encoding))
        page = read_one(path)
        assert (page.title, page.date, page.body) == (expected.title, expected.date, expected.body), encoding


def test_undecodable_bytes_are_rejected_not_mojibake(db, tmp_path):
    garbage = bytes((i * 7919 + 13) % 256 for i in range(3000))
    with pytest.raises(UndecodableText):
        decode_text(garbage)
    # Latin-1 accented text is valid Windows-1256 byte by byte, but not plausible Arabic.
    with pytest.raises(UndecodableText):
        decode_text(("àéèêëîïôûüç" * 50).encode("latin-1"))
    path = tmp_path / "garbage.txt"
    path.write_bytes(garbage)
    (record,) = list(read_page(path, str(path)))
    assert isinstance(record, BadRecord) and record.code == "bad-encoding"
    assert "\x00" not in record.raw
    good = Path(shutil.copy(WAHAT / "001_market.txt", tmp_path / "good.txt"))
    report = ingest(db, [tmp_path])
    assert (report.read, report.added, report.rejected) == (2, 1, 1)
    assert report.rejections[0]["code"] == "bad-encoding"
    assert report.rejections[0]["ref"] == str(path)
    assert good.exists()


def test_folder_of_pages_end_to_end(db):
    assert detect_format(WAHAT / "001_market.txt") == "page"
    assert reader_for("page") is read_page
    report = ingest(db, [WAHAT])
    assert report.to_dict() == {"read": 4, "added": 4, "updated": 0, "unchanged": 0, "duplicates": 0,
                                "rejected": 0, "rejections": []}
    with db.session() as s:
        ids = s.scalars(select(Article.id)).all()
    articles = {a["title"]: a for a in (get_article(db, i) for i in ids)}
    football = articles["نادي الواحة يفوز على ضيفه بهدفين نظيفين"]
    assert (football["source"], football["section"], football["author"]) == ("جريدة الواحة", "رياضة",
                                                                            "متابعة/ الواحة")
    assert football["published_at"].isoformat() == "2025-03-15T20:05:00+00:00"
    assert all("من أرشيف الواحة" not in a["body"] for a in articles.values())
    assert ingest(db, [WAHAT], source="أرشيف الواحة").updated == 4  # --source overrides the breadcrumb
    assert get_article(db, football["id"])["source"] == "أرشيف الواحة"


def test_empty_page_is_a_record_without_body(tmp_path):
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    page = read_one(path)
    assert isinstance(page, RawArticle) and page.body is None and page.title is None
