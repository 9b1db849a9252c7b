"""Same URL or same id → one article, updated, with its previous versions kept; same text under
another URL → a duplicate; per-source time zones; the 0001 → 0002 schema upgrade with data in it."""
from __future__ import annotations

import json
import shutil
from datetime import datetime

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import func, inspect, select, text

from archive.db import MIGRATIONS, Database
from archive.ingest import Ingester, ingest
from archive.models import Article, ArticleRevision, Source
from archive.store import article_revisions, get_article
from archive.urls import canonical_url, url_key
from tests.conftest import SHARED, skip_or_fail

SEED = SHARED / "seeds" / "000_af52b2240ff3c432.txt"
BODY = "أعلنت مديرية الزراعة في المحافظة بدء موسم حصاد الحنطة في الأول من أيار المقبل."


def write(path, *records):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def only_article(db) -> dict:
    with db.session() as s:
        (aid,) = s.scalars(select(Article.id)).all()
    return get_article(db, aid)


@pytest.mark.parametrize("url, same", [
    ("HTTPS://WWW.Example.org/ar/news/15/?utm_source=facebook&utm_medium=social#comments", True),
    ("https://www.example.org:443/ar/news/15?fbclid=abc", True),
    ("https://www.example.org/ar/news/15?page=2", False),
    ("http://www.example.org/ar/news/16", False),
])
def test_canonical_urls(url, same):
    base = "https://www.example.org/ar/news/15"
    assert (canonical_url(url) == base) is same
    assert (url_key(url) == url_key(base)) is same


def test_percent_escapes_and_readable_paths_are_one_url():
    assert canonical_url("https://x.org/ar/%D8%AE%D8%A8%D8%B1/") == canonical_url("https://x.org/ar/خبر")
    assert url_key(None) is None and url_key("  ") is None


def test_same_url_updates_and_keeps_the_previous_version(db, tmp_path):
    first = {"title": "بدء موسم حصاد الحنطة", "body": BODY, "date": "2024-04-20",
             "url": "https://www.example.org/ar/news/15?utm_source=facebook"}
    report = ingest(db, [write(tmp_path / "a.jsonl", first)])
    assert report.added == 1
    article = only_article(db)
    # The same page from another export: tracking parameters gone, a trailing slash, a fixed body.
    fixed = dict(first, url="https://WWW.example.org/ar/news/15/", body=BODY.replace("أيار", "حزيران"))
    report = ingest(db, [write(tmp_path / "b.jsonl", fixed)])
    assert (report.read, report.added, report.updated, report.duplicates) == (1, 0, 1, 0)
    now = only_article(db)
    assert now["id"] == article["id"] and "حزيران" in now["body"]
    (rev,) = article_revisions(db, article["id"])
    assert rev["body"] == BODY and rev["changed"] == ["body", "url"]
    assert rev["url"] == first["url"] and rev["ingest_run_id"] == report.run_id
    # Again: nothing changes, and the report says so.
    again = ingest(db, [tmp_path / "b.jsonl"])
    assert again.to_dict() == {"read": 1, "added": 0, "updated": 0, "unchanged": 1, "duplicates": 0,
                               "rejected": 0, "rejections": []}
    assert len(article_revisions(db, article["id"])) == 1


def test_same_outlet_id_under_a_new_url_is_an_update(db, tmp_path):
    old = {"id": "zr-15", "title": "بدء موسم حصاد الحنطة", "body": BODY, "date": "2024-04-20",
           "url": "https://old.example.org/news/15"}
    ingest(db, [write(tmp_path / "a.jsonl", old)])
    new = dict(old, url="https://www.example.org/ar/news/15", title="مديرية الزراعة تعلن موعد الحصاد")
    report = ingest(db, [write(tmp_path / "b.jsonl", new)])
    assert (report.updated, report.added) == (1, 0)
    assert get_article(db, "zr-15")["title"] == "مديرية الزراعة تعلن موعد الحصاد"
    (rev,) = article_revisions(db, "zr-15")
    assert (rev["title"], rev["changed"]) == ("بدء موسم حصاد الحنطة", ["title", "url"])
    # The new URL now finds it too, whatever id the next export gives it.
    report = ingest(db, [write(tmp_path / "c.jsonl", dict(new, id="cms-9981"))])
    assert (report.unchanged, report.added) == (1, 0)


