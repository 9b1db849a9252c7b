"""Search over the serving index generation: query parsing, filters, facet counts, sorting,
paging and highlighted snippets. Takes a ``SearchRequest``, returns a ``SearchResult``; both
are plain dataclasses, nothing Whoosh-specific crosses this boundary.

Facets come from per-generation numpy columns (docnum → value code), computed once when a
generation is opened: the matching docnums of the text query are collected once, and each
facet counts them under every filter except its own.
"""
from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from html import escape
from typing import Callable, Iterable, Iterator

import numpy as np
from whoosh import query as wq
from whoosh.collectors import TimeLimit, WrappingCollector
from whoosh.filedb.filestore import FileStorage

from archive.dates import DateParseError, parse_bound
from indexer import arabic
from indexer.analysis import analyze, exact_analyzer, stemmed_analyzer
from indexer.generations import IndexRoot, NoIndex
from indexer.entities import entity_key
from indexer.fastpath import TermArrays, plain_groups
from indexer.highlight import Matcher, highlight_all, snippet
from indexer.query import And, Filter, Not, Or, Phrase, QueryError, Word, parse
from indexer.schema import TITLE_BOOST

SORTS = ("relevance", "newest", "oldest")
MAX_PER_PAGE = 100
MAX_PAGE = 10_000
MAX_WINDOW = 1_000          # deepest result a page may reach
FACET_LIMIT = 30
SUGGEST_BELOW = 3           # offer "did you mean" when fewer results than this
SUGGEST_FACTOR = 5          # ... and the other spelling is in this many times more articles
SUGGEST_MIN_DF = 3
SUGGEST_KNOWN_DF = 20       # words in this many articles get no suggestion
DATE_VALUE = re.compile(r"^(\d{4})(?:-(0[1-9]|1[0-2]))?$")
FILTER_PARAMS = ("section", "source", "person", "org", "place", "date")
ENTITY_KINDS = ("person", "org", "place")
FACET_NAMES = ("section", "source", "person", "org", "place", "date")


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


# -- request and result ------------------------------------------------------------------
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
                    if len(v) > 300:
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
        return tuple((k, tuple(v) if isinstance(v, list) else v) for k, v in asdict(self).items())

    def params(self, **changes) -> list[tuple[str, str]]:
        """The request as query parameters (for links), with ``changes`` applied."""
        data = asdict(self)
        data.update(changes)
        out = []
        if data["query"]:
            out.append(("q", data["query"]))
        for name in FILTER_PARAMS:
            out.extend((name, v) for v in data[name])
        if data["date_from"]:
            out.append(("from", data["date_from"]))
        if data["date_to"]:
            out.append(("to", data["date_to"]))
        if data["sort"] != "relevance":
            out.append(("sort", data["sort"]))
        if data["page"] != 1:
            out.append(("page", str(data["page"])))
        if data["per_page"] != 10:
            out.append(("per_page", str(data["per_page"])))
        return out


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


# -- from the query tree to Whoosh -----------------------------------------------------
_STEMMED = stemmed_analyzer()
_EXACT = exact_analyzer()


def _fields(field_name: str | None, exact: bool) -> list[tuple[str, float]]:
    suffix = "_exact" if exact else ""
    if field_name == "title":
        return [("title" + suffix, 1.0)]
    return [("title" + suffix, TITLE_BOOST), ("body" + suffix, 1.0)]


def _terms_query(fields, words: list[str], slop: int = 1):
    parts = []
    for name, boost in fields:
        if len(words) == 1:
            parts.append(wq.Term(name, words[0], boost=boost))
        else:
            parts.append(wq.Phrase(name, words, slop=slop, boost=boost))
    return parts[0] if len(parts) == 1 else wq.Or(parts)


def date_range(value: str, tz: str = "UTC") -> tuple[int | None, int | None]:
    """``2018``, ``2018-01..2018-06``, ``2018-03..`` or ``..2018`` → [lo, hi) in epoch seconds."""
    start, sep, end = value.partition("..")
    if not sep:
        end = start
    try:
        lo = int(parse_bound(start, end=False, tz=tz).timestamp()) if start else None
        hi = int(parse_bound(end, end=True, tz=tz).timestamp()) if end else None
    except DateParseError:
        raise QueryError(f"date:{value} is not a date range; write date:2018, date:2018-01..2018-06 "
                         f"or date:2018-01-15..", f"date:{value} ليس نطاقًا زمنيًا صالحًا؛ اكتب date:2018 "
                         f"أو date:2018-01..2018-06") from None
    if lo is None and hi is None:
        raise QueryError("date: needs at least one end of the range", "date: يحتاج إلى طرف واحد على الأقل")
    if lo is not None and hi is not None and lo >= hi:
        raise QueryError(f"date:{value} ends before it starts", f"date:{value} ينتهي قبل أن يبدأ")
    return lo, hi


