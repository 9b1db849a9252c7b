"""People, organisations, places and other names in Arabic news text.

``extract(text)`` returns ``Entity`` spans with exact character offsets into ``text``. Three
sources are combined, in this order of trust:

1. a linear-chain CRF (python-crfsuite) trained on ANERcorp by ``bench/train_ner.py``; its
   features come from ``arabic.normalize``, ``arabic.stem``/``light10``, affixes, word shape,
   the gazetteers and the words around (±2);
2. gazetteer phrases the CRF missed (``indexer.gazetteers``: CLDR places, curated
   organisations), longest match on normalised tokens, a leading و/ف/ب/ل/ك on the first word
   allowed; a ministry-like organisation takes a following nationality adjective along;
3. name patterns: عبد/أبو/بن/ابن/آل bind to the next word inside a person's name, and a
   first name after an office title (الرئيس [الأميركي] [السابق] ...) starts a person.

The spans are then cleaned (``clean_spans``: titles and party adjectives off a person's name,
day names off any name, generic place words and non-person heads dropped or relabelled). With
the authority file's spellings (``KnownNames``, passed by the caller) a dictionary pass finds
every known name the tagger missed and takes precedence over the tagger where they overlap;
last, a person's surname or short form takes the key of the full name the article gives.

Spans always cover whole tokens as ``arabic.tokenize`` finds them, so ``text[start:end]`` keeps
the writer's diacritics and a clitic written on the word (والعراق). ``Entity.key`` is the
lookup form for the authority file: ``normalize(text)`` with such a clitic removed from the
first word (see ``entity_key``).
"""

from __future__ import annotations

import functools
import gzip
import os
import re
from dataclasses import dataclass
from importlib import resources
from typing import Iterable

import pycrfsuite

from indexer.arabic import is_stop, light10, normalize, stem, tokenize
from indexer.entity_keys import clitic_forms, display_name, entity_key
from indexer.gazetteers import (GENERIC_PLACE_WORDS, NAME_JOINERS, NATIONALITIES, NOT_PERSON_HEADS,
                                PERSON_EDGE_WORDS, TITLE_QUALIFIERS, TITLE_WORDS, TRAILING_WORDS,
                                Gazetteer, common_word_aliases, default_gazetteer,
                                person_first_names)

__all__ = ["Entity", "Extractor", "KnownNames", "extract", "entity_key", "display_name", "sentence_features",
           "clean_spans", "word_clusters", "LABELS", "KIND_LABEL", "MODEL_FILE", "CLUSTERS_FILE",
           "model_path", "attributes_path"]

LABELS = ("PER", "ORG", "LOC", "MISC")
# The authority file's kinds of entry and the extractor's labels.
KIND_LABEL = {"person": "PER", "org": "ORG", "place": "LOC", "misc": "MISC"}
MODEL_FILE = "ner.crfsuite"
# Word clusters from unlabelled news (bench/word_clusters.py): word TAB coarse TAB fine.
CLUSTERS_FILE = "word_clusters.tsv.gz"

# A sequence tagged at once: a sentence, cut at this many tokens (Viterbi is linear in the
# length anyway; the cut only bounds one call on text without punctuation).
_MAX_SEQUENCE = 120

# Characters between two tokens that end a sentence: . ! ? ؟ ؛ : and line breaks.
_SENTENCE_BREAK = re.compile(r"[.!?\u061F\u061B:\n]")


@dataclass(frozen=True, slots=True)
class Entity:
    """One mention: ``text == original[start:end]``; ``key`` is its authority-file lookup form."""

    text: str
    label: str
    start: int
    end: int
    key: str


def model_path() -> str:
    """The shipped model file inside the installed ``indexer`` package."""
    return str(resources.files("indexer") / "data" / MODEL_FILE)


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
    """(own, as -2, as -1, as +1, as +2) feature tuples of a normalised word."""
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


