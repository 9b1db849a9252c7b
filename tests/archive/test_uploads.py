"""Uploads for ingest (archive/uploads.py, no web app needed): zips unpack safely, and the members
left out are rejections of the ingest run, with the reason (issue 17, item 9)."""
from __future__ import annotations

import io
import json
import stat
import zipfile
from pathlib import Path

import pytest

from archive.ingest import ingest
from archive.uploads import UploadError, save_upload
from tests.articles import generate


class Upload:
    """A file as the web framework hands it over."""

    def __init__(self, filename: str, data: bytes):
        self.filename, self.data = filename, data

    def save(self, dst: Path) -> None:
        dst.write_bytes(self.data)


def zip_with(members: list[tuple[str, bytes, int]]) -> bytes:
    """A zip of (name, data, Unix file type) members; a link's data is its target."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data, kind in members:
            info = zipfile.ZipInfo(name)
            info.external_attr = (kind | 0o644) << 16
            zf.writestr(info, data)
    return buf.getvalue()


def jsonl(articles: list[dict]) -> bytes:
    return "".join(json.dumps(a, ensure_ascii=False) + "\n" for a in articles).encode("utf-8")


def test_links_in_a_zip_are_rejections_of_the_run(db, tmp_path):
    upload = zip_with([("news/real.jsonl", jsonl(generate(3, prefix="z")), stat.S_IFREG),
                       ("news/link.jsonl", b"/etc/passwd", stat.S_IFLNK),
                       ("news/pipe.jsonl", b"", stat.S_IFIFO)])
    folder = save_upload([Upload("batch.zip", upload)], tmp_path / "uploads", 10**7, 100)
    files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    assert "batch/news/real.jsonl" in files and "batch/news/link.jsonl" not in files

    report = ingest(db, [str(folder)])
    assert (report.read, report.added, report.rejected) == (5, 3, 2)
    by_name = {r["ref"].rsplit("/", 1)[1]: r for r in report.rejections}
    assert by_name["link.jsonl"]["code"] == "symlink"
    assert "batch.zip" in by_name["link.jsonl"]["reason"] and "/etc/passwd" in by_name["link.jsonl"]["reason"]
    assert by_name["link.jsonl"]["ref"] == str(folder / "batch" / "news" / "link.jsonl")
    assert by_name["pipe.jsonl"]["code"] == "not-a-file"


def test_zip_escapes_are_refused_and_leave_nothing(tmp_path):
    for name, kind in (("../../escape.jsonl", stat.S_IFREG), ("../link", stat.S_IFLNK)):
        with pytest.raises(UploadError, match="outside its folder"):
            save_upload([Upload("evil.zip", zip_with([(name, b"{}", kind)]))], tmp_path / "uploads", 10**6, 10)
    assert list((tmp_path / "uploads").iterdir()) == []
