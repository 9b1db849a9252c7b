"""Compare feature sets and training set-ups for the entity tagger by 5-fold CV (issue 12).

Each variant adds features to (or changes the training of) the shipped feature set
(``indexer.entities.sentence_features``); the folds are bench/ner_eval.py's (contiguous fifths of
the ANERcorp training part). The measure is the tagger plus the span cleaning every extraction
does (ner_eval's "crf" set-up), over token spans: PER/ORG/LOC micro P/R/F1 and per label. The
features of every sentence are computed once; the folds share them.

    python bench/ner_experiments.py VARIANT [VARIANT ...] [--max-iterations 100] [--jobs 2]
    python bench/ner_experiments.py --list
"""

from __future__ import annotations

import argparse
import ctypes
import gzip
import json
import os
import random
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)
sys.path.insert(0, HERE)

import pycrfsuite  # noqa: E402

import self_training  # noqa: E402
import tag_dictionary  # noqa: E402
import train_ner  # noqa: E402
from indexer.entities import bio_spans, clean_spans, sentence_features, word_clusters  # noqa: E402
from indexer.entity_features import read_tag_dictionary  # noqa: E402
from indexer.document_context import kept_longer, propagated_spans, repeatable_names, spans_tags  # noqa: E402
from indexer.entity_keys import clitic_forms  # noqa: E402

LABELS = ("PER", "ORG", "LOC", "MISC")

# Words that announce a name a word or two later (beyond the title list the base features know).
TRIGGERS = {
    "PER": "السيد السيدة الرئيس رئيس وزير وزيرة الوزير الملك الامير الشيخ الدكتور د المستشار النائب "
           "الجنرال العقيد اللواء قال قالت اكد اكدت صرح اعلن المتحدث الناطق المدرب اللاعب الكاتب "
           "الفنان الفنانة الممثل المخرج",
    "ORG": "شركة شركه مؤسسة منظمة حركة حزب جمعية وكالة صحيفة جريدة مجلة قناة اذاعة جامعة بنك "
           "مصرف نادي فريق منتخب مجلس اتحاد هيئة لجنة",
    "LOC": "مدينة مدينه بلدة قرية محافظة ولاية منطقة عاصمة دولة جزيرة نهر جبل بحر مطار ميناء "
           "في الى من عاصمه",
}


def _trigger_table() -> dict[str, str]:
    from indexer.arabic import normalize
    table = {}
    for label, words in TRIGGERS.items():
        for word in words.split():
            table.setdefault(normalize(word), label)
    return table


_TRIGGER = None
_EXTRA_CLUSTERS: dict[str, list[str]] = {}


def extra_clusters(path: str) -> list[str] | None:
    """A clusters table with any number of columns: word TAB c1 TAB c2 ..."""
    if path not in _EXTRA_CLUSTERS:
        table = {}
        with gzip.open(path, "rt", encoding="utf-8") as lines:
            for line in lines:
                word, *columns = line.rstrip("\n").split("\t")
                table[word] = columns
        _EXTRA_CLUSTERS[path] = table
    return _EXTRA_CLUSTERS[path]


def _cluster_of(word: str, table) -> list[str] | None:
    for form in clitic_forms(word):
        found = table.get(form)
        if found is not None:
            return found
    return None


# ---------------------------------------------------------------------------------------------
# Feature additions: each takes the sentence's words and the base features (changed in place).
# ---------------------------------------------------------------------------------------------

def add_affixes(words, feats):
    for i, w in enumerate(words):
        bare = clitic_forms(w)[-1]
        feats[i] += ["p4=" + w[:4], "x4=" + w[-4:], "cp2=" + bare[:2], "cp3=" + bare[:3],
                     "cx2=" + bare[-2:], "cx3=" + bare[-3:], "cx4=" + bare[-4:]]


def add_neighbour_clusters(words, feats):
    clusters = word_clusters()
    own = [clusters.get(w) or clusters.get(clitic_forms(w)[-1]) for w in words]
    n = len(words)
    for i in range(n):
        for off in (-2, 2):
            j = i + off
            if 0 <= j < n and own[j] is not None:
                feats[i] += [f"{off:+d}k1=" + own[j][0], f"{off:+d}k2=" + own[j][1]]
        left = own[i - 1][0] if i > 0 and own[i - 1] else "_"
        right = own[i + 1][0] if i + 1 < n and own[i + 1] else "_"
        mid = own[i][0] if own[i] else "_"
        feats[i] += ["k1-1|0=" + left + "|" + mid, "k10|+1=" + mid + "|" + right]


def add_triggers(words, feats):
    global _TRIGGER
    if _TRIGGER is None:
        _TRIGGER = _trigger_table()
    n = len(words)
    for i in range(n):
        for off in (-3, -2, -1, 1):
            j = i + off
            if 0 <= j < n:
                w = words[j]
                label = _TRIGGER.get(w) or _TRIGGER.get(clitic_forms(w)[-1])
                if label:
                    feats[i].append(f"trig{off:+d}={label}")
                    if off == -1:
                        feats[i].append("trigw-1=" + w)


