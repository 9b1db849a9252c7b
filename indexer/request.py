"""What a reader asks the search for: ``SearchRequest`` built from query parameters and
checked against the limits, and the errors a request can end in (``SearchError`` names the
parameter at fault, in English and Arabic; ``SearchTimeout``). Engine-neutral."""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Callable

from archive.dates import DateParseError, parse_bound
from indexer.query import ENTITY_KINDS, FILTER_FIELDS

SORTS = ("relevance", "newest", "oldest")
MAX_PER_PAGE = 100
MAX_PAGE = 10_000
MAX_WINDOW = 1_000          # deepest result a page may reach
MAX_VALUE = 300             # longest filter value
DATE_VALUE = re.compile(r"^(\d{4})(?:-(0[1-9]|1[0-2]))?$")
FILTER_PARAMS = FILTER_FIELDS
__all__ = ["SORTS", "MAX_PER_PAGE", "MAX_PAGE", "MAX_WINDOW", "DATE_VALUE", "FILTER_PARAMS",
           "ENTITY_KINDS", "SearchError", "SearchTimeout", "SearchRequest"]


class SearchError(ValueError):
    """A request a user got wrong: ``message`` in English, ``message_ar`` in Arabic."""

    def __init__(self, message: str, message_ar: str | None = None, param: str | None = None):
        super().__init__(message)
        self.message = message
        self.message_ar = message_ar or message
        self.param = param


class SearchTimeout(Exception):
    """The search ran past the configured time limit."""

    message = "The search took too long; try more specific words or fewer wildcards."
    message_ar = "استغرق البحث وقتًا طويلًا؛ جرّب كلمات أدق أو بادئات أقل."


@dataclass
class SearchRequest:
    query: str = ""
    section: list[str] = field(default_factory=list)
    source: list[str] = field(default_factory=list)
    person: list[str] = field(default_factory=list)
    org: list[str] = field(default_factory=list)
    place: list[str] = field(default_factory=list)
    date: list[str] = field(default_factory=list)
    date_from: str | None = None
    date_to: str | None = None
    sort: str = "relevance"
    page: int = 1
    per_page: int = 10

    @classmethod
    def from_params(cls, get_all: Callable[[str], list[str]]) -> "SearchRequest":
        """Build and validate a request from query parameters (``get_all(name)`` → values).
        Raises SearchError naming the parameter at fault."""
        def one(name: str) -> str | None:
            values = [v for v in get_all(name) if v is not None and v.strip() != ""]
            if len(values) > 1:
                raise SearchError(f"'{name}' was given {len(values)} times; give it once",
                                  f"المعامل '{name}' مكرر {len(values)} مرات؛ أعطه مرة واحدة", name)
            return values[0].strip() if values else None

        def integer(name: str, default: int, low: int, high: int) -> int:
            raw = one(name)
            if raw is None:
                return default
            if not re.fullmatch(r"\d{1,7}", raw):
                raise SearchError(f"'{name}' must be a whole number, not '{raw[:40]}'",
                                  f"يجب أن يكون '{name}' عددًا صحيحًا، لا '{raw[:40]}'", name)
            value = int(raw)
            if not low <= value <= high:
                raise SearchError(f"'{name}' must be between {low} and {high}, not {value}",
                                  f"يجب أن يكون '{name}' بين {low} و{high}، لا {value}", name)
            return value

        req = cls(query=one("q") or "")
        for name in FILTER_PARAMS:
            values = []
            for v in get_all(name):
                v = (v or "").strip()
                if v and v not in values:
                    if len(v) > MAX_VALUE:
                        raise SearchError(f"a '{name}' value is too long", f"قيمة '{name}' طويلة جدًا", name)
                    values.append(v)
            setattr(req, name, values)
        for v in req.date:
            if not DATE_VALUE.match(v):
                raise SearchError(f"'date' must be YYYY or YYYY-MM, not '{v[:40]}'",
                                  f"يجب أن يكون 'date' بالشكل YYYY أو YYYY-MM، لا '{v[:40]}'", "date")
        req.date_from, req.date_to = one("from"), one("to")
        req.sort = one("sort") or "relevance"
        if req.sort not in SORTS:
            raise SearchError(f"'sort' must be one of {', '.join(SORTS)}, not '{req.sort[:40]}'",
                              f"يجب أن يكون 'sort' واحدًا من {', '.join(SORTS)}", "sort")
        req.page = integer("page", 1, 1, MAX_PAGE)
        req.per_page = integer("per_page", 10, 1, MAX_PER_PAGE)
        return req

    def key(self) -> tuple:
        """The request as a hashable value (the result cache's key)."""
        return tuple((k, tuple(v) if isinstance(v, list) else v) for k, v in asdict(self).items())

    def published_range(self, tz: str) -> tuple[int | None, int | None]:
        """``from``/``to`` as [lo, hi) epoch seconds (either end open), in the time zone ``tz``."""
        try:
            low = parse_bound(self.date_from, end=False, tz=tz) if self.date_from else None
            high = parse_bound(self.date_to, end=True, tz=tz) if self.date_to else None
        except DateParseError as exc:
            raise SearchError(f"'from'/'to': {exc}", "'from'/'to': تاريخ غير صالح (YYYY أو YYYY-MM أو YYYY-MM-DD)",
                              "from") from None
        lo = int(low.timestamp()) if low else None
        hi = int(high.timestamp()) if high else None
        if lo is not None and hi is not None and lo >= hi:
            raise SearchError("'from' is after 'to'", "تاريخ 'from' بعد تاريخ 'to'", "from")
        return lo, hi
