"""Arabic text analysis for the archive: normalisation, tokenisation, light stemming, stop words.

Pure functions on ``str`` (no Whoosh here); ``indexer.analysis`` wraps them as Whoosh filters.

``normalize`` folds the spellings readers and writers mix (hamza seats, alef forms, ى/ي, ة/ه,
diacritics, tatweel, presentation forms, Persian keyboard letters, Arabic-Indic digits, Latin case)
into one form. It is built like Lucene's ``ArabicNormalizer``: one documented table per step,
merged into a single ``str.translate`` table for the hot path. ``light10`` is an exact port of
Lucene's ``ArabicStemmer``; ``stem`` is Arshif's stemmer: Light10's affixes and a few more, each
removed only where a word-frequency lexicon of the news corpus (shipped in ``indexer/data``) shows
that what remains is the word, so no root letter is eaten; hamza seats typed as و/ي are read.
"""

from __future__ import annotations

import functools
import gzip
import itertools
import re
import unicodedata
from pathlib import Path
from typing import Iterator

from pyarabic import araby

__all__ = [
    "normalize",
    "TOKEN_PATTERN",
    "tokenize",
    "light10",
    "stem",
    "LEXICON",
    "read_lexicon",
    "STOP_WORDS",
    "is_stop",
]


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
_FOLD_MAP = _merge(_STEP_TABLES)

# The same mapping as a list indexed by code point (identity where nothing changes), which
# str.translate reads about twice as fast as a dict: a dict miss raises KeyError inside
# translate for every unchanged character. Beyond U+FFFF the IndexError leaves a character as
# it is, and no step maps such a character.
assert max(_FOLD_MAP) <= 0xFFFF
_FOLD_TABLE = list(range(0x10000))
for _cp, _to in _FOLD_MAP.items():
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


def tokenize(text: str) -> Iterator[tuple[str, int, int]]:
    """Yield ``(token, startchar, endchar)`` for each word of ``text``, as written there.

    ``text[startchar:endchar] == token``; normalise the token separately.
    """
    for match in _TOKEN_RE.finditer(text):
        yield match.group(), match.start(), match.end()


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


# ---------------------------------------------------------------------------------------------
# Arshif's stemmer: Light10's affixes and a few more, each removed only when what remains is a
# plausible stem. Every word list below is written in ordinary spelling and passed through
# normalize() at import.
#
# The lexicon: indexer/data/lexicon.tsv.gz, every normalised Arabic word that occurs at least
# LEXICON_MIN_COUNT times in the shared news corpus, with its count (built by `make lexicon`,
# bench/build_lexicon.py; shipped, so a clone without the corpus stems the same). A word is
# *known* when it is in the lexicon. It judges the corpus's spellings, not the user's archive:
# a word it does not know is stemmed by the rules that do not need it (the fallback below).
# ---------------------------------------------------------------------------------------------

LEXICON_PATH = Path(__file__).with_name("data") / "lexicon.tsv.gz"
LEXICON_MIN_COUNT = 3


def read_lexicon(path: Path = LEXICON_PATH) -> dict[str, int]:
    """The lexicon as ``{word: count}`` (lines ``word<TAB>count``)."""
    fields = iter(gzip.decompress(path.read_bytes()).decode("utf-8").split())
    return dict(zip(fields, map(int, fields)))  # word, count, word, count, …


# Empty only while `make lexicon` builds the file for the first time (the build itself imports
# this module); the stemmer then uses its fallback rules throughout.
LEXICON: dict[str, int] = read_lexicon() if LEXICON_PATH.exists() else {}

# Proclitics: at most one group is removed, an article form or else a conjunction/preposition.
#
# 1. The article, alone or behind conjunctions and prepositions (the letters that must remain):
#      وال بال كال فال لل ال        and-the, with-the, like-the, so-the, for-the, the (Light10's; 2)
#      وبال وكال ولل فبال فكال فلل   and/so + with/like/for + the (3)
#    The longest that fits is removed, unless the corpus shows its ال as part of a word: the
#    word that would carry the article (الالغاء، الالتزام: إلغاء and التزام begin with ال) is
#    itself seen after one (rule 1 below); and one behind a conjunction or preposition only when
#    that ال-word is known or the token is not (فاليري is a name, not ف + ال + يري). لل before a
#    word that begins with ل hides that ل (ل + اللجنة is written للجنة): it is read as ل + ال + ل
#    when that ال-word is the commoner (اللجنة "the committee" beside الجنة "paradise").
ARTICLE_PROCLITICS = (("وبال", 3), ("وكال", 3), ("ولل", 3), ("فبال", 3), ("فكال", 3), ("فلل", 3),
                      ("وال", 2), ("بال", 2), ("كال", 2), ("فال", 2), ("لل", 2), ("ال", 2))
