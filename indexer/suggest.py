"""Did you mean: the query with a rare word replaced by a close, much more frequent spelling
(one typing slip away), written as the articles write it. Engine-neutral: it reads the
engine's lexicon statistics (``Searcher.doc_frequency``) and one example article."""
from __future__ import annotations

from indexer import arabic
from indexer.engine import Searcher

SUGGEST_BELOW = 3           # offer "did you mean" when fewer results than this
SUGGEST_FACTOR = 5          # ... and the other spelling is in this many times more articles
SUGGEST_MIN_DF = 3
SUGGEST_KNOWN_DF = 20       # words in this many articles get no suggestion

# The letters a normalised Arabic word is made of (after normalize(): no أ إ آ ة ى ؤ ئ).
_LETTERS = "ابتثجحخدذرزسشصضطظعغفقكلمنهويء"


def edits1(word: str) -> set[str]:
    """Every spelling one typing slip away: a letter dropped, doubled, swapped or replaced."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    out = {a + b[1:] for a, b in splits if b}
    out |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    out |= {a + c + b[1:] for a, b in splits if b for c in _LETTERS}
    out |= {a + c + b for a, b in splits for c in _LETTERS}
    out.discard(word)
    return out


def suggest(searcher: Searcher, query: str, words: list[str]) -> str | None:
    """``query`` with its rare ``words`` (as typed) replaced by a much more frequent spelling;
    None when there is nothing better."""
    changed = query
    better = False
    norms = {word: arabic.normalize(word) for word in words}
    known = searcher.doc_frequencies("body_exact", [n for n in norms.values() if len(n) >= 3 and n.isalpha()])
    for word in words:
        norm = norms[word]
        if len(norm) < 3 or not norm.isalpha():
            continue
        df = known[norm]
        if df >= SUGGEST_KNOWN_DF:
            continue  # a word that many articles use is spelled as people spell it
        best, best_df = None, max(SUGGEST_FACTOR * df, SUGGEST_MIN_DF)
        # sorted: among equally frequent spellings the same one wins whichever engine answers
        for cand, cdf in searcher.doc_frequencies("body_exact", sorted(edits1(norm))).items():
            if cdf >= best_df:
                best, best_df = cand, cdf
        if best is None:
            continue
        surface = written_as(searcher, best)
        if surface and word in changed:
            changed = changed.replace(word, surface, 1)
            better = True
    return changed if better else None


def written_as(searcher: Searcher, norm: str) -> str | None:
    """How an article actually writes the normalised word ``norm`` (marks dropped)."""
    doc = searcher.example("body_exact", norm)
    if doc is None:
        return None
    for token, _s, _e in arabic.tokenize(doc["body"]):
        if arabic.normalize(token) == norm:
            return arabic.strip_marks(token)
    return None
