"""The entity tagger's CRF, decoded here: the weights of a CRFsuite model file are read once and
each sentence's best tags are found by Viterbi in numpy, with the same scores and the same tie
rule as CRFsuite's own tagger (python-crfsuite), so the tags are the same (bench/ner_eval.py
--check-decoder compares the two on the news corpus).

Why not python-crfsuite's Tagger: it takes every token's features as a list of strings and looks
each one up in the model, about forty per token. Here a word's score vector (what its own
features and its features as a neighbour at -2, -1, +1, +2 add to each label) is computed once per
distinct word and cached; a sentence's scores are those vectors shifted into place plus the few
features that depend on the sentence (``entity_features.context_features``). All sentences of a
text are decoded together, one numpy step per word position.

The model file is CRFsuite's "lCRF"/"FOMC" format (crf1d_model.c): a header of offsets, the
labels and attributes as CQDB string tables (read back by id), and the features as
(type, source, destination, float64 weight) records: type 0 a state feature (attribute → label),
type 1 a transition (label → label).
"""

from __future__ import annotations

import struct

import numpy as np

from indexer.entity_features import Sentence, context_features, tag_dictionary, word_feature_parts

_HEADER = struct.Struct("<4sI4sIIIIIIIII")
_CQDB_HEADER = struct.Struct("<4sIIIII")
_FEATURE = np.dtype([("type", "<u4"), ("source", "<u4"), ("target", "<u4"), ("weight", "<f8")])

# Words whose score vectors are kept (5 × labels float64 each, 360 bytes with 9 labels); the
# table starts empty and is emptied when it is full.
_WORDS_CACHED = 1 << 17


def _strings(data: bytes, offset: int, count: int) -> list[str]:
    """The ``count`` strings of the CQDB table at ``offset``, in id order (its backward links)."""
    chunk, _size, _flag, _order, links, links_at = _CQDB_HEADER.unpack_from(data, offset)
    if chunk != b"CQDB" or links < count:
        raise ValueError("not a CRFsuite model: bad string table")
    out = []
    for record in struct.unpack_from(f"<{count}I", data, offset + links_at):
        _id, size = struct.unpack_from("<II", data, offset + record)
        start = offset + record + 8
        out.append(data[start:start + size - 1].decode("utf-8"))
    return out