def _is_stop_word(node) -> bool:
    return (isinstance(node, Word) and not node.exact and not node.prefix
            and not analyze(_STEMMED, node.text))


def drop_stop_words(node):
    """Remove stop words (في، من، على…) from AND-ed words, as the stemmed field never held them;
    a query of nothing but stop words keeps them (they are then searched in the exact field)."""
    if isinstance(node, (And, Or)):
        kids = tuple(drop_stop_words(c) for c in node.children)
        if isinstance(node, And):
            kept = tuple(k for k in kids if not _is_stop_word(k))
            if kept and len(kept) < len(kids):
                kids = kept
        return kids[0] if len(kids) == 1 else type(node)(kids)
    if isinstance(node, Not):
        return Not(drop_stop_words(node.child))
    return node


def compile_query(node) -> wq.Query | None:
    """A Whoosh query for a parsed query tree (None when nothing searchable remains)."""
    if node is None:
        return None
    if isinstance(node, Word):
        if node.prefix:
            norm = arabic.normalize(node.text)
            if not norm:
                return None
            parts = [wq.Prefix(name, norm, boost=b) for name, b in _fields(node.field, True)]
            return parts[0] if len(parts) == 1 else wq.Or(parts)
        if not node.exact:
            terms = analyze(_STEMMED, node.text)
            if terms:
                qs = [_terms_query(_fields(node.field, False), [t]) for t in terms]
                alternatives = [t for alt in node.alternatives for t in analyze(_STEMMED, alt)]
                if alternatives and len(qs) == 1:
                    qs = [wq.Or([qs[0]] + [_terms_query(_fields(node.field, False), [t])
                                           for t in alternatives])]
                return qs[0] if len(qs) == 1 else wq.And(qs)
        # exact spelling, or a word the stemmed field drops (a stop word): the exact field
        words = analyze(_EXACT, node.text)
        return _terms_query(_fields(node.field, True), words) if words else None
    if isinstance(node, Phrase):
        words = analyze(_EXACT, " ".join(node.words))
        if not words:
            return None
        return _terms_query(_fields(node.field, True), words, slop=node.slop)
    if isinstance(node, Filter):
        if node.field == "date":
            lo, hi = date_range(node.value)
            return wq.NumericRange("published", lo, None if hi is None else hi - 1)
        return wq.Term(node.field, node.value)
    if isinstance(node, Not):
        inner = compile_query(node.child)
        return wq.Not(inner) if inner is not None else None
    if isinstance(node, (And, Or)):
        kids = [q for q in (compile_query(c) for c in node.children) if q is not None]
        if not kids:
            return None
        if isinstance(node, Or):
            # "a OR -b" means "a, or anything without b"
            kids = [wq.And([wq.Every(), k]) if isinstance(k, wq.Not) else k for k in kids]
            return kids[0] if len(kids) == 1 else wq.Or(kids)
        if all(isinstance(k, wq.Not) for k in kids):
            kids = [wq.Every()] + kids
        return kids[0] if len(kids) == 1 else wq.And(kids)
    raise TypeError(f"unknown query node {node!r}")


def matcher_for(node, matcher: Matcher | None = None) -> Matcher:
    """What to highlight: every positive word of the query (words under NOT are not marked)."""
    m = matcher if matcher is not None else Matcher()  # an empty Matcher is falsy
    if node is None or isinstance(node, (Not, Filter)):
        return m
    if isinstance(node, Word):
        if node.prefix:
            norm = arabic.normalize(node.text)
            if norm:
                m.prefixes = m.prefixes + (norm,)
        elif node.exact:
            m.exact.update(analyze(_EXACT, node.text))
        else:
            terms = analyze(_STEMMED, node.text)
            if terms:
                m.stems.update(terms)
                m.stems.update(t for alt in node.alternatives for t in analyze(_STEMMED, alt))
            else:
                m.exact.update(analyze(_EXACT, node.text))
    elif isinstance(node, Phrase):
        m.exact.update(analyze(_EXACT, " ".join(node.words)))
    elif isinstance(node, (And, Or)):
        for c in node.children:
            matcher_for(c, m)
    return m


