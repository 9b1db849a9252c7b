"""The numpy path gives Whoosh's own totals, scores and ranking: plain words, and the other
shapes it answers (phrases, OR, NOT, prefixes, exact spellings)."""
from __future__ import annotations

import numpy as np
import pytest

from archive.db import Database
from archive.ingest import ingest
from archive.store import iter_articles
from indexer.build import full_rebuild
from indexer.fastpath import plain_words
from indexer.plan import prepare
from indexer.query import parse
from indexer.search import SearchRequest, SearchService
from tests.conftest import ROOT

QUERIES = ["العراق", "اسرائيل", "الأمم المتحدة", "ترامب", "الحكومة العراقية", "title:بغداد",
           "مستشفى", "الرئيس", "المنتخب الوطني", "2019", "البنك الدولي", "وزارة",
           "الحكومة حكومة"]  # one stem in two spellings: each spelling's clause, the stem's twice


def _segmented(path, schema, parts: int, docs, deleted=(), codec=None):
    """A Whoosh index of ``parts`` segments, ``docs(part)`` giving each one's documents (field
    dicts), written by ``codec()`` when given, then ``deleted`` docnums deleted: the few segments
    with deletions an archive's index holds after updates."""
    from whoosh import index

    ix = index.create_in(str(path), schema)
    for part in range(parts):
        writer = ix.writer(**({"codec": codec()} if codec else {}))
        for doc in docs(part):
            writer.add_document(**doc)
        writer.commit(merge=False)
    if deleted:
        writer = ix.writer()
        for docnum in deleted:
            writer.delete_document(docnum)
        writer.commit(merge=False)
    return ix


def _live(searcher) -> np.ndarray:
    """Which docnums of ``searcher``'s index are not deleted."""
    return np.array([not searcher.reader().is_deleted(d) for d in range(searcher.doc_count_all())])


@pytest.fixture(scope="module")
def services(tmp_path_factory):
    root = tmp_path_factory.mktemp("fast")
    db = Database(f"sqlite:///{root / 'a.sqlite3'}")
    db.upgrade()
    ingest(db, [ROOT / "sample"])
    full_rebuild(iter_articles(db), str(root / "index"))
    fast, slow = SearchService(str(root / "index"), cache_size=0), \
        SearchService(str(root / "index"), cache_size=0, fast=False)
    yield fast, slow
    fast.close(), slow.close()
    db.dispose()


def compare(fast, slow, **params):
    p = {k: [v] for k, v in params.items()}
    req = SearchRequest.from_params(lambda name: p.get(name, []))
    a, b = fast.search(req), slow.search(req)
    assert a.total == b.total
    assert [h.score for h in a.hits] == [h.score for h in b.hits]
    # Ties at the page boundary: the numpy path sees every tied doc and keeps the newest, while
    # Whoosh's collector keeps whichever came first, so ids must agree above the last score only.
    last = a.hits[-1].score if a.hits else None
    assert [h.id for h in a.hits if h.score != last] == [h.id for h in b.hits if h.score != last]
    assert a.facets == b.facets
    return a


@pytest.mark.parametrize("q", QUERIES)
def test_same_results_as_whoosh(services, q):
    assert plain_words(parse(q)) is not None
    compare(*services, q=q, per_page="20")


def test_same_results_with_filters_and_pages(services):
    compare(*services, q="العراق", section="politic")
    compare(*services, q="الرئيس", page="2", per_page="3")


def test_a_word_with_the_spellings_it_means_same_results_as_whoosh(services):
    # الجايحة: the hamza seat typed as ي; the sample writes الجائحة, so the plan adds that spelling
    fast, _slow = services
    plan = prepare(parse("الجايحة العراق"), lexicon=_generation(fast))
    word = plan.query.children[0]
    assert word.alternatives and word.spellings == ("الجايحه", "الجاءحه")
    assert plain_words(plan.query) is not None
    assert compare(*services, q="الجايحة العراق", per_page="20").total > 0


def test_other_shapes_are_not_plain_words():
    for q in ('"خلية اتصال"', "سوريا OR لبنان", "سوريا -لبنان", "=وزارة", "وزار*", "في"):
        assert plain_words(parse(q)) is None


# Every shape the numpy path answers beyond plain words; each must find something in the sample
# (checked below), so that the comparison compares rankings, not two empty pages.
SHAPES = ['"الأمم المتحدة"', '"الامم المتحدة"~3', '"في العراق"~2', '"وزارة الصحة في"~2', 'title:"البنك الدولي"', '"في العراق"', '"مجلس النواب العراقي"',
          "سوريا OR لبنان", "العراق OR \"الأمم المتحدة\"", "ترامب OR بغداد OR مستشفى",
          "العراق -بغداد", "الرئيس -ترامب -العراق", "-العراق", "(سوريا OR لبنان) -إسرائيل",
          "الحكو*", "وزار*", "title:العر*", "وزار* العراق", "=وزارة", "=العراق الرئيس", "في",
          "العراق (=الحكومة OR \"البنك الدولي\")"]


