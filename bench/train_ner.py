"""Train the entity tagger shipped as indexer/data/ner.crfsuite from ANERcorp (`make model`).

Reads ../shared/corpus/ner/anercorp_train.conll (token TAB BIO tag; CC BY-SA 4.0, see NOTICE),
re-tokenises each sentence with ``arabic.tokenize`` so training sees the tokens the extractor
sees (punctuation dropped, a token split where our tokenizer splits it, the parts after the
first continuing its entity), maps PERS → PER, and trains a CRF with L-BFGS and fixed
parameters: the same data gives the same model. The word clusters the features use
(indexer/data/word_clusters.tsv.gz) and the tag dictionary (indexer/data/tag_dictionary.tsv.gz)
are built first by bench/word_clusters.py and bench/tag_dictionary.py (`make model` runs all three);
the dictionary's features are used when indexer/data holds one. With --document it trains the
second stage of document context instead (indexer/document_context.py; ner-document.crfsuite, which
the extractor uses whenever it is beside ner.crfsuite).
Prints the training figures as JSON.

    python bench/train_ner.py [--data PATH] [--out PATH] [--document]
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import sys
import tempfile
import time
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

import pycrfsuite  # noqa: E402

from indexer.arabic import normalize, tokenize  # noqa: E402
from indexer.document_context import context_token_features, document_model_path, sentence_evidence  # noqa: E402
from indexer.entities import MODEL_FILE, bio_spans, clean_spans, sentence_features  # noqa: E402

DEFAULT_DATA = os.path.join(ROOT, "..", "shared", "corpus", "ner", "anercorp_train.conll")
DEFAULT_OUT = os.path.join(ROOT, "indexer", "data", MODEL_FILE)

# L1 keeps the model small (most of the ~1M candidate features get weight 0) and L2 keeps it
# smooth; chosen by 5-fold cross-validation (bench/ner_eval.py).
PARAMS = {
    "c1": 0.05,
    "c2": 0.01,
    "max_iterations": 200,
    "feature.possible_transitions": True,
    "feature.minfreq": 1,
}
# crfsuite's passive-aggressive trainer, 30 epochs over the sentences in a seeded order (train()
# seeds it): a tenth of L-BFGS's training time for 0.002-0.003 less CV F1; the trainer of the base
# tagger that builds the tag dictionary (bench/tag_dictionary.py).
PA_PARAMS = {
    "algorithm": "pa",
    "max_iterations": 30,
    "feature.possible_transitions": True,
    "feature.minfreq": 1,
}

# Feature sets bench/ner_eval.py compares (--variant): the feature-name prefixes each leaves out
# (also as a neighbour's, "-1k2=…"). The shipped model is trained with VARIANT.
VARIANTS = {
    "base": ("k1=", "k2="),      # words, stems, affixes, shape, gazetteers, titles; ±2 words
    "clusters": (),              # + coarse and fine word clusters (bench/word_clusters.py), ±1
    "fine-clusters": ("k1=",),   # + fine clusters only
}
VARIANT = "clusters"

_TAG_NAMES = {"PERS": "PER"}


def read_conll(path: str) -> list[list[tuple[str, str]]]:
    """Sentences of (token, tag) from a CoNLL file with blank lines between sentences."""
    sentences, current = [], []
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            line = line.rstrip("\n")
            if not line.strip():
                if current:
                    sentences.append(current)
                current = []
                continue
            token, _, tag = line.rpartition("\t") if "\t" in line else line.rpartition(" ")
            kind, _, name = tag.partition("-")
            if name:
                tag = f"{kind}-{_TAG_NAMES.get(name, name)}"
            current.append((token, tag))
    if current:
        sentences.append(current)
    return sentences


def retokenize(sentence: list[tuple[str, str]]) -> tuple[str, list[tuple[int, int]], list[str]]:
    """The sentence as text (tokens joined by spaces), our tokens' offsets, and their tags."""
    text_parts, owners, position = [], [], 0
    for index, (token, _) in enumerate(sentence):
        text_parts.append(token)
        owners.append((position, position + len(token), index))
        position += len(token) + 1
    text = " ".join(text_parts)
    offsets, tags = [], []
    owner, last_owner = 0, -1
    for _, start, end in tokenize(text):
        while owners[owner][1] <= start:
            owner += 1
        tag = sentence[owner][1]
        if owner == last_owner and tag != "O":
            tag = "I-" + tag[2:]  # a second part of one original token continues its entity
        last_owner = owner
        offsets.append((start, end))
        tags.append(tag)
    return text, offsets, tags


