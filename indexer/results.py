"""What a search answers: ``SearchResult`` with its ``Hit``s and ``Facet``s (each value with its
label, count and whether it is selected, like Datasette's facets). Plain dataclasses, the same
whichever engine answered; ``SearchResult.to_dict`` is the JSON of ``GET /api/v1/search``."""
from __future__ import annotations

from dataclasses import dataclass, field

from indexer.request import MAX_WINDOW


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool


@dataclass
class Facet:
    name: str
    values: list[FacetValue]
    timed_out: bool = False


@dataclass
class Hit:
    id: str
    title: str
    title_html: str
    url: str | None
    date: str
    section: str | None
    source: str | None
    snippet_html: str
    entities: list[dict]
    score: float | None = None
    date_precision: str = "minute"


@dataclass
class SearchResult:
    query: str
    total: int
    page: int
    per_page: int
    took_ms: float
    hits: list[Hit]
    facets: dict[str, Facet]
    expanded: list[dict] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    suggestion: str | None = None
    generation: str | None = None

    @property
    def pages(self) -> int:
        return max(1, -(-min(self.total, MAX_WINDOW) // self.per_page))

    def to_dict(self) -> dict:
        """Exactly the document ``GET /api/v1/search`` returns (DESIGN.md)."""
        return {
            "query": self.query, "total": self.total, "page": self.page,
            "per_page": self.per_page, "took_ms": round(self.took_ms, 3),
            "hits": [{"id": h.id, "title": h.title, "title_html": h.title_html, "url": h.url,
                      "date": h.date, "section": h.section, "source": h.source,
                      "snippet_html": h.snippet_html, "entities": h.entities} for h in self.hits],
            "facets": {name: [{"value": v.value, "label": v.label, "count": v.count,
                               "selected": v.selected} for v in f.values]
                       for name, f in self.facets.items()},
            "expanded": self.expanded, "notices": self.notices, "suggestion": self.suggestion,
        }
