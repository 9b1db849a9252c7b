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

from archive.models import FACET_KINDS as ENTITY_KINDS  # the entity kinds search filters and counts

MAX_QUERY = 1000
MAX_SLOP = 100
TEXT_FIELDS = ("title",)
FILTER_FIELDS = ("section", "source", *ENTITY_KINDS, "date")
MAX_DEPTH = 32             # nested parentheses / NOTs: deeper than any real query
OR_WORDS = {"OR", "أو", "او", "|"}
AND_WORDS = {"AND", "&&"}
NOT_WORDS = {"NOT"}


class QueryError(ValueError):
    """A query that cannot be parsed; ``message`` (English) and ``message_ar`` point at the problem."""

    def __init__(self, message: str, message_ar: str, position: int | None = None):
        super().__init__(message)
        self.message = message
        self.message_ar = message_ar
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
                raise QueryError(f"the quotation mark at position {i + 1} is never closed",
                                 f"علامة التنصيص في الموضع {i + 1} غير مغلقة", i)
            slop = 1
            m = _SLOP.match(q, end + 1)
            if m:
                slop = int(m.group(1))
                if slop > MAX_SLOP:
                    raise QueryError(f"proximity ~{slop} is too wide (at most ~{MAX_SLOP})",
                                     f"مدى التقارب ~{slop} واسع جدًا (الحد الأقصى ~{MAX_SLOP})", end + 1)
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
            raise QueryError(f"the closing parenthesis at position {t.pos + 1} has no opening one",
                             f"القوس المغلق في الموضع {t.pos + 1} ليس له قوس مفتوح", t.pos)
        return node

    def or_expr(self):
        t = self.peek()
        if t is not None and t.kind == "or":
            raise QueryError(f"'{t.text}' at position {t.pos + 1} needs a word before it",
                             f"'{t.text}' في الموضع {t.pos + 1} يحتاج إلى كلمة قبله", t.pos)
        children = [self.and_expr()]
        while (t := self.peek()) is not None and t.kind == "or":
            self.take()
            nxt = self.peek()
            if nxt is None or nxt.kind in ("rparen", "or"):
                raise QueryError(f"'{t.text}' at position {t.pos + 1} needs a word after it",
                                 f"'{t.text}' في الموضع {t.pos + 1} يحتاج إلى كلمة بعده", t.pos)
            children.append(self.and_expr())
        return children[0] if len(children) == 1 else Or(tuple(children))

    def and_expr(self):
        children = []
        while (t := self.peek()) is not None and t.kind not in ("or", "rparen"):
            if t.kind == "and":
                self.take()
                nxt = self.peek()
                if not children or nxt is None or nxt.kind in ("or", "rparen", "and"):
                    raise QueryError(f"'{t.text}' at position {t.pos + 1} needs words on both sides",
                                     f"'{t.text}' في الموضع {t.pos + 1} يحتاج إلى كلمتين على جانبيه", t.pos)
                continue
            children.append(self.unary())
        if not children:
            t = self.peek()
            pos = t.pos if t else len(self.q)
            raise QueryError(f"something is missing at position {pos + 1}",
                             f"ينقص شيء في الموضع {pos + 1}", pos)
        return children[0] if len(children) == 1 else And(tuple(children))

    def unary(self):
        t = self.take()
        if t.kind in ("not", "minus", "lparen"):
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise QueryError(f"the query nests more than {MAX_DEPTH} levels deep (position {t.pos + 1})",
                                 f"الاستعلام متداخل لأكثر من {MAX_DEPTH} مستوى (الموضع {t.pos + 1})", t.pos)
            try:
                return self._nested(t)
            finally:
                self.depth -= 1
        return self._leaf(t)

    def _nested(self, t: _Tok):
        if t.kind in ("not", "minus"):
            nxt = self.peek()
            if nxt is None or nxt.kind in ("or", "rparen", "and"):
                raise QueryError(f"'{t.text}' at position {t.pos + 1} needs a word after it",
                                 f"'{t.text}' في الموضع {t.pos + 1} يحتاج إلى كلمة بعده", t.pos)
            return Not(self.unary())
        if t.kind == "lparen":
            if (nxt := self.peek()) is not None and nxt.kind == "rparen":
                raise QueryError(f"the parentheses at position {t.pos + 1} are empty",
                                 f"القوسان في الموضع {t.pos + 1} فارغان", t.pos)
            node = self.or_expr()
            close = self.peek()
            if close is None or close.kind != "rparen":
                raise QueryError(f"the parenthesis opened at position {t.pos + 1} is never closed",
                                 f"القوس المفتوح في الموضع {t.pos + 1} غير مغلق", t.pos)
            self.take()
            return node
        raise AssertionError(t.kind)

    def _leaf(self, t: _Tok):
        if t.kind == "phrase":
            words = tuple(t.text.split())
            if not words:
                raise QueryError(f"the quotation marks at position {t.pos + 1} are empty",
                                 f"علامتا التنصيص في الموضع {t.pos + 1} فارغتان", t.pos)
            if t.field in FILTER_FIELDS:
                return Filter(t.field, " ".join(words))
            if len(words) == 1 and t.slop == 1:
                return Word(words[0], exact=True, field=t.field)
            return Phrase(words, t.slop, t.field)
        if t.kind == "word":
            if t.field in FILTER_FIELDS:
                return Filter(t.field, t.text)
            return _word(t)
        raise QueryError(f"unexpected '{t.text}' at position {t.pos + 1}",
                         f"'{t.text}' غير متوقع في الموضع {t.pos + 1}", t.pos)


def _word(t: _Tok) -> Word:
    text = t.text
    exact = text.startswith("=") and len(text) > 1
    if exact:
        text = text[1:]
    prefix = text.endswith("*")
    if prefix:
        text = text.rstrip("*")
        if len(text) < 2:
            raise QueryError(f"a prefix needs at least two letters before '*' (position {t.pos + 1})",
                             f"البادئة تحتاج إلى حرفين على الأقل قبل '*' (الموضع {t.pos + 1})", t.pos)
    if "*" in text or "?" in text:
        raise QueryError(f"'*' may only end a word (position {t.pos + 1})",
                         f"لا يأتي '*' إلا في آخر الكلمة (الموضع {t.pos + 1})", t.pos)
    return Word(text, exact=exact, prefix=prefix, field=t.field)


def parse(q: str):
    """Parse a query string; None for an empty query (browse everything). Raises QueryError."""
    if len(q) > MAX_QUERY:
        raise QueryError(f"the query is {len(q)} characters long; at most {MAX_QUERY} are allowed",
                         f"طول الاستعلام {len(q)} حرفًا، والحد الأقصى {MAX_QUERY}")
    return _Parser(q.strip()).parse()
