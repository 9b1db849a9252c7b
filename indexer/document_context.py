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
("uB", …), ("uE", …) for the words of a multiword name, its first and its last.
"""

from __future__ import annotations

import itertools
from collections import Counter
from typing import Callable

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


class DocumentTagger:
    """The two-stage CRF (``indexer.entities.Tagger``): ``first`` tags all sentences of a text,
    then the second model (``second_path``, trained by ``bench/train_ner.py --document``) tags
    them again with ``context_token_features`` from what the first found in the text's other
    sentences. The words' feature strings are computed once and shared; Viterbi runs twice."""

    def __init__(self, first, second_path: str, spans_of: Callable[[list[str], list[str]], Spans]):
        from indexer.crf_tagger import CrfTagger

        self.first = first
        self.second = CrfTagger(second_path, first._dictionary)
        self._spans_of = spans_of
        self._last: tuple = (None, None)
        first.parts_of = self._first_parts
        self.second.parts_of = self._second_parts

    def _first_parts(self, words):
        parts = self.first.word_parts(words)
        self._last = (words, parts)
        return parts

    def _second_parts(self, words):
        done, parts = self._last
        self._last = (None, None)
        return parts if done == words else self.second.word_parts(words)

    def tag(self, sentences) -> list[list[str]]:
        first = self.first.tag(sentences)  # its new words are the second's (the caches agree)
        keys = [evidence_keys(s.words, self._spans_of(s.words, tags)) for s, tags in zip(sentences, first)]
        counts, total = document_counts(list(map(Counter, keys)), True, Counter(itertools.chain.from_iterable(keys)))
        index = document_index(total)
        extra = [context_token_features(s.words, tags, count, index)
                 for s, tags, count in zip(sentences, first, counts)]
        return self.second.tag(sentences, extra)
