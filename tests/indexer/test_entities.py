"""The entity extractor with the shipped model: spans, labels, offsets, keys, bad input."""

import os

import pytest

from indexer import entities
from indexer.arabic import normalize
from indexer.entities import Entity, Extractor, entity_key, extract

NEWS = ("قال الرئيس الأميركي دونالد ترامب إن الولايات المتحدة لن تسحب قواتها من سوريا. "
        "وردّ رئيس الوزراء الإسرائيلي بنيامين نتنياهو بأن حزب الله يهدد إسرائيل، "
        "فيما دعت الأمم المتحدة إلى التهدئة. وفي بغداد، قالت وزارة الخارجية الأميركية "
        "لوكالة رويترز إن الوزير زار باريس.")


def found(text):
    return {(e.text, e.label) for e in extract(text)}


def test_known_entities_in_news_sentences():
    result = found(NEWS)
    for expected in [("دونالد ترامب", "PER"), ("بنيامين نتنياهو", "PER"), ("حزب الله", "ORG"),
                     ("الأمم المتحدة", "ORG"), ("الولايات المتحدة", "LOC"), ("بغداد", "LOC"),
                     ("سوريا", "LOC"), ("إسرائيل", "LOC"), ("باريس", "LOC"),
                     ("وزارة الخارجية الأميركية", "ORG")]:
        assert expected in result, (expected, sorted(result))


def test_a_name_alone_is_a_person():
    assert ("نتنياهو", "PER") in found("وقال نتنياهو إن الحكومة ستجتمع غدا")


def test_title_and_nationality_are_not_part_of_the_name():
    spans = [e for e in extract("التقى الرئيس الأميركي دونالد ترامب نظيره") if e.label == "PER"]
    assert [e.text for e in spans] == ["دونالد ترامب"]


@pytest.mark.parametrize("text", [
    NEWS,
    "قَالَ الرَّئِيسُ الأَمِيرْكِيُّ دُونَالْد تْرَامْب إِنَّ الوِلَايَاتِ المُتَّحِدَةَ فِي بَغْدَادَ",
    "وصل نتنيـــاهو إلى واشنطن\u200f، ثم ﺑﻐﺪاد والعراق.",
])
def test_offsets_point_into_the_original_text(text):
    result = extract(text)
    assert result
    for entity in result:
        assert text[entity.start:entity.end] == entity.text
        assert entity.label in entities.LABELS
    assert [e.start for e in result] == sorted(e.start for e in result)


def test_vocalised_text_keeps_its_marks_in_the_span_and_folds_them_in_the_key():
    text = "زار الوفد بَغْدَادَ أمس"
    [place] = [e for e in extract(text) if e.label == "LOC"]
    assert place.text == "بَغْدَادَ"
    assert place.key == "بغداد"


def test_key_strips_clitics_only_where_they_are_clitics():
    assert entity_key("والولايات المتحدة") == "الولايات المتحده"
    assert entity_key("للأمم المتحدة") == "الامم المتحده"
    assert entity_key("وبغداد") == "بغداد"
    assert entity_key("ونتنياهو") == "نتنياهو"
    assert entity_key("لبنان") == "لبنان"
    assert entity_key("واشنطن") == "واشنطن"
    assert entity_key("وائل") == normalize("وائل")


def test_clitic_stays_in_the_text_and_leaves_the_key():
    [entity] = [e for e in extract("وصل الوفد والولايات المتحدة تراقب") if e.label == "LOC"]
    assert entity.text == "والولايات المتحدة"
    assert entity.key == "الولايات المتحده"


@pytest.mark.parametrize("text", ["", "   ", "\n\n", "12345 67", "hello world, no Arabic here",
                                  "!!!؟؟؟...،،،", "\u200f\u200e\ufeff", "ـــــ", "\x00\x01"])
def test_empty_and_garbage_input_gives_no_entities(text):
    assert extract(text) == []


def test_long_text_without_punctuation_is_handled():
    text = " ".join(["كلمة"] * 5000 + ["بغداد"])
    assert ("بغداد", "LOC") in {(e.text, e.label) for e in extract(text)}


def test_entity_is_a_frozen_value():
    entity = extract("زار بغداد")[0]
    assert isinstance(entity, Entity)
    with pytest.raises(AttributeError):
        entity.label = "PER"


def test_model_ships_inside_the_package():
    path = entities.model_path()
    assert os.path.dirname(path) == os.path.join(os.path.dirname(entities.__file__), "data")
    assert os.path.getsize(path) < 5_000_000
    assert Extractor(path).extract("زار بغداد")


def test_steps_can_be_switched_off():
    crf_only = Extractor(use_gazetteer=False, use_patterns=False)
    # A gazetteer organisation ANERcorp's annotators tag O: only the gazetteer step finds it.
    text = "قالت وزارة الخارجية إن الاجتماع تأجل"
    assert ("وزارة الخارجية", "ORG") not in {(e.text, e.label) for e in crf_only.extract(text)}
    assert ("وزارة الخارجية", "ORG") in found(text)


def test_missing_model_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="make model"):
        Extractor(str(tmp_path / "none.crfsuite"))
