"""From the parsed query to a search plan: the rewrites (stop words out of AND, the other
spellings of entities named in the query, the spellings readers mean) and the analysis of
every word, done once. Engines compile ``Plan.query``; highlighting and did-you-mean read
the plan too, so nothing walks the query tree or analyses a word again. Engine-neutral.

The analysed tree keeps ``And``/``Or``/``Not``/``Filter`` from ``indexer.query`` and replaces
words and phrases by what the index holds:

    Stems(terms, alternatives, spellings)
                                 an ordinary word: its stems in ``title``/``body`` (all required),
                                 or, for a one-stem word, any of the stems of its other spellings;
                                 ``spellings``, the word as typed and the other spellings meant by
                                 it (normalised, unstemmed), are not required but add their
                                 ``title_exact``/``body_exact`` score, so an article with the
                                 spelling typed or meant ranks above one that only shares its stem
    Exact(words, slop)           words as written (normalised, unstemmed) in ``title_exact``/
                                 ``body_exact``: ``=word``, phrases, and stop words searched alone
    Prefix(prefix)               ``word*``: a normalised prefix of the exact fields
    DateRange(lo, hi)            ``date:…`` as [lo, hi) epoch seconds
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Protocol

from archive.dates import DateParseError, parse_bound
from indexer import arabic
from indexer.analysis import analyze, exact_analyzer, stemmed_analyzer
from indexer.entity_keys import entity_key
from indexer.highlight import Matcher
from indexer.query import And, Filter, Not, Or, Phrase, QueryError, Word
from indexer.request import SearchTimeout

_STEMMED = stemmed_analyzer()
_EXACT = exact_analyzer()


@lru_cache(maxsize=4096)
def stems(text: str) -> tuple[str, ...]:
    """The terms the stemmed fields hold for ``text`` (none for a stop word)."""
    return tuple(analyze(_STEMMED, text))


@lru_cache(maxsize=4096)
def exact_words(text: str) -> tuple[str, ...]:
    """The terms the exact fields hold for ``text`` (normalised, unstemmed)."""
    return tuple(analyze(_EXACT, text))


@dataclass(frozen=True)
class Stems:
    terms: tuple[str, ...]
    alternatives: tuple[str, ...] = ()
    field: str | None = None       # None: title and body; "title": title only
    # The exact fields' terms for the word typed and its other spellings (ranking only).
    spellings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Exact:
    words: tuple[str, ...]
    slop: int = 1
    field: str | None = None


@dataclass(frozen=True)
class Prefix:
    prefix: str
    field: str | None = None


@dataclass(frozen=True)
class DateRange:
    lo: int | None
    hi: int | None


class Lexicon(Protocol):
    """What the rewrites need from an index: in how many documents a field holds a term
    (``Searcher`` also answers ``doc_frequencies``, many terms at once, which ``frequencies``
    uses when it is there: one request to an engine across the network)."""

    def doc_frequency(self, field: str, term: str) -> int: ...


def frequencies(lexicon: Lexicon, field: str, terms) -> dict[str, int]:
    """``doc_frequency`` of each of ``terms``, asked at once where the lexicon can."""
    terms = list(dict.fromkeys(terms))
    many = getattr(lexicon, "doc_frequencies", None)
    if many is not None:
        return dict(many(field, terms)) if terms else {}
    return {t: lexicon.doc_frequency(field, t) for t in terms}


@dataclass
class Plan:
    """A query ready for an engine. ``query`` is None when nothing searchable remains (no query
    at all, or only words the index does not hold): every article matches."""
    query: object | None
    expanded: list[dict] = field(default_factory=list)   # [{"term", "aliases"}] as the API reports
    typed_words: list[str] = field(default_factory=list) # positive words as typed (did-you-mean)
    matcher: Matcher = field(default_factory=Matcher)    # what snippets mark
    has_text: bool = False         # a positive word to rank by (else: newest first)
    # Every word the reader typed is a stop word (في، من…): they are searched as written.
    only_common: bool = False
    # The reader typed something, but no word of it can be searched: every article matches.
    nothing_searchable: bool = False


def prepare(tree, *, lexicon: Lexicon | None = None, aliases: dict | None = None,
            tz: str = "UTC", deadline: float = float("inf"), every_seat: bool = False) -> Plan:
    """The plan for a parsed query: repeated words folded, stop words dropped from AND, entity
    names expanded to their aliases (``aliases``: alias key → (entity id, [names])), other
    spellings added where ``lexicon`` shows the archive uses them much more (``every_seat``:
    also every hamza seat reading of each word, see ``add_spellings``), then every word
    analysed once. Raises QueryError for a ``date:`` range that is not one, SearchTimeout when
    ``deadline`` (a ``time.perf_counter`` value) passes between two steps."""
    if tree is None:
        return Plan(None)
    only_common = _only_stop_words(tree)
    tree = drop_stop_words(fold_repeats(tree))
    check_deadline(deadline)
    tree, expanded = expand_aliases(tree, aliases or {})
    check_deadline(deadline)
    if lexicon is not None:
        tree = add_spellings(tree, lexicon, deadline, every_seat)
    query = analyse(tree, tz)
    check_deadline(deadline)
    return Plan(query, expanded, typed_words(tree), matcher_for(query), _has_text(query),
                only_common=only_common and query is not None,
                nothing_searchable=query is None and bool(typed_words(tree)))


def check_deadline(deadline: float) -> None:
    """SearchTimeout once ``deadline`` (a ``time.perf_counter`` value) has passed."""
    if time.perf_counter() > deadline:
        raise SearchTimeout()


def fold_repeats(node):
    """The query with repeated operands of AND and OR said once (``a a a`` means ``a``): a
    word typed 166 times is one word to expand, match and mark, not 166."""
    if isinstance(node, (And, Or)):
        kids = tuple(dict.fromkeys(fold_repeats(c) for c in node.children))
        return kids[0] if len(kids) == 1 else type(node)(kids)
    if isinstance(node, Not):
        return Not(fold_repeats(node.child))
    return node


def _is_stop_word(node) -> bool:
    return isinstance(node, Word) and not node.exact and not node.prefix and not stems(node.text)


def _only_stop_words(node) -> bool:
    """Whether the words a query looks for (not those under NOT) are all stop words typed as
    plain words (an exact ``=في`` or a phrase asks for the spelling itself)."""
    leaves: list = []

    def positive(n):
        if isinstance(n, (And, Or)):
            for c in n.children:
                positive(c)
        elif not isinstance(n, (Not, Filter)):
            leaves.append(n)

    positive(node)
    return bool(leaves) and all(_is_stop_word(n) for n in leaves)


def drop_stop_words(node):
    """Remove stop words (في، من، على…) from AND-ed words, as the stemmed field never held them;
    when no other word is looked for (``في من``, ``في -سوريا``, ``في section:x``), they stay and
    are searched in the exact field."""
    if isinstance(node, (And, Or)):
        kids = tuple(drop_stop_words(c) for c in node.children)
        if isinstance(node, And):
            kept = tuple(k for k in kids if not _is_stop_word(k))
            if any(not isinstance(k, (Not, Filter)) for k in kept) and len(kept) < len(kids):
                kids = kept
        return kids[0] if len(kids) == 1 else type(node)(kids)
    if isinstance(node, Not):
        return Not(drop_stop_words(node.child))
    return node


def expand_aliases(tree, by_key: dict) -> tuple[object, list[dict]]:
    """Add the other spellings of every entity named in the query (ترامب → ترمب …)."""
    if not by_key or tree is None:
        return tree, []
    expanded: list[dict] = []

    def visit(node):
        if isinstance(node, (And, Or)):
            return type(node)(tuple(visit(c) for c in node.children))
        if isinstance(node, Word) and not node.exact and not node.prefix:
            text = node.text
        elif isinstance(node, Phrase) and node.slop == 1:
            text = " ".join(node.words)
        else:
            return node  # NOT, filters, prefixes, exact spellings and loose phrases stay
        key = entity_key(text)
        hit = by_key.get(key)
        if hit is None:
            return node
        others = [n for n in hit[1] if entity_key(n) != key]
        if not others:
            return node
        expanded.append({"term": text, "aliases": others})
        return Or((node, *(Phrase(tuple(n.split()), 1, node.field) if " " in n.strip()
                           else Word(n, field=node.field) for n in others)))

    return visit(tree), expanded


def seat_readings(norm: str) -> list[str]:
    """A normalised word with و/ي inside it read as a hamza seat (ء), at most three places."""
    out = []
    seats = [i for i, c in enumerate(norm) if c in "وي" and 0 < i][:3]
    for mask in range(1, 1 << len(seats)):
        chars = list(norm)
        for bit, i in enumerate(seats):
            if mask >> bit & 1:
                chars[i] = "ء"
        out.append("".join(chars))
    return out


def spelling_variants(norm: str) -> list[str]:
    """Candidate spellings of a normalised word: its seat readings, and the word without a
    leading ب when at least three letters remain."""
    out = seat_readings(norm)
    if norm.startswith("ب") and not norm.startswith("بال") and len(norm) >= 4:
        out.append(norm[1:])
    return out


def add_spellings(tree, lexicon: Lexicon, deadline: float = float("inf"), every_seat: bool = False):
    """Give plain words the other spellings readers mean by them, when the archive uses
    those much more: a hamza seat typed as و or ي (مسوول → مسءول, i.e. مسؤول), and a
    leading ب (by, with) typed onto a word (بدمج → دمج), which the stemmer leaves alone.

    Where the stemmer already reads the seat (رييسها and رءيسها have one stem), the stems match
    the same articles and cannot tell; the exact fields can: the seat spelling is added when
    ``body_exact`` holds it much more often than the spelling typed, so it ranks as the word's
    spelling (``Stems.spellings``) and the article that writes رئيسها ranks as for the query
    typed with it.

    ``every_seat`` also adds every seat reading with a stem of its own, however rare: for a
    query that finds nothing as typed (the reader's مقري, a word of its own in the archive, for
    the rare مقرئ; ``SearchService`` asks again so)."""
    def plain(node) -> bool:
        return isinstance(node, Word) and not (node.exact or node.prefix or node.alternatives)

    def words(node):
        if isinstance(node, (And, Or)):
            for c in node.children:
                yield from words(c)
        elif plain(node):
            yield node

    def term(text: str) -> str | None:
        terms = stems(text)
        return terms[0] if len(terms) == 1 else None

    # Every word's spellings first, then all their frequencies in one lexicon call.
    variants = {}
    for node in words(tree):
        check_deadline(deadline)
        if node.text not in variants:
            variants[node.text] = spelling_variants(arabic.normalize(node.text))
    check_deadline(deadline)
    wanted = [term(t) for text, vs in variants.items() for t in (text, *vs)]
    counts = frequencies(lexicon, "body", [t for t in wanted if t])
    # The seat spellings the stemmer reads as the word itself, beside the spelling typed.
    seats = {text: seat_readings(arabic.normalize(text)) for text in variants}
    same = {text: [v for v in vs if stems(v) == stems(text)] for text, vs in seats.items()}
    spelled = frequencies(lexicon, "body_exact", [w for text, vs in same.items() if vs
                                                  for t in (text, *vs) for w in exact_words(t)])

    def df(text: str) -> int:
        t = term(text)
        return counts.get(t, 0) if t else 0

    def exact_df(text: str) -> int:
        words = exact_words(text)
        return spelled.get(words[0], 0) if len(words) == 1 else 0

    def visit(node):
        if isinstance(node, (And, Or)):
            return type(node)(tuple(visit(c) for c in node.children))
        if not plain(node):
            return node
        base, typed = df(node.text), exact_df(node.text)
        found = tuple(v for v in variants[node.text]
                      if df(v) > 2 * base or (v in same[node.text] and exact_df(v) > 2 * typed)
                      or (every_seat and v in seats[node.text] and v not in same[node.text]))
        return Word(node.text, node.exact, node.prefix, node.field, found) if found else node

    return visit(tree)


def date_range(value: str, tz: str = "UTC") -> tuple[int | None, int | None]:
    """``2018``, ``2018-01..2018-06``, ``2018-03..`` or ``..2018`` → [lo, hi) in epoch seconds."""
    start, sep, end = value.partition("..")
    if not sep:
        end = start
    try:
        lo = int(parse_bound(start, end=False, tz=tz).timestamp()) if start else None
        hi = int(parse_bound(end, end=True, tz=tz).timestamp()) if end else None
    except DateParseError:
        raise QueryError("date:%(value)s is not a date range; write date:2018, date:2018-01..2018-06 "
                         "or date:2018-01-15..", value=value) from None
    if lo is None and hi is None:
        raise QueryError("date: needs at least one end of the range")
    if lo is not None and hi is not None and lo >= hi:
        raise QueryError("date:%(value)s ends before it starts", value=value)
    return lo, hi


def analyse(node, tz: str = "UTC"):
    """The analysed tree of a (rewritten) query tree; None where nothing searchable remains.
    Already analysed nodes pass through, so analysing twice changes nothing."""
    if node is None or isinstance(node, (Stems, Exact, Prefix, DateRange)):
        return node
    if isinstance(node, Word):
        if node.prefix:
            norm = arabic.normalize(node.text)
            return Prefix(norm, node.field) if norm else None
        if not node.exact:
            terms = stems(node.text)
            if terms:
                # an alternative with the word's own stem (the seat the stemmer reads) adds
                # only its spelling
                alternatives = tuple(dict.fromkeys(t for alt in node.alternatives for t in stems(alt)
                                                   if t not in terms))
                forms = [exact_words(text) for text in (node.text, *node.alternatives)]
                spellings = tuple(dict.fromkeys(f[0] for f in forms)) \
                    if all(len(f) == 1 for f in forms) else ()
                return Stems(terms, alternatives, node.field, spellings)
        # exact spelling, or a word the stemmed field drops (a stop word): the exact field
        words = exact_words(node.text)
        return Exact(words, 1, node.field) if words else None
    if isinstance(node, Phrase):
        words = exact_words(" ".join(node.words))
        return Exact(words, node.slop, node.field) if words else None
    if isinstance(node, Filter):
        return DateRange(*date_range(node.value, tz)) if node.field == "date" else node
    if isinstance(node, Not):
        inner = analyse(node.child, tz)
        return Not(inner) if inner is not None else None
    if isinstance(node, (And, Or)):
        kids = tuple(k for k in (analyse(c, tz) for c in node.children) if k is not None)
        return type(node)(kids) if kids else None
    raise TypeError(f"unknown query node {node!r}")


def matcher_for(node, matcher: Matcher | None = None) -> Matcher:
    """What to highlight: every positive word of the analysed query (not those under NOT)."""
    m = matcher if matcher is not None else Matcher()  # an empty Matcher is falsy
    if isinstance(node, Stems):
        m.stems.update(node.terms)
        m.stems.update(node.alternatives)
    elif isinstance(node, Exact):
        m.exact.update(node.words)
    elif isinstance(node, Prefix):
        m.prefixes = m.prefixes + (node.prefix,)
    elif isinstance(node, (And, Or)):
        for c in node.children:
            matcher_for(c, m)
    return m


def typed_words(node) -> list[str]:
    """The positive, non-prefix words of a query tree, as typed."""
    if isinstance(node, Word) and not node.prefix:
        return [node.text]
    if isinstance(node, Phrase):
        return list(node.words)
    if isinstance(node, (And, Or)):
        return [w for c in node.children for w in typed_words(c)]
    return []


def _has_text(node) -> bool:
    if isinstance(node, (Stems, Exact, Prefix)):
        return True
    if isinstance(node, (And, Or)):
        return any(_has_text(c) for c in node.children)
    return False