ARTICLE_PROCLITICS = tuple(sorted(ARTICLE_PROCLITICS, key=lambda row: -len(row[0])))

# 2. Otherwise a conjunction and/or preposition (3 letters must remain, 2 after و ف):
#      وب وك ول فب فك فل             and/so + with/like/for
#      و ف                           and, so/then
#      ب ك ل                         with/by, like/as, for/to
#    Of those whose remainder is known, the one with the most frequent remainder (وكانت is
#    و + كانت, not وك + انت) is removed unless the token is a word of its own (rules 1-2 below);
#    a known token none of whose remainders is known keeps its letters (فيدرر: يدرر is no word;
#    جينا، فحصا). A token the lexicon does not know is read through its endings: a known word
#    with an ending loses what that word loses (لاعبتهما keeps its ل as لاعب does, بحكومتهما
#    loses its ب as بحكومة does); else the proclitic goes whose remainder is a known word with
#    an ending (لمدرستهما: مدرسة). When nothing is known, from words of 4+ letters: و is
#    removed (the rule before the lexicon), but never from a word in _RADICAL_INITIAL_WORDS,
#    with any ending (وزارة "ministry" is not و + زارة "visited"); ب and ل are removed where
#    the known words that begin with the same letters mostly lose theirs (the letter family
#    below); ف and ك stay.
CLITIC_PROCLITICS = (("وب", 3), ("وك", 3), ("ول", 3), ("فب", 3), ("فك", 3), ("فل", 3),
                     ("و", 2), ("ف", 2), ("ب", 3), ("ك", 3), ("ل", 3))
_FALLBACK_PROCLITICS = ("و",)

# The letter family of an unknown ب/ل word: the known words (4+ letters, not بال/لل) that begin
# with its first three letters, or with its first two when fewer than FAMILY_MIN_WORDS do. If
# at least FAMILY_SHARE of them are the ب/ل + a known word, the unknown word loses its ب/ل too:
# لتلتصق (لت…: ل + a verb, as in لتعزيز), بملاءات (بم…: ب + a م-noun); بيزارو (بيز…: بيزنس،
# بيزنطي) and بيرليس keep it. Unknown corpus words labelled by hand
# (bench/data/unknown_clitics.tsv, read by bench/stemming.py): FAMILY_SHARE chosen on the first
# 116, the other 96 read right 0.917 of the time (0.896 without the family).
_FAMILY_PROCLITICS = ("ب", "ل")
FAMILY_MIN_WORDS = 5
FAMILY_SHARE = 0.75

# A token is a word of its own, its first letters part of it, when the corpus shows it either
#   1. behind a proclitic that cannot stand before the one it seems to begin with: the article
#      before any of them, a conjunction or preposition before و/ف, a preposition before ب ك ل
#      (الفحص، ووزير، لفرنسا، البحث: فحص وزير فرنسا بحث are words; not ل before ل: للحكومة is
#      the article form of حكومة, not ل + لحكومة), in forms that together
#      occur at least OWN_EVIDENCE_SHARE times as often as the token (1%); a token beginning
#      with ال counts only the article before it (الالغاء). Shown for the token without its
#      suffixes (steps 1-3 below), when that is a known word, counts too: بيتهم "their house"
#      is بيت (البيت), not ب + يتهم "accuses"; or
#   2. at least OWN_RATIO times as often as the remainder, by the proclitic's last letter: فقط
#      (2,669) beside قط (59), بيانا beside يانا. و gets 20, because a sentence-initial verb is
#      written with it more often than without (واضاف 5,126 beside اضاف 294).
OWN_EVIDENCE = {"و": ("ال", "و", "ف", "ب", "ك", "ل"), "ف": ("ال", "و", "ف", "ب", "ك", "ل"),
                "ب": ("ال", "ب", "ك", "ل"), "ك": ("ال", "ب", "ك", "ل"), "ل": ("ال", "ب", "ك")}
