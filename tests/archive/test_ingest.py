"""Ingest as a librarian sees it: counts, rejections with reasons, idempotence — on SQLite and PostgreSQL."""
from __future__ import annotations

import gzip
import json
import shutil

from sqlalchemy import func, select

from archive.ingest import ingest
from archive.models import Article, IngestRun, Rejection
from archive.store import get_article, list_rejections
from tests.conftest import FIXTURES


def test_ingest_counts_and_idempotence(db):
    first = ingest(db, [FIXTURES / "news.jsonl"])
    assert first.to_dict() == {"read": 6, "added": 6, "updated": 0, "unchanged": 0, "duplicates": 0,
                               "rejected": 0, "rejections": []}
    again = ingest(db, [FIXTURES / "news.jsonl"])
    assert (again.read, again.added, again.unchanged) == (6, 0, 6)
    with db.session() as s:
        assert s.scalar(select(func.count(Article.id))) == 6
        runs = s.scalars(select(IngestRun).order_by(IngestRun.id)).all()
        assert [(r.status, r.added, r.unchanged) for r in runs] == [("completed", 6, 0), ("completed", 0, 6)]


def test_bad_lines_become_rejections_and_the_rest_is_stored(db):
    report = ingest(db, [FIXTURES / "bad.jsonl"])
    assert (report.read, report.added, report.rejected) == (5, 2, 3)
    by_ref = {r["ref"].rsplit(":", 1)[1]: r for r in report.rejections}
    assert by_ref["2"]["code"] == "bad-json"
    assert by_ref["3"]["code"] == "no-body"
    assert by_ref["4"]["code"] == "bad-date"
    assert "فبراير" in by_ref["4"]["reason"] and "28 days" in by_ref["4"]["reason"]
    assert get_article(db, "b-001")["title"] == "خبر سليم"
    assert get_article(db, "b-005") is not None
    run_id, rows = list_rejections(db)
    assert run_id == report.run_id and [r["code"] for r in rows] == ["bad-json", "no-body", "bad-date"]
    with db.session() as s:
        raw = s.scalar(select(Rejection.raw).where(Rejection.code == "bad-json"))
        assert raw.startswith('{"id": "b-002"')  # the raw input is kept, nothing is lost


def test_updated_and_duplicate_records(db, tmp_path):
    ingest(db, [FIXTURES / "news.jsonl"])
    rows = [json.loads(l) for l in (FIXTURES / "news.jsonl").read_text().splitlines()]
    changed = dict(rows[1], title="البنك المركزي يرفع سعر الفائدة مجددا")
    copy = dict(rows[2], id="t-003-copy", url="https://example.org/copy")
    path = tmp_path / "more.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        for r in (changed, copy, rows[0]):
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    report = ingest(db, [path])
    assert (report.read, report.updated, report.duplicates, report.unchanged) == (3, 1, 1, 1)
    assert get_article(db, "t-002")["title"].endswith("مجددا")
    assert get_article(db, "t-003-copy") is None


def test_dates_are_stored_in_utc_with_precision(db):
    ingest(db, [FIXTURES / "news.jsonl"], default_tz="Asia/Baghdad")
    a = get_article(db, "t-001")  # 2018-03-04T10:20:00+03:00
    assert a["published_at"].isoformat() == "2018-03-04T07:20:00+00:00"
    assert a["date_precision"] == "second"
    day = get_article(db, "t-003")  # date only, read in the source's zone (Baghdad, UTC+3)
    assert day["published_at"].isoformat() == "2017-11-01T21:00:00+00:00"
    assert day["date_precision"] == "day"


def test_directories_csv_and_missing_paths(db, tmp_path):
    folder = tmp_path / "exports"
    (folder / "nested").mkdir(parents=True)
    shutil.copy(FIXTURES / "news.jsonl", folder / "nested" / "a.jsonl")
    (folder / "b.csv").write_text(
        "id,headline,text,published,category,outlet,link\n"
        'c-1,عنوان من CSV,"سطر أول\nسطر ثان",2019-07-14,economy,Levant Daily,https://example.org/c1\n'
        "c-2,بلا تاريخ,نص,,economy,Levant Daily,\n", encoding="utf-8")
    (folder / "notes.png").write_bytes(b"\x89PNG")  # not an archive file: skipped, not rejected
    report = ingest(db, [folder, tmp_path / "missing.jsonl"], source="منفذ موحد")
    assert (report.read, report.added, report.rejected) == (8, 7, 1)
    assert report.rejections[0]["code"] == "no-date" and report.rejections[0]["ref"].endswith("b.csv:4")  # c-1 spans lines 2-3
    assert report.errors == [f"{tmp_path / 'missing.jsonl'}: no such file or directory"]
    c1 = get_article(db, "c-1")
    assert c1["body"] == "سطر أول\nسطر ثان" and c1["source"] == "منفذ موحد" and c1["section"] == "economy"