def read_model(path: str) -> tuple[list[str], dict[str, np.ndarray], np.ndarray]:
    """(labels, attribute → its weight per label, label × label transition weights) of a
    CRFsuite model file. Attributes with no weight are left out."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < _HEADER.size:
        raise ValueError(f"not a CRFsuite model: {path}")
    (magic, _size, kind, _version, _features, n_labels, n_attributes, at_features, at_labels,
     at_attributes, _label_refs, _attribute_refs) = _HEADER.unpack_from(data)
    if magic != b"lCRF" or kind != b"FOMC":
        raise ValueError(f"not a CRFsuite model: {path}")
    labels = _strings(data, at_labels, n_labels)
    names = _strings(data, at_attributes, n_attributes)
    chunk, _size, count = struct.unpack_from("<4sII", data, at_features)
    if chunk != b"FEAT":
        raise ValueError(f"not a CRFsuite model: bad feature table in {path}")
    features = np.frombuffer(data, dtype=_FEATURE, count=count, offset=at_features + 12)
    state = features[features["type"] == 0]
    weights = np.zeros((n_attributes, n_labels))
    weights[state["source"], state["target"]] = state["weight"]
    transitions = np.zeros((n_labels, n_labels))
    moves = features[features["type"] == 1]
    transitions[moves["source"], moves["target"]] = moves["weight"]
    used = np.unique(state["source"]).tolist()
    return labels, {names[a]: weights[a] for a in used}, transitions


class CrfTagger:
    """Tags sentences with a CRFsuite model file (see the module docstring); ``tag`` is the
    extractor's tagger interface (``indexer.entities.Tagger``). The words' features use the
    shipped tag dictionary, or ``dictionary`` ({} for none: the base tagger that builds it)."""

    def __init__(self, path: str, dictionary: dict | None = None):
        self.labels, weights, self._transitions = read_model(path)
        self._dictionary = tag_dictionary() if dictionary is None else dictionary
        # Each attribute's weights are a row of one matrix (row 0: zeros), found by name.
        self._attributes = {name: row for row, name in enumerate(weights, 1)}
        self._weights = np.vstack([np.zeros(len(self.labels)), *weights.values()])
        self._rows: dict[str, int] = {}  # word → its row of self._table
        self._table = np.zeros((1024, 5, len(self.labels)))
        # The feature parts of a call's new words (a two-stage tagger shares the first stage's).
        self.parts_of = self.word_parts

    def word_parts(self, words: list[str]) -> list[tuple[str, ...]]:
        """The five feature parts (``word_feature_parts``) of each word, one after the other."""
        return [part for word in words for part in word_feature_parts(word, self._dictionary)]

    def sums(self, feature_lists: list[list[str]]) -> np.ndarray:
        """What each list of features adds to each label's score (lists × labels).

        Each list's weights are added from zero in the list's order, as CRFsuite does, so the
        floats are CRFsuite's: np.bincount adds its weights to their bins one after the other.
        All the lists go through one gather and one bincount (a new word has five lists)."""
        attributes = self._attributes
        at, counts = [], []
        for features in feature_lists:
            found = [row for row in map(attributes.get, features) if row is not None]
            at += found
            counts.append(len(found))
        n = len(self.labels)
        owner = np.repeat(np.arange(len(feature_lists)), counts)
        bins = (owner[:, None] * n + np.arange(n)).ravel()
        return np.bincount(bins, weights=self._weights[at].ravel(),
                           minlength=len(feature_lists) * n).reshape(-1, n)

    def word_scores(self, words: list[str]) -> np.ndarray:
        """Each word's scores (words × 5 × labels): what its own features add, then its
        features as the word at -2, -1, +1 and +2; computed once per distinct word, the new
        words of a call together."""
        if len(self._rows) + len(words) > _WORDS_CACHED:
            self._rows.clear()
        rows = self._rows
        at = list(map(rows.get, words))
        if None in at:
            new = list(dict.fromkeys(w for w, row in zip(words, at) if row is None))
            first = len(rows)
            while first + len(new) > len(self._table):
                self._table = np.concatenate([self._table, np.zeros_like(self._table)])
            self._table[first:first + len(new)] = self.sums(self.parts_of(new)).reshape(len(new), 5, -1)
            rows.update(zip(new, range(first, first + len(new))))
            at = list(map(rows.__getitem__, words))
        return self._table[at]

    def scores(self, sentences: list[Sentence], extra: list[list[list[str]]] | None = None) -> np.ndarray:
        """Every word's score per label, the sentences one after the other (words × labels);
        ``extra``: more features of each sentence's words (a second stage's)."""
        words = [w for s in sentences for w in s.words]
        lengths = np.array([len(s.words) for s in sentences])
        parts = self.word_scores(words)
        total = parts[:, 0].copy()
        position = np.arange(len(words)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        after = np.repeat(lengths, lengths) - position - 1
        for distance, as_before, as_after in ((1, 2, 3), (2, 1, 4)):
            has_before = position[distance:] >= distance
            total[distance:][has_before] += parts[:-distance, as_before][has_before]
            has_after = after[:-distance] >= distance
            total[:-distance][has_after] += parts[distance:, as_after][has_after]
        where, at, start = [], [], 0
        attributes = self._attributes
        for number, sentence in enumerate(sentences):
            for i, feature in context_features(sentence):
                row = attributes.get(feature)
                if row is not None:
                    where.append(start + i)
                    at.append(row)
            if extra is not None:
                for i, features in enumerate(extra[number], start):
                    for row in map(attributes.get, features):
                        if row is not None:
                            where.append(i)
                            at.append(row)
            start += len(sentence.words)
        if where:
            np.add.at(total, where, self._weights[at])
        return total

    def tag(self, sentences: list[Sentence], extra: list[list[list[str]]] | None = None) -> list[list[str]]:
        """BIO tags of each sentence: Viterbi over all of them at once, the longest first, so
        the sentences still running at a position are the first rows (``extra``: see scores)."""
        if not sentences:
            return []
        scores = self.scores(sentences, extra)
        lengths = np.array([len(s.words) for s in sentences])
        order = np.argsort(-lengths, kind="stable")
        longest = int(lengths[order[0]])
        steps = np.arange(longest)
        sorted_lengths = lengths[order]
        starts = (np.cumsum(lengths) - lengths)[order]
        at = scores[starts[:, None] + np.minimum(steps, sorted_lengths[:, None] - 1)]  # rows × steps × labels
        running = (sorted_lengths[None, :] > steps[:, None]).sum(axis=1)
        best = at[:, 0].copy()
        came_from = np.zeros((len(sentences), longest, len(self.labels)), dtype=np.intp)
        # CRFsuite keeps the first of equal scores (strict <); numpy's argmax does too.
        highest = np.maximum.reduce
        for t in range(1, longest):
            k = running[t]
            paths = best[:k, :, None] + self._transitions  # row × from × to
            came_from[:k, t] = paths.argmax(axis=1)
            np.add(highest(paths, axis=1), at[:k, t], out=best[:k])
        tags = np.zeros((len(sentences), longest), dtype=np.intp)
        label = best.argmax(axis=1)
        rows = np.arange(len(sentences))
        for t in range(longest - 1, -1, -1):
            k = running[t]
            tags[:k, t] = label[:k]
            if t:
                label[:k] = came_from[rows[:k], t, label[:k]]
        out: list[list[str]] = [[]] * len(sentences)
        names = self.labels
        for row, sentence, n in zip(tags.tolist(), order.tolist(), sorted_lengths.tolist()):
            out[sentence] = [names[i] for i in row[:n]]
        return out
