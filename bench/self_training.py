"""Self-training the entity tagger on the news corpus (issue 12, eighth session).

A tagger trained on gold ANERcorp sentences tags the sentences of ../shared/corpus/news.jsonl.gz
(read and split as bench/tag_dictionary.py reads them). The sentences it is sure of become
"silver" training sentences beside the gold ones: python-crfsuite gives the Viterbi sequence's
probability (``Tagger.probability``) and each token's marginal (``Tagger.marginal``). A sentence is
kept when it holds a PER, ORG or LOC name, its sequence probability is at least ``p`` and every
name token's marginal at least ``m``; optionally only when one of its names is not a gold name of
the training sentences (``unseen``: the names the tagger loses). At most ``cap`` sentences are
kept, in corpus order. bench/ner_experiments.py runs it per CV fold (``silver:…`` variant parts).
"""

from __future__ import annotations

import numpy as np

from indexer.entities import bio_spans
from indexer.entity_features import sentence_features

NAME_LABELS = ("PER", "ORG", "LOC")

# What a "silver" variant part may set, with its default: the sequence-probability threshold, the
# least marginal of every name token, the most sentences kept, the rounds of tagging and
# retraining, only sentences with a name the gold sentences never show (1) or any (0), how many
# times each gold sentence is given to the trainer, and how many news articles are tagged.
SILVER_DEFAULTS = {"p": 0.95, "m": 0.0, "cap": 10000, "rounds": 1, "unseen": 0, "gold": 1, "articles": 5000}

# Edges of the probability histogram printed for every tagging.
HISTOGRAM_EDGES = (0.0, 0.1, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 0.99, 0.999, 1.0)


def parse(part: str) -> dict:
    """"silver" or "silver:p=0.99,cap=5000,unseen=1" → the options, with the defaults filled in."""
    options = dict(SILVER_DEFAULTS)
    _, _, settings = part.partition(":")
    for item in filter(None, settings.split(",")):
        key, sep, value = item.partition("=")
        if not sep or key not in options:
            raise SystemExit(f"unknown silver option: {item!r} (known: {', '.join(options)})")
        options[key] = float(value) if key in ("p", "m") else int(value)
    return options


def tag_news(tagger, vocabulary: list[str], news: list[np.ndarray], dictionary: dict, features=None):
    """Tag every news sentence with a pycrfsuite ``tagger``. Returns the sequence probability of
    every sentence (a float array, for the histogram) and, for the sentences with a PER/ORG/LOC
    name, (sentence index, tags, sequence probability, least name-token marginal).
    ``features(words)`` gives a sentence's features (by default the shipped set with ``dictionary``)."""
    if features is None:
        def features(words):
            return sentence_features(words, dictionary)[0]
    probabilities = np.zeros(len(news), dtype=np.float64)
    candidates = []
    for k, ids in enumerate(news):
        tags = tagger.tag(features([vocabulary[i] for i in ids.tolist()]))
        probability = tagger.probability(tags)
        probabilities[k] = probability
        inside = [i for i, t in enumerate(tags) if t[2:] in NAME_LABELS]
        if not inside:
            continue
        least = min(tagger.marginal(tags[i], i) for i in inside)
        candidates.append((k, tuple(tags), probability, least))
    return probabilities, candidates


def histogram(probabilities, edges=HISTOGRAM_EDGES) -> dict[str, int]:
    """How many probabilities fall in each [edge, next edge) (the last bin includes 1.0)."""
    values = np.asarray(probabilities, dtype=np.float64)
    counts, _ = np.histogram(values, bins=np.asarray(edges, dtype=np.float64))
    return {f"{lo:g}-{hi:g}": int(c) for lo, hi, c in zip(edges, edges[1:], counts)}


def gold_names(data) -> set[str]:
    """The words of every PER/ORG/LOC gold name in prepared sentences (text, offsets, words, tags)."""
    return {" ".join(words[s:e]) for _, _, words, tags in data for s, e, label in bio_spans(tags)
            if label in NAME_LABELS}


def names(words: list[str], tags) -> list[tuple[str, str]]:
    return [(" ".join(words[s:e]), label) for s, e, label in bio_spans(list(tags)) if label in NAME_LABELS]


def select(candidates, vocabulary: list[str], news: list[np.ndarray], options: dict, known: set[str]):
    """The silver sentences: (words, tags) of the candidates that pass ``options``, in corpus order."""
    out = []
    for k, tags, probability, least in candidates:
        if len(out) >= options["cap"]:
            break
        if probability < options["p"] or least < options["m"]:
            continue
        words = [vocabulary[i] for i in news[k].tolist()]
        if options["unseen"] and all(text in known for text, _ in names(words, tags)):
            continue
        out.append((words, list(tags)))
    return out


def silver_counts(silver, known: set[str]) -> dict:
    """Sentences, tokens, names per label and names no gold sentence shows, of silver sentences."""
    counts = {"sentences": len(silver), "tokens": sum(len(words) for words, _ in silver)}
    for label in ("PER", "ORG", "LOC", "MISC"):
        counts[label] = 0
    unseen = 0
    for words, tags in silver:
        for s, e, label in bio_spans(tags):
            counts[label] = counts.get(label, 0) + 1
            if label in NAME_LABELS and " ".join(words[s:e]) not in known:
                unseen += 1
    counts["unseen_names"] = unseen
    return counts
