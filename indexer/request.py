"""What a reader asks the search for: ``SearchRequest`` built from query parameters and
checked against the limits, and the errors a request can end in (``SearchError`` names the
parameter at fault, in English and Arabic; ``SearchTimeout``). Engine-neutral."""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Callable

from archive.dates import DateParseError, parse_bound
from archive.errors import N_, UserError
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


class SearchError(UserError, ValueError):
    """A request a user got wrong: a message template and its parameters (archive/errors.py);
    ``param`` names the query parameter at fault."""

    def __init__(self, template: str, param: str | None = None, **params):
        super().__init__(template, **params)
        self.param = param

    @classmethod
    def of_query(cls, exc: UserError) -> "SearchError":
        """The query's own error (QueryError), as a fault of ``q``."""
        return cls(exc.template, "q", **exc.params)


class SearchTimeout(UserError):
    """The search ran past the configured time limit."""

    def __init__(self):
        super().__init__(N_("The search took too long; try more specific words or fewer wildcards."))


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
                raise SearchError("'%(name)s' was given %(count)s times; give it once", name, name=name,
                                  count=len(values))
            return values[0].strip() if values else None

        def integer(name: str, default: int, low: int, high: int) -> int:
            raw = one(name)
            if raw is None:
                return default
            if not re.fullmatch(r"\d{1,7}", raw):
                raise SearchError("'%(name)s' must be a whole number, not '%(value)s'", name, name=name,
                                  value=raw[:40])
            value = int(raw)
            if not low <= value <= high:
                raise SearchError("'%(name)s' must be between %(low)s and %(high)s, not %(value)s", name,
                                  name=name, low=low, high=high, value=value)
            return value

        req = cls(query=one("q") or "")
        for name in FILTER_PARAMS:
            values = []
            for v in get_all(name):
                v = (v or "").strip()
                if v and v not in values:
                    if len(v) > MAX_VALUE:
                        raise SearchError("a '%(name)s' value is too long", name, name=name)
                    values.append(v)
            setattr(req, name, values)
        for v in req.date:
            if not DATE_VALUE.match(v):
                raise SearchError("'date' must be YYYY or YYYY-MM, not '%(value)s'", "date", value=v[:40])
        req.date_from, req.date_to = one("from"), one("to")
        req.sort = one("sort") or "relevance"
        if req.sort not in SORTS:
            raise SearchError("'sort' must be one of %(sorts)s, not '%(value)s'", "sort", sorts=", ".join(SORTS),
                              value=req.sort[:40])
        req.page = integer("page", 1, 1, MAX_PAGE)
        req.per_page = integer("per_page", 10, 1, MAX_PER_PAGE)
        return req

    def key(self) -> tuple:
        """The request as a hashable value (the result cache's key)."""
        return tuple((k, tuple(v) if isinstance(v, list) else v) for k, v in asdict(self).items())

    def published_range(self, tz: str) -> tuple[int | None, int | None]:
        """``from``/``to`` as [lo, hi) epoch seconds (either end open), in the time zone ``tz``."""
        def bound(name: str, value: str | None, end: bool):
            try:
                return parse_bound(value, end=end, tz=tz) if value else None
            except DateParseError:
                raise SearchError("'%(name)s' must be a date (YYYY, YYYY-MM or YYYY-MM-DD), not '%(value)s'", name,
                                  name=name, value=value[:40]) from None
        low, high = bound("from", self.date_from, False), bound("to", self.date_to, True)
        lo = int(low.timestamp()) if low else None
        hi = int(high.timestamp()) if high else None
        if lo is not None and hi is not None and lo >= hi:
            raise SearchError("'from' is after 'to'", "from")
        return lo, hi