def add_latin(words, feats):
    n = len(words)
    for i in range(n):
        for off in (-1, 1):
            j = i + off
            if 0 <= j < n and words[j][:1].isascii() and words[j][:1].isalpha():
                feats[i].append(f"latin{off:+d}")


def add_bigrams(words, feats):
    n = len(words)
    for i in range(n):
        prev = words[i - 1] if i else "<s>"
        nxt = words[i + 1] if i + 1 < n else "</s>"
        feats[i] += ["w-1|0=" + prev + "|" + words[i], "w0|+1=" + words[i] + "|" + nxt]


def make_multi_clusters(path: str, prefix: str, window=(-1, 0, 1)):
    def add(words, feats):
        table = extra_clusters(path)
        own = [_cluster_of(w, table) for w in words]
        n = len(words)
        for i in range(n):
            for off in window:
                j = i + off
                if 0 <= j < n and own[j] is not None:
                    feats[i] += [f"{prefix}{off:+d}.{k}={c}" for k, c in enumerate(own[j])]
    return add


# A word's own flags that its ±1 neighbours already see (clusters, tag dictionary rows, gazetteer
# words, first names); ``window2`` gives them to the words two places away as well.
_WINDOW_FLAGS = ("k1=", "k2=", "dn=", "dP=", "dO=", "dL=", "g1=", "gf", "fn")
_DICTIONARY_FLAGS = ("dn=", "dP=", "dO=", "dL=")


def make_window2(kinds: tuple[str, ...]):
    def add(words, feats):
        own = [[f for f in token if f.startswith(kinds)] for token in feats]
        n = len(words)
        for i in range(n):
            for off in (-2, 2):
                j = i + off
                if 0 <= j < n:
                    feats[i] += [f"{off:+d}{f}" for f in own[j]]
    return add


# Words that make a sentence a sports report, where a city's name is usually its club (ORG).
SPORT_WORDS = ("مباراة مباراه المباراة المباراه الدوري دوري بطولة بطوله البطولة البطوله فريق الفريق "
               "نادي النادي منتخب المنتخب هدف هدفا اهداف الاهداف لاعب اللاعب مدرب المدرب فوز بفوز فاز "
               "تعادل الكأس كأس الكاس كاس الملعب ملعب الذهاب الاياب ربع نصف النهائي الموسم ضد")
_SPORT = None


def add_sport(words, feats):
    """In a sentence with sports words, a word's clusters, gazetteer and dictionary LOC flags are
    doubled as "sport|…" features, so that a city can be weighted as a club there."""
    global _SPORT
    if _SPORT is None:
        from indexer.arabic import normalize
        _SPORT = {normalize(w) for w in SPORT_WORDS.split()}
    if not any(w in _SPORT or clitic_forms(w)[-1] in _SPORT for w in words):
        return
    for i, token in enumerate(feats):
        token += ["sport|" + f for f in token if f.startswith(("g1=", "dL=", "k1=", "k2=", "gB=", "gI="))] + ["sport"]


def drop_base_clusters(words, feats):
    for i, token in enumerate(feats):
        feats[i] = [f for f in token if "k1=" not in f and "k2=" not in f]


# ---------------------------------------------------------------------------------------------
# Label-free lexicons mined from the news (eighth session, mined): bench/news_lexicon.py counts,
# for every word of the news, its trigger contexts (after ORG heads, PER cues, LOC cues), the
# Latin names after it, what follows or precedes it and how productive its bare form is (ال,
# possessive and plural endings). No label and no tagger go into the table, so one table serves
# every fold. A word's flags (of it, or else of its first clitic form in the table) are bucketed
# shares, like the tag dictionary's, for the word and its ±1 neighbours.
# ---------------------------------------------------------------------------------------------

NEWS_LEXICON = os.path.join(ROOT, "instance", "news-lexicon.tsv.gz")
_LEXICON: dict | None = None
_LEXICON_FLAGS: dict = {}
_LEXICON_SHARES = (0.01, 0.05, 0.2, 0.5)
_LEXICON_GROUPS = {
    "triggers": (("To", 1), ("Tp", 2), ("Tl", 3)),
    "latin": (("Ta", 4), ("Tb", 5)),
    "context": (("Tf", 6), ("Tq", 7)),
}


def news_lexicon() -> dict:
    global _LEXICON
    if _LEXICON is None:
        import news_lexicon as builder
        if not os.path.exists(NEWS_LEXICON):
            tag_dictionary.write(NEWS_LEXICON, builder.build())
        _LEXICON = builder.read(NEWS_LEXICON)
    return _LEXICON


