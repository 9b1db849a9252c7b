"""The authority file: seeding, linking mentions, merging, import and export — on both databases."""
from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from archive.authority import (AuthorityError, EntityLinker, alias_table, dump, entity_info,
                               export_entities, import_entities, load, merge, seed)
from archive.models import Article
from archive.store import get_article
from indexer.entities import display_name, entity_key

SEED = [("دونالد ترامب", "person", ["دونالد ترامب", "ترامب", "ترمب"]),
        ("الولايات المتحدة", "place", ["الولايات المتحدة", "أميركا", "أمريكا"]),
        ("الأمم المتحدة", "org", ["الأمم المتحدة"])]


@dataclass
class Mention:
    text: str
    label: str


def fake_extract(mentions):
    return lambda text: [Mention(t, l) for t, l in mentions if t in text]


def add_article(db, aid, body):
    from datetime import datetime
    with db.session() as s:
        s.add(Article(id=aid, title="عنوان", body=body, published_at=datetime(2020, 1, 1),
                      content_hash=aid, record_hash=aid))


def link(db, aid, mentions):
    linker = EntityLinker(fake_extract(mentions), entity_key, display_name)
    with db.session() as s:
        linker(s, [s.get(Article, aid)])


def test_seed_is_idempotent_and_groups_spellings(db):
    assert seed(db, SEED, entity_key) == 3
    assert seed(db, SEED, entity_key) == 0
    table = alias_table(db)
    trump = next(eid for eid, (name, kind) in table["labels"].items() if name == "دونالد ترامب")
    assert [a for a, _k in table["aliases"][trump]] == ["دونالد ترامب", "ترامب", "ترمب"]
    assert entity_info(db, trump)["type"] == "person"


def test_mentions_resolve_through_aliases_and_surnames(db):
    seed(db, SEED, entity_key)
    add_article(db, "a1", "قال ترمب إن أمريكا ... وقال بايدن")
    link(db, "a1", [("ترمب", "PER"), ("أمريكا", "LOC"), ("بايدن", "PER"), ("وبايدن", "PER")])
    ents = {e["name"]: e for e in get_article(db, "a1")["entities"]}
    assert set(ents) == {"دونالد ترامب", "الولايات المتحدة", "بايدن"}
    assert ents["بايدن"]["type"] == "person" and entity_info(db, ents["بايدن"]["id"])["provisional"]
    # A new article: the surname alone resolves to the seeded full name.
    add_article(db, "a2", "ترامب")
    link(db, "a2", [("ترامب", "PER")])
    assert [e["name"] for e in get_article(db, "a2")["entities"]] == ["دونالد ترامب"]


def test_merge_moves_mentions_and_redirects(db):
    seed(db, SEED, entity_key)
    add_article(db, "a1", "اجتماع في المنظمة الدولية")
    link(db, "a1", [("المنظمة الدولية", "ORG")])
    provisional = get_article(db, "a1")["entities"][0]["id"]
    un = next(eid for eid, (name, _k) in alias_table(db)["labels"].items() if name == "الأمم المتحدة")
    result = merge(db, un, provisional)
    assert result == {"kept": un, "merged": provisional, "articles": 1}
    assert [e["id"] for e in get_article(db, "a1")["entities"]] == [un]
    assert entity_info(db, provisional)["merged_into"] == un
    assert alias_table(db)["redirects"] == {provisional: un}
    assert "المنظمة الدولية" in entity_info(db, un)["aliases"]
    with pytest.raises(AuthorityError):
        merge(db, un, un)
    with pytest.raises(AuthorityError):
        merge(db, un, "e999999")


