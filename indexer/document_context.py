"""Document-level consistency for the entity tagger (docs/entities.md, eighth session).

A name is often tagged where a cue announces it (نادي سلتيك, الرئيس X) and missed where the same
name comes back bare a few sentences later. What the tagger found in the other sentences of the
article is gathered as counts (``sentence_evidence``) and used in one of two ways:

- the rule (``propagated_spans``, ``PropagatingTagger``): an untagged exact repeat of a name the
  article tags at least twice, or as a name of several words, gets that name's majority label;
- a second CRF (Krishnan & Manning 2006, "An effective two-stage model for exploiting non-local
  dependencies in NER"), trained on the tagger's jackknifed output, whose extra features
  (``context_token_features``) are the labels the same word, its form without clitics and the
  longer names holding it received elsewhere, exact repeats of a multiword name, and the token's
  own first-stage tag. bench/ner_experiments.py measures both (``docctx`` variants).

Counts are kept by label in one Counter: ("w", word, label) for every word (label "O" outside a
name), ("c", word without clitics, label), ("s", a name's words, label), and ("u", word, label),
("uB", …), ("uE", …) for the words of a multiword name, its first and its last. That is how the
builder (bench/train_ner.py --document) and the CV variants compute the features; at run time
``ContextRows`` computes the same features for a whole article in numpy, as rows of the second
model's weights (docs/entities.md, ninth session).
"""

from __future__ import annotations

import bisect
import itertools
from collections import Counter
from typing import Callable

import numpy as np

from indexer.entity_keys import clitic_forms

LABELS = ("PER", "ORG", "LOC", "MISC")
# The longest name an exact repeat is looked for (words).
LONGEST = 6

Spans = list[tuple[int, int, str]]
Count = Callable[[tuple], int]


def sentence_evidence(words: list[str], spans: Spans) -> Counter:
    """What one sentence's names (``spans``: start, end, label) say about its words, as counts."""
    return Counter(evidence_keys(words, spans))


def evidence_keys(words: list[str], spans: Spans) -> list[tuple]:
    """The keys ``sentence_evidence`` counts, each as often as it counts it."""
    inside = ["O"] * len(words)
    keys = []
    for s, e, label in spans:
        inside[s:e] = [label] * (e - s)
        keys.append(("s", tuple(words[s:e]), label))
        if e - s > 1:
            keys += [("u", w, label) for w in words[s:e]]
            keys += [("uB", words[s], label), ("uE", words[e - 1], label)]
    keys += [("w", w, label) for w, label in zip(words, inside)]
    keys += [("c", clitic_forms(w)[-1], label) for w, label in zip(words, inside)]
    return keys


def _count_bucket(n: int) -> str:
    return "1" if n == 1 else "2" if n <= 3 else "4"


def _majority(count: Count, kind: str, key) -> tuple[str, int] | None:
    """The label the evidence gives ``key`` most often (PER, ORG, LOC, MISC first on a tie) and
    how often; None when it is in no name."""
    best = max(LABELS, key=lambda label: count((kind, key, label)))
    n = count((kind, key, best))
    return (best, n) if n else None


def document_index(evidence: Counter) -> tuple[set, dict]:
    """What in ``evidence`` is ever in a name: the (kind, key) pairs with a label count, and the
    multiword names by their first word. A shortcut for ``context_token_features``: a word not in
    it has no majority label there (nor in any part of ``evidence``)."""
    named: set = set()
    firsts: dict[str, list[tuple[str, ...]]] = {}
    for key, n in evidence.items():
        if n > 0 and key[2] != "O" and key[:2] not in named:
            named.add(key[:2])
            if key[0] == "s" and 1 < len(key[1]) <= LONGEST:
                firsts.setdefault(key[1][0], []).append(key[1])
    for names in firsts.values():
        names.sort(key=len)
    return named, firsts


