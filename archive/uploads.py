"""Saving files uploaded for ingest: each into a new folder of its own, zips unpacked safely
(regular files only, every path kept inside the folder, bounded in bytes and files).

Zip members that are not regular files (symbolic links, devices) are never extracted; each is
noted in the folder's ``SKIPPED`` file, which ingest reads as one rejection per member, so the
run accounts for them like any other record it could not read.
"""
from __future__ import annotations

import json
import secrets
import shutil
import stat
import zipfile
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath
from typing import Iterable, Iterator, Protocol

from archive.errors import Message, UserError, message_json, stored_message
from archive.sources import BadRecord

# Written into an upload folder; a dot file, so ingest never reads it as an input file.
SKIPPED = ".skipped-members.jsonl"
LINK_TARGET_MAX = 300


class UploadError(UserError, ValueError):
    """An upload that cannot be accepted, in plain words (shown to the librarian)."""


class UploadedFile(Protocol):
    """What the web framework hands over for each uploaded file (werkzeug's FileStorage)."""

    filename: str | None

    def save(self, dst: Path) -> None: ...


def safe_part(name: str) -> str:
    """One path component as the librarian named it (Arabic kept), minus anything that could
    leave the upload folder or hide (separators, NUL, leading dots)."""
    name = name.replace("\x00", "").strip().lstrip(".").strip()
    return name[:200] or "file"


def _unique(path: Path) -> Path:
    n, candidate = 1, path
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
    return candidate


def _skipped(zf: zipfile.ZipFile, info: zipfile.ZipInfo, kind: int, archive: Path) -> tuple[str, Message]:
    """(code, reason) for a zip member that is not a regular file."""
    if kind == stat.S_IFLNK:
        with zf.open(info) as src:  # a link's data is its target path
            target = src.read(LINK_TARGET_MAX).decode("utf-8", "replace").replace("\x00", "")
        return "symlink", Message("%(zip)s holds a symbolic link to '%(target)s' here, not a file; links are "
                                  "never unpacked, so nothing was read from it", zip=archive.name, target=target)
    return "not-a-file", Message("%(zip)s holds a special file here (a device or pipe), not a regular file; it "
                                 "was not unpacked", zip=archive.name)


def extract_zip(archive: Path, into: Path, budget: list[int]) -> tuple[int, list[dict]]:
    """Extract regular files only, each path kept inside ``into``; counts against the upload's
    byte and file limits (``budget`` = [bytes left, files left]). Returns how many files were
    extracted and the members left out (``ref`` where they would have been, ``code``, ``reason``)."""
    count, skipped = 0, []
    try:
        zf = zipfile.ZipFile(archive)
    except zipfile.BadZipFile:
        raise UploadError("%(name)s is not a readable zip file", name=archive.name) from None
    with zf:
        for info in zf.infolist():
            if info.is_dir():
                continue
            parts = [p for p in PurePosixPath(info.filename.replace("\\", "/")).parts if p not in ("", ".")]
            if not parts or ".." in parts or info.filename.startswith("/"):
                raise UploadError("%(name)s holds a path outside its folder: %(path)s", name=archive.name,
                                  path=info.filename[:200])
            target = into.joinpath(*[safe_part(p) for p in parts])
            kind = stat.S_IFMT(info.external_attr >> 16)
            if kind and kind != stat.S_IFREG:  # no type bits: a plain file
                code, reason = _skipped(zf, info, kind, archive)
                skipped.append({"ref": str(target), "code": code, "reason": reason,
                                "reason_params": message_json(reason)})
                continue
            budget[1] -= 1
            if budget[1] < 0:
                raise UploadError("the upload holds too many files")
            target.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(info) as src, open(_unique(target), "wb") as out:
                while chunk := src.read(1 << 20):
                    budget[0] -= len(chunk)
                    if budget[0] < 0:
                        raise UploadError("the upload is larger than the limit once unpacked")
                    out.write(chunk)
            count += 1
    return count, skipped


def save_upload(files: Iterable[UploadedFile], upload_root: Path, max_bytes: int, max_files: int) -> Path:
    """Save uploaded files (zips unpacked into a folder of their name) into a new folder; the
    zip members left out are listed in its ``SKIPPED`` file."""
    files = [f for f in files if f and f.filename]
    if not files:
        raise UploadError("choose at least one file")
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
    folder = upload_root / f"{stamp}-{secrets.token_hex(3)}"
    folder.mkdir(parents=True)
    budget = [max_bytes, max_files]
    skipped: list[dict] = []
    try:
        for f in files:
            name = safe_part(f.filename.replace("\\", "/").rsplit("/", 1)[-1])
            budget[1] -= 1
            if budget[1] < 0:
                raise UploadError("the upload holds too many files")
            target = _unique(folder / name)
            f.save(target)
            budget[0] -= target.stat().st_size
            if budget[0] < 0:
                raise UploadError("the upload is larger than the limit")
            if name.lower().endswith(".zip"):
                budget[1] += 1  # the zip itself is not ingested: its files are
                skipped += extract_zip(target, _unique(folder / Path(name).stem), budget)[1]
                target.unlink()
        if skipped:
            (folder / SKIPPED).write_text("".join(json.dumps(s, ensure_ascii=False) + "\n" for s in skipped),
                                          encoding="utf-8")
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return folder


def skipped_members(folder: Path) -> Iterator[BadRecord]:
    """The rejections an upload folder's ``SKIPPED`` file lists (none for other folders)."""
    notes = folder / SKIPPED
    if not notes.is_file():
        return
    for line in notes.read_text(encoding="utf-8").splitlines():
        if line.strip():
            note = json.loads(line)
            yield BadRecord(note["ref"], note["code"], stored_message(note["reason"], note.get("reason_params")))
