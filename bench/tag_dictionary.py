"""The entity tagger's tag dictionary, from unlabelled news.

A base CRF (the shipped features without the dictionary's, trained on ANERcorp's training part
with crfsuite's passive-aggressive trainer: a tenth of L-BFGS's time for 0.002 less F1) tags every
sentence of ../shared/corpus/news.jsonl.gz; for each normalised word seen at least MIN_COUNT times
the table keeps how often it occurs and how often it is tagged inside a PER, ORG and LOC name.
The tagger then reads a word's bucketed shares as features
(``indexer.entity_features.dictionary_flags``): what twenty thousand articles of context say
about a word the training part shows once, or never. The same data gives the same file.

Writes indexer/data/tag_dictionary.tsv.gz: word TAB occurrences TAB in PER TAB in ORG TAB in LOC.
The tagger's features and bench/train_ner.py use that file when it is there. `make model` runs
this after bench/word_clusters.py and before bench/train_ner.py: the table ships together with
the model trained on it (docs/entities.md, fourth and sixth sessions).

    python bench/tag_dictionary.py [--data PATH] [--corpus PATH] [--out PATH] [--articles N]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)
sys.path.insert(0, HERE)

import train_ner  # noqa: E402

from indexer.arabic import normalize  # noqa: E402
from indexer.crf_tagger import CrfTagger  # noqa: E402
from indexer.entities import sentences as text_sentences  # noqa: E402
from indexer.entity_features import TAG_DICTIONARY_FILE, read_sentence  # noqa: E402

DEFAULT_CORPUS = os.path.join(ROOT, "..", "shared", "corpus", "news.jsonl.gz")
DEFAULT_OUT = os.path.join(ROOT, "indexer", "data", TAG_DICTIONARY_FILE)
MIN_COUNT = 3
LABELS = ("PER", "ORG", "LOC")

# The base tagger's training: passive-aggressive, 30 epochs (bench/ner_experiments.py "pa").
BASE_PARAMS = train_ner.PA_PARAMS


def read_news(path: str, articles: int | None = None) -> tuple[list[str], list[np.ndarray]]:
    """The normalised words of the corpus (each once) and every sentence as their ids."""
    ids: dict[str, int] = {}
    out = []
    for text in news_texts(path, articles):
        for tokens in text_sentences(text):
            out.append(np.array([ids.setdefault(normalize(t), len(ids)) for t, _, _ in tokens],
                                dtype=np.int32))
    return list(ids), out


def news_texts(path: str, articles: int | None = None):
    """Each article's title and body, as the extractor reads them (the first ``articles``)."""
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for count, line in enumerate(lines):
            if articles is not None and count >= articles:
                break
            record = json.loads(line)
            yield (record.get("title") or "") + "\n" + (record.get("body") or "")


def count_tags(tagger, vocabulary: list[str], news: list[np.ndarray], batch: int = 256) -> np.ndarray:
    """words × (occurrences, in PER, in ORG, in LOC) of the news tagged by ``tagger``."""
    column = {"B-" + label: k + 1 for k, label in enumerate(LABELS)}
    column.update({"I-" + label: k + 1 for k, label in enumerate(LABELS)})
    counts = np.zeros((len(vocabulary), 1 + len(LABELS)), dtype=np.int64)
    for at in range(0, len(news), batch):
        chunk = news[at:at + batch]
        tags = tagger.tag([read_sentence([vocabulary[i] for i in ids.tolist()]) for ids in chunk])
        ids = np.concatenate(chunk)
        where = np.array([column.get(t, 0) for sentence in tags for t in sentence])
        np.add.at(counts, (ids, 0), 1)
        inside = where > 0
        np.add.at(counts, (ids[inside], where[inside]), 1)
    return counts


def table(vocabulary: list[str], counts: np.ndarray, min_count: int = MIN_COUNT) -> dict[str, tuple[int, ...]]:
    """word → its counts, for the words seen at least ``min_count`` times."""
    keep = np.flatnonzero(counts[:, 0] >= min_count)
    return {vocabulary[i]: tuple(counts[i].tolist()) for i in keep.tolist()}


def write(path: str, dictionary: dict[str, tuple[int, ...]]) -> None:
    """The table sorted by word, gzip without a time stamp (the same table gives the same bytes)."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    lines = "".join(word + "\t" + "\t".join(map(str, counts)) + "\n" for word, counts in sorted(dictionary.items()))
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", filename="", mtime=0) as out:
        out.write(lines.encode("utf-8"))


def build(data, vocabulary: list[str], news: list[np.ndarray], min_count: int = MIN_COUNT) -> dict:
    """Train the base tagger on prepared ANERcorp sentences and count its tags on the news."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "base.crfsuite")
        train_ner.train(data, path, BASE_PARAMS, dictionary={})
        counts = count_tags(CrfTagger(path, dictionary={}), vocabulary, news)
    return table(vocabulary, counts, min_count)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=train_ner.DEFAULT_DATA)
    parser.add_argument("--corpus", default=DEFAULT_CORPUS)
    parser.add_argument("--out", default=DEFAULT_OUT)
    parser.add_argument("--articles", type=int, default=None)
    args = parser.parse_args()
    began = time.process_time()
    vocabulary, news = read_news(args.corpus, args.articles)
    read_seconds = time.process_time() - began
    dictionary = build(train_ner.prepared(train_ner.read_conll(args.data)), vocabulary, news)
    write(args.out, dictionary)
    print(json.dumps({"sentences": len(news), "tokens": int(sum(map(len, news))), "words": len(vocabulary),
                      "kept": len(dictionary), "cpu_seconds_reading": round(read_seconds, 1),
                      "cpu_seconds": round(time.process_time() - began, 1),
                      "out": os.path.relpath(args.out, ROOT), "bytes": os.path.getsize(args.out)},
                     ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
