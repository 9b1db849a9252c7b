"""indexer.document_context at run time: the two-stage tagger (a second CRF fed with what the first
found in the text's other sentences) tags as python-crfsuite does with the same features, shares
the words' features between its stages, is used only when its model file is beside the first's,
and bench/train_ner.py --document builds it deterministically. (The evidence, features and rule
themselves: tests/indexer/test_ner_experiments.py.)"""

import shutil
import sys
from collections import Counter

import numpy as np
import pytest

from indexer import crf_tagger, document_context, entities
from indexer.crf_tagger import CrfTagger
from indexer.document_context import (ContextRows, DocumentTagger, context_token_features, document_counts,
                                      kept_longer, sentence_evidence, spans_tags)
from indexer.entities import Extractor, bio_spans, clean_spans, load_tagger, sentence_features
from indexer.entity_features import read_sentence
from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))
import train_ner  # noqa: E402

PARAMS = {"c1": 0.0, "c2": 0.1, "max_iterations": 15, "feature.possible_transitions": True}
CLUBS = ["سلتيك", "بنفيكا", "اندرليخت", "الوداد"]
PEOPLE = ["زيدان", "ميسي", "رونالدو"]


def _sentence(words, tags):
    return ("", [], list(words), list(tags))


def _data():
    """A few "articles": a club announced by نادي, then named bare; a person after قال."""
    data = []
    for round_ in range(6):
        for club, person in zip(CLUBS, PEOPLE + PEOPLE[:1]):
            data.append(_sentence(["فاز", "نادي", club, "امس"], ["O", "B-ORG", "I-ORG", "O"]))
            data.append(_sentence(["قال", person, "ان", club, "قوي"], ["O", "B-PER", "O", "B-ORG", "O"]))
            data.append(_sentence([club, "في", "المركز", "الاول"], ["B-ORG", "O", "O", "O"]))
    return data


def _spans(words, tags):
    return clean_spans(bio_spans(tags), words)


@pytest.fixture(scope="module")
def models(tmp_path_factory, crfsuite):
    folder = tmp_path_factory.mktemp("docctx")
    first, second = str(folder / "ner.crfsuite"), str(folder / "ner-document.crfsuite")
    train_ner.train(_data(), first, PARAMS, dictionary={})
    train_ner.train_document(_data(), second, PARAMS, dictionary={}, window=3)
    return first, second


def test_the_builder_gives_the_same_bytes_twice(models, tmp_path):
    again = str(tmp_path / "again.crfsuite")
    train_ner.train_document(_data(), again, PARAMS, dictionary={}, window=3)
    with open(models[1], "rb") as a, open(again, "rb") as b:
        assert a.read() == b.read()


def test_the_two_stage_tagger_tags_as_crfsuite_does_with_the_context_features(models, crfsuite):
    text = [["قال", "زيدان", "ان", "نادي", "سلتيك", "قوي"], ["سلتيك", "في", "المركز"], ["فاز", "بنفيكا", "امس"]]
    sentences = [read_sentence(words) for words in text]
    tagger = DocumentTagger(models[0], models[1], _spans, bio_spans, {})
    first, second = crfsuite.Tagger(), crfsuite.Tagger()
    first.open(models[0])
    second.open(models[1])
    base = [sentence_features(words, {})[0] for words in text]
    first_tags = [first.tag(f) for f in base]
    evidence = [sentence_evidence(words, _spans(words, tags)) for words, tags in zip(text, first_tags)]
    seconds = [second.tag([f + c for f, c in zip(features, context_token_features(words, tags, count))])
               for words, features, tags, count in zip(text, base, first_tags, document_counts(evidence))]
    expected = [spans_tags(len(o), kept_longer(bio_spans(f), bio_spans(o))) for f, o in zip(first_tags, seconds)]
    assert tagger.tag(sentences) == expected
    assert tagger.tag(sentences) == expected  # the words' cached scores give the same again


def test_several_texts_at_once_are_tagged_as_each_alone(models):
    """tag_documents: the texts are scored and decoded together, each one's context features
    counted from its own sentences only (سلتيك is announced by نادي in one text, bare in another)."""
    texts = [[["فاز", "نادي", "سلتيك", "امس"], ["سلتيك", "في", "المركز"]],
             [],
             [["سلتيك", "في", "المركز", "الاول"]],
             [["قال", "زيدان", "ان", "بنفيكا", "قوي"], ["فاز", "بنفيكا", "امس"], ["زيدان"]]]
    documents = [[read_sentence(words) for words in text] for text in texts]
    tagger = DocumentTagger(models[0], models[1], _spans, bio_spans, {})
    alone = [tagger.tag(document) for document in documents]
    assert tagger.tag_documents(documents) == alone
    assert alone[1] == [] and [len(tags) for tags in alone[3]] == [5, 3, 1]