def lexicon_flags(row: tuple[int, ...], groups: tuple[str, ...]) -> tuple[str, ...]:
    """The flags of a lexicon row (bench/news_lexicon.COLUMNS) for the given groups: the word's
    bucketed occurrences, then per group its bucketed shares; "productivity" is the share of its
    bare form's occurrences with ال and the rate of its possessive/plural endings, each with the
    bucketed count that says how far to trust it."""
    import bisect
    total = row[0]
    flags = ["Tn=" + str(bisect.bisect_right(_COUNT_STEPS, total))]
    for group in groups:
        for name, column in _LEXICON_GROUPS.get(group, ()):
            flags.append(f"{name}=" + str(bisect.bisect_right(_LEXICON_SHARES, row[column] / total)))
    if "productivity" in groups:
        al, bare, ending = row[8:11]
        forms = al + bare
        trust = str(bisect.bisect_right(_COUNT_STEPS, forms))
        if forms:
            flags.append("Td=" + str(bisect.bisect_right((0.01, 0.05, 0.2, 0.5, 0.8, 0.95), al / forms)) + "|" + trust)
            flags.append("Te=" + str(bisect.bisect_right((0.001, 0.01, 0.05, 0.2), ending / forms)) + "|" + trust)
            flags.append("Ti=" + str(bisect.bisect_right((0.001, 0.01, 0.05, 0.2), row[11] / forms)) + "|" + trust)
    return tuple(flags)


_COUNT_STEPS = (16, 64, 256, 1024)


def _word_lexicon_flags(word: str, groups: tuple[str, ...]) -> tuple[str, ...]:
    key = (word, groups)
    flags = _LEXICON_FLAGS.get(key)
    if flags is None:
        lexicon = news_lexicon()
        row = next((lexicon[f] for f in clitic_forms(word) if f in lexicon), None)
        flags = _LEXICON_FLAGS[key] = lexicon_flags(row, groups) if row is not None else ()
    return flags


def make_lexicon(groups: tuple[str, ...], window=(-1, 0, 1)):
    def add(words, feats):
        own = [_word_lexicon_flags(w, groups) for w in words]
        n = len(words)
        for i in range(n):
            for off in window:
                j = i + off
                if 0 <= j < n:
                    feats[i] += own[j] if off == 0 else [f"{off:+d}{f}" for f in own[j]]
    return add


_GRAM_WEIGHTS: dict | None = None
_NAME_STEPS = (-1.0, -0.5, 0.0, 0.5, 1.0)


def _name_flags(word: str) -> tuple[str, ...]:
    global _GRAM_WEIGHTS
    import bisect
    import news_lexicon as builder
    if _GRAM_WEIGHTS is None:
        _GRAM_WEIGHTS = builder.gram_weights(*builder.name_classes(news_lexicon()))
    if not word[:1] or not "\u0621" <= word[0] <= "\u064a":
        return ()
    return ("Tg=" + str(bisect.bisect_right(_NAME_STEPS, builder.name_score(word, _GRAM_WEIGHTS))),)


def add_name_letters(words, feats):
    """The bucketed name-likeness of a word's letters (news_lexicon.name_score), word and ±1."""
    own = [_name_flags(w) for w in words]
    n = len(words)
    for i in range(n):
        feats[i] += own[i]
        if i > 0:
            feats[i] += ["-1" + f for f in own[i - 1]]
        if i + 1 < n:
            feats[i] += ["+1" + f for f in own[i + 1]]


NEWS_PHRASES = os.path.join(ROOT, "instance", "news-phrases.tsv.gz")
_PHRASES: dict | None = None


def news_phrases() -> dict:
    global _PHRASES
    if _PHRASES is None:
        import news_lexicon as builder
        if not os.path.exists(NEWS_PHRASES):
            vocabulary, sentences, _ = builder.read_news(tag_dictionary.DEFAULT_CORPUS)
            builder.write_phrases(NEWS_PHRASES, builder.count_phrases(vocabulary, sentences))
        _PHRASES = builder.read_phrases(NEWS_PHRASES)
    return _PHRASES


def add_phrases(words, feats):
    """The longest mined head phrase at each ORG head (news_lexicon.count_phrases): "mB" and its
    bucketed occurrences on the head, "mI" on the words after it, "mE" after its last word."""
    import bisect
    import news_lexicon as builder
    for start, end, count in builder.phrase_spans(words, news_phrases(), builder.phrase_heads()):
        feats[start] += ["mB", "mn=" + str(bisect.bisect_right(_COUNT_STEPS, count))]
        for k in range(start + 1, end):
            feats[k].append("mI")
        if end < len(words):
            feats[end].append("mE")


MINED_VARIANTS = {
    "mined-phrases": ([add_phrases], {}),
    "mined-letters": ([add_name_letters], {}),
    "mined-triggers": ([make_lexicon(("triggers",))], {}),
    "mined-latin": ([make_lexicon(("latin",))], {}),
    "mined-context": ([make_lexicon(("context",))], {}),
    "mined-productivity": ([make_lexicon(("productivity",))], {}),
    "mined": ([make_lexicon(("triggers", "latin", "context", "productivity"))], {}),
}

# ---------------------------------------------------------------------------------------------

CLUSTERS_WIDE = os.path.join(ROOT, "instance", "clusters-wide.tsv.gz")

