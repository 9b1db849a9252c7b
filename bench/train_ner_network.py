"""Train the network entity tagger (``indexer.entity_network``) from ANERcorp, or cross-validate it.

Needs torch (the ``train`` extra, best in a virtualenv of its own: ``pip install -e '.[train]'``);
the model it writes is read with numpy alone (``Extractor("….npz")``). The input is
bench/train_ner.py's sentences (our tokens, PERS → PER), cut at the extractor's 120 tokens, and
the news vectors of ``bench/word_clusters.py --vectors instance/news_vectors.npz``. The network:
per token the sum of learned vectors of its CRF features (those seen ``min_count`` times in
training) next to its fixed news vector, two convolutions with ReLU and dropout, a linear layer to
tag scores and a CRF over them (negative log-likelihood, Adam). Fixed seeds and one thread: the
same data gives the same model on the same machine. The measure of ``--cv`` is
bench/ner_experiments.py's (same folds, tagger + span cleaning, token spans).

    python bench/train_ner_network.py [--out instance/ner_network.npz] [--set epochs=15 ...]
    python bench/train_ner_network.py --cv [--folds 5] [--jobs 2] [--set NAME=VALUE ...]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)
sys.path.insert(0, HERE)

import train_ner  # noqa: E402
from ner_experiments import scores  # noqa: E402

from indexer.entities import bio_spans, clean_spans  # noqa: E402
from indexer.entity_features import read_sentence  # noqa: E402
from indexer.entity_network import token_extras, vector_row, word_feature_names  # noqa: E402

DEFAULT_OUT = os.path.join(ROOT, "instance", "ner_network.npz")
DEFAULT_VECTORS = os.path.join(ROOT, "instance", "news_vectors.npz")
MAX_SEQUENCE = 120
SEED = 7

PARAMS = {
    "feature_dim": 96,
    "hidden": 128,
    "widths": (5, 3),
    "dropout": 0.4,
    "epochs": 10,
    "batch": 32,
    "lr": 2e-3,
    "min_count": 2,
}


def chunks(data):
    """(words, tags) pieces of at most MAX_SEQUENCE tokens, as the extractor tags them."""
    for _, _, words, tags in data:
        for lo in range(0, len(words), MAX_SEQUENCE):
            yield words[lo:lo + MAX_SEQUENCE], tags[lo:lo + MAX_SEQUENCE]


def token_features(words):
    extras = token_extras(read_sentence(words))
    return [list(word_feature_names(w)) + extras[i] for i, w in enumerate(words)]


def encode(pieces, feature_ids, rows, tag_ids):
    """Per piece: feature id lists per token, news-vector rows, tag ids."""
    out = []
    for words, tags in pieces:
        feats = [[feature_ids[f] for f in token if f in feature_ids] for token in token_features(words)]
        out.append((feats, [vector_row(w, rows) for w in words], [tag_ids[t] for t in tags]))
    return out


def train_network(pieces, vectors_path, params, log=None):
    """Train on (words, tags) pieces; returns the model as a dict of numpy arrays."""
    import torch
    from torch import nn

    torch.manual_seed(SEED)
    torch.set_num_threads(1)
    rng = np.random.default_rng(SEED)
    with np.load(vectors_path) as stored:
        vector_words = stored["words"]
        news = stored["vectors"].astype(np.float32)
    rows = {str(w): i for i, w in enumerate(vector_words)}
    counts = Counter(f for words, _ in pieces for token in token_features(words) for f in token)
    features = sorted(f for f, c in counts.items() if c >= params["min_count"])
    feature_ids = {f: i + 1 for i, f in enumerate(features)}  # 0: padding
    tags = sorted({t for _, ts in pieces for t in ts})
    tag_ids = {t: i for i, t in enumerate(tags)}
    encoded = encode(pieces, feature_ids, rows, tag_ids)
    n_tags = len(tags)

    class Network(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Embedding(len(features) + 1, params["feature_dim"], padding_idx=0)
            nn.init.normal_(self.features.weight, std=0.1)
            with torch.no_grad():
                self.features.weight[0].zero_()
            self.news = nn.Embedding.from_pretrained(torch.from_numpy(np.vstack([news, np.zeros((1, news.shape[1]),
                                                                                                  np.float32)])))
            size = params["feature_dim"] + news.shape[1]
            self.convs = nn.ModuleList()
            for width in params["widths"]:
                self.convs.append(nn.Conv1d(size, params["hidden"], width, padding=width // 2))
                size = params["hidden"]
            self.output = nn.Linear(size, n_tags)
            self.dropout = nn.Dropout(params["dropout"])
            self.transitions = nn.Parameter(torch.zeros(n_tags, n_tags))
            self.start = nn.Parameter(torch.zeros(n_tags))
            self.end = nn.Parameter(torch.zeros(n_tags))

        def emissions(self, feats, vec_rows, mask):
            x = torch.cat([self.features(feats).sum(dim=2), self.news(vec_rows)], dim=2)
            x = self.dropout(x) * mask.unsqueeze(2)
            for conv in self.convs:
                x = torch.relu(conv(x.transpose(1, 2))).transpose(1, 2)
                x = self.dropout(x) * mask.unsqueeze(2)
            return self.output(x)

        def loss(self, emissions, tags, mask):
            batch, length, _ = emissions.shape
            ar = torch.arange(batch)
            # score of the gold path
            gold = self.start[tags[:, 0]] + emissions[ar, 0, tags[:, 0]]
            for i in range(1, length):
                step = self.transitions[tags[:, i - 1], tags[:, i]] + emissions[ar, i, tags[:, i]]
                gold = gold + step * mask[:, i]
            lengths = mask.sum(dim=1).long()
            gold = gold + self.end[tags[ar, lengths - 1]]
            # log partition function
            alpha = self.start + emissions[:, 0]
            for i in range(1, length):
                nxt = torch.logsumexp(alpha.unsqueeze(2) + self.transitions + emissions[:, i].unsqueeze(1), dim=1)
                alpha = torch.where(mask[:, i:i + 1] > 0, nxt, alpha)
            partition = torch.logsumexp(alpha + self.end, dim=1)
            return (partition - gold).sum()

    network = Network()
    optimiser = torch.optim.Adam([p for p in network.parameters() if p.requires_grad], lr=params["lr"])
    order = np.argsort([len(e[2]) for e in encoded], kind="stable")  # similar lengths batched together
    batches = [order[i:i + params["batch"]] for i in range(0, len(order), params["batch"])]
    no_row = len(news)
    for epoch in range(params["epochs"]):
        network.train()
        total = 0.0
        for b in rng.permutation(len(batches)):
            items = [encoded[k] for k in batches[b]]
            length = max(len(t) for _, _, t in items)
            width = max(len(f) for feats, _, _ in items for f in feats) or 1
            feats = torch.zeros(len(items), length, width, dtype=torch.long)
            vec_rows = torch.full((len(items), length), no_row, dtype=torch.long)
            tag_t = torch.zeros(len(items), length, dtype=torch.long)
            mask = torch.zeros(len(items), length)
            for k, (f, v, t) in enumerate(items):
                for i, ids in enumerate(f):
                    feats[k, i, :len(ids)] = torch.tensor(ids, dtype=torch.long)
                vec_rows[k, :len(v)] = torch.tensor([r if r >= 0 else no_row for r in v])
                tag_t[k, :len(t)] = torch.tensor(t)
                mask[k, :len(t)] = 1
            loss = network.loss(network.emissions(feats, vec_rows, mask), tag_t, mask)
            optimiser.zero_grad()
            (loss / len(items)).backward()
            nn.utils.clip_grad_norm_(network.parameters(), 5.0)
            optimiser.step()
            total += float(loss.detach())
        if log:
            log(f"epoch {epoch + 1}: loss {total / len(encoded):.3f}")
    network.eval()
    model = {
        "tags": np.array(tags),
        "features": np.array([""] + features),
        "feature_vectors": network.features.weight.detach().numpy().astype(np.float16),
        "vector_words": vector_words,
        "vectors": news.astype(np.float16),
        "output_weight": network.output.weight.detach().numpy().T.astype(np.float32),
        "output_bias": network.output.bias.detach().numpy().astype(np.float32),
        "transitions": network.transitions.detach().numpy(),
        "start": network.start.detach().numpy(),
        "end": network.end.detach().numpy(),
    }
    for k, conv in enumerate(network.convs, 1):
        weight = conv.weight.detach().numpy()  # (out, in, width) → (width·in, out), rows in window order
        model[f"conv{k}_weight"] = weight.transpose(2, 1, 0).reshape(-1, weight.shape[0]).astype(np.float32)
        model[f"conv{k}_bias"] = conv.bias.detach().numpy().astype(np.float32)
    return model


def save(model: dict, path: str) -> None:
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "wb") as out:  # a file object: no timestamps in the archive
        np.savez_compressed(out, **model)


def run_fold(job):
    fold, folds, vectors, params = job
    from tempfile import TemporaryDirectory

    from indexer.entity_network import NetworkTagger

    data = train_ner.prepared(train_ner.read_conll(train_ner.DEFAULT_DATA))
    size = len(data)
    lo, hi = size * fold // folds, size * (fold + 1) // folds
    began = time.process_time()
    model = train_network(list(chunks(data[:lo] + data[hi:])), vectors, params)
    seconds = time.process_time() - began
    tp, fp, fn = Counter(), Counter(), Counter()
    with TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "fold.npz")
        save(model, path)
        tagger = NetworkTagger(path)
        for _, _, words, tags in data[lo:hi]:
            found = set()
            for start in range(0, len(words), MAX_SEQUENCE):
                piece = words[start:start + MAX_SEQUENCE]
                found |= {(s + start, e + start, label) for s, e, label in
                          clean_spans(bio_spans(tagger.tag([read_sentence(piece)])[0]), piece)}
            train_ner.tally(found, set(bio_spans(tags)), tp, fp, fn)
    return tp, fp, fn, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vectors", default=DEFAULT_VECTORS)
    parser.add_argument("--out", default=DEFAULT_OUT)
    parser.add_argument("--cv", action="store_true", help="5-fold cross-validation instead of training")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="change a training parameter (e.g. epochs=10)")
    args = parser.parse_args()
    params = dict(PARAMS)
    for item in args.set:
        name, _, value = item.partition("=")
        params[name] = type(PARAMS[name])(json.loads(value)) if name != "widths" else tuple(json.loads(value))
    if args.cv:
        totals = (Counter(), Counter(), Counter())
        seconds = []
        with ProcessPoolExecutor(max_workers=args.jobs) as pool:
            for tp, fp, fn, s in pool.map(run_fold, [(f, args.folds, args.vectors, params)
                                                     for f in range(args.folds)]):
                for total, part in zip(totals, (tp, fp, fn)):
                    total.update(part)
                seconds.append(s)
        print(json.dumps({"params": params, "PER_ORG_LOC": scores(*totals, ["PER", "ORG", "LOC"]),
                          **{label: scores(*totals, [label]) for label in ("PER", "ORG", "LOC", "MISC")},
                          "train_cpu_seconds_per_fold": round(sum(seconds) / len(seconds), 1)}), flush=True)
        return
    data = train_ner.prepared(train_ner.read_conll(train_ner.DEFAULT_DATA))
    began = time.process_time()
    model = train_network(list(chunks(data)), args.vectors, params,
                          log=lambda line: print(line, file=sys.stderr, flush=True))
    save(model, args.out)
    print(json.dumps({"model": os.path.relpath(args.out, ROOT), "bytes": os.path.getsize(args.out),
                      "features": len(model["features"]) - 1, "train_cpu_seconds": round(time.process_time() - began, 1),
                      "params": params}))


if __name__ == "__main__":
    main()
