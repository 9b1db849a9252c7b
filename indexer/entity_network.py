"""The neural entity tagger at run time: a convolutional network, or a character-aware
bidirectional LSTM, over word vectors with a CRF output layer, in numpy only (trained by
``bench/train_ner_network.py``, which needs torch).

A word's input vector is the sum of learned vectors of its CRF features (``entity_features``:
the word, its stems, affixes, shape, gazetteer and title flags, word clusters; features of the
sentence such as "inside a gazetteer phrase" are added per token) followed by its vector from
unlabelled news (bench/word_clusters.py --vectors), looked up without clitics when the word
itself has none. Then either two convolutions (ReLU) that see ±3 words, or (``encoder`` =
"bilstm" in the file) a character CNN's filters over the word's first letters beside those inputs
and an LSTM each way over the sentence. A linear layer gives each tag a score and Viterbi, with
the learned tag-to-tag scores, picks the tags. The model is one ``.npz`` file.
"""

from __future__ import annotations

import functools

import numpy as np

from indexer.entity_features import Sentence, _word_features, context_features, word_feature_parts
from indexer.entity_keys import clitic_forms


def token_extras(sentence: Sentence) -> list[list[str]]:
    """Features of each token that depend on its sentence (in a gazetteer phrase, after a title;
    the CRF's context features without its sentence-start and -end marks)."""
    extras: list[list[str]] = [[] for _ in sentence.words]
    for i, feature in context_features(sentence):
        if feature not in ("-1BOS", "+1EOS"):
            extras[i].append(feature)
    return extras


def word_feature_names(word: str) -> tuple[str, ...]:
    """The features of a normalised word alone (the CRF's own-word features)."""
    return _word_features(word)[0]


def vector_row(word: str, rows: dict[str, int]) -> int:
    """Row of ``word``'s news vector: the word, else its forms without clitics; -1 for none."""
    for form in clitic_forms(word):
        row = rows.get(form)
        if row is not None:
            return row
    return -1


def _unfold(x: np.ndarray, width: int) -> np.ndarray:
    """(n, d) → (n, width·d): each row with its neighbours, zeros beyond the ends."""
    pad = width // 2
    padded = np.zeros((x.shape[0] + 2 * pad, x.shape[1]), dtype=x.dtype)
    padded[pad:pad + x.shape[0]] = x
    windows = np.lib.stride_tricks.sliding_window_view(padded, (width, x.shape[1]))
    return windows.reshape(x.shape[0], width * x.shape[1])


# Letters of a word the character CNN reads (its first ones); the trainer's MAX_WORD.
MAX_WORD = 16


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (np.tanh(0.5 * x) + 1.0)