VARIANTS = {
    "shipped": ([], {}),
    "affixes": ([add_affixes], {}),
    "neighbour-clusters": ([add_neighbour_clusters], {}),
    "triggers": ([add_triggers], {}),
    "latin": ([add_latin], {}),
    "bigrams": ([add_bigrams], {}),
    "minfreq=2": ([], {"feature.minfreq": 2}),
    "minfreq=3": ([], {"feature.minfreq": 3}),
    "ap": ([], {"algorithm": "ap"}),
    "pa": ([], {"algorithm": "pa"}),
    "wide-clusters": ([make_multi_clusters(CLUSTERS_WIDE, "m")], {}),
    "wide-clusters-only": ([drop_base_clusters, make_multi_clusters(CLUSTERS_WIDE, "m")], {}),
    "all-features": ([add_affixes, add_neighbour_clusters, add_triggers, add_latin], {}),
    # the tag dictionary (bench/tag_dictionary.py), built for each fold from its training part
    "dictionary": ([], {"dictionary": True}),
    # the flags of the words two places away (the ±1 neighbours' are in the shipped features)
    "window2": ([make_window2(_WINDOW_FLAGS)], {}),
    "window2-dictionary": ([make_window2(_DICTIONARY_FLAGS)], {}),
    "sport": ([add_sport], {}),
    # grid (eighth session): training-side changes. BILOU tags: trained on bilou_tags, decoded tags
    # read back as BIO (U- → B-, L- → I-) before bio_spans.
    "bilou": ([], {"bilou": True}),
    # fourteenth session: mention replacement (Dai & Adel 2020, "An analysis of simple data
    # augmentation for named entity recognition"): a copy of each training sentence with a name,
    # each name replaced with probability 0.5 by a name of the same label from the training part
    "mention-replacement": ([], {"augment": {"copies": 1, "p": 0.5}}),
    "mention-replacement-2": ([], {"augment": {"copies": 2, "p": 0.5}}),
    # mined (eighth session): label-free lexicons of the news (bench/news_lexicon.py)
    **MINED_VARIANTS,
}
# Besides these, a part "c1=0.1,c2=0.01" or "max_iterations=200" sets the trainer's parameters
# (_PARAMETERS names those it may set).


# ---------------------------------------------------------------------------------------------
# docctx (eighth session): document-level consistency. A first stage (the variant's own set-up)
# tags every sentence; a second CRF gets, besides the same features, what the first stage found in
# the sentences around (Krishnan & Manning 2006, "An effective two-stage model for exploiting
# non-local dependencies in NER"), or a rule propagates a name's label to its untagged exact
# repeats (both in indexer/document_context.py). ANERcorp's training part marks no article boundaries: the "document" of a
# sentence is the sentences within ``window`` of it (on the same side of the held-out fifth).
# The first stage's tags of the training fifths are jackknifed: DOCCTX_INNER contiguous inner
# parts, each tagged by a model trained on the others; the held-out fifth by a model trained on
# all four training fifths. Both are cached in instance/ (deterministic L-BFGS).
# ---------------------------------------------------------------------------------------------

DOCCTX_INNER = 4

VARIANTS.update({
    "docctx": ([], {"docctx": {"mode": "crf", "window": 10, "own": False}}),
    "docctx-w5": ([], {"docctx": {"mode": "crf", "window": 5, "own": False}}),
    "docctx-w20": ([], {"docctx": {"mode": "crf", "window": 20, "own": False}}),
    "docctx-own": ([], {"docctx": {"mode": "crf", "window": 10, "own": True}}),
    # the second stage, then the rule over its own tags
    "docctx-then-rule": ([], {"docctx": {"mode": "crf+rule", "window": 10, "own": False}}),
    # the same, keeping a first-stage name the second stage shortened (what ships, eleventh session)
    "docctx-keep-then-rule": ([], {"docctx": {"mode": "crf+rule", "window": 10, "own": False, "keep": True}}),
    "docctx-first": ([], {"docctx": {"mode": "first", "window": 0, "own": True}}),  # the first stage alone
    "docctx-rule": ([], {"docctx": {"mode": "rule", "window": 10, "own": True}}),
    "docctx-rule-w5": ([], {"docctx": {"mode": "rule", "window": 5, "own": True}}),
    "docctx-rule-w20": ([], {"docctx": {"mode": "rule", "window": 20, "own": True}}),
})


def stage1_path(fold: int, folds: int, params: dict, augment: dict | None = None) -> str:
    # c1 / c2 other than the shipped ones are part of the name (the shipped ones are not, so
    # caches made before they could be set keep their names), and mention replacement
    other = "".join(f"-{key}={params[key]}" for key in ("c1", "c2")
                    if key in params and params[key] != train_ner.PARAMS.get(key))
    if augment:
        other += f"-mr{augment['copies']}x{augment['p']}"
    return os.path.join(ROOT, "instance", f"docctx-stage1-fold{fold}of{folds}-"
                        f"{params.get('algorithm', 'lbfgs')}{params['max_iterations']}{other}.json.gz")


