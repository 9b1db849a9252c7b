"""The query language journalists type, parsed into a small tree of plain dataclasses.

    words            all required (AND) by default
    a OR b, a أو b   either
    NOT a, -a        exclude
    ( ... )          grouping
    "a b"            exact phrase (normalised, unstemmed); "a b"~5 within 5 words
    word*            prefix (unstemmed)
    =word            exact spelling (normalised, unstemmed)
    title:word       search one field; section:X source:X filter by metadata
    date:2018-01..2018-06   a date range (YYYY, YYYY-MM or YYYY-MM-DD at either end; open ends allowed)

No Whoosh here: ``indexer.search`` turns the tree into Whoosh queries, and another backend
could turn it into its own.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from archive.errors import UserError
from archive.models import FACET_KINDS as ENTITY_KINDS  # the entity kinds search filters and counts

MAX_QUERY = 1000
MAX_SLOP = 100
TEXT_FIELDS = ("title",)
FILTER_FIELDS = ("section", "source", *ENTITY_KINDS, "date")
MAX_DEPTH = 32             # nested parentheses / NOTs: deeper than any real query
OR_WORDS = {"OR", "أو", "او", "|"}
AND_WORDS = {"AND", "&&"}
NOT_WORDS = {"NOT"}


class QueryError(UserError, ValueError):
    """A query that cannot be parsed: a message template and its parameters (archive/errors.py)
    pointing at the problem; ``position`` is where (0-based), when known."""

    def __init__(self, template: str, position: int | None = None, **params):
        super().__init__(template, **params)
        self.position = position


@dataclass(frozen=True)
class Word:
    text: str
    exact: bool = False        # =word: normalised spelling, no stemming
    prefix: bool = False       # word*: unstemmed prefix
    field: str | None = None   # None: title and body; "title": title only
    # Other spellings searched as the same word (added by search from the lexicon, e.g. the
    # hamza seat typed as و/ي: مسوول → مسءول).
    alternatives: tuple[str, ...] = ()


@dataclass(frozen=True)
class Phrase:
    words: tuple[str, ...]
    slop: int = 1
    field: str | None = None


@dataclass(frozen=True)
class Filter:
    """``section:X`` and friends: an exact metadata value, not text."""
    field: str
    value: str


@dataclass(frozen=True)
class And:
    children: tuple


@dataclass(frozen=True)
class Or:
    children: tuple


@dataclass(frozen=True)
class Not:
    child: object


Node = Word | Phrase | Filter | And | Or | Not


@dataclass
class _Tok:
    kind: str          # word, phrase, lparen, rparen, or, and, not, minus
    text: str
    pos: int
    slop: int = 1
    field: str | None = None


_SPACE = re.compile(r"\s+")
_WORD = re.compile(r'[^\s()"]+')
_SLOP = re.compile(r"~(\d+)")
_FIELD = re.compile(r"([A-Za-z]+):(?=\S)")


def _tokens(q: str) -> list[_Tok]:
    out: list[_Tok] = []
    i, n = 0, len(q)
    while i < n:
        m = _SPACE.match(q, i)
        if m:
            i = m.end()
            continue
        c = q[i]
        if c == "(":
            out.append(_Tok("lparen", c, i)); i += 1; continue
        if c == ")":
            out.append(_Tok("rparen", c, i)); i += 1; continue
        fld = None
        start = i
        if c == "-" and i + 1 < n and not q[i + 1].isspace() and q[i + 1] != ")":
            out.append(_Tok("minus", c, i)); i += 1; continue
        m = _FIELD.match(q, i)
        if m and m.group(1).lower() in TEXT_FIELDS + FILTER_FIELDS:
            fld = m.group(1).lower()
            i = m.end()
            c = q[i]
        if c == '"':
            end = q.find('"', i + 1)
            if end < 0:
                raise QueryError("the quotation mark at position %(pos)s is never closed", i, pos=i + 1)
            slop = 1
            m = _SLOP.match(q, end + 1)
            if m:
                slop = int(m.group(1))
                if slop > MAX_SLOP:
                    raise QueryError("proximity ~%(slop)s is too wide (at most ~%(max)s)", end + 1, slop=slop,
                                     max=MAX_SLOP)
                slop = max(slop, 1)
                i = m.end()
            else:
                i = end + 1
            out.append(_Tok("phrase", q[start + (0 if fld is None else len(fld) + 1) + 1:end], start,
                            slop=slop, field=fld))
            continue
        m = _WORD.match(q, i)
        if not m:  # a field name followed by a parenthesis: treat the field name as a word
            out.append(_Tok("word", q[start:i], start))
            continue
        text = m.group(0)
        i = m.end()
        if fld is None and text in OR_WORDS:
            out.append(_Tok("or", text, start))
        elif fld is None and text in AND_WORDS:
            out.append(_Tok("and", text, start))
        elif fld is None and text in NOT_WORDS:
            out.append(_Tok("not", text, start))
        else:
            out.append(_Tok("word", text, start, field=fld))
    return out


class _Parser:
    def __init__(self, q: str):
        self.q = q
        self.toks = _tokens(q)
        self.i = 0
        self.depth = 0

    def peek(self) -> _Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> _Tok:
        t = self.toks[self.i]
        self.i += 1
        return t

    def parse(self):
        if not self.toks:
            return None
        node = self.or_expr()
        t = self.peek()
        if t is not None:  # only a stray ")" can stop or_expr early
            raise QueryError("the closing parenthesis at position %(pos)s has no opening one", t.pos,
                             pos=t.pos + 1)
        return node

    def or_expr(self):
        t = self.peek()
        if t is not None and t.kind == "or":
            raise QueryError("'%(word)s' at position %(pos)s needs a word before it", t.pos, word=t.text,
                             pos=t.pos + 1)
        children = [self.and_expr()]
        while (t := self.peek()) is not None and t.kind == "or":
            self.take()
            nxt = self.peek()
            if nxt is None or nxt.kind in ("rparen", "or"):
                raise QueryError("'%(word)s' at position %(pos)s needs a word after it", t.pos, word=t.text,
                                 pos=t.pos + 1)
            children.append(self.and_expr())
        return children[0] if len(children) == 1 else Or(tuple(children))

    def and_expr(self):
        children = []
        while (t := self.peek()) is not None and t.kind not in ("or", "rparen"):
            if t.kind == "and":
                self.take()
                nxt = self.peek()
                if not children or nxt is None or nxt.kind in ("or", "rparen", "and"):
                    raise QueryError("'%(word)s' at position %(pos)s needs words on both sides", t.pos,
                                     word=t.text, pos=t.pos + 1)
                continue
            children.append(self.unary())
        if not children:
            t = self.peek()
            pos = t.pos if t else len(self.q)
            raise QueryError("something is missing at position %(pos)s", pos, pos=pos + 1)
        return children[0] if len(children) == 1 else And(tuple(children))

    def unary(self):
        t = self.take()
        if t.kind in ("not", "minus", "lparen"):
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise QueryError("the query nests more than %(max)s levels deep (position %(pos)s)", t.pos,
                                 max=MAX_DEPTH, pos=t.pos + 1)
            try:
                return self._nested(t)
            finally:
                self.depth -= 1
        return self._leaf(t)

    def _nested(self, t: _Tok):
        if t.kind in ("not", "minus"):
            nxt = self.peek()
            if nxt is None or nxt.kind in ("or", "rparen", "and"):
                raise QueryError("'%(word)s' at position %(pos)s needs a word after it", t.pos, word=t.text,
                                 pos=t.pos + 1)
            return Not(self.unary())
        if t.kind == "lparen":
            if (nxt := self.peek()) is not None and nxt.kind == "rparen":
                raise QueryError("the parentheses at position %(pos)s are empty", t.pos, pos=t.pos + 1)
            node = self.or_expr()
            close = self.peek()
            if close is None or close.kind != "rparen":
                raise QueryError("the parenthesis opened at position %(pos)s is never closed", t.pos,
                                 pos=t.pos + 1)
            self.take()
            return node
        raise AssertionError(t.kind)

    def _leaf(self, t: _Tok):
        if t.kind == "phrase":
            words = tuple(t.text.split())
            if not words:
                raise QueryError("the quotation marks at position %(pos)s are empty", t.pos, pos=t.pos + 1)
            if t.field in FILTER_FIELDS:
                return Filter(t.field, " ".join(words))
            if len(words) == 1 and t.slop == 1:
                return Word(words[0], exact=True, field=t.field)
            return Phrase(words, t.slop, t.field)
        if t.kind == "word":
            if t.field in FILTER_FIELDS:
                return Filter(t.field, t.text)
            return _word(t)
        raise QueryError("unexpected '%(word)s' at position %(pos)s", t.pos, word=t.text, pos=t.pos + 1)


def _word(t: _Tok) -> Word:
    text = t.text
    exact = text.startswith("=") and len(text) > 1
    if exact:
        text = text[1:]
    prefix = text.endswith("*")
    if prefix:
        text = text.rstrip("*")
        if len(text) < 2:
            raise QueryError("a prefix needs at least two letters before '*' (position %(pos)s)", t.pos,
                             pos=t.pos + 1)
    if "*" in text or "?" in text:
        raise QueryError("'*' may only end a word (position %(pos)s)", t.pos, pos=t.pos + 1)
    return Word(text, exact=exact, prefix=prefix, field=t.field)


def parse(q: str):
    """Parse a query string; None for an empty query (browse everything). Raises QueryError."""
    if len(q) > MAX_QUERY:
        raise QueryError("the query is %(length)s characters long; at most %(max)s are allowed", length=len(q),
                         max=MAX_QUERY)
    return _Parser(q.strip()).parse()


def replace_filter_values(q: str, field: str, replace: Callable[[str], str]) -> str:
    """``q`` with the value of each ``field:value`` (or ``field:"two words"``) replaced by
    ``replace(value)`` (quoted when it holds a space): how a caller maps what readers type
    (a section's label) to what the index holds (its code). A query that does not parse is
    returned as it is, for the search to report."""
    try:
        toks = _tokens(q)
    except QueryError:
        return q
    out = q
    for t in reversed(toks):
        if t.field != field or t.kind not in ("word", "phrase"):
            continue
        value_start = t.pos + len(field) + 1
        end = q.index('"', value_start + 1) + 1 if t.kind == "phrase" else value_start + len(t.text)
        new = replace(t.text)
        if new == t.text:
            continue
        if any(ch.isspace() or ch in '()"' for ch in new):
            new = '"' + new.replace('"', "") + '"'
        out = out[:value_start] + new + out[end:]
    return out
