"""The network tagger's numpy run time: Viterbi, the convolutions, the model file, and the
shipped model loading and tagging without torch."""

import ast
import itertools
import os
import subprocess
import sys

import numpy as np
from indexer.entities import Extractor
from indexer.entity_features import read_sentence
from indexer.entity_network import NetworkTagger, token_extras, viterbi_many, word_feature_names

TAGS = ["B-LOC", "B-PER", "I-LOC", "I-PER", "O"]


def best_path(emissions, transitions, start, end):
    """The highest-scoring tag path, by trying every one."""
    def score(path):
        total = start[path[0]] + end[path[-1]] + sum(emissions[i, t] for i, t in enumerate(path))
        return total + sum(transitions[a, b] for a, b in zip(path, path[1:]))
    return list(max(itertools.product(range(len(start)), repeat=len(emissions)), key=score))


def test_viterbi_finds_each_sentences_best_path_at_once():
    rng = np.random.default_rng(3)
    transitions, start, end = rng.normal(size=(3, 3)), rng.normal(size=3), rng.normal(size=3)
    emissions = [rng.normal(size=(n, 3)).astype(np.float32) for n in (4, 1, 2, 5, 3)]
    assert viterbi_many(emissions, transitions, start, end) == \
        [best_path(e, transitions, start, end) for e in emissions]


def tiny_model(path, rng, features, vector_words, dim=4, news_dim=3, hidden=5, widths=(3, 3)):
    model = {"tags": np.array(TAGS), "features": np.array([""] + features),
             "feature_vectors": rng.normal(size=(len(features) + 1, dim)).astype(np.float16),
             "vector_words": np.array(vector_words),
             "vectors": rng.normal(size=(len(vector_words), news_dim)).astype(np.float16),
             "output_weight": rng.normal(size=(hidden, len(TAGS))).astype(np.float32),
             "output_bias": rng.normal(size=len(TAGS)).astype(np.float32),
             "transitions": rng.normal(size=(len(TAGS), len(TAGS))).astype(np.float32),
             "start": np.zeros(len(TAGS), np.float32), "end": np.zeros(len(TAGS), np.float32)}
    size = dim + news_dim
    for k, width in enumerate(widths, 1):
        model[f"conv{k}_weight"] = rng.normal(size=(width * size, hidden)).astype(np.float32)
        model[f"conv{k}_bias"] = rng.normal(size=hidden).astype(np.float32)
        size = hidden
    with open(path, "wb") as out:
        np.savez_compressed(out, **model)
    return {k: v.astype(np.float32) if v.dtype == np.float16 else v for k, v in model.items()}


def features_and_news_by_hand(model, words, features) -> list:
    """Each word's input before any layer, computed directly: the sum of its features' learned
    vectors (its own and the sentence's), then its news vector (zeros for a word without one;
    the tiny models know باريس and قال)."""
    ids = {f: i + 1 for i, f in enumerate(features)}
    table = model["feature_vectors"]
    rows = []
    for word, extras in zip(words, token_extras(read_sentence(words))):
        names = [f for f in (*word_feature_names(word), *extras) if f in ids]
        summed = sum((table[ids[f]] for f in names), np.zeros(table.shape[1], np.float32))
        news = model["vectors"][["باريس", "قال"].index(word)] if word in ("باريس", "قال") else np.zeros(3)
        rows.append(np.concatenate([summed, news]))
    return rows