def stage1_tags(fold: int, folds: int, features, params: dict, augment: dict | None = None,
                augmented=None) -> list[list[str]]:
    """The first stage's tags of every sentence for a fold: the held-out fifth's by a model of the
    four training fifths, each training sentence's by a model of the other inner parts (cached;
    ``features()`` gives every sentence's features when they are not). With ``augment``, every one
    of those models also learns from ``augmented(its training sentences)``."""
    cache = stage1_path(fold, folds, params, augment)
    if os.path.exists(cache):
        with gzip.open(cache, "rt", encoding="utf-8") as f:
            return json.load(f)
    size = len(_DATA)
    lo, hi = size * fold // folds, size * (fold + 1) // folds
    train = [k for k in range(size) if not lo <= k < hi]
    gold = [tags for _, _, _, tags in _DATA]
    feats = features()
    tags = train_ner.train_and_tag(feats, gold, train, list(range(lo, hi)), params, augmented)
    tags.update(train_ner.jackknifed(feats, gold, train, params, DOCCTX_INNER, augmented))
    out = [tags[k] for k in range(size)]
    with gzip.open(cache + ".tmp", "wt", encoding="utf-8") as f:
        json.dump(out, f)
    os.replace(cache + ".tmp", cache)
    return out


def docctx_fold(fold: int, folds: int, features, params: dict, augment: dict | None = None, augmented=None):
    """One fold of a docctx variant (run_fold's result; the seconds are the second stage's, the
    iterations not counted); ``features()`` gives every sentence's features; ``augment``,
    ``augmented``: mention replacement in the first stage (see ``stage1_tags``)."""
    setting = params.pop("docctx")
    began = time.process_time()
    size = len(_DATA)
    lo, hi = size * fold // folds, size * (fold + 1) // folds
    first = stage1_tags(fold, folds, features, params, augment, augmented)
    stage1_seconds = time.process_time() - began
    print(f"docctx fold {fold}: first stage {stage1_seconds:.1f} CPU s", file=sys.stderr, flush=True)
    tags = first
    if setting["mode"].startswith("crf"):
        second = train_ner.document_features(_DATA, features(), first, [(0, lo), (lo, hi), (hi, size)],
                                             setting["window"], setting["own"])
        gold = [tags for _, _, _, tags in _DATA]
        tags = list(first)
        for k, found in train_ner.train_and_tag(second, gold, [k for k in range(size) if not lo <= k < hi],
                                                list(range(lo, hi)), params).items():
            tags[k] = (spans_tags(len(found), kept_longer(bio_spans(first[k]), bio_spans(found)))
                       if setting.get("keep") else found)
    if setting["mode"].endswith("rule"):  # the window is the held-out fifth's own sentences, k's included
        evidence = train_ner.first_stage_evidence(_DATA, tags)
        found = {k: clean_spans(propagated_spans(_DATA[k][2], bio_spans(tags[k]), repeatable_names(window)),
                                _DATA[k][2])
                 for k, window in train_ner.windows([(lo, hi)], setting["window"], evidence)}
    else:
        found = {k: clean_spans(bio_spans(tags[k]), _DATA[k][2]) for k in range(lo, hi)}
    tp, fp, fn, errors, misses = score_fold(lo, hi, found.__getitem__)
    return tp, fp, fn, errors, time.process_time() - began - stage1_seconds, misses, None, None


_DATA = None
_NEWS = None  # (words, sentences as word ids) of the news corpus, for the tag dictionary
_FEATURES: dict[str, list] = {}


def features_of(name: str, dictionary: dict | None = None):
    """The features of every sentence for variant ``name``; with a tag dictionary (a fold's)
    they are computed for the caller alone, without it once for all folds."""
    if dictionary is not None or name not in _FEATURES:
        out = [_sentence_features(name, words, dictionary) for _, _, words, _ in _DATA]
        if dictionary is not None:
            return out
        _FEATURES[name] = out
    return _FEATURES[name]


def _sentence_features(name: str, words: list[str], dictionary: dict | None) -> list[list[str]]:
    feats, _, _ = sentence_features(words, dictionary if dictionary is not None else {})
    feats = [list(f) for f in feats]
    for add in _combined(name):
        add(words, feats)
    return feats


def fold_dictionary_path(fold: int, folds: int) -> str:
    return os.path.join(ROOT, "instance", f"tag-dictionary-fold{fold}of{folds}.tsv.gz")


def fold_dictionary(fold: int, folds: int) -> dict:
    """The tag dictionary of a fold: built from its training part and the news (cached on disk:
    the base tagger is trained deterministically, so the same fold gives the same table)."""
    global _NEWS
    cache = fold_dictionary_path(fold, folds)
    if not os.path.exists(cache):
        if _NEWS is None:
            _NEWS = tag_dictionary.read_news(tag_dictionary.DEFAULT_CORPUS)
        size = len(_DATA)
        lo, hi = size * fold // folds, size * (fold + 1) // folds
        tag_dictionary.write(cache, tag_dictionary.build(_DATA[:lo] + _DATA[hi:], *_NEWS))
    return read_tag_dictionary(cache)


def _combined(name: str):
    """"a+b": the feature additions of variants a and b together."""
    additions = []
    for part in name.split("+"):
        additions += VARIANTS[part][0] if part in VARIANTS else []
    return additions


def _params(name: str, max_iterations: int) -> dict:
    params = dict(train_ner.PARAMS)
    params["max_iterations"] = max_iterations
    for part in name.split("+"):
        params.update(VARIANTS[part][1] if part in VARIANTS else _parsed_params(part))
    if params.get("algorithm") in ("ap", "pa"):
        params.pop("c1", None)
        params.pop("c2", None)
        params["max_iterations"] = min(params["max_iterations"], 30)
        params.pop("feature.possible_transitions", None)
        params["feature.possible_transitions"] = True
    return params