def gazetteer_matches(words: list[str]) -> list[tuple[int, int, str]]:
    """Longest gazetteer phrases in ``words`` (normalised), left to right: (start, end, label)."""
    gazetteer = default_gazetteer()
    firsts = gazetteer.first_tokens
    matches = []
    i, n = 0, len(words)
    while i < n:
        found = None
        for form in clitic_forms(words[i]):
            if form not in firsts:
                continue
            for j in range(min(n, i + gazetteer.max_len), i, -1):
                label = gazetteer.phrases.get((form, *words[i + 1:j]))
                if label and (found is None or j > found[1]):
                    found = (i, j, label)
                    break
        if found:
            matches.append(found)
            i = found[1]
        else:
            i += 1
    return matches


_TITLE_FIRST_WORDS = frozenset(title[0] for title in TITLE_WORDS)


def title_ends(words: list[str]) -> set[int]:
    """Positions right after an office title and its qualifiers (where a name may start)."""
    ends = set()
    n = len(words)
    for i in range(n):
        if words[i] not in _TITLE_FIRST_WORDS:
            continue
        for size in (3, 2, 1):
            if tuple(words[i:i + size]) in TITLE_WORDS:
                j = i + size
                while j < n and (words[j] in NATIONALITIES or words[j] in TITLE_QUALIFIERS):
                    j += 1
                ends.add(j)
                break
    return ends


def sentence_features(words: list[str], word_features=None
                      ) -> tuple[list[list[str]], list[tuple[int, int, str]], set[int]]:
    """CRF features of a sentence of normalised words, with its gazetteer matches and the
    positions after titles (reused by the extractor's later steps). ``word_features`` replaces
    the per-word feature function (the extractor passes one pruned to its model)."""
    cached = list(map(word_features or _word_features, words))
    matches = gazetteer_matches(words)
    after_title = title_ends(words)
    n = len(words)
    features = []
    padded = [_PAD, _PAD, *cached, _PAD, _PAD]
    for i in range(n):
        features.append([*padded[i + 2][0], *padded[i + 1][2], *padded[i + 3][3],
                         *padded[i][1], *padded[i + 4][4]])
    if n:
        features[0].append("-1BOS")
        features[-1].append("+1EOS")
    for i in after_title:
        if i < n:
            features[i].append("aftertitle")
    for start, end, label in matches:
        features[start].append("gB=" + label)
        for k in range(start + 1, end):
            features[k].append("gI=" + label)
    return features, matches, after_title


# ---------------------------------------------------------------------------------------------
# Extraction.
# ---------------------------------------------------------------------------------------------

def sentences(text: str) -> Iterable[list[tuple[str, int, int]]]:
    """``arabic.tokenize`` tokens of ``text`` grouped into sentences of at most _MAX_SEQUENCE."""
    breaks = [m.start() for m in _SENTENCE_BREAK.finditer(text)]
    breaks.append(len(text))
    next_break = 0
    current: list[tuple[str, int, int]] = []
    for token in tokenize(text):
        start = token[1]
        if breaks[next_break] < start:  # a break lies between the previous token and this one
            while breaks[next_break] < start:
                next_break += 1
            if current:
                yield current
                current = []
        elif len(current) >= _MAX_SEQUENCE:
            yield current
            current = []
        current.append(token)
    if current:
        yield current


def bio_spans(tags: list[str]) -> list[tuple[int, int, str]]:
    """(start, end, label) spans of a BIO tag sequence; a stray I- opens a span (conlleval)."""
    spans = []
    start, label = None, None
    for i, tag in enumerate(tags + ["O"]):
        kind, _, name = tag.partition("-")
        if label is not None and (kind != "I" or name != label):
            spans.append((start, i, label))
            label = None
        if kind == "B" or (kind == "I" and label is None):
            start, label = i, name
    return spans