def test_identical_text_under_another_url_is_a_duplicate(db, tmp_path):
    a = {"title": "بدء موسم حصاد الحنطة", "body": BODY, "date": "2024-04-20",
         "url": "https://www.example.org/ar/news/15"}
    b = dict(a, url="https://mirror.example.net/agri/2024/04/harvest")
    report = ingest(db, [write(tmp_path / "a.jsonl", a, b)])
    assert (report.read, report.added, report.duplicates) == (2, 1, 1)
    assert only_article(db)["url"] == a["url"]


def test_versions_within_one_file_are_revisions_too(db, tmp_path):
    v1 = {"id": "zr-20", "title": "حصاد الحنطة", "body": BODY, "date": "2024-04-20"}
    v2 = dict(v1, body=BODY + " وتتوقع المديرية إنتاجاً وفيراً.")
    v3 = dict(v2, title="حصاد الحنطة يبدأ في أيار")
    report = ingest(db, [write(tmp_path / "a.jsonl", v1, v2, v3)])
    assert (report.added, report.updated) == (1, 2)
    assert get_article(db, "zr-20")["title"] == "حصاد الحنطة يبدأ في أيار"
    revs = article_revisions(db, "zr-20")
    assert [(r["title"], r["body"] == BODY, r["changed"]) for r in revs] == [
        ("حصاد الحنطة", True, ["body"]), ("حصاد الحنطة", False, ["title"])]


# --------------------------------------------------------------------------- time zones

@pytest.fixture
def seed_copy(tmp_path):
    if not SEED.exists():
        skip_or_fail(f"the seed page is not at {SEED} (it is present in CI)")
    folder = tmp_path / "mada"
    folder.mkdir()
    return shutil.copy(SEED, folder / SEED.name)


def test_seed_page_in_its_outlets_zone_without_default_tz(db, seed_copy):
    report = ingest(db, [seed_copy], source_timezones={"جريدة المدى": "Asia/Baghdad"})
    assert report.added == 1
    assert to_z(only_article(db)["published_at"]) == "2026-01-06T19:30:00Z"  # 10:30 PM in Baghdad
    with db.session() as s:
        assert s.scalar(select(Source.timezone).where(Source.name == "جريدة المدى")) == "Asia/Baghdad"


def test_the_configured_zone_is_the_web_default():
    from web import config

    assert config.SOURCE_TIMEZONES["جريدة المدى"] == "Asia/Baghdad"


def test_a_stored_source_zone_is_used_and_configuration_wins(db, tmp_path):
    # A zone configured once (SOURCE_TIMEZONES) is stored with the source and read by later
    # ingests that are not given it.
    ingest(db, [write(tmp_path / "first.jsonl", {"id": "tz-0", "title": "خبر أول", "body": BODY + " أولا",
                                                 "date": "2024-04-19T09:00", "source": "إذاعة تونس"})],
           source_timezones={"إذاعة تونس": "Africa/Tunis"})  # UTC+1
    rec = {"id": "tz-1", "title": "خبر", "body": BODY, "date": "2024-04-20T09:00", "source": "إذاعة تونس"}
    path = write(tmp_path / "a.jsonl", rec)
    ingest(db, [path], default_tz="Asia/Baghdad")
    assert to_z(get_article(db, "tz-1")["published_at"]) == "2024-04-20T08:00:00Z"
    # SOURCE_TIMEZONES says otherwise: the record is re-read in that zone (an update) and stored.
    report = ingest(db, [path], source_timezones={"إذاعة تونس": "UTC"})
    assert report.updated == 1
    assert to_z(get_article(db, "tz-1")["published_at"]) == "2024-04-20T09:00:00Z"
    with pytest.raises(ValueError, match="unknown time zone"):
        Ingester(db, source_timezones={"x": "Baghdad"})


