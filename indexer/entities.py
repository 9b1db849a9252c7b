"""People, organisations, places and other names in Arabic news text.

``extract(text)`` returns ``Entity`` spans with exact character offsets into ``text``. Three
sources are combined, in this order of trust:

1. a tagger of the sentences' words (``Tagger``): the shipped one is a linear-chain CRF trained
   on ANERcorp by ``bench/train_ner.py`` (python-crfsuite) and decoded by ``indexer.crf_tagger``;
   its features come from ``arabic.normalize``, ``arabic.stem``/``light10``, affixes, word shape,
   the gazetteers and the words around (±2); a name it tags in the text is given to its
   untagged exact repeats elsewhere in the same text (``DOCUMENT_RULE``);
2. gazetteer phrases the CRF missed (``indexer.gazetteers``: CLDR places, curated
   organisations), longest match on normalised tokens, a leading و/ف/ب/ل/ك on the first word
   allowed; an organisation takes a following nationality adjective along. A state's body named
   by its function (وزارة الخارجية, مجلس النواب) and a one-word phrase that is also an everyday
   word (مالي, صور) are left to the tagger and the dictionary pass, as ANERcorp tags them;
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

This module is the extraction itself (sentences, tagging, name patterns, cleaning, short forms);
the CRF features are in ``indexer.entity_features``, the dictionary pass in
``indexer.entity_dictionary`` and the keys in ``indexer.entity_keys``.
"""

from __future__ import annotations

import bisect
import functools
import operator
import os
import re
from dataclasses import dataclass
from importlib import resources
from typing import Collection, Iterable, Protocol

from indexer.arabic import is_stop, normalize, strip_marks, tokenize
from indexer.entity_dictionary import KIND_LABEL, KnownName, KnownNames, named_in_full
from indexer.crf_tagger import CrfTagger
from indexer.document_context import DocumentsTagger, DocumentTagger, PropagatingTagger, document_model_path, \
    tag_documents
from indexer.entity_network import NetworkTagger
from indexer.entity_features import CLUSTERS_FILE, Sentence, gazetteer_matches, read_sentence, sentence_features, \
    tag_dictionary, word_clusters
from indexer.entity_keys import clitic_forms, display_name, entity_key
from indexer.gazetteers import (AMBIGUOUS_LABELS, BODY_HEADS, GENERIC_PLACE_WORDS, NAME_JOINERS, NATIONALITIES, NOT_PERSON_HEADS,
                                PERSON_EDGE_WORDS, TITLE_WORDS, TRAILING_WORDS, common_word_aliases, default_gazetteer,
                                function_bodies, person_first_names)

# Re-exported: the keys, features and dictionary pass live in indexer.entity_keys,
# indexer.entity_features and indexer.entity_dictionary.
__all__ = ["Entity", "Extractor", "Tagger", "DocumentsTagger", "Sentence", "KnownNames", "extract", "entity_key",
           "display_name", "sentence_features", "clean_spans", "word_clusters", "LABELS", "KIND_LABEL", "MODEL_FILE",
           "CLUSTERS_FILE", "model_path", "load_tagger"]

LABELS = ("PER", "ORG", "LOC", "MISC")
MODEL_FILE = "ner.crfsuite"

# Whether the extractor propagates the tagger's names to their untagged exact repeats in the text
# (indexer.document_context). On: 5-fold CV +0.006 F1 (eighth session), for 3 % of the tagger's
# cold speed; the facet check on 20,000 articles is unchanged (docs/entities.md, ninth session).
DOCUMENT_RULE = True

# A sequence tagged at once: a sentence, cut at this many tokens (Viterbi is linear in the
# length anyway; the cut only bounds one call on text without punctuation).
_MAX_SEQUENCE = 120


class _NormalizedTokens(dict):
    """``normalize`` of each token looked up (``table[token]``), kept: news repeats its words.
    Emptied when it holds _NORMALIZED_KEPT tokens (a plain dict is read faster than an LRU cache,
    and what is dropped costs one ``normalize`` again)."""

    def __missing__(self, token: str) -> str:
        if len(self) >= _NORMALIZED_KEPT:
            self.clear()
        word = self[token] = normalize(token)
        return word