# The letters a normalised Arabic word is made of (after normalize(): no أ إ آ ة ى ؤ ئ).
_LETTERS = "ابتثجحخدذرزسشصضطظعغفقكلمنهويء"


def _edits1(word: str) -> set[str]:
    """Every spelling one typing slip away: a letter dropped, doubled, swapped or replaced."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    out = {a + b[1:] for a, b in splits if b}
    out |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    out |= {a + c + b[1:] for a, b in splits if b for c in _LETTERS}
    out |= {a + c + b for a, b in splits for c in _LETTERS}
    out.discard(word)
    return out


def _spelling_variants(norm: str) -> list[str]:
    """Candidate spellings of a normalised word: و/ي inside it as a hamza seat (ء), at most
    three places; and the word without a leading ب when at least three letters remain."""
    out = []
    seats = [i for i, c in enumerate(norm) if c in "وي" and 0 < i][:3]
    for mask in range(1, 1 << len(seats)):
        chars = list(norm)
        for bit, i in enumerate(seats):
            if mask >> bit & 1:
                chars[i] = "ء"
        out.append("".join(chars))
    if norm.startswith("ب") and not norm.startswith("بال") and len(norm) >= 4:
        out.append(norm[1:])
    return out


def _plain_words(node) -> list[str]:
    """The positive, non-prefix words of a query, as typed."""
    if isinstance(node, Word) and not node.prefix:
        return [node.text]
    if isinstance(node, Phrase):
        return list(node.words)
    if isinstance(node, (And, Or)):
        return [w for c in node.children for w in _plain_words(c)]
    return []


def _has_text(node) -> bool:
    if isinstance(node, (Word, Phrase)):
        return True
    if isinstance(node, (And, Or)):
        return any(_has_text(c) for c in node.children)
    return False


TIME_CHECK_EVERY = 4096


class _DeadlineCollector(WrappingCollector):
    """Stops collecting past ``deadline`` (checked every few thousand documents). Unlike
    Whoosh's TimeLimitCollector it starts no timer thread per search."""

    def __init__(self, child, deadline: float):
        self.child = child
        self.deadline = deadline

    def collect_matches(self) -> None:
        child = self.child
        clock = time.perf_counter
        for i, sub_docnum in enumerate(child.matches()):
            if i % TIME_CHECK_EVERY == 0 and clock() > self.deadline:
                raise TimeLimit
            child.collect(sub_docnum)


def _matching(searcher, q, deadline: float):
    """Docnums matching ``q``, checking the deadline every few thousand documents (and at once)."""
    for i, docnum in enumerate(searcher.docs_for_query(q)):
        if i % TIME_CHECK_EVERY == 0 and time.perf_counter() > deadline:
            raise SearchTimeout()
        yield docnum
    if time.perf_counter() > deadline:
        raise SearchTimeout()


# -- one open generation -----------------------------------------------------------------
class _Column:
    """Value codes per docnum for one facet field."""

    def __init__(self, values: Iterable[str]):
        labels: dict[str, int] = {}
        codes = [labels.setdefault(v or "", len(labels)) for v in values]
        self.codes = np.asarray(codes, dtype=np.int32)
        self.labels = list(labels)
        self.index = labels

    def mask(self, selected: list[str]) -> np.ndarray:
        wanted = [self.index[v] for v in selected if v in self.index]
        return np.isin(self.codes, np.asarray(wanted, dtype=np.int32))

    def counts(self, docnums: np.ndarray) -> np.ndarray:
        return np.bincount(self.codes[docnums], minlength=len(self.labels))


