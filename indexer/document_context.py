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
from typing import Callable, Protocol, runtime_checkable

import numpy as np

from indexer.entity_keys import clitic_forms

LABELS = ("PER", "ORG", "LOC", "MISC")
# The longest name an exact repeat is looked for (words).
LONGEST = 6

Spans = list[tuple[int, int, str]]
Count = Callable[[tuple], int]


@runtime_checkable
class DocumentsTagger(Protocol):
    """A tagger (``indexer.entities.Tagger``) that also tags several texts in one call: the
    sentences of each text (a document), tagged as ``tag`` tags that text alone. Tagging many
    texts at once shares between them the numpy calls whose cost does not grow with the words
    (a Viterbi step, a lookup) (docs/entities.md, fourteenth session)."""

    def tag(self, sentences) -> list[list[str]]: ...

    def tag_documents(self, documents: list[list]) -> list[list[list[str]]]: ...


def tag_documents(tagger, documents: list[list]) -> list[list[list[str]]]:
    """Each document's tags: in one call when ``tagger`` is a ``DocumentsTagger``, else text by
    text."""
    if isinstance(tagger, DocumentsTagger):
        return tagger.tag_documents(documents)
    return [tagger.tag(sentences) for sentences in documents]


def by_document(items: list, documents: list[list]) -> list[list]:
    """``items`` (one per sentence, the documents' sentences one after the other) cut back into
    one list per document."""
    out, start = [], 0
    for sentences in documents:
        out.append(items[start:start + len(sentences)])
        start += len(sentences)
    return out


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


def kept_longer(first: Spans, second: Spans) -> Spans:
    """The second stage's names, except where it shortened one of the first stage's: a first-stage
    name of several words over which the second stage has exactly one name, of the same label,
    inside it and shorter, is kept whole ("كامالا هاريس" stays whole when another sentence of the
    article names "هاريس" alone; docs/entities.md, eleventh session)."""
    out = list(second)
    for s, e, label in first:
        if e - s < 2:
            continue
        over = [span for span in out if span[0] < e and s < span[1]]
        if len(over) == 1 and over[0][2] == label and s <= over[0][0] and over[0][1] <= e \
                and (over[0][0], over[0][1]) != (s, e):
            out[out.index(over[0])] = (s, e, label)
    return sorted(out)


def spans_tags(size: int, spans: Spans) -> list[str]:
    """BIO tags of ``size`` words with ``spans`` (start, end, label) as names."""
    tags = ["O"] * size
    for s, e, label in spans:
        tags[s:e] = ["B-" + label] + ["I-" + label] * (e - s - 1)
    return tags


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
        return self._propagated(sentences, self.tagger.tag(sentences))

    def tag_documents(self, documents: list[list]) -> list[list[list[str]]]:
        return [self._propagated(sentences, tags)
                for sentences, tags in zip(documents, tag_documents(self.tagger, documents))]

    def _propagated(self, sentences, tags: list[list[str]]) -> list[list[str]]:
        """``tags`` of one text's ``sentences`` with the rule applied."""
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


# The label counts ``ContextRows`` keeps per key: four groups (the word or its form without
# clitics; then, for a word, in a multiword name, beginning one, ending one) of _WIDTH columns:
# outside a name, then LABELS (their order: the majority's tie rule), then any other label
# (counted, never a majority).
_COLUMN = {label: column for column, label in enumerate(LABELS, 1)}
_OTHER = len(LABELS) + 1
_WIDTH = len(LABELS) + 2
_GROUPS = 4
_LABEL_CODES = np.arange(len(LABELS), 0, -1)[:, None]  # see ContextRows.features
# Forms without clitics numbered by ContextRows (forgotten when there are more).
_NUMBERED = 1 << 17


def _buckets(n: np.ndarray) -> np.ndarray:
    """``_count_bucket`` of counts as a number: 0 for 0 or 1, 1 for 2–3, 2 for 4 and more."""
    return (n >= 2).astype(np.intp) + (n >= 4)


