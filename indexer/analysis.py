"""Whoosh analyzers built on ``indexer.arabic``; every token keeps its original character
offsets so highlighting marks the article's own characters.

Two chains (RESEARCH.md §1):
- ``stemmed_analyzer()``: tokenize → normalise → drop stop words → Arshif's light stem.
  Ordinary query words search it.
- ``exact_analyzer()``: tokenize → normalise. Phrases, ``=word`` and ``word*`` search it.

``index_terms(text)`` gives what both chains index of one text from a single pass (the writer
of full rebuilds, ``indexer.writer``, uses it for a title or body that feeds both fields).
"""
from __future__ import annotations

import re

from whoosh.analysis import Filter, StopFilter, Token, Tokenizer

from indexer import arabic

_WORD = re.compile(arabic.TOKEN_PATTERN)


class ArabicTokenizer(Tokenizer):
    """Splits text with ``arabic.tokenize`` (marks stay inside words, hashtags split on ``_``)."""

    def __eq__(self, other):
        return type(other) is type(self)

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            t.original = t.text = value
            t.boost = 1.0
            if positions:
                t.pos = start_pos
            if chars:
                t.startchar = start_char
                t.endchar = start_char + len(value)
            yield t
            return
        for pos, (text, start, end) in enumerate(arabic.tokenize(value)):
            t.text = text
            t.boost = 1.0
            t.stopped = False
            if keeporiginal:
                t.original = text
            if positions:
                t.pos = start_pos + pos
            if chars:
                t.startchar = start_char + start
                t.endchar = start_char + end
            yield t


class NormalizeFilter(Filter):
    """``arabic.normalize`` on each token; tokens that normalise to nothing are dropped."""

    def __eq__(self, other):
        return type(other) is type(self)

    def __call__(self, tokens):
        normalize = arabic.normalize
        for t in tokens:
            t.text = normalize(t.text)
            if t.text:
                yield t


class StemFilter(Filter):
    """``arabic.stem`` on each token (the stemmer is looked up at call time, so nothing
    unpicklable lands in the schema Whoosh pickles)."""

    def __eq__(self, other):
        return type(other) is type(self)

    def __call__(self, tokens):
        stem = arabic.stem
        for t in tokens:
            if not t.stopped:
                t.text = stem(t.text)
            yield t


def stemmed_analyzer():
    # renumber=False: positions keep their gaps where stop words were, so positions stay true
    # to the text (phrases themselves run on the exact field, which keeps every word).
    return (ArabicTokenizer() | NormalizeFilter()
            | StopFilter(stoplist=arabic.STOP_WORDS, minsize=1, renumber=False) | StemFilter())


def exact_analyzer():
    return ArabicTokenizer() | NormalizeFilter()


def analyze(analyzer, text: str) -> list[str]:
    """The index terms ``analyzer`` makes of ``text`` (stop words removed)."""
    return [t.text for t in analyzer(text, mode="query") if not t.stopped]


def index_terms(text: str) -> tuple[dict[str, list[int]], dict[str, int]]:
    """What ``exact_analyzer()`` and ``stemmed_analyzer()`` index of ``text``, from one
    tokenisation: each normalised word with its positions (the exact field's postings), and
    each stem with how many words of the text it stands for, stop words left out (the stemmed
    field's frequencies). Each distinct word is stemmed once, not each occurrence."""
    normalize = arabic.normalize
    positions: dict[str, list[int]] = {}
    for pos, token in enumerate(_WORD.findall(text)):
        word = normalize(token)
        if word:
            seen = positions.get(word)
            if seen is None:
                positions[word] = [pos]
            else:
                seen.append(pos)
    stop_words = arabic.STOP_WORDS
    stem = arabic.stem
    counts: dict[str, int] = {}
    for word, seen in positions.items():
        if word not in stop_words:
            term = stem(word)
            counts[term] = counts.get(term, 0) + len(seen)
    return positions, counts