class Extractor:
    """Named-entity extractor; load once, call ``extract`` for each text.

    ``use_gazetteer`` and ``use_patterns`` switch steps 2 and 3 off (for measurements).
    """

    def __init__(self, model: str | None = None, *, use_gazetteer: bool = True,
                 use_patterns: bool = True):
        self.model = model or model_path()
        if not os.path.exists(self.model):
            raise FileNotFoundError(f"entity model not found: {self.model} (run `make model`)")
        self._tagger = pycrfsuite.Tagger()
        self._tagger.open(self.model)
        self._word_features = _word_features
        attributes = _read_attributes(self.model)
        if attributes is not None:
            self._word_features = functools.lru_cache(maxsize=1 << 18)(
                functools.partial(_pruned_word_features, attributes))
        self.use_gazetteer = use_gazetteer
        self.use_patterns = use_patterns

    def extract(self, text: str, known: KnownNames | None = None) -> list[Entity]:
        """Entities of ``text`` in text order (any string; non-Arabic text mostly gives []).

        ``known``: the authority file's spellings, found wherever they occur (see KnownNames);
        a mention of one has that spelling's key, so it links to its entry."""
        if not text:
            return []
        found: list[tuple[int, int, str, str, KnownName | None, bool]] = []
        for tokens in sentences(text):
            words = [normalize(t) for t, _, _ in tokens]
            spans = clean_spans(self.tag_sentence(words), words)
            merged = known.merge(spans, words) if known is not None else \
                [(s, e, label, None, False) for s, e, label in spans]
            for start, end, label, name, agreed in merged:
                begin, finish = tokens[start][1], tokens[end - 1][2]
                key = name.key if name is not None else entity_key(text[begin:finish])
                found.append((begin, finish, label, key, name, agreed))
        found = _short_forms(found)
        if known is not None:
            found = _named_in_full(found)
        return [Entity(text[b:f], label, b, f, key) for b, f, label, key, _, _ in found]

    def tag_sentence(self, words: list[str]) -> list[tuple[int, int, str]]:
        """Entity spans (start, end, label) over one sentence of normalised words."""
        features, matches, after_title = sentence_features(words, self._word_features)
        tags = self._tagger.tag(features)
        spans = bio_spans(tags)
        if self.use_patterns:
            spans = _join_name_parts(spans, words)
        taken = [False] * len(words)
        for s, e, _ in spans:
            taken[s:e] = [True] * (e - s)
        if self.use_gazetteer:
            for s, e, label in matches:
                if not any(taken[s:e]):
                    if label == "ORG" and e < len(words) and words[e] in NATIONALITIES \
                            and not taken[e]:
                        e += 1  # وزارة الخارجية الأميركية
                    spans.append((s, e, label))
                    taken[s:e] = [True] * (e - s)
        if self.use_patterns:
            spans += _names_after_titles(words, after_title, taken)
        spans.sort()
        return spans


def attributes_path(model: str) -> str:
    """The list of the model's attributes (feature names), written next to it by training."""
    return os.path.splitext(model)[0] + ".attributes.gz"


def _read_attributes(model: str) -> frozenset[str] | None:
    path = attributes_path(model)
    if not os.path.exists(path):
        return None
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        return frozenset(line.rstrip("\n") for line in lines)


def _pruned_word_features(attributes: frozenset[str], word: str) -> tuple[tuple[str, ...], ...]:
    """``_word_features`` without the features the model has no weight for. CRFsuite ignores
    those anyway, so the tags are the same; passing fewer strings to the tagger is faster."""
    return tuple(tuple(f for f in part if f in attributes) for part in _word_features(word))


def _join_name_parts(spans, words):
    """A person's name takes a neighbouring عبد/أبو/بن/ابن/آل and the word after it."""
    out = []
    n = len(words)
    occupied = {k for s, e, _ in spans for k in range(s, e)}
    for s, e, label in spans:
        if label == "PER":
            while s > 0 and words[s - 1] in NAME_JOINERS and s - 1 not in occupied:
                s -= 1
            while e < n and words[e - 1] in NAME_JOINERS and e not in occupied:
                e += 1
        out.append((s, e, label))
    return out


def _names_after_titles(words, after_title, taken):
    """A known first name right after a title, not tagged otherwise, starts a person's name;
    the next word joins it unless it is a stop word, a title word or already tagged."""
    first_names = person_first_names()
    spans = []
    n = len(words)
    for i in sorted(after_title):
        if i >= n or taken[i] or words[i] not in first_names or (words[i],) in TITLE_WORDS:
            continue
        end = i + 1
        while end < n and not taken[end] and (words[end - 1] in NAME_JOINERS or (
                end == i + 1 and not is_stop(words[end]) and words[end] not in NATIONALITIES
                and (words[end],) not in TITLE_WORDS)):
            end += 1
        spans.append((i, end, "PER"))
        taken[i:end] = [True] * (end - i)
    return spans