class ContextRows:
    """``context_token_features`` of every word of a text, computed for the whole text at once
    in numpy and given as rows of the second model's weights (``row(feature)``: its row, 0 for
    a feature the model lacks, a row of zeros) rather than as strings.

    Why: counting each word's evidence in Counters of tuple keys, looking the counts up word by
    word and then the feature strings in the model cost as much as the second stage's Viterbi
    (docs/entities.md, ninth session). Here how often the text's *other* sentences give a key (a
    word, its form without clitics) each label is one np.bincount over the text (key × label)
    minus one over (sentence, key) pairs, for all the words and kinds of count at once.

    ``features`` gives each word's features in ``context_token_features``'s order, one row of
    ``slots`` per feature a word can have (0 where it has none: adding 0.0 changes no score),
    then the exact repeats of multiword names in the same order, so the scores are added to the
    same bits as with the string features (tests/indexer/test_document_context.py compares)."""

    def __init__(self, row: Callable[[str], int], first_labels: list[str]):
        def rows(names):
            return np.array([row(name) if name else 0 for name in names], dtype=np.intp)

        buckets = ("1", "2", "4")
        self._s1 = rows("s1=" + tag for tag in first_labels)  # by the first model's label number
        # dw (the word), dc (its form without clitics): a row per label column; per label column
        # and bucket of its count; per (a label found?, the bucket of the count outside names)
        self._majority, self._bucketed, self._outside = [], [], []
        for kind in ("dw", "dc"):
            self._majority.append(rows([None, *(f"{kind}={label}" for label in LABELS), None]))
            self._bucketed.append(np.array([rows([None] * 3)] + [rows(f"{kind}={label}{b}" for b in buckets)
                                                                 for label in LABELS] + [rows([None] * 3)]))
            self._outside.append(np.array([rows([None, *(f"{kind}=O{b}" for b in buckets)]),
                                           rows([None, *(f"{kind}O={b}" for b in buckets)])]))
        # du, duB, duE (the word in / beginning / ending a multiword name): a row per label column
        self._parts = np.array([rows([None, *(f"d{kind}={label}" for label in LABELS), None])
                                for kind in ("u", "uB", "uE")])
        self._repeat = {label: (row("drB=" + label), row("drI=" + label)) for label in LABELS}
        self._forms: dict[str, int] = {}  # form without clitics → its number
        self._form_of_row = np.zeros(0, dtype=np.intp)  # a word's row → its form's number (-1: not yet)
        self._generation = None

    def _form_numbers(self, words: list[str], rows: np.ndarray, generation) -> np.ndarray:
        """The numbers of the forms without clitics of ``words`` (the "c" key), by the words'
        ``rows`` (a number per distinct word that stays the same while ``generation`` does: the
        CRF's word table rows, whose lookup is already paid); kept between texts."""
        if generation != self._generation or len(self._forms) > _NUMBERED:
            self._generation = generation
            self._forms.clear()
            self._form_of_row = np.zeros(0, dtype=np.intp)
        if len(rows) and rows.max() >= len(self._form_of_row):
            grown = np.full(max(2 * len(self._form_of_row), rows.max() + 1, 1024), -1, dtype=np.intp)
            grown[:len(self._form_of_row)] = self._form_of_row
            self._form_of_row = grown
        numbers = self._form_of_row[rows]
        if (numbers < 0).any():
            forms = self._forms
            for i in np.flatnonzero(numbers < 0).tolist():
                self._form_of_row[rows[i]] = forms.setdefault(clitic_forms(words[i])[-1], len(forms))
            numbers = self._form_of_row[rows]
        return numbers

    def features(self, words: list[str], rows: np.ndarray, generation, lengths: list[int], first: np.ndarray,
                 spans: list[Spans], texts: list[int] | None = None) -> tuple[np.ndarray, list[int], list[int]]:
        """The second stage's context features of a text's words (``words``, the sentences of
        ``lengths`` words one after the other; ``rows``, ``generation``: a number per distinct
        word, see ``_form_numbers``; ``first``: their first-stage label numbers;
        ``spans``: each sentence's names from the first stage): (slots, where, rows): ``slots``
        (features × words) the rows of each word's features in their order, then the rows
        ``rows`` of the exact repeats of multiword names at the words ``where``, in that order.

        ``texts``: the sentences are those of several texts, of these many sentences each (None:
        one text); each text's words are counted apart from the others', as if each came alone."""
        n = len(words)
        label = np.zeros(n, dtype=np.intp)  # each word's label column: 0 outside a name
        parts, part_columns, names = [], [], []  # the words of multiword names (u, uB, uE)
        start = 0
        for size, sentence_spans in zip(lengths, spans):
            for s, e, name in sentence_spans:
                column = _COLUMN.get(name, _OTHER)
                label[start + s:start + e] = column
                if e - s > 1:
                    parts += [*range(start + s, start + e), start + s, start + e - 1]
                    part_columns += [_WIDTH + column] * (e - s) + [2 * _WIDTH + column, 3 * _WIDTH + column]
                names.append((start, s, e, name))
            start += size
        # the words' keys then their forms' (2n), numbered 0… in this text, and (sentence, key)
        numbers = np.concatenate([2 * rows, 2 * self._form_numbers(words, rows, generation) + 1])
        texts = texts or [len(lengths)]
        text_of = np.repeat(np.repeat(np.arange(len(texts)), texts), lengths)  # a key of each text: (text, number)
        numbers = np.concatenate([text_of, text_of]) * (int(numbers.max()) + 1) + numbers
        keys, key = np.unique(numbers, return_inverse=True)
        sentence = np.repeat(np.arange(len(lengths)), lengths)
        pairs, pair = np.unique(np.concatenate([sentence, sentence]) * len(keys) + key, return_inverse=True)
        at = np.concatenate([np.arange(2 * n), parts]).astype(np.intp)
        columns = np.concatenate([label, label, part_columns]).astype(np.intp)
        width = _GROUPS * _WIDTH
        # label-major: counts[column, word], so that the majority below is taken across rows
        total = np.bincount(columns * len(keys) + key[at], minlength=width * len(keys)).reshape(width, -1)
        own = np.bincount(columns * len(pairs) + pair[at], minlength=width * len(pairs)).reshape(width, -1)
        counts = (total[:, key] - own[:, pair]).reshape(_GROUPS, _WIDTH, 2 * n)  # in the other sentences
        # the majority label of each group: the highest count × 8 + a code of the label (4 for
        # LABELS[0] … 1 for the last: the first of equal counts wins, as in ``_majority``)
        coded = np.maximum.reduce(counts[:, 1:_OTHER] * 8 + _LABEL_CODES, axis=1)
        times = coded >> 3
        best = np.where(times > 0, _OTHER - (coded & 7), 0)  # a label column, 0 for none
        outside = counts[0, 0]
        outside_bucket = (outside >= 1) + _buckets(outside)
        times_bucket = _buckets(times[0])
        found = np.sign(best[0])
        slots = [self._s1[first]]
        for kind, at in enumerate((slice(0, n), slice(n, 2 * n))):
            slots += [self._majority[kind][best[0, at]], self._bucketed[kind][best[0, at], times_bucket[at]],
                      self._outside[kind][found[at], outside_bucket[at]]]
        slots += list(self._parts[np.arange(3)[:, None], best[1:, :n]])
        where, rows = [], []
        first_sentence = first_word = k = 0
        for count in texts:  # the exact repeats of each text's names (``names`` is in text order)
            last_sentence = first_sentence + count
            last_word = first_word + sum(lengths[first_sentence:last_sentence])
            text_names = []
            while k < len(names) and names[k][0] < last_word:
                start, s, e, label = names[k]
                text_names.append((start - first_word, s, e, label))
                k += 1
            text_where, text_rows = self._repeats(words[first_word:last_word], key[first_word:last_word],
                                                  lengths[first_sentence:last_sentence], text_names)
            where += [first_word + i for i in text_where]
            rows += text_rows
            first_sentence, first_word = last_sentence, last_word
        return np.array(slots), where, rows

    def _repeats(self, words, key, lengths, names) -> tuple[list[int], list[int]]:
        """The drB/drI rows of exact repeats of the multiword names (up to LONGEST words) that
        other sentences give a label, in ``context_token_features``'s order (``key``: a number
        per distinct word of the text)."""
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
        begins = np.zeros(key.max() + 1, dtype=bool)  # the keys of the names' first words
        begins[key[[start + s for start, s, _, _ in multiword]]] = True
        ends = list(itertools.accumulate(lengths))
        for i in np.flatnonzero(begins[key]).tolist():  # the words that may begin a repeat
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
    rows (``ContextRows``); Viterbi runs once per model. A name the first stage found whole and the
    second shortened is kept whole (``kept_longer``)."""

    def __init__(self, first_path: str, second_path: str, spans_of: Callable[[list[str], list[str]], Spans],
                 bio_spans: Callable[[list[str]], Spans], dictionary: dict | None = None):
        from indexer.crf_tagger import CrfTagger

        self.crf = CrfTagger(first_path, dictionary, second=second_path)
        self._spans_of = spans_of
        self._bio_spans = bio_spans
        self._context = ContextRows(self.crf.row, self.crf.model_labels[0])
        self._weights = self.crf.model_weights(1)
        self._outside = self.crf.model_labels[0].index("O")

    def tag(self, sentences) -> list[list[str]]:
        return self.tag_documents([sentences])[0]

    def tag_documents(self, documents: list[list]) -> list[list[list[str]]]:
        """The tags of several texts' sentences: the words are scored and each model's Viterbi
        runs once for all of them (each sentence is decoded on its own anyway); the context
        features are counted text by text."""
        sentences = [s for document in documents for s in document]
        if not sentences:
            return [[] for _ in documents]
        crf = self.crf
        lengths = [len(s.words) for s in sentences]
        scores = crf.scores(sentences)
        first = crf.decode(scores[:, crf.columns[0]], lengths)
        # the first stage's names, in the sentences where it tagged any
        ends = list(itertools.accumulate(lengths))
        tagged = np.logical_or.reduceat(first != self._outside, [end - size for end, size in zip(ends, lengths)])
        names = crf.model_labels[0]
        spans = [self._spans_of(s.words, [names[i] for i in first[end - len(s.words):end].tolist()]) if any_ else []
                 for s, end, any_ in zip(sentences, ends, tagged.tolist())]
        # the context features, each text's counted from its own sentences
        slots, where, rows = self._context.features([w for s in sentences for w in s.words], crf.word_rows,
                                                    crf.generation, lengths, first, spans,
                                                    [len(document) for document in documents if document])
        second = scores[:, crf.columns[1]]
        for added in self._weights[slots[slots.any(axis=1)]]:  # in each word's features' order:
            second += added  # the same floats as CRFsuite's (a feature no word has adds nothing)
        if where:
            np.add.at(second, where, self._weights[rows])
        out = crf.names(crf.decode(second, lengths, 1), lengths, 1)
        firsts = crf.names(first, lengths, 0)
        tags = [spans_tags(len(o), kept_longer(self._bio_spans(f), self._bio_spans(o))) if f != o else o
                for f, o in zip(firsts, out)]
        return by_document(tags, documents)
