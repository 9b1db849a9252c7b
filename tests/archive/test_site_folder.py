"""A folder of 32 saved pages from one site: every article ingested with its own fields, none of
the site's furniture in any body, and a second run changes nothing."""
from __future__ import annotations

from sqlalchemy import select

from archive.ingest import ingest
from archive.models import Article
from archive.sources.page_text import normalize_line, read_page, site_furniture
from archive.store import get_article
from tests.archive.site_pages import (APP_BANNER, FURNITURE_WORDS, HEADLINES, MENU, NEWSLETTER,
                                      OUTLET, write_site)


def test_the_folder_teaches_its_furniture(tmp_path):
    pages = write_site(tmp_path / "nahrain")
    learned = site_furniture(tmp_path / "nahrain")
    for line in (MENU, NEWSLETTER, APP_BANNER, *HEADLINES):
        assert normalize_line(line) in learned  # learned lines are compared without tashkeel
    # A sentence four of the 32 pages share (12%) is the articles' own text, not furniture.
    assert "ويقدم الفرع خدمات توطين الرواتب والقروض الصغيرة للمشاريع الناشئة." not in learned
    for page in pages:
        (record,) = list(read_page(page.path, str(page.path)))
        assert (record.source, record.section, record.title, record.date, record.author) == (
            OUTLET, page.section, page.title, page.date, page.author), page.path.name
        assert record.body == page.body, page.path.name


def test_all_pages_ingested_without_furniture_and_reingest_changes_nothing(db, tmp_path):
    pages = write_site(tmp_path / "nahrain")
    report = ingest(db, [tmp_path / "nahrain"], source_timezones={OUTLET: "Asia/Baghdad"})
    assert report.to_dict() == {"read": 32, "added": 32, "updated": 0, "unchanged": 0, "duplicates": 0,
                                "rejected": 0, "rejections": []}
    with db.session() as s:
        bodies = dict(s.execute(select(Article.title, Article.body)).all())
    assert set(bodies) == {p.title for p in pages}
    for page in pages:
        assert bodies[page.title] == page.body
    for word in FURNITURE_WORDS:
        assert not [t for t, b in bodies.items() if word in b], word
    # The first page: "1 كانون الثاني, 2025: 1:00 م" in Baghdad (UTC+3) is 10:00 UTC.
    with db.session() as s:
        first_id = s.scalar(select(Article.id).where(Article.title == pages[0].title))
    first = get_article(db, first_id)
    assert first["published_at"].isoformat() == "2025-01-01T10:00:00+00:00"
    assert (first["source"], first["section"]) == (OUTLET, "محليات")

    again = ingest(db, [tmp_path / "nahrain"], source_timezones={OUTLET: "Asia/Baghdad"})
    assert again.to_dict() == {"read": 32, "added": 0, "updated": 0, "unchanged": 32, "duplicates": 0,
                               "rejected": 0, "rejections": []}
