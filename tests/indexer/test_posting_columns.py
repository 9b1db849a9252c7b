"""Columnar postings beside each segment (indexer/posting_columns.py): every term's postings
equal what Whoosh's blocks decode to, after a full rebuild (Arshif's writer and Whoosh's),
incremental updates, merges and deletions; a missing, stale, cut or corrupted file is ignored
and answers stay the same."""
from __future__ import annotations

import os
import shutil

import numpy as np
import pytest
from whoosh import index as whoosh_index

from indexer import fastpath, posting_columns
from indexer.blocks import read_blocks, where
from indexer.build import full_rebuild, incremental_update
from indexer.generations import IndexRoot
from indexer.posting_columns import FIELDS, PostingColumns, add_to_index, path_of
from indexer.reader import WhooshEngine
from indexer.search import SearchRequest, SearchService

from .test_writer import columns_without_meta, corpus_articles

QUERIES = ("الرئيس", "الحكومة في البلاد", "سوريا OR لبنان", '"الأمم المتحدة"', "وزار*", "العراق -بغداد",
           "=الرئيس", "title:الحكومة", "قال الرئيس إن", "اسرائيل")


@pytest.fixture(scope="module")
def articles(shared_dir) -> list[dict]:
    return corpus_articles(shared_dir, 400)


def generation(root) -> str:
    return str(IndexRoot(root).current_path())


def segments(folder):
    ix = whoosh_index.open_dir(folder)
    return ix, ix.reader()


def check_every_term(folder: str) -> int:
    """Assert every term of FIELDS in every segment reads from the columns as its blocks
    decode (ids, frequencies, count = the term info's df); return how many were compared."""
    ix, reader = segments(folder)
    compared = 0
    try:
        for leaf, _offset in reader.leaf_readers():
            segment = leaf._segment
            columns = PostingColumns.open(folder, segment.segment_id(), segment.doc_count_all())
            assert columns is not None, segment.segment_id()
            terms = leaf._terms
            for field in FIELDS:
                for (name, _text), info in terms.items_from(field, b""):
                    if name != field:
                        break
                    offset, length = where(info)
                    blocks = read_blocks(terms._postfile, offset, length)
                    ids, tfs = columns.postings(field, offset, info.doc_frequency())
                    assert ids.dtype == np.int32 and tfs.dtype == columns._types[field]["tf"]
                    assert ids.tolist() == np.concatenate([b[1] for b in blocks]).tolist()
                    assert tfs.tolist() == np.concatenate([b[2] for b in blocks]).tolist()
                    assert ids.size == info.doc_frequency()
                    compared += 1
            assert not columns.broken
            columns.close()
    finally:
        reader.close()
    return compared


def answers(root, queries=QUERIES) -> list:
    """Each query's total, first page (ids, scores, snippets) and facets, as a fresh worker
    answers them."""
    service = SearchService(str(root), cache_size=0)
    out = []
    for q in queries:
        p = {"q": [q], "per_page": ["20"]}
        page = service.search(SearchRequest.from_params(lambda name: p.get(name, [])))
        out.append((q, page.total, [(h.id, h.score, h.snippet_html) for h in page.hits], page.facets))
    service.close()
    return out


def test_every_term_after_a_full_rebuild_by_either_writer(articles, tmp_path):
    full_rebuild(articles, str(tmp_path / "ours"))
    full_rebuild(articles, str(tmp_path / "whoosh"), whoosh_writer=True)  # written from the blocks
    ours, theirs = generation(tmp_path / "ours"), generation(tmp_path / "whoosh")
    assert check_every_term(ours) == check_every_term(theirs) > 10000
    # the same records, directory and pages from the writer's arrays as from Whoosh's blocks
    # (the meta after them names each build's own segment)
    assert columns_without_meta(ours) == columns_without_meta(theirs)


def test_every_term_after_updates_merges_and_deletions(articles, tmp_path, monkeypatch):
    root = str(tmp_path)
    # two writer processes, each spilling its postings past limitmb: a segment each, with its file
    full_rebuild(articles[:300], root, total=300, procs=2, multiprocess_min=100, limitmb=1)
    first = generation(tmp_path)
    assert len(segments(first)[0]._segments()) == 2
    for start in (280, 300, 330, 360):  # replaced articles (deletions) and new ones, small segments
        changed = [dict(a, body=a["body"] + " تعديل") for a in articles[start:start + 30]]
        incremental_update(changed, root)
    folder = generation(tmp_path)
    assert folder == first
    ix, reader = segments(folder)
    assert reader.has_deletions()
    reader.close()
    assert check_every_term(folder) > 10000
    # Whoosh's merges write new segments: their files are written too, the merged ones' go
    writer = ix.writer()
    writer.commit(optimize=True)
    add_to_index(folder)
    assert check_every_term(folder) > 10000
    left = {p.name for p in tmp_path.glob("g*/*" + posting_columns.EXTENSION)}
    assert len(left) == 1


def test_columns_are_read_instead_of_blocks_and_answers_are_the_same(articles, tmp_path, monkeypatch):
    full_rebuild(articles, str(tmp_path))
    incremental_update([dict(a, body=a["body"] + " تعديل") for a in articles[:20]], str(tmp_path))
    monkeypatch.setattr(posting_columns, "ENABLED", False)
    expected = answers(tmp_path)
    monkeypatch.setattr(posting_columns, "ENABLED", True)

    def no_blocks(*_args):
        raise AssertionError("read from the posting blocks")

    monkeypatch.setattr(fastpath, "_read_blocks", no_blocks)
    assert answers(tmp_path) == expected
    assert sum(total for _q, total, _hits, _facets in expected) > 100


