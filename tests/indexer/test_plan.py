"""The plan: every rewrite and the analysis of each word happen once, before any engine."""
from __future__ import annotations

import subprocess
import sys

import pytest

from indexer.entity_keys import entity_key
from indexer.plan import DateRange, Exact, Prefix, Stems, prepare, stems
from indexer.query import And, Not, Or, QueryError, parse


class Lexicon:
    """Document frequencies of stems in the body field (and of spellings in body_exact), as an
    engine would report them."""

    def __init__(self, df: dict[str, int], exact: dict[str, int] | None = None):
        self.df = df
        self.exact = exact or {}
        self.asked: list[tuple[str, str]] = []

    def doc_frequency(self, field: str, term: str) -> int:
        self.asked.append((field, term))
        return (self.exact if field.endswith("_exact") else self.df).get(term, 0)


def test_words_become_the_terms_the_index_holds():
    plan = prepare(parse('وزارة "خلية اتصال" =الوزارة سور* -لبنان date:2018'))
    kinds = [type(n) for n in plan.query.children]
    assert kinds == [Stems, Exact, Exact, Prefix, Not, DateRange]
    assert plan.query.children[0].terms == stems("وزارة")
    assert plan.query.children[1].words == ("خليه", "اتصال")
    assert plan.has_text and not plan.only_common
    # highlighting reads the same analysed terms; words under NOT are not marked
    assert stems("وزارة")[0] in plan.matcher.stems and plan.matcher.prefixes == ("سور",)
    assert not any(t in plan.matcher.stems for t in stems("لبنان"))


def test_stop_words_leave_and_queries_but_stay_alone():
    assert prepare(parse("البنك في السوق")).typed_words == ["البنك", "السوق"]
    alone = prepare(parse("في"))
    assert isinstance(alone.query, Exact) and alone.query.words == ("في",)


def test_spellings_readers_mean_are_asked_of_the_lexicon_once_per_word():
    # موقت for مؤقت "temporary": a typed seat the news corpus itself uses, so the stemmer keeps it
    # (it reads مسوول as مسؤول already) and the archive's own counts decide
    lexicon = Lexicon({stems("مءقت")[0]: 40})
    plan = prepare(parse("موقت"), lexicon=lexicon)
    assert plan.query == Stems(stems("موقت"), stems("مءقت"), spellings=("موقت", "مءقت"))
    assert len(lexicon.asked) == len(set(lexicon.asked))
    assert prepare(parse("=موقت"), lexicon=lexicon).query == Exact(("موقت",))


def test_entity_names_expand_to_their_aliases_and_say_so():
    aliases = {entity_key("ترامب"): ("e1", ["ترامب", "ترمب"])}
    plan = prepare(parse("ترامب"), aliases=aliases)
    assert plan.expanded == [{"term": "ترامب", "aliases": ["ترمب"]}]
    assert isinstance(plan.query, Or) and len(plan.query.children) == 2


def test_a_query_of_nothing_searchable_matches_everything_with_a_notice():
    plan = prepare(parse("section:politic"))
    assert plan.query is not None and not plan.has_text
    assert prepare(None).query is None and not prepare(None).only_common


def test_a_query_of_only_stop_words_is_searched_as_written_and_says_so():
    plan = prepare(parse("في"))
    assert plan.only_common and plan.query == Exact(("في",)) and plan.has_text
    plan = prepare(parse("في من -سوريا"))   # not "every article without سوريا"
    assert plan.only_common and plan.query.children[:2] == (Exact(("في",)), Exact(("من",)))
    assert isinstance(plan.query.children[2], Not)
    # With one ordinary word the stop words are dropped, and nothing needs saying; an exact
    # spelling or a phrase asks for the words themselves.
    for query in ("في سوريا", "=في", '"في من"', "في*", "سوريا -في", "section:politic"):
        assert not prepare(parse(query)).only_common, query
    plan = prepare(parse("؟؟"))
    assert plan.query is None and plan.nothing_searchable and not plan.only_common


def test_a_bad_date_range_is_a_query_error():
    with pytest.raises(QueryError):
        prepare(parse("date:2018-13"))
    assert isinstance(prepare(parse("a date:2018..")).query, And)


def test_search_with_alias_expansion_needs_no_crf_tagger():
    """Search reads entity keys, not the extractor: serving never loads pycrfsuite."""
    code = ("import sys; from indexer.plan import prepare; from indexer.query import parse; "
            "from indexer.entity_keys import entity_key; "
            "p = prepare(parse('ترامب'), aliases={entity_key('ترامب'): ('e1', ['ترامب', 'ترمب'])}); "
            "assert p.expanded; import indexer.search, web; print('pycrfsuite' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_every_words_spellings_are_asked_of_the_lexicon_in_one_call():
    class Batched(Lexicon):
        calls = 0

        def doc_frequencies(self, field, terms):
            Batched.calls += 1
            return {t: self.doc_frequency(field, t) for t in terms}

    lexicon = Batched({stems("مءقت")[0]: 40})
    plan = prepare(parse("موقت مسوول بدمج"), lexicon=lexicon)
    # one call for the stems (body), one for the seat spellings of مسوول, whose stem is مسؤول's
    assert Batched.calls == 2 and len(lexicon.asked) == len(set(lexicon.asked)) > 3
    assert {field for field, _term in lexicon.asked} == {"body", "body_exact"}
    assert Stems(stems("موقت"), stems("مءقت"), spellings=("موقت", "مءقت")) in plan.query.children


def test_a_seat_the_stemmer_reads_adds_its_spelling_where_the_archive_writes_it_so():
    # رييسها has رئيسها's stem already: nothing to add to the match, but the archive writes
    # رءيسها far more often than رييسها, so it ranks as the word's spelling
    assert stems("رييسها") == stems("رءيسها")
    plan = prepare(parse("رييسها"), lexicon=Lexicon({}, {"رءيسها": 50}))
    assert plan.query == Stems(stems("رييسها"), (), spellings=("رييسها", "رءيسها"))
    # not when the spelling typed is about as common, nor without the lexicon
    plan = prepare(parse("رييسها"), lexicon=Lexicon({}, {"رءيسها": 50, "رييسها": 30}))
    assert plan.query == Stems(stems("رييسها"), (), spellings=("رييسها",))
    assert prepare(parse("رييسها")).query.spellings == ("رييسها",)


def test_every_seat_reads_each_hamza_seat_however_rare():
    # مقري "headquarters of" is a word of its own; مقرئ "reciter" is rare: only a search that
    # found nothing as typed (every_seat) reads the seat
    lexicon = Lexicon({stems("مقري")[0]: 1000, stems("مقرء")[0]: 1})
    assert prepare(parse("مقري"), lexicon=lexicon).query == Stems(stems("مقري"), spellings=("مقري",))
    wider = prepare(parse("مقري"), lexicon=lexicon, every_seat=True).query
    assert wider == Stems(stems("مقري"), stems("مقرء"), spellings=("مقري", "مقرء"))
    # a word without و/ي inside has no seat to read
    assert prepare(parse("الحزب"), lexicon=lexicon, every_seat=True).query == Stems(stems("الحزب"),
                                                                                     spellings=("الحزب",))
