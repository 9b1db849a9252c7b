"""Entity extraction in processes of its own, a batch ahead of storing (EntityLinker.ahead):
the links are those of extraction in the ingesting process — on both databases."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass

import pytest
from sqlalchemy import select

import archive.ingest
from archive.authority import EntityLinker, reextract
from archive.authority.linking import article_text
from archive.ingest import Ingester, StoredArticle, ingest
from archive.models import ArticleEntity, Entity, IngestRun
from indexer.entities import display_name, entity_key

NAMES = ("دونالد ترامب", "الأمم المتحدة", "بغداد", "أنطونيو غوتيريش")


@dataclass
class Mention:
    text: str
    label: str


class CountingExtract:
    """A stand-in extractor: the names of NAMES a text holds. ``pids`` records the process
    each call ran in (a call in a forked process is recorded in that process's copy only)."""

    def __init__(self):
        self.calls: list[str] = []

    def __call__(self, text: str) -> list[Mention]:
        self.calls.append(text)
        return [Mention(name, "PER" if " " in name else "LOC") for name in NAMES if name in text]


def records(n: int, tag: str = "") -> list[dict]:
    return [{"id": f"r{i}", "title": f"خبر {i}{tag}", "date": "2024-05-01",
             "body": f"قال {NAMES[i % 4]} في {NAMES[(i + 1) % 4]} يوم {i}{tag}"} for i in range(n)]


def write(path, rows) -> str:
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    return str(path)


def links(db) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    with db.session() as s:
        for aid, name in s.execute(select(ArticleEntity.article_id, Entity.name)
                                   .join(Entity, Entity.id == ArticleEntity.entity_id)):
            out.setdefault(aid, set()).add(name)
    return out


def expected(rows) -> dict[str, set[str]]:
    return {r["id"]: {n for n in NAMES if n in r["title"] + "\n" + r["body"]} for r in rows}


@pytest.fixture
def small_batches(monkeypatch):
    monkeypatch.setattr(archive.ingest, "BATCH", 4)


def test_ingest_extracts_a_batch_ahead_in_another_process(db, tmp_path, small_batches):
    rows = records(10)
    extract = CountingExtract()
    linker = EntityLinker(extract, entity_key, display_name, procs=1, procs_after=1)
    report = ingest(db, [write(tmp_path / "a.jsonl", rows)], on_stored=linker)
    assert (report.read, report.added) == (10, 10)
    assert links(db) == expected(rows)
    assert extract.calls == []  # every text was extracted in the extraction process
    assert linker._pool is None and linker._ahead == {}  # closed with the run


def test_extraction_ahead_gives_the_links_of_extraction_here(db, tmp_path, small_batches):
    rows = records(9)
    serial = CountingExtract()
    ingest(db, [write(tmp_path / "a.jsonl", rows)],
           on_stored=EntityLinker(serial, entity_key, display_name, procs=0))
    alone = links(db)
    assert len(serial.calls) == 9 and alone == expected(rows)
    # The same articles changed (each one mentions one name more): extracted ahead, linked alike.
    changed = [dict(r, body=r["body"] + " و" + NAMES[(i + 2) % 4]) for i, r in enumerate(rows)]
    ahead = CountingExtract()
    report = ingest(db, [write(tmp_path / "b.jsonl", changed)],
                    on_stored=EntityLinker(ahead, entity_key, display_name, procs=2, procs_after=1))
    assert report.updated == 9 and ahead.calls == []
    assert links(db) == expected(changed)


class ManyExtract(CountingExtract):
    """A stand-in with a batch call: ``batches`` records the texts of each call of it."""

    def __init__(self):
        super().__init__()
        self.batches: list[list[str]] = []

    def many(self, texts: list[str]) -> list[list[Mention]]:
        self.batches.append(list(texts))
        return [CountingExtract.__call__(self, text) for text in texts]


def test_a_batch_call_extracts_the_articles_not_extracted_ahead_together(db, tmp_path, small_batches):
    rows = records(10)
    extract = ManyExtract()
    linker = EntityLinker(extract, entity_key, display_name, procs=0, extract_many=extract.many)
    ingest(db, [write(tmp_path / "a.jsonl", rows)], on_stored=linker)
    assert links(db) == expected(rows)
    # the batches of 4, 4 and 2 articles, each in one call (a text is its title, then its body)
    assert [len(texts) for texts in extract.batches] == [4, 4, 2]
    assert [text.split("\n")[-1] for texts in extract.batches for text in texts] == [r["body"] for r in rows]


def test_an_extraction_process_uses_the_batch_call(db, tmp_path, small_batches):
    rows = records(10)
    extract = ManyExtract()
    linker = EntityLinker(extract, entity_key, display_name, procs=1, procs_after=1, extract_many=extract.many)
    ingest(db, [write(tmp_path / "a.jsonl", rows)], on_stored=linker)
    assert links(db) == expected(rows)
    assert extract.calls == [] and extract.batches == []  # all in the extraction process


def test_small_runs_start_no_process(db, tmp_path, small_batches):
    extract = CountingExtract()
    linker = EntityLinker(extract, entity_key, display_name, procs=2, procs_after=5)
    ingest(db, [write(tmp_path / "a.jsonl", records(3))], on_stored=linker)
    assert len(extract.calls) == 3 and linker._pool is None


def test_a_text_that_changed_since_it_was_extracted_is_extracted_again(db):
    extract = CountingExtract()
    linker = EntityLinker(extract, entity_key, display_name, procs=1, procs_after=1)
    before = StoredArticle("", "عنوان", None, "قال دونالد ترامب")
    after = StoredArticle("a1", "عنوان", None, "قال أنطونيو غوتيريش في بغداد")
    try:
        with db.session() as s:
            handle = linker.ahead(s, [before])
            trump = (entity_key("دونالد ترامب"), "دونالد ترامب", "PER")
            assert linker._mentions(s, [article_text(before)]) == [[trump]]
            assert extract.calls == []
            assert {m[1] for m in linker._mentions(s, [article_text(after)])[0]} == {"بغداد", "أنطونيو غوتيريش"}
            assert extract.calls == [article_text(after)]  # not the one extracted ahead: here
            handle.close()
            assert linker._ahead == {}
    finally:
        linker.close()


def test_a_reader_that_fails_still_stores_what_it_read_in_full(db, monkeypatch, small_batches):
    rows = records(9)
    from archive.sources import RawArticle

    def failing(self, paths, fmt, source, report):
        for r in rows:
            yield RawArticle(ref=r["id"], id=r["id"], title=r["title"], body=r["body"], date=r["date"])
        raise RuntimeError("the disk went away")

    monkeypatch.setattr(Ingester, "_records", failing)
    extract = CountingExtract()
    linker = EntityLinker(extract, entity_key, display_name, procs=1, procs_after=1)
    with pytest.raises(RuntimeError):
        Ingester(db, on_stored=linker).ingest(["x.jsonl"])
    # The first two batches were read in full: stored and linked; the third was cut short.
    assert set(links(db)) == {f"r{i}" for i in range(8)}
    with db.session() as s:
        assert s.scalar(select(IngestRun.status)) == "failed"
    assert linker._pool is None


def test_reextract_with_extraction_ahead(db, tmp_path):
    rows = records(7)
    ingest(db, [write(tmp_path / "a.jsonl", rows)],
           on_stored=EntityLinker(CountingExtract(), entity_key, display_name))
    # A new model finds the organisation only.
    class OrgsOnly(CountingExtract):
        def __call__(self, text):
            return [m for m in super().__call__(text) if m.text == "الأمم المتحدة"]

    model = OrgsOnly()
    linker = EntityLinker(model, entity_key, display_name, procs=1, procs_after=1)
    result = reextract(db, linker, batch=3)
    assert result == {"articles": 7, "changed": 7, "aliases_rekeyed": 0, "alias_conflicts": []}
    assert links(db) == {r["id"]: {"الأمم المتحدة"} for r in rows if "الأمم المتحدة" in r["body"]}
    assert model.calls == [] and linker._pool is None


def test_extract_procs_setting():
    from web.wiring import extract_procs

    assert extract_procs({}) == min(2, os.cpu_count() or 1)
    assert extract_procs({"EXTRACT_PROCS": ""}) == min(2, os.cpu_count() or 1)
    assert extract_procs({"EXTRACT_PROCS": "0"}) == 0
    assert extract_procs({"EXTRACT_PROCS": 3}) == 3
    for bad in ("two", "-1", 1.5j):
        with pytest.raises(ValueError, match="EXTRACT_PROCS"):
            extract_procs({"EXTRACT_PROCS": bad})


def test_an_unchanged_file_starts_no_extraction_past_the_first_batches(db, tmp_path, small_batches):
    class Counting(EntityLinker):
        given: list[int] = []

        def ahead(self, session, articles):
            self.given.append(len(articles))
            return super().ahead(session, articles)

    path = write(tmp_path / "a.jsonl", records(14))  # batches of 4, 4, 4, 2
    first = Counting(CountingExtract(), entity_key, display_name, procs=1, procs_after=1)
    ingest(db, [path], on_stored=first)
    assert first.given == [4, 4, 4, 2]
    Counting.given = []
    again = Counting(CountingExtract(), entity_key, display_name, procs=1, procs_after=1)
    report = ingest(db, [path], on_stored=again)
    assert report.unchanged == 14
    # The first two batches are read before the first is found unchanged; nothing after.
    assert again.given == [4, 4]
