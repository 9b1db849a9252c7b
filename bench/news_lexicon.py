"""Label-free lexicons mined from the unlabelled news, for the entity tagger (issue 12).

For each normalised word of ../shared/corpus/news.jsonl.gz (read and sentence-split exactly as
bench/tag_dictionary.py and the extractor do) the table counts, with no labels and no tagger:

- occurrences;
- trigger contexts: occurrences one or two words after an ORG head (نادي صحيفة وكالة بنك ...),
  a PER cue (السيد اللاعب الوزير ..., قال/قالت) or a LOC cue (مدينة ولاية محافظة ...), the head
  also behind و ف ب ل ك;
- foreign-name cues: occurrences right before a Latin-script word, and before "(" + a Latin word
  (سلتيك (Celtic));
- other contexts: occurrences right after في, and right before a nationality adjective;
- morphological productivity of the word's bare form (its ال and clitics off): how often the
  corpus shows it with ال, without, and with a possessive or plural ending (ها هم كم نا هما ات
  ين ون; مدينه → مدينتها), and as a relative adjective (لبنان → لبناني: places do, people and
  companies rarely). Names rarely take ال or an ending.

So the table depends on the news text alone: the same table serves every CV fold (no label of
any fold goes into it) and the same corpus gives the same bytes.

Writes word TAB the COLUMNS' counts, for the words seen at least MIN_COUNT times.

    python bench/news_lexicon.py [--corpus PATH] [--out PATH] [--articles N]
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import os
import re
import sys
import time
from collections import Counter

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)
sys.path.insert(0, HERE)

import tag_dictionary  # noqa: E402

from indexer.arabic import is_stop, normalize  # noqa: E402
from indexer.entities import sentences as text_sentences  # noqa: E402
from indexer.entity_keys import clitic_forms  # noqa: E402
from indexer.gazetteers import NATIONALITIES  # noqa: E402

DEFAULT_OUT = os.path.join(ROOT, "instance", "news-lexicon.tsv.gz")
MIN_COUNT = 3

COLUMNS = ("n", "org", "per", "loc", "latin", "paren", "fi", "nat", "al", "bare", "ending", "nisba")

CUES = {
    "org": "نادي فريق منتخب صحيفة جريدة مجلة وكالة قناة اذاعة شركة بنك مصرف حزب حركة منظمة جمعية "
           "جامعة مجموعة",
    "per": "السيد الرئيس اللاعب المدرب الكاتب الوزير الشيخ قال قالت",
    "loc": "مدينة بلدة ولاية محافظة قرية عاصمة منطقة",
}
ENDINGS = ("ه", "ها", "هم", "كم", "نا", "هما", "ات", "ين", "ون")
NISBA = ("ي", "يه", "يون", "يين")


def cue_sets() -> dict[str, frozenset[str]]:
    return {kind: frozenset(normalize(w) for w in words.split()) for kind, words in CUES.items()}


def read_news(path: str, articles: int | None = None):
    """The normalised words of the corpus (each once), every sentence as their ids, and per
    sentence which tokens have an opening bracket between them and the previous token."""
    ids: dict[str, int] = {}
    sentences, brackets = [], []
    for text in tag_dictionary.news_texts(path, articles):
        for tokens in text_sentences(text):
            sentences.append(np.array([ids.setdefault(normalize(t), len(ids)) for t, _, _ in tokens],
                                      dtype=np.int32))
            brackets.append(np.array([k > 0 and "(" in text[tokens[k - 1][2]:tokens[k][1]]
                                      for k in range(len(tokens))], dtype=bool))
    return list(ids), sentences, brackets


def _is_latin(word: str) -> bool:
    return word[:1].isascii() and word[:1].isalpha()


def bare_form(word: str, occurrences: dict[str, int]) -> str:
    """The word without its clitics and ال (the form whose productivity is counted): of its
    clitic forms the one the corpus shows most often (فرانس is no ف + رانس), then without ال."""
    bare = max(clitic_forms(word), key=lambda form: occurrences.get(form, 0))
    return bare[2:] if bare.startswith("ال") and len(bare) > 4 else bare


def ending_forms(bare: str) -> list[str]:
    """The bare form with a possessive or plural ending (ة, normalised ه, becomes ت before one)."""
    stem = bare[:-1] + "ت" if bare.endswith("ه") else bare
    return [stem + e for e in ENDINGS]


def nisba_forms(bare: str) -> list[str]:
    """The bare form as a relative adjective, also with ال (لبنان → لبناني, سوريا → سوري, فرنسا → فرنسيه)."""
    stem = bare[:-2] if bare.endswith("يا") else bare[:-1] if bare.endswith(("ا", "ه")) else bare
    return [article + stem + e for article in ("", "ال") for e in NISBA]


def count(vocabulary: list[str], sentences: list[np.ndarray], brackets: list[np.ndarray]) -> np.ndarray:
    """words × COLUMNS counts (see the module's docstring)."""
    size = len(vocabulary)
    cues = cue_sets()
    kinds = {kind: np.array([any(f in words for f in clitic_forms(w)) for w in vocabulary])
             for kind, words in cues.items()}
    latin = np.array([_is_latin(w) for w in vocabulary])
    fi = np.array([w == "في" for w in vocabulary])
    nat = np.array([w in NATIONALITIES for w in vocabulary])
    ids = np.concatenate(sentences)
    first = np.zeros(len(ids), dtype=bool)
    starts = np.cumsum([0] + [len(s) for s in sentences[:-1]])
    first[starts] = True
    second = np.zeros(len(ids), dtype=bool)
    second[starts[np.array([len(s) for s in sentences]) > 1] + 1] = True
    bracket = np.concatenate(brackets)
    prev1 = np.where(first, -1, np.roll(ids, 1))
    prev2 = np.where(first | second, -1, np.roll(ids, 2))
    last = np.roll(first, -1)
    last[-1] = True
    next1 = np.where(last, -1, np.roll(ids, -1))
    next_bracket = np.where(last, False, np.roll(bracket, -1))

    def at(mask, where):  # mask over the vocabulary, looked up at positions (-1: none)
        return np.where(where >= 0, mask[np.maximum(where, 0)], False)

    out = np.zeros((size, len(COLUMNS)), dtype=np.int64)
    out[:, 0] = np.bincount(ids, minlength=size)
    for k, kind in enumerate(("org", "per", "loc")):
        after = at(kinds[kind], prev1) | at(kinds[kind], prev2)
        out[:, 1 + k] = np.bincount(ids[after], minlength=size)
    before_latin = at(latin, next1)
    out[:, 4] = np.bincount(ids[before_latin], minlength=size)
    out[:, 5] = np.bincount(ids[before_latin & next_bracket], minlength=size)
    out[:, 6] = np.bincount(ids[at(fi, prev1)], minlength=size)
    out[:, 7] = np.bincount(ids[at(nat, next1)], minlength=size)
    # Productivity, of each word's bare form, from the occurrences of all words.
    occurrences = dict(zip(vocabulary, out[:, 0].tolist()))
    for i, word in enumerate(vocabulary):
        bare = bare_form(word, occurrences)
        out[i, 8] = occurrences.get("ال" + bare, 0)
        out[i, 9] = occurrences.get(bare, 0)
        out[i, 10] = sum(occurrences.get(f, 0) for f in ending_forms(bare))
        out[i, 11] = sum(occurrences.get(f, 0) for f in nisba_forms(bare))
    return out


def table(vocabulary: list[str], counts: np.ndarray, min_count: int = MIN_COUNT) -> dict[str, tuple[int, ...]]:
    keep = np.flatnonzero(counts[:, 0] >= min_count)
    return {vocabulary[i]: tuple(counts[i].tolist()) for i in keep.tolist()}


def read(path: str) -> dict[str, tuple[int, ...]]:
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        return {word: tuple(map(int, rest.split("\t"))) for word, rest in
                (line.rstrip("\n").split("\t", 1) for line in lines)}


def build(corpus: str = tag_dictionary.DEFAULT_CORPUS, articles: int | None = None) -> dict[str, tuple[int, ...]]:
    return table(*_counted(*read_news(corpus, articles)))


def _counted(vocabulary, sentences, brackets):
    return vocabulary, count(vocabulary, sentences, brackets)


# ---------------------------------------------------------------------------------------------
# How much a word's letters look like a name's (mostly: a transliterated foreign name's): a naive
# Bayes model of letter 2-4-grams, trained on two classes the lexicon itself gives, no labels:
# words the news shows as names (never with ال or an ending, after a trigger or before a Latin
# name) against words it shows inflected (often with ال or an ending). Scores any word, also
# one the news never shows (اندرليخت 0.85, كوشيتك 1.48; الحكومه -1.29).
# ---------------------------------------------------------------------------------------------

_ARABIC_WORD = re.compile("^[\u0621-\u064a]+$")
GRAM_SIZES = (2, 3, 4)
GRAM_SMOOTHING = 0.5


def name_classes(lexicon: dict[str, tuple[int, ...]], min_forms: int = 10) -> tuple[list[str], list[str]]:
    """(name-like words, inflected words) of the lexicon, each sorted."""
    names, common = [], []
    for word, (n, org, per, loc, latin, _, _, _, al, bare, ending, nisba) in lexicon.items():
        if not _ARABIC_WORD.match(word) or word.startswith("ال") or len(word) < 3 or n != bare:
            continue
        forms = al + bare
        if forms < min_forms:
            continue
        if al / forms < 0.01 and (ending + nisba) / forms < 0.005 and \
                ((per + org + loc) / n >= 0.05 or latin / n >= 0.02):
            names.append(word)
        elif al / forms >= 0.1 or ending / forms >= 0.02:
            common.append(word)
    return sorted(names), sorted(common)


def grams(word: str) -> list[str]:
    marked = "^" + word + "$"
    return [marked[i:i + k] for k in GRAM_SIZES for i in range(len(marked) - k + 1)]


def gram_weights(names: list[str], common: list[str]) -> dict[str, float]:
    """letter n-gram → log P(gram | name) − log P(gram | inflected), add-0.5 smoothed; the key ""
    holds the weight of a gram neither class shows."""
    in_names = Counter(g for w in names for g in grams(w))
    in_common = Counter(g for w in common for g in grams(w))
    size = len(set(in_names) | set(in_common)) + 1
    names_total = sum(in_names.values()) + GRAM_SMOOTHING * size
    common_total = sum(in_common.values()) + GRAM_SMOOTHING * size
    weights = {g: round(math.log((in_names[g] + GRAM_SMOOTHING) / names_total)
                        - math.log((in_common[g] + GRAM_SMOOTHING) / common_total), 3)
               for g in sorted(set(in_names) | set(in_common))}
    weights[""] = round(math.log(GRAM_SMOOTHING / names_total) - math.log(GRAM_SMOOTHING / common_total), 3)
    return weights


def name_score(word: str, weights: dict[str, float]) -> float:
    """The mean log-odds of ``word``'s letter n-grams (its ال off): above 0 looks like a name."""
    if word.startswith("ال") and len(word) > 4:
        word = word[2:]
    found = grams(word)
    unseen = weights[""]
    return sum(weights.get(g, unseen) for g in found) / len(found)


# ---------------------------------------------------------------------------------------------
# Names of bodies as the news writes them: the word sequences that follow an ORG head word
# (الاتحاد الدولي لكره القدم, وكاله انباء الشرق الاوسط) often enough, each word a stable
# continuation of the words before it. A tagger can mark a sentence's longest such phrase the
# way it marks a gazetteer phrase, without labels.
# ---------------------------------------------------------------------------------------------

PHRASE_HEADS = ("الاتحاد اتحاد المنظمة منظمة اللجنة لجنة الهيئة هيئة الوكالة وكالة البنك بنك المصرف مصرف "
                "الشركة شركة الحزب حزب الحركة حركة الجمعية جمعية الجامعة جامعة المجلس مجلس النادي نادي "
                "الصحيفة صحيفة جريدة مجلة قناة اذاعة المعهد معهد المركز مركز المجموعة مجموعة الجبهة جبهة "
                "المنتخب منتخب الفريق فريق المؤسسة مؤسسة تيار")
PHRASE_MIN_COUNT = 5
PHRASE_MAX_WORDS = 6
PHRASE_STABLE = 0.2


def phrase_heads() -> frozenset[str]:
    return frozenset(normalize(w) for w in PHRASE_HEADS.split())


def head_form(word: str, heads: frozenset[str]) -> str | None:
    """The head word ``word`` is (behind و ف ب ل ك), or None."""
    return next((f for f in clitic_forms(word) if f in heads), None)


def count_phrases(vocabulary: list[str], sentences: list[np.ndarray], heads: frozenset[str] | None = None
                  ) -> dict[tuple[str, ...], int]:
    """head phrase (the head without clitics, then the words after it) → occurrences, for the
    phrases of 2..PHRASE_MAX_WORDS words seen at least PHRASE_MIN_COUNT times whose last word
    follows the words before it at least PHRASE_STABLE of the time and is no stop word."""
    heads = phrase_heads() if heads is None else heads
    head_of = {i: h for i, w in enumerate(vocabulary) if (h := head_form(w, heads)) is not None}
    counts: Counter = Counter()
    for sentence in sentences:
        ids = sentence.tolist()
        for i, word in enumerate(ids):
            head = head_of.get(word)
            if head is None:
                continue
            phrase = (head,)
            counts[phrase] += 1
            for word in ids[i + 1:i + PHRASE_MAX_WORDS]:
                phrase += (vocabulary[word],)
                counts[phrase] += 1
    return {phrase: n for phrase, n in counts.items()
            if len(phrase) > 1 and n >= PHRASE_MIN_COUNT and n >= PHRASE_STABLE * counts[phrase[:-1]]
            and not is_stop(phrase[-1]) and all(p in counts and counts[p] >= PHRASE_MIN_COUNT
                                                 for p in (phrase[:k] for k in range(2, len(phrase))))}


def phrase_spans(words: list[str], phrases: dict[tuple[str, ...], int], heads: frozenset[str]
                 ) -> list[tuple[int, int, int]]:
    """(start, end, occurrences) of the longest mined phrase at each head, left to right."""
    out = []
    i, n = 0, len(words)
    while i < n:
        head = head_form(words[i], heads)
        best = None
        if head is not None:
            for end in range(min(n, i + PHRASE_MAX_WORDS), i + 1, -1):
                found = phrases.get((head, *words[i + 1:end]))
                if found is not None:
                    best = (i, end, found)
                    break
        if best:
            out.append(best)
            i = best[1]
        else:
            i += 1
    return out


def write_phrases(path: str, phrases: dict[tuple[str, ...], int]) -> None:
    tag_dictionary.write(path, {" ".join(p): (n,) for p, n in phrases.items()})


def read_phrases(path: str) -> dict[tuple[str, ...], int]:
    return {tuple(words.split(" ")): row[0] for words, row in read(path).items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=tag_dictionary.DEFAULT_CORPUS)
    parser.add_argument("--out", default=DEFAULT_OUT)
    parser.add_argument("--articles", type=int, default=None)
    args = parser.parse_args()
    began = time.process_time()
    lexicon = build(args.corpus, args.articles)
    tag_dictionary.write(args.out, lexicon)
    print(json.dumps({"kept": len(lexicon), "cpu_seconds": round(time.process_time() - began, 1),
                      "out": os.path.relpath(args.out, ROOT), "bytes": os.path.getsize(args.out)},
                     ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
