"""Recall on names the training folds have seen and on the others, from ner_experiments' misses.

A gold name of a held-out fold is "seen" when the same words are a gold name of the same label
in the fold's training part (the other folds); recall is counted separately on both kinds.

    python bench/ner_experiments.py VARIANT --misses MISSES.jsonl
    python bench/ner_seen_recall.py MISSES.jsonl [--folds 5] [--fold 0 ...]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter, defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)
sys.path.insert(0, HERE)

import train_ner  # noqa: E402
from indexer.entities import bio_spans  # noqa: E402

LABELS = ("PER", "ORG", "LOC")


def gold_names(data, folds: int):
    """Per fold, its gold (sentence, start, end, label, text) names."""
    size = len(data)
    out = defaultdict(list)
    for k, (_, _, words, tags) in enumerate(data):
        fold = next(f for f in range(folds) if k < size * (f + 1) // folds)
        for s, e, label in bio_spans(tags):
            out[fold].append((k, s, e, label, " ".join(words[s:e])))
    return out


def seen_recall(data, misses: list[dict], folds: int, only: list[int] | None = None) -> dict:
    """{variant: {label: {"seen": [recall, names], "unseen": [recall, names]}}}."""
    names = gold_names(data, folds)
    kinds = {}
    for fold in only or range(folds):
        known = {(label, text) for other in range(folds) if other != fold
                 for _, _, _, label, text in names[other]}
        for k, s, e, label, text in names[fold]:
            kinds[(k, s, e, label)] = "seen" if (label, text) in known else "unseen"
    total = Counter((label, kind) for (_, _, _, label), kind in kinds.items())
    missed = defaultdict(Counter)
    for m in misses:
        key = (m["sentence"], *m["gold"])
        if key in kinds:
            missed[m["variant"]][(m["gold"][2], kinds[key])] += 1
    return {variant: {label: {kind: [round(1 - lost[(label, kind)] / total[(label, kind)], 4)
                                     if total[(label, kind)] else None, total[(label, kind)]]
                              for kind in ("seen", "unseen")} for label in LABELS}
            for variant, lost in missed.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("misses")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--fold", type=int, action="append")
    args = parser.parse_args()
    data = train_ner.prepared(train_ner.read_conll(train_ner.DEFAULT_DATA))
    with open(args.misses, encoding="utf-8") as lines:
        misses = [json.loads(line) for line in lines]
    for variant, row in seen_recall(data, misses, args.folds, args.fold).items():
        print(json.dumps({"variant": variant, **row}, ensure_ascii=False))


if __name__ == "__main__":
    main()