_NORMALIZED_KEPT = 1 << 18
_normalized = _NormalizedTokens()
_START = operator.itemgetter(1)  # of a token (token, start, end)

# Characters between two tokens that end a sentence: . ! ? ؟ ؛ : and line breaks.
_SENTENCE_BREAK = re.compile(r"[.!?\u061F\u061B:\n]")
# Letters written with dots between them (بي.بي.سي, أ.ف.ب): one name, not three sentences.
_ABBREVIATION = re.compile(r"(?<!\w)(?:[^\W\d_]{1,3}\.)+[^\W\d_]{1,3}(?!\w)")
_LETTER_DOT_LETTER = re.compile(r"[^\W\d_]\.[^\W\d_]")  # rare: looked for first
# Characters between two tokens that no name runs across: commas, brackets, quotation marks.
_NAME_BREAK = re.compile(r"[,\u060C()\[\]{}«»\"“”]")
_ARABIC_LETTER = re.compile("[\u0621-\u064A]")
# What may stand between a body's head word and its name written in quotation marks or brackets.
_OPENING = frozenset("«“([{\"")


@dataclass(frozen=True, slots=True)
class Entity:
    """One mention: ``text == original[start:end]``; ``key`` is its authority-file lookup form."""

    text: str
    label: str
    start: int
    end: int
    key: str


class Tagger(Protocol):
    """What the extractor needs of a model: BIO tags (``B-PER``, ``I-ORG``, ``O``; labels of
    LABELS) for every word of every sentence. All sentences of a text come in one call. A tagger
    that can also tag several texts in one call is a ``DocumentsTagger`` (the shipped ones are):
    ``Extractor.extract_many`` gives it all its texts at once."""

    def tag(self, sentences: list[Sentence]) -> list[list[str]]: ...


def model_path() -> str:
    """The shipped model file inside the installed ``indexer`` package."""
    return str(resources.files("indexer") / "data" / MODEL_FILE)


def load_tagger(path: str) -> Tagger:
    """The tagger stored in the model file ``path`` (a CRFsuite model: ``*.crfsuite``, two-stage
    when its second stage ``*-document.crfsuite`` is beside it; the network tagger of
    ``indexer.entity_network``: ``*.npz``)."""
    if not os.path.exists(path):
        raise FileNotFoundError(f"entity model not found: {path} (run `make model`)")
    if path.endswith(".crfsuite"):
        second = document_model_path(path)
        if os.path.exists(second):  # the two-stage tagger (indexer.document_context)
            return DocumentTagger(path, second, _tagger_spans, bio_spans)
        return CrfTagger(path)
    if path.endswith(".npz"):
        return NetworkTagger(path)
    raise ValueError(f"unknown entity model format: {path}")


# ---------------------------------------------------------------------------------------------
# Extraction.
# ---------------------------------------------------------------------------------------------

def _has_letter_dot_letter(text: str) -> bool:
    """Whether a dot of ``text`` stands between two letters (rare); each dot is looked at,
    which is quicker than a search trying every character."""
    match, find = _LETTER_DOT_LETTER.match, text.find
    dot = find(".", 1)
    while dot != -1:
        if match(text, dot - 1):
            return True
        dot = find(".", dot + 1)
    return False


def sentences(text: str) -> Iterable[list[tuple[str, int, int]]]:
    """``arabic.tokenize`` tokens of ``text`` grouped into sentences of at most _MAX_SEQUENCE."""
    dots = {m.start() + k for m in _ABBREVIATION.finditer(text) for k, c in enumerate(m.group()) if c == "."} \
        if _has_letter_dot_letter(text) else ()
    tokens = list(tokenize(text))
    # A break (never inside a token) ends the sentence before the first token after it.
    ends = [bisect.bisect_right(tokens, m.start(), key=_START) for m in _SENTENCE_BREAK.finditer(text)
            if m.start() not in dots]
    ends.append(len(tokens))
    begin = 0
    for end in ends:
        while end - begin > _MAX_SEQUENCE:
            yield tokens[begin:begin + _MAX_SEQUENCE]
            begin += _MAX_SEQUENCE
        if end > begin:
            yield tokens[begin:end]
            begin = end