class NetworkTagger:
    """Tags sentences of normalised words with BIO tags (``tag``), like crfsuite's Tagger; with
    the shipped tag dictionary's features, or ``dictionary``'s (cross-validation)."""

    def __init__(self, path: str, dictionary: dict | None = None):
        self._dictionary = dictionary
        with np.load(path, allow_pickle=False) as model:
            self.encoder = str(model["encoder"]) if "encoder" in model else "conv"
            self.tags = [str(t) for t in model["tags"]]
            self._feature_ids = {str(f): i for i, f in enumerate(model["features"])}
            self._features = model["feature_vectors"].astype(np.float32)
            self._vector_rows = {str(w): i for i, w in enumerate(model["vector_words"])}
            vectors = model["vectors"].astype(np.float32)
            # the last row, -1, is no news vector: zeros
            self._vectors = np.vstack([vectors, np.zeros((1, vectors.shape[1]), np.float32)])
            if self.encoder == "bilstm":
                self._load_recurrent(model)
            else:
                self._layers = [(model[f"conv{k}_weight"].astype(np.float32),
                                 model[f"conv{k}_bias"].astype(np.float32)) for k in (1, 2)]
            self._output = (model["output_weight"].astype(np.float32), model["output_bias"].astype(np.float32))
            self._transitions = model["transitions"].astype(np.float32)
            self._start = model["start"].astype(np.float32)
            self._end = model["end"].astype(np.float32)
        if self.encoder == "conv":
            self._widths = [w.shape[0] // d for (w, _), d in
                            zip(self._layers, (self._features.shape[1] + self._vectors.shape[1],
                                               self._layers[0][0].shape[1]))]
            self._padding = np.zeros(self._features.shape[1] + self._vectors.shape[1], np.float32)
        self._word_vector = functools.lru_cache(maxsize=1 << 18)(self._compute_word_vector)

    def _load_recurrent(self, model) -> None:
        self._char_ids = {str(c): i + 2 for i, c in enumerate(model["chars"])}  # 0 padding, 1 unseen
        self._char_vectors = model["char_vectors"].astype(np.float32)
        self._char_conv = (model["char_conv_weight"].astype(np.float32), model["char_conv_bias"].astype(np.float32))
        self._char_width = self._char_conv[0].shape[0] // self._char_vectors.shape[1]
        # the input weights of both directions side by side: a word's input is projected once
        self._lstm_input = model["lstm_input_weight"].astype(np.float32)
        self._lstm_bias = model["lstm_bias"].astype(np.float32)
        self._lstm_hidden = (model["lstm_forward_hidden"].astype(np.float32),
                             model["lstm_reverse_hidden"].astype(np.float32))

    def _own_features(self, word: str) -> tuple[str, ...]:
        if self._dictionary is None:
            return word_feature_names(word)
        return word_feature_parts(word, self._dictionary)[0]

    def _compute_word_vector(self, word: str) -> np.ndarray:
        """A word's input (conv), or its input projected for both LSTM directions (bilstm)."""
        ids = [self._feature_ids[f] for f in self._own_features(word) if f in self._feature_ids]
        summed = self._features[ids].sum(axis=0) if ids else np.zeros(self._features.shape[1], np.float32)
        parts = [summed, self._vectors[vector_row(word, self._vector_rows)]]
        if self.encoder == "bilstm":
            parts.append(self._char_filters(word))
        vector = np.concatenate(parts)
        if self.encoder == "bilstm":
            vector = vector @ self._lstm_input + self._lstm_bias
        vector.flags.writeable = False
        return vector

    def _char_filters(self, word: str) -> np.ndarray:
        """The character CNN: each filter's largest value over the word's first MAX_WORD letters."""
        weight, bias = self._char_conv
        letters = word[:MAX_WORD]
        if not letters:
            return np.full(bias.shape, -1e4, np.float32)  # the trainer's mask of padding positions
        x = self._char_vectors[[self._char_ids.get(c, 1) for c in letters]]
        return (_unfold(x, self._char_width) @ weight + bias).max(axis=0)

    def _recurrent_emissions(self, sentences: list[Sentence]) -> list[np.ndarray]:
        """Both LSTM directions over all sentences at once, padded to the longest."""
        lengths = np.array([len(s.words) for s in sentences])
        batch, longest = len(sentences), int(lengths.max())
        size = self._lstm_hidden[0].shape[0]
        x = np.zeros((batch, longest, 8 * size), np.float32)
        projection = self._lstm_input[:self._features.shape[1]]
        for k, sentence in enumerate(sentences):
            x[k, :lengths[k]] = np.stack([self._word_vector(w) for w in sentence.words])
            for i, names in enumerate(token_extras(sentence)):
                for name in names:
                    row = self._feature_ids.get(name)
                    if row is not None:
                        x[k, i] += self._features[row] @ projection
        # the reverse direction reads the padded rows backwards: a sentence shorter than the
        # longest starts with rows of zeros, and zero gate values (the biases are in the words'
        # rows) leave its state at exactly zero until its last word
        forward = self._run_lstm(x[:, :, :4 * size], self._lstm_hidden[0])
        backward = self._run_lstm(x[:, ::-1, 4 * size:], self._lstm_hidden[1])[:, ::-1]
        weight, bias = self._output
        scores = np.concatenate([forward, backward], axis=2) @ weight + bias
        return [scores[k, :lengths[k]] for k in range(batch)]

    @staticmethod
    def _run_lstm(gates_in: np.ndarray, hidden_weight: np.ndarray) -> np.ndarray:
        """(batch, steps, 4H) input gate values (torch's order i, f, g, o) → (batch, steps, H)."""
        batch, steps, four = gates_in.shape
        size = four // 4
        h = np.zeros((batch, size), np.float32)
        c = np.zeros((batch, size), np.float32)
        out = np.empty((batch, steps, size), np.float32)
        for t in range(steps):
            gates = gates_in[:, t] + h @ hidden_weight
            i, f, o = _sigmoid(gates[:, :size]), _sigmoid(gates[:, size:2 * size]), _sigmoid(gates[:, 3 * size:])
            c = f * c + i * np.tanh(gates[:, 2 * size:3 * size])
            h = o * np.tanh(c)
            out[:, t] = h
        return out

    def emissions(self, sentences: list[Sentence]) -> list[np.ndarray]:
        """Tag scores of each sentence's words, before the tag-to-tag scores.

        The sentences are stacked with rows of zeros between them, as many as the widest
        convolution reaches past a word, so one matrix product per layer serves them all and
        no sentence sees another; the rows between are zeroed again after each layer."""
        if self.encoder == "bilstm":
            return self._recurrent_emissions(sentences)
        gap = max(self._widths) // 2
        zero = self._padding
        rows = [zero] * gap
        spans, extras = [], []
        for sentence in sentences:
            begin = len(rows)
            rows += map(self._word_vector, sentence.words)
            spans.append((begin, len(rows)))
            rows += [zero] * gap
            for i, names in enumerate(token_extras(sentence)):
                extras += [(begin + i, self._feature_ids[name]) for name in names if name in self._feature_ids]
        x = np.stack(rows)
        for i, row in extras:
            x[i, :self._features.shape[1]] += self._features[row]
        inside = np.zeros((x.shape[0], 1), np.float32)
        for begin, end in spans:
            inside[begin:end] = 1.0
        for (weight, bias), width in zip(self._layers, self._widths):
            x = np.maximum(_unfold(x, width) @ weight + bias, 0.0) * inside
        weight, bias = self._output
        scores = x @ weight + bias
        return [scores[begin:end] for begin, end in spans]

    def tag(self, sentences: list[Sentence]) -> list[list[str]]:
        """BIO tags of every word of every sentence (the extractor's Tagger)."""
        out: list[list[str]] = [[] for _ in sentences]
        full = [k for k, sentence in enumerate(sentences) if sentence.words]
        if not full:
            return out
        scores = self.emissions([sentences[k] for k in full])
        for k, path in zip(full, viterbi_many(scores, self._transitions, self._start, self._end)):
            out[k] = [self.tags[i] for i in path]
        return out


