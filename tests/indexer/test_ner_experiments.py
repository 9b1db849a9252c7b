"""bench/ner_experiments.py's variants: trainer parameters given in a variant's name, and the
flags of the words two places away (``window2``)."""
import sys

import pytest

from indexer import document_context
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


# ---------------------------------------------------------------------------------------------
# docctx: document-level consistency (a second stage fed with what a first stage found around).
# ---------------------------------------------------------------------------------------------

def _evidence(*sentences):
    """The summed evidence of (words, spans) sentences."""
    total = ner_experiments.Counter()
    for words, spans in sentences:
        total.update(document_context.sentence_evidence(words, spans))
    return total


def _counts(*sentences):
    """The evidence of (words, spans) sentences, as the lookup the features take."""
    return _evidence(*sentences).__getitem__


def test_sentence_evidence_counts_each_words_label_its_clitic_free_form_and_the_names():
    words = ["قال", "نادي", "سلتيك", "وسلتيك"]
    evidence = document_context.sentence_evidence(words, [(1, 3, "ORG"), (3, 4, "ORG")])
    assert evidence["w", "قال", "O"] == 1 and evidence["w", "سلتيك", "ORG"] == 1
    assert evidence["c", "سلتيك", "ORG"] == 2  # وسلتيك without its و
    assert evidence["s", ("نادي", "سلتيك"), "ORG"] == 1 and evidence["s", ("وسلتيك",), "ORG"] == 1
    assert evidence["u", "سلتيك", "ORG"] == 1 and evidence["uB", "نادي", "ORG"] == 1
    assert evidence["uE", "سلتيك", "ORG"] == 1 and evidence["u", "وسلتيك", "ORG"] == 0  # one-word names are no "u"


def test_context_features_give_a_bare_repeat_the_label_its_name_had_elsewhere():
    elsewhere = (["فاز", "نادي", "سلتيك", "على", "رينجرز"], [(1, 3, "ORG"), (4, 5, "ORG")])
    words = ["وخسر", "سلتيك", "امام", "نادي", "سلتيك"]
    feats = document_context.context_token_features(words, ["O", "O", "O", "O", "O"], _counts(elsewhere))
    assert feats[0] == ["s1=O"]  # nothing known of وخسر
    assert {"dw=ORG", "dw=ORG1", "du=ORG", "duE=ORG", "dc=ORG"} <= set(feats[1])
    assert "drB=ORG" in feats[3] and "drI=ORG" in feats[4] and "drB=ORG" not in feats[1]
    assert "duB=ORG" in feats[3]
    # a word seen only outside names elsewhere says so, with how often
    feats = document_context.context_token_features(["على"], ["O"], _counts(elsewhere, elsewhere))
    assert feats[0] == ["s1=O", "dw=O2", "dc=O2"]


def test_context_features_take_the_majority_label_and_count_it_in_buckets():
    per = (["قال", "عباس"], [(1, 2, "PER")])
    org = (["عباس"], [(0, 1, "ORG")])
    untagged = (["عباس"], [])
    count = _counts(per, per, org, untagged, untagged, untagged, untagged)
    feats = document_context.context_token_features(["عباس"], ["B-PER"], count)[0]
    assert feats[:4] == ["s1=B-PER", "dw=PER", "dw=PER2", "dwO=4"]


def test_the_rule_tags_untagged_repeats_of_names_tagged_twice_or_of_several_words():
    evidence = _evidence((["نادي", "سلتيك"], [(0, 2, "ORG")]), (["بغداد"], [(0, 1, "LOC")]),
                         (["عمان"], [(0, 1, "LOC")]), (["عمان"], [(0, 1, "LOC")]),
                         (["فتح"], [(0, 1, "ORG")]), (["فتح"], [(0, 1, "ORG")]), (["فتح"], [(0, 1, "PER")]))
    names = document_context.repeatable_names(evidence)
    assert names == {"نادي": [(("نادي", "سلتيك"), "ORG")], "عمان": [(("عمان",), "LOC")],
                     "فتح": [(("فتح",), "ORG")]}  # بغداد was tagged once only
    words = ["نادي", "سلتيك", "في", "بغداد", "و", "عمان"]
    assert document_context.propagated_spans(words, [], names) == [(0, 2, "ORG"), (5, 6, "LOC")]
    # a repeat whose words the first stage tagged in part is left to it
    assert document_context.propagated_spans(words, [(1, 2, "PER")], names) == [(1, 2, "PER"), (5, 6, "LOC")]


