"""Search over the serving index generation: a ``SearchRequest`` in, a ``SearchResult`` out.

``SearchService`` is the orchestration, the same whichever engine answers: parse the query,
``prepare`` the plan (``indexer.plan``), resolve the filters, let the engine match and rank
(``indexer.engine``; Whoosh by default, ``indexer.reader``), mark snippets, count facets
(``indexer.facets``), offer did-you-mean (``indexer.suggest``), cache the result. Search and
export share one pipeline. The request and result types are re-exported from here.
"""
from __future__ import annotations

import pickle
import threading
import time
from collections import OrderedDict
from datetime import datetime, timezone
from html import escape
from typing import Callable, Iterator

from archive.dates import to_iso_z
from archive.errors import Message
from indexer.authority_cache import AuthorityTables, Tables
from indexer.compile import compile_query
from indexer.engine import Engine, Filters, Ranked, Searcher, Selection
from indexer.facets import FACET_LIMIT, FACET_NAMES, compute_facets
from indexer.generations import IndexRoot, NoIndex
from indexer.highlight import Matcher, highlight_all, snippet
from indexer.plan import Plan, check_deadline, date_range, drop_stop_words, matcher_for, prepare
from indexer.query import ENTITY_KINDS, QueryError, parse
from indexer.reader import WhooshEngine
from indexer.request import (DATE_VALUE, FILTER_PARAMS, MAX_PAGE, MAX_PER_PAGE, MAX_WINDOW, SORTS,
                             SearchError, SearchRequest, SearchTimeout)
from indexer.results import Facet, FacetValue, Hit, SearchResult
from indexer.suggest import SUGGEST_BELOW, suggest

__all__ = ["SearchService", "SearchRequest", "SearchResult", "SearchError", "SearchTimeout", "Hit",
           "Facet", "FacetValue", "SORTS", "MAX_PAGE", "MAX_PER_PAGE", "MAX_WINDOW", "FACET_LIMIT",
           "FACET_NAMES", "FILTER_PARAMS", "ENTITY_KINDS", "DATE_VALUE", "compile_query",
           "date_range", "drop_stop_words", "matcher_for", "NoIndex"]

EXPORT_CHUNK = 500          # stored documents read at a time by export()
# Said with a search made while the authority file could not be read (such a result is not cached).
DEGRADED = Message("Other spellings of names and the names of people, organisations and places are "
                   "unavailable right now, so this search may find fewer articles; try again shortly.")


