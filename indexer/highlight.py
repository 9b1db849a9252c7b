"""Highlighted titles and snippets: HTML-escaped article text in which the words a query
matched, exactly as the article wrote them (diacritics, hamza and all), are in ``<mark>``.

A word is marked when re-analysing it the way the index did (normalise, and stem for ordinary
words) gives a form the query looks for, so a query اعلنت marks أعلنَت, and a phrase marks each
of its words. To stay fast on long articles, candidates are found first with one regular
expression over the original text — each form the query looks for, spelled with every letter
that normalises to its letters and with marks allowed between them — and only the words around
those candidates are analysed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from html import escape

import numpy as np

from indexer import arabic

ELLIPSIS = "…"

# Letters and marks that normalise to nothing between two letters (tashkeel, tatweel, controls).
_IGNORABLE_CHARS = [chr(c) for c in range(0x0600, 0x0700) if arabic.normalize("a" + chr(c) + "b") == "ab"]
_IGNORABLE_CHARS += [chr(c) for c in (*range(0x200b, 0x2010), *range(0x202a, 0x202f), *range(0x2066, 0x206a), 0xfeff)]
_GAP = "[" + "".join(re.escape(c) for c in _IGNORABLE_CHARS) + "]*"


def _variant_chars() -> dict[str, set[str]]:
    """normalised character → every other character that normalises to it."""
    out: dict[str, set[str]] = {}
    for cp in list(range(0x0600, 0x0700)) + list(range(0x0750, 0x0780)) + list(range(0x06F0, 0x06FA)):
        ch = chr(cp)
        norm = arabic.normalize(ch)
        if len(norm) == 1 and norm != ch:
            out.setdefault(norm, set()).add(ch)
    return out


_VARIANT_CHARS = _variant_chars()
# normalised character → a regex class of every character that normalises to it
_VARIANTS = {k: "[" + re.escape(k) + "".join(re.escape(c) for c in sorted(v)) + "]" for k, v in _VARIANT_CHARS.items()}
# The text as the candidates see it: each letter's variants become the letter (أ إ آ → ا) and
# every mark that normalises away a tatweel (one of them). One character for one, so offsets in
# the folded text are offsets in the text, and a regex of plain letters with tatweels between
# them finds there what the regex of classes finds in the text, for a fraction of the time
# Python takes to compile the classes (a few ms per query, for every query).
_TATWEEL = "\u0640"
_FOLD = str.maketrans({**{c: k for k, chars in _VARIANT_CHARS.items() for c in chars},
                       **dict.fromkeys(_IGNORABLE_CHARS, _TATWEEL)})
# The same folding as one table lookup per character over the text's code points (str.translate
# looks each non-ASCII character up in a dict: most of marking's time on long articles).
_FOLD_TABLE = np.arange(0x10000, dtype=np.uint32)
_FOLD_TABLE[list(_FOLD)] = [ord(c) for c in _FOLD.values()]
_FOLDED_AWAY = frozenset(_IGNORABLE_CHARS).union(*_VARIANT_CHARS.values())


def fold(text: str) -> str:
    """``text.translate(_FOLD)``: one character for one, so offsets are the text's."""
    points = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), np.uint32)
    if points.max(initial=0) < 0x10000:
        folded = _FOLD_TABLE[points]
    else:  # characters past the table's plane stay as they are
        folded = np.where(points < 0x10000, _FOLD_TABLE[points & 0xFFFF], points)
    return folded.tobytes().decode("utf-32-le", "surrogatepass")


def _letters_pattern(norm: str) -> str:
    return _GAP.join(_VARIANTS.get(c, re.escape(c)) for c in norm)


@dataclass
class Matcher:
    """The forms a query looks for: stems (ordinary words), exact normalised words
    (phrases, ``=word``) and normalised prefixes (``word*``)."""

    stems: set[str] = field(default_factory=set)
    exact: set[str] = field(default_factory=set)
    prefixes: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.stems or self.exact or self.prefixes)

    def matches(self, token: str) -> bool:
        norm = arabic.normalize(token)
        if not norm:
            return False
        if norm in self.exact:
            return True
        if self.prefixes and norm.startswith(self.prefixes):
            return True
        return bool(self.stems) and arabic.stem(norm) in self.stems

    def candidates(self) -> tuple[re.Pattern, bool] | None:
        """A regex finding every place a matching word could be (a superset: a stem, exact word
        or prefix is always a substring of the normalised word that matches it), and whether
        it is run over the folded text (``_FOLD``): always, for normalised forms."""
        forms = tuple(sorted(self.stems | self.exact | set(self.prefixes), key=len, reverse=True))
        if not forms:
            return None
        if _FOLDED_AWAY.isdisjoint("".join(forms)):
            return _folded_regex(forms), True
        return _candidate_regex(forms), False


