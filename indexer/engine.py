"""The engine interface: all the search core asks of an index engine (Whoosh, embedded, by
default; SolrCloud past one machine). ``SearchService`` prepares a ``Plan``
(``indexer.plan``), resolves the request's ``Filters`` and then only talks to an ``Engine``
and the ``Searcher`` it returns; nothing above this interface knows which engine answers.

The analysed field names are the schema's (``indexer.schema``): ``title``/``body`` hold stems,
``title_exact``/``body_exact`` normalised words with positions, ``section``/``source``/
``year``/``month``/``person``/``org``/``place`` exact values, ``published`` epoch seconds (UTC).
A document's stored fields, as ``Searcher.documents`` returns them, are a dict with ``id``,
``title``, ``body``, ``published`` (int), ``url``, ``section``, ``source``, ``entities``
(``[{"id", "name", "type"}]``) and ``date_precision``; absent values may be missing.

Writing generations (full and incremental builds, the switch, rollback) is ``indexer.build``
and ``indexer.generations`` today; an engine only reads the generation that serves.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Hashable, Sequence

from indexer.plan import Plan


@dataclass(frozen=True)
class Filters:
    """A request's filters, resolved (entity ids after merges). Within ``section``, ``source``
    and ``date`` any value may match (OR); within each entity kind every id must (AND); the
    filters combine with AND, and with the plan's query."""
    section: tuple[str, ...] = ()
    source: tuple[str, ...] = ()
    date: tuple[str, ...] = ()              # "YYYY" / "YYYY-MM" buckets (the year/month fields)
    published: tuple[int | None, int | None] = (None, None)   # [lo, hi) epoch seconds
    entities: tuple[tuple[str, tuple[str, ...]], ...] = ()    # ((kind, ids), ...)

    def names(self) -> list[str]:
        """The filters in use: ``section``, ``source``, ``date``, ``range`` and entity kinds."""
        out = [name for name in ("section", "source", "date") if getattr(self, name)]
        if self.published != (None, None):
            out.append("range")
        return out + [kind for kind, ids in self.entities if ids]


@dataclass(frozen=True)
class FacetQuery:
    """Counts wanted for one facet field, under every filter but ``exclude`` (its own, so a
    reader can pick several values: multi-select facets)."""
    field: str                   # section, source, year, month, person, org, place
    exclude: str                 # the filter name (Filters.names()) it ignores
    limit: int | None = None     # the most frequent values only (ties: smaller value first)
    keep: tuple[str, ...] = ()   # values whose counts are wanted even outside the limit
    deadline: float = float("inf")  # time.perf_counter() past which the engine may give up
                                    # (SearchTimeout) rather than wait for what it still reads


@dataclass(frozen=True)
class Ranked:
    """One hit in rank order: ``doc`` is the engine's own handle (a docnum, a Solr id), only
    ever given back to the same ``Searcher``; ``score`` is None when sorted by date."""
    doc: Hashable
    score: float | None


class Selection(ABC):
    """The documents a plan matches under the filters, held by the engine (a docnum array, a
    prepared Solr query). ``total`` counts them."""
    total: int


class Searcher(ABC):
    """One open, unchanging view of the serving generation. Every method may be called from
    several threads at once. ``deadline`` values are ``time.perf_counter()`` instants; past
    one, a method raises ``SearchTimeout`` (``indexer.request``)."""

    name: str            # the generation (a directory, a Solr collection)
    version: Hashable    # changes whenever what this searcher sees changes (result cache key)
    doc_count: int       # live documents

    @abstractmethod
    def select(self, plan: Plan, filters: Filters, deadline: float) -> Selection:
        """Match ``plan.query`` (every document when None) under ``filters``."""

    @abstractmethod
    def rank(self, selection: Selection, plan: Plan, sort: str, stop: int, deadline: float) -> list[Ranked]:
        """The first ``stop`` documents of ``selection``: ``sort`` is ``relevance`` (BM25F
        score, rounded to 4 places in ``Ranked.score``; ties newest first; plans without
        positive words sort newest first), ``newest`` or ``oldest``."""

    @abstractmethod
    def facet_counts(self, selection: Selection, query: FacetQuery) -> dict[str, int]:
        """value → number of documents of the selection's plan under every filter but
        ``query.exclude``; values with no documents are left out unless in ``query.keep``."""

    @abstractmethod
    def documents(self, docs: Sequence[Hashable]) -> list[dict]:
        """The stored fields of ``docs`` (handles from ``Ranked.doc``), in the same order."""

    @abstractmethod
    def doc_frequency(self, field: str, term: str) -> int:
        """In how many documents ``field`` holds the analysed ``term`` (the lexicon statistics
        behind the spelling rewrites and did-you-mean)."""

    def doc_frequencies(self, field: str, terms: Sequence[str]) -> dict[str, int]:
        """``doc_frequency`` of many terms at once (did-you-mean asks for hundreds of spellings;
        an engine across the network answers them in one request)."""
        return {t: self.doc_frequency(field, t) for t in terms}

    def ready(self, wait: float = 0.0) -> bool:
        """Whether what searches read in the background as the searcher opened is in (waiting
        up to ``wait`` s for it); an engine that reads nothing so is always ready."""
        return True

    @abstractmethod
    def example(self, field: str, term: str) -> dict | None:
        """The stored fields of one document whose ``field`` holds ``term`` (None when none
        does): did-you-mean shows a word as articles write it."""

    @abstractmethod
    def related(self, article_id: str, limit: int) -> list[Ranked]:
        """Up to ``limit`` other documents sharing the most distinctive words of the article's
        body (more like this); [] when the article is not in the index."""


class Engine(ABC):
    """An index engine serving one generation at a time (the generation lifecycle)."""

    @abstractmethod
    def searcher(self) -> Searcher:
        """The searcher of the serving generation: opened on first use, reopened when another
        generation starts serving, refreshed when the serving one changes (incremental
        reindex). Raises ``indexer.generations.NoIndex`` when nothing serves yet."""

    @abstractmethod
    def status(self) -> dict:
        """``{"generation": name or None, "indexed": live documents}`` for /healthz and admin."""

    @abstractmethod
    def close(self) -> None:
        """Release the open generation (a later ``searcher()`` opens it again)."""