def damage(folder: str, how: str) -> None:
    """Damage the columns of the generation's largest segment."""
    ix = whoosh_index.open_dir(folder)
    ids = sorted(ix._segments(), key=lambda s: s.doc_count_all())
    path = path_of(folder, ids[-1].segment_id())
    data = bytearray(path.read_bytes())
    if how == "missing":
        path.unlink()
    elif how == "cut":
        path.write_bytes(data[:len(data) // 2])
    elif how == "records":
        data[100] ^= 0x01  # a docnum or a frequency
        path.write_bytes(bytes(data))
    elif how == "directory":
        at = data.index(b'"directory": ') + len(b'"directory": ')
        directory = int(data[at:data.index(b",", at)])
        data[directory + 1] ^= 0x01  # a key
        path.write_bytes(bytes(data))
    elif how == "stale":  # another segment's file under this one's name
        shutil.copy(path_of(folder, ids[0].segment_id()), path)
    elif how == "tmp":  # a crash mid-write leaves a hidden temporary file and no columns
        path.rename(path.with_name(".postcols-0.tmp-1"))


@pytest.mark.parametrize("how", ["missing", "cut", "records", "directory", "stale", "tmp"])
def test_a_damaged_file_is_ignored_and_answers_stay_the_same(articles, tmp_path, how):
    full_rebuild(articles[:200], str(tmp_path), total=200, procs=2, multiprocess_min=100)  # two segments
    folder = generation(tmp_path)
    expected = answers(tmp_path)
    damage(folder, how)
    assert answers(tmp_path) == expected
    engine = WhooshEngine(str(tmp_path))
    arrays = engine.searcher().arrays
    largest = max(arrays.segments, key=lambda s: s[0].doc_count_all())[0]
    for field in FIELDS:  # every term of the damaged segment, through the numpy path
        for (name, text), _info in largest._terms.items_from(field, b""):
            if name != field:
                break
            arrays.postings(field, text.decode("utf-8"))
    usable = [c for c in arrays._columns if c is not None and not c.broken]
    assert len(usable) == len(arrays._columns) - 1  # the damaged one is out, the others read
    # the next update rewrites a file that does not fit and removes what a crash left; one
    # whose checksums fail, once verified (the upgrade path does)
    incremental_update([], str(tmp_path))
    if how in ("records", "directory"):
        assert add_to_index(folder, verify=True)
    assert check_every_term(folder) and not list(tmp_path.glob("g*/.postcols-*"))
    assert add_to_index(folder, verify=True) == []


def test_a_segment_file_that_changed_is_not_read(articles, tmp_path):
    full_rebuild(articles[:100], str(tmp_path))
    folder = generation(tmp_path)
    segment = whoosh_index.open_dir(folder)._segments()[0]
    assert PostingColumns.open(folder, segment.segment_id(), segment.doc_count_all()) is not None
    assert PostingColumns.open(folder, segment.segment_id(), segment.doc_count_all() + 1) is None
    seg = os.path.join(folder, segment.segment_id() + ".seg")
    with open(seg, "ab") as fh:
        fh.write(b"\0")
    assert PostingColumns.open(folder, segment.segment_id(), segment.doc_count_all()) is None


def test_an_empty_archive_builds_and_searches(tmp_path):
    full_rebuild([], str(tmp_path))
    incremental_update([], str(tmp_path))
    assert answers(tmp_path, ["الرئيس"])[0][1] == 0


def test_a_prefixs_terms_are_read_together_and_score_as_from_the_blocks(articles, tmp_path, monkeypatch):
    """A prefix's terms in a segment come from the columns with one read of their directory
    pages and one of their records, and score exactly as from Whoosh's blocks."""
    full_rebuild(articles, str(tmp_path), total=len(articles), procs=2, multiprocess_min=100)  # two segments
    prefixes = ("ال", "وزار", "قال", "م", "الرئيس", "zz")
    monkeypatch.setattr(posting_columns, "ENABLED", False)
    blocks = WhooshEngine(str(tmp_path)).searcher().arrays
    expected = {(p, f): blocks.prefix(f, p, 1.0) for p in prefixes for f in ("body_exact", "title_exact")}
    monkeypatch.setattr(posting_columns, "ENABLED", True)
    arrays = WhooshEngine(str(tmp_path)).searcher().arrays
    assert len(arrays.segments) > 1
    reads = []
    real = os.pread
    monkeypatch.setattr(posting_columns.os, "pread", lambda *a: reads.append(a) or real(*a))
    for p in prefixes:
        for f in ("body_exact", "title_exact"):
            reads.clear()
            ids, scores = arrays.prefix(f, p, 1.0)
            assert ids.tolist() == expected[p, f][0].tolist() and scores.tolist() == expected[p, f][1].tolist(), p
            assert len(reads) <= 2 * len(arrays.segments), (p, len(reads))
    assert expected["ال", "body_exact"][0].size > 100 and expected["zz", "body_exact"][0].size == 0
    assert all(c is not None and not c.broken for c in arrays._columns)
