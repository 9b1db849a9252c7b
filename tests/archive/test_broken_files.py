"""A folder of broken files next to good ones: every file read is counted, each problem is one
rejection with a stable code, and the good records are still stored."""
from __future__ import annotations

import gzip
import json
import zlib
from collections import Counter

import pytest
from sqlalchemy import func, select

from archive.ingest import ingest
from archive.models import Article, Rejection
from archive.sources.encoding import UndecodableText, decode_text, looks_binary
from archive.sources.jsonl import MAX_LINE_BYTES, capped_lines, read_jsonl
from archive.store import get_article
from tests.conftest import FIXTURES

GARBAGE = bytes((i * 7919 + 13) % 256 for i in range(5000))
PAGE = (FIXTURES / "pages" / "wahat" / "002_library.txt").read_text(encoding="utf-8")


def record(i: int, **extra) -> dict:
    return {"id": f"k-{i}", "title": f"خبر رقم {i} عن افتتاح سوق الكتب",
            "body": f"افتتحت البلدية اليوم سوقاً أسبوعياً للكتب المستعملة في الساحة رقم {i}.",
            "date": "2024-05-0%d" % (1 + i % 9), "section": "ثقافة", "source": "الواحة", **extra}


def line(obj: dict) -> bytes:
    return json.dumps(obj, ensure_ascii=False).encode("utf-8") + b"\n"