class SearchService:
    """Searches the serving generation of one index root; reopens when it changes."""

    def __init__(self, index_root: str, tz: str = "UTC", cache_size: int = 256,
                 time_limit: float = 5.0, fast: bool = True, facet_time_limit: float = 1.0,
                 authority: Callable[[], dict] | None = None, authority_ttl: float = 60.0,
                 authority_timeout: float = 1.0, engine: Engine | None = None):
        self.root = IndexRoot(index_root)
        self.engine = engine or WhooshEngine(index_root, fast=fast, tz=tz)
        # authority(): the archive's authority file (archive.authority.alias_table), read in the
        # background; a search waits for it at most authority_timeout s, and only until a first
        # copy is in.
        self.authority = AuthorityTables(authority, authority_ttl, authority_timeout)
        self.tz = tz
        self.time_limit = time_limit
        self.facet_time_limit = facet_time_limit
        self.cache_size = cache_size
        # Results kept pickled: as objects (hits' entity dicts, facet values) a result takes
        # ~100 KB, pickled ~19 KB; a hit unpickles it in ~0.2 ms, and gets a copy of its own.
        self._cache: OrderedDict[tuple, bytes] = OrderedDict()
        self._seen: tuple | None = None
        self._lock = threading.Lock()

    def _current(self) -> Searcher:
        """The engine's searcher; cached results go when what it serves changes, and the
        authority file is read again (a merge is followed by a reindex: both show together)."""
        searcher = self.engine.searcher()
        with self._lock:
            changed = self._seen != (searcher.name, searcher.version)
            if changed:
                self._seen = (searcher.name, searcher.version)
                self._cache.clear()
        if changed:
            self.authority.get(fresh=True)
        return searcher

    def status(self) -> dict:
        return self.engine.status()

    def warm(self) -> None:
        """Open the serving generation and start reading the authority file now (a web worker
        calls it when it starts, then waits for ``ready``), so that the first searches find the
        facet columns read."""
        try:
            self._current()
        except NoIndex:
            pass
        self.authority.get()

    def ready(self, wait: float = 0.0) -> bool:
        """Whether the serving generation's background reads (the entity columns) are in,
        waiting up to ``wait`` s for them; True when nothing serves yet."""
        try:
            return self._current().ready(wait)
        except NoIndex:
            return True

    def close(self) -> None:
        self.engine.close()

    # The pipeline search and export share: request → plan → engine.
    @staticmethod
    def _parse(req: SearchRequest):
        """The query tree (a bad query is the reader's error even before any index exists)."""
        try:
            return parse(req.query)
        except QueryError as exc:
            raise SearchError.of_query(exc) from None

    def _select(self, searcher: Searcher, req: SearchRequest, tree, authority: Tables,
                deadline: float, every_seat: bool = False) -> tuple[Plan, Selection]:
        try:
            plan = prepare(tree, lexicon=searcher if searcher.doc_count else None,
                           aliases=authority.by_key, tz=self.tz, deadline=deadline, every_seat=every_seat)
        except QueryError as exc:
            raise SearchError.of_query(exc) from None
        filters = Filters(section=tuple(req.section), source=tuple(req.source), date=tuple(req.date),
                          published=req.published_range(self.tz),
                          entities=tuple((kind, tuple(authority.resolve(getattr(req, kind))))
                                         for kind in ENTITY_KINDS if getattr(req, kind)))
        return plan, searcher.select(plan, filters, deadline)

    def _ranked(self, searcher: Searcher, req: SearchRequest, tree, authority: Tables, sort: str,
                stop: int, deadline: float) -> tuple[Plan, Selection, list[Ranked], bool]:
        """The plan, what it matches and its first ``stop`` documents ranked, and whether the
        hamza seats were read: a query that finds nothing as typed is asked again with every
        seat reading of its words (مقري as مقرئ, where the archive knows مقري as a word of its own
        and never beside the query's other words). The total is read after ranking, which
        brings it (a Solr selection would ask for it alone before)."""
        plan, selection = self._select(searcher, req, tree, authority, deadline)
        ranked = searcher.rank(selection, plan, sort, stop, deadline)
        if selection.total or not searcher.doc_count:
            return plan, selection, ranked, False
        seats, wider = self._select(searcher, req, tree, authority, deadline, every_seat=True)
        if seats.query == plan.query:
            return plan, selection, ranked, False
        ranked_wider = searcher.rank(wider, seats, sort, stop, deadline)
        if not wider.total:
            return plan, selection, ranked, False
        return seats, wider, ranked_wider, True

    def _hits(self, searcher: Searcher, ranked: list[Ranked], matcher: Matcher | None,
              deadline: float = float("inf")) -> list[Hit]:
        """Hits with highlighted titles and snippets (``matcher`` None: plain, no snippet);
        SearchTimeout when ``deadline`` passes before the last one is marked."""
        docs = searcher.documents([r.doc for r in ranked])
        hits = []
        for f, r in zip(docs, ranked):
            check_deadline(deadline)
            hits.append(self._hit(f, r.score, matcher))
        return hits

    @staticmethod
    def _hit(f: dict, score: float | None, matcher: Matcher | None) -> Hit:
        return Hit(
            id=f["id"], title=f["title"],
            title_html=escape(f["title"]) if matcher is None else highlight_all(f["title"], matcher),
            url=f.get("url"), date=to_iso_z(datetime.fromtimestamp(f["published"], tz=timezone.utc)),
            section=f.get("section"), source=f.get("source"),
            snippet_html="" if matcher is None else snippet(f["body"], matcher),
            entities=list(f.get("entities") or ()), score=score,
            date_precision=f.get("date_precision", "minute"))

    def search(self, req: SearchRequest) -> SearchResult:
        # Opening a generation (once per process and update) is not this search's time.
        searcher = self._current()
        started = time.perf_counter()
        tree = self._parse(req)
        authority = self.authority.get()   # one copy for the whole search
        key = (searcher.name, searcher.version, authority.version, req.key())
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            result = pickle.loads(cached)
            result.took_ms = (time.perf_counter() - started) * 1000
            return result
        result = self._search(searcher, req, tree, authority, started + self.time_limit)
        result.took_ms = (time.perf_counter() - started) * 1000
        if not authority.available:
            result.notices.append(DEGRADED)
        if any(f.timed_out for f in result.facets.values()) or not authority.available:
            return result  # incomplete or degraded: the next request computes it again
        if self.cache_size > 0:
            self._cache[key] = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
            if len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        return result

    def _search(self, searcher: Searcher, req: SearchRequest, tree, authority: Tables,
                deadline: float) -> SearchResult:
        page = req.page
        page_notice = None
        if (page - 1) * req.per_page >= MAX_WINDOW:
            page = max(1, -(-MAX_WINDOW // req.per_page))
            page_notice = Message("Only the first %(max)s results can be paged through; narrow the search to see "
                                  "the rest. Showing page %(page)s.", max=format(MAX_WINDOW, ","), page=page)
        start = (page - 1) * req.per_page
        stop = min(start + req.per_page, MAX_WINDOW)
        plan, selection, ranked, seats_read = self._ranked(searcher, req, tree, authority, req.sort, stop,
                                                           deadline)
        ranked = ranked[start:stop]
        notices = []
        if seats_read:
            notices.append(Message("Nothing was found with the words as typed; these results read a ي or و in "
                                   "them as a hamza (ئ or ؤ)."))
        if plan.only_common:
            notices.append(Message("The query has only very common words (such as في or من): they were searched "
                                   "exactly as written, in the articles that contain them."))
        if plan.nothing_searchable:
            notices.append(Message("The query has no word that can be searched; showing all articles."))
        if page_notice is not None:
            notices.append(page_notice)
        hits = self._hits(searcher, ranked, plan.matcher, deadline)
        # Facets come after the hits and have their own time box, within the search's.
        facet_limit = min(self.facet_time_limit, deadline - time.perf_counter())
        facets, facet_notices = compute_facets(searcher, selection, req, authority.labels,
                                               authority.resolve, facet_limit)
        suggestion = None
        if selection.total < SUGGEST_BELOW and plan.typed_words and time.perf_counter() < deadline:
            suggestion = suggest(searcher, req.query, plan.typed_words)
        return SearchResult(query=req.query, total=selection.total, page=page, per_page=req.per_page,
                            took_ms=0.0, hits=hits, facets=facets, expanded=plan.expanded,
                            notices=notices + facet_notices, suggestion=suggestion, generation=searcher.name)

    def export(self, req: SearchRequest, limit: int = 10_000, snippets: bool = False) -> Iterator[Hit]:
        """Up to ``limit`` hits of a search in its sort order (exports, feeds); with ``snippets``,
        each carries the passage around the search words, as on the page."""
        deadline = time.perf_counter() + self.time_limit
        tree = self._parse(req)
        searcher = self._current()
        plan, _selection, ranked, _seats_read = self._ranked(searcher, req, tree, self.authority.get(), req.sort,
                                                             limit, deadline)
        for i in range(0, len(ranked), EXPORT_CHUNK):
            yield from self._hits(searcher, ranked[i:i + EXPORT_CHUNK], plan.matcher if snippets else None)

    def related(self, article_id: str, limit: int = 5) -> list[Hit]:
        """Articles that share the most distinctive words of ``article_id``."""
        searcher = self._current()
        return self._hits(searcher, searcher.related(article_id, limit), Matcher())
