"""Lucene's Light10 Arabic stemmer, an exact port (for the OpenSearch/Solr mirror, benchmarks and
as the affix lists Arshif's own stemmer starts from, ``indexer/stemmer.py``)."""

from __future__ import annotations

import functools
import re

__all__ = ["LIGHT10_PREFIXES", "LIGHT10_SUFFIXES", "light10"]

# ---------------------------------------------------------------------------------------------
# Light10, ported from Lucene: apache/lucene
# lucene/analysis/common/src/java/org/apache/lucene/analysis/ar/ArabicStemmer.java
# (stemPrefix, stemSuffix, startsWithCheckLength, endsWithCheckLength).
# ---------------------------------------------------------------------------------------------

# Checked in this order; the first that fits is removed, and only one.
LIGHT10_PREFIXES = ("ال", "وال", "بال", "كال", "فال", "لل", "و")  # the, and-the, with-the,
# like-the, so-the, for-the, and
# Checked once each, in this order; several may be removed (ساهدهات → ساهد).
LIGHT10_SUFFIXES = ("ها", "ان", "ات", "ون", "ين", "يه", "ية", "ه", "ة", "ي")  # her/its, dual,
# feminine plural, masculine plural (nom., obl.), -iyya (2 spellings), his/ة, ة, -i/my


_ASTRAL = re.compile("[\U00010000-\U0010FFFF]")
_L10_PREFIXES = tuple((p, len(p), 4 if len(p) == 1 else len(p) + 2) for p in LIGHT10_PREFIXES)
_L10_SUFFIXES = tuple((s, len(s), len(s) + 2) for s in LIGHT10_SUFFIXES)


@functools.lru_cache(maxsize=1 << 18)
def light10(token: str) -> str:
    """Lucene's Light10 stemmer, for a token already normalised.

    Removes at most one prefix (و only from words of 4+ letters, the others only when 2 letters
    remain) and then each suffix in turn, in list order, while 2 letters remain.
    """
    # Lucene counts UTF-16 code units: a character beyond U+FFFF counts twice.
    length = len(token)
    if _ASTRAL.search(token):
        length = len(token.encode("utf-16-le")) // 2
    for prefix, size, min_length in _L10_PREFIXES:
        # startsWithCheckLength: wa- needs len >= 4, the others len >= prefix + 2
        if length >= min_length and token.startswith(prefix):
            token = token[size:]
            length -= size
            break
    for suffix, size, min_length in _L10_SUFFIXES:
        # endsWithCheckLength: 2 characters must remain
        if length >= min_length and token.endswith(suffix):
            token = token[:-size]
            length -= size
    return token

