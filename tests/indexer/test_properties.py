"""Property tests (Hypothesis) for Arabic analysis: normalisation is stable, a query analyses
like the document it came from, token offsets point at whole words of the original text, and no
input — any Unicode, surrogates and controls included — breaks the analyzers."""

import re

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from indexer.analysis import analyze, exact_analyzer, stemmed_analyzer
from indexer.arabic import STOP_WORDS, TOKEN_PATTERN, light10, normalize, stem, tokenize

_TOKEN_RE = re.compile(TOKEN_PATTERN)
_EXACT = exact_analyzer()
_STEMMED = stemmed_analyzer()

# database=None: no .hypothesis/ folder in the working tree; a failing example is printed.
FAST = settings(max_examples=150, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow])

# Any code point Python allows in a str: every category, lone surrogates (Cs) and controls too.
any_char = st.characters(codec=None, categories=None, exclude_categories=())
any_text = st.text(any_char, max_size=80)

# Text as readers and writers produce it: Arabic letters with the spellings normalize() folds
# (hamza forms, ى, ة, ؤ ئ, Persian ی ک ۀ), harakat and shadda, dagger alef, tatweel, ZWNJ,
# Arabic-Indic digits, Latin letters and digits, hyphens, '#', '_' and punctuation.
_LETTERS = ("ابتثجحخدذرسشصضطظعغفقكلمنهوي" "ءأإآٱؤئىة" "یکۀ")
_MARKS = "\u064b\u064c\u064d\u064e\u064f\u0650\u0651\u0652\u0670"
_OTHER = "ـ\u200c٠١٢٣٩۱۲abcXYZ0129-#_.,، \n"
arabic_char = st.sampled_from(_LETTERS + _MARKS + _OTHER)
arabic_text = st.text(arabic_char, max_size=60)
# One word as a reader might type it: starts with a letter, marks and tatweel inside.
arabic_word = st.builds(lambda first, rest: first + rest, st.sampled_from(_LETTERS),
                        st.text(st.sampled_from(_LETTERS + _MARKS + "ـ"), max_size=10))

BAD_INPUTS = [
    "",
    "ـ" * 1_000_000,          # tatweel: one giant token that normalises to nothing
    "a" * 1_000_000,
    "ب" * 1_000_000,
    "\u0651" * 1_000_000,     # shadda with no letter to sit on
    "بّ" * 500_000,           # shadda after every letter: one giant token
    "\u200c" * 1_000_000,
    "ب" + "\u200c" * 1_000_000 + "a",   # a long joiner run that joins nothing
    "1-" * 100_000,           # 100,000 one-digit tokens
    "a-1-" * 100_000,         # one 400,000-character hyphen-joined token
    "ﷺ" * 20_000,             # each expands to four words under NFKC
    "\ud800", "\udfff\ud800", "ab\ud800cd",
    "\x00\x01\x1b[31m\x7f\u0085\u2028\u2029",
    "Ｆ-16 مسؤول ﻹﺳﺮﺍﺋﻴﻞ Москва 北京 \U0001F600 e\u0301 \u202bالقدس\u202c",
    "#" * 1000 + "_" * 1000,
]


def _analyzed(analyzer, text):
    return [t.text for t in analyzer(text, mode="index", positions=True, chars=True)
            if not t.stopped]


# --- normalize ---------------------------------------------------------------------------------

@FAST
@given(any_text)
@example("e\u200d\u0301")
@example("ﷺﻹ")
def test_normalize_is_idempotent(text):
    once = normalize(text)
    assert normalize(once) == once


@FAST
@given(arabic_text)
def test_normalize_is_idempotent_on_arabic(text):
    once = normalize(text)
    assert normalize(once) == once


@FAST
@given(st.lists(arabic_word, min_size=1, max_size=8))
def test_normalize_of_a_text_is_the_normalized_words(words):
    # A token normalises the same way alone or inside a longer text (the token cache and the
    # whole-text path must agree).
    assert normalize(" ".join(words)).split(" ") == [normalize(w) for w in words]


# --- a query analyses like its document --------------------------------------------------------

@FAST
@given(arabic_text)
def test_exact_terms_of_a_text_are_the_terms_of_its_tokens(text):
    per_token = [term for token, _, _ in tokenize(text) for term in analyze(_EXACT, token)]
    assert analyze(_EXACT, text) == per_token


@FAST
@given(any_text)
def test_exact_terms_of_any_text_are_the_terms_of_its_tokens(text):
    per_token = [term for token, _, _ in tokenize(text) for term in analyze(_EXACT, token)]
    assert analyze(_EXACT, text) == per_token


@FAST
@given(arabic_text)
def test_index_and_query_modes_give_the_same_terms(text):
    for analyzer in (_EXACT, _STEMMED):
        assert _analyzed(analyzer, text) == analyze(analyzer, text)