def _generation(service):
    return service.engine.searcher()


@pytest.mark.parametrize("q", SHAPES)
def test_other_shapes_same_results_as_whoosh(services, q):
    fast, slow = services
    gen = _generation(fast)
    plan = prepare(parse(q), lexicon=gen)
    assert plain_words(plan.query) is None
    assert gen.arrays.evaluate(plan.query) is not None  # the numpy path answers it
    result = compare(fast, slow, q=q, per_page="20")
    assert result.total > 0


@pytest.mark.parametrize("q", ["العراق -بغداد", "الرئيس -ترامب -العراق", "-العراق", "(سوريا OR لبنان) -إسرائيل",
                               "العراق -=الحكومة", "الحكومة -العراق -الحكومة"])
def test_a_not_removes_what_it_matches_without_scoring_it(services, monkeypatch, q):
    """A NOT's words are looked up among the documents left (a set difference): they are not
    scored, and the results are still Whoosh's."""
    from indexer.fastpath import TermArrays
    from indexer.plan import Exact, Stems
    from indexer.query import Not

    fast, slow = services
    gen = _generation(fast)
    plan = prepare(parse(q), lexicon=gen)
    kids = plan.query.children if hasattr(plan.query, "children") else (plan.query,)

    def words(node) -> set[str]:
        if isinstance(node, Exact):
            return set(node.words)
        if isinstance(node, Stems):
            return {*node.terms, *node.alternatives, *node.spellings}
        return set().union(*map(words, getattr(node, "children", ())))

    excluded = set().union(*(words(c.child) for c in kids if isinstance(c, Not)))
    positive = set().union(*(words(c) for c in kids if not isinstance(c, Not)))
    assert excluded - positive
    scored = []
    real = TermArrays.term_scores
    monkeypatch.setattr(TermArrays, "term_scores", lambda self, f, t, b: scored.append(t) or real(self, f, t, b))
    assert gen.arrays.evaluate(plan.query) is not None
    assert not (set(scored) & (excluded - positive))
    compare(fast, slow, q=q, per_page="20")


def test_other_shapes_with_filters_sorts_and_pages(services):
    compare(*services, q="سوريا OR لبنان", section="politic")
    compare(*services, q='"الأمم المتحدة"', page="2", per_page="3")
    compare(*services, q="وزار*", sort="oldest")
    compare(*services, q="العراق -بغداد", sort="newest", per_page="50")


@pytest.mark.parametrize("q", ["العراق", "اسرائيل", "الأمم المتحدة", "الرئيس", "وزارة", "الحكومة حكومة", "العراق الرئيس"])
def test_scores_added_through_postings_are_those_found_by_binary_search(services, monkeypatch, q):
    """A word's scores are added through its postings when they are few beside the documents
    ranked (a common word), else by looking each document up in them, a few thousand at a
    time: the same floats, bit for bit, for every match and for a few of them (a filter, a
    page of a rare word's documents)."""
    from indexer import fastpath

    gen = _generation(services[0])
    words = plain_words(prepare(parse(q), lexicon=gen).query)
    docs = gen.arrays.match(words)
    assert docs.size
    for chosen in (docs, docs[::3], docs[1:2]):
        found = {}
        for times, chunk in ((0, 8192), (10**9, 8192), (0, 3), (10**9, 3)):  # only binary search;
            monkeypatch.setattr(fastpath, "SCORE_BY_POSTINGS", times)     # only through postings;
            monkeypatch.setattr(fastpath, "SCORE_CHUNK", chunk)           # three at a time
            found[times, chunk] = gen.arrays.scores(words, chosen).tobytes()
        assert len(set(found.values())) == 1
        assert (np.frombuffer(found[0, 3]) > 0).all()


@pytest.mark.parametrize("q", ["في", "العراق", "الرئيس OR العراق", "ال*", "-العراق", "في -العراق"])
@pytest.mark.parametrize("sort", ["relevance", "newest", "oldest"])
def test_pages_are_those_of_a_full_sort_of_every_match(services, monkeypatch, q, sort):
    """The page is found without sorting every match (``indexer.topk``), and is what sorting
    every match gives: by score to 6 places, newest first, then docnum (by date: later docnums
    first among equal dates when newest first), ties across the page boundary included."""
    from indexer import topk
    from indexer.engine import Filters

    monkeypatch.setattr(topk, "SORT_BELOW", 0)  # partition even the sample's few matches
    fast, _slow = services
    gen = _generation(fast)
    plan = prepare(parse(q), lexicon=gen)
    selection = gen.select(plan, Filters(), float("inf"))
    docs = selection.docs
    assert docs.size > 20
    dates = gen.published[docs]
    if sort == "relevance":
        words = plain_words(plan.query)
        scores = gen.arrays.scores(words, docs) if words is not None else selection.scores
        everything = docs[np.lexsort((-dates, -np.round(scores, 6)))]
    else:
        everything = docs[np.argsort(dates, kind="stable")]
        everything = everything if sort == "oldest" else everything[::-1]
    for stop in (1, 7, 10, 20, docs.size):
        ranked = gen.rank(selection, plan, sort, stop, float("inf"))
        assert [r.doc for r in ranked] == everything[:stop].tolist()