def context_token_features(words: list[str], own_tags: list[str], count: Count,
                           index: tuple[set, dict] | None = None) -> list[list[str]]:
    """The second stage's features of a sentence's tokens: ``own_tags`` are its first-stage tags,
    ``count(key)`` the evidence of the document around it. ``index``: ``document_index`` of
    evidence that holds all that ``count`` counts (the same features, found faster)."""
    n = len(words)
    named = index[0] if index is not None else None
    out = [["s1=" + tag] for tag in own_tags]
    for i, w in enumerate(words):
        f = out[i]
        for kind, name in (("w", "dw"), ("c", "dc")):
            key = w if kind == "w" else clitic_forms(w)[-1]
            found = _majority(count, kind, key) if named is None or (kind, key) in named else None
            outside = count((kind, key, "O"))
            if found:
                f += [f"{name}={found[0]}", f"{name}={found[0]}{_count_bucket(found[1])}"]
                if outside:
                    f.append(f"{name}O={_count_bucket(outside)}")
            elif outside:
                f.append(f"{name}=O{_count_bucket(outside)}")
        for kind in ("u", "uB", "uE"):
            found = _majority(count, kind, w) if named is None or (kind, w) in named else None
            if found:
                f.append(f"d{kind}={found[0]}")
    for i in range(n):  # exact repeats of a multiword name found elsewhere, shorter first
        if index is None:
            candidates = [tuple(words[i:i + size]) for size in range(2, min(LONGEST, n - i) + 1)]
        else:
            candidates = [name for name in index[1].get(words[i], ())
                          if len(name) <= n - i and tuple(words[i:i + len(name)]) == name]
        for name in candidates:
            found = _majority(count, "s", name)
            if found:
                out[i].append("drB=" + found[0])
                for k in range(i + 1, i + len(name)):
                    out[k].append("drI=" + found[0])
    return out


def repeatable_names(evidence: Counter) -> dict[str, list[tuple[tuple[str, ...], str]]]:
    """The names the rule propagates: those the evidence tags at least twice or that have several
    words, with their majority label (PER, ORG, LOC, MISC first on a tie), by their first word."""
    labels_of: dict[tuple[str, ...], Counter] = {}
    for key, n in evidence.items():
        if key[0] == "s" and n > 0:
            labels_of.setdefault(key[1], Counter())[key[2]] += n
    out: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for name, labels in labels_of.items():
        if len(name) > 1 or sum(labels.values()) >= 2:
            out.setdefault(name[0], []).append((name, max(LABELS, key=labels.__getitem__)))
    return out


def propagated_spans(words: list[str], spans: Spans, names: dict) -> Spans:
    """The rule: ``spans`` plus every untagged exact repeat of one of ``names``
    (``repeatable_names`` of the document's evidence), longer names first."""
    found = []
    for i, w in enumerate(words):
        for name, label in names.get(w, ()):
            if tuple(words[i:i + len(name)]) == name:
                found.append((-len(name), i, label))
    if not found:
        return spans
    taken = [False] * len(words)
    for s, e, _ in spans:
        taken[s:e] = [True] * (e - s)
    out = list(spans)
    for size, i, label in sorted(found):
        size = -size
        if not any(taken[i:i + size]):
            out.append((i, i + size, label))
            taken[i:i + size] = [True] * size
    return sorted(out)


class PropagatingTagger:
    """A tagger (``indexer.entities.Tagger``) whose tags get the rule: all sentences of one text
    come in one call, and the text is the document. ``spans_of(words, tags)`` gives a sentence's
    names from its tags (the extractor's cleaned tagger spans); a repeat is added only where the
    inner tagger tagged none of its words."""

    def __init__(self, tagger, spans_of: Callable[[list[str], list[str]], Spans], bio_spans):
        self.tagger = tagger
        self._spans_of = spans_of
        self._bio_spans = bio_spans

    def tag(self, sentences) -> list[list[str]]:
        tags = self.tagger.tag(sentences)
        evidence = Counter(("s", tuple(sentence.words[s:e]), label)  # the names: all the rule needs
                           for sentence, sentence_tags in zip(sentences, tags) if sentence_tags.count("O") < len(sentence_tags)
                           for s, e, label in self._spans_of(sentence.words, sentence_tags))
        names = repeatable_names(evidence)
        if not names:
            return tags
        out = []
        for sentence, sentence_tags in zip(sentences, tags):
            spans = self._bio_spans(sentence_tags)
            added = set(propagated_spans(sentence.words, spans, names)) - set(spans)
            if added:
                sentence_tags = list(sentence_tags)
                for s, e, label in added:
                    sentence_tags[s:e] = ["B-" + label] + ["I-" + label] * (e - s - 1)
            out.append(sentence_tags)
        return out