@FAST
@given(st.lists(arabic_word, min_size=1, max_size=6), st.integers(0, 5), arabic_word)
def test_a_word_typed_as_a_query_finds_it_in_the_document(words, at, word):
    document = words[:at] + [word] + words[at:]
    for analyzer in (_EXACT, _STEMMED):
        query_terms = analyze(analyzer, word)
        document_terms = _analyzed(analyzer, "، ".join(document) + ".")
        assert set(query_terms) <= set(document_terms)


@FAST
@given(arabic_word)
def test_a_word_and_its_normalized_form_analyse_alike(word):
    # A reader typing the normalised spelling (no hamza, no harakat, ه for ة ...) gets the
    # document's terms.
    for analyzer in (_EXACT, _STEMMED):
        assert analyze(analyzer, normalize(word)) == analyze(analyzer, word)


@FAST
@given(arabic_text)
def test_stemmed_terms_are_the_stems_of_the_exact_terms(text):
    # The two fields of a document see the same words: the stemmed field is the exact field
    # without stop words, each term stemmed.
    expected = [stem(t) for t in analyze(_EXACT, text) if t not in STOP_WORDS]
    assert analyze(_STEMMED, text) == expected


# --- tokenize offsets ---------------------------------------------------------------------------

def _check_offsets(text):
    # tokenize finds offsets without match objects: the same as the pattern's own matches
    assert list(tokenize(text)) == [(m.group(), m.start(), m.end()) for m in _TOKEN_RE.finditer(text)]
    previous_end = 0
    for token, start, end in tokenize(text):
        assert 0 <= previous_end <= start < end <= len(text)
        assert text[start:end] == token
        # A whole word: neither the character before nor the one after could belong to it.
        if start > 0:
            assert not _TOKEN_RE.fullmatch(text, start - 1, end)
        if end < len(text):
            assert not _TOKEN_RE.fullmatch(text, start, end + 1)
        previous_end = end
    # Every letter and digit of the text is inside some token.
    covered = bytearray(len(text))
    for _, start, end in tokenize(text):
        covered[start:end] = b"\x01" * (end - start)
    for i, c in enumerate(text):
        if c.isalnum():
            assert covered[i], (i, c)


@FAST
@given(any_text)
@example("كوفيد-19 كوفيد 19 19-COVID a-b ab_ab-1 بب ب")  # repeats, parts of earlier tokens
def test_offsets_on_any_unicode(text):
    _check_offsets(text)


@FAST
@given(arabic_text)
def test_offsets_on_arabic(text):
    _check_offsets(text)


@FAST
@given(arabic_text)
def test_analyzer_offsets_point_at_the_original_words(text):
    tokens = [(t, s, e) for t, s, e in tokenize(text)]
    spans = {(s, e) for _, s, e in tokens}
    for analyzer in (_EXACT, _STEMMED):
        for t in analyzer(text, mode="index", positions=True, chars=True):
            assert (t.startchar, t.endchar) in spans


@FAST
@given(any_text)
def test_a_token_alone_is_one_token(text):
    for token, _, _ in tokenize(text):
        assert list(tokenize(token)) == [(token, 0, len(token))]


# --- nothing crashes ----------------------------------------------------------------------------

def _analyse_everything(text):
    normalize(text)
    for token, _, _ in tokenize(text):
        folded = normalize(token)
        stem(folded)
        light10(folded)
        stem(token)
        light10(token)
    for analyzer in (_EXACT, _STEMMED):
        for mode in ("index", "query"):
            for _ in analyzer(text, mode=mode, positions=True, chars=True):
                pass


@FAST
@given(any_text)
def test_no_unicode_input_crashes(text):
    _analyse_everything(text)


@FAST
@given(any_char)
def test_stemmers_take_any_single_character(c):
    stem(c)
    light10(c)
    stem(c * 5)
    light10(c * 5)


def test_bad_inputs_are_analysed_in_bounded_time():
    # No wall-clock assertion: each finishes (the suite would hang on anything quadratic).
    for text in BAD_INPUTS:
        _analyse_everything(text)
        if len(text) <= 2000:
            _check_offsets(text)


def test_giant_inputs_analyse_to_what_they_contain():
    assert analyze(_STEMMED, "ـ" * 1_000_000) == []
    assert analyze(_EXACT, "\u0651" * 1_000_000) == []
    assert analyze(_EXACT, "a" * 1_000_000) == ["a" * 1_000_000]
    assert analyze(_EXACT, "بّ" * 500_000) == ["ب" * 500_000]
    assert analyze(_EXACT, "ﷺ" * 3) == [normalize("ﷺ" * 3)]
