"""Sections as librarians name them: each outlet's section code (``politic``,
``internationalNews``) with an Arabic and an English label, for facets, pages, exports and
the ``section:`` filter (which accepts the code or either label)."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Callable, Iterable

from sqlalchemy import func, select

from archive.db import Database
from archive.errors import UserError
from archive.models import Article, Section

MAX_LABEL = 300


class SectionError(UserError, ValueError):
    """A label a librarian cannot give (unknown code, a label another section already uses…)."""


@dataclass(frozen=True)
class SectionInfo:
    code: str
    label_ar: str | None
    label_en: str | None
    articles: int

    def label(self, lang: str) -> str:
        """The label in ``lang``, else the other label, else the code."""
        first, second = (self.label_ar, self.label_en) if lang == "ar" else (self.label_en, self.label_ar)
        return first or second or self.code


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def list_sections(db: Database) -> list[SectionInfo]:
    """Every section with its labels and article count, most articles first."""
    counts = (select(Article.section_id.label("sid"), func.count().label("n"))
              .group_by(Article.section_id).subquery())
    n = func.coalesce(counts.c.n, 0)
    query = (select(Section.code, Section.label_ar, Section.label_en, n.label("articles"))
             .outerjoin(counts, counts.c.sid == Section.id).order_by(n.desc(), Section.code))
    with db.session() as s:
        return [SectionInfo(r.code, r.label_ar, r.label_en, r.articles) for r in s.execute(query)]


Labels = dict[str, tuple[str | None, str | None]]


def section_labels(db: Database) -> Labels:
    """code → (Arabic label, English label), for the sections that have a label."""
    with db.session() as s:
        rows = s.execute(select(Section.code, Section.label_ar, Section.label_en)
                         .where(Section.label_ar.is_not(None) | Section.label_en.is_not(None)))
        return {r.code: (r.label_ar, r.label_en) for r in rows}

# Bumped by every relabel made in this process: each LabelCache here reloads at its next read.
_relabels = 0
_relabels_lock = threading.Lock()


def _relabelled() -> None:
    global _relabels
    with _relabels_lock:
        _relabels += 1


class LabelCache:
    """``section_labels(db)`` kept in memory, so that a request reads no SQL for them (every
    search, facet and page names its sections): read again at most every ``ttl`` seconds, and at
    once after a relabel made in this process. A relabel made by another process (another worker
    of ``arshif serve``, the CLI) shows here within ``ttl`` seconds. A read that fails is not
    kept: the error is the caller's, and the next call reads again."""

    def __init__(self, db: Database, ttl: float, clock: Callable[[], float] = time.monotonic):
        self.db, self.ttl, self.clock = db, ttl, clock
        self._state: tuple[int, float, Labels] | None = None  # (relabels seen, read at, table)

    def get(self) -> Labels:
        state, now = self._state, self.clock()
        if state is not None and state[0] == _relabels and now - state[1] < self.ttl:
            return state[2]
        seen = _relabels  # before reading: a relabel during the read triggers another read
        table = section_labels(self.db)
        self._state = (seen, now, table)
        return table


def code_for(labels: Labels, value: str) -> str:
    """The section code a ``section:`` value names: the code itself, or the code whose
    Arabic or English label it is (spacing and letter case aside); else the value unchanged."""
    if value in labels:
        return value
    wanted = _fold(value)
    for code, pair in labels.items():
        if any(label and _fold(label) == wanted for label in pair):
            return code
    return value


def set_labels(db: Database, code: str, label_ar: str | None = None, label_en: str | None = None) -> SectionInfo:
    """Name a section (None leaves a label as it is, "" removes it). A label may not be
    another section's code or label: ``section:`` must name one section."""
    with db.session() as s:
        row = s.scalar(select(Section).where(Section.code == code))
        if row is None:
            raise SectionError("there is no section with the code %(code)s", code=code)
        new = {"label_ar": label_ar, "label_en": label_en}
        for column, value in new.items():
            if value is None:
                continue
            value = " ".join(value.split())
            if len(value) > MAX_LABEL:
                raise SectionError("a label is at most %(n)s characters", n=MAX_LABEL)
            if value:
                for other in s.scalars(select(Section).where(Section.id != row.id)):
                    names = [other.code, other.label_ar, other.label_en]
                    if any(n and _fold(n) == _fold(value) for n in names):
                        raise SectionError("“%(label)s” already names the section %(code)s", label=value,
                                           code=other.code)
            setattr(row, column, value or None)
        s.flush()
        articles = s.scalar(select(func.count()).select_from(Article).where(Article.section_id == row.id)) or 0
        info = SectionInfo(row.code, row.label_ar, row.label_en, articles)
    _relabelled()  # after the commit: a cache that reads now sees the new labels
    return info


def fill_labels(db: Database, labels: Iterable[tuple[str, str | None, str | None]],
                replace: bool = False) -> list[SectionInfo]:
    """Give each (code, Arabic label, English label) to its section: only the labels the section
    lacks (a librarian's own labels stay) unless ``replace``. Codes no section has are skipped.
    Returns the sections that changed."""
    known = {info.code: info for info in list_sections(db)}
    changed = []
    for code, label_ar, label_en in labels:
        info = known.get(code)
        if info is None:
            continue
        ar = label_ar if label_ar and (replace or not info.label_ar) else None
        en = label_en if label_en and (replace or not info.label_en) else None
        if (ar or en) and (ar, en) != (info.label_ar if ar else None, info.label_en if en else None):
            changed.append(set_labels(db, code, ar, en))
    return changed