# ---------------------------------------------------------------------------------------------
# Cleaning the tagger's spans before they are linked.
# ---------------------------------------------------------------------------------------------

def _is_generic_place(words: list[str]) -> bool:
    return all(clitic_forms(w)[-1] in GENERIC_PLACE_WORDS or w in GENERIC_PLACE_WORDS for w in words)


def clean_spans(spans: list[tuple[int, int, str]], words: list[str]) -> list[tuple[int, int, str]]:
    """The tagger's spans without what is not part of the name:

    - a person's name loses titles, party and office adjectives, nationality adjectives and
      qualifiers at either end (الجمهوري دونالد → دونالد, الرئيس ترامب → ترامب, مكتب نتنياهو →
      نتنياهو); a "person" that is only such words (البابا) is dropped: a title joins a name
      only through the authority file;
    - any name loses day and month names at its end (منظمة الصحة العالمية الأربعاء);
    - a "person" headed by فيروس/مرض/جائزة… (فيروس كورونا) is a MISC name;
    - a "place" of generic place words only (ريف, شرق أوسط) is dropped.
    """
    out = []
    for start, end, label in spans:
        if label == "PER":
            if words[start] in NOT_PERSON_HEADS:
                label = "MISC"
            else:
                while start < end and words[start] in PERSON_EDGE_WORDS:
                    start += 1
                while end > start and words[end - 1] in PERSON_EDGE_WORDS:
                    end -= 1
        while end > start + 1 and words[end - 1] in TRAILING_WORDS:
            end -= 1
        if end <= start or (label == "LOC" and _is_generic_place(words[start:end])):
            continue
        out.append((start, end, label))
    return out


# ---------------------------------------------------------------------------------------------
# The dictionary pass: every spelling in the authority file, wherever the text uses it.
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class KnownName:
    """One spelling of an authority entry: its key, the entry's label and ``ref`` (the caller's
    id of the entry). ``ambiguous``: a single word that is also an everyday word, a first name,
    a month or a title (ماي, الأسد, عباس, البابا)."""

    key: str
    label: str
    ref: object
    ambiguous: bool


