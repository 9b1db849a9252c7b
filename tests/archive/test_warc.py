"""The WARC reader: HTML responses become articles at their target URI, everything else is
skipped, and a damaged archive is one ``bad-warc`` rejection that keeps what came before."""
from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive.ingest import article_id, ingest
from archive.sources import BadRecord, RawArticle, detect_format, reader_for
from archive.sources.warc import read_warc
from archive.store import get_article
from tests.conftest import FIXTURES

HTML = FIXTURES / "html"
RIVER_URL = "https://dhifaf.example/news/2025/03/14/bridge?ref=home"
MARKET_URL = "https://nakhla.example/economy/dates-prices-basra"


def _response(writer, url, payload: bytes, content_type: str, status: str = "200 OK"):
    headers = StatusAndHeaders(status, [("Content-Type", content_type)], protocol="HTTP/1.1")
    return writer.create_warc_record(url, "response", payload=BytesIO(payload), http_headers=headers)


def write_warc(path: Path, gzip: bool) -> list[str]:
    """A small crawl: warcinfo, a request, two HTML pages (one in Windows-1256), an image, a
    redirect and a stylesheet. Returns the WARC-Record-IDs of the two HTML responses."""
    market = (HTML / "market.html").read_text(encoding="utf-8").encode("cp1256")
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=gzip)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "arshif tests"}))
        request = StatusAndHeaders("GET / HTTP/1.1", [("Host", "dhifaf.example")], is_http_request=True)
        writer.write_record(writer.create_warc_record(RIVER_URL, "request", http_headers=request,
                                                      payload=BytesIO(b"")))
        ids = []
        for record in (
            _response(writer, RIVER_URL, (HTML / "river.html").read_bytes(), "text/html; charset=utf-8"),
            _response(writer, "https://dhifaf.example/logo.png", b"\x89PNG\r\n" + bytes(200), "image/png"),
            _response(writer, "https://dhifaf.example/old", b"<html>moved</html>", "text/html",
                      status="301 Moved Permanently"),
            _response(writer, MARKET_URL, market, "text/html; charset=windows-1256"),
            _response(writer, "https://nakhla.example/site.css", b"body{direction:rtl}", "text/css"),
        ):
            writer.write_record(record)
            if record.http_headers.get_header("Content-Type").startswith("text/html") and \
                    record.http_headers.get_statuscode() == "200":
                ids.append(record.rec_headers.get_header("WARC-Record-ID").strip("<>"))
    return ids


@pytest.mark.parametrize("name", ["crawl.warc", "crawl.warc.gz"])
def test_html_responses_become_articles(tmp_path, name):
    path = tmp_path / name
    ids = write_warc(path, gzip=name.endswith(".gz"))
    assert detect_format(path) == "warc"
    assert reader_for("warc") is read_warc
    records = list(read_warc(path, str(path)))
    assert all(isinstance(r, RawArticle) for r in records)
    assert [r.ref for r in records] == [f"{path}#{i}" for i in ids]
    river, market = records
    assert river.url == RIVER_URL  # the target URI, not the page's canonical link
    assert river.title == "افتتاح جسر جديد على نهر الفرات في الرمادي"
    assert river.date == "2025-03-14T09:45:00+03:00"
    assert "الأكثر قراءة" not in river.body and "نهر الفرات" in river.body
    assert market.url == MARKET_URL
    assert market.body.startswith("شهدت أسواق البصرة")  # decoded with the declared charset
    assert market.author == "حيدر الساعدي"


def test_warc_end_to_end(db, tmp_path):
    path = tmp_path / "crawl.warc.gz"
    write_warc(path, gzip=True)
    report = ingest(db, [tmp_path])
    assert report.to_dict() == {"read": 2, "added": 2, "updated": 0, "unchanged": 0, "duplicates": 0,
                                "rejected": 0, "rejections": []}
    river = get_article(db, article_id(RawArticle(ref="", url=RIVER_URL)))
    assert river["url"] == RIVER_URL and river["source"] == "صحيفة الضفاف"
    assert river["published_at"].isoformat() == "2025-03-14T06:45:00+00:00"
    assert ingest(db, [path]).unchanged == 2


@pytest.mark.parametrize("gzip", [False, True])
def test_a_cut_archive_keeps_what_came_before(tmp_path, gzip):
    whole = tmp_path / "whole.warc"
    write_warc(whole, gzip=gzip)
    data = whole.read_bytes()
    complete = [r.url for r in read_warc(whole, str(whole))]
    cut = tmp_path / "cut.warc"
    # Every ~60th byte, and inside the last gzip trailer (content whole, member cut).
    for size in [*range(1, len(data), max(1, len(data) // 60)), len(data) - 4, len(data) - 1]:
        rest = data[size:]
        if rest.startswith(b"\x1f\x8b\x08") or rest.lstrip(b"\r\n")[:5] in (b"", b"WARC/"):
            continue  # cut exactly between two records: a valid, shorter archive
        cut.write_bytes(data[:size])
        records = list(read_warc(cut, str(cut)))
        assert records, size
        *articles, last = records
        assert isinstance(last, BadRecord) and last.code == "bad-warc", size
        assert last.ref.startswith(str(cut))
        assert [a.url for a in articles] == complete[:len(articles)], size


def test_damage_is_rejected_with_the_reason(db, tmp_path):
    path = tmp_path / "cut.warc"
    write_warc(path, gzip=False)
    data = path.read_bytes()
    market_at = data.index(b"WARC-Target-URI: " + MARKET_URL.encode())
    path.write_bytes(data[:market_at + 2000])  # inside the Windows-1256 page
    (tmp_path / "junk.warc").write_bytes("هذا ليس أرشيف ويب\n".encode() * 20)
    report = ingest(db, [tmp_path])
    assert (report.read, report.added, report.rejected) == (3, 1, 2)
    by_file = {Path(r["ref"].split("#")[0]).name: r for r in report.rejections}
    assert by_file["cut.warc"]["code"] == "bad-warc"
    assert "#urn:uuid:" in by_file["cut.warc"]["ref"]
    assert "cut short" in by_file["cut.warc"]["reason"]
    assert by_file["junk.warc"]["code"] == "bad-warc"
    assert by_file["junk.warc"]["reason"].startswith("the WARC file is damaged after 0 complete records")
