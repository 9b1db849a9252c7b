"""Reader for saved article pages as plain text (the seed's format): breadcrumb, title, date line,
byline and body paragraphs, with the site's page furniture (comment box, sidebars, teasers,
social links) left out.

A page looks like this (one item per line, blank lines between)::

    TOP                                              ← furniture before the article
    جريدة المدى > اخبار وتقارير > <title>            ← breadcrumb: source > section > title
    <title>
    نشر في: 6 يناير, 2026: 10:30 م                   ← date line ("published on: …")
    متابعة/ المدى                                    ← byline ("follow-up/ Al-Mada")
    <body paragraphs …>
    انضم الى المحادثة                                ← first furniture line: the body ends here
    …

Where the body ends. The body runs from the first line after the header to the line before the
first *furniture line*, which is either

* a known marker (``FURNITURE_MARKERS`` / ``FURNITURE_PATTERNS``: the comment box, "happening now",
  "related articles", supplements, social-link lines, ``TOP`` …), or
* a line the page's folder taught the reader (``site_furniture``): a line that occurs in at least
  ``LEARN_MIN_PAGES`` (3) pages **and** in at least ``LEARN_MIN_SHARE`` (30%) of the ``.txt`` pages of
  the same directory is the site's furniture (a sidebar, a footer, a newsletter box).  It is learned
  once per directory and cached until the directory's pages change.

Header lines (breadcrumb, date, byline) are recognised by their shape before furniture is
considered, so a byline every page shares (``متابعة/ المدى``) is still read as the byline, and
furniture lines between the header and the first paragraph are skipped.
"""
from __future__ import annotations

import os
import re
import threading
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Iterable, Iterator

from archive.dates import DateParseError, parse_date
from archive.sources import RawArticle, Record, base_name, open_bytes
from archive.sources.encoding import UndecodableText, decode_text, read_whole_text

# -- furniture ------------------------------------------------------------------------------

def normalize_line(line: str) -> str:
    """A line as compared for furniture: NFC, tatweel and tashkeel removed, spaces collapsed."""
    line = unicodedata.normalize("NFC", line)
    line = re.sub(r"[\u0640\u064b-\u0652\u0670]", "", line)  # tatweel; fathatan … sukun; dagger alef
    return " ".join(line.split())


# Lines that end the body wherever they appear (compared after normalize_line and hamza folding).
FURNITURE_MARKERS = frozenset({
    "TOP",
    "انضم الى المحادثة",    # "join the conversation" (comment box)
    "اضف تعليقا",           # "add a comment"
    "اضف تعليق",
    "التعليقات",             # "comments"
    "يحدث الان",            # "happening now" (headline ticker)
    "مقالات ذات صلة",       # "related articles"
    "اخبار ذات صلة",        # "related news"
    "مواضيع ذات صلة",       # "related topics"
    "اقرا ايضا",            # "read also"
    "الاكثر قراءة",         # "most read"
    "الاكثر مشاهدة",        # "most viewed"
    "شارك هذا المقال",      # "share this article"
    "شارك",                 # "share"
    "تابعونا",              # "follow us"
    "جميع الحقوق محفوظة",  # "all rights reserved"
})
FURNITURE_PATTERNS = (
    re.compile(r"^\d+ حرف متبق[يى]$"),                 # "255 characters left" (comment box)
    re.compile(r"^ملحق \S+(?: \S+)?$"),                  # "supplement <name>" (ملحق عراقيون)
    re.compile(r"^(?:©|\(c\)|حقوق النشر|جميع الحقوق)", re.I),  # copyright lines
)
# Social-link lines are made only of these names (icon labels such as "facebook-blank" too).
SOCIAL_NAMES = frozenset({"facebook", "twitter", "x", "instagram", "youtube", "linkedin", "pinterest",
                          "rss", "telegram", "whatsapp", "tiktok", "snapchat", "email", "print",
                          "share"})


def _fold_hamza(line: str) -> str:
    """Fold أ إ آ → ا and ى → ي, ة kept: enough to match marker spellings."""
    return line.translate(str.maketrans("أإآ", "ااا"))


def is_known_furniture(line: str) -> bool:
    """True for a normalised line that is one of the built-in furniture markers."""
    folded = _fold_hamza(line).rstrip(":：")
    if folded in FURNITURE_MARKERS or any(p.match(folded) for p in FURNITURE_PATTERNS):
        return True
    words = {w.lower().removesuffix("-blank") for w in folded.split()}
    return len(words) >= 2 and words <= SOCIAL_NAMES


LEARN_MIN_PAGES = 3      # a learned furniture line occurs in at least this many pages …
LEARN_MIN_SHARE = 0.30   # … and in at least this share of the directory's .txt pages
LEARN_MAX_PAGES = 2000   # larger directories are learned from an evenly spread sample
_cache: dict[str, tuple[tuple, frozenset[str]]] = {}
_cache_lock = threading.Lock()
_CACHE_SIZE = 64


def _page_files(directory: Path) -> list[Path]:
    try:
        entries = sorted(directory.iterdir())
    except OSError:
        return []
    return [p for p in entries if p.is_file() and not p.name.startswith(".")
            and base_name(p).endswith(".txt")]


def _page_lines(text: str) -> set[str]:
    return {n for n in (normalize_line(line) for line in text.splitlines()) if n}


def learn_furniture(texts: Iterable[str]) -> frozenset[str]:
    """The lines that occur in at least LEARN_MIN_PAGES and LEARN_MIN_SHARE of the given pages."""
    counts: Counter[str] = Counter()
    pages = 0
    for text in texts:
        pages += 1
        counts.update(_page_lines(text))
    needed = max(LEARN_MIN_PAGES, LEARN_MIN_SHARE * pages)
    return frozenset(line for line, n in counts.items() if n >= needed)


