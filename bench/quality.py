"""Retrieval quality of the Arabic analysis chains under the spellings readers type.

Builds one Whoosh index per analysis chain over the whole corpus (title + body), asks
known-answer queries (distinctive words of an article's title) in their original spelling and in
orthographic variants (hamza, ة/ه, ى/ي, Persian keys, diacritics, tatweel, clitic prefixes,
Arabic-Indic digits), and prints one JSON object: MRR@10 and success@10 per variant per chain,
index build times, the analysis speed in tokens/s, and a precision check (do the top hits of
a one-word query contain that word, with its own clitics and endings?). Method and results:
docs/quality.md.

    .venv/bin/python bench/quality.py [--queries 500] [--min-per-variant 100] [--seed 20260301]
        [--precision-queries 200] [--corpus PATH] [--ranks FILE] [--no-speed]
        [--backend solr [--solr-url URL]] [--spelling-boosts 0,1]

``--ranks FILE`` also writes every query's reciprocal rank per chain and variant (JSON), so two
runs (before and after a change) can be compared query by query.

``--spelling-boosts 0,1`` asks the product's search again on the same generation with each weight
of the typed spelling's clause (``indexer.compile.SPELLING_BOOST``; 0 ranks as before it existed),
reported as ``arshif_search@0``, ``arshif_search@1``.

``--backend solr`` runs the product's search (``arshif_search``) on both engines over the same
corpus and queries: the Whoosh generation and a SolrCloud generation written by the real Solr
build (a local 2-node cluster from solr/launcher, 2 shards x 2 replicas, unless ``--solr-url``
names one), and adds ``engines`` (with --spelling-boosts, ``engines@BOOST`` for each): MRR@10 per variant side by side, the share of queries whose
totals agree, and the queries where they do not.

Runs under ``make bench``, never under ``make test``.
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from whoosh import index as windex  # noqa: E402
from whoosh import query as wq  # noqa: E402
from whoosh.analysis import Filter, StandardAnalyzer, StopFilter  # noqa: E402
from whoosh.fields import ID, TEXT, Schema  # noqa: E402

from indexer import arabic  # noqa: E402
from indexer import compile as compile_module  # noqa: E402
from indexer.analysis import (ArabicTokenizer, NormalizeFilter, analyze,  # noqa: E402
                              stemmed_analyzer)
from indexer.schema import TITLE_BOOST  # noqa: E402

DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "news.jsonl.gz"
DEFAULT_SEED = 20260301
DEFAULT_QUERIES = 500
DEFAULT_MIN_PER_VARIANT = 100
DEFAULT_PRECISION_QUERIES = 200
TOP = 10


# --- the chains compared ------------------------------------------------------------------

class Light10Filter(Filter):
    """``arabic.light10`` on each token (Lucene's stemmer), for chain (c)."""

    def __eq__(self, other):
        return type(other) is type(self)

    def __call__(self, tokens):
        light10 = arabic.light10
        for t in tokens:
            if not t.stopped:
                t.text = light10(t.text)
            yield t


def _arabic_stops():
    return StopFilter(stoplist=arabic.STOP_WORDS, minsize=1, renumber=False)


CHAINS = {
    # (a) Whoosh's default: \w+ tokens, lower case, English stop words.
    "whoosh_standard": StandardAnalyzer,
    # (b) Arshif's tokenizer + normalize, nothing else (= indexer.analysis.exact_analyzer()).
    "normalize": lambda: ArabicTokenizer() | NormalizeFilter(),
    # (c) the Lucene-style chain: tokenizer + normalize + Arabic stop words + Light10.
    "normalize_light10": lambda: ArabicTokenizer() | NormalizeFilter() | _arabic_stops()
    | Light10Filter(),
    # (d) Arshif's final chain: tokenizer + normalize + stop words + stem.
    "final_stem": stemmed_analyzer,
}


# --- orthographic variants of a query (a list of words in their original spelling) --------

FATHA, DAMMA, KASRA, SHADDA = "\u064e", "\u064f", "\u0650", "\u0651"
TATWEEL = "\u0640"
ARABIC_WORD = re.compile("[\u0621-\u064A]+")
# Letters that join the next letter, so a tatweel may follow them.
_NON_JOINING = set("اأإآءؤدذرزوةى")
_ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def _each_word(fn):
    def variant(words, rng):
        return [fn(w, rng) for w in words]
    return variant


def _one_word(fn):
    """Apply ``fn`` to one randomly chosen word it changes."""
    def variant(words, rng):
        choices = [i for i, w in enumerate(words) if fn(w) != w]
        if not choices:
            return words
        i = rng.choice(choices)
        return words[:i] + [fn(words[i])] + words[i + 1:]
    return variant


def _hamza_added(word, rng):
    # اعلن → أعلن; الانتخابات → الإنتخابات is a mis-spelling too, so the alef after ال as well.
    if word.startswith("ال") and len(word) > 3 and word[2] == "ا":
        return "ال" + rng.choice("أإ") + word[3:]
    if word.startswith("ا") and not word.startswith("ال"):
        return rng.choice("أإ") + word[1:]
    return word


def _diacritics(word, rng):
    out = []
    for i, c in enumerate(word):
        out.append(c)
        if ARABIC_WORD.fullmatch(c) and c not in "اى" and rng.random() < 0.6:
            if i > 0 and rng.random() < 0.15:
                out.append(SHADDA)
            out.append(rng.choice((FATHA, DAMMA, KASRA)))
    return "".join(out)


def _tatweel(word, rng):
    spots = [i for i in range(1, len(word))
             if ARABIC_WORD.fullmatch(word[i - 1]) and word[i - 1] not in _NON_JOINING
             and ARABIC_WORD.fullmatch(word[i])]
    if not spots:
        return word
    i = rng.choice(spots)
    return word[:i] + TATWEEL * rng.randint(1, 3) + word[i:]


_CLITIC_INITIAL = tuple("وفبلك")  # and, so, with, for, like: a word starting so may carry one


def _prefix(prefix):
    """Add a clitic where a writer could: و before any word not already starting with و/ف;
    ب, ال, لل only before a word with no clitic of its own (ب and لل may replace its ال).
    Words whose first letter merely looks like a clitic (وزير, بلد, لبنان) are skipped too."""
    def add(word):
        if not ARABIC_WORD.fullmatch(word) or len(word) < 2:
            return word
        article = word.startswith("ال")
        if prefix == "و":
            return word if word[0] in "وف" else "و" + word
        if not article and word.startswith(_CLITIC_INITIAL):
            return word
        if prefix == "ب":
            return "ب" + word
        if prefix == "ال":
            return word if article else "ال" + word
        return "لل" + (word[2:] if article else word)  # الحكومة → للحكومة, حكومة → للحكومة
    return add


def _final(old, new):
    return lambda w, rng: w[:-1] + new if w.endswith(old) and len(w) > 1 else w


VARIANTS = {
    "hamza_dropped": _each_word(lambda w, rng: re.sub("[أإآ]", "ا", w)),
    "hamza_added": _each_word(_hamza_added),
    "waw_hamza_as_waw": _each_word(lambda w, rng: w.replace("ؤ", "و")),
    "yeh_hamza_as_yeh": _each_word(lambda w, rng: w.replace("ئ", "ي")),
    "final_teh_marbuta_as_heh": _each_word(_final("ة", "ه")),
    "final_heh_as_teh_marbuta": _each_word(_final("ه", "ة")),
    "final_alef_maksura_as_yeh": _each_word(_final("ى", "ي")),
    "final_yeh_as_alef_maksura": _each_word(_final("ي", "ى")),
    "persian_keyboard": _each_word(lambda w, rng: re.sub("[يى]", "ی", w).replace("ك", "ک")),
    "diacritics_added": _each_word(_diacritics),
    "tatweel_added": _each_word(_tatweel),
    "prefix_wa": _one_word(_prefix("و")),
    "prefix_bi": _one_word(_prefix("ب")),
    "prefix_al": _one_word(_prefix("ال")),
    "prefix_lil": _one_word(_prefix("لل")),
    "arabic_indic_digits": _each_word(lambda w, rng: w.translate(_ARABIC_INDIC)),
}


# --- corpus, indexes, queries -------------------------------------------------------------

def read_corpus(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def build_index(directory: str, analyzer, articles: list[dict], procs: int) -> float:
    schema = Schema(id=ID(stored=True, unique=True),
                    title=TEXT(analyzer=analyzer, phrase=False),
                    body=TEXT(analyzer=analyzer, phrase=False))
    ix = windex.create_in(directory, schema)
    started = time.perf_counter()
    writer = ix.writer(procs=procs, multisegment=procs > 1, limitmb=256)
    for article in articles:
        writer.add_document(id=article["id"], title=article.get("title") or "",
                            body=article.get("body") or "")
    writer.commit()
    return time.perf_counter() - started


def article_text(article: dict) -> str:
    return (article.get("title") or "") + "\n" + (article.get("body") or "")


def document_frequency(articles) -> Counter:
    """Number of articles (title + body) holding each normalised word."""
    df = Counter()
    for a in articles:
        df.update({arabic.normalize(tok) for tok, _, _ in arabic.tokenize(article_text(a))})
    return df


def make_queries(articles, rng):
    """Known-answer queries: 2-3 highest-IDF title words (original spelling) of each article,
    articles in a seeded random order.

    Words are title tokens that are not stop words; their IDF is over the normalised forms in
    titles and bodies. An ASCII number in the title is always kept, so the digit variant is
    measured. The answer is the article (and any article with the same normalised title).
    Returns (words, relevant article ids) pairs.
    """
    df = document_frequency(articles)
    by_title = {}
    for a in articles:
        by_title.setdefault(arabic.normalize(a.get("title") or ""), set()).add(a["id"])

    queries = []
    for i in rng.sample(range(len(articles)), len(articles)):
        title = articles[i].get("title") or ""
        words, seen = [], set()
        for tok, _, _ in arabic.tokenize(title):
            norm = arabic.normalize(tok)
            if not norm or arabic.is_stop(norm) or norm in seen or len(norm) < 2:
                continue
            seen.add(norm)
            words.append((tok, norm))
        if len(words) < 2:
            continue
        k = 3 if len(words) >= 4 else 2
        chosen = sorted(words, key=lambda w: (df[w[1]], -len(w[1])))[:k]
        digits = [w for w in words if w[0].isascii() and w[0].isdigit()]
        if digits and digits[0] not in chosen:
            chosen[-1] = digits[0]
        order = {w: p for p, w in enumerate(words)}
        chosen.sort(key=order.get)
        queries.append(([w[0] for w in chosen], frozenset(by_title[arabic.normalize(title)])))
    return queries


def query_for(analyzer, words):
    """AND of the query's words; each analysed term matches title (boosted) or body.

    The same construction for every chain; a word that analyses to several terms (Whoosh's
    \\w+ splits vocalised words) requires all of them; a word with no term (a stop word) drops.
    """
    parts = []
    for word in words:
        for term in analyze(analyzer, word):
            parts.append(wq.Or([wq.Term("title", term, boost=TITLE_BOOST),
                                wq.Term("body", term)]))
    if not parts:
        return None, ()
    return wq.And(parts), tuple(p.subqueries[0].text for p in parts)


def evaluate(ix, analyzer, queried):
    """Reciprocal rank of the answer in the top 10 (0 when absent) for each (words, relevant)."""
    ranks = []
    with ix.searcher() as searcher:
        cache = {}
        for words, relevant in queried:
            q, key = query_for(analyzer, words)
            if key not in cache:
                cache[key] = [hit["id"] for hit in searcher.search(q, limit=TOP)] if q else []
            ranks.append(next((1.0 / r for r, doc_id in enumerate(cache[key], 1)
                               if doc_id in relevant), 0.0))
    return ranks


# --- precision: does a one-word query find its own word, or words that merely share a stem? ---

# The forms of a word w that are w itself: its core (w less one ending, when 3 letters remain)
# with proclitics before it (conjunction و ف, prepositions ب ل ك, future س, the article) and up
# to two endings after it (ة written ت before an ending). Defined without any stemmer, so it
# judges every chain alike: a hit without such a form came from another word with the same stem.
_FAMILY_PREFIX = "(?:[وف]?[بلك]?(?:ال)?|[وف]?لل|[وف]?س)"
_ENDINGS = ("ه", "ها", "هم", "هما", "هن", "ك", "كم", "كما", "كن", "نا", "ي", "ني", "ان", "ين",
            "ون", "ات", "ا", "يه", "يا", "يات", "يون", "يين", "تان", "تين", "وا", "ت", "تم", "تا", "ن")
_FAMILY_SUFFIX = f"(?:{'|'.join(_ENDINGS)})"


def family_pattern(word: str) -> re.Pattern:
    """Every token that is ``word`` (normalised) with clitics and endings around it."""
    core = word
    for ending in sorted(_ENDINGS, key=len, reverse=True):
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            core = word[:-len(ending)]
            break
    cores = [re.escape(core), re.escape(core) + "ت"]
    if core.endswith("ه"):  # ة: حكومه → حكومت-ها, or dropped before ات/ي
        cores += [re.escape(core[:-1]) + "ت", re.escape(core[:-1])]
    return re.compile(f"{_FAMILY_PREFIX}(?:{'|'.join(cores)}){_FAMILY_SUFFIX}?{_FAMILY_SUFFIX}?")


def precision_queries(articles, rng, n):
    """``n`` single words, sampled (seeded) from the corpus vocabulary: normalised Arabic words
    of 3+ letters in 5+ articles, not stop words, not starting with ال or لل, and whose first letter,
    if it could be a clitic (و ف ب ل ك), belongs to the word: the word without it occurs in
    no article (فيدرر, فرنسا, not وقال). Their own forms are then unambiguous."""
    df = document_frequency(articles)
    words = sorted(w for w, k in df.items()
                   if k >= 5 and len(w) >= 3 and ARABIC_WORD.fullmatch(w) and not arabic.is_stop(w)
                   and not w.startswith(("ال", "لل")) and (w[0] not in _CLITIC_INITIAL or not df[w[1:]]))
    return rng.sample(words, min(n, len(words)))


def precision(search, words, by_id):
    """For each word, the share of its top-10 hits (``search(word)``: their ids) whose title or
    body holds a form of the word itself (``family_pattern``), not just a word with its stem.
    Returns the mean over words with hits, the pooled share, and the worst words."""
    shares, family_hits, total_hits, worst = [], 0, 0, []
    for word in words:
        hits = search(word)
        if not hits:
            continue
        pattern = family_pattern(word)
        own = 0
        for doc_id in hits:
            text = article_text(by_id[doc_id])
            if any(pattern.fullmatch(arabic.normalize(tok)) for tok, _, _ in arabic.tokenize(text)):
                own += 1
        shares.append(own / len(hits))
        family_hits += own
        total_hits += len(hits)
        if own < len(hits):
            worst.append((own / len(hits), word))
    worst.sort()
    return {"queries": len(words), "with_hits": len(shares), "mean_share": _mean(shares),
            "pooled_share": round(family_hits / total_hits, 4) if total_hits else None,
            "below_1": [{"word": w, "share": round(s, 2)} for s, w in worst[:15]]}


def chain_search(searcher, analyzer):
    """A one-word search of an analysis chain's index (the AND query of ``evaluate``)."""
    def search(word):
        q, _terms = query_for(analyzer, [word])
        return [hit["id"] for hit in searcher.search(q, limit=TOP)] if q else []
    return search


def product_search(service):
    """A one-word search through SearchService, the product's own query path."""
    from indexer.search import SearchRequest

    def search(word):
        return [h.id for h in service.search(SearchRequest(query=word, per_page=TOP)).hits]
    return search


SEARCH_CHAIN = "arshif_search"
SOLR_CHAIN = "arshif_search_solr"   # --backend solr: the same search on a SolrCloud generation


def build_generation(root: str, articles: list[dict], procs: int) -> float:
    """A real index generation (both fields, as `arshif reindex` builds it)."""
    from archive.dates import parse_date
    from indexer.build import full_rebuild

    def docs():
        for a in articles:
            yield dict(a, published_at=parse_date(a["date"]).when)

    started = time.perf_counter()
    full_rebuild(docs(), root, total=len(articles), procs=procs)
    return time.perf_counter() - started


def evaluate_search(service, queried, totals=None):
    """Reciprocal ranks through SearchService: the product's own query path (stop words,
    spelling alternatives, alias expansion when an authority file is wired in). ``totals``, a
    dict, receives each query's total and top ids (the engines compared)."""
    from indexer.search import SearchError, SearchRequest

    ranks, cache = [], {}
    for words, relevant in queried:
        q = " ".join(words)
        if q not in cache:
            try:
                result = service.search(SearchRequest(query=q, per_page=TOP))
                cache[q] = [h.id for h in result.hits]
                total = result.total
            except SearchError:
                cache[q], total = [], None
            if totals is not None:
                totals[q] = (total, cache[q])
        ranks.append(next((1.0 / r for r, doc_id in enumerate(cache[q], 1) if doc_id in relevant), 0.0))
    return ranks


def solr_generation(articles: list[dict], solr_url: str | None, work: str):
    """A SolrCloud generation of ``articles`` written by the real Solr build (indexer.solr):
    (engine, build seconds, the local cluster to shut down or None)."""
    from archive.dates import parse_date
    from indexer.solr.build import full_rebuild
    from indexer.solr.client import SolrClient
    from indexer.solr.cluster import LocalCluster
    from indexer.solr.engine import SolrEngine
    from indexer.solr.generations import SolrGenerations

    cluster = None
    if not solr_url:
        cluster = LocalCluster(os.path.join(work, "solr"), nodes=2).start()
        solr_url = cluster.solr_url
    alias = f"quality{os.getpid()}"
    generations = SolrGenerations(SolrClient(solr_url), alias, shards=2, replicas=2)
    started = time.perf_counter()
    full_rebuild((dict(a, published_at=parse_date(a["date"]).when) for a in articles), generations,
                 total=len(articles))
    return SolrEngine(solr_url, alias), time.perf_counter() - started, cluster


def engine_comparison(results: dict, totals: dict, suffix: str = "") -> dict:
    """MRR@10 per variant on Whoosh and on Solr side by side, and the queries whose totals or
    top-10 differ between the engines (``suffix``: the runs' ``@BOOST``, --spelling-boosts)."""
    whoosh_key, solr_key = SEARCH_CHAIN + suffix, SOLR_CHAIN + suffix
    whoosh, solr = totals[whoosh_key], totals[solr_key]
    queries = sorted(set(whoosh) & set(solr))
    differ = [q for q in queries if whoosh[q][0] != solr[q][0]]
    reordered = [q for q in queries if whoosh[q][0] == solr[q][0] and whoosh[q][1] != solr[q][1]]
    per_variant = {}
    for name, row in results.items():
        w, s = row.get(whoosh_key, {}).get("mrr10"), row.get(solr_key, {}).get("mrr10")
        if w is not None and s is not None:
            per_variant[name] = {"whoosh": w, "solr": s, "difference": round(s - w, 4)}
    return {
        "mrr10": per_variant,
        "largest_mrr10_difference": max((abs(v["difference"]) for v in per_variant.values()), default=None),
        "queries": len(queries),
        "totals_agree": round(1 - len(differ) / len(queries), 4) if queries else None,
        "totals_differ": [{"query": q, "whoosh": whoosh[q][0], "solr": solr[q][0]} for q in differ[:40]],
        "same_total_other_top10": len(reordered),
        "same_total_other_top10_examples": [
            {"query": q, "whoosh": whoosh[q][1], "solr": solr[q][1]} for q in reordered[:5]],
    }


def analysis_speed(articles):
    """normalize + stem tokens/s on one core with warm caches, and the Whoosh chain's speed."""
    texts = [(a.get("title") or "") + "\n" + (a.get("body") or "") for a in articles]
    tokens = [tok for text in texts for tok, _, _ in arabic.tokenize(text)]
    normalize, stem = arabic.normalize, arabic.stem

    def run():
        for tok in tokens:
            stem(normalize(tok))

    run()  # warm the caches
    best = min(_timed(run) for _ in range(3))
    sample = texts[:2000]
    n_sample = sum(1 for text in sample for _ in arabic.tokenize(text))
    analyzer = stemmed_analyzer()

    def run_chain():
        for text in sample:
            for _ in analyzer(text, positions=True, chars=True, mode="index"):
                pass

    run_chain()
    chain = min(_timed(run_chain) for _ in range(3))
    tokenize_time = min(_timed(lambda: [None for text in sample for _ in arabic.tokenize(text)])
                        for _ in range(3))
    return {
        "tokens": len(tokens),
        "distinct_tokens": len(set(tokens)),
        "normalize_stem_tokens_per_s": round(len(tokens) / best),
        "tokenize_tokens_per_s": round(n_sample / tokenize_time),
        "whoosh_stemmed_analyzer_tokens_per_s": round(n_sample / chain),
    }


def _timed(fn):
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--queries", type=int, default=DEFAULT_QUERIES)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--procs", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--min-per-variant", type=int, default=DEFAULT_MIN_PER_VARIANT)
    parser.add_argument("--precision-queries", type=int, default=DEFAULT_PRECISION_QUERIES)
    parser.add_argument("--chains", default=",".join([*CHAINS, SEARCH_CHAIN]))
    parser.add_argument("--index-dir", type=Path, help="keep/reuse the indexes here (development)")
    parser.add_argument("--ranks", type=Path, help="write each query's reciprocal rank here (JSON)")
    parser.add_argument("--no-speed", action="store_true", help="skip the analysis speed measurement")
    parser.add_argument("--backend", choices=("whoosh", "solr"), default="whoosh",
                        help="solr: also run arshif_search on a SolrCloud generation and compare")
    parser.add_argument("--solr-url", help="an existing cluster's node URLs (default: start one)")
    parser.add_argument("--spelling-boosts", type=lambda v: [float(b) for b in v.split(",")],
                        help="the product's search again with each of these SPELLING_BOOSTs (0: the "
                             "typed spelling adds nothing) on the same generation, as CHAIN@BOOST")
    args = parser.parse_args(argv)
    if args.backend == "solr":
        args.chains = ",".join(dict.fromkeys([*(c for c in args.chains.split(",") if c), SEARCH_CHAIN,
                                              SOLR_CHAIN]))

    if not args.corpus.exists():
        print(f"bench/quality.py: the corpus is not at {args.corpus}; it is the shared 20,000-article "
              f"news.jsonl.gz (pass --corpus PATH)", file=sys.stderr)
        return 2
    started = time.perf_counter()
    articles = read_corpus(args.corpus)
    chains = [c for c in args.chains.split(",") if c]
    speed = None if args.no_speed or not any(c in CHAINS for c in chains) else analysis_speed(articles)

    rng = random.Random(args.seed)
    candidates = make_queries(articles, rng)
    sample = list(range(min(args.queries, len(candidates))))
    # Each variant is measured on the sampled queries it changes; a variant that changes fewer
    # than --min-per-variant of them (ؤ, ئ, digits are rare in titles) is topped up with the
    # next candidates (same seeded order) that it changes.
    variant_sets = {"original": [(qi, candidates[qi][0]) for qi in sample]}
    supplemented = {}
    for name, make in VARIANTS.items():
        chosen = []
        for qi, (words, _) in enumerate(candidates):
            if qi >= len(sample) and len(chosen) >= args.min_per_variant:
                break
            changed = make(list(words), random.Random(f"{args.seed}:{name}:{qi}"))
            if changed != list(words):
                chosen.append((qi, changed))
        variant_sets[name] = chosen
        supplemented[name] = sum(qi >= len(sample) for qi, _ in chosen)
    needed = sorted({qi for chosen in variant_sets.values() for qi, _ in chosen})
    precision_words = precision_queries(articles, random.Random(f"{args.seed}:precision"),
                                        args.precision_queries)
    by_id = {a["id"]: a for a in articles}
    precision_results = {}

    results = {name: {"queries": len(chosen), "supplemented": supplemented.get(name, 0)}
               for name, chosen in variant_sets.items()}
    failures = {}
    build = {}
    ranks = {chain: {} for chain in chains if chain not in (SEARCH_CHAIN, SOLR_CHAIN)}
    default_boost = compile_module.SPELLING_BOOST
    totals = {}
    for chain in chains:
        if chain in (SEARCH_CHAIN, SOLR_CHAIN):
            from indexer.search import SearchService

            with tempfile.TemporaryDirectory(prefix="arshif-quality-search-") as tmp:
                cluster = None
                if chain == SOLR_CHAIN:
                    engine, seconds, cluster = solr_generation(articles, args.solr_url, tmp)
                    build[chain] = round(seconds, 1)
                    service = SearchService(tmp, cache_size=0, time_limit=60, engine=engine)
                else:
                    build[chain] = round(build_generation(tmp, articles, args.procs), 1)
                    service = SearchService(tmp, cache_size=0, time_limit=60)
                for key, boost in spelling_runs(chain, args.spelling_boosts):
                    if boost is not None:
                        compile_module.SPELLING_BOOST = boost
                    ranks[key] = {}
                    precision_results[key] = precision(product_search(service), precision_words, by_id)
                    seen = totals.setdefault(key, {})
                    original = dict(zip(needed, evaluate_search(service, [candidates[qi] for qi in needed], seen)))
                    for name, chosen in variant_sets.items():
                        rr = evaluate_search(service, [(words, candidates[qi][1]) for qi, words in chosen], seen)
                        ranks[key][name] = _ranked(chosen, rr)
                        results[name][key] = _variant_figures(rr, [original[qi] for qi, _ in chosen])
                compile_module.SPELLING_BOOST = default_boost
                service.close()
                if cluster is not None:
                    cluster.shutdown()
            continue
        analyzer = CHAINS[chain]()
        with tempfile.TemporaryDirectory(prefix=f"arshif-quality-{chain}-") as tmp:
            directory = tmp
            if args.index_dir:  # reuse an index built by an earlier run (development only)
                directory = str(args.index_dir / chain)
                os.makedirs(directory, exist_ok=True)
            if windex.exists_in(directory):
                build[chain] = None
            else:
                build[chain] = round(build_index(directory, analyzer, articles, args.procs), 1)
            ix = windex.open_dir(directory)
            with ix.searcher() as searcher:
                precision_results[chain] = precision(chain_search(searcher, analyzer), precision_words, by_id)
            original = dict(zip(needed, evaluate(ix, analyzer, [candidates[qi] for qi in needed])))
            for name, chosen in variant_sets.items():
                rr = evaluate(ix, analyzer, [(words, candidates[qi][1]) for qi, words in chosen])
                ranks[chain][name] = _ranked(chosen, rr)
                results[name][chain] = _variant_figures(rr, [original[qi] for qi, _ in chosen])
                if chain == _last_chain(chains):
                    failures[name] = [
                        {"original": " ".join(candidates[qi][0]), "variant": " ".join(words),
                         "original_terms": list(query_for(analyzer, candidates[qi][0])[1]),
                         "variant_terms": list(query_for(analyzer, words)[1])}
                        for (qi, words), r in zip(chosen, rr) if r < original[qi]][:8]
            ix.close()

    if args.ranks:
        args.ranks.write_text(json.dumps(ranks, ensure_ascii=False), encoding="utf-8")
    print(json.dumps({
        "corpus": str(args.corpus), "articles": len(articles), "seed": args.seed,
        "queries": len(sample), "min_per_variant": args.min_per_variant, "procs": args.procs,
        "index_build_seconds": build,
        "analysis_speed": speed,
        "variants": results,
        "precision": precision_results,
        "example_queries": {name: " ".join(chosen[0][1]) for name, chosen in variant_sets.items()
                            if chosen},
        f"worse_than_original_{_last_chain(chains)}": failures,
        **({"engines": engine_comparison(results, totals)} if SOLR_CHAIN in totals else {}),
        **{f"engines{key[len(SOLR_CHAIN):]}": engine_comparison(results, totals, key[len(SOLR_CHAIN):])
           for key, boost in spelling_runs(SOLR_CHAIN, args.spelling_boosts)
           if boost is not None and key in totals},
        "seconds": round(time.perf_counter() - started, 1),
    }, ensure_ascii=False, indent=1))
    return 0


def spelling_runs(chain, boosts):
    """(result key, SPELLING_BOOST or None for the shipped one) of each run of an engine chain."""
    return [(chain, None)] if not boosts else [(f"{chain}@{b:g}", b) for b in boosts]


def _variant_figures(rr: list[float], orig: list[float]) -> dict:
    """MRR@10 and success@10 of a variant's reciprocal ranks ``rr``, beside the same queries typed
    plainly (``orig``) and their ratio."""
    return {"mrr10": _mean(rr), "success10": _mean([r > 0 for r in rr]), "original_mrr10": _mean(orig),
            "ratio": round(_mean(rr) / _mean(orig), 4) if orig and _mean(orig) else None}


def _ranked(chosen, rr):
    """``[[query number, words as asked, reciprocal rank], …]`` for --ranks."""
    return [[qi, " ".join(words), r] for (qi, words), r in zip(chosen, rr)]


def _last_chain(chains):
    """The last analysis chain compared (its failures are listed)."""
    return ([c for c in chains if c not in (SEARCH_CHAIN, SOLR_CHAIN)] or [None])[-1]


def _mean(values):
    values = list(values)
    return round(sum(values) / len(values), 4) if values else None


if __name__ == "__main__":
    sys.exit(main())
