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
