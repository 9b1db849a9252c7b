"""The full-rebuild segment writer (indexer/writer.py) against Whoosh's own writer: the same
articles give the same terms, posting lists (ids, weights, positions, block statistics), field
lengths, stored fields, columns and search results, byte for byte where one segment is written."""
from __future__ import annotations

import gzip
import itertools
import json
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3Codec

from indexer.analysis import analyze, exact_analyzer, index_terms, stemmed_analyzer
from indexer.build import full_rebuild
from indexer.generations import IndexRoot
from indexer.schema import FACET_FIELDS, make_schema, to_document
from indexer.search import SearchRequest, SearchService
from indexer import writer as writer_module
from indexer.posting_columns import TRAILER, path_of
from indexer.writer import ArticleWriter

# A common word, repeated, so its posting lists run over several blocks of 128.
FILLER = "قال الرئيس إن الحكومة في البلاد"
EDGE_BODIES = (
    "",                                                   # no body at all
    "في من إلى عن",                                       # stop words only
    "COVID-19 و F-16 عام 2020م #عاصي_الحلاني الرئيس",     # hyphens, digits, hashtags, Latin
    "الرئيس " * 40 + "قال قال",                           # one word, many positions
    "إسْرائيل ﺇﺳﺮﺍﺋﻴﻞ اسرائيل",                          # marks and presentation forms
)


def corpus_articles(shared_dir, n: int) -> list[dict]:
    """The first ``n`` articles of the shared corpus as archive.store gives them, with entity
    ids, a subtitle, an author and edge cases mixed in."""
    out = []
    with gzip.open(shared_dir / "corpus" / "news.jsonl.gz", "rt", encoding="utf-8") as lines:
        for i, line in enumerate(itertools.islice(lines, n)):
            record = json.loads(line)
            body = record["body"] + (" " + FILLER) * (i % 3)
            if i % 50 < len(EDGE_BODIES):
                body = EDGE_BODIES[i % 50]
            out.append({
                "id": record["id"], "title": record["title"] if i % 61 else "من في",
                "subtitle": "عنوان فرعي عن الرئيس" if i % 7 == 0 else None, "body": body,
                "published_at": datetime.fromisoformat(record["date"]).replace(tzinfo=timezone.utc),
                "date_precision": "day", "section": record.get("section"), "source": record.get("source"),
                "url": record.get("url"), "author": "كاتب" if i % 5 == 0 else None,
                "person": [f"p{i % 13}", f"p{i % 4}"] if i % 3 else [], "org": [f"o{i % 5}"] if i % 2 else [],
                "place": [], "entities": [{"id": f"p{i % 13}", "name": "اسم", "type": "person"}] if i % 3 else [],
            })
    return out


@pytest.fixture(scope="module")
def articles(shared_dir) -> list[dict]:
    return corpus_articles(shared_dir, 700)


def serving(root) -> whoosh_index.FileIndex:
    return whoosh_index.open_dir(str(IndexRoot(root).current_path()))


def raw_segment(ix) -> tuple[list, bytes]:
    """The term table (keys and term infos, as bytes) and the posting file's bytes of a
    one-segment index."""
    reader = ix.reader()
    terms = reader._terms
    table = list(terms._tindex.items())
    ends = []
    for _key, value in table:
        info = terms.term_info(*terms._keydecoder(_key))
        offset, length = info.extent()
        ends.append(offset + (length[0] if isinstance(length, tuple) else length))  # Whoosh reads a tuple
    postings = terms._postfile.get(0, max(ends, default=0))
    reader.close()
    return table, postings


def logical(ix) -> dict:
    """Everything a reader sees, keyed by article id so segment layouts may differ: per field
    and term its (article, weight, value) postings, per article its stored fields, field
    lengths and facet column values."""
    out: dict = {"postings": {}, "articles": {}}
    with ix.searcher() as searcher:
        reader = searcher.reader()
        ids = {n: reader.stored_fields(n)["id"] for n in reader.all_doc_ids()}
        for fieldname, text in reader.all_terms():
            matcher = reader.postings(fieldname, text)
            postings = []
            while matcher.is_active():
                postings.append((ids[matcher.id()], matcher.weight(), matcher.value()))
                matcher.next()
            out["postings"][(fieldname, text)] = (reader.doc_frequency(fieldname, text), sorted(postings))
        columns = {name: reader.column_reader(name) for name in FACET_FIELDS}
        for n, article in ids.items():
            out["articles"][article] = (
                reader.stored_fields(n),
                {f: reader.doc_field_length(n, f) for f in ("title", "body", "title_exact", "body_exact")},
                {name: column[n] for name, column in columns.items()},
            )
    return out