def viterbi_many(emissions: list[np.ndarray], transitions: np.ndarray, start: np.ndarray, end: np.ndarray
                 ) -> list[list[int]]:
    """Best tag path of each sentence (``emissions[k]``: its (n, T) tag scores; ``transitions[a, b]``
    scores tag a followed by b), all at once: one step per position of the longest sentence, each
    sentence's scores frozen past its end so that its end scores are added where it ends."""
    lengths = np.array([len(e) for e in emissions])
    batch, longest, n_tags = len(emissions), int(lengths.max()), transitions.shape[0]
    stacked = np.zeros((batch, longest, n_tags), np.float32)
    for k, e in enumerate(emissions):
        stacked[k, :len(e)] = e
    score = start + stacked[:, 0]
    back = np.zeros((batch, longest, n_tags), dtype=np.intp)
    for i in range(1, longest):
        candidates = score[:, :, None] + transitions
        back[:, i] = candidates.argmax(axis=1)
        going = (lengths > i)[:, None]
        score = np.where(going, candidates.max(axis=1) + stacked[:, i], score)
    best = (score + end).argmax(axis=1)
    paths = np.zeros((batch, longest), dtype=np.intp)
    rows = np.arange(batch)
    for i in range(longest - 1, -1, -1):
        inside = lengths > i
        last = lengths - 1 == i
        paths[last, i] = best[last]
        if i:
            # the tag before position i, for sentences that reach i
            before = back[rows, i, paths[rows, i]]
            paths[inside, i - 1] = np.where(inside, before, 0)[inside]
    return [paths[k, :lengths[k]].tolist() for k in range(batch)]