# The trainer parameters a variant part may set, and their types (crfsuite's L-BFGS: stop when the
# loss fell by less than ``delta`` (relative) over the last ``period`` iterations, or when the
# gradient is below ``epsilon``; ``feature.possible_states``: state features for every label of an
# attribute, not only the labels it was seen with).
_PARAMETERS = {"c1": float, "c2": float, "max_iterations": int, "delta": float, "period": int,
               "epsilon": float, "feature.possible_states": lambda v: bool(int(v)), "feature.minfreq": float}


def _parsed_params(part: str) -> dict:
    """"c1=0.1,c2=0.01" → {"c1": 0.1, "c2": 0.01} (integers stay integers)."""
    if part.split(":")[0] == "silver":
        return {"silver": self_training.parse(part)}
    params = {}
    for item in part.split(","):
        key, sep, value = item.partition("=")
        if not sep or key not in _PARAMETERS:
            raise SystemExit(f"unknown variant part: {part!r} (--list shows the variants)")
        params[key] = _PARAMETERS[key](value)
    return params


def mention_replacement(sentences: list[tuple[list[str], list[str]]], copies: int, p: float,
                        rng: random.Random) -> list[tuple[list[str], list[str]]]:
    """``copies`` copies of each of ``sentences`` (words, BIO tags) with a name, each name replaced
    with probability ``p`` by one of the distinct names of its label the sentences give."""
    pool: dict[str, set] = {}
    for words, tags in sentences:
        for s, e, label in bio_spans(tags):
            pool.setdefault(label, set()).add(tuple(words[s:e]))
    names = {label: sorted(found) for label, found in pool.items()}
    out = []
    for _ in range(copies):
        for words, tags in sentences:
            spans = bio_spans(tags)
            if not spans:
                continue
            new_words, new_tags, at = [], [], 0
            for s, e, label in spans:
                new_words += words[at:s]
                new_tags += tags[at:s]
                name = list(rng.choice(names[label])) if rng.random() < p else words[s:e]
                new_words += name
                new_tags += ["B-" + label] + ["I-" + label] * (len(name) - 1)
                at = e
            out.append((new_words + words[at:], new_tags + tags[at:]))
    return out


def augmented_features(name: str, dictionary: dict | None, train: list[int], augment: dict) -> list[tuple]:
    """(features, tags) of the mention-replaced copies of sentences ``train`` (the same copies for
    the same sentences: the draw is seeded by them)."""
    rng = random.Random(train[0] * 1_000_003 + len(train) if train else 0)
    return [(_sentence_features(name, words, dictionary), tags) for words, tags in
            mention_replacement([(_DATA[k][2], _DATA[k][3]) for k in train], augment["copies"], augment["p"], rng)]


def run_fold(job):
    name, fold, folds, params = job
    silver = params.pop("silver", None)
    augment = params.pop("augment", None)
    dictionary = fold_dictionary(fold, folds) if params.pop("dictionary", False) else None
    if "docctx" in params:
        augmented = (lambda train: augmented_features(name, dictionary, train, augment)) if augment else None
        return docctx_fold(fold, folds, lambda: features_of(name, dictionary), params, augment, augmented)
    feats = features_of(name, dictionary)
    size = len(_DATA)
    lo, hi = size * fold // folds, size * (fold + 1) // folds
    extra, silver_info = silver_fold(name, fold, folds, params, dictionary, feats, silver) if silver else ([], None)
    if augment:
        extra = extra + mention_replacement([(_DATA[k][2], _DATA[k][3]) for k in range(size) if not lo <= k < hi],
                                            augment["copies"], augment["p"], random.Random(fold))
    algorithm = params.pop("algorithm", "lbfgs")
    encode = train_ner.bilou_tags if params.pop("bilou", False) else list
    if algorithm != "lbfgs":
        ctypes.CDLL(None).srand(1)  # the online trainers' shuffling: the same in every run
    trainer = pycrfsuite.Trainer(algorithm=algorithm, verbose=False)
    for k in range(size):
        if not lo <= k < hi:
            for _ in range(silver["gold"] if silver else 1):
                trainer.append(feats[k], encode(_DATA[k][3]))
    for words, tags in extra:
        trainer.append(_sentence_features(name, words, dictionary), encode(tags))
    trainer.set_params(params)
    began = time.process_time()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "fold.crfsuite")
        trainer.train(path)
        seconds = time.process_time() - began
        iterations = len(trainer.logparser.iterations)
        tagger = pycrfsuite.Tagger()
        tagger.open(path)
        tp, fp, fn, errors, misses = score_fold(
            lo, hi, lambda k: clean_spans(bio_spans([train_ner.bio_tag(t) for t in tagger.tag(feats[k])]), _DATA[k][2]))
        tagger.close()
    if silver_info is not None:
        silver_info["PER_ORG_LOC"] = scores(tp, fp, fn, ["PER", "ORG", "LOC"])  # this fold's
        silver_info["final_train_cpu_seconds"] = round(seconds, 1)
    return tp, fp, fn, errors, seconds, misses, iterations, silver_info