def bio_spans(tags: list[str]) -> list[tuple[int, int, str]]:
    """(start, end, label) spans of a BIO tag sequence; a stray I- opens a span (conlleval)."""
    if tags.count("O") == len(tags):
        return []  # most sentences
    spans = []
    start, label = None, None
    for i, tag in enumerate(tags + ["O"]):
        if tag == "O":  # most words: nothing opens
            if label is not None:
                spans.append((start, i, label))
                label = None
            continue
        kind, _, name = tag.partition("-")
        if label is not None and (kind != "I" or name != label):
            spans.append((start, i, label))
            label = None
        if kind == "B" or (kind == "I" and label is None):
            start, label = i, name
    return spans


def _tagger_spans(words: list[str], tags: list[str]) -> list[tuple[int, int, str]]:
    """A sentence's names as a first stage's tags give them (what document context counts)."""
    return clean_spans(bio_spans(tags), words)


class Extractor:
    """Named-entity extractor; load once, call ``extract`` for each text.

    ``model``: a model file (the shipped one by default); ``tagger``: a Tagger object instead.
    ``use_gazetteer`` and ``use_patterns`` switch steps 2 and 3 off (for measurements).
    ``document_rule``: the tagger's names are propagated to their untagged exact repeats in the
    text (``indexer.document_context.PropagatingTagger``; DOCUMENT_RULE by default).
    """

    def __init__(self, model: str | None = None, *, tagger: Tagger | None = None, use_gazetteer: bool = True,
                 use_patterns: bool = True, document_rule: bool | None = None):
        self.model = model or model_path()
        self.tagger = tagger if tagger is not None else load_tagger(self.model)
        if DOCUMENT_RULE if document_rule is None else document_rule:
            self.tagger = PropagatingTagger(self.tagger, _tagger_spans, bio_spans)
        self.use_gazetteer = use_gazetteer
        self.use_patterns = use_patterns

    def extract(self, text: str, known: KnownNames | None = None) -> list[Entity]:
        """Entities of ``text`` in text order (any string; non-Arabic text mostly gives []).

        ``known``: the authority file's spellings, found wherever they occur (see KnownNames);
        a mention of one has that spelling's key, so it links to its entry."""
        return self.extract_many([text], known)[0]

    def extract_many(self, texts: list[str], known: KnownNames | None = None) -> list[list[Entity]]:
        """``extract`` of each of ``texts``, the same entities; a tagger that tags several texts in
        one call (``DocumentsTagger``) gets them all at once, which is faster per text."""
        # A sentence without an Arabic letter (an English quote, a list of numbers) is not tagged:
        # the model has seen almost none, and took "hello world" for an organisation.
        token_lists = [[tokens for tokens in sentences(text)
                        if _ARABIC_LETTER.search(text, tokens[0][1], tokens[-1][2])] for text in texts]
        read = [[read_sentence([_normalized[t] for t, _, _ in tokens]) for tokens in lists] for lists in token_lists]
        tags = tag_documents(self.tagger, read)
        return [self._entities(*one, known) for one in zip(texts, token_lists, read, tags)]

    def _entities(self, text: str, token_lists: list[list[tuple[str, int, int]]], read: list[Sentence],
                  tags: list[list[str]], known: KnownNames | None) -> list[Entity]:
        """The entities of ``text`` from its sentences' tokens, words and tags."""
        found: list[tuple[int, int, str, str, KnownName | None, bool]] = []
        for tokens, sentence, sentence_tags in zip(token_lists, read, tags):
            words = sentence.words
            breaks = name_breaks(text, tokens, words)
            spans = clean_spans(split_at_punctuation(without_preposition(self.sentence_spans(sentence, sentence_tags),
                                                                         tokens),
                                                     words, breaks), words)
            merged = known.merge(spans, words, _commas(breaks)) if known is not None else \
                [(s, e, label, None, False) for s, e, label in spans]
            for start, end, label, name, agreed in merged:
                begin, finish = tokens[start][1], tokens[end - 1][2]
                key = name.key if name is not None else entity_key(text[begin:finish])
                found.append((begin, finish, label, key, name, agreed))
        found = _short_forms(found)
        if known is not None:
            found = named_in_full(found)
        return [Entity(text[b:f], label, b, f, key) for b, f, label, key, _, _ in found]

    def sentence_spans(self, sentence: Sentence, tags: list[str]) -> list[tuple[int, int, str]]:
        """Entity spans (start, end, label) of one sentence: the tagger's, then gazetteer phrases
        and names after titles where it found nothing."""
        words = sentence.words
        spans = bio_spans(tags)
        if self.use_patterns:
            spans = _join_name_parts(spans, words)
        taken = [False] * len(words)
        for s, e, _ in spans:
            taken[s:e] = [True] * (e - s)
        if self.use_gazetteer:
            for s, e, label in sentence.matches:
                if not any(taken[s:e]) and not _by_function_or_common(words, s, e, label):
                    if label == "ORG" and e < len(words) and words[e] in NATIONALITIES \
                            and not taken[e]:
                        e += 1  # وزارة الخارجية الأميركية
                    spans.append((s, e, label))
                    taken[s:e] = [True] * (e - s)
        if self.use_patterns:
            spans += _names_after_titles(words, sentence.after_title, taken)
        spans.sort()
        return spans


