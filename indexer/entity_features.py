"""The CRF tagger's features of a sentence of normalised words (``sentence_features``), the
gazetteer phrases and office titles they mark, and the word-cluster table. Used by
``indexer.crf_tagger`` to tag (a word's features from ``word_feature_parts``, the sentence's from
``context_features``) and by ``bench/train_ner.py`` to train, so both see exactly the same
features."""

from __future__ import annotations

import bisect
import functools
import gzip
import itertools
from dataclasses import dataclass
from importlib import resources
from typing import Iterator

from indexer.arabic import is_stop, light10, stem
from indexer.entity_keys import clitic_forms
from indexer.gazetteers import NAME_JOINERS, NATIONALITIES, TITLE_QUALIFIERS, TITLE_WORDS, default_gazetteer, \
    person_first_names

# Word clusters from unlabelled news (bench/word_clusters.py): word TAB coarse TAB fine.
CLUSTERS_FILE = "word_clusters.tsv.gz"
# How often the base tagger tags each word of the news corpus inside a name
# (bench/tag_dictionary.py): word TAB occurrences TAB in PER TAB in ORG TAB in LOC.
TAG_DICTIONARY_FILE = "tag_dictionary.tsv.gz"

# ---------------------------------------------------------------------------------------------
# CRF features. Everything that depends on one word alone is computed once per distinct
# normalised word and cached as tuples: the word's own features, and what it contributes as a
# neighbour at -2, -1, +1, +2. A token's feature list is the concatenation of five cached
# tuples plus the few features that depend on the sentence (gazetteer phrase, title before).
# ---------------------------------------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def word_clusters() -> dict[str, tuple[str, str]]:
    """normalised word → (coarse, fine) cluster of the shipped table ({} when it is absent)."""
    path = resources.files("indexer") / "data" / CLUSTERS_FILE
    if not path.is_file():
        return {}
    with gzip.open(str(path), "rt", encoding="utf-8") as lines:
        return {word: (coarse, fine) for word, coarse, fine in
                (line.rstrip("\n").split("\t") for line in lines)}


# A word's share of occurrences inside a name of each label, bucketed at these steps, and its
# number of occurrences, bucketed by powers of 4 (how far to trust the share).
_SHARE_STEPS = (0.01, 0.05, 0.2, 0.5, 0.8, 0.95)
_COUNT_STEPS = (16, 64, 256, 1024)


def shipped_tag_dictionary_path() -> str | None:
    """The shipped tag dictionary table's path, or None when it is absent."""
    path = resources.files("indexer") / "data" / TAG_DICTIONARY_FILE
    return str(path) if path.is_file() else None


def tag_dictionary_rows(path: str) -> Iterator[tuple[str, str]]:
    """The rows of a tag dictionary table file: (normalised word, its counts as written: occurrences,
    in PER, in ORG, in LOC, tab-separated)."""
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            word, counts = line.rstrip("\n").split("\t", 1)
            yield word, counts


@functools.lru_cache(maxsize=1)
def tag_dictionary() -> dict[str, tuple[str, ...]]:
    """normalised word → its features from the shipped table (see ``read_tag_dictionary``; {}
    when it is absent: the features are then left out, as a model trained without them expects).
    Read once per process."""
    path = shipped_tag_dictionary_path()
    return read_tag_dictionary(path) if path is not None else {}


def read_tag_dictionary(path: str) -> dict[str, tuple[str, ...]]:
    """normalised word → its tag dictionary features (``count_flags``) of a table file. The
    features are worked out once per distinct row of counts (6,158 in the 77,266 rows of the
    shipped table) and shared between the words that have them."""
    flags_of: dict[str, tuple[str, ...]] = {}
    out = {}
    for word, counts in tag_dictionary_rows(path):
        flags = flags_of.get(counts)
        if flags is None:
            flags = flags_of[counts] = count_flags(tuple(map(int, counts.split("\t"))))
        out[word] = flags
    return out


def dictionary_table(counts: dict[str, tuple[int, int, int, int]]) -> dict[str, tuple[str, ...]]:
    """normalised word → its features, from word → (occurrences, in PER, in ORG, in LOC) (the
    table bench/tag_dictionary.py builds, before it is written)."""
    return {word: count_flags(row) for word, row in counts.items()}


@functools.lru_cache(maxsize=1 << 14)
def count_flags(counts: tuple[int, int, int, int]) -> tuple[str, ...]:
    """The features of a word the news shows ``counts`` = (occurrences, in PER, in ORG, in LOC)
    times: its bucketed occurrences and its bucketed share inside PER, ORG and LOC names."""
    total, *inside = counts
    return ("dn=" + str(bisect.bisect_right(_COUNT_STEPS, total)),
            *(f"d{label}=" + str(bisect.bisect_right(_SHARE_STEPS, count / total))
              for label, count in zip("POL", inside)))


