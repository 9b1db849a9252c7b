"""The SolrCloud engine: the ``indexer.engine`` interface answered by the collection that the
alias ``SOLR_COLLECTION`` names. A plan compiles to a Lucene query over the pre-analysed fields
(the terms are Python's, so Solr only looks them up); filters are ``fq`` clauses tagged with
their name, and each facet excludes its own tag (multi-select: OR within section, source and
date, AND within each entity kind). Stored fields come back for the hits only; snippets are
made above this interface by the same highlighter as for Whoosh.

Differences from the Whoosh engine, all in ranking or in rare edge cases, never in which
articles match a plain query: scores are Lucene's BM25 summed over fields (Whoosh: BM25F), and
a loose phrase ``"a b c"~N`` is Lucene's sloppy phrase (total moves ≤ N-1, order may change)
rather than Whoosh's per-gap window."""
from __future__ import annotations

import json
import math
import re
import threading
import time
from collections import Counter, OrderedDict
from datetime import datetime, timezone
from typing import Hashable, Sequence

from archive.dates import period
from indexer.analysis import stemmed_analyzer
from indexer.compile import fields, spelling_fields
from indexer.engine import Engine, FacetQuery, Filters, Ranked, Searcher, Selection
from indexer.facets import FACET_LIMIT
from indexer.generations import NoIndex
from indexer.plan import DateRange, Exact, Plan, Prefix, Stems
from indexer.query import ENTITY_KINDS, And, Filter, Not, Or
from indexer.request import SearchTimeout
from indexer.solr.client import SolrClient, SolrError, SolrUnavailable
from indexer.solr.documents import stored_text
from indexer.solr.generations import SolrGenerations

STORED = "id,title,body,published,url,author,section,source,entities,date_precision"
# Each facet field and the filter it ignores (indexer.facets asks for exactly these).
FACETS = {"section": "section", "source": "source", "year": "date", "month": "date",
          **{kind: kind for kind in ENTITY_KINDS}}

PAGE = 1000                  # documents per request when ranking deep (exports: cursor paging)
PAGE_WITH_TEXT = 100         # rankings up to this deep bring their stored fields along
# Stored fields in the distributed query's first pass: each shard sends its best rows whole
# (shards × rows documents, rows <= PAGE_WITH_TEXT), which saves the second pass that fetches
# the chosen rows' fields, one more round trip to every shard per search.
WITH_TEXT = {"fl": STORED, "distrib.singlePass": "true"}
CACHE = 4096                 # lexicon statistics and stored documents kept per searcher
RELATED_TERMS = 12           # distinctive words of an article that "related" searches for
RELATED_CANDIDATES = 40      # its most frequent words, among which they are chosen
_SPECIAL = re.compile(r'([+\-!(){}\[\]^"~*?:\\/&|\s])')


class ClusterUnavailable(NoIndex):
    """No node of the Solr cluster answers (a 503 for the reader, like a missing index)."""


def escape(term: str) -> str:
    """A term as a Lucene query literal."""
    return _SPECIAL.sub(r"\\\1", term)


def quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _boost(clause: str, boost: float) -> str:
    return clause if boost == 1.0 else f"{clause}^{boost:g}"