class _EntityColumn:
    """(document, entity) pairs of one entity field as two parallel arrays."""

    def __init__(self, ids: list[str], docs: np.ndarray, codes: np.ndarray):
        self.ids = ids
        self.index = {eid: i for i, eid in enumerate(ids)}
        self.docs = docs
        self.codes = codes

    @classmethod
    def read(cls, gen: "_Generation", kind: str) -> "_EntityColumn":
        ids: list[str] = []
        docs, codes = [], []
        if gen.n:
            for term in gen.searcher.reader().field_terms(kind):
                term = term.decode("utf-8") if isinstance(term, bytes) else term
                postings = gen.arrays.postings(kind, term)[0]
                if postings.size:
                    docs.append(postings)
                    codes.append(np.full(postings.size, len(ids), dtype=np.int32))
                    ids.append(term)
        return cls(ids, np.concatenate(docs) if docs else np.zeros(0, np.int32),
                   np.concatenate(codes) if codes else np.zeros(0, np.int32))

    def counts(self, docs: np.ndarray, n: int) -> np.ndarray:
        selected = np.zeros(n, dtype=bool)
        selected[docs] = True
        return np.bincount(self.codes[selected[self.docs]], minlength=len(self.ids))

    def mask_all(self, wanted: list[str], n: int) -> np.ndarray:
        """Documents (of ``n``) that mention every one of ``wanted``."""
        result = None
        for eid in wanted:
            m = np.zeros(n, dtype=bool)
            code = self.index.get(eid)
            if code is not None:
                m[self.docs[self.codes == code]] = True
            result = m if result is None else result & m
        return result


class _Generation:
    def __init__(self, name: str, path):
        self.name = name
        # Without mmap: Whoosh's mmap mode copies index files into the process (RESEARCH §7).
        self.ix = FileStorage(str(path), supports_mmap=False, readonly=True).open_index()
        self.searcher = self.ix.searcher()
        self._load()

    def _load(self) -> None:
        reader = self.searcher.reader()
        self.n = reader.doc_count_all()

        def column(name):  # an empty index has no columns at all
            return reader.column_reader(name) if self.n else ()

        self.columns = {f: _Column(column(f)) for f in ("section", "source", "year", "month")}
        self.published = np.fromiter(column("published"), dtype=np.int64, count=self.n)
        self.live = np.ones(self.n, dtype=bool)
        if reader.has_deletions():
            for d in range(self.n):
                if reader.is_deleted(d):
                    self.live[d] = False
        self.all_docs = np.flatnonzero(self.live).astype(np.int32)
        self.doc_count = int(self.live.sum())
        self._arrays = None
        # Read now, when the generation opens, not inside the first search's facet time box.
        self._entity_columns = {kind: _EntityColumn.read(self, kind) for kind in ENTITY_KINDS}

    @property
    def arrays(self) -> TermArrays:
        """Posting arrays for the numpy path (field lengths are read on first use)."""
        if self._arrays is None:
            self._arrays = TermArrays(self.searcher, self.live)
        return self._arrays

    def entity_column(self, kind: str) -> "_EntityColumn":
        """Which entities each document mentions (multi-valued), read when the generation opens."""
        return self._entity_columns[kind]

    def up_to_date(self) -> bool:
        """False once an incremental reindex has committed to this generation since it was
        opened: it must then be opened afresh. (Whoosh's ``Searcher.refresh`` reuses the old
        segment readers beside the new ones, so a reopened searcher counted replaced articles
        twice and still found their old text.)"""
        return self.searcher.up_to_date()

    def close(self) -> None:
        self.searcher.close()