@pytest.mark.parametrize("q", ["سوريا OR -لبنان", "العراق date:2019", "العراق section:politic"])
def test_shapes_left_to_whoosh(services, q):
    fast, slow = services
    gen = _generation(fast)
    assert gen.arrays.evaluate(prepare(parse(q), lexicon=gen).query) is None
    compare(fast, slow, q=q, per_page="20")


def test_prefix_expansion_is_read_once_per_generation(services):
    gen = _generation(services[0])
    first = gen.arrays.expand_prefix("body_exact", "وزار")
    terms = [t for e in first for t in e.terms]
    assert terms and all(t.startswith("وزار") for t in terms)
    assert gen.arrays.expand_prefix("body_exact", "وزار") is first
    matched = gen.arrays.prefix("body_exact", "وزار", 1.0)
    assert matched[0].size and gen.arrays.prefix("body_exact", "وزار", 1.0) is matched  # kept


def test_prefix_expansions_kept_are_bounded(services, monkeypatch):
    """Expansions are kept up to ``EXPANSIONS_KEPT`` (segment, term) entries, the least recently
    used dropped first (before, up to 4,096 prefixes whatever their size)."""
    import indexer.fastpath as fastpath

    arrays = _generation(services[0]).arrays
    arrays._prefixes.clear()
    arrays._expanded = 0
    sizes = {p: sum(len(e.terms) for e in arrays.expand_prefix("body_exact", p)) for p in ("ال", "وزار", "م")}
    assert all(sizes.values()) and arrays._expanded == sum(sizes.values())
    monkeypatch.setattr(fastpath, "EXPANSIONS_KEPT", sizes["ال"] + sizes["م"])
    kept = arrays.expand_prefix("body_exact", "ال")  # used again: the most recent
    arrays.expand_prefix("body_exact", "قال")
    assert list(arrays._prefixes) == [("body_exact", p) for p in ("م", "ال", "قال")][3 - len(arrays._prefixes):]
    assert arrays._expanded == sum(len(e.terms) for x in arrays._prefixes.values() for e in x) <= fastpath.EXPANSIONS_KEPT
    assert arrays.expand_prefix("body_exact", "ال") is kept


def test_phrase_positions_read_from_their_blocks(services):
    """Positions read by jumping to each candidate's block are those Whoosh's matcher steps to."""
    arrays = _generation(services[0]).arrays
    for field, term in (("body_exact", "في"), ("body_exact", "العراق"), ("title_exact", "العراق")):
        ids, _tfs = arrays.postings(field, term)
        assert ids.size
        docs = ids[::3]
        assert arrays.positions(field, term, docs) == arrays._positions_stepping(field, term, docs)
        assert (field, term) in arrays._blocks  # the jump, not the stepping


