"""indexer.crf_tagger decodes a CRFsuite model itself: the same tags as python-crfsuite's Tagger,
and without python-crfsuite installed (it is the train-crf extra, not a run-time dependency)."""

import ast
import gzip
import itertools
import json
import random
import subprocess
import sys
from collections import Counter

import numpy as np
import pytest

from indexer import entities
from indexer.crf_tagger import CrfTagger, read_model
from indexer.entities import Extractor, Sentence, load_tagger, model_path, sentence_features
from indexer.entity_features import read_sentence, word_feature_parts
from tests.conftest import ROOT

LABELS = ["O", "B-PER", "I-PER", "B-LOC"]


def random_sentence(rng, size):
    return [[f"w={rng.randrange(30)}", f"s={rng.randrange(5)}"] + (["x"] if rng.random() < 0.3 else [])
            for _ in range(size)]


@pytest.fixture(scope="module")
def small_model(tmp_path_factory, crfsuite):
    """A CRF trained on random sequences (features → tags), so its weights are arbitrary."""
    rng = random.Random(7)
    trainer = crfsuite.Trainer(verbose=False)
    for _ in range(200):
        items = random_sentence(rng, rng.randrange(1, 12))
        trainer.append(items, [rng.choice(LABELS) for _ in items])
    trainer.set_params({"c1": 0.0, "c2": 0.1, "max_iterations": 30, "feature.possible_transitions": True})
    path = str(tmp_path_factory.mktemp("crf") / "small.crfsuite")
    trainer.train(path)
    return path


def test_the_weights_read_are_the_model_s(small_model, crfsuite):
    labels, weights, transitions = read_model(small_model)
    info = crfsuite.Tagger()
    info.open(small_model)
    dump = info.info()
    assert sorted(labels) == sorted(LABELS)
    # The dump prints six decimals; the file holds the exact float64 the tagger adds.
    for (attribute, label), weight in dump.state_features.items():
        assert weights[attribute][labels.index(label)] == pytest.approx(weight, abs=1e-6)
    assert len(weights) == len({a for a, _ in dump.state_features})
    for (source, target), weight in dump.transitions.items():
        assert transitions[labels.index(source), labels.index(target)] == pytest.approx(weight, abs=1e-6)


class FixedWords(CrfTagger):
    """The decoder over hand-made feature lists (a word is the index of its features)."""

    def __init__(self, path, items):
        super().__init__(path)
        self.items = items

    def word_scores(self, words):
        own = self.sums([self.items[int(w)] for w in words])
        parts = np.zeros((len(words), 5, len(self.labels)))
        parts[:, 0] = own
        return parts


def test_same_tags_as_crfsuite_on_random_sequences(small_model, crfsuite, monkeypatch):
    monkeypatch.setattr("indexer.crf_tagger.context_features", lambda sentence: [])
    reference = crfsuite.Tagger()
    reference.open(small_model)
    rng = random.Random(11)
    batches = [[random_sentence(rng, rng.randrange(1, 25)) for _ in range(rng.randrange(1, 8))]
               for _ in range(100)]
    for batch in batches:
        items = [item for sentence in batch for item in sentence]
        tagger, start, sentences = FixedWords(small_model, items), 0, []
        for sentence in batch:
            sentences.append(Sentence([str(i) for i in range(start, start + len(sentence))], [], set()))
            start += len(sentence)
        assert tagger.tag(sentences) == [reference.tag(sentence) for sentence in batch]


def news_texts(shared_dir, count):
    with gzip.open(shared_dir / "corpus" / "news.jsonl.gz", "rt", encoding="utf-8") as lines:
        return [r["title"] + "\n" + r["body"] for r in map(json.loads, itertools.islice(lines, count))]


def normalized_words(text):
    return [entities.normalize(t) for tokens in entities.sentences(text) for t, _, _ in tokens]


def one_at_a_time(weights, features, labels):
    """What ``features`` add to each label, added one by one from zero in their order."""
    total = np.zeros(labels)
    for feature in features:
        if feature in weights:
            total = total + weights[feature]
    return total


