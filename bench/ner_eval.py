"""Measure the entity extractor: 5-fold cross-validation on ANERcorp and speed on news text.

Cross-validation: the training file's sentences in 5 contiguous blocks; for each block a CRF is
trained on the other four with bench/train_ner.py's parameters and the block is tagged.
Entity-level precision / recall / F1 per label and micro-averaged, an entity counting only when
its span and label both match the gold one exactly (as conlleval does). Spans are compared as
character offsets of the sentence text, over the tokens ``arabic.tokenize`` finds (punctuation
tokens of ANERcorp are not tokens for us). Four set-ups: the CRF alone, CRF + gazetteer,
CRF + name patterns, and the combined extractor.

Speed: tokens per second of ``Extractor.extract`` on title + body of the first 2,000 articles
of ../shared/corpus/news.jsonl.gz, in one process pinned to one core (cold caches, then a
second pass over the same texts); then the same in a fresh process (cold again) with
``Extractor.extract_many`` given the texts 25 at a time, as ingest's extraction processes give
them (``archive.authority.linking.CHUNK``): the same entities (checked), the same texts, the same
warm-up (none). Prints one JSON object.

--check-decoder: the tags of indexer.crf_tagger (the extractor's CRF decoder) against
python-crfsuite's Tagger on every sentence of the news corpus, with the shipped model.

    python bench/ner_eval.py [--folds 5] [--articles 2000] [--jobs 2] [--variant clusters] [--model PATH]
                             [--max-iterations N] [--setups crf,combined] [--skip-cv|--skip-speed]
    python bench/ner_eval.py --check-decoder [ARTICLES]
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import multiprocessing
import os
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)
sys.path.insert(0, HERE)

import tag_dictionary as bench_tag_dictionary  # noqa: E402
import train_ner  # noqa: E402

import pycrfsuite  # noqa: E402

from indexer.arabic import normalize, tokenize  # noqa: E402
from indexer.crf_tagger import CrfTagger  # noqa: E402
from indexer.entities import LABELS, Extractor, bio_spans, model_path, sentence_features  # noqa: E402
from indexer.entities import sentences as entity_sentences  # noqa: E402
from indexer.entity_features import dictionary_table, read_sentence, tag_dictionary  # noqa: E402

NEWS = os.path.join(ROOT, "..", "shared", "corpus", "news.jsonl.gz")

SETUPS = {
    "crf": {"use_gazetteer": False, "use_patterns": False},
    "crf+gazetteer": {"use_gazetteer": True, "use_patterns": False},
    "crf+patterns": {"use_gazetteer": False, "use_patterns": True},
    "combined": {"use_gazetteer": True, "use_patterns": True},
}


def gold_spans(offsets, tags):
    return {(offsets[s][0], offsets[e - 1][1], label) for s, e, label in bio_spans(tags)}


def fold_dictionary(training) -> dict:
    """The tag dictionary a fold's model is trained and tested with: when the shipped model uses
    one, built like it from the fold's training part (the shipped table comes from every fold's
    labels, so it would leak the held-out part's); else none."""
    if not tag_dictionary():
        return {}
    return dictionary_table(bench_tag_dictionary.build(training, *bench_tag_dictionary.read_news(NEWS)))


def run_fold(args):
    """Train on every block but one, tag that one; return per-setup counts."""
    fold, folds, data, variant, params, setups = args
    size = len(data)
    lo, hi = size * fold // folds, size * (fold + 1) // folds
    held_out, training = data[lo:hi], data[:lo] + data[hi:]
    dictionary = fold_dictionary(training)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "fold.crfsuite")
        figures = train_ner.train(training, path, params, variant, dictionary)
        counts = {}
        for name in setups:
            options = SETUPS[name]
            extractor = Extractor(tagger=CrfTagger(path, dictionary), **options)
            tp, fp, fn = Counter(), Counter(), Counter()
            for text, offsets, _, tags in held_out:
                gold = gold_spans(offsets, tags)
                found = {(e.start, e.end, e.label) for e in extractor.extract(text)}
                train_ner.tally(found, gold, tp, fp, fn)
            counts[name] = (tp, fp, fn)
    return fold, figures["seconds"], counts


def scores(tp, fp, fn, labels):
    t, p, n = (sum(c[label] for label in labels) for c in (tp, fp, fn))
    precision = t / (t + p) if t + p else 0.0
    recall = t / (t + n) if t + n else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
            "gold": t + n}


def cross_validate(folds: int, jobs: int, variant: str = train_ner.VARIANT, params: dict | None = None,
                   setups: tuple[str, ...] = tuple(SETUPS)) -> dict:
    data = train_ner.prepared(train_ner.read_conll(train_ner.DEFAULT_DATA))
    params = params or train_ner.PARAMS
    totals = {name: (Counter(), Counter(), Counter()) for name in setups}
    train_seconds = []
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        for _, seconds, counts in pool.map(run_fold, [(f, folds, data, variant, params, setups)
                                                      for f in range(folds)]):
            train_seconds.append(seconds)
            for name, fold_counts in counts.items():
                for total, part in zip(totals[name], fold_counts):
                    total.update(part)
    result = {}
    for name, (tp, fp, fn) in totals.items():
        row = {label: scores(tp, fp, fn, [label]) for label in LABELS}
        row["micro"] = scores(tp, fp, fn, LABELS)
        row["micro_PER_ORG_LOC"] = scores(tp, fp, fn, ["PER", "ORG", "LOC"])
        result[name] = row
    return {"folds": folds, "variant": variant, "params": params,
            "sentences": len(data), "tokens": sum(len(d[2]) for d in data),
            "train_seconds_per_fold": round(sum(train_seconds) / len(train_seconds), 1),
            "scores": result}


