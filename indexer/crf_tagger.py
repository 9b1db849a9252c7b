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

import itertools
import struct

import numpy as np

from indexer.entity_features import Sentence, context_features, tag_dictionary, word_feature_parts
from indexer.document_context import by_document

_HEADER = struct.Struct("<4sI4sIIIIIIIII")
_CQDB_HEADER = struct.Struct("<4sIIIII")
_FEATURE = np.dtype([("type", "<u4"), ("source", "<u4"), ("target", "<u4"), ("weight", "<f8")])

# Words whose score vectors are kept (5 × labels float64 each, 360 bytes with 9 labels, 720
# with a second model); when the table is full, the _WORDS_KEPT words used most often stay (their
# counts halved, so that what was frequent long ago fades) and the rest go. On the 20,000 news
# articles (176,818 distinct words) that computes 202,521 words' scores, against 255,734 when
# the full table was emptied; a second pass 131,246 against 255,536.
_WORDS_CACHED = 1 << 17
_WORDS_KEPT = _WORDS_CACHED // 2
# Feature lists summed together by ``sums`` (about 200 new words): 40,000 weights or so, a few
# hundred kilobytes, where summing all of a text's new words at once went through main memory
# (1,000 news articles, 38,837 words: 0.97 s against 0.41 s).
_SUMMED_LISTS = 1024


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
    shipped tag dictionary, or ``dictionary`` ({} for none: the base tagger that builds it).

    ``second``: the model file of a two-stage tagger's second stage (a model trained on the same
    features and more: ``indexer.document_context.DocumentTagger``), read alongside. Its weights
    are the columns after the first model's in one matrix, so each feature of a word is looked up
    once for both models and a word's cached scores hold both (``scores`` gives both models'
    columns; ``tag`` decodes with the first; ``decode(scores, lengths, 1)`` with the second)."""

    def __init__(self, path: str, dictionary: dict | None = None, second: str | None = None):
        models = [read_model(path)] + ([read_model(second)] if second is not None else [])
        self.labels = models[0][0]
        self.model_labels = [labels for labels, _, _ in models]
        self.transitions = [transitions for _, _, transitions in models]
        ends = np.cumsum([0] + [len(labels) for labels in self.model_labels]).tolist()
        self.columns = [slice(a, b) for a, b in zip(ends, ends[1:])]  # each model's columns
        self._dictionary = tag_dictionary() if dictionary is None else dictionary
        # Each attribute's weights are a row of one matrix (row 0: zeros), found by name; an
        # attribute one of the models lacks has zeros in that model's columns.
        names = list(dict.fromkeys(name for _, weights, _ in models for name in weights))
        self._attributes = {name: row for row, name in enumerate(names, 1)}
        self._weights = np.zeros((len(names) + 1, ends[-1]))
        for (_, weights, _), columns in zip(models, self.columns):
            for name, weight in weights.items():
                self._weights[self._attributes[name], columns] = weight
        self._rows: dict[str, int] = {}  # word → its row of self._table
        self._uses = np.zeros(1024, dtype=np.int64)  # how often each row's word was scored
        # The rows of the words of the last ``scores`` call (a number per distinct word, which a
        # two-stage tagger reuses), and how often the table was thinned (its rows renumbered).
        self.word_rows = np.zeros(0, dtype=np.intp)
        self.generation = 0
        self._table = np.zeros((1024, 5, ends[-1]))

    def sums(self, feature_lists: list[list[str]]) -> np.ndarray:
        """What each list of features adds to each label's score (lists × labels; with a second
        model, its labels' columns follow).

        Each list's weights are added from zero in the list's order, as CRFsuite does, so the
        floats are CRFsuite's: np.bincount adds its weights to their bins one after the other
        (a feature the model lacks adds row 0, zeros: the same bits). The features are looked
        up in one pass; the gather and bincount go _SUMMED_LISTS lists at a time, so that what
        they read and write stays in the processor's cache (a new word has five lists)."""
        counts = list(map(len, feature_lists))
        flat = list(itertools.chain.from_iterable(feature_lists))
        at = np.fromiter(map(self._attributes.get, flat, itertools.repeat(0, len(flat))),
                         dtype=np.intp, count=len(flat))
        ends = [0, *np.cumsum(counts).tolist()]  # list k's features: at[ends[k]:ends[k + 1]]
        n = self._weights.shape[1]
        lanes = np.arange(n)
        out = np.empty((len(feature_lists), n))
        for first in range(0, len(feature_lists), _SUMMED_LISTS):
            last = min(first + _SUMMED_LISTS, len(feature_lists))
            owner = np.repeat(np.arange(last - first), counts[first:last])
            bins = (owner[:, None] * n + lanes).ravel()
            weights = self._weights[at[ends[first]:ends[last]]].ravel()
            out[first:last] = np.bincount(bins, weights=weights, minlength=(last - first) * n).reshape(-1, n)
        return out

    def word_scores(self, words: list[str]) -> np.ndarray:
        """Each word's scores (words × 5 × labels): what its own features add, then its
        features as the word at -2, -1, +1 and +2; computed once per distinct word, the new
        words of a call together."""
        if len(self._rows) + len(words) > _WORDS_CACHED:
            self._thin()
        rows = self._rows
        at = list(map(rows.get, words))
        if None in at:
            new = list(dict.fromkeys(w for w, row in zip(words, at) if row is None))
            first = len(rows)
            while first + len(new) > len(self._table):
                self._table = np.concatenate([self._table, np.zeros_like(self._table)])
                self._uses = np.concatenate([self._uses, np.zeros_like(self._uses)])
            dictionary = self._dictionary
            parts = [part for word in new for part in word_feature_parts(word, dictionary)]
            self._table[first:first + len(new)] = self.sums(parts).reshape(len(new), 5, -1)
            rows.update(zip(new, range(first, first + len(new))))
            at = list(map(rows.__getitem__, words))
        self.word_rows = np.array(at, dtype=np.intp)
        np.add.at(self._uses, self.word_rows, 1)
        return self._table[self.word_rows]

    def _thin(self) -> None:
        """Keep the _WORDS_KEPT words used most often (ties: the earlier row), renumbered from 0
        in their old order; the others' scores are computed again when they come back."""
        words = list(self._rows)  # in row order: rows are given out in insertion order
        uses = self._uses[:len(words)]
        kept = np.sort(np.argsort(-uses, kind="stable")[:_WORDS_KEPT])
        self._table[:len(kept)] = self._table[kept]
        self._uses[:len(kept)] = uses[kept] // 2
        self._uses[len(kept):] = 0
        self._rows = {words[row]: i for i, row in enumerate(kept.tolist())}
        self.generation += 1

    def scores(self, sentences: list[Sentence]) -> np.ndarray:
        """Every word's score per label, the sentences one after the other (words × labels;
        with a second model, its labels' columns follow)."""
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
        for sentence in sentences:
            for i, feature in context_features(sentence):
                row = attributes.get(feature)
                if row is not None:
                    where.append(start + i)
                    at.append(row)
            start += len(sentence.words)
        if where:
            np.add.at(total, where, self._weights[at])
        return total

    def row(self, feature: str) -> int:
        """The weight row of ``feature`` (0, a row of zeros, when no model has it)."""
        return self._attributes.get(feature, 0)

    def model_weights(self, model: int) -> np.ndarray:
        """Model ``model``'s weights (rows × its labels; row ``row(feature)``), contiguous."""
        return np.ascontiguousarray(self._weights[:, self.columns[model]])

    def tag(self, sentences: list[Sentence]) -> list[list[str]]:
        """BIO tags of each sentence (the first model's)."""
        if not sentences:
            return []
        lengths = [len(s.words) for s in sentences]
        return self.names(self.decode(self.scores(sentences)[:, self.columns[0]], lengths), lengths)

    def tag_documents(self, documents: list[list[Sentence]]) -> list[list[list[str]]]:
        """``tag`` of each text's sentences, all scored and decoded in one call."""
        return by_document(self.tag([s for document in documents for s in document]), documents)

    def names(self, labels: np.ndarray, lengths: list[int], model: int = 0) -> list[list[str]]:
        """The tags of ``decode``'s labels, one list per sentence."""
        names = self.model_labels[model]
        flat = [names[i] for i in labels.tolist()]
        out, start = [], 0
        for n in lengths:
            out.append(flat[start:start + n])
            start += n
        return out

    def decode(self, scores: np.ndarray, lengths, model: int = 0) -> np.ndarray:
        """The best labels (numbers of model ``model``'s labels) of every word of the sentences
        of ``lengths`` words whose ``scores`` (words × labels) follow one another.

        Viterbi over all the sentences at once, the longest first, so that the sentences still
        running at a position are the first rows. A step is a few numpy calls whatever the
        rows, so it is the calls that cost: the paths of a step are laid out (row, label) ×
        previous label, so the previous label is one argmax along the last axis and the best
        score is the path it points at (the same float as the maximum: CRFsuite's, which keeps
        the first of equal scores, as argmax does). The backtrack is one gather per position:
        a sentence that has ended points from each label to itself."""
        transitions = self.transitions[model]
        n_labels = len(transitions)
        lengths = np.asarray(lengths)
        order = np.argsort(-lengths, kind="stable")
        sorted_lengths = lengths[order]
        longest, rows = int(sorted_lengths[0]), len(lengths)
        steps = np.arange(longest)
        starts = (np.cumsum(lengths) - lengths)[order]
        at = scores[np.minimum(steps[:, None], sorted_lengths[None, :] - 1) + starts[None, :]]  # steps × rows × labels
        at = at.reshape(longest, rows * n_labels)
        running = ((sorted_lengths[None, :] > steps[:, None]).sum(axis=1) * n_labels).tolist()  # cells per step
        best = at[0].copy()  # (row, label)
        into = np.ascontiguousarray(transitions.T)  # label × previous label
        paths = np.empty((rows, n_labels, n_labels))  # row × label × previous label
        flat_paths = paths.reshape(-1)
        cells = np.arange(rows * n_labels) * n_labels
        came_from = np.empty((longest, rows * n_labels), dtype=np.intp)
        add = np.add
        for t in range(1, longest):
            k = running[t]
            step_paths = paths[:k // n_labels]
            add(best[:k].reshape(-1, 1, n_labels), into, step_paths)
            previous = came_from[t, :k]
            step_paths.reshape(k, n_labels).argmax(axis=1, out=previous)
            add(flat_paths.take(cells[:k] + previous), at[t, :k], best[:k])
        valid = steps[:, None] < sorted_lengths[None, :]  # step × row
        came_from.reshape(longest, rows, n_labels)[~valid] = np.arange(n_labels)
        label = best.reshape(rows, n_labels).argmax(axis=1)
        tags = np.empty((longest, rows), dtype=np.intp)
        first_cells = cells[:rows]  # each row's first cell: row × labels
        for t in range(longest - 1, 0, -1):
            tags[t] = label
            label = came_from[t].take(first_cells + label)
        tags[0] = label
        out = np.empty(int(lengths.sum()), dtype=np.intp)  # back to the sentences' order
        out[(starts[None, :] + steps[:, None])[valid]] = tags[valid]
        return out