def test_the_rule_prefers_the_longer_name():
    names = document_context.repeatable_names(_evidence((["سلتيك"], [(0, 1, "ORG")]), (["سلتيك"], [(0, 1, "ORG")]),
                                                        (["مدينة", "سلتيك", "الجديدة"], [(0, 3, "LOC")])))
    words = ["في", "مدينة", "سلتيك", "الجديدة", "سلتيك"]
    assert document_context.propagated_spans(words, [], names) == [(1, 4, "LOC"), (4, 5, "ORG")]


def test_the_propagating_tagger_adds_the_repeats_to_the_inner_taggers_tags():
    from indexer.entities import bio_spans, clean_spans
    from indexer.entity_features import Sentence

    class Fixed:
        def tag(self, sentences):
            return [["B-ORG", "I-ORG", "O"], ["O", "B-PER", "O"], ["O", "O", "O"]]

    sentences = [Sentence(w, [], set()) for w in (["نادي", "سلتيك", "فاز"], ["قال", "سلتيك", "امس"],
                                                  ["فاز", "نادي", "سلتيك"])]
    tagger = document_context.PropagatingTagger(Fixed(), lambda words, tags: clean_spans(bio_spans(tags), words),
                                                bio_spans)
    assert tagger.tag(sentences) == [["B-ORG", "I-ORG", "O"], ["O", "B-PER", "O"], ["O", "B-ORG", "I-ORG"]]


def test_the_sliding_window_sums_the_evidence_of_the_sentences_around_within_a_segment():
    evidence = [ner_experiments.Counter({k: 1}) for k in range(9)]
    seen = {k: {key for key, n in window.items() if n} for k, window in
            ner_experiments.train_ner.windows([(0, 4), (4, 9)], 2, evidence)}
    assert seen == {0: {0, 1, 2}, 1: {0, 1, 2, 3}, 2: {0, 1, 2, 3}, 3: {1, 2, 3},
                    4: {4, 5, 6}, 5: {4, 5, 6, 7}, 6: {4, 5, 6, 7, 8}, 7: {5, 6, 7, 8}, 8: {6, 7, 8}}


def test_the_first_stage_tags_every_training_sentence_by_a_model_that_never_saw_it(monkeypatch, tmp_path):
    data = [("", [], ["w"], ["O"])] * 23
    monkeypatch.setattr(ner_experiments, "_DATA", data)
    monkeypatch.setattr(ner_experiments, "ROOT", str(tmp_path))
    (tmp_path / "instance").mkdir()
    models = []

    def train_and_tag(feats, gold, train, tag, params, augmented=None):
        assert augmented is None
        models.append((set(train), list(tag)))
        return {k: [f"m{len(models)}"] for k in tag}

    monkeypatch.setattr(ner_experiments.train_ner, "train_and_tag", train_and_tag)
    tags = ner_experiments.stage1_tags(1, 5, lambda: None, {"max_iterations": 100})
    held_out = set(range(4, 9))  # fold 1 of 5 over 23 sentences
    assert all(not train & held_out for train, _ in models)  # no model learns from the held-out fifth
    assert len(models) == 1 + ner_experiments.DOCCTX_INNER
    for train, tagged in models:
        assert not train & set(tagged)  # nobody tags its own training sentences
    assert models[0] == (set(range(23)) - held_out, sorted(held_out))
    assert sorted(k for _, tagged in models[1:] for k in tagged) == sorted(set(range(23)) - held_out)
    assert {tags[k][0] for k in held_out} == {"m1"}
    # cached: a second call trains nothing
    assert ner_experiments.stage1_tags(1, 5, lambda: None, {"max_iterations": 100}) == tags and len(models) == 5


