"""Highlighted titles and snippets: HTML-escaped article text in which the words a query
matched, exactly as the article wrote them (diacritics, hamza and all), are in ``<mark>``.

Matching re-analyses each original token the way the index did (normalise, and stem for
ordinary words), so a query اعلنت marks أعلنَت, and a phrase marks each of its words.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

from indexer import arabic

ELLIPSIS = "…"


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
    if not matcher:
        return escape(text)
    spans = [(s, e) for tok, s, e in arabic.tokenize(text) if matcher.matches(tok)]
    return _marked(text, 0, len(text), spans)


def snippet(text: str, matcher: Matcher, fragments: int = 3, size: int = 110) -> str:
    """Up to ``fragments`` passages of about ``size`` characters around the best matches,
    cut at word boundaries, in text order, joined with an ellipsis."""
    tokens = list(arabic.tokenize(text))
    if not tokens:
        return escape(text[:size])
    hits = [i for i, (tok, s, e) in enumerate(tokens) if matcher and matcher.matches(tok)]
    if not hits:
        return _lead(text, tokens, size)
    # Candidate windows start a few words before each hit; score = distinct matched words
    # inside, then number of matches; take the best non-overlapping ones.
    candidates = []
    for h in hits:
        first = h
        while first > 0 and tokens[h][1] - tokens[first - 1][1] < size // 4:
            first -= 1
        last = first
        while last + 1 < len(tokens) and tokens[last + 1][2] - tokens[first][1] <= size:
            last += 1
        inside = [i for i in hits if first <= i <= last]
        distinct = len({arabic.normalize(tokens[i][0]) for i in inside})
        candidates.append((distinct, len(inside), -first, first, last))
    candidates.sort(reverse=True)
    chosen: list[tuple[int, int]] = []
    for *_score, first, last in candidates:
        if all(last < a or first > b for a, b in chosen):
            chosen.append((first, last))
            if len(chosen) == fragments:
                break
    chosen.sort()
    hitset = set(hits)
    parts = []
    for first, last in chosen:
        start, end = tokens[first][1], tokens[last][2]
        spans = [(tokens[i][1], tokens[i][2]) for i in range(first, last + 1) if i in hitset]
        part = _marked(text, start, end, spans)
        if first > 0:
            part = ELLIPSIS + " " + part
        if last < len(tokens) - 1:
            part = part + " " + ELLIPSIS
        parts.append(part)
    return " ".join(parts).replace(f"{ELLIPSIS} {ELLIPSIS}", ELLIPSIS)


def _lead(text: str, tokens: list, size: int) -> str:
    """The opening words of the text (no match to centre on)."""
    last = 0
    while last + 1 < len(tokens) and tokens[last + 1][2] <= size:
        last += 1
    part = escape(text[:tokens[last][2]])
    return part + (" " + ELLIPSIS if last < len(tokens) - 1 else "")