def test_records_without_an_id_get_a_stable_one(db, tmp_path):
    path = tmp_path / "noid.jsonl"
    path.write_text(json.dumps({"title": "عنوان", "body": "نص", "date": "2018-01-01",
                                "url": "https://example.org/x"}, ensure_ascii=False) + "\n")
    first = ingest(db, [path])
    again = ingest(db, [path])
    assert first.added == 1 and again.unchanged == 1
    with db.session() as s:
        (aid,) = s.scalars(select(Article.id)).all()
    assert aid.startswith("u-") and aid.replace("-", "").isalnum()


def test_nul_characters_never_reach_the_database(db, tmp_path):
    path = tmp_path / "nul.jsonl"
    good = {"id": "n-1", "title": "عنوان\u0000", "body": "نص\u0000 الخبر", "date": "2018-01-01"}
    path.write_bytes(json.dumps(good).encode() + b"\n" + b'{"id": "n-2", "title": "\x00\xff"}\n')
    report = ingest(db, [path])
    assert (report.added, report.rejected) == (1, 1)
    assert get_article(db, "n-1")["body"] == "نص الخبر"
    _run, rows = list_rejections(db)
    assert rows[0]["code"] == "bad-encoding"


def test_only_http_addresses_are_stored_as_urls(db, tmp_path):
    """A javascript:, data: or relative "url" would become a link on the article page and in
    Atom: the record is rejected with the reason, the others are stored."""
    path = tmp_path / "urls.jsonl"
    urls = ["javascript:alert(document.cookie)", " JavaScript:alert(1)", "data:text/html,<b>x</b>",
            "/ar/news/1", "https://example.org/ok", "HTTP://Example.org/also-ok"]
    path.write_text("".join(json.dumps({"id": f"u{i}", "title": "عنوان", "body": f"نص {i}", "date": "2018-01-01",
                                        "url": url}, ensure_ascii=False) + "\n" for i, url in enumerate(urls)))
    report = ingest(db, [path])
    assert (report.added, report.rejected) == (2, 4)
    assert {r["code"] for r in report.rejections} == {"bad-url"}
    assert "javascript:alert(document.cookie)" in report.rejections[0]["reason"]
    assert get_article(db, "u0") is None and get_article(db, "u4")["url"] == "https://example.org/ok"


def test_a_broken_json_line_is_rejected_at_its_own_column(db, tmp_path):
    cut = '{"id": "b-002", "title": "سطر مكسور", "body": '
    extra_comma = '{"id": "c-1", "title": "عنوان",, "body": "نص"}'
    src = tmp_path / "broken.jsonl"
    src.write_text(f"{cut}\n{extra_comma}\r\n", encoding="utf-8")  # a CRLF line too
    reasons = [r["reason"] for r in ingest(db, [src]).rejections]
    # Cut short: the column just past its last character, not "column 1" of a line after it.
    assert f"at column {len(cut) + 1}, the end of the line" in reasons[0]
    column = extra_comma.index(",,") + 2  # the second comma, counted from 1
    assert f"at column {column}, at «, \"body\"" in reasons[1] and extra_comma[column - 1] == ","


def test_a_run_that_could_read_nothing_is_failed_with_its_reason(db, tmp_path):
    missing = tmp_path / "nothing-here.jsonl"
    report = ingest(db, [missing])
    assert report.read == 0 and "nothing-here.jsonl: no such file or directory" in report.failed
    binary = tmp_path / "binary.jsonl"
    binary.write_bytes(bytes(range(256)) * 8)
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(gzip.compress(b'{"id": "g-1"}\n' * 50)[:12])
    folder_of_pictures = tmp_path / "pictures"
    folder_of_pictures.mkdir()
    (folder_of_pictures / "front-page.jpg").write_bytes(b"\xff\xd8\xff")
    zipped = tmp_path / "export.zip"
    zipped.write_bytes(b"PK\x05\x06" + b"\0" * 18)
    failures = {"binary": ingest(db, [binary]), "cut": ingest(db, [cut]), "zip": ingest(db, [zipped]),
                "pictures": ingest(db, [folder_of_pictures])}
    assert "the file is binary" in failures["binary"].failed
    assert "damaged or cut short" in failures["cut"].failed
    assert "does not read .zip files: unpack it first" in failures["zip"].failed
    assert failures["pictures"].failed.startswith(f"no file to read in {folder_of_pictures}: ingest reads .jsonl")
    # A file that could be read is a completed run, whatever it held; one unreadable file beside it too.
    ok = ingest(db, [FIXTURES / "bad.jsonl", binary])
    assert ok.failed is None and ok.added == 2 and ok.rejected == 4
    with db.session() as s:
        runs = s.scalars(select(IngestRun).order_by(IngestRun.id)).all()
    assert [r.status for r in runs] == ["failed"] * 5 + ["completed"]
    assert [r.error for r in runs[:5]] == [report.failed] + [f.failed for f in failures.values()]
    assert runs[5].error is None