def news_texts(articles: int | None) -> list[str]:
    """Title + body of the first ``articles`` of the news corpus (all of them for None)."""
    texts = []
    with gzip.open(NEWS, "rt", encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            texts.append((record.get("title") or "") + "\n" + (record.get("body") or ""))
            if articles is not None and len(texts) >= articles:
                break
    return texts


def check_decoder(articles: int | None) -> dict:
    """indexer.crf_tagger against python-crfsuite's own Tagger with the shipped model: the tags
    of every sentence of the news corpus's articles, and the CPU seconds of each."""
    reference = pycrfsuite.Tagger()
    reference.open(model_path())
    tagger = CrfTagger(model_path())
    sentences = differ = tokens = 0
    seconds = {"crfsuite": 0.0, "decoder": 0.0}
    first = []
    for text in news_texts(articles):
        read = [read_sentence([normalize(t) for t, _, _ in tokens_]) for tokens_ in entity_sentences(text)]
        began = time.process_time()
        expected = [reference.tag(sentence_features(s.words)[0]) for s in read]
        seconds["crfsuite"] += time.process_time() - began
        began = time.process_time()
        got = tagger.tag(read)
        seconds["decoder"] += time.process_time() - began
        for sentence, a, b in zip(read, expected, got):
            if a != b:
                differ += 1
                if len(first) < 5:
                    first.append({"words": " ".join(sentence.words), "crfsuite": a, "decoder": b})
        sentences += len(read)
        tokens += sum(len(s.words) for s in read)
    return {"sentences": sentences, "tokens": tokens, "sentences_differing": differ, "first_differences": first,
            "cpu_seconds_with_features": {k: round(v, 1) for k, v in seconds.items()}}


def speed(articles: int, model: str | None = None, document_rule: bool | None = None) -> dict:
    """Text by text, then in chunks, each in a fresh process (the caches of one would warm the
    other); the chunked figures are the ones ingest runs at."""
    from archive.authority.linking import CHUNK

    context = multiprocessing.get_context("spawn")
    out = {}
    digests = {}
    for name, chunk in (("one_text_a_call", None), (f"{CHUNK}_texts_a_call", CHUNK)):
        with ProcessPoolExecutor(1, mp_context=context) as pool:
            out[name], digests[name] = pool.submit(_speed, articles, model, document_rule, chunk).result()
    out["same_entities"] = len(set(digests.values())) == 1
    return out


def _speed(articles: int, model: str | None, document_rule: bool | None, chunk: int | None) -> tuple[dict, str]:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    texts = news_texts(articles)
    tokens = sum(1 for text in texts for _ in tokenize(text))
    began = time.perf_counter()
    extractor = Extractor(model, document_rule=document_rule)
    load_seconds = time.perf_counter() - began
    passes = []
    found = []
    for _ in range(2):
        began, began_cpu = time.perf_counter(), time.process_time()
        if chunk is None:
            found = [extractor.extract(text) for text in texts]
        else:
            found = [one for i in range(0, len(texts), chunk) for one in extractor.extract_many(texts[i:i + chunk])]
        passes.append((time.perf_counter() - began, time.process_time() - began_cpu))
    # CPU time is the figure to compare with the target: on a shared machine wall-clock time
    # also counts the time other processes held the core.
    return {"articles": len(texts), "tokens": tokens, "entities": sum(map(len, found)),
            "model_load_seconds": round(load_seconds, 3),
            "tokens_per_cpu_second_cold": round(tokens / passes[0][1]),
            "tokens_per_cpu_second_warm": round(tokens / passes[1][1]),
            "tokens_per_wall_second_cold": round(tokens / passes[0][0]),
            "articles_per_cpu_second_cold": round(len(texts) / passes[0][1], 1)}, \
        hashlib.sha256(repr(found).encode()).hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--skip-cv", action="store_true", help="measure speed only")
    parser.add_argument("--skip-speed", action="store_true", help="cross-validate only")
    parser.add_argument("--model", default=None, help="the model whose speed to measure (default: the shipped one; "
                                                       "a .npz is the network tagger)")
    parser.add_argument("--document-rule", action="store_true", default=None,
                        help="speed with the document rule on (indexer.document_context.PropagatingTagger)")
    parser.add_argument("--variant", default=train_ner.VARIANT, choices=sorted(train_ner.VARIANTS))
    parser.add_argument("--max-iterations", type=int, default=None,
                        help="L-BFGS iterations per fold (fewer: a quicker, slightly lower estimate)")
    parser.add_argument("--setups", default=",".join(SETUPS), help="comma-separated subset of " + ", ".join(SETUPS))
    parser.add_argument("--check-decoder", type=int, nargs="?", const=-1, default=None, metavar="ARTICLES",
                        help="compare indexer.crf_tagger's tags with python-crfsuite's on the news corpus "
                             "(all articles, or the first ARTICLES) and stop")
    args = parser.parse_args()
    if args.check_decoder is not None:
        result = check_decoder(None if args.check_decoder < 0 else args.check_decoder)
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return
    model = args.model or model_path()
    report = {"model": os.path.relpath(model, ROOT), "model_bytes": os.path.getsize(model)}
    if not args.skip_cv:
        params = dict(train_ner.PARAMS)
        if args.max_iterations:
            params["max_iterations"] = args.max_iterations
        report["cross_validation"] = cross_validate(args.folds, args.jobs, args.variant, params,
                                                    tuple(args.setups.split(",")))
    if args.skip_speed:
        pass
    elif os.path.exists(NEWS):
        report["speed"] = speed(args.articles, model, args.document_rule)
    else:
        report["speed"] = {"skipped": f"{NEWS} not found"}
    print(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