def prepared(sentences):
    """(text, offsets, normalised words, tags) for every sentence that keeps a token."""
    out = []
    for sentence in sentences:
        text, offsets, tags = retokenize(sentence)
        if offsets:
            words = [normalize(text[s:e]) for s, e in offsets]
            out.append((text, offsets, words, tags))
    return out


def bilou_tags(tags: list[str]) -> list[str]:
    """BIO tags as BILOU (BIOES): each span of ``bio_spans`` (a stray I- opens one) ends with L-,
    a one-word span is U-; bio_tags(bilou_tags(t)) has the spans of t."""
    out = ["O"] * len(tags)
    for start, end, label in bio_spans(tags):
        if end - start == 1:
            out[start] = "U-" + label
        else:
            out[start:end] = ["B-" + label] + ["I-" + label] * (end - start - 2) + ["L-" + label]
    return out


def bio_tag(tag: str) -> str:
    """One BILOU tag as BIO: U- is B-, L- is I- (B-, I- and O stay)."""
    kind = tag[:2]
    return "B-" + tag[2:] if kind == "U-" else "I-" + tag[2:] if kind == "L-" else tag


def _without(prefixes: tuple[str, ...]):
    if not prefixes:
        return None
    return lambda feature: feature.lstrip("+-12").startswith(prefixes) if feature[:1] in "+-" \
        else feature.startswith(prefixes)


def train(data, out_path: str, params: dict = PARAMS, variant: str = VARIANT, dictionary: dict | None = None) -> dict:
    """Train on prepared sentences, write the model, return the figures. ``params`` may name
    crfsuite's ``algorithm`` (L-BFGS when it does not); the features use the shipped tag
    dictionary, or ``dictionary`` when one is given ({} for none)."""
    params = dict(params)
    algorithm = params.pop("algorithm", "lbfgs")
    if algorithm != "lbfgs":
        ctypes.CDLL(None).srand(1)  # crfsuite's online trainers shuffle with the C library's rand()
    trainer = pycrfsuite.Trainer(algorithm=algorithm, verbose=False)
    dropped = _without(VARIANTS[variant])
    for _, _, words, tags in data:
        features, _, _ = sentence_features(words, dictionary)
        if dropped is not None:
            features = [[f for f in token if not dropped(f)] for token in features]
        trainer.append(features, tags)
    trainer.set_params(params)
    began = time.perf_counter()
    os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
    trainer.train(out_path)
    seconds = time.perf_counter() - began
    last = trainer.logparser.last_iteration or {}
    return {
        "sentences": len(data),
        "tokens": sum(len(d[2]) for d in data),
        "seconds": round(seconds, 1),
        "iterations": len(trainer.logparser.iterations),
        "loss": round(last.get("loss", 0.0), 1),
        "active_features": last.get("active_features"),
        "model_bytes": os.path.getsize(out_path),
        "algorithm": algorithm,
        "params": params,
        "variant": variant,
    }


# ---------------------------------------------------------------------------------------------
# The second stage of document context (indexer/document_context.py; `--document`): a CRF trained
# on the same features plus what a first stage found in the sentences around. The first stage's
# tags of the training sentences are jackknifed (each of INNER_PARTS contiguous parts tagged by a
# model trained on the others), so that the second stage learns how far to trust tags of text the
# first stage has not seen. ANERcorp marks no article boundaries: a sentence's document is the
# DOCUMENT_WINDOW sentences either side of it (at run time it is the whole article).
# ---------------------------------------------------------------------------------------------

INNER_PARTS = 4
DOCUMENT_WINDOW = 10


def train_and_tag(features, gold, train: list[int], tag: list[int], params: dict,
                  augmented=None) -> dict[int, list[str]]:
    """A CRF trained on sentences ``train`` (``features[k]``, ``gold[k]``), its tags of ``tag``;
    ``augmented(train)``, when given, adds (features, tags) of made-up sentences to the training."""
    params = dict(params)
    algorithm = params.pop("algorithm", "lbfgs")
    if algorithm != "lbfgs":
        ctypes.CDLL(None).srand(1)
    trainer = pycrfsuite.Trainer(algorithm=algorithm, verbose=False)
    for k in train:
        trainer.append(features[k], gold[k])
    for sentence_features, tags in (augmented(train) if augmented else ()):
        trainer.append(sentence_features, tags)
    trainer.set_params(params)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.crfsuite")
        trainer.train(path)
        tagger = pycrfsuite.Tagger()
        tagger.open(path)
        out = {k: tagger.tag(features[k]) for k in tag}
        tagger.close()
    return out