def site_furniture(directory: Path) -> frozenset[str]:
    """The furniture lines learned from the ``.txt`` pages of ``directory`` (not its
    subdirectories), cached per directory until a page there is added, removed or changed."""
    files = _page_files(directory)
    signature = []
    for p in files:
        try:
            st = p.stat()
        except OSError:
            continue
        signature.append((p.name, st.st_size, st.st_mtime_ns))
    key = os.path.realpath(directory)
    signature = tuple(signature)
    with _cache_lock:
        hit = _cache.get(key)
        if hit is not None and hit[0] == signature:
            return hit[1]
    if len(files) > LEARN_MAX_PAGES:
        step = len(files) / LEARN_MAX_PAGES
        files = [files[int(i * step)] for i in range(LEARN_MAX_PAGES)]

    def texts() -> Iterator[str]:
        for p in files:
            try:
                with open_bytes(p) as fh:
                    yield decode_text(fh.read())
            except (OSError, EOFError, UndecodableText):
                continue  # the reader reports it when it reaches that page

    learned = learn_furniture(texts())
    with _cache_lock:
        if len(_cache) >= _CACHE_SIZE:
            _cache.pop(next(iter(_cache)))
        _cache[key] = (signature, learned)
    return learned


# -- the page's header ------------------------------------------------------------------------

_BREADCRUMB_SPLIT = re.compile(r"\s+[>›»＞]\s+")
# "published on:", "published:", "publication date:", "on (date)" — the label before the date.
_DATE_LABEL = re.compile(r"^(?:نُ?شر(?:\s+(?:في|بتاريخ))?|تاريخ النشر|بتاريخ|التاريخ)(?!\w)\s*[:：]?\s*(.+)$")
# Bylines: "متابعة/ المدى" (follow-up/), "بغداد/ المدى" (dateline/outlet), "كتب: …" (written by),
# "بقلم …" (by the pen of), "ترجمة/ …" (translated by), "إعداد …" (prepared by).
_BYLINE = re.compile(r"^(?:(?:بقلم|كتب|كتبت|كتابة|ترجمة|إعداد|اعداد|تقرير|حوار|متابعة|تحرير)\s*[:/]?\s*\S"
                     r"|[^\s/:.،]+(?: [^\s/:.،]+){0,2}\s*/\s*\S)")
MAX_BYLINE = 60
MAX_LEADING_LINES = 5  # lines that may precede the breadcrumb
MAX_HEADER_LINES = 4  # lines after the title that may still be date or byline


def date_of(line: str) -> str | None:
    """The date text of a date line (``نشر في: 6 يناير, 2026: 10:30 م`` → ``6 يناير, 2026: 10:30 م``),
    or None when the line is not a readable date."""
    if len(line) > 80:
        return None
    m = _DATE_LABEL.match(line)
    if m:  # labelled: the date text as given, even unreadable (ingest then says bad-date)
        return m.group(1).strip()
    if not re.search(r"[0-9\u0660-\u0669\u06f0-\u06f9]", line):
        return None
    try:
        parse_date(line)
    except (DateParseError, ValueError):
        return None
    return line


def _is_byline(line: str) -> bool:
    return len(line) <= MAX_BYLINE and bool(_BYLINE.match(line)) and not line.endswith((".", ":"))


def parse_page(text: str, ref: str, furniture: frozenset[str] = frozenset()) -> RawArticle:
    """Read one saved page's text into a RawArticle (fields None where the page lacks them).

    Fields keep the page's own spelling (diacritics included); only furniture comparisons use
    ``normalize_line``."""
    lines = [" ".join(line.split()) for line in text.splitlines()]
    lines = [line for line in lines if line]
    keys = [normalize_line(line) for line in lines]

    def is_furniture(i: int) -> bool:
        return keys[i] in furniture or is_known_furniture(keys[i])

    record = RawArticle(ref=ref, raw=text)
    i, n = 0, len(lines)
    # The breadcrumb, when there is one, comes within the first few lines; what precedes it
    # (TOP, a menu row) is furniture.
    for j in range(min(n, MAX_LEADING_LINES)):
        crumbs = [c.strip() for c in _BREADCRUMB_SPLIT.split(lines[j])]
        if len(crumbs) >= 2 and all(crumbs) and len(lines[j]) <= 400:
            record.source = crumbs[0]
            if len(crumbs) >= 3:
                record.section = crumbs[1]
            record.title = crumbs[-1]
            i = j + 1
            break
    else:
        while i < n and is_furniture(i):
            i += 1
    if i < n and (record.title is None or keys[i] == normalize_line(record.title)
                  or not (date_of(lines[i]) or _is_byline(lines[i]))):
        # The title line: it repeats the breadcrumb's last element (which may be shortened),
        # or stands alone when there is no breadcrumb.
        record.title = lines[i]
        i += 1
    header_end = min(n, i + MAX_HEADER_LINES)
    while i < header_end:
        if record.date is None and (date := date_of(lines[i])):
            record.date = date
        elif record.author is None and _is_byline(lines[i]):
            record.author = lines[i]
        elif not is_furniture(i):
            break
        i += 1
    while i < n and is_furniture(i):
        i += 1
    body = []
    while i < n and not is_furniture(i):
        body.append(lines[i])
        i += 1
    record.body = "\n\n".join(body) or None
    return record


# -- the reader --------------------------------------------------------------------------------

def read_page(path: Path, ref: str) -> Iterator[Record]:
    """Yield the one record of a saved page file, its furniture learned from its directory."""
    text, rejection = read_whole_text(path, ref)
    if rejection is not None:
        yield rejection
        return
    yield parse_page(text, ref, site_furniture(path.parent))