def test_with_mention_replacement_each_first_stage_model_learns_from_copies_of_its_own_sentences(monkeypatch,
                                                                                                    tmp_path):
    data = [("", [], ["قال", f"اسم{k}"], ["O", "B-PER"]) for k in range(23)]
    monkeypatch.setattr(ner_experiments, "_DATA", data)
    monkeypatch.setattr(ner_experiments, "ROOT", str(tmp_path))
    (tmp_path / "instance").mkdir()
    monkeypatch.setattr(ner_experiments, "_sentence_features", lambda name, words, dictionary: [[w] for w in words])
    learnt = []

    def train_and_tag(feats, gold, train, tag, params, augmented=None):
        made = augmented(train)
        names = {words[1][0] for words, _ in made}
        learnt.append((set(train), names))
        return {k: ["O", "B-PER"] for k in tag}

    monkeypatch.setattr(ner_experiments.train_ner, "train_and_tag", train_and_tag)
    augment = {"copies": 1, "p": 1.0}
    ner_experiments.stage1_tags(1, 5, lambda: None, {"max_iterations": 100}, augment,
                                lambda train: ner_experiments.augmented_features("x", None, train, augment))
    assert len(learnt) == 1 + ner_experiments.DOCCTX_INNER
    for train, names in learnt:  # the names put in come from the model's own training sentences
        assert names and names <= {f"اسم{k}" for k in train}
    assert ner_experiments.stage1_path(1, 5, {"max_iterations": 100}, augment) != \
        ner_experiments.stage1_path(1, 5, {"max_iterations": 100})


def test_train_and_tag_learns_from_the_augmented_sentences_too():
    feats = [[["w=قال"], ["w=زيد"]], [["w=قال"], ["w=عمرو"]]]
    gold = [["O", "B-PER"], ["O", "O"]]
    made = [([["w=قال"], ["w=عمرو"]], ["O", "B-PER"])] * 5
    plain = ner_experiments.train_ner.train_and_tag(feats, gold, [0, 1], [1], {"max_iterations": 50})
    more = ner_experiments.train_ner.train_and_tag(feats, gold, [0, 1], [1], {"max_iterations": 50},
                                                   lambda train: made)
    assert plain[1] == ["O", "O"] and more[1] == ["O", "B-PER"]


def test_the_document_index_gives_the_same_context_features_faster():
    import random
    rng = random.Random(3)
    vocabulary = ["نادي", "سلتيك", "وسلتيك", "قال", "زيدان", "في", "بغداد", "امس", "عبد", "الله"]
    labels = ["PER", "ORG", "LOC", "MISC"]
    sentences = []
    for _ in range(40):
        words = [rng.choice(vocabulary) for _ in range(rng.randrange(1, 12))]
        spans, i = [], 0
        while i < len(words):
            size = rng.randrange(1, 4)
            if rng.random() < 0.4 and i + size <= len(words):
                spans.append((i, i + size, rng.choice(labels)))
            i += size
        sentences.append((words, spans))
    evidence = [document_context.sentence_evidence(w, s) for w, s in sentences]
    counts, total = document_context.document_counts(evidence, with_total=True)
    index = document_context.document_index(total)
    for (words, _), count in zip(sentences, counts):
        tags = ["O"] * len(words)
        slow = document_context.context_token_features(words, tags, count)
        assert document_context.context_token_features(words, tags, count, index) == slow
    assert any("drB=" in f for words, _ in sentences for token in document_context.context_token_features(
        words, ["O"] * len(words), total.__getitem__) for f in token)  # the repeats are exercised


def test_mention_replacement_swaps_names_for_names_of_the_same_label():
    import random

    sentences = [(["قال", "دونالد", "ترامب", "في", "بغداد"], ["O", "B-PER", "I-PER", "O", "B-LOC"]),
                 (["زار", "ماكرون", "باريس"], ["O", "B-PER", "B-LOC"]),
                 (["لا", "اسم", "هنا"], ["O", "O", "O"])]
    out = ner_experiments.mention_replacement(sentences, copies=2, p=1.0, rng=random.Random(0))
    assert len(out) == 4  # two copies of each sentence with a name
    people = {("دونالد", "ترامب"), ("ماكرون",)}
    for words, tags in out:
        assert len(words) == len(tags)
        spans = ner_experiments.bio_spans(tags)
        assert [label for _, _, label in spans] == ["PER", "LOC"]
        assert tuple(words[spans[0][0]:spans[0][1]]) in people
        assert tuple(words[spans[1][0]:spans[1][1]]) in {("بغداد",), ("باريس",)}
    assert ner_experiments.mention_replacement(sentences, copies=1, p=0.0, rng=random.Random(0)) == sentences[:2]