def test_a_name_the_second_stage_shortens_is_kept_whole():
    # "كامالا هاريس" (first stage) → "هاريس" (second stage, to agree with a bare mention elsewhere)
    assert kept_longer([(2, 4, "PER")], [(3, 4, "PER")]) == [(2, 4, "PER")]
    assert kept_longer([(0, 3, "ORG")], [(0, 2, "ORG"), (5, 6, "LOC")]) == [(0, 3, "ORG"), (5, 6, "LOC")]


def test_the_second_stage_s_other_changes_stand():
    assert kept_longer([(2, 4, "PER")], [(3, 4, "ORG")]) == [(3, 4, "ORG")]  # another label
    assert kept_longer([(2, 4, "PER")], [(2, 3, "PER"), (3, 4, "PER")]) == [(2, 3, "PER"), (3, 4, "PER")]  # split
    assert kept_longer([(2, 4, "PER")], []) == []  # dropped
    assert kept_longer([(2, 3, "PER")], [(2, 4, "PER")]) == [(2, 4, "PER")]  # lengthened
    assert kept_longer([(2, 4, "PER")], [(3, 6, "PER")]) == [(3, 6, "PER")]  # moved
    assert kept_longer([(3, 4, "PER")], [(3, 4, "PER")]) == [(3, 4, "PER")]
    assert spans_tags(5, [(1, 3, "PER"), (4, 5, "LOC")]) == ["O", "B-PER", "I-PER", "O", "B-LOC"]


def test_document_counts_leave_out_the_sentence_s_own_evidence():
    evidence = [Counter({("w", "a", "PER"): 1}), Counter({("w", "a", "PER"): 2, ("w", "b", "O"): 1})]
    counts = document_counts(evidence)
    assert counts[0](("w", "a", "PER")) == 2 and counts[1](("w", "a", "PER")) == 1
    assert counts[0](("w", "b", "O")) == 1 and counts[1](("w", "b", "O")) == 0


def test_the_words_features_are_computed_once_for_both_stages(models, monkeypatch):
    calls = Counter()
    original = crf_tagger.word_feature_parts

    def counting(word, dictionary):
        calls[word] += 1
        return original(word, dictionary)

    monkeypatch.setattr(crf_tagger, "word_feature_parts", counting)
    tagger = DocumentTagger(models[0], models[1], _spans, bio_spans, {})
    text = [["قال", "زيدان", "ان", "سلتيك", "قوي"], ["سلتيك", "في", "المركز"]]
    tagger.tag([read_sentence(words) for words in text])
    tagger.tag([read_sentence(["زيدان", "في", "الملعب"])])
    assert calls == Counter({w: 1 for w in ["قال", "زيدان", "ان", "سلتيك", "قوي", "في", "المركز", "الملعب"]})


def test_the_second_stage_is_used_only_when_its_model_is_beside_the_first(models, tmp_path):
    first = str(tmp_path / "ner.crfsuite")
    shutil.copy(models[0], first)
    assert type(load_tagger(first)) is CrfTagger
    shutil.copy(models[1], document_context.document_model_path(first))
    assert document_context.document_model_path(first) == str(tmp_path / "ner-document.crfsuite")
    assert type(load_tagger(first)) is DocumentTagger


class FirstSentenceOnly:
    """Tags نادي سلتيك as an ORG in the first sentence of a text only."""

    def tag(self, sentences):
        out = [["O"] * len(s.words) for s in sentences]
        out[0][1:3] = ["B-ORG", "I-ORG"]
        return out


def test_the_extractor_propagates_only_when_the_rule_is_on():
    text = "فاز نادي سلتيك أمس. وقال مدرب نادي سلتيك إن الفريق قوي."
    options = {"use_gazetteer": False, "use_patterns": False}
    with_rule = Extractor(tagger=FirstSentenceOnly(), document_rule=True, **options).extract(text)
    assert [(e.text, e.label) for e in with_rule] == [("نادي سلتيك", "ORG"), ("نادي سلتيك", "ORG")]
    without = Extractor(tagger=FirstSentenceOnly(), document_rule=False, **options).extract(text)
    assert [(e.text, e.label) for e in without] == [("نادي سلتيك", "ORG")]
    default = Extractor(tagger=FirstSentenceOnly(), **options).extract(text)
    assert default == (with_rule if entities.DOCUMENT_RULE else without)  # the module's switch


