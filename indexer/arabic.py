"""Arabic text analysis for the archive: normalisation, tokenisation, light stemming, stop words.

Pure functions on ``str`` (no Whoosh here); ``indexer.analysis`` wraps them as Whoosh filters.
This module is the analysis interface the rest of Arshif uses (DESIGN.md): it tokenises and
holds the stop words itself, and gathers the functions that live in their own modules:

- ``normalize``, ``strip_marks``: the folding, in ``arabic_text.folding`` (shared with
  ``archive.dates``, which must not import the index);
- ``light10``: the exact port of Lucene's ``ArabicStemmer``, in ``indexer.light10``;
- ``stem`` and its lexicon: Arshif's stemmer, in ``indexer.stemmer``.
"""

from __future__ import annotations

import re
from typing import Iterator

from arabic_text import normalize, strip_marks
from indexer.light10 import light10
from indexer.stemmer import (LEXICON, LEXICON_MIN_COUNT, LEXICON_PATH, attested_alone, normal_words,
                             read_lexicon, stem)

__all__ = [
    "normalize",
    "strip_marks",
    "TOKEN_PATTERN",
    "tokenize",
    "light10",
    "stem",
    "LEXICON",
    "LEXICON_PATH",
    "LEXICON_MIN_COUNT",
    "read_lexicon",
    "STOP_WORDS",
    "is_stop",
]


# ---------------------------------------------------------------------------------------------
# Tokenisation.
#
# A word is a run of letters and digits of one kind: Arabic-script letters (tatweel included)
# or other word characters (Latin, digits of any script, other scripts) -- so وCNN gives و and
# CNN, and 2020م gives 2020 and م. ``_`` and ``#`` are not word characters, so #عاصي_الحلاني
# gives عاصي and الحلاني. Combining marks may follow any letter (Arabic tashkeel
# U+064B-U+065F, dagger alef U+0670, honorific signs U+0610-U+061A, Quranic marks
# U+06D6-U+06ED, Latin combining marks U+0300-U+036F), and ZWNJ, ZWJ or a soft hyphen may stand
# between two letters of a word (Persian می‌خواهم).
#
# Hyphen rule: a single ASCII hyphen joins two parts into one token only where it stands
# between a letter and a digit (COVID-19, F-16, S-400, كوفيد-19, 19-COVID): model numbers and
# disease names are searched as a unit. Everywhere else it splits: Arabic compounds
# (عربي-إسرائيلي), Latin names (al-Assad must be found by "Assad"), and digit-digit ranges and
# dates (2020-2021, 2021-05-03: each year stays searchable). A phrase query still finds the
# split forms, since their parts are adjacent.
# ---------------------------------------------------------------------------------------------

_ARABIC_LETTERS = ("\u0621-\u064A\u066E\u066F\u0671-\u06D3\u06D5\u06E5\u06E6\u06EE\u06EF"
                   "\u06FA-\u06FC\u06FF\u0750-\u077F\u08A0-\u08C9"
                   "\uFB50-\uFD3D\uFD40-\uFDFF\uFE70-\uFEFC")
_MARKS = "\u0300-\u036F\u0610-\u061A\u064B-\u065F\u0670\u06D6-\u06ED"
_JOINERS = "\u00AD\u200C\u200D"


def _part(letter: str) -> str:
    return rf"{letter}+(?:(?:[{_MARKS}]|[{_JOINERS}]+(?={letter})){letter}*)*"


_ARABIC_PART = _part(f"[{_ARABIC_LETTERS}]")
_OTHER_PART = _part(f"[^\\W_{_ARABIC_LETTERS}]")
_LETTER_DIGIT_HYPHEN = rf"(?:(?<=\d)-(?=[^\W\d_])|(?<=[^\W\d_]|[{_MARKS}])-(?=\d))"
_PART = f"(?:{_ARABIC_PART}|{_OTHER_PART})"

TOKEN_PATTERN = rf"{_PART}(?:{_LETTER_DIGIT_HYPHEN}{_PART})*"
_TOKEN_RE = re.compile(TOKEN_PATTERN)
_TOKEN_FINDALL = _TOKEN_RE.findall  # the pattern has no capturing group: whole matches


def tokenize(text: str) -> Iterator[tuple[str, int, int]]:
    """Yield ``(token, startchar, endchar)`` for each word of ``text``, as written there.

    ``text[startchar:endchar] == token``; normalise the token separately.
    """
    # Where each token starts: the first place it occurs from the end of the one before. No
    # earlier place can hold it: the pattern matches wherever a token's first letter stands, so
    # a token there would have been found first. (Cheaper than a match object per token.)
    end = 0
    find = text.find
    for token in _TOKEN_FINDALL(text):
        start = find(token, end)
        end = start + len(token)
        yield token, start, end


# ---------------------------------------------------------------------------------------------
# Stop words: particles, prepositions, pronouns, demonstratives, relatives and auxiliaries,
# normalised like the index, also behind a clitic: و ف before any of them (ولماذا is لماذا), and
# و ف ب ك ل and their pairs before the demonstratives, quantifiers and relatives of
# _NOMINAL_STOP_WORDS (لذلك، وبهذا، بكل). A form the corpus shows as a word of its own (by the
# same evidence as the stemmer's) stays a word: وهم "illusion" (الوهم), فلم "film" (الفلم).
# على "on" (and وعلى) is left out on purpose: normalised it is علي, the name Ali.
# ---------------------------------------------------------------------------------------------

_STOP_WORDS = """
في من إلى عن مع عند لدى حتى منذ بين نحو ضد دون خلال بعد قبل أمام وراء حول عبر لدي
أن إن أنّ كأن لكن لكنّ بل أو أم ثم إذا إذ لو لولا لأن كي لكي حيث كما كلما عندما بينما
ما لا لم لن ليس ليست قد لقد سوف هل كيف متى أين ماذا لماذا
هو هي هم هما هن أنا نحن أنت أنتم
هذا هذه هذان هاتان هؤلاء ذلك تلك أولئك هنا هناك
الذي التي الذين اللذين اللتين اللواتي اللاتي
كان كانت كانوا يكون تكون أصبح أصبحت
له لها لهم به بها بهم منه منها منهم عليه عليها عليهم فيه فيها فيهم إليه إليها عنه عنها
كل بعض غير أي أيضا كذلك ذات أما إما مثل وفق
و ف ب ل ك
"""

_NOMINAL_STOP_WORDS = """
هذا هذه هذان هاتان هؤلاء ذلك تلك أولئك هنا هناك كل بعض غير ذات مثل ما من
"""
_STOP_CONJUNCTIONS = ("و", "ف")
_STOP_PREPOSITIONS = ("ب", "ك", "ل", "وب", "وك", "ول", "فب", "فك", "فل")


def _clitic_stopnormal_words(words, clitics) -> set[str]:
    """Each of ``words`` (of 2+ letters) behind each of ``clitics``, unless a word of its own."""
    return {clitic + word for clitic in clitics for word in words if len(word) >= 2
            and not attested_alone(clitic + word)}


_BASE_STOP_WORDS = normal_words(_STOP_WORDS)

STOP_WORDS: frozenset[str] = frozenset(
    _BASE_STOP_WORDS | _clitic_stopnormal_words(_BASE_STOP_WORDS, _STOP_CONJUNCTIONS)
    | _clitic_stopnormal_words(normal_words(_NOMINAL_STOP_WORDS), _STOP_PREPOSITIONS))


def is_stop(token: str) -> bool:
    """True when the normalised ``token`` is a stop word."""
    return token in STOP_WORDS