def score_fold(lo: int, hi: int, found_of):
    """The held-out sentences lo..hi-1 scored against their gold: ``found_of(k)`` gives sentence
    k's spans. Counts (tp, fp, fn), the missed gold spans' classes and the misses themselves (then
    the found spans no gold one matches, class "spurious")."""
    tp, fp, fn, errors = Counter(), Counter(), Counter(), Counter()
    misses = []
    for k in range(lo, hi):
        words, tags = _DATA[k][2], _DATA[k][3]
        gold = set(bio_spans(tags))
        found = set(found_of(k))
        train_ner.tally(found, gold, tp, fp, fn)
        for span in gold - found:
            kind = _error_class(span, found)
            errors[span[2] + ":" + kind] += 1
            misses.append({"sentence": k, "gold": span, "class": kind, "text": " ".join(words[span[0]:span[1]]),
                           "found": sorted(f for f in found if f[0] < span[1] and f[1] > span[0]),
                           "context": " ".join(words[max(0, span[0] - 4):span[1] + 4])})
        for span in found - gold:  # the precision side: a found span no gold one matches
            misses.append({"sentence": k, "found_span": span, "class": "spurious",
                           "text": " ".join(words[span[0]:span[1]]),
                           "gold": sorted(g for g in gold if g[0] < span[1] and g[1] > span[0]),
                           "context": " ".join(words[max(0, span[0] - 4):span[1] + 4])})
    return tp, fp, fn, errors, misses


def _error_class(gold, found) -> str:
    """How a gold span was missed: another label on the same span, a span of the same label
    overlapping it with other bounds, one of another label, or nothing there at all."""
    s, e, label = gold
    overlapping = [f for f in found if f[0] < e and f[1] > s]
    if any(f[:2] == (s, e) for f in overlapping):
        return "label"
    if any(f[2] == label for f in overlapping):
        return "bounds"
    if overlapping:
        return "bounds+label"
    return "missed"


def scores(tp, fp, fn, labels):
    t, p, n = (sum(c[label] for label in labels) for c in (tp, fp, fn))
    precision = t / (t + p) if t + p else 0.0
    recall = t / (t + n) if t + n else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return [round(precision, 4), round(recall, 4), round(f1, 4)]


# ---------------------------------------------------------------------------------------------
# Self-training on the news corpus (eighth session; bench/self_training.py): a part
# "silver:p=0.95,m=0.9,cap=10000,rounds=1,unseen=0,gold=1,articles=5000" (any subset) adds the
# news sentences the fold's own tagger is sure of to its training sentences.
# ---------------------------------------------------------------------------------------------

SILVER_CACHE = os.path.join(ROOT, "instance", "selftrain")
_SILVER_NEWS: dict[int, tuple] = {}  # articles → (words, sentences as word ids) of the news


def _silver_key(*parts) -> str:
    import hashlib
    return hashlib.sha1(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:12]


def _train_stage(path, train_items, params):
    params = dict(params)
    algorithm = params.pop("algorithm", "lbfgs")
    if algorithm != "lbfgs":
        ctypes.CDLL(None).srand(1)
    trainer = pycrfsuite.Trainer(algorithm=algorithm, verbose=False)
    for xseq, yseq in train_items:
        trainer.append(xseq, yseq)
    trainer.set_params(params)
    trainer.train(path)


def silver_fold(name, fold, folds, params, dictionary, feats, options):
    """The silver sentences (words, tags) of a fold and what they hold. Round 0's tagger is the
    variant's own trained on the fold's training fifths (gold once); each further round's is trained
    on the gold (``gold`` times) and the previous round's silver. Only the fold's training fifths and
    its own tag dictionary are used; models and taggings are cached in instance/selftrain/."""
    if dictionary is None:
        raise SystemExit("silver needs the fold's tag dictionary: add it to a 'dictionary' variant")
    import pickle
    vocabulary, news = _SILVER_NEWS[options["articles"]]
    size = len(_DATA)
    lo, hi = size * fold // folds, size * (fold + 1) // folds
    gold = [(feats[k], _DATA[k][3]) for k in range(size) if not lo <= k < hi]
    known = self_training.gold_names(_DATA[:lo] + _DATA[hi:])
    base = "+".join(p for p in name.split("+") if p.split(":")[0] != "silver")
    os.makedirs(SILVER_CACHE, exist_ok=True)
    info = {"fold": fold, "articles": options["articles"], "news_sentences": len(news), "rounds": []}
    silver = []
    for round_ in range(options["rounds"]):
        # round 0's model is the fold's own; a later round's depends on the silver options
        key = _silver_key(base, params, fold, folds, {k: v for k, v in options.items() if k != "rounds"}
                          if round_ else None, round_)
        model = os.path.join(SILVER_CACHE, f"fold{fold}of{folds}-{key}.crfsuite")
        tagged = os.path.join(SILVER_CACHE, f"fold{fold}of{folds}-{key}-{options['articles']}.tags.pickle")
        began = time.process_time()
        if not os.path.exists(model):
            items = gold * (options["gold"] if round_ else 1)
            items += [(_sentence_features(name, words, dictionary), tags) for words, tags in silver]
            _train_stage(model + f".{os.getpid()}.part", items, params)
            os.replace(model + f".{os.getpid()}.part", model)
        trained = time.process_time() - began
        if not os.path.exists(tagged):
            tagger = pycrfsuite.Tagger()
            tagger.open(model)
            probabilities, candidates = self_training.tag_news(
                tagger, vocabulary, news, dictionary, lambda words: _sentence_features(name, words, dictionary))
            tagger.close()
            with open(tagged + f".{os.getpid()}.part", "wb") as out:
                pickle.dump((probabilities, candidates), out)
            os.replace(tagged + f".{os.getpid()}.part", tagged)
        else:
            with open(tagged, "rb") as cached:
                probabilities, candidates = pickle.load(cached)
        silver = self_training.select(candidates, vocabulary, news, options, known)
        named = [c[2] for c in candidates]
        info["rounds"].append({
            "round": round_, "model": os.path.basename(model), "stage_cpu_seconds": round(time.process_time() - began, 1),
            "train_cpu_seconds": round(trained, 1),
            "with_name": len(candidates),
            "histogram_all": self_training.histogram(probabilities),
            "histogram_with_name": self_training.histogram(named),
            "least_marginal_with_name": self_training.histogram([c[3] for c in candidates]),
            "silver": self_training.silver_counts(silver, known)})
    info["silver"] = info["rounds"][-1]["silver"]
    return silver, info