OWN_EVIDENCE_SHARE = 0.01
OWN_RATIO = {"و": 20, "ف": 1, "ب": 1, "ك": 1, "ل": 1}

# Suffixes:
#   1. at most one object/possessive pronoun, leaving >= 3 letters: هما كما كم هم كن هن نا
#      (their-two, your-two, your, their, your/their fem., our);
#   2. Light10's list in Light10's order, with the dual/plural endings ان ين ون needing 3
#      letters to remain (Light10 asks 2: بيان "statement" → بي, امين → ام); one that would leave
#      2 letters of a known word only when the remainder, or it with ة, is known (جهات → جه as
#      جهة, but نفي "denial" is not نف, راي "opinion" not را);
#   3. after a pronoun (step 1, or ها ه in step 2), a word of 4+ letters ending in ت (not ات)
#      drops it: that ت is the ة of the bare noun (حكومتهم → حكوم = حكومة → حكوم). On the
#      corpus this is right for ~3 in 4 such tokens; most others are feminine past verbs with
#      an object (نشرته "she published it" → نشر), a harmless merge; the loss is rare plurals
#      like بيوتهم → بيو. ي is not a trigger: it is mostly the nisba ending (كويتي → كويت).
# Words in _UNSTEMMED (places, names, loanwords that only look suffixed: ايران, قانون, مليون;
# listed without ال) lose a prefix but no suffix. Tokens with any non-Arabic character (Latin,
# digits, hyphen) are returned unchanged.
_PRONOUN_SUFFIXES = ("هما", "كما", "كم", "هم", "كن", "هن", "نا")
_PRONOUN_LIKE = frozenset(("ها", "ه"))
_LONG_REMAINDER_SUFFIXES = frozenset(("ان", "ين", "ون"))

# Words whose first letter و/ف is radical, from the frequency list of the news corpus
# (../shared/corpus) plus common news vocabulary, for the fallback (and kept whole when known).
# Verb forms are listed where no suffix rule reduces them to a listed stem.
_RADICAL_INITIAL_WORDS = """
وزير وزيرة وزراء وزارة وزارات وزاري وزارية وكالة وكالات وكيل وكلاء وفق وفقا وفاق وجود واحد
واحدة ولاية ولايات وفاة وفيات وراء واسع واسعة وصول وصولا وصل وصلت وصلوا وصلنا واصل واصلت
وقع وقعت وقوع واقع واقعة واقعي واقعية وقائع وحدة وحدات وحيد وحيدة وحيدا واردات وارد واضح
واضحة واضحا وضوح وصف وصفت واصفا وجه وجهت وجوه واجه واجهت واجهة وجهة وجهات وافق وافقت
وثيقة وثائق وثائقي وثيق واثق واثقة وظيفة وظائف وضع وضعت وضعوا وضعية وليد ودي ودية وديا
وتيرة وسيلة وسائل وسيط وسطاء وساطة وسط وطن وطني وطنية وطنيا ولد ولدت ولادة وقف وقفة وقفت
وقوف وقود وجبة وجبات وزن وباء وشيك وشيكة ورشة واجب واجبات وجوب ولاء وداع ودائع وحشي
وحشية ورقة ورقي ورقية وفاء وفد وفود وقت وعد وعود وعي وهم وهمي وهمية وادي ولي وصية وريث
ورثة وقاية وسام وجد وجدت وجدوا وجدنا وائل وهبي واشنطن ويليام وليام وليامز ويليامز ويلز
ويست وايت ويندوز ويكيليكس ويلسون واتساب واتس وارسو ووهان
فيسبوك فرنسا فرنسي فرنسية فريق فترة فترات فيديو فيلم فبراير فرصة فرص فضل فضلا فرانس
فلاديمير فوز فاز فازت فضيحة فضائح فرقة فرق فتاة فتيات فيفا فرض فرضت فرضية فساد فلسطين
فلسطيني فلسطينية فنزويلا فورا فوري فورية فندق فنادق فقد فقدت فقدان فقدوا فلوريدا فصائل
فصيل فعاليات فعالية فعل فعلا فعلي فعليا فعال فعالة فشل فشلت فشلوا فريد فريدة فوزي فيلق
فجأة فضاء فضائي فضائية فيينا فتحي فتح فتحت فارس فائدة فوائد فؤاد فئة فئات فاروق فائض فوضى
فارق فائق فائقة فرار فيروس فنان فنانة فنون فني فنية فنيا فاطمة فادح فادحة فرد فردي فردية
فهم فهمي فصل فصول فيتنام فواز فرحة فنلندا فاشل فاشلة فيضان فيضانات فاتورة فخور فجوة فكرة
أفكار فكري فكرية فاخر فاخرة فرع فروع فارغ فارغة فقير فقيرة فقراء فقر فقرة فقرات فلسفة فحص
فحوصات فجر فجرا فيصل فادي فراس فداء فلان فتوى فقط فوق فور فيه فيها فيهم فيهما فيما فهد
"""