@pytest.mark.parametrize("compression", [0, 3])  # the generations' codec, and Whoosh's default zlib
def test_postings_read_in_one_go_are_those_whoosh_steps_through(tmp_path, monkeypatch, compression):
    """A term's posting blocks are read with one read of the whole list and decoded in place
    (ids, weights all 1.0 / all one value / each its own, the blocks' file offsets), not
    through Whoosh's matcher, and give what stepping through Whoosh's matcher gives: over
    segments, several blocks, deleted documents, and postings inlined in the term's entry;
    a phrase's positions, read from their blocks, likewise; and Whoosh's idf from the
    frequencies read with them."""
    import numpy as np
    from whoosh import fields
    from whoosh.codec.whoosh3 import W3Codec, W3LeafMatcher

    from indexer.fastpath import TermArrays

    def docs(part):
        for i in range(300):
            words = ["common"] + ["often"] * (1 + i % 4) * (i % 3 == 0) + ["twice"] * 2 * (i % 2)
            yield {"body": " ".join(words + ["once"] * (part == 0 and i == 7))}

    ix = _segmented(tmp_path, fields.Schema(body=fields.TEXT(phrase=True)), 2, docs, deleted=[5],
                    codec=lambda: W3Codec(compression=compression))

    with ix.searcher() as s:
        live = _live(s)
        expected = {}
        for term in ("common", "often", "twice", "once", "absent"):
            m = s.postings("body", term) if term != "absent" else None
            steps = []
            while m is not None and m.is_active():
                steps.append((m.id(), m.weight()))
                m.next()
            blocks = []
            for segment, (leaf, offset) in enumerate(s.leaf_searchers()):
                try:
                    lm = leaf.reader().postings("body", term)
                except Exception:  # noqa: BLE001 - not in this segment
                    continue
                lm = getattr(lm, "child", lm)
                at = getattr(lm, "_baseoffset", None)
                while isinstance(lm, W3LeafMatcher) and lm.is_active():
                    lm._read_ids()
                    blocks.append((lm._ids[0] + offset, segment, at))
                    at = lm._nextoffset
                    lm._next_block()
            expected[term] = steps, blocks

        import indexer.fastpath as fastpath

        real_extent = fastpath._extent

        def short_extent(*args):  # a recorded length short of the blocks: the matcher reads them
            extent, df = real_extent(*args)
            return ((extent[0], extent[1] - 1) if extent else extent), df

        monkeypatch.setattr(fastpath, "_extent", short_extent)
        short = TermArrays(s, live)
        ids, tfs = short.postings("body", "common")
        assert list(zip(ids.tolist(), tfs.tolist())) == expected["common"][0]
        monkeypatch.setattr(fastpath, "_extent", real_extent)
        stepping = TermArrays(s, live)
        positions = {term: stepping._positions_stepping("body", term, stepping.postings("body", term)[0][::3])
                     for term in ("common", "often", "twice")}

        def no_matcher(*_args, **_kwargs):
            raise AssertionError("read through Whoosh's matcher")

        monkeypatch.setattr(W3LeafMatcher, "_goto", no_matcher)
        arrays = TermArrays(s, live)
        for term, (steps, blocks) in expected.items():
            ids, tfs = arrays.postings("body", term)
            assert ids.dtype == np.int32 and (tfs.dtype == np.float32 or not ids.size)  # Whoosh's weights, as kept
            assert list(zip(ids.tolist(), tfs.tolist())) == steps, term
            if blocks:  # where each block starts, read from the headers when a phrase needs them
                arrays.positions("body", term, ids[:1])
                table = arrays._blocks[("body", term)]
                assert list(zip(table.segment.tolist(), table.at.tolist())) == [(seg, at) for _first, seg, at in blocks]
        assert len(expected["common"][1]) > 4 and 5 not in arrays.postings("body", "common")[0]
        # Whoosh's idf from the frequencies read with the postings (deleted documents counted, as
        # Whoosh's lexicon counts them), not from another look in the term index
        with ix.searcher() as other:
            idf = {term: other.idf("body", term) for term in expected}
        def no_lookup(*_args, **_kwargs):
            raise AssertionError("looked up in the term index")

        monkeypatch.setattr(s, "doc_frequency", no_lookup)
        s._idf_cache.clear()  # what stepping the postings above had Whoosh compute
        assert {term: arrays.idf("body", term) for term in expected} == idf
        for term, found in positions.items():  # a phrase's positions, read from their blocks
            assert arrays.positions("body", term, arrays.postings("body", term)[0][::3]) == found, term
        assert positions["often"][:2] == [[1], [1, 2]]  # documents 0 and 9: "common often", "common often often"
        assert {tf for _d, tf in expected["often"][0]} == {1.0, 2.0, 3.0, 4.0}


@pytest.mark.parametrize("compression", [0, 3])
def test_a_prefix_is_read_in_one_walk_and_scored_as_whoosh_scores_it(tmp_path, monkeypatch, compression):
    """A prefix's terms come from one walk of the ordered term index, with each term's entry
    (no lookup per term), and each segment's posting lists of them from one read of the
    postings file; the documents and scores are Whoosh's own Prefix query's: over segments,
    deleted documents, several blocks, both of Whoosh's ways of OR-ing the terms (scores added;
    every document 1.0 from three terms on in a small segment), and a recorded length short of
    a term's blocks (that term read as ``postings`` reads it)."""
    import numpy as np
    from whoosh import fields
    from whoosh import query as wq
    from whoosh.codec.whoosh3 import W3Codec, W3TermsReader

    import indexer.fastpath as fastpath
    from indexer.fastpath import TermArrays

    def docs(part):
        for i in range(400):
            words = ["preamble"] * (1 + i % 3) + ["prefix"] * (i % 5 == 0) + ["present"] * (i % 7 == 0) \
                + ["preach"] * (part == 1 and i == 11) + ["prune", "pr"] + ["other"] * (i % 4)
            yield {"body": " ".join(words)}

    ix = _segmented(tmp_path, fields.Schema(body=fields.TEXT(phrase=True)), 3, docs, deleted=[5, 410],
                    codec=lambda: W3Codec(compression=compression))

    with ix.searcher() as s:
        assert len(s.leaf_searchers()) == 3
        live = _live(s)
        expected = {}
        for prefix in ("pre", "prea", "prefi", "pream", "pru", "p", "absent"):
            results = s.search(wq.Prefix("body", prefix), limit=None, optimize=False)
            expected[prefix] = {r.docnum: r.score for r in results}
        arrays = TermArrays(s, live)
        # one walk: no term looked up in the term index; one read of the postings file per segment
        def no_lookup(*_args, **_kwargs):
            raise AssertionError("looked up a term")

        monkeypatch.setattr(W3TermsReader, "term_info", no_lookup)
        reads = []
        for reader, _offset in arrays.segments:
            postfile = reader._terms._postfile
            monkeypatch.setattr(postfile, "get", lambda *a, _get=postfile.get: reads.append(a) or _get(*a))
        for prefix, want in expected.items():
            reads.clear()
            ids, scores = arrays.prefix("body", prefix, 1.0)
            assert ids.dtype == np.int32 and list(ids) == sorted(want), prefix
            assert scores.tolist() == pytest.approx([want[d] for d in ids.tolist()], rel=1e-12), prefix
            assert len(reads) <= len(arrays.segments), prefix  # one read of postings per segment
        assert {e.terms for e in arrays.expand_prefix("body", "pre")} \
            == {("preach", "preamble", "prefix", "present"), ("preamble", "prefix", "present")}
        assert 5 not in arrays.prefix("body", "pre", 1.0)[0]
        assert set(arrays.prefix("body", "pre", 1.0)[1].tolist()) == {1.0}  # small segments: Whoosh's array OR
        assert len(set(arrays.prefix("body", "prefi", 1.0)[1].tolist())) > 1  # one term: its scores
        assert len(set(arrays.prefix("body", "prea", 1.0)[1].tolist())) > 1  # two terms: scores added
        monkeypatch.undo()

        real_extent = fastpath._EXTENT

        class Short:  # each term entry's recorded length one byte short of its blocks
            @staticmethod
            def unpack_from(entry, at=0):
                offset, length = real_extent.unpack_from(entry, at)
                return offset, length - 1

        monkeypatch.setattr(fastpath, "_EXTENT", Short)
        arrays = TermArrays(s, live)
        for prefix, want in expected.items():
            ids, scores = arrays.prefix("body", prefix, 1.0)
            assert list(ids) == sorted(want) and scores.tolist() == pytest.approx([want[d] for d in ids.tolist()], rel=1e-12)