# -- the service -------------------------------------------------------------------------
class SearchService:
    """Searches the serving generation of one index root; reopens when it changes."""

    def __init__(self, index_root: str, tz: str = "UTC", cache_size: int = 256,
                 time_limit: float = 5.0, fast: bool = True, facet_time_limit: float = 1.0,
                 authority: Callable[[], dict] | None = None, authority_ttl: float = 60.0):
        self.root = IndexRoot(index_root)
        # authority(): {"labels": {id: [name, type]}, "aliases": {id: [[alias, key], ...]},
        # "redirects": {merged id: id}} from the archive's authority file (re-read every ttl s).
        self._authority = authority
        self._authority_ttl = authority_ttl
        self._authority_cache: tuple[float, tuple] | None = None
        # fast=False sends every query through Whoosh's own matching and scoring (tests compare).
        self.fast = fast
        self.tz = tz
        self.time_limit = time_limit
        self.facet_time_limit = facet_time_limit
        self.cache_size = cache_size
        self._gen: _Generation | None = None
        self._version = 0
        self._cache: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def _current(self) -> _Generation:
        with self._lock:
            name = self.root.current()
            if self._gen is not None and self._gen.name == name and self._gen.up_to_date():
                return self._gen
            path = self.root.current_path()  # raises NoIndex
            gen = _Generation(path.name, path)
            old, self._gen = self._gen, gen
            self._version += 1
            self._cache.clear()
            if old is not None:
                old.close()
            return gen

    def _authority_tables(self) -> tuple[dict, dict, dict]:
        """(labels, alias key → (entity id, [aliases]), redirects), cached for the ttl."""
        now = time.monotonic()
        if self._authority is None:
            return {}, {}, {}
        if self._authority_cache is None or now - self._authority_cache[0] > self._authority_ttl:
            data = self._authority() or {}
            by_key = {}
            for eid, pairs in (data.get("aliases") or {}).items():
                names = [alias for alias, _key in pairs]
                for _alias, key in pairs:
                    by_key[key] = (eid, names)
            self._authority_cache = (now, (data.get("labels") or {}, by_key, data.get("redirects") or {}))
        return self._authority_cache[1]

    def _spellings(self, gen: "_Generation", tree):
        """Give plain words the other spellings readers mean by them, when the archive uses
        those much more: a hamza seat typed as و or ي (مسوول → مسءول, i.e. مسؤول), and a
        leading ب (by, with) typed onto a word (بدمج → دمج), which the stemmer leaves alone."""
        if tree is None or not gen.n:
            return tree
        reader = gen.searcher.reader()

        def df(text: str) -> int:
            terms = analyze(_STEMMED, text)
            return reader.doc_frequency("body", terms[0]) if len(terms) == 1 else 0

        def visit(node):
            if isinstance(node, (And, Or)):
                return type(node)(tuple(visit(c) for c in node.children))
            if not isinstance(node, Word) or node.exact or node.prefix or node.alternatives:
                return node
            norm = arabic.normalize(node.text)
            base = df(node.text)
            found = []
            for variant in _spelling_variants(norm):
                vdf = df(variant)
                if vdf > 2 * base:
                    found.append(variant)
            return Word(node.text, node.exact, node.prefix, node.field, tuple(found)) if found else node

        return visit(tree)

    def _expand(self, tree) -> tuple[object, list[dict]]:
        """Add the other spellings of every entity named in the query (ترامب → ترمب …)."""
        by_key = self._authority_tables()[1]
        if not by_key or tree is None:
            return tree, []
        expanded: list[dict] = []

        def visit(node):
            if isinstance(node, (And, Or)):
                return type(node)(tuple(visit(c) for c in node.children))
            if isinstance(node, Not):
                return node
            if isinstance(node, Word) and not node.exact and not node.prefix:
                text = node.text
            elif isinstance(node, Phrase) and node.slop == 1:
                text = " ".join(node.words)
            else:
                return node
            hit = by_key.get(entity_key(text))
            if hit is None:
                return node
            _eid, names = hit
            key = entity_key(text)
            others = [n for n in names if entity_key(n) != key]
            if not others:
                return node
            expanded.append({"term": text, "aliases": others})
            alternatives = [node] + [Phrase(tuple(n.split()), 1, node.field) if " " in n.strip()
                                     else Word(n, field=node.field) for n in others]
            return Or(tuple(alternatives))

        return visit(tree), expanded

    def status(self) -> dict:
        try:
            gen = self._current()
        except NoIndex:
            return {"generation": None, "indexed": 0}
        return {"generation": gen.name, "indexed": gen.doc_count}

    def close(self) -> None:
        with self._lock:
            if self._gen is not None:
                self._gen.close()
                self._gen = None

    def search(self, req: SearchRequest) -> SearchResult:
        # Opening a generation (once per process and update) is not this search's time.
        gen = self._current()
        started = time.perf_counter()
        try:
            tree = parse(req.query)
        except QueryError as exc:
            raise SearchError(exc.message, exc.message_ar, "q") from None
        key = (gen.name, self._version, req.key())
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            result = SearchResult(**{**cached.__dict__, "took_ms": (time.perf_counter() - started) * 1000})
            return result
        deadline = started + self.time_limit
        tree, expanded = self._expand(drop_stop_words(tree))
        tree = self._spellings(gen, tree)
        result = self._search(gen, req, tree, deadline)
        result.expanded = expanded
        result.took_ms = (time.perf_counter() - started) * 1000
        if any(f.timed_out for f in result.facets.values()):
            return result  # incomplete: the next request computes it again
        self._cache[key] = result
        if len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        return result

    # The work itself.
    def _bounds(self, req: SearchRequest) -> tuple[int | None, int | None]:
        try:
            low = parse_bound(req.date_from, end=False, tz=self.tz) if req.date_from else None
            high = parse_bound(req.date_to, end=True, tz=self.tz) if req.date_to else None
        except DateParseError as exc:
            raise SearchError(f"'from'/'to': {exc}", "'from'/'to': تاريخ غير صالح (YYYY أو YYYY-MM أو YYYY-MM-DD)",
                              "from") from None
        lo = int(low.timestamp()) if low else None
        hi = int(high.timestamp()) if high else None
        if lo is not None and hi is not None and lo >= hi:
            raise SearchError("'from' is after 'to'", "تاريخ 'from' بعد تاريخ 'to'", "from")
        return lo, hi

    def _select(self, gen: _Generation, req: SearchRequest, tree, deadline: float):
        """The text query, the docnums it matches, and one boolean mask per filter in use."""
        try:
            text_q = compile_query(tree)
        except QueryError as exc:
            raise SearchError(exc.message, exc.message_ar, "q") from None
        lo, hi = self._bounds(req)
        groups = plain_groups(tree) if self.fast and gen.n else None
        if text_q is None:
            base = gen.all_docs
        elif groups is not None:
            base = gen.arrays.match(groups)
            if time.perf_counter() > deadline:
                raise SearchTimeout()
        else:
            base = np.fromiter(_matching(gen.searcher, text_q, deadline), dtype=np.int32)
        masks: dict[str, np.ndarray] = {}
        if req.section:
            masks["section"] = gen.columns["section"].mask(req.section)
        if req.source:
            masks["source"] = gen.columns["source"].mask(req.source)
        if req.date:
            masks["date"] = self._date_mask(gen, req.date)
        if lo is not None or hi is not None:
            m = np.ones(gen.n, dtype=bool)
            if lo is not None:
                m &= gen.published >= lo
            if hi is not None:
                m &= gen.published < hi
            masks["range"] = m
        for kind in ENTITY_KINDS:
            wanted = getattr(req, kind)
            if wanted:  # AND: articles that mention every one of them
                masks[kind] = gen.entity_column(kind).mask_all(self._resolve_ids(wanted), gen.n)
        return text_q, base, masks

    @staticmethod
    def _restrict(base: np.ndarray, masks: dict, skip: str | None = None) -> np.ndarray:
        """``base`` under every filter mask except ``skip`` (a facet's own filter)."""
        docs = base
        for name, m in masks.items():
            if name != skip:
                docs = docs[m[docs]]
        return docs

    def export(self, req: SearchRequest, limit: int = 10_000) -> Iterator[Hit]:
        """Up to ``limit`` hits of a search in its sort order, without snippets (exports, feeds)."""
        started = time.perf_counter()
        try:
            tree = parse(req.query)
        except QueryError as exc:
            raise SearchError(exc.message, exc.message_ar, "q") from None
        gen = self._current()
        deadline = started + self.time_limit
        tree, _expanded = self._expand(drop_stop_words(tree))
        tree = self._spellings(gen, tree)
        text_q, base, masks = self._select(gen, req, tree, deadline)
        final = self._restrict(base, masks)
        docs, scores = self._ranked(gen, req, tree, text_q, final, limit, deadline)
        empty = Matcher()
        for d, score in zip(docs, scores):
            hit = self._hit(gen, int(d), score, empty, snippets=False)
            yield hit

    def _search(self, gen: _Generation, req: SearchRequest, tree, deadline: float) -> SearchResult:
        notices: list[str] = []
        text_q, base, masks = self._select(gen, req, tree, deadline)
        if text_q is None and tree is not None:
            notices.append("The query has only very common words; showing all articles.")

        def restricted(skip: str | None) -> np.ndarray:
            return self._restrict(base, masks, skip)

        final = restricted(None)
        total = int(final.size)

        page = req.page
        if (page - 1) * req.per_page >= MAX_WINDOW:
            page = max(1, -(-MAX_WINDOW // req.per_page))
            notices.append(f"Only the first {MAX_WINDOW:,} results can be paged through; "
                           f"narrow the search to see the rest. Showing page {page}.")
        start = (page - 1) * req.per_page
        stop = min(start + req.per_page, MAX_WINDOW)
        docs, scores = self._ranked(gen, req, tree, text_q, final, stop, deadline)
        docs, scores = docs[start:stop], scores[start:stop]

        matcher = matcher_for(tree)
        hits = [self._hit(gen, int(d), s, matcher) for d, s in zip(docs, scores)]

        # Facets come after the hits. The single-valued ones (one count per matching article,
        # the same work as the filters above) are always computed, so their counts sum to the
        # total; each entity facet has the rest of its own time box and is reported as timed
        # out past it, never a reason to withhold the results.
        facet_deadline = time.perf_counter() + self.facet_time_limit
        facets = {
            "section": self._value_facet(gen, "section", restricted("section"), req.section),
            "source": self._value_facet(gen, "source", restricted("source"), req.source),
            "date": self._date_facet(gen, restricted("date"), req.date),
        }
        for kind in ENTITY_KINDS:
            if time.perf_counter() > facet_deadline:
                facets[kind] = Facet(kind, [], timed_out=True)
                notices.append(f"The {kind} facet took too long and is not shown for this search.")
            else:
                facets[kind] = self._entity_facet(gen, kind, restricted(kind), getattr(req, kind))
        facets = {name: facets[name] for name in FACET_NAMES}
        suggestion = None
        if total < SUGGEST_BELOW and tree is not None and time.perf_counter() < deadline:
            suggestion = self._suggest(gen, req.query, tree)
        return SearchResult(query=req.query, total=total, page=page, per_page=req.per_page,
                            took_ms=0.0, hits=hits, facets=facets, notices=notices,
                            suggestion=suggestion, generation=gen.name)

    # Did you mean.
    def _suggest(self, gen: _Generation, query: str, tree) -> str | None:
        """The query with rare words replaced by a close, much more frequent spelling, written
        as articles write it; None when there is nothing better."""
        reader = gen.searcher.reader()
        changed = query
        better = False
        for word in _plain_words(tree):
            norm = arabic.normalize(word)
            if len(norm) < 3 or not norm.isalpha():
                continue
            df = reader.doc_frequency("body_exact", norm)
            if df >= SUGGEST_KNOWN_DF:
                continue  # a word that many articles use is spelled as people spell it
            best, best_df = None, max(SUGGEST_FACTOR * df, SUGGEST_MIN_DF)
            for cand in _edits1(norm):
                cdf = reader.doc_frequency("body_exact", cand)
                if cdf >= best_df:
                    best, best_df = cand, cdf
            if best is None:
                continue
            surface = self._surface(gen, best)
            if surface and word in changed:
                changed = changed.replace(word, surface, 1)
                better = True
        return changed if better else None

    def _surface(self, gen: _Generation, norm: str) -> str | None:
        """How an article actually writes the normalised word ``norm`` (marks dropped)."""
        postings = gen.searcher.postings("body_exact", norm)
        if not postings.is_active():
            return None
        body = gen.searcher.stored_fields(postings.id())["body"]
        for token, _s, _e in arabic.tokenize(body):
            if arabic.normalize(token) == norm:
                return arabic.strip_marks(token)
        return None

    # More like this.
    def related(self, article_id: str, limit: int = 5) -> list[Hit]:
        """Articles that share the most distinctive words of ``article_id``."""
        gen = self._current()
        docnum = gen.searcher.document_number(id=article_id)
        if docnum is None:
            return []
        body = gen.searcher.stored_fields(docnum)["body"]
        results = gen.searcher.more_like(docnum, "body", text=body, top=limit, numterms=12)
        return [self._hit(gen, r.docnum, round(float(r.score), 4), Matcher()) for r in results]

    def _ranked(self, gen, req, tree, text_q, final: np.ndarray, stop: int, deadline: float):
        if final.size == 0 or stop <= 0:
            return [], []
        if req.sort != "relevance" or text_q is None or not _has_text(tree):
            order = np.argsort(gen.published[final], kind="stable")
            if req.sort != "oldest":
                order = order[::-1]
            docs = final[order[:stop]].tolist()
            return docs, [None] * len(docs)
        groups = plain_groups(tree) if self.fast else None
        if groups is not None:
            scores = gen.arrays.scores(groups, final)
            order = np.lexsort((-gen.published[final], -np.round(scores, 6)))[:stop]
            return final[order].tolist(), [round(float(x), 4) for x in scores[order]]
        allow = None if final.size == gen.doc_count else set(final.tolist())
        remaining = deadline - time.perf_counter()
        if remaining <= 0:
            raise SearchTimeout()
        collector = _DeadlineCollector(gen.searcher.collector(limit=stop, filter=allow), deadline)
        try:
            gen.searcher.search_with_collector(text_q, collector)
        except TimeLimit:
            raise SearchTimeout() from None
        results = collector.results()
        ranked = sorted(((hit_score, doc) for doc, hit_score in
                         ((r.docnum, r.score) for r in results)),
                        key=lambda p: (-round(p[0], 6), -int(gen.published[p[1]])))
        return [d for _, d in ranked], [round(float(s), 4) for s, _ in ranked]

    def _hit(self, gen: _Generation, docnum: int, score, matcher: Matcher, snippets: bool = True) -> Hit:
        f = gen.searcher.stored_fields(docnum)
        published = datetime.fromtimestamp(f["published"], tz=timezone.utc)
        return Hit(
            id=f["id"], title=f["title"],
            title_html=highlight_all(f["title"], matcher) if snippets else escape(f["title"]),
            url=f.get("url"), date=published.strftime("%Y-%m-%dT%H:%M:%SZ"),
            section=f.get("section"), source=f.get("source"),
            snippet_html=snippet(f["body"], matcher) if snippets else "",
            entities=list(f.get("entities") or ()), score=score,
            date_precision=f.get("date_precision", "minute"))

    # Facets.
    def _labels(self) -> dict:
        return self._authority_tables()[0]

    def _resolve_ids(self, ids: list[str]) -> list[str]:
        """Entity ids as the index knows them (a merged id stands for the entry it joined)."""
        redirects = self._authority_tables()[2]
        return [redirects.get(i, i) for i in ids]

    def _entity_facet(self, gen: _Generation, kind: str, docs: np.ndarray, selected: list[str]) -> Facet:
        col = gen.entity_column(kind)
        counts = col.counts(docs, gen.n)
        labels = self._labels()
        chosen = set(self._resolve_ids(selected))
        order = np.argsort(-counts, kind="stable")
        values = []
        for code in order[:FACET_LIMIT]:
            if counts[code] == 0:
                break
            eid = col.ids[code]
            values.append(FacetValue(eid, labels.get(eid, (eid,))[0], int(counts[code]), eid in chosen))
        shown = {v.value for v in values}
        for eid in chosen - shown:
            code = col.index.get(eid)
            values.append(FacetValue(eid, labels.get(eid, (eid,))[0],
                                     int(counts[code]) if code is not None else 0, True))
        return Facet(kind, values)

    def _date_mask(self, gen: _Generation, values: list[str]) -> np.ndarray:
        years = [v for v in values if len(v) == 4]
        months = [v for v in values if len(v) == 7]
        m = np.zeros(gen.n, dtype=bool)
        if years:
            m |= gen.columns["year"].mask(years)
        if months:
            m |= gen.columns["month"].mask(months)
        return m

    def _value_facet(self, gen: _Generation, name: str, docs: np.ndarray, selected: list[str]) -> Facet:
        col = gen.columns[name]
        counts = col.counts(docs)
        values = [FacetValue(label, label, int(counts[code]), label in selected)
                  for code, label in enumerate(col.labels) if label and (counts[code] or label in selected)]
        values.sort(key=lambda v: (not v.selected, -v.count, v.label))
        top = values[:FACET_LIMIT]
        top += [v for v in values[FACET_LIMIT:] if v.selected]
        top.extend(FacetValue(v, v, 0, True) for v in selected if v not in col.index)
        top.sort(key=lambda v: (-v.count, v.label))
        return Facet(name, top)

    def _date_facet(self, gen: _Generation, docs: np.ndarray, selected: list[str]) -> Facet:
        years = gen.columns["year"]
        counts = years.counts(docs)
        values = [FacetValue(y, y, int(counts[c]), y in selected)
                  for c, y in enumerate(years.labels) if y and (counts[c] or y in selected)]
        values.sort(key=lambda v: v.value)
        # Months appear inside a year once one year (or a month of it) is selected.
        chosen_years = {v[:4] for v in selected}
        if len(chosen_years) == 1:
            year = next(iter(chosen_years))
            months = gen.columns["month"]
            mcounts = months.counts(docs)
            month_values = [FacetValue(m, m, int(mcounts[c]), m in selected)
                            for c, m in enumerate(months.labels)
                            if m.startswith(year + "-") and (mcounts[c] or m in selected)]
            month_values.sort(key=lambda v: v.value)
            out = []
            for v in values:
                out.append(v)
                if v.value == year:
                    out.extend(month_values)
            values = out
        return Facet("date", values)