_UNSTEMMED_WORDS = """
إيران لبنان عمان يابان سودان باكستان أفغانستان كازاخستان أذربيجان تايوان يونان
شيشان بحرين فلسطين فلبين أرجنتين برلين كرملين تشرين بوتين ياسين حسين شاهين
برلمان إنسان سلطان رمضان عثمان سلمان عدنان مروان شعبان نيسان حزيران سفيان عمران ميدان
طيران عنوان ديوان حيوان إخوان جيران نيران بلدان شبان سكان ألوان أديان قرآن شيطان ضمان بركان
بستان لسان إيمان أحيان قانون مليون بليون تريليون كانون زيتون تلفزيون مضمون ماكرون كورونا
فيينا أثينا واشنطن فيتامين
"""


def _words(block: str) -> frozenset[str]:
    return frozenset(normalize(word) for word in block.split())


_UNSTEMMED = _words(_UNSTEMMED_WORDS)
_RADICAL_INITIAL = _words(_RADICAL_INITIAL_WORDS)


def _known_short_stem(word: str, remainder: str) -> bool:
    """Suffix step 2's guard: may ``word`` lose its ending when ``remainder`` has 2 letters?"""
    return (len(remainder) > 2 or word not in LEXICON or remainder in LEXICON
            or remainder + "ه" in LEXICON)


def _strip_suffixes(word: str) -> str:
    """Suffix steps 1-3 of ``stem`` (see the block comment above)."""
    pronoun = False
    for suffix in _PRONOUN_SUFFIXES:
        if len(word) >= len(suffix) + 3 and word.endswith(suffix):
            word = word[:-len(suffix)]
            pronoun = True
            break
    for suffix in LIGHT10_SUFFIXES:
        keep = 3 if suffix in _LONG_REMAINDER_SUFFIXES else 2
        if (len(word) >= len(suffix) + keep and word.endswith(suffix)
                and _known_short_stem(word, word[:-len(suffix)])):
            word = word[:-len(suffix)]
            pronoun = pronoun or suffix in _PRONOUN_LIKE
    if pronoun and len(word) >= 4 and word.endswith("ت") and not word.endswith("ات"):
        word = word[:-1]  # the ة of حكومة before a pronoun: حكومتهم "their government"
    return word


# A listed word with any ending (وزارتها); a 2-letter stem (وج of وجه) says too little.
_RADICAL_INITIAL_STEMS = frozenset(stem for stem in map(_strip_suffixes, _RADICAL_INITIAL)
                                   if len(stem) >= 3)
_ARABIC_LETTERS_ONLY = re.compile("[\u0621-\u063A\u0641-\u064A]+")


def _count(word: str) -> int:
    return LEXICON.get(word, 0)


def _attested_alone(token: str) -> bool:
    """Rule 1 above: the corpus shows ``token`` behind a proclitic that only a word takes."""
    before = ("ال",) if token.startswith("ال") else OWN_EVIDENCE.get(token[0], ())
    evidence = sum(LEXICON.get(p + token, 0) for p in before)
    return evidence > 0 and evidence >= OWN_EVIDENCE_SHARE * LEXICON.get(token, 0)


def _attested_alone_with_endings(token: str) -> bool:
    """Rule 1 for the token or the token without its endings (بيتهم: البيت shows بيت)."""
    if _attested_alone(token):
        return True
    bare = _strip_suffixes(token)
    return bare != token and bare in LEXICON and _attested_alone(bare)