def search_pages(root) -> list:
    service = SearchService(str(root), cache_size=0)
    try:
        pages = []
        for q in ("الرئيس", "الحكومة تونس", '"قال الرئيس"', "اسرائيل OR فلسطين", "الرئيس -الحكومة", "الانتخ*",
                  "=الرئيس", "covid-19"):
            result = service.search(SearchRequest(query=q, per_page=20))
            pages.append((q, result.total, [(h.id, round(h.score, 9)) for h in result.hits]))
        return pages
    finally:
        service.close()


def test_index_terms_is_both_analyzers_in_one_pass(articles):
    exact, stemmed = exact_analyzer(), stemmed_analyzer()
    for article in articles[:300]:
        for text in (article["title"], article["body"]):
            positions, counts = index_terms(text)
            expected_positions: dict = {}
            for t in exact(text, positions=True, mode="index"):
                expected_positions.setdefault(t.text, []).append(t.pos)
            assert positions == expected_positions
            expected_counts: dict = {}
            for term in analyze(stemmed, text):
                expected_counts[term] = expected_counts.get(term, 0) + 1
            assert counts == expected_counts


@pytest.fixture(scope="module")
def whoosh_built(articles, tmp_path_factory) -> dict:
    """The articles built by Whoosh's writer (Arshif's codec): its raw segment and what a
    reader sees of it."""
    root = tmp_path_factory.mktemp("whoosh")
    full_rebuild(articles, str(root), whoosh_writer=True)
    return {"root": root, "raw": raw_segment(serving(root)), "logical": logical(serving(root))}


def test_one_segment_is_the_same_bytes_as_whooshs(articles, whoosh_built, tmp_path, monkeypatch):
    # Small chunks at commit, so terms end at, straddle and outgrow chunk boundaries.
    monkeypatch.setattr("indexer.writer.FLUSH_CHUNK", 50)
    full_rebuild(articles, str(tmp_path))
    ours = serving(tmp_path)
    expected_table, expected_postings = whoosh_built["raw"]
    table, postings = raw_segment(ours)
    assert len(table) == len(expected_table) > 10000
    assert table == expected_table  # every term, doc frequency, weight total, extent and length range
    assert postings == expected_postings  # every block: ids, weights, positions, statistics
    assert logical(ours) == whoosh_built["logical"]
    assert search_pages(tmp_path) == search_pages(whoosh_built["root"])


def test_zlib_compressed_blocks_are_the_same_bytes_too(articles, tmp_path):
    codec = W3Codec()  # Whoosh's default: blocks of 80 bytes and more compressed
    articles = articles[:150]
    full_rebuild(articles, str(tmp_path / "whoosh"), write_codec=codec, whoosh_writer=True)
    full_rebuild(articles, str(tmp_path / "ours"), write_codec=codec)
    assert raw_segment(serving(tmp_path / "ours")) == raw_segment(serving(tmp_path / "whoosh"))


def test_the_comparison_sees_one_changed_posting(articles, whoosh_built, tmp_path):
    changed = [dict(a) for a in articles]
    changed[321]["body"] = changed[321]["body"].replace("الرئيس", "الوزير", 1) + " الرئيس"
    assert changed[321]["body"] != articles[321]["body"]
    full_rebuild(changed, str(tmp_path))
    ours = serving(tmp_path)
    assert raw_segment(ours)[1] != whoosh_built["raw"][1]
    expected, got = whoosh_built["logical"], logical(ours)
    differing = {key for key in expected["postings"].keys() | got["postings"].keys()
                 if got["postings"].get(key) != expected["postings"].get(key)}
    assert differing and {field for field, _term in differing} <= {"body", "body_exact"}


