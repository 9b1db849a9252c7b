"""Normalisation of Arabic text: the one folding of the spellings readers and writers mix (hamza
seats, alef forms, ى/ي, ة/ه, diacritics, tatweel, presentation forms, Persian keyboard letters,
Arabic-Indic digits, Latin case), for the search index and for dates.

Built like Lucene's ``ArabicNormalizer``: one documented table per step, merged into a single
``str.translate`` table (``FOLD_MAP``, steps 2-9) for the hot path; ``normalize`` adds Unicode
NFKC (step 1) where a text needs it.
"""

from __future__ import annotations

import functools
import unicodedata

from pyarabic import araby

__all__ = ["FOLD_MAP", "normalize", "strip_marks", "TASHKEEL", "TATWEEL", "INVISIBLE"]


def _chars(*ranges: tuple[int, int]) -> list[str]:
    """Every character in the inclusive code-point ranges given."""
    return [chr(cp) for lo, hi in ranges for cp in range(lo, hi + 1)]


# ---------------------------------------------------------------------------------------------
# Normalisation, step 1: Unicode compatibility forms.
#
# Presentation forms (U+FB50-U+FDFF, U+FE70-U+FEFF: contextual glyphs pasted from PDFs, e.g.
# ﻹﺳﺮﺍﺋﻴﻞ "Israel"), the lam-alef ligatures (ﻻ ﻷ ﻹ ﻵ) and decomposed hamza/madda (alef, waw or
# yeh followed by U+0653 MADDA ABOVE, U+0654 HAMZA ABOVE or U+0655 HAMZA BELOW, as in NFD text)
# become ordinary letters through Unicode NFKC. NFKC also folds the other compatibility
# characters (fullwidth Latin and digits, ﬁ, superscripts), so a token normalises the same way
# alone or inside a longer text.
#
# NFKC runs only when ``unicodedata.is_normalized`` says the text needs it: that check is a C
# quick-check loop, so plain news text never pays for ``unicodedata.normalize``.
#
# Before NFKC, the isolated "spacing" harakat of the presentation blocks (U+FE70-U+FE7F except
# tatweel-bearing forms, U+FC5E-U+FC63) are dropped: NFKC would turn each into a SPACE plus a
# mark, splitting a word in two. Their marks would be deleted in step 2 anyway.
#
# Three ligatures expand to several words (U+FDFA ﷺ, U+FDFB ﷻ, U+FDFD ﷽): normalize() then returns
# text with spaces even for a single token.
# ---------------------------------------------------------------------------------------------

_SPACING_MARKS = {
    ord(c): None
    for c in _chars((0xFC5E, 0xFC63), (0xFE70, 0xFE7F))
    if unicodedata.normalize("NFKC", c).startswith(" ")
}


def _compose(text: str) -> str:
    return unicodedata.normalize("NFKC", text.translate(_SPACING_MARKS))


# ---------------------------------------------------------------------------------------------
# Step 2: characters deleted.
#   - tashkeel: U+064B-U+065F (tanween ً ٌ ٍ, harakat َ ُ ِ, shadda ّ, sukun ْ, madda/hamza
#     above/below left over after step 1, and the rarer vowel signs up to U+065F);
#   - U+0670 superscript (dagger) alef ٰ;
#   - U+0610-U+061A honorific and Quranic signs written above words (ؐ "peace be upon him" ...);
#   - U+06D6-U+06ED Quranic annotation marks (small high ligatures, ayah marks, small waw/yeh);
#   - U+0674 high hamza (left by NFKC of the Kazakh/Uyghur letters U+0675-U+0678);
#   - U+0640 tatweel ـ (the stretching stroke, as in كـــبير);
#   - invisible controls: U+200B-U+200F (zero-width space, ZWNJ, ZWJ, LRM, RLM), U+202A-U+202E
#     (bidi embeddings and overrides), U+2066-U+2069 (bidi isolates), U+061C ARABIC LETTER MARK,
#     U+2060 WORD JOINER, U+FEFF zero-width no-break space / BOM, U+00AD SOFT HYPHEN.
# ---------------------------------------------------------------------------------------------

TASHKEEL = _chars((0x064B, 0x065F), (0x0670, 0x0670), (0x0610, 0x061A), (0x06D6, 0x06ED),
                  (0x0674, 0x0674))
TATWEEL = [araby.TATWEEL]
INVISIBLE = _chars((0x200B, 0x200F), (0x202A, 0x202E), (0x2066, 0x2069), (0x061C, 0x061C),
                   (0x2060, 0x2060), (0xFEFF, 0xFEFF), (0x00AD, 0x00AD))

_STRIP_TABLE = {ord(c): None for c in TASHKEEL + TATWEEL + INVISIBLE}


def strip_marks(text: str) -> str:
    """Step 2 alone: the text without tashkeel, tatweel and invisible controls, letters as
    written (for showing a word plainly, e.g. in a "did you mean" suggestion)."""
    return text.translate(_STRIP_TABLE)

# Step 3: alef forms → bare alef ا. أ (hamza above), إ (hamza below), آ (madda), ٱ (wasla), and
# the rare ٲ ٳ (wavy hamza above/below). Unlike pyarabic.normalize_alef, alef maksura ى is NOT
# an alef here (it becomes ي in step 4: على "on" must not turn into علا "rose").
_ALEF_TABLE = {ord(c): araby.ALEF for c in (araby.ALEF_HAMZA_ABOVE, araby.ALEF_HAMZA_BELOW,
                                            araby.ALEF_MADDA, araby.ALEF_WASLA,
                                            "\u0672", "\u0673")}