def _any(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"


def _terms(pairs, words, slop: int = 1) -> str:
    if len(words) == 1:
        return _any([_boost(f"{name}:{escape(words[0])}", b) for name, b in pairs])
    # Whoosh's slop 1 is an exact phrase; Lucene counts the moves allowed (0: exact).
    phrase = '"' + " ".join(w.replace("\\", "\\\\").replace('"', '\\"') for w in words) + '"'
    return _any([_boost(f"{name}:{phrase}~{max(slop - 1, 0)}", b) for name, b in pairs])


# Every connective is written out, so the default operator only decides the one clause that
# has none: a word's spellings beside its required stems, optional (SHOULD) under OR.
OPERATOR = "{!lucene q.op=OR}"


def compile_solr(node) -> str | None:
    """A Lucene query (Solr's standard parser) for an analysed plan query; None for None."""
    return None if node is None else OPERATOR + _compile(node)


def _compile(node) -> str:
    if isinstance(node, Stems):
        parts = [_terms(fields(node.field, False), [t]) for t in node.terms]
        if node.alternatives and len(parts) == 1:
            parts = [_any(parts + [_terms(fields(node.field, False), [t]) for t in node.alternatives])]
        required = parts[0] if len(parts) == 1 else "(" + " AND ".join(parts) + ")"
        if not node.spellings:
            return required
        # as Whoosh's AndMaybe: the stems must match, the spellings add their score where they do
        return f"(+{required} {_any([_terms(spelling_fields(node.field), [s]) for s in node.spellings])})"
    if isinstance(node, Exact):
        return _terms(fields(node.field, True), node.words, node.slop)
    if isinstance(node, Prefix):
        return _any([_boost(f"{name}:{escape(node.prefix)}*", b) for name, b in fields(node.field, True)])
    if isinstance(node, DateRange):
        return _range(node.lo, node.hi)
    if isinstance(node, Filter):
        return f"{node.field}:{quote(node.value)}"
    if isinstance(node, Not):
        return f"(*:* -{_compile(node.child)})"
    if isinstance(node, (And, Or)):
        kids = [_compile(c) for c in node.children]
        if len(kids) == 1:
            return kids[0]
        return "(" + (" OR " if isinstance(node, Or) else " AND ").join(kids) + ")"
    raise TypeError(f"unknown query node {node!r}")


def _range(lo: int | None, hi: int | None) -> str:
    """``published`` in [lo, hi)."""
    return f"published:[{'*' if lo is None else lo} TO {'*' if hi is None else hi}" + ("]" if hi is None else "}")


def _bucket(value: str, tz: str) -> str:
    """A year or month (``YYYY``, ``YYYY-MM``) of the serving zone as a ``published`` range."""
    start, end = period(value, tz)
    return _range(int(start.timestamp()), int(end.timestamp()))


def filter_queries(filters: Filters, tz: str = "UTC") -> list[str]:
    """One ``fq`` per filter in use, tagged with the filter's name (``Filters.names()``). Years
    and months are cut in the serving zone ``tz`` (``archive.dates.period``, as ``date:``)."""
    out = []
    for name in ("section", "source"):
        values = getattr(filters, name)
        if values:
            out.append(f"{{!tag={name}}}{name}:(" + " OR ".join(quote(v) for v in values) + ")")
    if filters.date:
        out.append("{!tag=date}(" + " OR ".join(_bucket(v, tz) for v in filters.date) + ")")
    if filters.published != (None, None):
        out.append("{!tag=range}" + _range(*filters.published))
    for kind, ids in filters.entities:
        if ids:  # AND: articles that mention every one of them
            out.append(f"{{!tag={kind}}}(" + " AND ".join(f"{kind}:{quote(i)}" for i in ids) + ")")
    return out


def _document(doc: dict) -> dict:
    """Stored fields as the search core reads them (``indexer.engine``)."""
    out = dict(doc)
    out.pop("score", None)
    for key in ("title", "body"):
        if key in out:
            out[key] = stored_text(out[key])
    if "entities" in out:
        out["entities"] = json.loads(out["entities"])
    if "published" in out:
        out["published"] = int(out["published"])
    return out


class SolrSelection(Selection):
    """A compiled query and its filters. Nothing is asked of Solr until something is needed:
    ranking a page brings ``total`` and every facet along, so a search costs one request."""

    def __init__(self, searcher: "SolrSearcher", q: str | None, fqs: list[str], deadline: float,
                 filters: Filters = Filters()):
        self.searcher = searcher
        self.q = q
        self.fqs = fqs
        self.filters = filters
        self.deadline = deadline
        self._total: int | None = None
        self.facets: dict[str, dict[str, int]] | None = None
        self.lock = threading.Lock()

    @property
    def total(self) -> int:
        if self._total is None:
            data = self.searcher._select({"q": self.q or "*:*", "fq": self.fqs, "rows": 0}, self.deadline)
            self._total = data["response"]["numFound"]
        return self._total

    @total.setter
    def total(self, value: int) -> None:
        self._total = value


class _Bounded(OrderedDict):
    def put(self, key, value):
        self[key] = value
        if len(self) > CACHE:
            self.popitem(last=False)
        return value


class SolrSearcher(Searcher):
    """The serving collection as of one version (its newest document version and count).

    Years and months are the serving zone's (``tz``). The collection's ``year``/``month``
    fields were cut in the zone it was built in (``built_tz``): the date facet counts them when
    the zones agree, and otherwise counts ``published`` ranges cut in ``tz`` (facet queries),
    as the Whoosh engine's date columns do."""

    def __init__(self, client: SolrClient, name: str, version: Hashable, doc_count: int,
                 tz: str = "UTC", built_tz: str | None = None):
        self.client = client
        self.name = name
        self.version = version
        self.doc_count = doc_count
        self.tz = tz
        self.built_tz = built_tz or "UTC"
        self.zoned = self.built_tz != tz   # index-time buckets are another zone's
        self._years: list[str] | None = None
        self._df = _Bounded()
        self._docs = _Bounded()
        self._lock = threading.Lock()

    def _select(self, params: dict, deadline: float | None = None) -> dict:
        if deadline is not None:
            left = deadline - time.perf_counter()
            if left <= 0:
                raise SearchTimeout()
            params = {**params, "timeAllowed": max(1, int(left * 1000))}
        try:
            data = self.client.request(f"{self.name}/select", {"wt": "json", **params}, form=True,
                                       timeout=None if deadline is None else max(left + 2.0, 5.0))
        except SolrUnavailable as exc:
            raise ClusterUnavailable(f"the search cluster does not answer: {exc}") from None
        except TimeoutError:
            raise SearchTimeout() from None
        if data.get("responseHeader", {}).get("partialResults"):
            raise SearchTimeout()
        return data

    def _base(self, selection: SolrSelection) -> dict:
        return {"q": selection.q or "*:*", "fq": selection.fqs}

    # -- matching and ranking ---------------------------------------------------------------
    def select(self, plan: Plan, filters: Filters, deadline: float) -> SolrSelection:
        if time.perf_counter() > deadline:
            raise SearchTimeout()
        return SolrSelection(self, compile_solr(plan.query), filter_queries(filters, self.tz), deadline, filters)

    def rank(self, selection: SolrSelection, plan: Plan, sort: str, stop: int,
             deadline: float) -> list[Ranked]:
        if stop <= 0 or selection._total == 0:
            return []
        relevance = sort == "relevance" and selection.q is not None and plan.has_text
        if relevance:
            order = "score desc,published desc,id asc"
        else:
            order = "published asc,id asc" if sort == "oldest" else "published desc,id desc"
        # A page of results brings its stored fields and every facet along: a search is one
        # request (the facets are counted by the same distributed query, not a second one).
        params = {**self._base(selection), "sort": order, "fl": "id,score"}
        if stop <= PAGE_WITH_TEXT:
            params.update(WITH_TEXT, fl="score," + STORED)
        if stop <= PAGE:
            read_facets = None
            if stop <= PAGE_WITH_TEXT and selection.facets is None:
                facet_params, read_facets = self._facet_request(selection, dict(FACETS))
                params.update(facet_params)
            data = self._select({**params, "rows": stop}, deadline)
            selection.total = data["response"]["numFound"]
            docs = data["response"]["docs"]
            if read_facets is not None:
                with selection.lock:
                    if selection.facets is None:
                        selection.facets = read_facets(data)
            if stop <= PAGE_WITH_TEXT:
                with self._lock:
                    for doc in docs:
                        self._docs.put(doc["id"], _document(doc))
        else:  # deep: cursor paging, so no shard sorts more than a page at a time
            docs, cursor = [], "*"
            while len(docs) < stop:
                data = self._select({**params, "rows": min(PAGE, stop - len(docs)), "cursorMark": cursor},
                                    deadline)
                docs += data["response"]["docs"]
                selection.total = data["response"]["numFound"]
                if data["nextCursorMark"] == cursor or not data["response"]["docs"]:
                    break
                cursor = data["nextCursorMark"]
        return [Ranked(d["id"], round(float(d["score"]), 4) if relevance else None) for d in docs[:stop]]

    # -- facets -----------------------------------------------------------------------------
    def facet_counts(self, selection: SolrSelection, query: FacetQuery) -> dict[str, int]:
        standard = FACETS.get(query.field) == query.exclude
        if standard:
            with selection.lock:
                if selection.facets is None:
                    selection.facets = self._facets(selection, {f: ex for f, ex in FACETS.items()})
            counts = selection.facets[query.field]
        else:
            counts = self._facets(selection, {query.field: query.exclude})[query.field]
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        if query.limit is not None:
            ranked = ranked[:query.limit]
        out = dict(ranked)
        missing = [v for v in query.keep if v not in out]
        if missing:
            out.update(self._value_counts(selection, query.field, query.exclude, missing))
        return out

    def _facets(self, selection: SolrSelection, wanted: dict[str, str]) -> dict[str, dict[str, int]]:
        """Counts of every value of each field under every filter but its own (one request)."""
        params, read = self._facet_request(selection, wanted)
        return read(self._select({**self._base(selection), "rows": 0, **params}))

    def _facet_request(self, selection: SolrSelection, wanted: dict[str, str]):
        """The facet parameters that count ``wanted`` (field → the filter it ignores), and how
        to read the counts from the answer (which also brings the selection's total). Served in
        another zone than the collection was built in, years and months are counted as
        ``published`` ranges of the serving zone (``_date_buckets``)."""
        by_range = self._date_buckets(selection, wanted) if self.zoned else {}
        fields = [f for f in wanted if f not in by_range]
        params = {"facet": "true", "facet.mincount": 1,
                  "facet.field": [f"{{!ex={wanted[f]} key={f}}}{f}" for f in fields]}
        for f in fields:
            params[f"f.{f}.facet.limit"] = FACET_LIMIT if f in ENTITY_KINDS else -1
        queries = [(f, value, f"{{!ex={wanted[f]} key=d{i}}}" + _bucket(value, self.tz))
                   for i, (f, value) in enumerate((f, v) for f, values in by_range.items() for v in values)]
        if queries:
            params["facet.query"] = [q for _, _, q in queries]

        def read(data: dict) -> dict[str, dict[str, int]]:
            selection.total = data["response"]["numFound"]
            counts = data["facet_counts"]
            out = {f: dict(zip(counts["facet_fields"][f][::2], counts["facet_fields"][f][1::2])) for f in fields}
            for i, (f, value, _) in enumerate(queries):
                n = counts["facet_queries"].get(f"d{i}", 0)  # facet.mincount leaves out zeros
                if n:
                    out.setdefault(f, {})[value] = n
            return {f: out.get(f, {}) for f in wanted}
        return params, read

    def _date_buckets(self, selection: SolrSelection, wanted: dict[str, str]) -> dict[str, list[str]]:
        """The years (and months) to count as ranges: every year the collection spans, one
        more each side (a zone's offset moves articles across New Year); the months of the
        years the date filter names (the date facet shows months of one chosen year only), or
        of every year when no date filter is in use."""
        out = {}
        years = self._span()
        if "year" in wanted:
            out["year"] = years
        if "month" in wanted:
            chosen = sorted({v[:4] for v in selection.filters.date}) or years
            out["month"] = [f"{y}-{m:02d}" for y in chosen for m in range(1, 13)]
        return out

    def _span(self) -> list[str]:
        if self._years is None:
            stats = self._select({"q": "*:*", "rows": 0, "stats": "true", "stats.field": "published"})
            found = stats.get("stats", {}).get("stats_fields", {}).get("published") or {}
            if found.get("min") is None:
                self._years = []
            else:
                first = datetime.fromtimestamp(int(found["min"]), timezone.utc).year - 1
                last = datetime.fromtimestamp(int(found["max"]), timezone.utc).year + 1
                self._years = [str(y) for y in range(max(first, 1), min(last, 9999) + 1)]
        return self._years

    def _value_counts(self, selection, field: str, exclude: str, values: list[str]) -> dict[str, int]:
        """Counts of chosen values outside the most frequent ones (facet queries)."""
        def clause(v):
            return _bucket(v, self.tz) if self.zoned and field in ("year", "month") else f"{field}:{quote(v)}"
        params = {**self._base(selection), "rows": 0, "facet": "true",
                  "facet.query": [f"{{!ex={exclude} key=v{i}}}{clause(v)}" for i, v in enumerate(values)]}
        counts = self._select(params)["facet_counts"]["facet_queries"]
        return {v: counts[f"v{i}"] for i, v in enumerate(values)}

    # -- stored fields and lexicon ----------------------------------------------------------
    def documents(self, docs: Sequence[Hashable]) -> list[dict]:
        out = {d: self._docs.get(d) for d in dict.fromkeys(docs)}
        wanted = [d for d, doc in out.items() if doc is None]
        for i in range(0, len(wanted), PAGE):
            chunk = wanted[i:i + PAGE]
            data = self._select({"q": "{!terms f=id}" + ",".join(chunk), "rows": len(chunk), **WITH_TEXT})
            with self._lock:
                for doc in data["response"]["docs"]:
                    out[doc["id"]] = self._docs.put(doc["id"], _document(doc))
        return [out[d] for d in docs]

    def doc_frequency(self, field: str, term: str) -> int:
        known = self._df.get((field, term))
        if known is not None:
            return known
        n = self._select({"q": f"{{!term f={field}}}{term}", "rows": 0})["response"]["numFound"]
        with self._lock:
            return self._df.put((field, term), n)

    def doc_frequencies(self, field: str, terms: Sequence[str]) -> dict[str, int]:
        """One TermsComponent request for all the terms not yet known (deleted documents count
        until their segments merge, as in Whoosh's lexicon)."""
        out = {}
        for t in dict.fromkeys(terms):
            known = self._df.get((field, t))
            if known is not None:
                out[t] = known
            elif "," in t:  # terms.list is comma-separated
                out[t] = self.doc_frequency(field, t)
        wanted = [t for t in dict.fromkeys(terms) if t not in out]
        for i in range(0, len(wanted), PAGE):
            chunk = wanted[i:i + PAGE]
            try:
                data = self.client.request(f"{self.name}/terms", {
                    "terms.fl": field, "terms.list": ",".join(chunk), "terms.limit": -1, "wt": "json"}, form=True)
            except SolrUnavailable as exc:
                raise ClusterUnavailable(f"the search cluster does not answer: {exc}") from None
            found = data.get("terms", {}).get(field, [])
            counts = dict(zip(found[::2], found[1::2])) if isinstance(found, list) else dict(found)
            with self._lock:
                for t in chunk:
                    out[t] = self._df.put((field, t), int(counts.get(t, 0)))
        return {t: out[t] for t in terms}

    def example(self, field: str, term: str) -> dict | None:
        docs = self._select({"q": f"{{!term f={field}}}{term}", "rows": 1, "sort": "id asc",
                             "fl": STORED})["response"]["docs"]
        return _document(docs[0]) if docs else None

    def related(self, article_id: str, limit: int) -> list[Ranked]:
        """More like this, in Python: the article's most frequent words, weighted by how rare
        they are in the collection (one request for all their document frequencies), searched
        for in the other articles' bodies."""
        found = self._select({"q": "{!term f=id}" + article_id, "rows": 1, "fl": "body"})["response"]["docs"]
        if not found:
            return []
        tf = Counter(t.text for t in stemmed_analyzer()(stored_text(found[0]["body"]), removestops=True))
        candidates = [t for t, _ in tf.most_common(RELATED_CANDIDATES)]
        if not candidates:
            return []
        data = self._select({"q": "*:*", "rows": 0, "facet": "true",
                             "facet.query": [f"{{!key=t{i}}}body:{escape(t)}" for i, t in enumerate(candidates)]})
        df = data["facet_counts"]["facet_queries"]
        n = max(self.doc_count, 1)
        weight = {t: tf[t] * math.log(1 + n / max(df[f"t{i}"], 1)) for i, t in enumerate(candidates)}
        chosen = sorted(candidates, key=lambda t: (-weight[t], t))[:RELATED_TERMS]
        q = " OR ".join(f"body:{escape(t)}^{weight[t]:.3f}" for t in chosen)
        docs = self._select({"q": q, "fq": "-id:" + quote(article_id), "rows": limit, "fl": "id,score",
                             "sort": "score desc,id asc"})["response"]["docs"]
        return [Ranked(d["id"], round(float(d["score"]), 4)) for d in docs]


class SolrEngine(Engine):
    """The collection the alias names, checked at most every ``refresh`` seconds: a moved alias
    (full rebuild, rollback) or a newer document version (incremental update) gives a new
    searcher, so cached results never outlive what they were computed from."""

    def __init__(self, solr_url, collection: str, auth: tuple[str, str] | None = None,
                 timeout: float = 30.0, refresh: float = 1.0, tz: str = "UTC"):
        self.client = SolrClient(solr_url, timeout=timeout, auth=auth)
        self.tz = tz
        self.generations = SolrGenerations(self.client, collection)
        self.refresh = refresh
        self._searcher: SolrSearcher | None = None
        self._checked = 0.0
        self._lock = threading.Lock()

    def searcher(self) -> SolrSearcher:
        with self._lock:
            now = time.monotonic()
            if self._searcher is not None and now - self._checked < self.refresh:
                return self._searcher
            try:
                name = self.generations.current()
                if self._searcher is None or name != self._searcher.name:
                    name = self.generations.current_collection()  # complete? (once known, it stays)
                data = self.client.request(f"{name}/select", {"q": "*:*", "rows": 1, "sort": "_version_ desc",
                                                              "fl": "_version_", "wt": "json"})
            except SolrUnavailable as exc:
                raise ClusterUnavailable(f"the search cluster does not answer: {exc}") from None
            except SolrError as exc:
                raise ClusterUnavailable(f"the search cluster answered with an error: {exc}") from None
            docs = data["response"]["docs"]
            version = (docs[0]["_version_"] if docs else 0, data["response"]["numFound"])
            if self._searcher is None or (self._searcher.name, self._searcher.version) != (name, version):
                built_tz = self._searcher.built_tz if self._searcher and self._searcher.name == name \
                    else self.generations.read_meta(name).get("timezone")
                self._searcher = SolrSearcher(self.client, name, version, data["response"]["numFound"],
                                              tz=self.tz, built_tz=built_tz)
            self._checked = now
            return self._searcher

    def status(self) -> dict:
        """The serving collection, its documents, and the cluster's health (live nodes, the
        serving collection's replicas that are down) for /healthz and the admin page, read
        afresh (not up to ``refresh`` seconds old: a rollback shows at once)."""
        with self._lock:
            self._checked = float("-inf")
        try:
            s = self.searcher()
            health = self.generations.health()
        except NoIndex:
            return {"generation": None, "indexed": 0}
        except SolrError:
            return {"generation": None, "indexed": 0, "cluster": {"error": "the Solr cluster does not answer"}}
        return {"generation": s.name, "indexed": s.doc_count,
                "cluster": {"engine": "solr", "alias": health["alias"], "live_nodes": health["live_nodes"],
                            "shards": health["shards"], "replicas": health["replicas"],
                            "replicas_down": health["replicas_down"]}}

    def close(self) -> None:
        with self._lock:
            self._searcher = None