def dictionary_flags(forms: tuple[str, ...], dictionary: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    """The tag dictionary features of the first of ``forms`` (a word, then it without clitics)
    found in ``dictionary``; () when none is."""
    for form in forms:
        flags = dictionary.get(form)
        if flags is not None:
            return flags
    return ()


def _shape(word: str) -> str:
    if word.isdigit():
        return "digit"
    if any("a" <= c <= "z" for c in word):
        return "latin"
    if any(c.isdigit() for c in word):
        return "mixed"
    return "arabic"


@functools.lru_cache(maxsize=1 << 18)
def _word_features(word: str) -> tuple[tuple[str, ...], ...]:
    """(own, as -2, as -1, as +1, as +2) feature tuples of a normalised word, with the shipped
    tag dictionary."""
    return word_feature_parts(word, tag_dictionary())


def word_feature_parts(word: str, dictionary: dict) -> tuple[tuple[str, ...], ...]:
    """(own, as -2, as -1, as +1, as +2) feature tuples of a normalised word, uncached, with
    the tag dictionary ``dictionary`` (training builds the features of the base tagger that
    makes the dictionary with {})."""
    gazetteer = default_gazetteer()
    first_names = person_first_names()
    forms = clitic_forms(word)
    bare = forms[-1]
    stemmed = stem(word)
    flags = []
    if any((f,) in gazetteer.phrases for f in forms):
        flags.append("g1=" + next(gazetteer.phrases[(f,)] for f in forms
                                  if (f,) in gazetteer.phrases))
    if any(f in gazetteer.first_tokens for f in forms):
        flags.append("gf")
    if any(f in first_names for f in forms):
        flags.append("fn")
    if (word,) in TITLE_WORDS:
        flags.append("title")
    if word in NATIONALITIES:
        flags.append("nat")
    if word in NAME_JOINERS:
        flags.append("join")
    if is_stop(word):
        flags.append("stop")
    clusters = word_clusters()
    cluster = clusters.get(word) or clusters.get(bare)
    if cluster is not None:
        flags += ["k1=" + cluster[0], "k2=" + cluster[1]]
    flags += dictionary_flags(forms, dictionary)
    own = [
        "b", "w=" + word, "s=" + stemmed, "l=" + light10(word), "c=" + bare,
        "p1=" + word[:1], "p2=" + word[:2], "p3=" + word[:3],
        "x1=" + word[-1:], "x2=" + word[-2:], "x3=" + word[-3:],
        "shape=" + _shape(word), "len=" + str(min(len(word), 9)),
    ]
    if word.startswith("ال"):
        own.append("al")
    own += flags
    prev1 = ["-1w=" + word, "-1s=" + stemmed, "-1x2=" + word[-2:]] + ["-1" + f for f in flags]
    next1 = ["+1w=" + word, "+1s=" + stemmed, "+1p2=" + word[:2]] + ["+1" + f for f in flags]
    prev2 = ("-2w=" + word, "-2s=" + stemmed)
    next2 = ("+2w=" + word, "+2s=" + stemmed)
    return tuple(own), prev2, tuple(prev1), tuple(next1), next2


# The neighbour of the first and last words: no features (they get -1BOS / +1EOS instead).
_PAD = ((), (), (), (), ())


@functools.lru_cache(maxsize=1 << 18)
def _gazetteer_starts(word: str) -> tuple[tuple[str, None, int], ...]:
    """The forms of ``word`` (itself, without clitics) a gazetteer phrase starts with."""
    firsts = default_gazetteer().first_tokens
    return tuple((form, None, 1) for form in clitic_forms(word) if form in firsts)


def gazetteer_matches(words: list[str]) -> list[tuple[int, int, str]]:
    """Longest gazetteer phrases in ``words`` (normalised), left to right: (start, end, label)."""
    return [(start, end, label) for start, end, label, _ in default_gazetteer().longest(words, _gazetteer_starts)]


_TITLE_FIRST_WORDS = frozenset(title[0] for title in TITLE_WORDS)


def title_ends(words: list[str]) -> set[int]:
    """Positions right after an office title and its qualifiers (where a name may start)."""
    ends = set()
    n = len(words)
    for i in itertools.compress(range(n), map(_TITLE_FIRST_WORDS.__contains__, words)):  # most words: none
        for size in (3, 2, 1):
            if tuple(words[i:i + size]) in TITLE_WORDS:
                j = i + size
                while j < n and (words[j] in NATIONALITIES or words[j] in TITLE_QUALIFIERS):
                    j += 1
                ends.add(j)
                break
    return ends


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence as a tagger reads it: its normalised words, the gazetteer phrases in them and
    the positions right after an office title (the extractor's later steps use both too)."""

    words: list[str]
    matches: list[tuple[int, int, str]]
    after_title: set[int]


def read_sentence(words: list[str]) -> Sentence:
    return Sentence(words, gazetteer_matches(words), title_ends(words))


def context_features(sentence: Sentence) -> list[tuple[int, str]]:
    """(position, feature) of the CRF features that depend on the sentence, not on one word."""
    n = len(sentence.words)
    out = [(0, "-1BOS"), (n - 1, "+1EOS")] if n else []
    out += [(i, "aftertitle") for i in sorted(sentence.after_title) if i < n]
    for start, end, label in sentence.matches:
        out.append((start, "gB=" + label))
        out += [(k, "gI=" + label) for k in range(start + 1, end)]
    return out


def sentence_features(words: list[str], dictionary: dict | None = None
                      ) -> tuple[list[list[str]], list[tuple[int, int, str]], set[int]]:
    """CRF features of a sentence of normalised words (as training gives them to CRFsuite), with
    its gazetteer matches and the positions after titles; with the shipped tag dictionary, or
    with ``dictionary`` when one is given."""
    sentence = read_sentence(words)
    if dictionary is None:
        cached = list(map(_word_features, words))
    else:
        cached = [word_feature_parts(w, dictionary) for w in words]
    n = len(words)
    features = []
    padded = [_PAD, _PAD, *cached, _PAD, _PAD]
    for i in range(n):
        features.append([*padded[i + 2][0], *padded[i + 1][2], *padded[i + 3][3],
                         *padded[i][1], *padded[i + 4][4]])
    for i, feature in context_features(sentence):
        features[i].append(feature)
    return features, sentence.matches, sentence.after_title