# Step 4: alef maksura ى → yeh ي (writers use either at the end of a word: مستشفى / مستشفي).
_YEH_TABLE = {ord(araby.ALEF_MAKSURA): araby.YEH}

# Step 5: teh marbuta ة → heh ه (مدرسة / مدرسه are typed interchangeably).
_TEH_MARBUTA_TABLE = {ord(araby.TEH_MARBUTA): araby.HEH}

# Step 6: hamza on a waw or yeh seat, ؤ and ئ → bare hamza ء.
# Why ء: the seat of a medial or final hamza is a spelling convention that writers disagree on
# (مسؤول / مسئول "official", شؤون / شئون "affairs") and that even changes with the case
# ending of one word (بناؤه / بنائه / بناءه "its building"; تساءل / تسائل "wondered").
# Folding both seats to the hamza itself unifies all of these, while keeping the hamza keeps
# words apart that folding to و or ي would merge (سؤال "question" vs سوال, رؤية "vision" vs
# روية "deliberation", لؤلؤ "pearl" vs ليلي). Standalone ء is left as it is.
# pyarabic.normalize_hamza(method="uniform") would also send أ إ آ to ء (الءسلام); that is why
# this table is used instead.
_HAMZA_SEAT_TABLE = {ord(araby.WAW_HAMZA): araby.HAMZA, ord(araby.YEH_HAMZA): araby.HAMZA}

# Step 7: Persian and Urdu letters typed on non-Arabic keyboards → Arabic letters.
# ی Farsi yeh → ي; ک keheh and ڪ swash kaf → ك; ۀ heh with yeh above, ہ heh goal, ۂ heh goal
# with hamza, ۃ teh marbuta goal, ھ heh doachashmee, ە ae → ه. (Persian ه‍ is heh + ZWJ: the
# ZWJ goes in step 2.)
_PERSIAN_TABLE = {
    0x06CC: araby.YEH,
    0x06A9: araby.KAF, 0x06AA: araby.KAF,
    0x06C0: araby.HEH, 0x06C1: araby.HEH, 0x06C2: araby.HEH, 0x06C3: araby.HEH,
    0x06BE: araby.HEH, 0x06D5: araby.HEH,
}

# Step 8: Arabic-Indic ٠-٩ (U+0660-U+0669) and Eastern Arabic-Indic / Persian ۰-۹
# (U+06F0-U+06F9) digits → ASCII 0-9.
_DIGIT_TABLE = {ord(c): str(i) for digits in (araby.NUMBERS_EAST, araby.NUMBERS_PERS)
                for i, c in enumerate(digits)}

# Step 9: Latin letters lower-cased: every upper- or title-case letter of the Latin blocks
# (U+0000-U+024F Basic Latin to Latin Extended-B, U+1E00-U+1EFF Latin Extended Additional).
# Other scripts keep their case.
_LATIN_CASE_TABLE = {
    ord(c): c.lower()
    for c in _chars((0x0041, 0x024F), (0x1E00, 0x1EFF))
    if c.lower() != c and unicodedata.name(c, "").startswith("LATIN")
}

_STEP_TABLES = (_STRIP_TABLE, _ALEF_TABLE, _YEH_TABLE, _TEH_MARBUTA_TABLE, _HAMZA_SEAT_TABLE,
                _PERSIAN_TABLE, _DIGIT_TABLE, _LATIN_CASE_TABLE)


def _merge(tables) -> dict:
    merged: dict = {}
    for table in tables:
        overlap = merged.keys() & table.keys()
        assert not overlap, f"normalisation steps overlap on {sorted(map(hex, overlap))}"
        merged.update(table)
    return merged


# Steps 2-9 touch disjoint characters and map only to characters no step touches, so applying
# them one after another equals applying their union once.
FOLD_MAP = _merge(_STEP_TABLES)

# The same mapping as a list indexed by code point (identity where nothing changes), which
# str.translate reads about twice as fast as a dict: a dict miss raises KeyError inside
# translate for every unchanged character. Beyond U+FFFF the IndexError leaves a character as
# it is, and no step maps such a character.
assert max(FOLD_MAP) <= 0xFFFF
_FOLD_TABLE = list(range(0x10000))
for _cp, _to in FOLD_MAP.items():
    _FOLD_TABLE[_cp] = _to
del _cp, _to

_is_normalized = unicodedata.is_normalized

# Tokens repeat heavily in news (≈10% of the distinct tokens make 90% of the text), so short
# inputs are remembered.
_CACHED_LENGTH = 32


def normalize(text: str) -> str:
    """Fold ``text`` (a token or a whole text) to the form used for indexing and for queries.

    Steps, in order: NFKC for presentation forms, ligatures and decomposed hamza/madda; delete
    tashkeel, dagger alef, Quranic marks, tatweel and invisible controls; أ إ آ ٱ → ا; ى → ي;
    ة → ه; ؤ ئ → ء; Persian ی ک ۀ … → ي ك ه; Arabic-Indic digits → ASCII; Latin lower case.
    The result is idempotent: ``normalize(normalize(t)) == normalize(t)``.
    """
    if len(text) <= _CACHED_LENGTH:
        return _normalize_token(text)
    return _normalize(text)


def _normalize(text: str) -> str:
    if not _is_normalized("NFKC", text):
        text = _compose(text)
    folded = text.translate(_FOLD_TABLE)
    # Deleting a character can bring a letter next to a combining mark it composes with
    # (Latin "e", ZWJ, U+0301); one more round makes the result stable. Rare and cheap to test.
    if len(folded) != len(text) and not _is_normalized("NFKC", folded):
        folded = _compose(folded).translate(_FOLD_TABLE)
    return folded


_normalize_token = functools.lru_cache(maxsize=1 << 18)(_normalize)