def test_many_document_frequencies_are_read_in_walks_of_the_term_index(tmp_path, monkeypatch):
    """did-you-mean's hundreds of spellings one slip away from a word: the numpy path's
    ``doc_frequencies`` gives each what Whoosh's ``doc_frequency`` gives (over segments,
    deleted documents counted as the lexicon counts them, terms absent, before the first and
    past the last term, in the order asked), finding those that share their first letters by
    walking the ordered term index rather than looking each one up."""
    from whoosh import fields
    from whoosh.reading import SegmentReader

    from indexer.fastpath import TermArrays
    from indexer.suggest import edits1

    words = ["مدرسة", "مدرسه", "مدارس", "مدرس", "مدرسي", "مدرستنا", "مرسه", "مدرسته", "بمدرسه", "مدرسهم"]
    ix = _segmented(tmp_path, fields.Schema(body=fields.TEXT, title=fields.TEXT), 3, lambda part: (
        {"body": " ".join(words[(i + part) % len(words):][:1 + i % 4]), "title": "عنوان"} for i in range(60)),
        deleted=[3])

    with ix.searcher() as s:
        live = _live(s)
        arrays = TermArrays(s, live)
        assert len(arrays.segments) == 3
        asked = sorted(edits1("مدرسه")) + ["ا", "ي" * 9, "مدرسه", "zzz", "عنوان"]
        expected = {t: s.reader().doc_frequency("body", t) for t in asked}
        assert sum(n > 0 for n in expected.values()) >= 5 and expected["عنوان"] == 0
        lookups = []
        real = SegmentReader.doc_frequency
        monkeypatch.setattr(SegmentReader, "doc_frequency", lambda self, f, t: lookups.append(t) or real(self, f, t))
        found = arrays.doc_frequencies("body", asked)
        assert list(found.items()) == list(expected.items())
        assert len(lookups) < len(expected) * len(arrays.segments) / 2  # most found in walks
        import indexer.fastpath as fastpath

        monkeypatch.setattr(fastpath, "WALK_PER_TERM", 1)  # stretches too long to walk: split finer
        assert list(arrays.doc_frequencies("body", asked).items()) == list(expected.items())


def test_positions_are_decoded_as_whoosh_decodes_them():
    """A posting's positions (Whoosh's Positions format: a count, then pickled deltas, whose
    final STOP Whoosh may cut off) decode to what Whoosh's own decoder gives."""
    import random

    from whoosh.formats import Characters, Positions

    from indexer.fastpath import _decode_positions, _positions_decoder

    fmt = Positions()
    rng = random.Random(5)
    for _ in range(2000):
        positions = sorted(rng.sample(range(rng.choice([5, 300, 70000])), rng.randint(1, 5)))
        value = fmt.encode(positions)
        for stored in (value, value[:-1] if value.endswith(b".") else value):
            assert _decode_positions(stored) == fmt.decode_positions(stored) == positions
    assert _positions_decoder(fmt) is _decode_positions
    assert _positions_decoder(Characters()) != _decode_positions  # other formats: Whoosh's decoder


@pytest.mark.parametrize("q", ['"الأمم المتحدة"', '"الامم المتحدة"~3', '"في العراق"~2', '"وزارة الصحة في"~2',
                               '"مجلس النواب العراقي"', 'title:"البنك الدولي"'])
