"""Decoding the bytes of text inputs (saved pages, HTML without a declared charset, JSONL and CSV
exports): UTF-8 with or without BOM, UTF-16 and Windows-1256, with a plausibility rule so that
binary data or a wrong guess becomes a ``bad-encoding`` rejection, never mojibake in the archive.
"""
from __future__ import annotations

import re

from archive.errors import UserError

# C0/C1 control characters other than tab, newline, carriage return and form feed: binary data or
# a wrong decoding, never Arabic prose.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
# Characters expected in Arabic news text: Arabic letters, diacritics, digits and punctuation
# (U+0600–U+06FF, presentation forms), ASCII, white space and common typographic punctuation.
_IMPLAUSIBLE = re.compile(r"[^\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff\x20-\x7e\s"
                          r"\u00a0\u200c-\u200f\u2010-\u2027\u00ab\u00bb\u060c]")
# Latin and Arabic letters side by side inside one word: Latin-1 text read as Windows-1256
# (á → ل, ñ → ً), never real text.
_MIXED_WORD = re.compile(r"[A-Za-z\u00c0-\u00ff][\u0600-\u06ff]|[\u0600-\u06ff][A-Za-z\u00c0-\u00ff]")
MIN_PLAUSIBLE_SHARE = 0.95  # share of plausible characters a Windows-1256 decoding needs
MAX_CONTROL_SHARE = 0.01    # share of control characters tolerated (and removed) in any decoding

UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


class UndecodableText(UserError, ValueError):
    """Bytes that no candidate encoding decodes into plausible text."""


# Every byte except the C0 controls _CONTROL matches (and DEL): translate() deletes these,
# leaving only the control bytes, at C speed.
_NOT_C0 = bytes(b for b in range(256) if not (b <= 0x08 or b in (0x0b, 0x7f) or 0x0e <= b <= 0x1f))


def _control_share(text: str, data: bytes, encoding: str) -> float:
    # Fast path for byte-oriented encodings: no C0 byte, and no C1 character (UTF-8 writes
    # those as \xc2\x80-\x9f; Windows-1256 maps 0x80-0x9f to printable characters).
    if (encoding != "utf-16" and not encoding.startswith("utf-16-") and not data.translate(None, _NOT_C0)
            and (encoding == "cp1256" or b"\xc2" not in data)):
        return 0.0
    if not _CONTROL.search(text):
        return 0.0
    return len(_CONTROL.findall(text)) / max(len(text), 1)


def _plausible_share(text: str) -> float:
    visible = len(text) - sum(1 for c in text if c.isspace())
    if not visible:
        return 1.0
    bad = len(_IMPLAUSIBLE.findall(text)) + 10 * len(_MIXED_WORD.findall(text))
    return 1 - bad / visible


def utf16_encoding(data: bytes) -> str | None:
    """The UTF-16 codec for bytes that are UTF-16 (a BOM, or the NUL/0x06 high-byte pattern of
    mostly-ASCII/Arabic text without a BOM); None otherwise."""
    if data.startswith(UTF16_BOMS):
        return "utf-16"
    # The high byte of each character (0x00 for ASCII, 0x06 for Arabic) fills every other position.
    sample = data[:4000]
    if b"\x00" not in sample and b"\x06" not in sample:
        return None
    odd, even = sample[1::2], sample[0::2]
    if not odd:
        return None
    odd_high = (odd.count(b"\x00") + odd.count(b"\x06")) / len(odd)
    even_high = (even.count(b"\x00") + even.count(b"\x06")) / max(len(even), 1)
    if odd_high > 0.6 and even_high < 0.2:
        return "utf-16-le"
    if even_high > 0.6 and odd_high < 0.2:
        return "utf-16-be"
    return None


def _candidates(data: bytes) -> list[str]:
    if data.startswith(b"\xef\xbb\xbf"):
        return ["utf-8-sig"]
    utf16 = utf16_encoding(data)
    if utf16 == "utf-16":
        return [utf16]
    return ([utf16] if utf16 else []) + ["utf-8", "cp1256"]


def decode_text(data: bytes) -> str:
    """Decode a text file's bytes: UTF-8 (with or without BOM), UTF-16 (BOM, or NUL-byte
    pattern of mostly-ASCII/Arabic text) or Windows-1256.

    Windows-1256 decodes any byte string, so its result is kept only when at least
    ``MIN_PLAUSIBLE_SHARE`` of its visible characters are Arabic, ASCII or common punctuation
    (a word mixing Latin and Arabic letters weighs as ten implausible characters).
    Any decoding with more than ``MAX_CONTROL_SHARE`` control characters is binary, not text;
    a few stray control characters in real text are removed.
    Raises UndecodableText with the reason in plain words.
    """
    for encoding in _candidates(data):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        share = _control_share(text, data, encoding)
        if share > MAX_CONTROL_SHARE:
            continue
        if encoding == "cp1256" and _plausible_share(text) < MIN_PLAUSIBLE_SHARE:
            continue
        return _CONTROL.sub("", text) if share else text
    raise UndecodableText("the file is not text in a known encoding (UTF-8, UTF-16, Windows-1256): "
                          "it is binary or its characters make no sense in any of them")


def looks_binary(head: bytes) -> bool:
    """True when a file's first bytes are not text in any encoding: not UTF-16, and most of its
    lines (the whole head when it has no line break) hold more than ``MAX_CONTROL_SHARE`` C0
    control bytes (NULs included). A few lines with stray control bytes do not make a file
    binary: the reader rejects those lines and keeps the rest."""
    if not head or utf16_encoding(head):
        return False
    lines = [line for line in head.split(b"\n") if line.strip()]
    binary = sum(1 for line in lines if len(line.translate(None, _NOT_C0)) / len(line) > MAX_CONTROL_SHARE)
    return binary * 2 > len(lines)


def printable_excerpt(data: bytes, limit: int = 2000) -> str:
    """A readable excerpt of undecodable bytes for a rejection row (no NULs: PostgreSQL refuses them)."""
    return _CONTROL.sub("\ufffd", data[:limit].decode("utf-8", "replace"))


def read_whole_text(path, ref: str):
    """A whole file's text, or the ``bad-encoding`` rejection to yield instead:
    ``(text, None)`` or ``(None, BadRecord)``."""
    from archive.sources import BadRecord, open_bytes

    with open_bytes(path) as fh:
        data = fh.read()
    try:
        return decode_text(data), None
    except UndecodableText as exc:
        return None, BadRecord(ref, "bad-encoding", exc.message, printable_excerpt(data))