class KnownNames:
    """The authority file's spellings, matched over normalised words longest first, a leading
    و/ف/ب/ل/ك on the first word allowed; an entry of an organisation, place or other name also
    matches with the article ال its spelling lacks where the tagger found that name (الفيسبوك →
    فيسبوك).

    Built from (key, kind, ref) rows: ``key`` is ``entity_key`` of the spelling, ``kind`` one of
    KIND_LABEL's, ``ref`` whatever identifies the entry to the caller. Where two entries share a
    key the first row wins. An ambiguous spelling counts only where the tagger found a name of
    the same label there or the article names the same entry by an unambiguous spelling."""

    def __init__(self, rows: Iterable[tuple[str, str, object]]):
        common = common_word_aliases()
        phrases: dict[tuple[str, ...], KnownName] = {}
        self._words_of: dict[object, set[str]] = {}  # entry → the words of all its spellings
        for key, kind, ref in rows:
            words = tuple(key.split())
            label = KIND_LABEL.get(kind)
            if words and label and words not in phrases:
                ambiguous = len(words) == 1 and (words[0] in common or is_stop(words[0])
                                                 or len(words[0]) < 3)
                phrases[words] = KnownName(key, label, ref, ambiguous)
                self._words_of.setdefault(ref, set()).update(words)
        self.table = Gazetteer(phrases)

    def _spelled_like(self, extra: list[str], name: KnownName) -> bool:
        """Whether every word a longer name adds around a known spelling is a word of the same
        entry's other spellings, with or without ال (جواد ظريف, محمد جواد ظريف)."""
        words = self._words_of.get(name.ref, set())
        return all(w in words or "ال" + w in words or (w.startswith("ال") and w[2:] in words)
                   for w in extra)

    def __len__(self) -> int:
        return len(self.table.phrases)

    def find(self, words: list[str]) -> list[tuple[int, int, KnownName, bool]]:
        """Longest known spellings in ``words``, left to right: (start, end, KnownName, whether
        it matched only without the article ال of the text)."""
        table = self.table
        matches = []
        i, n = 0, len(words)
        while i < n:
            found = None
            forms = clitic_forms(words[i])
            bare = forms[-1]
            if bare.startswith("ال") and len(bare) > 4:
                forms = (*forms, bare[2:])
            for f, form in enumerate(forms):
                if form not in table.first_tokens:
                    continue
                for j in range(min(n, i + table.max_len), i, -1):
                    if found is not None and j <= found[1]:
                        break
                    name = table.phrases.get((form, *words[i + 1:j]))
                    without_article = f == len(forms) - 1 and form != bare
                    if name is not None and not (without_article and name.label == "PER"):
                        found = (i, j, name, without_article)
                        break
            if found:
                matches.append(found)
                i = found[1]
            else:
                i += 1
        return matches

    def merge(self, spans: list[tuple[int, int, str]], words: list[str]
              ) -> list[tuple[int, int, str, KnownName | None, bool]]:
        """The tagger's ``spans`` and the known spellings of one sentence, as (start, end, label,
        KnownName or None, whether the tagger agreed). A known spelling replaces the tagger's
        spans it overlaps, except a longer name of another label around it, which stays beside
        it (مطار بغداد keeps بغداد too); a longer name of the same label wins (دونالد ترامب
        جونيور is not دونالد ترامب) unless every word it adds is a word of the entry's spellings
        (جواد ظريف is محمد جواد ظريف)."""
        out: list[tuple[int, int, str, KnownName | None, bool]] = []
        dropped: set[int] = set()
        for start, end, name, without_article in self.find(words):
            agreed, inside, overlapped = False, False, []
            for k, (s, e, label) in enumerate(spans):
                if e <= start or s >= end:
                    continue
                if s <= start and e >= end and (s, e) != (start, end):
                    if label == name.label:
                        if not name.ambiguous and self._spelled_like(words[s:start] + words[end:e], name):
                            start, end = s, e  # another spelling of the same entry: جواد ظريف
                            agreed = True
                            overlapped.append(k)
                            continue
                        inside = True
                    continue  # a longer name around the known one
                agreed = agreed or label == name.label
                overlapped.append(k)
            # Read without its ال, a word is a name only where the tagger says so: الحماس is
            # "the enthusiasm", السورية "the Syrian", not حماس or سورية.
            if inside or (without_article and not agreed):
                continue
            dropped.update(overlapped)
            out.append((start, end, name.label, name, agreed))
        out += [(s, e, label, None, False) for k, (s, e, label) in enumerate(spans) if k not in dropped]
        out.sort(key=lambda span: (span[0], -span[1]))
        return out


def _named_in_full(found):
    """Drop an ambiguous known spelling the tagger did not agree with, unless the article names
    the same entry by an unambiguous spelling."""
    named = {name.ref for *_, name, _agreed in found if name is not None and not name.ambiguous}
    return [m for m in found if m[4] is None or not m[4].ambiguous or m[5] or m[4].ref in named]


def _short_forms(found):
    """A mention whose words begin or end the words of exactly one longer person's name in
    the article (هاريس, كامالا هاريس) is that person: it takes the name's key (and the label
    PER where the tagger said organisation or other; a place stays a place). A known spelling
    keeps its key unless it is an ambiguous one and the article's full name is someone else's
    (عون beside جوزيف عون); a short form joins a full one elsewhere only through the authority
    file."""
    full = {}
    for _b, _f, label, key, name, _agreed in found:
        words = tuple(key.split())
        if label == "PER" and len(words) > 1:
            full.setdefault(words, (key, name.ref if name is not None else None))
    if not full:
        return found
    out = []
    for begin, finish, label, key, name, agreed in found:
        words = tuple(key.split())
        if label != "LOC" and (name is None or name.ambiguous) and words not in full:
            n = len(words)
            targets = {target for w, target in full.items()
                       if len(w) > n and (w[:n] == words or w[-n:] == words)}
            if len(targets) == 1:
                (target, ref), = targets
                if name is None or ref != name.ref:
                    key, label, name = target, "PER", None
        out.append((begin, finish, label, key, name, agreed))
    return out


_default: Extractor | None = None


def extract(text: str) -> list[Entity]:
    """Entities of ``text`` with the shipped model (loaded on first use)."""
    global _default
    if _default is None:
        _default = Extractor()
    return _default.extract(text)
