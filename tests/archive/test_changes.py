"""Change numbers (archive/changes.py): what marks an article for the next incremental reindex,
on both databases."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from archive.authority import export_entities, import_entities, merge, seed
from archive.changes import current_change, mark_changed
from archive.ingest import ingest
from archive.models import Article
from archive.store import count_articles, iter_articles
from indexer.entities import entity_key
from tests.archive.test_authority import SEED, add_article, link
from tests.articles import generate, write_jsonl


def numbers(db) -> dict[str, int]:
    with db.session() as s:
        return dict(s.execute(select(Article.id, Article.change_seq)).all())


def test_each_ingest_batch_is_one_change_and_unchanged_records_are_none(db, tmp_path):
    articles = generate(5, prefix="c")
    assert current_change(db) == 0
    ingest(db, [write_jsonl(tmp_path / "a.jsonl", articles)])
    first = current_change(db)
    assert first == 1 and set(numbers(db).values()) == {1}
    ingest(db, [write_jsonl(tmp_path / "b.jsonl", articles)])  # the same records: nothing changes
    assert current_change(db) == first
    edited = [dict(articles[3], body=articles[3]["body"] + " تعديل")]
    ingest(db, [write_jsonl(tmp_path / "c.jsonl", edited)])
    assert numbers(db)["c-00003"] == 2 and current_change(db) == 2
    assert [a["id"] for a in iter_articles(db, after_change=first)] == ["c-00003"]
    assert count_articles(db, after_change=first) == 1 and count_articles(db, after_change=2) == 0


def test_a_rolled_back_transaction_marks_nothing(db):
    add_article(db, "a1", "نص")
    with pytest.raises(RuntimeError):
        with db.session() as s:
            mark_changed(s, ["a1"])
            raise RuntimeError("the work failed")
    with db.session() as s:  # a later commit of another session does not inherit the mark
        pass
    assert current_change(db) == 0 and numbers(db) == {"a1": 0}


def test_renaming_and_merging_entries_mark_their_articles(db):
    seed(db, SEED, entity_key)
    add_article(db, "a1", "ترمب")
    add_article(db, "a2", "أميركا")
    add_article(db, "a3", "نص آخر")
    link(db, "a1", [("ترمب", "PER")])
    link(db, "a2", [("أميركا", "LOC")])
    before = current_change(db)
    trump = next(r for r in export_entities(db) if r["name"] == "دونالد ترامب")
    import_entities(db, [dict(trump, name="دونالد جون ترامب")], entity_key)
    assert [a["id"] for a in iter_articles(db, after_change=before)] == ["a1"]

    before = current_change(db)
    rows = {r["name"]: r["id"] for r in export_entities(db)}
    merge(db, rows["دونالد جون ترامب"], rows["الولايات المتحدة"])
    assert [a["id"] for a in iter_articles(db, after_change=before)] == ["a2"]
    assert numbers(db)["a3"] == 0