def test_emissions_are_the_convolutions_over_feature_sums_and_news_vectors(tmp_path):
    words = ["قال", "الرئيس", "ماكرون", "في", "باريس"]
    features = sorted({f for w in words for f in word_feature_names(w)} | {"aftertitle", "gB=LOC"})[::2]
    model = tiny_model(tmp_path / "m.npz", np.random.default_rng(5), features, ["باريس", "قال"])
    tagger = NetworkTagger(str(tmp_path / "m.npz"))

    x = np.array(features_and_news_by_hand(model, words, features))
    for k in (1, 2):  # width 3: the word before, the word, the word after (zeros past the ends)
        weight = model[f"conv{k}_weight"].reshape(3, x.shape[1], -1)
        padded = np.vstack([np.zeros((1, x.shape[1])), x, np.zeros((1, x.shape[1]))])
        x = np.array([np.maximum(sum(padded[i + j] @ weight[j] for j in range(3)) + model[f"conv{k}_bias"], 0)
                      for i in range(len(words))])
    expected = x @ model["output_weight"] + model["output_bias"]
    assert np.allclose(tagger.emissions([read_sentence(words)])[0], expected, atol=1e-4)
    assert tagger.tag([read_sentence(words)]) == [[TAGS[i] for i in best_path(expected, model["transitions"], model["start"],
                                                               model["end"])]]
    assert tagger.tag([]) == [] and tagger.tag([read_sentence([])]) == [[]]
    # tagged together, sentences do not see each other
    other = ["وصل", "ترامب", "إلى", "بغداد"]
    both = tagger.tag([read_sentence(other), read_sentence([]), read_sentence(words)])
    assert both == [tagger.tag([read_sentence(other)])[0], [], tagger.tag([read_sentence(words)])[0]]


def test_extractor_reads_a_network_model_by_its_suffix(tmp_path):
    tiny_model(tmp_path / "m.npz", np.random.default_rng(1), ["w=باريس"], ["باريس"])
    extractor = Extractor(str(tmp_path / "m.npz"), use_gazetteer=False, use_patterns=False)
    text = "زار الوزير باريس ثم لندن"
    first = [(e.start, e.end, e.label) for e in extractor.extract(text)]
    assert first == [(e.start, e.end, e.label) for e in extractor.extract(text)]
    assert all(text[s:e].strip() == text[s:e] for s, e, _ in first)


def test_a_network_model_tags_without_torch_and_the_same_every_time(tmp_path):
    tiny_model(tmp_path / "m.npz", np.random.default_rng(2), ["w=باريس", "w=ماكرون", "gB=LOC"], ["باريس"])
    code = ("import sys; sys.modules['torch'] = None\n"  # importing torch would fail
            "from indexer.entities import Extractor\n"
            f"extractor = Extractor({str(tmp_path / 'm.npz')!r})\n"
            "text = 'قال الرئيس الفرنسي إيمانويل ماكرون في باريس إن الأمم المتحدة ستجتمع'\n"
            "print([(e.start, e.end, e.label) for e in extractor.extract(text)])\n"
            "print([(e.start, e.end, e.label) for e in Extractor(extractor.model).extract(text)])\n")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=root).stdout.splitlines()
    assert out[0] == out[1]
    assert ast.literal_eval(out[0])  # the random network does tag something


def tiny_recurrent_model(path, rng, features, vector_words, chars, dim=4, news_dim=3, char_dim=2, filters=3,
                         hidden=4):
    size = dim + news_dim + filters
    model = {"encoder": np.array("bilstm"), "tags": np.array(TAGS), "features": np.array([""] + features),
             "feature_vectors": rng.normal(size=(len(features) + 1, dim)).astype(np.float16),
             "vector_words": np.array(vector_words),
             "vectors": rng.normal(size=(len(vector_words), news_dim)).astype(np.float16),
             "chars": np.array(chars),
             "char_vectors": np.vstack([np.zeros((1, char_dim)), rng.normal(size=(len(chars) + 1, char_dim))]
                                       ).astype(np.float32),
             "char_conv_weight": rng.normal(size=(3 * char_dim, filters)).astype(np.float32),
             "char_conv_bias": rng.normal(size=filters).astype(np.float32),
             "lstm_input_weight": rng.normal(size=(size, 8 * hidden)).astype(np.float32),
             "lstm_bias": rng.normal(size=8 * hidden).astype(np.float32),
             "lstm_forward_hidden": rng.normal(size=(hidden, 4 * hidden)).astype(np.float32),
             "lstm_reverse_hidden": rng.normal(size=(hidden, 4 * hidden)).astype(np.float32),
             "output_weight": rng.normal(size=(2 * hidden, len(TAGS))).astype(np.float32),
             "output_bias": rng.normal(size=len(TAGS)).astype(np.float32),
             "transitions": rng.normal(size=(len(TAGS), len(TAGS))).astype(np.float32),
             "start": rng.normal(size=len(TAGS)).astype(np.float32),
             "end": rng.normal(size=len(TAGS)).astype(np.float32)}
    with open(path, "wb") as out:
        np.savez_compressed(out, **model)
    return {k: v.astype(np.float32) if v.dtype == np.float16 else v for k, v in model.items()}


