"""Self-training on the news (bench/self_training.py): the tagger's confidence read from
python-crfsuite, the choice of silver sentences, and the ``silver`` part of a ner_experiments variant."""
import sys

import numpy as np
import pycrfsuite
import pytest

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))
import ner_experiments  # noqa: E402
import self_training  # noqa: E402

VOCABULARY = ["قال", "ترامب", "في", "بغداد", "امس", "النهار", "صحيفه", "زار", "سلتيك"]


def news(*sentences):
    return [np.array([VOCABULARY.index(w) for w in s.split()], dtype=np.int32) for s in sentences]


def test_silver_options_have_defaults_and_refuse_unknown_ones():
    assert self_training.parse("silver") == self_training.SILVER_DEFAULTS
    options = self_training.parse("silver:p=0.99,m=0.9,cap=5,unseen=1,gold=2,rounds=2,articles=300")
    assert options == {"p": 0.99, "m": 0.9, "cap": 5, "rounds": 2, "unseen": 1, "gold": 2, "articles": 300}
    assert isinstance(options["cap"], int) and isinstance(options["m"], float)
    with pytest.raises(SystemExit):
        self_training.parse("silver:q=1")
    params = ner_experiments._params("dictionary+silver:p=0.9,cap=7", 100)
    assert params["silver"]["p"] == 0.9 and params["silver"]["cap"] == 7 and params["dictionary"]
    assert ner_experiments._combined("window2+silver:p=0.9") == ner_experiments.VARIANTS["window2"][0]


def test_histogram_counts_each_bin_and_puts_one_in_the_last():
    assert self_training.histogram([0.0, 0.05, 0.5, 0.96, 1.0], edges=(0.0, 0.1, 0.95, 1.0)) == \
        {"0-0.1": 2, "0.1-0.95": 1, "0.95-1": 2}


def test_select_keeps_confident_sentences_with_names_in_corpus_order_up_to_the_cap():
    sentences = news("قال ترامب في بغداد امس", "زار ترامب سلتيك", "صحيفه النهار", "قال ترامب امس")
    candidates = [
        (0, ("O", "B-PER", "O", "B-LOC", "O"), 0.97, 0.98),
        (1, ("O", "B-PER", "B-ORG"), 0.99, 0.6),        # one name token is unsure
        (2, ("O", "B-ORG"), 0.96, 0.97),
        (3, ("O", "B-PER", "O"), 0.5, 0.9),             # the sequence is unsure
    ]
    options = dict(self_training.SILVER_DEFAULTS, p=0.95)
    chosen = self_training.select(candidates, VOCABULARY, sentences, options, known=set())
    assert [words for words, _ in chosen] == [["قال", "ترامب", "في", "بغداد", "امس"], ["زار", "ترامب", "سلتيك"],
                                              ["صحيفه", "النهار"]]
    assert chosen[0][1] == ["O", "B-PER", "O", "B-LOC", "O"]
    assert len(self_training.select(candidates, VOCABULARY, sentences, dict(options, m=0.9), set())) == 2
    assert len(self_training.select(candidates, VOCABULARY, sentences, dict(options, cap=1), set())) == 1
    # unseen: only sentences with a name the gold sentences never show
    known = {"ترامب", "بغداد"}
    unseen = self_training.select(candidates, VOCABULARY, sentences, dict(options, unseen=1), known)
    assert [words for words, _ in unseen] == [["زار", "ترامب", "سلتيك"], ["صحيفه", "النهار"]]
    counts = self_training.silver_counts(chosen, known)
    assert counts == {"sentences": 3, "tokens": 10, "PER": 2, "ORG": 2, "LOC": 1, "MISC": 0, "unseen_names": 2}


def test_tag_news_reads_the_sequence_probability_and_the_least_name_marginal(tmp_path):
    def features(words):
        return [["w=" + w] for w in words]
    trainer = pycrfsuite.Trainer(verbose=False)
    for _ in range(5):
        trainer.append(features(["قال", "ترامب", "في", "بغداد"]), ["O", "B-PER", "O", "B-LOC"])
        trainer.append(features(["صحيفه", "النهار", "امس"]), ["O", "B-ORG", "O"])
        trainer.append(features(["امس", "في", "قال"]), ["O", "O", "O"])
    trainer.set_params({"c2": 0.01, "max_iterations": 50})
    path = str(tmp_path / "toy.crfsuite")
    trainer.train(path)
    tagger = pycrfsuite.Tagger()
    tagger.open(path)
    sentences = news("قال ترامب في بغداد", "امس في قال", "زار سلتيك")
    probabilities, candidates = self_training.tag_news(tagger, VOCABULARY, sentences, {}, features)
    assert probabilities.shape == (3,) and ((probabilities > 0) & (probabilities <= 1)).all()
    assert probabilities[0] > 0.9  # the training sentence itself: a sure sequence
    named = [c[0] for c in candidates]
    assert 0 in named and 1 not in named  # "امس في قال" has no name
    k, tags, probability, least = candidates[0]
    assert tags == ("O", "B-PER", "O", "B-LOC") and probability == probabilities[0]
    assert probability <= least <= 1  # a token's marginal includes the Viterbi sequence's probability