def to_z(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


# --------------------------------------------------------------------------- the 0001 → 0002 upgrade

def upgrade_to(db: Database, revision: str) -> None:
    """The archive's schema as it was at ``revision`` (an old archive to upgrade from)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def test_upgrade_from_0001_with_data(db_url, tmp_path):
    db = Database(db_url)
    try:
        upgrade_to(db, "0001")
        assert "article_revisions" not in inspect(db.engine).get_table_names()
        now = datetime(2025, 1, 1)
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO ingest_runs (started_at, status, paths, format, read, added, "
                              "updated, unchanged, duplicates, rejected) VALUES (:now, 'completed', '', "
                              "'auto', 2, 2, 0, 0, 0, 0)"), {"now": now})
            run = conn.execute(text("SELECT max(id) FROM ingest_runs")).scalar()
            for aid, url in (("old-1", "https://Example.org/ar/news/15/?utm_campaign=x"), ("old-2", None)):
                conn.execute(text(
                    "INSERT INTO articles (id, title, body, url, published_at, date_precision, content_hash, "
                    "record_hash, ingest_run_id, created_at, updated_at) VALUES (:id, 'عنوان', :body, :url, "
                    ":now, 'day', :id, :id, :run, :now, :now)"), {"id": aid, "url": url, "now": now,
                                                                 "body": BODY + aid, "run": run})
        db.upgrade()  # to the newest schema, through 0002
        with db.session() as s:
            keys = dict(s.execute(select(Article.id, Article.url_key)).all())
            assert keys == {"old-1": url_key("https://example.org/ar/news/15"), "old-2": None}
            assert s.scalar(select(func.count(ArticleRevision.id))) == 0
        index_columns = {tuple(i["column_names"]) for i in inspect(db.engine).get_indexes("articles")}
        assert ("url_key",) in index_columns
        # The upgraded archive finds the old article by its URL.
        rec = {"id": "cms-15", "title": "عنوان جديد", "body": BODY, "date": "2025-01-01",
               "url": "https://example.org/ar/news/15"}
        report = ingest(db, [write(tmp_path / "a.jsonl", rec)])
        assert (report.updated, report.added) == (1, 0)
        (rev,) = article_revisions(db, "old-1")
        assert rev["body"] == BODY + "old-1" and rev["title"] == "عنوان"
        db.upgrade()  # safe to repeat
    finally:
        db.dispose()


# --------------------------------------------------------------------------- upgrades that rebuild tables

def test_upgrade_from_0006_keeps_every_row_that_references_a_rebuilt_table(db_url):
    """0007 and 0008 rebuild ``sections`` and ``ingest_runs`` on SQLite (copy, drop, rename).
    With foreign keys on, dropping a table that articles reference fails, and dropping one that
    rejections reference with ON DELETE CASCADE would delete them: an archive upgraded in place
    keeps its sections, runs, articles and rejections, and its links between them."""
    db = Database(db_url)
    try:
        upgrade_to(db, "0006")
        now = datetime(2025, 1, 1)
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO sections (code, label) VALUES ('politic', 'سياسة')"))
            conn.execute(text("INSERT INTO sources (name) VALUES ('صحيفة الرافدين')"))
            conn.execute(text("INSERT INTO ingest_runs (started_at, status, paths, format, read, added, "
                              "updated, unchanged, duplicates, rejected) VALUES (:now, 'completed', 'a.jsonl', "
                              "'auto', 3, 2, 0, 0, 0, 1)"), {"now": now})
            run = conn.execute(text("SELECT max(id) FROM ingest_runs")).scalar()
            section = conn.execute(text("SELECT id FROM sections")).scalar()
            source = conn.execute(text("SELECT id FROM sources")).scalar()
            for aid in ("old-1", "old-2"):
                conn.execute(text(
                    "INSERT INTO articles (id, title, body, published_at, date_precision, content_hash, "
                    "record_hash, section_id, source_id, ingest_run_id, created_at, updated_at, change_seq) "
                    "VALUES (:id, 'عنوان', :body, :now, 'day', :id, :id, :section, :source, :run, :now, :now, 1)"),
                    {"id": aid, "now": now, "body": BODY + aid, "run": run, "section": section, "source": source})
            conn.execute(text("INSERT INTO rejections (run_id, ref, code, reason, created_at) "
                              "VALUES (:run, 'a.jsonl:3', 'bad_json', 'not JSON', :now)"), {"run": run, "now": now})
        db.upgrade()  # through 0007 (sections) and 0008 (ingest_runs)
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT code, label_ar, label_en FROM sections")).all() == [("politic", "سياسة", None)]
            assert conn.execute(text("SELECT id, section_id, ingest_run_id FROM articles ORDER BY id")).all() == [
                ("old-1", section, run), ("old-2", section, run)]
            assert conn.execute(text("SELECT run_id, ref FROM rejections")).all() == [(run, "a.jsonl:3")]
            assert conn.execute(text("SELECT id, status FROM ingest_runs")).all() == [(run, "completed")]
            tables = set(inspect(conn).get_table_names())
        assert not [t for t in tables if t.startswith("_alembic_tmp")]
        if db.url.startswith("sqlite"):
            with db.engine.connect() as conn:  # the links still hold, and are enforced again
                assert conn.execute(text("PRAGMA foreign_key_check")).all() == []
                assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        db.upgrade()  # safe to repeat
    finally:
        db.dispose()


def test_a_failed_sqlite_upgrade_leaves_the_archive_as_it_was(tmp_path):
    """The whole upgrade is one transaction: a link found broken at the end (here an article
    pointing at a section that never existed, written while foreign keys were off) undoes every
    rebuilt table, so the archive is still at its old schema and can be repaired and upgraded."""
    import sqlite3

    path = tmp_path / "archive.sqlite3"
    db = Database(f"sqlite:///{path}")
    try:
        upgrade_to(db, "0006")
        raw = sqlite3.connect(path)  # foreign keys are off by default in a plain connection
        raw.execute("INSERT INTO sections (code) VALUES ('politic')")
        raw.execute("INSERT INTO articles (id, title, body, published_at, date_precision, content_hash, record_hash, "
                    "section_id, created_at, updated_at, change_seq) VALUES ('x', 't', 'b', '2025-01-01', 'day', "
                    "'h', 'h', 999, '2025-01-01', '2025-01-01', 1)")
        raw.commit()
        before = raw.execute("SELECT sql FROM sqlite_master ORDER BY name").fetchall()
        raw.close()
        with pytest.raises(RuntimeError, match="break links between tables"):
            db.upgrade()
        raw = sqlite3.connect(path)
        assert raw.execute("SELECT sql FROM sqlite_master ORDER BY name").fetchall() == before
        assert raw.execute("SELECT version_num FROM alembic_version WHERE version_num = '0006'").fetchall()
        raw.execute("UPDATE articles SET section_id = NULL")  # repaired: now it upgrades
        raw.commit()
        raw.close()
        db.upgrade()
        assert "label_en" in {c["name"] for c in inspect(db.engine).get_columns("sections")}
    finally:
        db.dispose()


def test_upgrade_to_0009_keeps_old_english_reasons_and_new_ones_keep_their_template(db_url, tmp_path):
    """0009 adds ``reason_params`` / ``error_params``: a populated 0008 archive keeps its English
    reasons (read back as they are), and what ingest rejects from then on keeps its template."""
    from archive.errors import Message
    from archive.runs import get_run, run_rejections

    db = Database(db_url)
    try:
        upgrade_to(db, "0008")
        now = datetime(2025, 1, 1)
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO ingest_runs (started_at, status, paths, format, error, read, added, "
                              "updated, unchanged, duplicates, rejected) VALUES (:now, 'failed', 'a.jsonl', "
                              "'auto', 'nothing could be read: a.jsonl: no such file', 1, 0, 0, 0, 0, 1)"),
                         {"now": now})
            old = conn.execute(text("SELECT max(id) FROM ingest_runs")).scalar()
            conn.execute(text("INSERT INTO rejections (run_id, ref, code, reason, created_at) "
                              "VALUES (:run, 'a.jsonl:3', 'bad-json', 'not valid JSON: old words', :now)"),
                         {"run": old, "now": now})
        db.upgrade()
        [rejection] = run_rejections(db, old)[1]
        assert rejection.reason == "not valid JSON: old words" and not isinstance(rejection.reason, Message)
        assert get_run(db, old).error == "nothing could be read: a.jsonl: no such file"
        bad = tmp_path / "bad.jsonl"
        bad.write_text('{"id": "x", "title": "t", "body": "b", "date": "31 فبراير 2019"}\n{"id": "y", "title": "t"\n',
                       encoding="utf-8")
        report = ingest(db, [str(bad)])
        first, second = run_rejections(db, report.run_id)[1]
        assert isinstance(first.reason, Message) and first.reason.template.startswith("invalid date %(value)r")
        assert first.reason == report.rejections[0]["reason"]      # the same English text as before
        assert first.reason.params["month_name"].template == "February"
        assert second.reason.template.startswith("not valid JSON: %(detail)s at column %(column)s")
        assert second.reason.params["column"] == len('{"id": "y", "title": "t"') + 1  # just past its end
        missing = tmp_path / "gone.jsonl"
        failed = get_run(db, ingest(db, [str(missing)]).run_id)
        assert failed.error == f"nothing could be read: {missing}: no such file or directory"
        assert failed.error.params["reasons"][0].template == "%(path)s: no such file or directory"
    finally:
        db.dispose()