@pytest.fixture
def broken(tmp_path):
    d = tmp_path / "broken"
    d.mkdir()
    (d / "garbage.jsonl").write_bytes(GARBAGE)                         # bad-encoding
    (d / "garbage.txt").write_bytes(GARBAGE)                           # bad-encoding
    (d / "garbage.csv").write_bytes(GARBAGE)                           # bad-encoding
    (d / "garbage.html").write_bytes(GARBAGE)                          # bad-encoding
    (d / "truncated.jsonl").write_bytes(line(record(1)) + line(record(2)) + line(record(3))[:60])  # bad-json
    (d / "empty.jsonl").write_bytes(b"")                               # empty-file
    (d / "blank.jsonl").write_bytes(b"\n  \n\n")                       # empty-file
    (d / "header-only.csv").write_text("id,title,body,date\n", encoding="utf-8")  # empty-file
    (d / "empty.warc").write_bytes(b"")                                # empty-file
    (d / "empty.txt").write_bytes(b"")                                 # no-body
    with open(d / "long.jsonl", "wb") as fh:                           # too-long (50 MB line)
        fh.write(line(record(4)))
        body = "خ" * (25 * 1024 * 1024)                                # 2 bytes each in UTF-8
        fh.write(line(dict(record(5), body=body)))
        fh.write(line(record(6)))
    (d / "cp1256.jsonl").write_bytes(b"".join(                         # 2 added
        json.dumps(record(i), ensure_ascii=False).encode("cp1256") + b"\r\n" for i in (7, 8)))
    (d / "cp1256.csv").write_bytes(                                    # 1 added
        "id,العنوان,النص,التاريخ\nk-9,مكتبة الحي تمدد ساعات عملها,قررت إدارة المكتبة فتح أبوابها حتى العاشرة مساءً.,"
        "2024-06-01\n".encode("cp1256"))
    (d / "library-cp1256.txt").write_bytes(PAGE.encode("cp1256"))       # 1 added
    (d / "latin1.txt").write_bytes(                                     # bad-encoding
        "Le marché de la ville a rouvert ses portes après des travaux très attendus à l'été."
        .encode("latin-1") * 3)
    (d / "nodate.txt").write_text(PAGE.replace("نشر في: 11 آذار 2025: 4:40 م\n", ""),
                                  encoding="utf-8")                     # no-date
    with gzip.open(d / "cut.jsonl.gz", "wb", compresslevel=0) as fh:   # 29 added + bad-gzip
        for i in range(100, 160):
            fh.write(line(record(i)))
    data = (d / "cut.jsonl.gz").read_bytes()
    (d / "cut.jsonl.gz").write_bytes(data[:len(data) // 2])             # cut inside record 30
    # Every line complete before the cut is read.
    assert zlib.decompressobj(31).decompress(data[:len(data) // 2]).count(b"\n") == 29
    (d / "notes.png").write_bytes(GARBAGE)                              # not an archive file: skipped
    return d


def test_broken_folder_exact_counts_and_good_files_kept(db, broken):
    assert "نشر في: 11 آذار 2025: 4:40 م" in PAGE  # the date line nodate.txt drops
    report = ingest(db, [broken])
    codes = Counter(r["code"] for r in report.rejections)
    assert codes == {"bad-encoding": 5, "bad-json": 1, "empty-file": 4, "no-body": 1, "too-long": 1,
                     "no-date": 1, "bad-gzip": 1}
    assert (report.added, report.updated, report.unchanged, report.duplicates) == (37, 0, 0, 0)
    assert report.rejected == 14 and report.read == 51 == report.added + report.rejected
    by_file = {r["ref"].replace(str(broken) + "/", ""): r["code"] for r in report.rejections}
    assert by_file == {
        "cut.jsonl.gz": "bad-gzip", "empty.jsonl": "empty-file", "blank.jsonl": "empty-file",
        "empty.txt": "no-body", "empty.warc": "empty-file", "garbage.csv": "bad-encoding",
        "garbage.html": "bad-encoding", "garbage.jsonl": "bad-encoding", "garbage.txt": "bad-encoding",
        "header-only.csv": "empty-file", "latin1.txt": "bad-encoding", "long.jsonl:2": "too-long",
        "nodate.txt": "no-date", "truncated.jsonl:3": "bad-json"}
    long = next(r for r in report.rejections if r["code"] == "too-long")
    size = (broken / "long.jsonl").stat().st_size - len(line(record(4))) - len(line(record(6)))
    assert size > 50 * 1024 * 1024
    assert long["reason"] == f"the line is {size:,} bytes long (at most {MAX_LINE_BYTES:,})"
    # The Windows-1256 files read as the Arabic they are.
    assert get_article(db, "k-7")["title"] == "خبر رقم 7 عن افتتاح سوق الكتب"
    assert get_article(db, "k-9")["body"] == "قررت إدارة المكتبة فتح أبوابها حتى العاشرة مساءً."
    for i in (1, 2, 4, 6, 8, 100, 128):
        assert get_article(db, f"k-{i}") is not None, i
    with db.session() as s:
        page = s.scalar(select(Article).where(Article.origin.endswith("library-cp1256.txt")))
        assert page.title == "المكتبة المركزية تمدد ساعات الدوام في موسم الامتحانات"
        assert page.body.startswith("أعلنت إدارة المكتبة")
        raws = {r.ref.rsplit("/", 1)[1]: r.raw for r in s.scalars(select(Rejection))}
    assert len(raws["long.jsonl:2"]) <= 2000 and raws["long.jsonl:2"].startswith('{"id": "k-5"')
    assert "\x00" not in raws["garbage.jsonl"]
    # Nothing changed on a second run; the rejections are counted again.
    again = ingest(db, [broken])
    assert (again.read, again.unchanged, again.rejected) == (51, 37, 14)
    with db.session() as s:
        assert s.scalar(select(func.count(Article.id))) == 37


def test_a_long_line_is_skipped_in_pieces(tmp_path):
    path = tmp_path / "long.jsonl"
    path.write_bytes(b"x" * 100 + b"\n" + b"y" * 1000 + b"\n" + b"z" * 10)
    with open(path, "rb") as fh:
        lines = list(capped_lines(fh, 64))
    assert [(n, len(text), length) for n, text, length in lines] == [(1, 65, 101), (2, 65, 1001), (3, 10, None)]
    with open(path, "rb") as fh:
        lines = list(capped_lines(fh, 200))
    assert [(n, length) for n, _text, length in lines] == [(1, None), (2, 1001), (3, None)]


def test_utf16_and_bom_jsonl(tmp_path):
    for encoding in ("utf-16", "utf-16-le", "utf-8-sig", "cp1256"):
        path = tmp_path / f"{encoding}.jsonl"
        path.write_bytes((line(record(1)) + line(record(2))).decode("utf-8").encode(encoding))
        got = list(read_jsonl(path, str(path)))
        assert [r.title for r in got] == ["خبر رقم 1 عن افتتاح سوق الكتب", "خبر رقم 2 عن افتتاح سوق الكتب"], encoding
        assert [r.ref for r in got] == [f"{path}:1", f"{path}:2"]


def test_one_badly_encoded_line_among_good_ones(tmp_path):
    path = tmp_path / "mixed.jsonl"
    latin = json.dumps({"id": "x", "title": "Été à Montréal, où l'on a chômé", "body": "àéèêëîïôûüç" * 20,
                        "date": "2024-01-01"}, ensure_ascii=False).encode("latin-1") + b"\n"
    path.write_bytes(line(record(1)) + latin + line(record(3)))
    got = list(read_jsonl(path, str(path)))
    assert [getattr(r, "code", "ok") for r in got] == ["ok", "bad-encoding", "ok"]
    assert got[1].ref == f"{path}:2"


def test_encoding_detection_rules():
    arabic = "أعلنت وزارة الزراعة بدء موسم حصاد القمح في المحافظات الجنوبية."
    assert decode_text(arabic.encode("cp1256")) == arabic
    assert decode_text(b"\xef\xbb\xbf" + arabic.encode()) == arabic
    assert decode_text(arabic.encode("utf-16-be")) == arabic  # no BOM: the 0x06 high bytes tell
    assert looks_binary(GARBAGE) and not looks_binary(arabic.encode("utf-16-le"))
    assert not looks_binary(arabic.encode("cp1256")) and not looks_binary(b"")
    for bad in (GARBAGE, "Ñoño mañana está aquí señor".encode("latin-1") * 5):
        with pytest.raises(UndecodableText):
            decode_text(bad)


def test_a_broken_character_in_utf16_rejects_only_its_line(tmp_path):
    path = tmp_path / "utf16.jsonl"
    text = lambda *objs: b"".join(line(o) for o in objs).decode("utf-8").encode("utf-16-le")
    broken = b"\x00\xd8" + "x\n".encode("utf-16-le")  # a lone surrogate
    path.write_bytes(b"\xff\xfe" + text(record(1)) + broken + text(record(3)))
    got = list(read_jsonl(path, str(path)))
    assert [getattr(r, "code", "ok") for r in got] == ["ok", "bad-encoding", "ok"]
    assert got[1].ref == f"{path}:2"


def test_csv_in_each_encoding(tmp_path):
    from archive.sources.csv import read_csv

    text = ("id,العنوان,النص,التاريخ\n"
            "c-1,افتتاح مكتبة الحي,افتتحت البلدية مكتبة جديدة للأطفال.,2024-06-01\n")
    for encoding in ("utf-8", "utf-8-sig", "utf-16", "cp1256"):
        path = tmp_path / f"{encoding}.csv"
        path.write_bytes(text.encode(encoding))
        (got,) = list(read_csv(path, str(path)))
        assert (got.id, got.title, got.body) == ("c-1", "افتتاح مكتبة الحي", "افتتحت البلدية مكتبة جديدة للأطفال."), encoding


def test_nul_bytes_in_one_line_reject_that_line_not_the_file(tmp_path):
    """A short export whose first line carries NUL bytes: that line is rejected, the rest read
    (the share of control bytes in the file's head used to call the whole file binary)."""
    short = [{"id": f"s-{i}", "title": "خبر", "body": "نص", "date": "2024-05-01"} for i in range(3)]
    lines = [line(r) for r in short]
    lines[0] = lines[0].replace("نص".encode(), "نص".encode() + b"\x00" * 5)
    path = tmp_path / "short.jsonl"
    path.write_bytes(b"".join(lines))
    got = list(read_jsonl(path, str(path)))
    assert [(r.ref, getattr(r, "code", None)) for r in got] == \
        [(f"{path}:1", "bad-encoding"), (f"{path}:2", None), (f"{path}:3", None)]