def test_export_import_round_trip(db):
    seed(db, SEED, entity_key)
    rows = export_entities(db)
    for fmt in ("csv", "json"):
        assert load(dump(rows, fmt), fmt) == rows
    rows[0]["aliases"].append("الرئيس ترامب")
    rows.append({"id": None, "name": "حزب الله", "type": "org", "aliases": ["حزب الله اللبناني"]})
    report = import_entities(db, rows, entity_key)
    assert (report.created, report.updated, report.aliases) == (1, 3, 3)
    assert "الرئيس ترامب" in entity_info(db, rows[0]["id"])["aliases"]
    before = export_entities(db)
    bad = [{"name": "اسم", "type": "person"}, {"name": "", "type": "person"},
           {"name": "كوكب", "type": "planet"}, {"id": "12", "name": "س", "type": "org"}]
    with pytest.raises(AuthorityError) as info:
        import_entities(db, bad, entity_key)
    lines = str(info.value).splitlines()[1:]
    assert [line.split(":")[0] for line in lines] == ["row 2", "row 3", "row 4"]
    assert export_entities(db) == before  # nothing changed, not even the good first row


def test_renaming_an_entry_marks_its_articles_for_reindex(db):
    seed(db, SEED, entity_key)
    add_article(db, "a1", "ترمب")
    link(db, "a1", [("ترمب", "PER")])
    with db.session() as s:
        before = s.get(Article, "a1").updated_at
    rows = export_entities(db)
    trump = next(r for r in rows if r["name"] == "دونالد ترامب")
    import_entities(db, [dict(trump, name="دونالد جون ترامب")], entity_key)
    with db.session() as s:
        assert s.get(Article, "a1").updated_at > before
    assert get_article(db, "a1")["entities"][0]["name"] == "دونالد جون ترامب"


# -- a killed and re-run ingest links like a clean one (issue 17, item 8) ----------------------
RUN = [("a1", "قالت كامالا هاريس"), ("a2", "وقالت هاريس"), ("a3", "وقال جون هاريس"), ("a4", "ورد هاريس")]


def linked(db):
    """Per article: (entry name, kind, mentions), independent of the ids a run happened to use."""
    from sqlalchemy import select

    from archive.models import ArticleEntity, Entity
    with db.session() as s:
        rows = s.execute(select(ArticleEntity.article_id, Entity.name, Entity.kind, ArticleEntity.mentions)
                         .join(Entity, Entity.id == ArticleEntity.entity_id))
        return sorted(map(tuple, rows))


def ingest_lines(db, tmp_path, lines, name):
    from archive.ingest import ingest
    path = tmp_path / name
    path.write_text("".join(json.dumps({"id": aid, "title": "خبر", "body": body, "date": "2020-01-01"},
                                       ensure_ascii=False) + "\n" for aid, body in lines), encoding="utf-8")
    names = [("كامالا هاريس", "PER"), ("جون هاريس", "PER"), ("هاريس", "PER")]
    # A new linker per run, as a new process has: nothing but the database carries over.
    linker = EntityLinker(fake_extract(names), entity_key, display_name)
    ingest(db, [path], on_stored=linker)


def test_a_re_run_after_a_kill_links_exactly_like_a_clean_run(db, tmp_path):
    from archive.db import Database
    clean = Database(f"sqlite:///{tmp_path / 'clean.sqlite3'}")
    clean.upgrade()
    ingest_lines(clean, tmp_path, RUN, "all.jsonl")
    # The killed run stored the first three articles; the re-run reads the whole file again.
    ingest_lines(db, tmp_path, RUN[:3], "part.jsonl")
    ingest_lines(db, tmp_path, RUN, "all.jsonl")
    assert linked(db) == linked(clean)