@pytest.mark.parametrize("summed", [None, 7])
def test_word_scores_are_the_weights_added_one_by_one_in_feature_order(shared_dir, summed, monkeypatch):
    """The new words of a call are scored together (a bincount per _SUMMED_LISTS feature lists;
    7 puts the cuts everywhere), to the same bits as adding each feature's weights in turn
    (CRFsuite's order), so the tags cannot change; words seen before come from the cache,
    repeated words within a call once."""
    if summed is not None:
        monkeypatch.setattr("indexer.crf_tagger._SUMMED_LISTS", summed)
    _, weights, _ = read_model(model_path())
    tagger = CrfTagger(model_path())
    texts = news_texts(shared_dir, 40)
    for text in texts + texts[:3]:
        words = normalized_words(text)
        scores = tagger.word_scores(words)
        expected = [[one_at_a_time(weights, part, len(tagger.labels)) for part in word_feature_parts(w, tagger._dictionary)]
                    for w in words]
        assert np.array_equal(scores, np.array(expected))
    assert len(tagger._rows) == len({w for t in texts for tokens in entities.sentences(t) for w in
                                     (entities.normalize(x) for x, _, _ in tokens)})
    assert tagger.sums([[], ["no such feature"]]).tolist() == [[0.0] * len(tagger.labels)] * 2