def _by_function_or_common(words: list[str], start: int, end: int, label: str) -> bool:
    """Whether the gazetteer phrase ``words[start:end]`` is one the gazetteer step leaves to the
    tagger and the authority file: a state's body named by its function (``function_bodies``:
    وزارة الخارجية, مجلس النواب, الجيش الإسرائيلي), a name that is also an everyday word
    (``AMBIGUOUS_LABELS``: النصر "victory", النهار "daytime", العين "the eye"; ``common_word_aliases``: مالي
    "financial", صور "pictures"), a name found in a word without its clitic where the whole word
    is an everyday word of its own (``_everyday_word``: كابل "cable" is not ك + أبل "Apple"), or a
    place in an idiom (مسقط رأسه "his birthplace", not Muscat)."""
    if label in AMBIGUOUS_LABELS:
        return True
    forms = clitic_forms(words[start])
    if end - start == 1:
        if any(form in common_word_aliases() for form in forms):
            return True
        if (words[start],) not in default_gazetteer().phrases and _everyday_word(words[start], label):
            return True
        follows = _IDIOMS.get(forms[-1])
        return follows is not None and end < len(words) and words[end].startswith(follows)
    bodies = function_bodies()
    rest = tuple(words[start + 1:end])
    return label == "ORG" and any((form, *rest) in bodies for form in forms)


# A place's name followed by what makes it an idiom: مسقط رأسه "his birthplace" (رأس "head",
# normalised راس, with any ending).
_IDIOMS = {normalize("مسقط"): "راس"}

# The share of a word's occurrences in the news inside a name of the label (tag dictionary
# buckets, ``entity_features.count_flags``) under which the word is an everyday word: bucket 3 is
# 0.2 and over.
_NAME_SHARE_BUCKET = 3


def _everyday_word(word: str, label: str) -> bool:
    """Whether the news (the shipped tag dictionary) shows ``word`` itself, as written with what
    looks like a clitic, mostly outside names of ``label``: كابل, 37 times, 3 of them in an
    organisation's name (ك + أبل is no mention of Apple there); وأبل, 28 of 44, is."""
    flags = tag_dictionary().get(word)
    if not flags:
        return False
    share = "d" + label[:1] + "="
    return any(f.startswith(share) and int(f[len(share):]) < _NAME_SHARE_BUCKET for f in flags)


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