def test_writer_processes_hold_the_same_index(articles, tmp_path):
    articles = articles[:250]
    full_rebuild(articles, str(tmp_path / "whoosh"), whoosh_writer=True)
    expected = logical(serving(tmp_path / "whoosh"))
    # Two writer processes, each its own segment (Whoosh's multi-process writer: the same),
    # however many times their postings pass limitmb.
    for limitmb in (1024, 1):
        root = tmp_path / f"procs{limitmb}"
        full_rebuild(articles, str(root), total=len(articles), procs=2, multiprocess_min=100, limitmb=limitmb)
        assert len(serving(root)._segments()) == 2
        assert logical(serving(root)) == expected


def columns_without_meta(folder) -> bytes:
    """The posting columns file of a one-segment index, without the meta that names the segment."""
    segment = whoosh_index.open_dir(str(folder))._segments()[0]
    data = path_of(folder, segment.segment_id()).read_bytes()
    return data[:-TRAILER - int.from_bytes(data[-16:-12], "little")]


@pytest.fixture
def runs_spilled(monkeypatch) -> list:
    """Every run a writer spills, as (field, path) (the writer removes their files)."""
    spilled = []
    spill = writer_module._Run.__init__

    def recorded(run, path, postings):
        spilled.append((path.name.rsplit("-", 1)[0], path))
        spill(run, path, postings)

    monkeypatch.setattr(writer_module._Run, "__init__", recorded)
    return spilled


def test_postings_past_limitmb_are_spilled_and_merged_into_one_segment(articles, whoosh_built, tmp_path,
                                                                       monkeypatch, runs_spilled):
    # limitmb=1: a run about every 10,000 postings; small chunks, so the merge cuts the runs'
    # chunks at terms other runs do not hold
    monkeypatch.setattr("indexer.writer.FLUSH_CHUNK", 50)
    full_rebuild(articles, str(tmp_path / "spilled"), limitmb=1)
    spilled = {field for field, _path in runs_spilled}
    assert len(runs_spilled) > 40 and {"title", "body", "title_exact", "body_exact", "person"} <= spilled
    folder = IndexRoot(tmp_path / "spilled").current_path()
    ours = whoosh_index.open_dir(str(folder))
    assert len(ours._segments()) == 1
    assert raw_segment(ours) == whoosh_built["raw"]  # every term table entry and posting block
    assert logical(ours) == whoosh_built["logical"]
    full_rebuild(articles, str(tmp_path / "whole"))  # its postings held in memory until written
    assert columns_without_meta(folder) == columns_without_meta(IndexRoot(tmp_path / "whole").current_path())
    assert not any(path.exists() for _field, path in runs_spilled)
    assert not [p for p in folder.iterdir() if p.name.startswith(".spill-")]


def test_a_cancelled_writer_removes_its_runs(articles, tmp_path, runs_spilled):
    ix = whoosh_index.create_in(str(tmp_path), make_schema())
    writer = ArticleWriter(ix, limitmb=1, codec=W3Codec(compression=0))
    for article in articles[:200]:
        writer.add_document(**to_document(article, ZoneInfo("UTC")))
    assert runs_spilled and all(path.exists() for _field, path in runs_spilled)
    writer.cancel()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".spill-")]


def test_a_document_a_field_refuses_leaves_nothing_behind(articles, tmp_path):
    zone = ZoneInfo("UTC")
    (tmp_path / "ours").mkdir()
    ix = whoosh_index.create_in(str(tmp_path / "ours"), make_schema())
    writer = ArticleWriter(ix, codec=W3Codec(compression=0))
    for i, article in enumerate(articles[:40]):
        doc = to_document(article, zone)
        if i == 20:
            with pytest.raises(ValueError):
                writer.add_document(**dict(doc, source=12345))  # not text: Whoosh's ID field refuses it
        writer.add_document(**doc)
    writer.commit()
    full_rebuild(articles[:40], str(tmp_path / "whoosh"), whoosh_writer=True)
    assert logical(whoosh_index.open_dir(str(tmp_path / "ours"))) == logical(serving(tmp_path / "whoosh"))