def test_a_batch_creates_its_new_entries_together_in_the_order_they_are_met(db):
    from sqlalchemy import event
    seed(db, SEED, entity_key)
    add_article(db, "b1", "قال ترمب إن جو بايدن وبايدن و كامالا هاريس")
    add_article(db, "b2", "هاريس وبايدن في نيروبي")
    mentions = [("ترمب", "PER"), ("بايدن", "PER"), ("جو بايدن", "PER"), ("كامالا هاريس", "PER"),
                ("هاريس", "PER"), ("نيروبي", "LOC")]
    inserts = []

    def count(conn, statement, *args):
        if getattr(statement, "is_insert", False) and statement.table.name.startswith("entit"):
            inserts.append(statement.table.name)

    event.listen(db.engine, "before_execute", count)
    try:
        linker = EntityLinker(fake_extract(mentions), entity_key, display_name)
        with db.session() as s:
            linker(s, [s.get(Article, "b1"), s.get(Article, "b2")])
    finally:
        event.remove(db.engine, "before_execute", count)
    # One statement for the new entries of the batch and one for their aliases, not one per name
    # (SQLite runs the first row by row, under one compiled statement).
    assert inserts == ["entities", "entity_aliases"]
    b1 = {e["name"] for e in get_article(db, "b1")["entities"]}
    b2 = {e["name"] for e in get_article(db, "b2")["entities"]}
    # Keys as met: the longest mention of an article first, so جو بايدن is named before بايدن.
    assert b1 == {"دونالد ترامب", "جو بايدن", "بايدن", "كامالا هاريس", "هاريس"}
    assert b2 == {"بايدن", "هاريس", "نيروبي"}
    ids = {e["name"]: e["id"] for a in ("b1", "b2") for e in get_article(db, a)["entities"]}
    order = sorted(["جو بايدن", "كامالا هاريس", "بايدن", "هاريس", "نيروبي"], key=lambda n: int(ids[n][1:]))
    assert order[:2] == ["جو بايدن", "كامالا هاريس"] and order[-1] == "نيروبي"


def test_re_extraction_makes_the_aliases_keys_again_after_the_key_function_changed(db):
    """An archive keyed by an older release (which read فورد as ف + ورد and كشمير as ك + شمير):
    its mentions would make new provisional entries; reextract first gives every alias the key
    made now, so they link to their own entries; a second run does nothing more."""
    from sqlalchemy import select

    from archive.authority import reextract
    from archive.models import EntityAlias

    old = {"فورد": "ورد", "كشمير": "شمير"}
    seed(db, [("فورد", "org", ["فورد"]), ("كشمير", "place", ["كشمير"])], lambda t: old.get(t) or entity_key(t))
    add_article(db, "r1", "مصنع فورد في كشمير")
    linker = EntityLinker(fake_extract([("فورد", "ORG"), ("كشمير", "LOC")]), entity_key, display_name)
    result = reextract(db, linker)
    assert result["articles"] == 1 and result["aliases_rekeyed"] == 2 and result["alias_conflicts"] == []
    with db.session() as s:
        assert dict(s.execute(select(EntityAlias.alias, EntityAlias.key)).all()) == {"فورد": "فورد", "كشمير": "كشمير"}
    entries = {e["name"]: e["id"] for e in get_article(db, "r1")["entities"]}
    assert set(entries) == {"فورد", "كشمير"}
    assert not any(entity_info(db, eid)["provisional"] for eid in entries.values())
    again = reextract(db, linker)
    assert again == {"articles": 1, "changed": 0, "aliases_rekeyed": 0, "alias_conflicts": []}


def test_a_spelling_two_entries_now_share_keeps_its_old_key_and_is_reported(db):
    from sqlalchemy import select

    from archive.authority.entries import rekey_aliases
    from archive.models import EntityAlias

    seed(db, [("كشمير", "place", ["كشمير"]), ("شمير", "place", ["شمير"])],
         lambda t: {"كشمير": "old"}.get(t) or entity_key(t))
    with db.session() as s:
        # كشمير wants "كشمير" (free), شمير holds "شمير" already: one move, no conflict.
        assert rekey_aliases(s, entity_key) == {"rekeyed": 1, "conflicts": []}
    with db.session() as s:
        # Now a key function that makes both spellings one key: the holder keeps it.
        result = rekey_aliases(s, lambda t: "شمير")
        kashmir = s.scalar(select(EntityAlias.entity_id).where(EntityAlias.alias == "كشمير"))
        other = s.scalar(select(EntityAlias.entity_id).where(EntityAlias.alias == "شمير"))
    assert result == {"rekeyed": 0, "conflicts": [{"alias": "كشمير", "entry": f"e{kashmir}", "other": f"e{other}"}]}
