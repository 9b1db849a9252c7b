"""bench/news_lexicon.py (label-free lexicons of the news: trigger contexts, Latin names,
productivity of a word's bare form) and the features bench/ner_experiments.py reads from it."""
import gzip
import json
import sys

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))
import ner_experiments  # noqa: E402
import news_lexicon  # noqa: E402

ARTICLES = [
    {"title": "نادي سلتيك (Celtic) يفوز", "body": "قال سلتيك إن المدرب باق. لعب سلتيك في غلاسكو."},
    {"title": "", "body": "زار الرئيس ترامب لبنان. قالت مدينة غلاسكو شيئا. الوزير اللبناني هنا."},
    {"title": "", "body": "الكتاب كتابها وكتابهم والكتابات. ولبنان اللبنانيون وفرانس فرانس فرانس. لبنان بلد."},
]


def corpus(tmp_path, articles=ARTICLES):
    path = tmp_path / "news.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as out:
        out.writelines(json.dumps(a, ensure_ascii=False) + "\n" for a in articles)
    return str(path)


def counts(tmp_path):
    vocabulary, sentences, brackets = news_lexicon.read_news(corpus(tmp_path))
    rows = news_lexicon.count(vocabulary, sentences, brackets)
    return {w: dict(zip(news_lexicon.COLUMNS, row.tolist())) for w, row in zip(vocabulary, rows)}


def test_trigger_contexts_count_a_word_one_or_two_words_after_a_cue(tmp_path):
    rows = counts(tmp_path)
    assert rows["سلتيك"]["n"] == 3
    assert rows["سلتيك"]["org"] == 1  # نادي سلتيك
    assert rows["سلتيك"]["per"] == 1  # قال سلتيك
    assert rows["ترامب"]["per"] == 1  # الرئيس ترامب
    assert rows["لبنان"]["per"] == 1  # two words after الرئيس
    assert rows["غلاسكو"]["loc"] == 1 and rows["غلاسكو"]["per"] == 1  # قالت مدينه غلاسكو
    assert rows["غلاسكو"]["fi"] == 1 and rows["سلتيك"]["fi"] == 0
    assert rows["الوزير"]["nat"] == 1  # الوزير اللبناني
    # a sentence break ends a context: باق. لعب
    assert rows["لعب"]["per"] == 0


def test_a_latin_word_after_a_word_and_a_bracket_before_it_are_counted(tmp_path):
    rows = counts(tmp_path)
    assert (rows["سلتيك"]["latin"], rows["سلتيك"]["paren"]) == (1, 1)
    assert rows["نادي"]["latin"] == 0


def test_productivity_counts_the_bare_forms_article_endings_and_relative_adjectives(tmp_path):
    rows = counts(tmp_path)
    book = rows["الكتاب"]
    assert (book["al"], book["bare"]) == (1, 0)
    assert book["ending"] == 1  # كتابها (وكتابهم and الكتابات are words of their own)
    assert rows["لبنان"]["nisba"] == 2  # اللبناني, اللبنانيون
    assert rows["ولبنان"]["nisba"] == 2  # counted for its bare form
    # فرانس is not ف + رانس: the clitic form the corpus shows most is the bare form
    assert rows["وفرانس"]["bare"] == 2
    assert news_lexicon.ending_forms("مدينه")[:2] == ["مدينته", "مدينتها"]
    assert news_lexicon.nisba_forms("سوريا")[0] == "سوري"


def test_the_same_corpus_gives_the_same_bytes(tmp_path):
    path = corpus(tmp_path)
    outs = []
    for k in range(2):
        out = tmp_path / f"lexicon{k}.tsv.gz"
        news_lexicon.tag_dictionary.write(str(out), news_lexicon.build(path))
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]
    assert news_lexicon.read(str(tmp_path / "lexicon0.tsv.gz"))["سلتيك"][:2] == (3, 1)


