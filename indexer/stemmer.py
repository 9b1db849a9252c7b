"""Arshif's light stemmer: Light10's affixes and a few more, each removed only where a
word-frequency lexicon of the news corpus (shipped in ``indexer/data``) shows that what remains
is the word, so no root letter is eaten; hamza seats typed as و/ي are read.

The lexicon, the proclitic, suffix and typed-seat rules stay together: they are one decision
(each rule consults the others), with their reasons written beside the tables.
"""

from __future__ import annotations

import functools
import gzip
import itertools
import re
from pathlib import Path

from arabic_text import normalize
from indexer.light10 import LIGHT10_SUFFIXES

__all__ = ["stem", "LEXICON", "LEXICON_PATH", "LEXICON_MIN_COUNT", "read_lexicon", "attested_alone",
           "normal_words"]


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
# بيزنطي) and بيرليس keep it, as does a word the corpus shows after the article (البسطاء shows
# بسطاء). Unknown corpus words labelled by hand
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


def normal_words(block: str) -> frozenset[str]:
    return frozenset(normalize(word) for word in block.split())


_UNSTEMMED = normal_words(_UNSTEMMED_WORDS)
_RADICAL_INITIAL = normal_words(_RADICAL_INITIAL_WORDS)


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


def attested_alone(token: str) -> bool:
    """Rule 1 above: the corpus shows ``token`` behind a proclitic that only a word takes."""
    before = ("ال",) if token.startswith("ال") else OWN_EVIDENCE.get(token[0], ())
    evidence = 0
    for proclitic in before:  # a loop: cheaper than sum() over a generator for 1-3 proclitics
        evidence += LEXICON.get(proclitic + token, 0)
    return evidence > 0 and evidence >= OWN_EVIDENCE_SHARE * LEXICON.get(token, 0)


def _attested_alone_with_endings(token: str) -> bool:
    """Rule 1 for the token or the token without its endings (بيتهم: البيت shows بيت)."""
    if attested_alone(token):
        return True
    bare = _strip_suffixes(token)
    return bare != token and bare in LEXICON and attested_alone(bare)


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
            if attested_alone(article_word):
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
    if len(token) >= 4 and token[0] in _FALLBACK_PROCLITICS:
        token = token[1:]  # and a ب/ل behind it as without the و (ولتحقيقه as لتحقيقه)
    if len(token) >= 4 and _family_loses_proclitic(token):
        return token[1:]
    return token


def _family_loses_proclitic(token: str) -> bool:
    """Does the letter family of the unknown ``token`` mostly lose its ب/ل? (See above.) Never
    when the corpus shows the token, or it less its endings, as a word of its own (rule 1 of
    OWN_EVIDENCE: البسطاء، اللحاق، الباطني)."""
    if (token[0] not in _FAMILY_PROCLITICS or token.startswith(("بال", "لل"))
            or _attested_alone_with_endings(token)):
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
# frequent, when several fit). An inner ء may have been typed either way. A final one only as
# ي, in a word of 4+ letters, after a letter other than ا و ي: the final ئ of مفاجئ، موانئ،
# لاجئ; a final ؤ typed و, or a short word, would read real words as hamza words (يطفو
# "floats" is not يطفؤ, البدو "the Bedouins" not البدء, دري not درء). A typed form the corpus
# itself uses (قايد beside قائد, a name as well) is known and stays as it is.
def _seat_typings(word: str) -> list[str]:
    """``word`` with each of up to three ء written ء, و or ي (not all ء): inner ones, and a
    final one (as ي) where the comment above allows."""
    seats = [(i, "ءوي") for i in range(1, len(word) - 1) if word[i] == "ء"]
    if len(word) >= 4 and word[-1] == "ء" and word[-2] not in "اوي":
        seats.append((len(word) - 1, "ءي"))
    if len(seats) > 3:
        return []
    out = []
    for letters in itertools.product(*(options for _i, options in seats)):
        chars = list(word)
        for (i, _options), letter in zip(seats, letters):
            chars[i] = letter
        out.append("".join(chars))
    return out[1:]  # the first is the word itself


def _typed_seats() -> dict[str, str]:
    hamza_words = sorted(((n, w) for w, n in LEXICON.items() if "ء" in w[1:]))
    return {typed: word for _n, word in hamza_words for typed in _seat_typings(word)
            if typed not in LEXICON}


_TYPED_SEATS = _typed_seats()


@functools.lru_cache(maxsize=1 << 18)
def stem(token: str) -> str:
    """Arshif's light stemmer for a token already normalised (see the comment above)."""
    if token in _UNSTEMMED or not _ARABIC_LETTERS_ONLY.fullmatch(token):
        return token
    token = _TYPED_SEATS.get(token, token)
    word = _strip_proclitic(token)
    word = _TYPED_SEATS.get(word, word)
    if word in _UNSTEMMED:
        return word
    return _strip_suffixes(word)

