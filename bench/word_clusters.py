"""Word clusters for the entity tagger, from unlabelled news (`make model` runs this first).

Reads ../shared/corpus/news.jsonl.gz, counts for each of the most frequent normalised words the
words seen one and two places to its left and right (the most frequent context words only),
weights the counts by positive pointwise mutual information, reduces them to a few dozen
dimensions with a randomised SVD and groups the unit-length vectors with k-means at two sizes
(coarse and fine). Words used alike ("قال/أعلن", "بغداد/دمشق", "ترامب/ماكرون") fall in one
cluster, which the tagger can use for words ANERcorp never shows it. numpy only; fixed seeds,
so the same corpus gives the same file.

Writes indexer/data/word_clusters.tsv.gz: word TAB coarse cluster TAB fine cluster.

    python bench/word_clusters.py [--corpus PATH] [--out PATH] [--words 30000]
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
import time
from collections import Counter

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

from indexer.arabic import normalize, tokenize  # noqa: E402
from indexer.entities import CLUSTERS_FILE  # noqa: E402

DEFAULT_CORPUS = os.path.join(ROOT, "..", "shared", "corpus", "news.jsonl.gz")
DEFAULT_OUT = os.path.join(ROOT, "indexer", "data", CLUSTERS_FILE)
CONTEXTS = 1000      # context words (the most frequent), counted at each of 4 offsets
DIMENSIONS = 64
SIZES = (64, 512)    # coarse and fine clusters
SEED = 12


def read_corpus(path: str) -> tuple[list[np.ndarray], list[str]]:
    """Every article as an array of word ids (in order of first appearance), and the words."""
    ids: dict[str, int] = {}
    docs = []
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            words = [normalize(t) for t, _, _ in tokenize(f"{record.get('title', '')}\n{record.get('body', '')}")]
            docs.append(np.fromiter((ids.setdefault(w, len(ids)) for w in words), dtype=np.int64,
                                    count=len(words)))
    vocabulary = [None] * len(ids)
    for word, i in ids.items():
        vocabulary[i] = word
    return docs, vocabulary


def cooccurrences(tokens: np.ndarray, rows: np.ndarray, cols: np.ndarray, n_rows: int, n_cols: int
                  ) -> np.ndarray:
    """Counts of (word, context word at -2, -1, +1, +2): one block of columns per offset.
    ``tokens`` is the whole corpus with a -1 between articles (no context crosses it)."""
    counts = np.zeros((n_rows, 4 * n_cols), dtype=np.float32)
    row_of = np.append(rows, -1)  # index -1 (the separator) maps to "not counted"
    col_of = np.append(cols, -1)
    for block, offset in enumerate((-2, -1, 1, 2)):
        centre, context = (tokens[-offset:], tokens[:offset]) if offset < 0 else (tokens[:-offset], tokens[offset:])
        r, c = row_of[centre], col_of[context]
        keep = (r >= 0) & (c >= 0)
        flat = np.bincount(r[keep] * n_cols + c[keep], minlength=n_rows * n_cols)
        counts[:, block * n_cols:(block + 1) * n_cols] = flat.reshape(n_rows, n_cols)
    return counts


def ppmi(counts: np.ndarray) -> np.ndarray:
    total = counts.sum()
    row = counts.sum(axis=1, keepdims=True)
    col = counts.sum(axis=0, keepdims=True) ** 0.75  # context smoothing (Levy et al. 2015)
    col = col / col.sum() * total
    with np.errstate(divide="ignore", invalid="ignore"):
        pmi = np.log(counts * total / (row * col))
    pmi[~np.isfinite(pmi)] = 0.0
    return np.maximum(pmi, 0.0, out=pmi)


def randomized_svd(matrix: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """Left singular vectors × singular values (Halko et al.), two power iterations."""
    sketch = matrix @ rng.standard_normal((matrix.shape[1], k + 16), dtype=np.float32)
    for _ in range(2):
        sketch, _ = np.linalg.qr(sketch)
        sketch = matrix @ (matrix.T @ sketch)
    q, _ = np.linalg.qr(sketch)
    u, s, _ = np.linalg.svd(q.T @ matrix, full_matrices=False)
    return (q @ u[:, :k]) * np.sqrt(s[:k])


def kmeans(vectors: np.ndarray, k: int, rng: np.random.Generator, rounds: int = 25) -> np.ndarray:
    """Spherical k-means (cosine), started from k distinct frequent-and-spread words."""
    centres = vectors[rng.choice(len(vectors), size=k, replace=False)]
    for _ in range(rounds):
        labels = np.argmax(vectors @ centres.T, axis=1)
        sums = np.zeros_like(centres)
        np.add.at(sums, labels, vectors)
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        empty = norms[:, 0] == 0
        sums[empty] = vectors[rng.choice(len(vectors), size=int(empty.sum()), replace=False)]
        norms[empty] = 1.0
        centres = sums / norms
    return np.argmax(vectors @ centres.T, axis=1)


def build(corpus: str, n_words: int, sizes: tuple[int, ...] = SIZES, dimensions: int = DIMENSIONS
          ) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The most frequent words, their cluster at each size (one column each) and their unit vectors."""
    docs, vocabulary = read_corpus(corpus)
    tokens = np.concatenate([part for doc in docs for part in (doc, np.array([-1]))])
    freq = np.bincount(tokens[tokens >= 0], minlength=len(vocabulary))
    order = np.argsort(-freq, kind="stable")
    words = order[:n_words]
    rows = np.full(len(vocabulary), -1, dtype=np.int64)
    rows[words] = np.arange(len(words))
    cols = np.full(len(vocabulary), -1, dtype=np.int64)
    cols[order[:CONTEXTS]] = np.arange(CONTEXTS)
    counts = cooccurrences(tokens, rows, cols, len(words), CONTEXTS)
    rng = np.random.default_rng(SEED)
    vectors = randomized_svd(ppmi(counts), dimensions, rng).astype(np.float32)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)
    labels = np.stack([kmeans(vectors, k, np.random.default_rng(SEED + k)) for k in sizes], axis=1)
    return [vocabulary[i] for i in words], labels, vectors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=DEFAULT_CORPUS)
    parser.add_argument("--out", default=DEFAULT_OUT)
    parser.add_argument("--words", type=int, default=30000)
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)),
                        help="cluster counts, coarse to fine, one column each (the tagger reads two)")
    parser.add_argument("--dimensions", type=int, default=DIMENSIONS)
    parser.add_argument("--vectors", default=None,
                        help="also write the words' vectors here (.npz: words, vectors as float16), "
                             "the network tagger's input (bench/train_ner_network.py)")
    args = parser.parse_args()
    began = time.perf_counter()
    sizes = tuple(int(k) for k in args.sizes.split(","))
    words, labels, vectors = build(args.corpus, args.words, sizes, args.dimensions)
    if args.vectors:
        with open(args.vectors, "wb") as out:  # np.savez_compressed of a file object: no timestamp
            np.savez_compressed(out, words=np.array(words), vectors=vectors.astype(np.float16))
    with open(args.out, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as packed:
        packed.write("".join(w + "".join(f"\t{c}" for c in row) + "\n"
                             for w, row in zip(words, labels.tolist())).encode("utf-8"))
    fine = Counter(labels[:, -1].tolist())
    print(json.dumps({"words": len(words), "clusters": sizes, "largest_fine_cluster": max(fine.values()),
                      "seconds": round(time.perf_counter() - began, 1), "bytes": os.path.getsize(args.out),
                      "out": os.path.relpath(args.out, ROOT)}))


if __name__ == "__main__":
    main()