def _word_of_its_own(token: str, prefix: str, remainder: str) -> bool:
    """Is the known ``token`` a word, not ``prefix`` + the known ``remainder``? (Rules 1-2.)"""
    count = LEXICON.get(token, 0)
    return count > 0 and (_attested_alone_with_endings(token)
                          or count >= OWN_RATIO[prefix[-1]] * LEXICON[remainder])


def _strip_article(token: str) -> str | None:
    """``token`` less its article group (step 1 above), or None when it has none to lose."""
    for prefix, keep in ARTICLE_PROCLITICS:
        if len(token) >= len(prefix) + keep and token.startswith(prefix):
            remainder = token[len(prefix):]
            article_word = "ال" + remainder
            if _attested_alone(article_word):
                continue
            if prefix.endswith("لل") and _count("الل" + remainder) > _count(article_word):
                return "ل" + remainder  # للجنة is ل + اللجنة "the committee", not ل + الجنة
            if prefix == "ال" or article_word in LEXICON or token not in LEXICON:
                return remainder
    return None


def _strip_proclitic(token: str) -> str:
    """``token`` less its proclitics (steps 1-2 above)."""
    if token[0] in "وف" and (token in _RADICAL_INITIAL
                             or _strip_suffixes(token) in _RADICAL_INITIAL_STEMS):
        return token
    stripped = _strip_article(token)
    if stripped is not None:
        return stripped
    best = _most_common_remainder(token, _count)
    if best is not None:
        remainder = token[len(best):]
        return token if _word_of_its_own(token, best, remainder) else remainder
    if token in LEXICON:
        return token
    known = _known_without_ending(token)
    if known is not None:  # a known word with an ending loses what that word loses
        return token[len(known) - len(_strip_proclitic(known)):]
    best = _most_common_remainder(token, _count_with_ending)
    if best is not None:
        return token[len(best):]
    if len(token) >= 4 and (token[0] in _FALLBACK_PROCLITICS or _family_loses_proclitic(token)):
        return token[1:]
    return token


def _family_loses_proclitic(token: str) -> bool:
    """Does the letter family of the unknown ``token`` mostly lose its ب/ل? (See above.)"""
    if token[0] not in _FAMILY_PROCLITICS or token.startswith(("بال", "لل")):
        return False
    shares = _family_shares()
    share = shares.get(token[:3], shares.get(token[:2], 0.0))
    return share >= FAMILY_SHARE


@functools.cache
def _family_shares() -> dict[str, float]:
    """For each 3- and 2-letter beginning of FAMILY_MIN_WORDS+ known ب/ل words, the share of them
    that are the ب/ل + a known word (computed once, on first use)."""
    counts: dict[str, list[int]] = {}
    for word in LEXICON:
        if word[0] in _FAMILY_PROCLITICS and len(word) >= 4 and not word.startswith(("بال", "لل")):
            lost = word[1:] in LEXICON
            for start in (word[:3], word[:2]):
                row = counts.setdefault(start, [0, 0])
                row[0] += 1
                row[1] += lost
    return {start: lost / n for start, (n, lost) in counts.items() if n >= FAMILY_MIN_WORDS}


def _known_without_ending(word: str) -> str | None:
    """The known word that ``word`` is with an ending: its suffix-stripped form, or that with ة
    (بحكومتهما → بحكوم, i.e. بحكومة), the commoner when both are known."""
    bare = _strip_suffixes(word)
    if bare == word:
        return None
    known = max((bare, bare + "ه"), key=_count)
    return known if known in LEXICON else None


def _count_with_ending(word: str) -> int:
    known = _known_without_ending(word)
    return _count(known) if known else 0


def _most_common_remainder(token: str, count) -> str | None:
    """The conjunction/preposition of step 2 whose remainder has the highest ``count`` (None
    when no remainder is known)."""
    best, best_count = None, 0
    for prefix, keep in CLITIC_PROCLITICS:
        if len(token) >= len(prefix) + keep and token.startswith(prefix):
            n = count(token[len(prefix):])
            if n > best_count:
                best, best_count = prefix, n
    return best