def test_a_phrase_is_matched_without_whoosh_s_positions_decoder(services, monkeypatch, q):
    """Phrases (slop 1 to 3, two and three words, title and body) give Whoosh's results with
    positions decoded here and matched as arrays, Whoosh's per-posting decoder never called."""
    from whoosh.formats import Positions

    fast, slow = services
    expected = slow.search(SearchRequest(query=q, per_page=20))
    def no_decoder(*_args, **_kwargs):
        raise AssertionError("Whoosh's positions decoder")

    monkeypatch.setattr(Positions, "decode_positions", no_decoder)
    gen = _generation(fast)
    gen._arrays = None  # a fresh cache: every position read again
    found = fast.search(SearchRequest(query=q, per_page=20))
    assert found.total == expected.total > 0
    assert [h.score for h in found.hits] == [h.score for h in expected.hits]


def test_unions_of_posting_arrays_are_merged_not_hashed(services, monkeypatch):
    """A word's documents (its terms over title and body, its spellings) and a phrase's
    candidates left are unions of sorted posting arrays, merged by a stable sort: numpy's
    unique, which hashes first, is not called, and the documents are the same."""
    import numpy as np

    from indexer.fastpath import _sorted_unique

    gen = _generation(services[0])
    queries = ["الحكومة العراقية", "الحكومة حكومة", "الجايحة العراق", "الرئيس"]
    words = {q: plain_words(prepare(parse(q), lexicon=gen).query) for q in queries}
    expected = {q: gen.arrays.match(w) for q, w in words.items()}
    phrase = gen.arrays.phrase("body_exact", ("الامم", "المتحده"), 3, 1.0)
    rng = np.random.default_rng(7)
    for _ in range(200):
        runs = [np.unique(rng.integers(0, 500, rng.integers(0, 300))).astype(np.int32) for _ in range(rng.integers(1, 5))]
        ids = np.concatenate(runs)
        assert _sorted_unique(ids).dtype == np.int32 and np.array_equal(_sorted_unique(ids), np.unique(ids))

    def hashed(*_args, **_kwargs):
        raise AssertionError("numpy's unique")

    monkeypatch.setattr(np, "unique", hashed)
    monkeypatch.setattr(np, "union1d", hashed)
    gen._arrays = None  # read again, matched without numpy's unique
    for q, w in words.items():
        assert np.array_equal(gen.arrays.match(w), expected[q]) and expected[q].size, q
    again = gen.arrays.phrase("body_exact", ("الامم", "المتحده"), 3, 1.0)
    assert phrase[0].size and np.array_equal(again[0], phrase[0]) and np.array_equal(again[1], phrase[1])


def test_sums_and_intersections_of_scored_arrays_are_numpy_s_without_sorting(services, monkeypatch):
    """An OR's (and a prefix's) documents with their scores summed, counted into their range
    of docnums when they are dense in it, and the documents two scored arrays share, found by
    binary search: the same documents and the same floats, bit for bit, as numpy's unique
    with bincount and intersect1d, which sort."""
    import numpy as np

    from indexer import fastpath

    rng = np.random.default_rng(11)
    for _ in range(300):
        top = int(rng.integers(1, 3000))
        runs = [np.unique(rng.integers(0, top, rng.integers(0, 400))).astype(np.int32) for _ in range(rng.integers(1, 5))]
        ids = np.concatenate(runs)
        scores = rng.random(ids.size) * 10
        docs, where = np.unique(ids, return_inverse=True)
        sums = np.bincount(where, weights=scores, minlength=docs.size)
        for in_range in (0, 8, 10**9):  # always sorted; as shipped; always counted in range
            monkeypatch.setattr(fastpath, "SUM_IN_RANGE", in_range)
            found = fastpath._sum_by_doc(ids, scores)
            assert found[0].dtype == np.int32 and found[0].tolist() == docs.tolist()
            assert found[1].tobytes() == sums.tobytes()
        a, b = runs[0], runs[-1]
        common, mine, theirs = np.intersect1d(a, b, assume_unique=True, return_indices=True)
        found = fastpath._common(a, b)
        assert found[0].tolist() == mine.tolist() and found[1].tolist() == theirs.tolist()
        assert a[found[0]].tolist() == common.tolist()
    # and the shapes that use them are matched without numpy's intersect1d
    monkeypatch.setattr(fastpath, "SUM_IN_RANGE", 10**9)
    monkeypatch.setattr(np, "intersect1d", lambda *a, **k: (_ for _ in ()).throw(AssertionError("intersect1d")))
    gen = _generation(services[0])
    gen._arrays = None
    for q in ("سوريا OR لبنان", "ترامب OR بغداد OR مستشفى", "الحكو*", "الحكومة العراقية", '"الأمم المتحدة"'):
        assert gen.arrays.evaluate(prepare(parse(q), lexicon=gen).query)[0].size, q