def inner_parts(train: list[int], parts: int = INNER_PARTS) -> list[list[int]]:
    """``train`` (sentence numbers in order) cut into ``parts`` contiguous pieces."""
    size = len(train)
    return [train[size * p // parts:size * (p + 1) // parts] for p in range(parts)]


def jackknifed(features, gold, train: list[int], params: dict, parts: int = INNER_PARTS,
               augmented=None) -> dict[int, list[str]]:
    """Each sentence of ``train`` tagged by a model trained on the other inner parts (and what
    ``augmented`` makes of them, see ``train_and_tag``)."""
    out = {}
    for part in inner_parts(train, parts):
        inside = set(part)
        out.update(train_and_tag(features, gold, [k for k in train if k not in inside], part, params, augmented))
    return out


def windows(segments: list[tuple[int, int]], width: int, evidence: list[Counter]):
    """(k, the summed evidence of sentences k-width..k+width of k's segment) for every sentence
    of every segment (lo, hi); the Counter is one sliding window, valid until the next step."""
    for lo, hi in segments:
        window = Counter()
        for j in range(lo, min(hi, lo + width)):
            window.update(evidence[j])
        for k in range(lo, hi):
            if k + width < hi:
                window.update(evidence[k + width])
            if k - width - 1 >= lo:
                window.subtract(evidence[k - width - 1])
            yield k, window


def first_stage_evidence(data, first_tags) -> list[Counter]:
    """Each sentence's evidence (document_context.sentence_evidence) from its first-stage tags."""
    return [sentence_evidence(words, clean_spans(bio_spans(tags), words))
            for (_, _, words, _), tags in zip(data, first_tags)]


def document_features(data, features, first_tags, segments, window: int = DOCUMENT_WINDOW,
                      own: bool = False) -> dict[int, list[list[str]]]:
    """The second stage's features of the sentences of ``segments``: ``features[k]`` plus the
    context features from the first stage's tags in the window (without sentence k's own unless
    ``own``)."""
    evidence = first_stage_evidence(data, first_tags)
    out = {}
    for k, around in windows(segments, window, evidence):
        count = around.__getitem__ if own else (lambda key, w=around, o=evidence[k]: w[key] - o[key])
        out[k] = [f + c for f, c in zip(features[k], context_token_features(data[k][2], first_tags[k], count))]
    return out


def train_document(data, out_path: str, params: dict = PARAMS, dictionary: dict | None = None,
                   window: int = DOCUMENT_WINDOW) -> dict:
    """Train the second stage on all of ``data`` (first stage jackknifed), write it, give the
    figures. Deterministic (L-BFGS): the same data give the same bytes."""
    began = time.process_time()
    features = [sentence_features(words, dictionary)[0] for _, _, words, _ in data]
    gold = [tags for _, _, _, tags in data]
    everything = list(range(len(data)))
    first = jackknifed(features, gold, everything, params)
    second = document_features(data, features, [first[k] for k in everything], [(0, len(data))], window)
    trainer = pycrfsuite.Trainer(verbose=False)
    for k in everything:
        trainer.append(second[k], gold[k])
    trainer.set_params(params)
    os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
    trainer.train(out_path)
    last = trainer.logparser.last_iteration or {}
    return {"sentences": len(data), "cpu_seconds": round(time.process_time() - began, 1),
            "inner_parts": INNER_PARTS, "window": window, "active_features": last.get("active_features"),
            "model_bytes": os.path.getsize(out_path), "params": params}


def tally(found: set, gold: set, tp, fp, fn) -> None:
    """Count exact-span matches by label (the (start, end, label) sets of one sentence or text)
    into the Counters ``tp``, ``fp`` and ``fn``: the measure every NER benchmark here reports."""
    for span in found & gold:
        tp[span[2]] += 1
    for span in found - gold:
        fp[span[2]] += 1
    for span in gold - found:
        fn[span[2]] += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=DEFAULT_DATA)
    parser.add_argument("--out", help=f"default: {os.path.relpath(DEFAULT_OUT, ROOT)}, or with --document "
                                      f"{os.path.relpath(document_model_path(DEFAULT_OUT), ROOT)}")
    parser.add_argument("--document", action="store_true",
                        help="train the second stage of document context (indexer/document_context.py)")
    args = parser.parse_args()
    data = prepared(read_conll(args.data))
    if args.document:
        args.out = args.out or document_model_path(DEFAULT_OUT)
        figures = train_document(data, args.out)
    else:
        args.out = args.out or DEFAULT_OUT
        figures = train(data, args.out)
    figures["model"] = os.path.relpath(args.out, ROOT)
    print(json.dumps(figures, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
