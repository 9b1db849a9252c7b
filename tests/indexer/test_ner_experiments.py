"""bench/ner_experiments.py's variants: trainer parameters given in a variant's name, and the
flags of the words two places away (``window2``)."""
import sys

import pytest

from indexer.entity_features import dictionary_table, sentence_features
from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))
import ner_experiments  # noqa: E402

TABLE = dictionary_table({"ترامب": (100, 96, 0, 1), "بغداد": (50, 0, 0, 48)})


def test_a_variant_part_can_set_the_trainers_parameters():
    params = ner_experiments._params("dictionary+c1=0.2,c2=0.001+max_iterations=150", 100)
    assert (params["c1"], params["c2"], params["max_iterations"], params["dictionary"]) == (0.2, 0.001, 150, True)
    assert isinstance(params["max_iterations"], int)
    assert ner_experiments._combined("window2+c1=0.1") == ner_experiments.VARIANTS["window2"][0]
    with pytest.raises(SystemExit):
        ner_experiments._params("c3=1", 100)
    with pytest.raises(SystemExit):
        ner_experiments._params("nonsense", 100)


def test_window2_gives_a_word_the_flags_of_the_words_two_places_away():
    words = ["قال", "ترامب", "في", "بغداد", "امس"]
    base = [list(f) for f in sentence_features(words, TABLE)[0]]
    feats = [list(f) for f in base]
    ner_experiments.VARIANTS["window2-dictionary"][0][0](words, feats)
    added = [f[len(b):] for f, b in zip(feats, base)]
    assert added[1] == ["+2dn=1", "+2dP=0", "+2dO=0", "+2dL=6"]  # ترامب sees بغداد two places on
    assert added[3] == ["-2dn=2", "-2dP=6", "-2dO=0", "-2dL=1"]  # بغداد sees ترامب two places back
    assert added[0] == [] and added[2] == [] and added[4] == []  # nothing two places away has a row
    # the ±1 neighbours' flags already in the features are not taken for the word's own
    assert not [f for token in added for f in token if f[2:].startswith(("-1", "+1"))]


def test_bilou_tags_end_each_span_with_l_and_mark_one_word_spans_u():
    from indexer.entities import bio_spans
    tags = ["B-PER", "I-PER", "I-PER", "O", "B-LOC", "B-LOC", "I-ORG", "I-ORG", "I-PER", "O"]
    bilou = ner_experiments.train_ner.bilou_tags(tags)
    # two adjacent one-word places stay two; a stray I- opens a span, as bio_spans reads it
    assert bilou == ["B-PER", "I-PER", "L-PER", "O", "U-LOC", "U-LOC", "B-ORG", "L-ORG", "U-PER", "O"]
    back = [ner_experiments.train_ner.bio_tag(t) for t in bilou]
    assert back == ["B-PER", "I-PER", "I-PER", "O", "B-LOC", "B-LOC", "B-ORG", "I-ORG", "B-PER", "O"]
    assert bio_spans(back) == bio_spans(tags)
    assert ner_experiments.train_ner.bilou_tags(["O", "O"]) == ["O", "O"]


def test_the_bilou_variant_trains_on_bilou_tags_and_reads_its_tags_back_as_bio(crfsuite, monkeypatch):
    """A one-word and a two-word name repeated in every sentence: trained on BILOU tags, the
    held-out half's names are found (U-/L- tags not read back as BIO would give no spans)."""
    sentences = [(None, None, ["قال", "زيد", "في", "بغداد", "الكبرى", "امس"],
                  ["O", "B-PER", "O", "B-LOC", "I-LOC", "O"])] * 10
    monkeypatch.setattr(ner_experiments, "_DATA", sentences)
    params = ner_experiments._params("shipped+bilou+max_iterations=20", 100)
    assert params["bilou"] is True
    tp, fp, fn, *_ = ner_experiments.run_fold(("shipped+bilou", 1, 2, dict(params)))
    assert (tp["PER"], tp["LOC"], sum(fp.values()), sum(fn.values())) == (5, 5, 0, 0)
    # the same model read without the conversion finds nothing: U-/L- are not BIO
    monkeypatch.setattr(ner_experiments.train_ner, "bio_tag", lambda tag: tag)
    tp, _, fn, *_ = ner_experiments.run_fold(("shipped+bilou", 1, 2, dict(params)))
    assert tp["PER"] == 0 and fn["PER"] == 5


def test_a_variant_part_can_set_l_bfgs_stopping_and_possible_states():
    params = ner_experiments._params("dictionary+delta=0.0001,period=5+feature.possible_states=1", 100)
    assert (params["delta"], params["period"], params["feature.possible_states"]) == (0.0001, 5, True)
    assert isinstance(params["period"], int)
    assert ner_experiments._params("shipped+feature.possible_states=0", 100)["feature.possible_states"] is False