def name_breaks(text: str, tokens: list[tuple[str, int, int]], words: list[str]) -> dict[int, bool]:
    """The positions i of a sentence's words where a comma, bracket or quotation mark stands
    between word i-1 and word i (→ whether a comma is among them): no name of the tagger, a
    gazetteer phrase or a name pattern runs across one, and no known spelling across a comma.
    Not a break: a quotation mark or bracket that opens a body's name right after its head word
    (تنظيم "الدولة الإسلامية", وكالة "رويترز")."""
    breaks: dict[int, bool] = {}
    for mark in _NAME_BREAK.finditer(text, tokens[0][2], tokens[-1][1]) if tokens else ():
        i = bisect.bisect_right(tokens, mark.start(), key=_START)  # the word after the mark
        if i in breaks or tokens[i - 1][2] > mark.start():
            continue
        marks = text[tokens[i - 1][2]:tokens[i][1]].strip()
        if set(marks) <= _OPENING and (text[tokens[i - 1][2]].isspace() or '"' not in marks) \
                and any(form in BODY_HEADS for form in clitic_forms(words[i - 1])):
            continue
        breaks[i] = "," in marks or "\u060C" in marks
    return breaks


def _commas(breaks: dict[int, bool]) -> set[int] | tuple:
    """Where the dictionary pass stops: at a comma only. A whole known spelling across a bracket or
    a quotation mark is the writer's own bracketing of the name ("(الرئيس الأمريكي دونالد) ترامب",
    "وكيم (جونغ أون)"): in 20,000 articles every one of 57 such matches was right."""
    return {i for i, comma in breaks.items() if comma} if breaks else ()


# The preposition على as written, with alef maqsura: normalised it reads as the given name علي,
# and the tagger sometimes takes it for one ("على هاريس", or على alone: 13 times in the first
# 3,000 news articles; ANERcorp never starts a name with it). Spelled علي, it stays a name.
PREPOSITION_AS_WRITTEN = "على"


def without_preposition(spans: list[tuple[int, int, str]], tokens: list[tuple[str, int, int]]
                        ) -> list[tuple[int, int, str]]:
    """Spans without a leading preposition على as the text writes it (``PREPOSITION_AS_WRITTEN``);
    a span of nothing else is dropped."""
    out = []
    for start, end, label in spans:
        # strip_marks only deletes characters: without ى the token cannot be على (most tokens)
        while start < end and "ى" in tokens[start][0] and strip_marks(tokens[start][0]) == PREPOSITION_AS_WRITTEN:
            start += 1
        if start < end:
            out.append((start, end, label))
    return out


def split_at_punctuation(spans: list[tuple[int, int, str]], words: list[str], breaks: Collection[int]
                         ) -> list[tuple[int, int, str]]:
    """Spans cut at the sentence's ``breaks`` (``name_breaks``: a tagger's ORG over "بي بي سي)،
    السبت، أن سكريبال"); a piece of stop words, day and month names only is dropped (السبت)."""
    if not breaks:
        return spans
    out = []
    for start, end, label in spans:
        cuts = [i for i in range(start + 1, end) if i in breaks]
        if not cuts:
            out.append((start, end, label))
            continue
        bounds = [start, *cuts, end]
        out += [(s, e, label) for s, e in zip(bounds, bounds[1:])
                if not all(is_stop(w) or w in TRAILING_WORDS for w in words[s:e])]
    return out


def _is_generic_place(words: list[str]) -> bool:
    """Whether ``words`` are generic place words only (شرق أوسط, ريف) and not a place the
    gazetteer lists (الشرق الأوسط, بالشرق الأوسط: the gazetteer step's own match, clitics and all)."""
    return all(map(_generic_place_word, words)) and gazetteer_matches(words) != [(0, len(words), "LOC")]


@functools.lru_cache(maxsize=1 << 14)
def _generic_place_word(word: str) -> bool:
    return word in GENERIC_PLACE_WORDS or clitic_forms(word)[-1] in GENERIC_PLACE_WORDS


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