# The second stage's model file beside the first's: ner.crfsuite → ner-document.crfsuite.
DOCUMENT_SUFFIX = "-document.crfsuite"


def document_model_path(path: str) -> str:
    """Where the second stage of the CRFsuite model ``path`` is (it may not exist)."""
    return path[:-len(".crfsuite")] + DOCUMENT_SUFFIX if path.endswith(".crfsuite") else path + DOCUMENT_SUFFIX


def document_counts(evidence: list[Counter], with_total: bool = False, total: Counter | None = None):
    """For each sentence: the lookup of the evidence of all the other sentences of the text
    (and, ``with_total``, the evidence of all of them; ``total`` when it is known already)."""
    if total is None:
        total = Counter()
        for one in evidence:
            total.update(one)
    counts = [lambda key, own=own: total[key] - own[key] for own in evidence]
    return (counts, total) if with_total else counts


# The columns of the label counts ``ContextRows`` keeps per word: outside a name, then LABELS
# (their order: the majority's tie rule), then any other label (counted, never a majority).
_COLUMN = {label: column for column, label in enumerate(LABELS, 1)}
_OTHER = len(LABELS) + 1
_WIDTH = len(LABELS) + 2
# Forms without clitics kept by ContextRows (emptied when full).
_BARE_CACHED = 1 << 17


def _buckets(n: np.ndarray) -> np.ndarray:
    """``_count_bucket`` of counts as a number: 0 for 0 or 1, 1 for 2–3, 2 for 4 and more."""
    return (n >= 2).astype(np.intp) + (n >= 4)