def lstm_by_hand(inputs, hidden_weight):
    """One direction of an LSTM, a word at a time (gates in torch's order: in, forget, cell, out)."""
    size = hidden_weight.shape[0]
    h, c, out = np.zeros(size), np.zeros(size), []
    for x in inputs:
        g = x + h @ hidden_weight
        sig = [1 / (1 + np.exp(-g[k * size:(k + 1) * size])) for k in range(4)]
        c = sig[1] * c + sig[0] * np.tanh(g[2 * size:3 * size])
        h = sig[3] * np.tanh(c)
        out.append(h)
    return out


def test_recurrent_emissions_are_an_lstm_each_way_over_features_news_vectors_and_letters(tmp_path):
    words = ["قال", "الرئيس", "ماكرون", "في", "باريس"]
    features = sorted({f for w in words for f in word_feature_names(w)} | {"aftertitle", "gB=LOC"})[::2]
    chars = sorted(set("".join(words)))[::2]  # the others are letters not seen in training
    model = tiny_recurrent_model(tmp_path / "m.npz", np.random.default_rng(6), features, ["باريس", "قال"], chars)
    tagger = NetworkTagger(str(tmp_path / "m.npz"))

    inputs = []
    for word, by_hand in zip(words, features_and_news_by_hand(model, words, features)):
        letters = [model["char_vectors"][chars.index(c) + 2 if c in chars else 1] for c in word]
        padded = [np.zeros(2), *letters, np.zeros(2)]
        weight = model["char_conv_weight"].reshape(3, 2, -1)
        filters = np.max([sum(padded[i + j] @ weight[j] for j in range(3)) + model["char_conv_bias"]
                          for i in range(len(word))], axis=0)
        x = np.concatenate([by_hand, filters])
        inputs.append(x @ model["lstm_input_weight"] + model["lstm_bias"])
    forward = lstm_by_hand([x[:16] for x in inputs], model["lstm_forward_hidden"])
    backward = lstm_by_hand([x[16:] for x in inputs[::-1]], model["lstm_reverse_hidden"])[::-1]
    expected = np.hstack([forward, backward]) @ model["output_weight"] + model["output_bias"]
    assert np.allclose(tagger.emissions([read_sentence(words)])[0], expected, atol=1e-4)
    assert tagger.tag([read_sentence(words)]) == [[TAGS[i] for i in best_path(expected, model["transitions"], model["start"],
                                                               model["end"])]]
    # tagged together with a longer and a shorter sentence, each LSTM still starts at its own ends
    longer = ["وصل", "الرئيس", "الامريكي", "دونالد", "ترامب", "الى", "بغداد", "امس"]
    together = tagger.emissions([read_sentence(longer), read_sentence(words), read_sentence(["بغداد"])])
    assert np.allclose(together[1], expected, atol=1e-4)
    assert np.allclose(together[0], tagger.emissions([read_sentence(longer)])[0], atol=1e-5)
    assert np.allclose(together[2], tagger.emissions([read_sentence(["بغداد"])])[0], atol=1e-5)
    assert tagger.tag([read_sentence(longer), read_sentence([]), read_sentence(words)])[1:] == \
        [[], tagger.tag([read_sentence(words)])[0]]