def _random_text(seed, sentences=40):
    """Sentences of a few words, some of them names (spans), some words with clitics."""
    import random
    rng = random.Random(seed)
    vocabulary = ["نادي", "سلتيك", "وسلتيك", "قال", "زيدان", "في", "بغداد", "وبغداد", "امس", "عبد", "الله", "للامم"]
    text = []
    for _ in range(sentences):
        words = [rng.choice(vocabulary) for _ in range(rng.randrange(1, 12))]
        spans, i = [], 0
        while i < len(words):
            size = rng.randrange(1, 4)
            if rng.random() < 0.4 and i + size <= len(words):
                spans.append((i, i + size, rng.choice(["PER", "ORG", "LOC", "MISC"])))
            i += size
        text.append((words, spans))
    return text


def test_the_context_rows_are_the_context_features_in_their_order():
    """ContextRows (the run-time features, numpy over the whole text) gives each word the rows
    of context_token_features's strings (the builder's) in the same order, so the second stage's
    scores are added to the same bits."""
    numbers: dict[str, int] = {}

    def row(feature):
        return numbers.setdefault(feature, len(numbers) + 1)

    first_labels = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC"]
    rows_of = ContextRows(row, first_labels)
    known = set(numbers)
    word_rows: dict[str, int] = {}  # a number per distinct word, kept between texts as the CRF's rows
    for seed in range(12):
        text = _random_text(seed, sentences=[1, 3, 40][seed % 3])
        if seed % 4 == 0:  # a text with no names at all
            text = [(words, []) for words, _ in text]
        tags = [["O"] * len(words) for words, _ in text]
        for (words, spans), sentence_tags in zip(text, tags):  # first-stage tags: the spans, in BIO
            for s, e, label in spans:
                sentence_tags[s:e] = ["B-" + label] + ["I-" + label] * (e - s - 1)
        evidence = [sentence_evidence(words, spans) for words, spans in text]
        expected = [[row(f) for f in features] for (words, _), sentence_tags, count
                    in zip(text, tags, document_counts(evidence))
                    for features in context_token_features(words, sentence_tags, count)]
        assert set(numbers) == known  # no feature the table lacks
        words = [w for words, _ in text for w in words]
        first = np.array([first_labels.index(t) for sentence_tags in tags for t in sentence_tags])
        if seed == 6:  # the words' numbers change (the CRF's word table was emptied)
            word_rows.clear()
        rows = np.array([word_rows.setdefault(w, len(word_rows)) for w in words])
        slots, where, repeat_rows = rows_of.features(words, rows, seed >= 6, [len(w) for w, _ in text], first,
                                                     [spans for _, spans in text])
        got = [[int(slot[i]) for slot in slots if slot[i]] for i in range(len(words))]
        for i, r in zip(where, repeat_rows):
            got[i].append(r)
        assert got == expected
    assert any(f.startswith("dr") for f in numbers) and any(f.startswith("du") for f in numbers)


def test_the_context_rows_of_several_texts_are_each_text_s_alone():
    """ContextRows.features with ``texts``: the rows each word gets are those its text alone
    gives (the same names in another text of the batch count for nothing)."""
    numbers: dict[str, int] = {}
    first_labels = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC"]
    rows_of = ContextRows(lambda f: numbers.setdefault(f, len(numbers) + 1), first_labels)
    texts = [_random_text(seed, sentences=size) for seed, size in ((1, 5), (2, 1), (3, 12), (4, 3))]
    texts.insert(2, [(["قال", "عبد", "الله", "امس"], [(1, 3, "PER")]), (["عبد", "الله", "في", "بغداد"], [])])
    word_rows: dict[str, int] = {}

    def inputs(text):
        words = [w for words, _ in text for w in words]
        first = []
        for words_, spans in text:
            tags = ["O"] * len(words_)
            for s, e, label in spans:
                tags[s:e] = ["B-" + label] + ["I-" + label] * (e - s - 1)
            first += [first_labels.index(t) for t in tags]
        rows = np.array([word_rows.setdefault(w, len(word_rows)) for w in words])
        return words, rows, [len(w) for w, _ in text], np.array(first), [spans for _, spans in text]

    alone = [rows_of.features(*inputs(text)[:2], False, *inputs(text)[2:]) for text in texts]
    together = rows_of.features(*inputs([s for text in texts for s in text])[:2], False,
                                *inputs([s for text in texts for s in text])[2:], [len(text) for text in texts])
    assert np.array_equal(together[0], np.concatenate([slots for slots, _, _ in alone], axis=1))
    offsets = np.cumsum([0] + [slots.shape[1] for slots, _, _ in alone]).tolist()
    assert together[1] == [offset + i for (_, where, _), offset in zip(alone, offsets) for i in where]
    assert together[2] == [r for _, _, rows in alone for r in rows]
    assert together[1]  # a text has an exact repeat of a multiword name (عبد الله)
