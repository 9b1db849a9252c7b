"""Consistency and speed of Arshif's stemmer over the vocabulary of the shared news corpus.

Prints one JSON object:
- ``clitic_consistency``: for every word w of the corpus that also occurs with a proclitic c
  (c + w is in the corpus too; c one of the proclitics in CLITICS), the share of pairs with
  stem(c + w) == stem(w), overall and per kind of c (the article forms, the conjunction +
  preposition pairs, each single letter), by pair and weighted by the count of c + w;
- ``feh_kept``: of the ف-initial words whose ف-less form is rare (fewer than a tenth as many
  occurrences, or none), the share whose stem keeps the ف (فيدرر, فحص are words, not ف + يدرر);
- ``clitic_reading``: on unknown ب/ل words labelled by hand (bench/data/unknown_clitics.tsv),
  the share the stemmer reads right: the ب/ل removed (stem(w) == stem(w without it)) exactly
  where it is a clitic; per set (dev: where the rule's threshold was chosen; test: held out);
- ``speed``: stem() on every distinct word without its cache (words/s), and normalize + stem on
  the corpus tokens with warm caches (tokens/s), on one core;
- with ``--compare FILE`` (stems saved by an earlier ``--save FILE``, e.g. from the stemmer
  before a change), how many distinct words changed stem, the most frequent and a seeded sample.

    .venv/bin/python bench/stemming.py [--corpus PATH] [--save FILE] [--compare FILE]
"""
from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from build_lexicon import DEFAULT_CORPUS, count_words  # noqa: E402

from indexer import arabic  # noqa: E402

# The proclitics whose consistency is measured: conjunctions, prepositions, their pairs, and
# the article forms (the same strings as the stemmer's table, written out so that an older
# stemmer is measured on the same pairs).
CLITICS = ("وبال", "وكال", "ولل", "فبال", "فكال", "فلل", "وال", "بال", "كال", "فال", "لل", "ال",
           "وب", "وك", "ول", "فب", "فك", "فل", "و", "ف", "ب", "ك", "ل")
RARE = 0.1  # a ف-less form is rare below a tenth of the ف-form's count
LABELLED = ROOT / "bench" / "data" / "unknown_clitics.tsv"


def _group(clitic: str) -> str:
    """The article forms (ال لل وال بال …), the pairs (وب ول فك …), or the letter itself."""
    if "ال" in clitic or clitic.endswith("لل"):
        return "article"
    return "pair" if len(clitic) == 2 else clitic


def clitic_consistency(counts: Counter, stem) -> dict:
    pairs = defaultdict(lambda: [0, 0, 0, 0])  # first letter → [pairs, same, weight, same weight]
    for word in counts:
        for clitic in CLITICS:
            joined = clitic + word
            if joined in counts and not (clitic.endswith("ال") and word.startswith("ال")):
                row = pairs[_group(clitic)]
                same = stem(joined) == stem(word)
                row[0] += 1
                row[1] += same
                row[2] += counts[joined]
                row[3] += counts[joined] * same
    total = [sum(row[i] for row in pairs.values()) for i in range(4)]
    return {key: {"pairs": row[0], "same_stem": round(row[1] / row[0], 4),
                  "same_stem_weighted": round(row[3] / row[2], 4)}
            for key, row in sorted([("all", total), *pairs.items()])}


def feh_kept(counts: Counter, stem) -> dict:
    words = [w for w, n in counts.items() if w.startswith("ف") and len(w) >= 3
             and counts.get(w[1:], 0) < RARE * n]
    kept = [w for w in words if stem(w).startswith("ف")]
    lost = sorted(set(words) - set(kept), key=lambda w: -counts[w])
    return {"words": len(words), "kept": round(len(kept) / len(words), 4),
            "kept_weighted": round(sum(counts[w] for w in kept) / sum(counts[w] for w in words), 4),
            "most_frequent_lost": [f"{w} → {stem(w)}" for w in lost[:15]]}


def clitic_reading(stem, path: Path = LABELLED) -> dict:
    rows = [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines()
            if line and not line.startswith("#")]
    out = {}
    for name in sorted({row[2] for row in rows}):
        labelled = [(word, label == "C") for word, label, set_ in rows if set_ == name and label != "?"]
        wrong = [word for word, clitic in labelled if (stem(word) == stem(word[1:])) != clitic]
        out[name] = {"words": len(labelled), "right": round(1 - len(wrong) / len(labelled), 4),
                     "wrong": wrong}
    return out


def speed(counts: Counter, corpus: Path) -> dict:
    words = list(counts)
    uncached = getattr(arabic.stem, "__wrapped__", arabic.stem)
    started = time.perf_counter()
    for word in words:
        uncached(word)
    cold = time.perf_counter() - started
    tokens = []
    with gzip.open(corpus, "rt", encoding="utf-8") as f:
        for line in f:
            a = json.loads(line)
            text = (a.get("title") or "") + "\n" + (a.get("body") or "")
            tokens.extend(t for t, _, _ in arabic.tokenize(text))
    normalize, stem = arabic.normalize, arabic.stem

    def run():
        for token in tokens:
            stem(normalize(token))
    run()
    times = []
    for _ in range(3):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return {"distinct_words": len(words), "stem_uncached_words_per_s": round(len(words) / cold),
            "tokens": len(tokens), "normalize_stem_warm_tokens_per_s": round(len(tokens) / min(times))}


def compare(counts: Counter, stems: dict, old: dict, seed: int) -> dict:
    changed = sorted((w for w in stems if w in old and old[w] != stems[w]), key=lambda w: -counts[w])
    show = lambda w: f"{w} ({counts[w]}): {old[w]} → {stems[w]}"  # noqa: E731
    sample = random.Random(seed).sample(changed, min(40, len(changed)))
    return {"changed": len(changed), "of": len(stems),
            "changed_occurrences": round(sum(counts[w] for w in changed) / sum(counts.values()), 4),
            "most_frequent": [show(w) for w in changed[:30]],
            "sample": [show(w) for w in sorted(sample, key=lambda w: -counts[w])]}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--save", type=Path, help="write {word: stem} of the vocabulary here")
    parser.add_argument("--compare", type=Path, help="stems saved by an earlier --save")
    parser.add_argument("--seed", type=int, default=20260301)
    args = parser.parse_args(argv)
    if not args.corpus.exists():
        print(f"bench/stemming.py: the corpus is not at {args.corpus} (pass --corpus PATH)",
              file=sys.stderr)
        return 2
    with gzip.open(args.corpus, "rt", encoding="utf-8") as f:
        counts = count_words(f)
    report = {"corpus": str(args.corpus), "words": len(counts), "speed": speed(counts, args.corpus)}
    stem = arabic.stem
    report["clitic_consistency"] = clitic_consistency(counts, stem)
    report["feh_kept"] = feh_kept(counts, stem)
    report["clitic_reading"] = clitic_reading(stem)
    stems = {w: stem(w) for w in counts}
    if args.save:
        args.save.write_text(json.dumps(stems, ensure_ascii=False))
    if args.compare:
        report["changed_stems"] = compare(counts, stems, json.loads(args.compare.read_text()), args.seed)
    print(json.dumps(report, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