def test_a_phrase_scores_only_the_documents_that_hold_it(services, monkeypatch):
    """A phrase's words are scored for the documents that hold the phrase only, not over every
    posting of each word; the scores are those of intersecting the words' scored postings
    (added word by word, as Whoosh's intersection adds them), bit for bit."""
    import numpy as np

    from indexer.fastpath import TermArrays, _intersection

    arrays = _generation(services[0]).arrays
    for field, words, slop in (("body_exact", ("الامم", "المتحده"), 1), ("body_exact", ("في", "العراق"), 2),
                               ("title_exact", ("البنك", "الدولي"), 1), ("body_exact", ("وزاره", "الصحه", "في"), 2)):
        ids, scores = _intersection([arrays.term_scores(field, w, 1.0) for w in words])
        with monkeypatch.context() as m:
            m.setattr(TermArrays, "term_scores", lambda *a: (_ for _ in ()).throw(AssertionError("scored every posting")))
            found, found_scores = arrays.phrase(field, words, slop, 2.5)
        assert found.size and found.size <= ids.size
        held = np.isin(ids, found)
        assert found.tolist() == ids[held].tolist()
        assert found_scores.tobytes() == (scores[held] * 2.5).tobytes()


def test_field_lengths_read_at_once_are_whoosh_s(tmp_path, monkeypatch):
    """Each document's field lengths come with one read of each segment's length column (not a
    call per document), kept as Whoosh's length bytes, and read back as the float lengths
    Whoosh's doc_field_length gives: over segments, a segment without the field at all (its
    default), documents without the field (past the column's end too), long fields (lengths
    Whoosh rounds) and deleted documents."""
    import numpy as np
    from whoosh import fields
    from whoosh.reading import MultiReader, SegmentReader

    from indexer.fastpath import TermArrays

    def docs(part):
        for i in range(40):
            title = {} if part == 2 or i % 5 == 0 or i > 35 else {"title": "word " * (i % 4 + 1)}
            yield {"body": "body " * (1 + i * 7 * (part + 1)), **title}

    ix = _segmented(tmp_path, fields.Schema(title=fields.TEXT, body=fields.TEXT), 3, docs, deleted=[3])

    with ix.searcher() as s:
        n = s.doc_count_all()
        expected = {f: np.fromiter((s.doc_field_length(d, f, 1) for d in range(n)), np.float64, count=n)
                    for f in ("title", "body")}
        live = np.array([not s.reader().is_deleted(d) for d in range(n)])

        def one_at_a_time(*_args, **_kwargs):
            raise AssertionError("read a document's length on its own")

        for reader_type in (MultiReader, SegmentReader):
            monkeypatch.setattr(reader_type, "doc_field_length", one_at_a_time)
        arrays = TermArrays(s, live)
        for field, want in expected.items():
            got = arrays.lengths(field)
            assert got.codes.dtype == np.uint8 and got.nbytes == n
            assert np.array_equal(got[np.arange(n)], want, equal_nan=True), field
            assert got[np.arange(n)].dtype == np.float64
        assert np.isnan(expected["title"][0]) and 1.0 in expected["title"][80:]  # no title; a segment without titles
        assert len(set(expected["body"].tolist())) > 60  # long bodies: lengths as Whoosh rounds them


@pytest.mark.parametrize("compression", [0, 3])
def test_a_field_s_postings_read_at_once_are_whoosh_s(tmp_path, monkeypatch, compression):
    """Every term of a field and its documents, read with one read of the field's entries in
    the term table and one of their posting lists, are what stepping through Whoosh's term
    table and postings readers gives: over segments, lists of several blocks, postings inlined
    in the entry (a codec that inlines one-posting terms), a field between two others."""
    from whoosh import fields, index
    from whoosh.codec.whoosh3 import W3Codec, W3LeafMatcher, W3TermInfo

    from indexer.fastpath import field_postings

    # This Whoosh's writer calls set_inline where the term info has set_inlined: it never inlines
    monkeypatch.setattr(W3TermInfo, "set_inline", W3TermInfo.set_inlined, raising=False)
    schema = fields.Schema(a=fields.KEYWORD, person=fields.KEYWORD(commas=True, scorable=False), z=fields.KEYWORD)
    ix = index.create_in(str(tmp_path), schema)
    for part in range(2):
        writer = ix.writer(codec=W3Codec(compression=compression, inlinelimit=2))
        for i in range(400):
            people = ["everyone"] + [f"p{i % 7}"] * (i % 3 == 0) + [f"once{part}{i}"] * (i % 50 == 0)
            writer.add_document(a=f"a{i % 5}", person=",".join(people), z="z")
        writer.commit(merge=False)
    with ix.searcher() as s:
        expected = []
        for leaf, _offset in s.leaf_searchers():
            terms = leaf.reader()._terms
            fmt = leaf.reader().schema["person"].format
            expected.append([(text, list(terms._codec.postings_reader(terms._postfile, info, fmt).all_ids()))
                             for (field, text), info in terms.items_from("person", b"") if field == "person"])

        def no_stepping(*_args, **_kwargs):
            raise AssertionError("read through Whoosh's matcher")

        monkeypatch.setattr(W3LeafMatcher, "_goto", no_stepping)
        for (leaf, _offset), want in zip(s.leaf_searchers(), expected):
            texts, docs, counts = field_postings(leaf.reader(), "person")
            got = list(zip(texts, np.split(docs, np.cumsum(counts)[:-1])))
            assert [(t, d.tolist()) for t, d in got] == want
            assert docs.dtype == np.int32 and max(counts) == 400 and 1 in counts.tolist()
        texts, docs, counts = field_postings(s.leaf_searchers()[0][0].reader(), "absent")
        assert texts == [] and docs.size == 0 and counts.size == 0