def _majority_columns(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``_majority`` of each row of label counts (… × _WIDTH): the column of the label given
    most often (0 when none is), and how often."""
    labels = counts[..., 1:_OTHER]
    best = labels.argmax(axis=-1) + 1  # the first of equal counts: LABELS's order
    n = labels.max(axis=-1)
    best[n == 0] = 0
    return best, n


class ContextRows:
    """``context_token_features`` of every word of a text, computed for the whole text at once
    in numpy and given as rows of the second model's weights (``row(feature)``: its row, 0 for
    a feature the model lacks, a row of zeros) rather than as strings.

    Why: counting each word's evidence in Counters of tuple keys, looking the counts up word by
    word and then the feature strings in the model cost as much as the second stage's Viterbi
    (docs/entities.md, ninth session). Here how often the text's *other* sentences give a key
    (a word, or its form without clitics) each label is one np.bincount over the text (key ×
    label) minus one over (sentence, key) pairs, for all words at once.

    ``features`` gives each word's features in ``context_token_features``'s order, one array of
    rows per feature a word can have (0 where it has none: adding 0.0 changes no score), then
    the exact repeats of multiword names in the same order, so the scores are added to the same
    bits as with the string features (tests/indexer/test_document_context.py compares them)."""

    def __init__(self, row: Callable[[str], int], first_labels: list[str]):
        def rows(names):
            return [row(name) if name else 0 for name in names]

        buckets = ("1", "2", "4")
        self._s1 = np.array(rows("s1=" + tag for tag in first_labels))  # by the first model's label number
        # dw (the word), then dc (its form without clitics): a row per label column, per label
        # column and bucket of its count, and per (a label found?, the bucket of the count
        # outside names, none first)
        self._majority = np.array([rows([None, *(f"{kind}={label}" for label in LABELS), None])
                                   for kind in ("dw", "dc")]).ravel()
        self._bucketed = np.array([[rows([None] * 3)] + [rows(f"{kind}={label}{b}" for b in buckets) for label in LABELS]
                                   + [rows([None] * 3)] for kind in ("dw", "dc")]).reshape(-1, 3)
        self._outside = np.array([[rows([None, *(f"{kind}=O{b}" for b in buckets)]),
                                   rows([None, *(f"{kind}O={b}" for b in buckets)])] for kind in ("dw", "dc")])
        # du, duB, duE (the word in / beginning / ending a multiword name): a row per label column
        self._parts = np.array([rows([None, *(f"d{kind}={label}" for label in LABELS), None])
                                for kind in ("u", "uB", "uE")])
        self._repeat = {label: (row("drB=" + label), row("drI=" + label)) for label in LABELS}
        self._bare: dict[str, str] = {}

    def _bare_forms(self, words) -> list[str]:
        """``clitic_forms(w)[-1]`` of each of ``words`` (the "c" key), kept between texts."""
        bare = self._bare
        try:
            return list(map(bare.__getitem__, words))
        except KeyError:
            if len(bare) + len(words) > _BARE_CACHED:
                bare.clear()
            for w in words:
                if w not in bare:
                    bare[w] = clitic_forms(w)[-1]
            return list(map(bare.__getitem__, words))

    def features(self, words: list[str], lengths: list[int], first: np.ndarray,
                 spans: list[Spans]) -> tuple[list[np.ndarray], list[int], list[int]]:
        """The second stage's context features of a text's words (``words``, the sentences of
        ``lengths`` words one after the other; ``first``: their first-stage label numbers;
        ``spans``: each sentence's names from the first stage): (slots, where, rows): each of
        ``slots`` the rows of one feature of every word, in each word's features' order (the
        arrays of features no word has may be left out), then the rows ``rows`` of the exact
        repeats of multiword names at the words ``where``, in that order."""
        n = len(words)
        number = dict(zip(dict.fromkeys(words), itertools.count()))
        key = np.fromiter(map(number.__getitem__, words), dtype=np.intp, count=n)
        bare = self._bare_forms(number)
        bare_number = dict(zip(dict.fromkeys(bare), itertools.count(len(number))))
        bare_key = np.fromiter(map(bare_number.__getitem__, bare), dtype=np.intp, count=len(bare))[key]
        keys = len(number) + len(bare_number)
        label = np.zeros(n, dtype=np.intp)  # each word's label column: 0 outside a name
        parts, part_columns, names = [], [], []  # the words of multiword names: u, uB, uE
        start = 0
        for size, sentence_spans in zip(lengths, spans):
            for s, e, name in sentence_spans:
                column = _COLUMN.get(name, _OTHER)
                label[start + s:start + e] = column
                if e - s > 1:
                    parts += [*range(start + s, start + e), start + s, start + e - 1]
                    part_columns += [column] * (e - s) + [_WIDTH + column, 2 * _WIDTH + column]
                names.append((start, s, e, name))
            start += size
        # dw and dc together: the words' keys, then their forms' keys (2n rows)
        both = np.concatenate([key, bare_key])
        sentence = np.repeat(np.arange(len(lengths)), lengths)
        pairs, pair = np.unique(np.concatenate([sentence, sentence]) * keys + both, return_inverse=True)
        labels = np.concatenate([label, label])
        total = np.bincount(both * _WIDTH + labels, minlength=keys * _WIDTH).reshape(keys, _WIDTH)
        own = np.bincount(pair * _WIDTH + labels, minlength=len(pairs) * _WIDTH).reshape(-1, _WIDTH)
        counts = total[both] - own[pair]
        best, times = _majority_columns(counts)
        kind = np.repeat([0, 1], n)
        outside = counts[:, 0]
        out_slot = self._outside[kind, np.sign(best), (outside >= 1) + _buckets(outside)]
        if names:
            found = kind * _WIDTH + best
            majority, bucketed = self._majority[found], self._bucketed[found, _buckets(times)]
            slots = [self._s1[first], majority[:n], bucketed[:n], out_slot[:n],
                     majority[n:], bucketed[n:], out_slot[n:]]
        else:
            slots = [self._s1[first], out_slot[:n], out_slot[n:]]
        if parts:  # du, duB, duE: one count per kind and label column
            at = np.array(parts, dtype=np.intp)
            columns = np.array(part_columns, dtype=np.intp)
            width = 3 * _WIDTH
            total = np.bincount(key[at] * width + columns, minlength=len(number) * width).reshape(-1, width)
            own = np.bincount(pair[at] * width + columns, minlength=len(pairs) * width).reshape(-1, width)
            best = _majority_columns((total[key] - own[pair[:n]]).reshape(n, 3, _WIDTH))[0]
            slots += list(self._parts[np.arange(3), best].T)
        where, rows = self._repeats(words, key, number, lengths, names)
        return slots, where, rows

    def _repeats(self, words, key, number, lengths, names) -> tuple[list[int], list[int]]:
        """The drB/drI rows of exact repeats of the multiword names (up to LONGEST words) that
        other sentences give a label, in ``context_token_features``'s order."""
        where: list[int] = []
        rows: list[int] = []
        multiword = [(start, s, e, label) for start, s, e, label in names if 1 < e - s <= LONGEST]
        if not multiword:
            return where, rows
        own: dict[int, dict] = {}  # (name, label) → count, by the sentence's first word
        total: dict[tuple, int] = {}
        firsts: dict[str, list[tuple[str, ...]]] = {}
        for start, s, e, label in multiword:
            name = tuple(words[start + s:start + e])
            mine = own.setdefault(start, {})
            mine[name, label] = mine.get((name, label), 0) + 1
            total[name, label] = total.get((name, label), 0) + 1
            if name not in firsts.setdefault(name[0], []):
                firsts[name[0]].append(name)
        for candidates in firsts.values():
            candidates.sort(key=len)
        is_first = np.zeros(len(number), dtype=bool)
        is_first[[number[w] for w in firsts]] = True
        ends = list(itertools.accumulate(lengths))
        for i in np.flatnonzero(is_first[key]).tolist():  # the words that begin a name
            sentence = bisect.bisect_right(ends, i)
            end = ends[sentence]
            mine = own.get(end - lengths[sentence], {})
            for name in firsts[words[i]]:
                if len(name) <= end - i and tuple(words[i:i + len(name)]) == name:
                    elsewhere = [total.get((name, label), 0) - mine.get((name, label), 0) for label in LABELS]
                    most = max(elsewhere)
                    if most > 0:
                        begin, inside = self._repeat[LABELS[elsewhere.index(most)]]
                        where += range(i, i + len(name))
                        rows += [begin] + [inside] * (len(name) - 1)
        return where, rows


class DocumentTagger:
    """The two-stage CRF (``indexer.entities.Tagger``): the first model (``first_path``) tags all
    sentences of a text, then the second (``second_path``, trained by ``bench/train_ner.py
    --document``) tags them again with ``context_token_features`` from what the first found in
    the text's other sentences (``spans_of(words, tags)``: a sentence's names from its tags).

    The two models are read into one ``CrfTagger`` (their weights side by side), so the words'
    features are looked up once and scored for both; the context features are added as weight
    rows (``ContextRows``); Viterbi runs once per model."""

    def __init__(self, first_path: str, second_path: str, spans_of: Callable[[list[str], list[str]], Spans],
                 dictionary: dict | None = None):
        from indexer.crf_tagger import CrfTagger

        self.crf = CrfTagger(first_path, dictionary, second=second_path)
        self._spans_of = spans_of
        self._context = ContextRows(self.crf.row, self.crf.model_labels[0])
        self._weights = self.crf.model_weights(1)

    def tag(self, sentences) -> list[list[str]]:
        if not sentences:
            return []
        crf = self.crf
        lengths = [len(s.words) for s in sentences]
        scores = crf.scores(sentences)
        first_labels = crf.decode(scores[:, crf.columns[0]], lengths)
        first = crf.names(first_labels, lengths)
        words = [w for s in sentences for w in s.words]
        spans = [self._spans_of(s.words, tags) for s, tags in zip(sentences, first)]
        slots, where, rows = self._context.features(words, lengths, first_labels, spans)
        second = scores[:, crf.columns[1]]
        weights = self._weights
        for feature in slots:  # in each word's features' order: the same floats as CRFsuite's
            second += weights[feature]
        if where:
            np.add.at(second, where, weights[rows])
        return crf.names(crf.decode(second, lengths, 1), lengths, 1)
