"""Train the network entity tagger (``indexer.entity_network``) from ANERcorp, or cross-validate it.

Needs torch (the ``train`` extra, best in a virtualenv of its own: ``pip install -e '.[train]'``);
the model it writes is read with numpy alone (``Extractor("….npz")``). The input is
bench/train_ner.py's sentences (our tokens, PERS → PER), cut at the extractor's 120 tokens, and
the news vectors of ``bench/word_clusters.py --vectors instance/news_vectors.npz``. The network:
per token the sum of learned vectors of its CRF features (those seen ``min_count`` times in
training) next to its fixed news vector, then two convolutions with ReLU and dropout, or
(``--set encoder='"bilstm"'``) a character CNN's filters beside those and a bidirectional LSTM; a
linear layer to tag scores and a CRF over them (negative log-likelihood, Adam). Fixed seeds and one
thread: the same data gives the same model on the same machine. The measure of ``--cv`` is
bench/ner_experiments.py's (same folds, tagger + span cleaning, token spans); with a shipped tag
dictionary each fold's features use that fold's own table, as in ner_experiments.

    python bench/train_ner_network.py [--out instance/ner_network.npz] [--set epochs=15 ...]
    python bench/train_ner_network.py --cv [--folds 5] [--fold N] [--jobs 2] [--verbose] [--set NAME=VALUE ...]
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

import ner_experiments  # noqa: E402
import train_ner  # noqa: E402
from ner_experiments import scores  # noqa: E402

from indexer.entities import bio_spans, clean_spans  # noqa: E402
from indexer.entity_features import read_sentence, tag_dictionary as shipped_dictionary, \
    word_feature_parts  # noqa: E402
from indexer.entity_network import MAX_WORD, token_extras, vector_row, word_feature_names  # noqa: E402

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
    # "conv": the two convolutions above; "bilstm": a character CNN per word beside the same
    # inputs, then a bidirectional LSTM (``hidden`` units each way) under the CRF
    "encoder": "conv",
    "char_dim": 24,
    "char_filters": 48,
    "char_width": 3,
}


def chunks(data):
    """(words, tags) pieces of at most MAX_SEQUENCE tokens, as the extractor tags them."""
    for _, _, words, tags in data:
        for lo in range(0, len(words), MAX_SEQUENCE):
            yield words[lo:lo + MAX_SEQUENCE], tags[lo:lo + MAX_SEQUENCE]


def token_features(words, dictionary=None):
    """Each token's own-word CRF features and its sentence features; with the shipped tag
    dictionary, or ``dictionary`` (a fold's, in cross-validation)."""
    extras = token_extras(read_sentence(words))
    own = (word_feature_names(w) for w in words) if dictionary is None else \
        (word_feature_parts(w, dictionary)[0] for w in words)
    return [list(names) + extras[i] for i, names in enumerate(own)]


def encode(pieces, feature_ids, rows, tag_ids, dictionary=None):
    """Per piece: feature id lists per token, news-vector rows, tag ids, words."""
    out = []
    for words, tags in pieces:
        feats = [[feature_ids[f] for f in token if f in feature_ids] for token in token_features(words, dictionary)]
        out.append((feats, [vector_row(w, rows) for w in words], [tag_ids[t] for t in tags], words))
    return out


def train_network(pieces, vectors_path, params, log=None, dictionary=None):
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
    counts = Counter(f for words, _ in pieces for token in token_features(words, dictionary) for f in token)
    features = sorted(f for f, c in counts.items() if c >= params["min_count"])
    feature_ids = {f: i + 1 for i, f in enumerate(features)}  # 0: padding
    tags = sorted({t for _, ts in pieces for t in ts})
    tag_ids = {t: i for i, t in enumerate(tags)}
    encoded = encode(pieces, feature_ids, rows, tag_ids, dictionary)
    n_tags = len(tags)
    bilstm = params["encoder"] == "bilstm"
    chars = sorted({c for words, _ in pieces for w in words for c in w[:MAX_WORD]})
    char_ids = {c: i + 2 for i, c in enumerate(chars)}  # 0: padding, 1: a character not seen

    def char_matrix(words):
        out = torch.zeros(len(words), MAX_WORD, dtype=torch.long)
        for k, w in enumerate(words):
            ids = [char_ids.get(c, 1) for c in w[:MAX_WORD]]
            out[k, :len(ids)] = torch.tensor(ids, dtype=torch.long)
        return out

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
            if bilstm:
                self.chars = nn.Embedding(len(chars) + 2, params["char_dim"], padding_idx=0)
                self.char_conv = nn.Conv1d(params["char_dim"], params["char_filters"], params["char_width"],
                                           padding=params["char_width"] // 2)
                size += params["char_filters"]
                self.lstm = nn.LSTM(size, params["hidden"], batch_first=True, bidirectional=True)
                size = 2 * params["hidden"]
            else:
                for width in params["widths"]:
                    self.convs.append(nn.Conv1d(size, params["hidden"], width, padding=width // 2))
                    size = params["hidden"]
            self.output = nn.Linear(size, n_tags)
            self.dropout = nn.Dropout(params["dropout"])
            self.transitions = nn.Parameter(torch.zeros(n_tags, n_tags))
            self.start = nn.Parameter(torch.zeros(n_tags))
            self.end = nn.Parameter(torch.zeros(n_tags))

        def word_chars(self, char_rows):
            """(words, MAX_WORD) character ids → (words, char_filters): the largest value of
            each filter over the word's characters (padding positions left out)."""
            x = self.char_conv(self.chars(char_rows).transpose(1, 2)).transpose(1, 2)
            x = x.masked_fill((char_rows == 0).unsqueeze(2), -1e4)
            return x.max(dim=1).values

        def emissions(self, feats, vec_rows, mask, char_rows=None, word_index=None):
            parts = [self.features(feats).sum(dim=2), self.news(vec_rows)]
            if bilstm:
                parts.append(self.word_chars(char_rows)[word_index])
            x = torch.cat(parts, dim=2)
            x = self.dropout(x) * mask.unsqueeze(2)
            if bilstm:
                lengths = mask.sum(dim=1).long()
                packed = nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
                x, _ = self.lstm(packed)
                x, _ = nn.utils.rnn.pad_packed_sequence(x, batch_first=True, total_length=mask.shape[1])
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
            length = max(len(t) for _, _, t, _ in items)
            width = max(len(f) for feats, _, _, _ in items for f in feats) or 1
            feats = torch.zeros(len(items), length, width, dtype=torch.long)
            vec_rows = torch.full((len(items), length), no_row, dtype=torch.long)
            tag_t = torch.zeros(len(items), length, dtype=torch.long)
            mask = torch.zeros(len(items), length)
            for k, (f, v, t, _) in enumerate(items):
                for i, ids in enumerate(f):
                    feats[k, i, :len(ids)] = torch.tensor(ids, dtype=torch.long)
                vec_rows[k, :len(v)] = torch.tensor([r if r >= 0 else no_row for r in v])
                tag_t[k, :len(t)] = torch.tensor(t)
                mask[k, :len(t)] = 1
            char_rows = word_index = None
            if bilstm:
                batch_words = sorted({w for *_, words in items for w in words})
                position = {w: i for i, w in enumerate(batch_words)}
                char_rows = char_matrix(batch_words)
                word_index = torch.zeros(len(items), length, dtype=torch.long)
                for k, (*_, words) in enumerate(items):
                    word_index[k, :len(words)] = torch.tensor([position[w] for w in words])
            loss = network.loss(network.emissions(feats, vec_rows, mask, char_rows, word_index), tag_t, mask)
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
        model[f"conv{k}_weight"] = _window_rows(conv.weight)
        model[f"conv{k}_bias"] = conv.bias.detach().numpy().astype(np.float32)
    if bilstm:
        lstm = {name: value.detach().numpy().astype(np.float32) for name, value in network.lstm.named_parameters()}
        model.update({
            "encoder": np.array("bilstm"),
            "chars": np.array(chars),
            "char_vectors": network.chars.weight.detach().numpy().astype(np.float32),
            "char_conv_weight": _window_rows(network.char_conv.weight),
            "char_conv_bias": network.char_conv.bias.detach().numpy().astype(np.float32),
            # torch's W_ih (4H, in) of each direction, side by side as (in, 8H); both biases summed
            "lstm_input_weight": np.concatenate([lstm["weight_ih_l0"].T, lstm["weight_ih_l0_reverse"].T], axis=1),
            "lstm_bias": np.concatenate([lstm["bias_ih_l0"] + lstm["bias_hh_l0"],
                                         lstm["bias_ih_l0_reverse"] + lstm["bias_hh_l0_reverse"]]),
            "lstm_forward_hidden": lstm["weight_hh_l0"].T.copy(),
            "lstm_reverse_hidden": lstm["weight_hh_l0_reverse"].T.copy(),
        })
    return model


def _window_rows(weight) -> np.ndarray:
    """A torch Conv1d weight (out, in, width) → (width·in, out), rows in window order."""
    weight = weight.detach().numpy()
    return weight.transpose(2, 1, 0).reshape(-1, weight.shape[0]).astype(np.float32)


def save(model: dict, path: str) -> None:
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "wb") as out:  # a file object: no timestamps in the archive
        np.savez_compressed(out, **model)


def fold_dictionary(data, fold: int, folds: int) -> dict:
    """The tag dictionary of a fold, built from its training part alone (ner_experiments')."""
    ner_experiments._DATA = data
    return ner_experiments.fold_dictionary(fold, folds)


def run_fold(job):
    fold, folds, vectors, params, verbose = job
    from tempfile import TemporaryDirectory

    from indexer.entity_network import NetworkTagger

    data = train_ner.prepared(train_ner.read_conll(train_ner.DEFAULT_DATA))
    size = len(data)
    lo, hi = size * fold // folds, size * (fold + 1) // folds
    # without a shipped table the features have no dictionary rows, in training as at run time
    dictionary = fold_dictionary(data, fold, folds) if shipped_dictionary() else {}
    began = time.process_time()
    log = (lambda line: print(f"fold {fold}: {line} ({time.process_time() - began:.0f} CPU-s)", file=sys.stderr,
                              flush=True)) if verbose else None
    model = train_network(list(chunks(data[:lo] + data[hi:])), vectors, params, log=log, dictionary=dictionary)
    seconds = time.process_time() - began
    tp, fp, fn = Counter(), Counter(), Counter()
    with TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "fold.npz")
        save(model, path)
        tagger = NetworkTagger(path, dictionary)
        for _, _, words, tags in data[lo:hi]:
            pieces = [words[start:start + MAX_SEQUENCE] for start in range(0, len(words), MAX_SEQUENCE)]
            found = set()
            for start, piece, piece_tags in zip(range(0, len(words), MAX_SEQUENCE), pieces,
                                                tagger.tag([read_sentence(p) for p in pieces])):
                found |= {(s + start, e + start, label) for s, e, label in
                          clean_spans(bio_spans(piece_tags), piece)}
            train_ner.tally(found, set(bio_spans(tags)), tp, fp, fn)
    return tp, fp, fn, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vectors", default=DEFAULT_VECTORS)
    parser.add_argument("--out", default=DEFAULT_OUT)
    parser.add_argument("--cv", action="store_true", help="5-fold cross-validation instead of training")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--fold", type=int, action="append",
                        help="run only this fold (repeatable): a quicker first look, not the 5-fold figure")
    parser.add_argument("--verbose", action="store_true", help="each fold's loss per epoch, on stderr")
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
            for tp, fp, fn, s in pool.map(run_fold, [(f, args.folds, args.vectors, params, args.verbose)
                                                     for f in args.fold or range(args.folds)]):
                for total, part in zip(totals, (tp, fp, fn)):
                    total.update(part)
                seconds.append(s)
        print(json.dumps({"params": params, "folds": args.fold or list(range(args.folds)), "PER_ORG_LOC": scores(*totals, ["PER", "ORG", "LOC"]),
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
