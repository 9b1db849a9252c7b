"""Highlighting marks the article's own characters of every matched word, and nothing else."""
from __future__ import annotations

from indexer.analysis import analyze, exact_analyzer, stemmed_analyzer
from indexer.highlight import Matcher, highlight_all, match_spans, snippet


def stems(*words):
    return Matcher(stems={t for w in words for t in analyze(stemmed_analyzer(), w)})


def test_marks_original_spelling_with_diacritics_tatweel_and_hamza():
    text = "أعلنَت الحكومه في الـــعراق أنّ مسئولاً سيزور بغداد"
    html = highlight_all(text, stems("اعلنت", "الحكومة", "العراق", "مسؤولا"))
    assert "<mark>أعلنَت</mark>" in html and "<mark>الحكومه</mark>" in html
    assert "<mark>الـــعراق</mark>" in html and "<mark>مسئولاً</mark>" in html
    assert "<mark>بغداد</mark>" not in html


def test_a_stem_inside_another_word_is_not_marked():
    text = "استقال الوزير ثم قال إنه باق"
    assert [text[s:e] for s, e in match_spans(text, stems("قال"))] == ["قال"]


def test_exact_and_prefix_forms():
    text = "الشباب للشباب الشبابية"
    exact = Matcher(exact=set(analyze(exact_analyzer(), "الشباب")))
    assert [text[s:e] for s, e in match_spans(text, exact)] == ["الشباب"]
    prefix = Matcher(prefixes=("الشباب",))
    assert [text[s:e] for s, e in match_spans(text, prefix)] == ["الشباب", "الشبابية"]


def test_escaping_around_marks():
    html = highlight_all("<b>سوريا</b> & \"لبنان\"", stems("سوريا"))
    assert html == "&lt;b&gt;<mark>سوريا</mark>&lt;/b&gt; &amp; &quot;لبنان&quot;"


def test_snippet_fragments_are_whole_words_around_matches():
    filler = " ".join(["كلمة"] * 60)
    text = f"{filler} الانتخابات البرلمانية {filler} نتائج الانتخابات {filler}"
    html = snippet(text, stems("الانتخابات"), size=60)
    assert html.count("<mark>الانتخابات</mark>") == 2
    assert html.startswith("…") and html.endswith("…")
    for part in html.replace("<mark>", "").replace("</mark>", "").split("…"):
        assert all(w in ("كلمة", "الانتخابات", "البرلمانية", "نتائج") for w in part.split())


def test_snippet_without_matches_is_the_opening():
    text = "الفقرة الأولى من المقال " + "نص " * 100
    assert snippet(text, Matcher(), size=30).startswith("الفقرة الأولى")


def test_latin_and_mixed_tokens():
    text = "لقاح COVID-19 وطائرات F-16"
    m = Matcher(exact=set(analyze(exact_analyzer(), "covid-19 f-16")))
    assert highlight_all(text, m) == "لقاح <mark>COVID-19</mark> وطائرات <mark>F-16</mark>"


def test_candidates_found_in_the_folded_text_are_those_the_class_regex_finds():
    """The candidate regex runs over the text folded one character for one (variants to their
    letter, marks to tatweels) with plain letters instead of character classes (cheap to
    compile), and finds exactly the spans the regex of classes finds in the text itself; a
    form that is not normalised keeps the regex of classes."""
    import random

    from indexer import highlight

    letters = list("ابتثجحخدذرزسشصضطظعغفقكلمنهويءۇ0123456789abk")
    in_forms = "اكهويءۇ07ak"  # letters with variants, digits, Latin (k: also the Kelvin sign)
    variants = sorted(c for chars in highlight._VARIANT_CHARS.values() for c in chars)
    alphabet = letters * 3 + variants + highlight._IGNORABLE_CHARS + list(" .Kkıİ\u212a") + ["\u0640"] * 3
    rng = random.Random(16)
    for _ in range(3000):
        forms = tuple(sorted({"".join(rng.choice(in_forms) for _ in range(rng.randint(1, 4)))
                              for _ in range(rng.randint(1, 4))}, key=len, reverse=True))
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60)))
        # a form written in, each letter in any of its variants, marks between them
        text += "".join(rng.choice([c, *highlight._VARIANT_CHARS.get(c, ())])
                        + rng.choice(["", *highlight._IGNORABLE_CHARS]) for c in rng.choice(forms))
        expected = [m.span() for m in highlight._candidate_regex(forms).finditer(text)]
        assert highlight.fold(text) == text.translate(highlight._FOLD)
        assert [m.span() for m in highlight._folded_regex(forms).finditer(highlight.fold(text))] \
            == expected, (forms, text)
        assert expected
    assert Matcher(stems={"كتب"}).candidates()[1] is True
    assert Matcher(exact={"أحمد"}).candidates()[1] is False  # not normalised: the classes


def test_the_text_is_folded_by_a_table_of_code_points(monkeypatch):
    """Folding (letter variants to the letter, marks to a tatweel, one character for one) is a
    lookup per code point in a table, the same as ``str.translate`` with the folding's dict:
    every character of the Basic Multilingual Plane, characters past it (kept), lone
    surrogates, the empty text; and it is what marking runs the candidates' regex over."""
    from indexer import highlight

    every = "".join(chr(c) for c in range(0x10000))
    for text in (every, every[::-1], "", "\U0001F600 أحمد\ud800ـ\u064b", "\U00010000" + every[0x600:0x700]):
        assert highlight.fold(text) == text.translate(highlight._FOLD)
    folded = []
    real = highlight.fold
    monkeypatch.setattr(highlight, "fold", lambda text: folded.append(text) or real(text))
    assert highlight.highlight_all("أعلنت الوزارة", Matcher(exact={"اعلنت"})) == "<mark>أعلنت</mark> الوزارة"
    assert folded == ["أعلنت الوزارة"]
