"""The Whoosh engine's query compiler: an analysed plan query (``indexer.plan``) → a Whoosh
query over the schema's fields (``title`` weighted ``TITLE_BOOST`` above ``body``). A word's
spellings (as typed, and those the plan adds for it) are an optional clause on the exact fields
beside its required stems: it matches nothing by itself, and adds its score where the article holds
one of them."""
from __future__ import annotations

from whoosh import query as wq
from whoosh.matching import AndMaybeMatcher

from indexer.plan import DateRange, Exact, Prefix, Stems, analyse
from indexer.query import And, Filter, Not, Or
from indexer.schema import TITLE_BOOST


def fields(field_name: str | None, exact: bool) -> list[tuple[str, float]]:
    """The (field, boost) pairs a word searches: the title only, or the title and the body."""
    suffix = "_exact" if exact else ""
    if field_name == "title":
        return [("title" + suffix, 1.0)]
    return [("title" + suffix, TITLE_BOOST), ("body" + suffix, 1.0)]


# The spellings' clause, relative to the field boosts of ``fields``.
SPELLING_BOOST = 0.5


def spelling_fields(field_name: str | None) -> list[tuple[str, float]]:
    """The (field, boost) pairs where a word's spellings add to its score."""
    return [(name, boost * SPELLING_BOOST) for name, boost in fields(field_name, exact=True)]


class _AndMaybeMatcher(AndMaybeMatcher):
    """Whoosh's AndMaybe matcher without its quality shortcuts: once a top 10 has a lowest
    score, Whoosh's version narrows itself by the sides' maximum scores (to an intersection,
    to blocks by the optional side's current block), and on the corpus that left out an article
    that belongs in the top 10 (الحكومة's second hit). Every match is scored instead."""

    def supports_block_quality(self):
        return False

    def replace(self, minquality=0):
        return super().replace(0)


class AndMaybe(wq.AndMaybe):
    """``a`` required, ``b``'s score added where it matches too (see ``_AndMaybeMatcher``)."""
    matcherclass = _AndMaybeMatcher


def _any(parts: list[wq.Query]) -> wq.Query:
    return parts[0] if len(parts) == 1 else wq.Or(parts)


def _terms_query(fields, words, slop: int = 1) -> wq.Query:
    return _any([wq.Term(name, words[0], boost=boost) if len(words) == 1
                 else wq.Phrase(name, list(words), slop=slop, boost=boost) for name, boost in fields])


def compile_plan(node) -> wq.Query | None:
    """A Whoosh query for an analysed query tree (None for None)."""
    if node is None:
        return None
    if isinstance(node, Stems):
        qs = [_terms_query(fields(node.field, False), [t]) for t in node.terms]
        if node.alternatives and len(qs) == 1:
            qs = [wq.Or([qs[0]] + [_terms_query(fields(node.field, False), [t]) for t in node.alternatives])]
        required = qs[0] if len(qs) == 1 else wq.And(qs)
        if not node.spellings:
            return required
        return AndMaybe(required, _any([_terms_query(spelling_fields(node.field), [s])
                                           for s in node.spellings]))
    if isinstance(node, Exact):
        return _terms_query(fields(node.field, True), node.words, slop=node.slop)
    if isinstance(node, Prefix):
        return _any([wq.Prefix(name, node.prefix, boost=b) for name, b in fields(node.field, True)])
    if isinstance(node, DateRange):
        return wq.NumericRange("published", node.lo, None if node.hi is None else node.hi - 1)
    if isinstance(node, Filter):
        return wq.Term(node.field, node.value)
    if isinstance(node, Not):
        return wq.Not(compile_plan(node.child))
    if isinstance(node, (And, Or)):
        kids = [compile_plan(c) for c in node.children]
        if isinstance(node, Or):
            # "a OR -b" means "a, or anything without b"
            kids = [wq.And([wq.Every(), k]) if isinstance(k, wq.Not) else k for k in kids]
            return _any(kids)
        if all(isinstance(k, wq.Not) for k in kids):
            kids = [wq.Every()] + kids
        return kids[0] if len(kids) == 1 else wq.And(kids)
    raise TypeError(f"unknown query node {node!r}")


def compile_query(tree, tz: str = "UTC") -> wq.Query | None:
    """A Whoosh query for a parsed query tree (None when nothing searchable remains)."""
    return compile_plan(analyse(tree, tz))