# Hamza seats typed as و/ي. normalize() folds ؤ ئ to ء and keeps ء apart from و ي (سؤال is not
# سوال), so a reader who types the seat letter (موتمر for مؤتمر, رييس for رئيس, مفاجي for مفاجئ)
# gets another word. Before the proclitics and again after them, a word the lexicon does not
# know that is a known word with one or more ء written و or ي becomes that word (the most
# frequent, when several fit). An inner ء may have been typed either way; a final one only
# after a letter other than ا و ي, where it sits on a seat (مفاجئ، تباطؤ, not جزء، ضوء، شيء). A
# typed form the corpus itself uses (قايد beside قائد, a name as well; بدو "Bedouins" beside
# بدء) is known and stays as it is.
def _seat_typings(word: str) -> list[str]:
    """``word`` with each of up to three ء written ء, و or ي (not all ء): inner ones, and a
    final one after a letter other than ا و ي."""
    seats = [i for i in range(1, len(word) - 1) if word[i] == "ء"]
    if len(word) >= 3 and word[-1] == "ء" and word[-2] not in "اوي":
        seats.append(len(word) - 1)
    if len(seats) > 3:
        return []
    out = []
    for letters in itertools.product("ءوي", repeat=len(seats)):
        chars = list(word)
        for i, letter in zip(seats, letters):
            chars[i] = letter
        out.append("".join(chars))
    return out[1:]  # the first is the word itself


def _typed_seats() -> dict[str, str]:
    hamza_words = sorted(((n, w) for w, n in LEXICON.items() if "ء" in w[1:]))
    return {typed: word for _n, word in hamza_words for typed in _seat_typings(word)
            if typed not in LEXICON}


_TYPED_SEATS = _typed_seats()


def _known_count(token: str) -> int:
    """How often the corpus shows the word behind ``token``: the token, or what remains of it
    without its proclitics, either alone or with its endings (0: nothing of it is known)."""
    if token in LEXICON:
        return LEXICON[token]
    rest = _strip_proclitic(token)
    return _count(rest) or _count_with_ending(rest) or _count_with_ending(token)


def _seat_readings(token: str) -> list[str]:
    """``token`` with up to three of its و/ي read as ء: inner ones, and a final one after a
    letter other than ا و ي."""
    seats = [i for i in range(1, len(token) - 1) if token[i] in "وي"]
    if len(token) >= 3 and token[-1] in "وي" and token[-2] not in "اوي":
        seats.append(len(token) - 1)
    out = []
    for mask in range(1, 1 << min(len(seats), 3)):
        chars = list(token)
        for bit, i in enumerate(seats[:3]):
            if mask >> bit & 1:
                chars[i] = "ء"
        out.append("".join(chars))
    return out


def _read_seats(token: str) -> str:
    """A token nothing of which is known, read with typed seats as ء where that makes a known
    word with its clitics and endings (لانتمايهما: انتماء + هما; متفاجي)."""
    if _known_count(token):
        return token
    best = max(_seat_readings(token), key=_known_count, default=token)
    return best if _known_count(best) else token


@functools.lru_cache(maxsize=1 << 18)
def stem(token: str) -> str:
    """Arshif's light stemmer for a token already normalised (see the comment above)."""
    if token in _UNSTEMMED or not _ARABIC_LETTERS_ONLY.fullmatch(token):
        return token
    token = _TYPED_SEATS.get(token) or _read_seats(token)
    word = _strip_proclitic(token)
    word = _TYPED_SEATS.get(word, word)
    if word in _UNSTEMMED:
        return word
    return _strip_suffixes(word)


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


def _clitic_stop_words(words, clitics) -> set[str]:
    """Each of ``words`` (of 2+ letters) behind each of ``clitics``, unless a word of its own."""
    return {clitic + word for clitic in clitics for word in words if len(word) >= 2
            and not _attested_alone(clitic + word)}


_BASE_STOP_WORDS = _words(_STOP_WORDS)

STOP_WORDS: frozenset[str] = frozenset(
    _BASE_STOP_WORDS | _clitic_stop_words(_BASE_STOP_WORDS, _STOP_CONJUNCTIONS)
    | _clitic_stop_words(_words(_NOMINAL_STOP_WORDS), _STOP_PREPOSITIONS))


def is_stop(token: str) -> bool:
    """True when the normalised ``token`` is a stop word."""
    return token in STOP_WORDS