@lru_cache(maxsize=1024)
def _candidate_regex(forms: tuple[str, ...]) -> re.Pattern:
    return re.compile("|".join(_letters_pattern(f) for f in forms), re.IGNORECASE)


@lru_cache(maxsize=1024)
def _folded_regex(forms: tuple[str, ...]) -> re.Pattern:
    """``_candidate_regex`` for the folded text: each class a letter, each gap tatweels."""
    return re.compile("|".join(f"{_TATWEEL}*".join(re.escape(c) for c in f) for f in forms), re.IGNORECASE)


def match_spans(text: str, matcher: Matcher) -> list[tuple[int, int]]:
    """(start, end) of every word of ``text`` the query matches, in order."""
    found = matcher.candidates() if matcher else None
    if found is None:
        return []
    pattern, folded = found
    spans: list[tuple[int, int]] = []
    checked_until = -1
    for m in pattern.finditer(fold(text) if folded else text):
        if m.start() < checked_until:
            continue
        # The word around the candidate, as the tokenizer would cut it.
        lo = max(0, m.start() - 64)
        for token, s, e in arabic.tokenize(text[lo:m.end() + 64]):
            s, e = s + lo, e + lo
            if e <= m.start():
                continue
            if s >= m.end():
                break
            if e > checked_until and matcher.matches(token):
                spans.append((s, e))
            checked_until = max(checked_until, e)
    return spans


def _marked(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> str:
    """Escape text[start:end], wrapping the given (sorted, inside) spans in <mark>."""
    out = []
    pos = start
    for s, e in spans:
        out.append(escape(text[pos:s]))
        out.append("<mark>" + escape(text[s:e]) + "</mark>")
        pos = e
    out.append(escape(text[pos:end]))
    return "".join(out)


def highlight_all(text: str, matcher: Matcher) -> str:
    """The whole text, escaped, matches marked (titles)."""
    return _marked(text, 0, len(text), match_spans(text, matcher))


_SPACE = re.compile(r"\s")


def _word_start(text: str, pos: int) -> int:
    """The start of the word at or after ``pos`` (0 stays 0)."""
    if pos <= 0:
        return 0
    m = _SPACE.search(text, pos - 1)
    return m.end() if m else pos


def _word_end(text: str, pos: int, floor: int) -> int:
    """The end of the last whole word before ``pos`` (never before ``floor``)."""
    if pos >= len(text):
        return len(text)
    cut = max(text.rfind(" ", floor, pos + 1), text.rfind("\n", floor, pos + 1))
    return cut if cut > floor else pos


def snippet(text: str, matcher: Matcher, fragments: int = 3, size: int = 110) -> str:
    """Up to ``fragments`` passages of about ``size`` characters around the best matches,
    cut at word boundaries, in text order, joined with an ellipsis."""
    spans = match_spans(text, matcher)
    if not spans:
        end = _word_end(text, size, 0)
        return escape(text[:end]) + (" " + ELLIPSIS if end < len(text) else "")
    # Candidate windows start a little before each match; a window's score is the number of
    # distinct matched words in it, then the number of matches. Best non-overlapping ones win.
    candidates = []
    for s, e in spans:
        start = _word_start(text, s - size // 4) if s - size // 4 > 0 else 0
        start = min(start, s)
        end = max(_word_end(text, start + size, s), e)
        inside = [sp for sp in spans if start <= sp[0] and sp[1] <= end]
        distinct = len({arabic.normalize(text[a:b]) for a, b in inside})
        candidates.append((distinct, len(inside), -start, start, end))
    candidates.sort(reverse=True)
    chosen: list[tuple[int, int]] = []
    for *_score, start, end in candidates:
        if all(end <= a or start >= b for a, b in chosen):
            chosen.append((start, end))
            if len(chosen) == fragments:
                break
    chosen.sort()
    parts = []
    for start, end in chosen:
        inside = [sp for sp in spans if start <= sp[0] and sp[1] <= end]
        part = _marked(text, start, end, inside).strip()
        if start > 0:
            part = ELLIPSIS + " " + part
        if end < len(text.rstrip()):
            part = part + " " + ELLIPSIS
        parts.append(part)
    return " ".join(parts).replace(f"{ELLIPSIS} {ELLIPSIS}", ELLIPSIS)