@pytest.mark.parametrize("columns", [True, False])
def test_frequencies_are_kept_as_stored_and_score_as_whoosh_s_floats(tmp_path, columns):
    """The posting LRU keeps a term's frequencies in the type they are stored in (the columns'
    uint8, uint16 or float32; Whoosh's blocks' 32-bit floats), not as float64, and they score
    to Whoosh's own BM25F floats bit for bit: a float32 weight scored as float32 would not."""
    from whoosh import fields
    from whoosh.codec.whoosh3 import W3LeafMatcher

    from indexer import posting_columns
    from indexer.fastpath import TermArrays

    schema = fields.Schema(title=fields.TEXT(field_boost=0.3), body=fields.TEXT(), body_exact=fields.TEXT())

    def docs(part):
        for i in range(200):  # "often" up to 400 times in a body: frequencies past uint8
            yield {"title": " ".join(["word"] * (1 + i % 3) + ["news"]),
                   "body": " ".join(["often"] * (1 + (i * 7 + part) % 400) + ["news"]),
                   "body_exact": " ".join(["word"] * (i % 5) + ["news"])}

    ix = _segmented(tmp_path, schema, 2, docs, deleted=[3])
    if columns:
        posting_columns.add_to_index(tmp_path)
    stored = {("title", "word"): np.float32, ("body", "often"): np.uint16 if columns else np.float32,
              ("body_exact", "word"): np.uint8 if columns else np.float32}
    with ix.searcher() as s:
        expected = {}
        for field, term in stored:
            scorer = s.weighting.scorer(s, field, term)
            m = s.postings(field, term)
            found = []
            while m.is_active():
                found.append((m.id(), scorer.score(m)))
                m.next()
            expected[field, term] = found
        arrays = TermArrays(s, _live(s))
        assert all(c is not None for c in arrays._columns) == columns
        for (field, term), kind in stored.items():
            ids, tfs = arrays.postings(field, term)
            assert tfs.dtype == kind, (field, term)
            ids, scores = arrays.term_scores(field, term, 1.0)
            assert list(zip(ids.tolist(), scores.tolist())) == expected[field, term], (field, term)
            assert arrays.scores([((((field, term, 1.0),),), ())], ids).tolist() == scores.tolist()
        assert arrays._bytes == sum(i.nbytes + t.nbytes for i, t in arrays._cache.values())
        # what the test catches: the boosted title's weights (0.3, 0.6, ...) multiplied as float32
        ids, tfs = arrays.postings("title", "word")
        assert (tfs * (arrays.K1 + 1)).tolist() != (tfs.astype(np.float64) * (arrays.K1 + 1)).tolist()


def test_the_posting_lru_keeps_to_its_bytes_block_tables_counted(services, monkeypatch):
    """The LRU of hot postings holds at most ``CACHE_BYTES`` (the least recently used out
    first), counting each term's docnums, frequencies and, once a phrase has read them, its
    block table; a term leaving takes its block table with it."""
    import indexer.fastpath as fastpath
    from indexer.fastpath import TermArrays

    gen = _generation(services[0])
    terms = [("body_exact", t) for t in ("الامم", "المتحده", "الرئيس", "وزاره", "العراق", "ترامب", "بغداد")]
    sizes = {key: sum(a.nbytes for a in TermArrays(gen.searcher, gen.live).postings(*key)) for key in terms}
    arrays = TermArrays(gen.searcher, gen.live)
    for key in terms[:5]:
        arrays.postings(*key)
    arrays.positions("body_exact", "الامم", arrays.postings("body_exact", "الامم")[0][:1])
    table = arrays._blocks[("body_exact", "الامم")]
    assert table.nbytes and arrays._bytes == sum(sizes[k] for k in terms[:5]) + table.nbytes
    arrays.postings(*terms[4])  # order, oldest first: terms 1, 2, 3, 0, 4
    monkeypatch.setattr(fastpath, "CACHE_BYTES", sizes[terms[0]] + table.nbytes + sizes[terms[4]] + sizes[terms[5]])
    arrays.postings(*terms[5])
    assert list(arrays._cache) == [terms[0], terms[4], terms[5]] and arrays._bytes == fastpath.CACHE_BYTES
    monkeypatch.setattr(fastpath, "CACHE_BYTES", sizes[terms[4]] + sizes[terms[5]] + sizes[terms[6]])
    arrays.postings(*terms[6])
    assert list(arrays._cache) == terms[4:] and not arrays._blocks and arrays._bytes == fastpath.CACHE_BYTES