def test_lexicon_flags_are_bucketed_shares_of_the_word_and_its_neighbours(monkeypatch):
    lexicon = {"سلتيك": (20, 10, 0, 0, 5, 5, 0, 0, 0, 20, 0, 0),
               "مدينه": (100, 0, 0, 0, 0, 0, 50, 0, 40, 100, 30, 0)}
    monkeypatch.setattr(ner_experiments, "_LEXICON", lexicon)
    monkeypatch.setattr(ner_experiments, "_LEXICON_FLAGS", {})
    assert ner_experiments.lexicon_flags(lexicon["سلتيك"], ("triggers",)) == ("Tn=1", "To=4", "Tp=0", "Tl=0")
    assert ner_experiments.lexicon_flags(lexicon["مدينه"], ("productivity",)) == (
        "Tn=2", "Td=3|2", "Te=4|2", "Ti=0|2")
    words = ["فاز", "وسلتيك", "امس"]
    feats = [[], [], []]
    ner_experiments.make_lexicon(("latin",))(words, feats)
    # وسلتيك has no row: its clitic form's is taken
    assert feats[1] == ["Tn=1", "Ta=3", "Tb=3"]
    assert feats[0] == ["+1Tn=1", "+1Ta=3", "+1Tb=3"] and feats[2] == ["-1Tn=1", "-1Ta=3", "-1Tb=3"]


def test_letter_ngrams_score_a_word_by_the_two_classes_the_lexicon_gives():
    row = dict.fromkeys(news_lexicon.COLUMNS, 0)

    def lexicon_row(**counts):
        return tuple({**row, **counts}[c] for c in news_lexicon.COLUMNS)

    lexicon = {
        # never with ال or an ending, after a trigger: name-like
        "كوستيك": lexicon_row(n=20, org=5, bare=20),
        "بوليك": lexicon_row(n=20, latin=2, bare=20),
        # often with ال or an ending: inflected
        "كتاب": lexicon_row(n=20, bare=20, al=30),
        "مكتب": lexicon_row(n=20, bare=20, ending=5),
        # neither: no trigger, or too rare to tell
        "سامر": lexicon_row(n=20, bare=20),
        "نادر": lexicon_row(n=5, org=5, bare=5),
        "الكتاب": lexicon_row(n=30, al=30, bare=20),
    }
    names, common = news_lexicon.name_classes(lexicon)
    assert (names, common) == (["بوليك", "كوستيك"], ["كتاب", "مكتب"])
    weights = news_lexicon.gram_weights(names, common)
    assert weights["يك$"] > 0 > weights["تب$"]
    assert news_lexicon.name_score("سلتيك", weights) > 0 > news_lexicon.name_score("الكتب", weights)
    # a word of grams neither class shows scores the unseen gram's weight
    assert news_lexicon.name_score("ززز", weights) == weights[""]


def test_head_phrases_keep_stable_continuations_and_match_longest_first(monkeypatch):
    monkeypatch.setattr(news_lexicon, "PHRASE_MIN_COUNT", 2)
    text = ["وكاله الانباء الرسميه قالت", "الوكاله الانباء الرسميه", "لوكاله الانباء الرسميه في",
            "وكاله الانباء في", "وكاله الانباء الرسميه في"]
    vocabulary = sorted({w for line in text for w in line.split()})
    ids = {w: k for k, w in enumerate(vocabulary)}
    sentences = [news_lexicon.np.array([ids[w] for w in line.split()]) for line in text]
    phrases = news_lexicon.count_phrases(vocabulary, sentences)
    # the head behind a clitic counts as the head (لوكاله, not الوكاله: another word)
    assert phrases[("وكاله", "الانباء")] == 4
    assert phrases[("وكاله", "الانباء", "الرسميه")] == 3
    assert ("وكاله", "الانباء", "في") not in phrases  # a stop word ends no phrase
    assert ("وكاله", "الانباء", "الرسميه", "قالت") not in phrases  # seen once
    heads = news_lexicon.phrase_heads()
    words = "قالت لوكاله الانباء الرسميه امس وكاله الانباء".split()
    assert news_lexicon.phrase_spans(words, phrases, heads) == [(1, 4, 3), (5, 7, 4)]
    monkeypatch.setattr(ner_experiments, "_PHRASES", phrases)
    feats = [[] for _ in words]
    ner_experiments.add_phrases(words, feats)
    assert feats[:5] == [[], ["mB", "mn=0"], ["mI"], ["mI"], ["mE"]]