def silver_summary(rows) -> dict:
    """The folds' silver figures added up."""
    total = Counter()
    for row in rows:
        total.update(row["silver"])
    return {"per_fold_mean": {k: round(v / len(rows)) for k, v in total.items()},
            "stage_cpu_seconds_per_fold": round(sum(r["stage_cpu_seconds"] for row in rows for r in row["rounds"])
                                                / len(rows), 1)}


def main() -> None:
    global _DATA, _NEWS
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("variants", nargs="*")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--fold", type=int, action="append",
                        help="run only this fold (repeatable): a quicker first look, not the 5-fold figure")
    parser.add_argument("--max-iterations", type=int, default=100)
    parser.add_argument("--list", action="store_true")
    parser.add_argument("--misses", metavar="PATH",
                        help="write every gold name a variant misses (JSON lines: its words, how it was "
                             "missed, the spans found over it, four words either side), then every found "
                             "span that matches no gold one (class spurious, with the gold spans under it)")
    args = parser.parse_args()
    if args.list:
        print("\n".join(VARIANTS))
        return
    _DATA = train_ner.prepared(train_ner.read_conll(train_ner.DEFAULT_DATA))
    for name in args.variants:
        params = _params(name, args.max_iterations)
        if params.get("silver") and _SILVER_NEWS.get(params["silver"]["articles"]) is None:
            _SILVER_NEWS[params["silver"]["articles"]] = tag_dictionary.read_news(
                tag_dictionary.DEFAULT_CORPUS, params["silver"]["articles"] or None)  # shared by the workers
        if params.get("dictionary"):
            if _NEWS is None and not all(os.path.exists(fold_dictionary_path(f, args.folds))
                                         for f in args.fold or range(args.folds)):
                _NEWS = tag_dictionary.read_news(tag_dictionary.DEFAULT_CORPUS)  # shared by the workers
        else:
            features_of(name)  # computed before the workers fork, shared by them
        totals = (Counter(), Counter(), Counter())
        errors = Counter()
        seconds, misses, iterations, silver_rows = [], [], [], []
        with ProcessPoolExecutor(max_workers=args.jobs) as pool:
            for tp, fp, fn, err, s, missed, its, silver_info in pool.map(run_fold, [(name, f, args.folds, dict(params))
                                                     for f in args.fold or range(args.folds)]):
                for total, part in zip(totals, (tp, fp, fn)):
                    total.update(part)
                seconds.append(s)
                iterations.append(its)
                errors.update(err)
                misses += missed
                if silver_info:
                    print(json.dumps({"variant": name, **silver_info}, ensure_ascii=False), file=sys.stderr, flush=True)
                    silver_rows.append(silver_info)
        row = {"variant": name, "folds": args.fold or list(range(args.folds)), "params": {k: v for k, v in params.items()
                                           if k != "feature.possible_transitions"},
               "PER_ORG_LOC": scores(*totals, ["PER", "ORG", "LOC"]),
               **{label: scores(*totals, [label]) for label in LABELS},
               "train_cpu_seconds_per_fold": round(sum(seconds) / len(seconds), 1),
               "iterations": iterations,
               "recall_errors": dict(sorted(errors.items()))}
        if silver_rows:
            row["silver"] = silver_summary(silver_rows)
        print(json.dumps(row, ensure_ascii=False), flush=True)
        if args.misses:
            with open(args.misses, "a", encoding="utf-8") as out:
                out.writelines(json.dumps({"variant": name, **m}, ensure_ascii=False) + "\n" for m in misses)
        _FEATURES.pop(name, None)


if __name__ == "__main__":
    main()