def test_a_full_word_table_keeps_the_words_used_most_and_their_scores(shared_dir, monkeypatch):
    """When the table is full the most used words stay (renumbered, counts halved) and the
    others are scored again when they come back: every call's scores stay the exact sums."""
    monkeypatch.setattr("indexer.crf_tagger._WORDS_CACHED", 600)
    monkeypatch.setattr("indexer.crf_tagger._WORDS_KEPT", 200)
    _, weights, _ = read_model(model_path())
    tagger = CrfTagger(model_path())
    uses = Counter()
    for text in news_texts(shared_dir, 30):
        words = normalized_words(text)[:300]
        scores = tagger.word_scores(words)
        expected = [[one_at_a_time(weights, part, len(tagger.labels)) for part in word_feature_parts(w, tagger._dictionary)]
                    for w in words]
        assert np.array_equal(scores, np.array(expected))
        assert len(tagger._rows) <= 600
        uses.update(words)
    assert tagger.generation >= 5
    # Thin once more now: the kept words are the 200 most used since the last thinning.
    before = {w: tagger._uses[row] for w, row in tagger._rows.items()}
    tagger._thin()
    assert len(tagger._rows) == 200 and tagger.generation >= 6
    cut = sorted(before.values(), reverse=True)[199]
    assert {w for w, n in before.items() if n > cut} <= set(tagger._rows)
    assert all(before[w] >= cut for w in tagger._rows)
    assert all(tagger._uses[row] == before[w] // 2 for w, row in tagger._rows.items())
    assert "في" in tagger._rows and uses["في"] == max(uses.values())


def test_thinning_the_word_table_changes_no_entity(shared_dir, monkeypatch):
    """The two-stage tagger numbers words by their table rows; the numbers change when the table
    is thinned, and the entities do not."""
    texts = news_texts(shared_dir, 40)
    expected = [Extractor().extract(text) for text in texts]
    monkeypatch.setattr("indexer.crf_tagger._WORDS_CACHED", 900)
    monkeypatch.setattr("indexer.crf_tagger._WORDS_KEPT", 300)
    extractor = Extractor()
    assert [extractor.extract(text) for text in texts] == expected
    assert extractor.tagger.tagger.crf.generation >= 5  # PropagatingTagger(DocumentTagger)


def test_same_tags_as_crfsuite_on_corpus_sentences(shared_dir, crfsuite):
    """The shipped model on the sentences of 250 news articles (bench/ner_eval.py
    --check-decoder compares all of the corpus)."""
    texts = news_texts(shared_dir, 250)
    reference = crfsuite.Tagger()
    reference.open(model_path())
    tagger = CrfTagger(model_path())
    compared = 0
    for text in texts:
        sentences = [read_sentence([entities.normalize(t) for t, _, _ in tokens])
                     for tokens in entities.sentences(text)]
        expected = [reference.tag(sentence_features(s.words)[0]) for s in sentences]
        assert tagger.tag(sentences) == expected
        compared += len(sentences)
    assert compared > 2000


def test_the_shipped_model_loads_and_tags_where_pycrfsuite_cannot_be_imported():
    """Extraction needs numpy only: the shipped CRF loads and tags in a process where importing
    python-crfsuite fails, as after `make run` (which does not install it)."""
    code = ("import sys; sys.modules['pycrfsuite'] = None  # importing it raises ImportError\n"
            "from indexer.entities import Extractor\n"
            "try:\n    import pycrfsuite\nexcept ImportError:\n    print('blocked')\n"
            "text = 'قال الرئيس الفرنسي إيمانويل ماكرون في باريس إن الأمم المتحدة ستجتمع'\n"
            "print(sorted((e.text, e.label) for e in Extractor().extract(text)))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=ROOT).stdout.splitlines()
    assert out[0] == "blocked"
    found = ast.literal_eval(out[1])
    assert ("باريس", "LOC") in found and ("إيمانويل ماكرون", "PER") in found


def test_another_tagger_plugs_into_the_extractor():
    class Everything:  # every word its own place
        def tag(self, sentences):
            return [["B-LOC"] * len(s.words) for s in sentences]

    found = Extractor(tagger=Everything(), use_gazetteer=False, use_patterns=False).extract("زرت بغداد والبصرة")
    assert [(e.text, e.label) for e in found] == [("زرت", "LOC"), ("بغداد", "LOC"), ("والبصرة", "LOC")]


def test_several_texts_at_once_give_each_text_s_entities(shared_dir, monkeypatch):
    """Extractor.extract_many: the shipped two-stage tagger scores and decodes the texts' sentences
    together, and each text's entities are those it has alone (texts of no sentence, or none
    with an Arabic letter, among them; a word table thinned between calls)."""
    texts = news_texts(shared_dir, 30)
    texts[3:3] = ["", "hello world. 2024", "؟"]
    expected = [Extractor().extract(text) for text in texts]
    assert sum(map(len, expected)) > 100
    monkeypatch.setattr("indexer.crf_tagger._WORDS_CACHED", 3000)
    monkeypatch.setattr("indexer.crf_tagger._WORDS_KEPT", 1000)
    extractor = Extractor()
    got = [found for i in range(0, len(texts), 7) for found in extractor.extract_many(texts[i:i + 7])]
    assert got == expected
    assert extractor.tagger.tagger.crf.generation >= 2  # PropagatingTagger(DocumentTagger)
    assert extractor.extract_many([]) == []


def test_the_crf_alone_tags_several_texts_as_each_alone(small_model):
    rng = random.Random(3)
    tagger = CrfTagger(small_model, {})
    documents = [[Sentence([f"w{rng.randrange(40)}" for _ in range(rng.randrange(1, 9))], [], set())
                  for _ in range(k)] for k in (3, 0, 1, 5)]
    assert tagger.tag_documents(documents) == [tagger.tag(document) for document in documents]


def test_a_tagger_of_one_text_at_a_time_serves_extract_many():
    class Everything:  # every word its own place; no tag_documents
        def tag(self, sentences):
            return [["B-LOC"] * len(s.words) for s in sentences]

    extractor = Extractor(tagger=Everything(), use_gazetteer=False, use_patterns=False)
    texts = ["زرت بغداد", "", "والبصرة"]
    assert extractor.extract_many(texts) == [extractor.extract(text) for text in texts]
    assert [e.text for e in extractor.extract_many(texts)[2]] == ["والبصرة"]


def test_a_model_file_of_another_kind_is_refused(tmp_path):
    other = tmp_path / "model.bin"
    other.write_bytes(b"\0" * 64)
    with pytest.raises(ValueError, match="unknown entity model format"):
        load_tagger(str(other))
    fake = tmp_path / "fake.crfsuite"
    fake.write_bytes(b"\0" * 64)
    with pytest.raises(ValueError, match="not a CRFsuite model"):
        load_tagger(str(fake))
    with pytest.raises(FileNotFoundError, match="make model"):
        load_tagger(str(tmp_path / "missing.crfsuite"))
