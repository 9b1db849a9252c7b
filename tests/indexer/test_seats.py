"""A hamza seat typed as ي or و (issue 18): the word is found and ranks as if typed with its
hamza, on each engine path (tests/solr/test_seats_solr.py runs these tests against Solr)."""
from __future__ import annotations

import json

import pytest

from archive.db import Database
from archive.ingest import ingest
from archive.store import iter_articles
from indexer.build import full_rebuild
from indexer.search import SearchRequest, SearchService

ARTICLES = [
    # رئيسها "its president" once; s-2 has other forms of the same stem (الرئيس) more often
    ("s-1", "المنظمة تعلن استقالة رئيسها", "أعلنت المنظمة الدولية استقالة رئيسها بعد عامين في المنصب."),
    ("s-2", "الرئيس يزور المنظمة", "زار الرئيس مقر المنظمة الدولية، والتقى الرئيس بالموظفين."),
    # مقرئ "a reciter", once; مقري "the two headquarters of" and مقر are words of their own
    ("s-3", "مقرئ إندونيسي يفوز بمسابقة التلاوة", "فاز مقرئ إندونيسي بالمركز الأول في مسابقة دولية للتلاوة."),
    ("s-4", "الحزب ينقل مقري الإدارة والإعلام", "نقل الحزب مقري الإدارة والإعلام إلى العاصمة."),
    ("s-5", "افتتاح مقر جديد للبلدية", "افتتحت البلدية مقرا جديدا في وسط المدينة."),
]


def build(tmp_path_factory, name):
    """An archive of ARTICLES (its database and the jsonl file it came from)."""
    root = tmp_path_factory.mktemp(name)
    source = root / "seats.jsonl"
    source.write_text("".join(json.dumps({"id": i, "title": t, "body": b, "date": "2019-05-01T10:00:00+03:00",
                                          "section": "culture", "source": "Test"}, ensure_ascii=False) + "\n"
                              for i, t, b in ARTICLES), encoding="utf-8")
    db = Database(f"sqlite:///{root / 'archive.sqlite3'}")
    db.upgrade()
    ingest(db, [source])
    return root, db


@pytest.fixture(scope="module", params=["numpy", "whoosh"])
def service(request, tmp_path_factory):
    root, db = build(tmp_path_factory, "seats")
    full_rebuild(iter_articles(db), str(root / "index"))
    svc = SearchService(str(root / "index"), cache_size=0, fast=request.param == "numpy")
    yield svc
    svc.close()
    db.dispose()


def search(service, q):
    return service.search(SearchRequest(query=q, per_page=10))


def test_a_seat_the_stemmer_reads_ranks_as_the_hamza_spelling(service):
    # رييسها and رئيسها have one stem, so both match s-1 and s-2; the archive writes رئيسها, so
    # it is the typed word's spelling too, and s-1 ranks first as for the word typed with ئ
    meant = [h.id for h in search(service, "رئيسها").hits]
    typed = search(service, "رييسها")
    assert meant == ["s-1", "s-2"]
    assert [h.id for h in typed.hits] == meant and typed.hits[0].score > typed.hits[1].score
    assert not typed.notices


def test_a_query_that_finds_nothing_as_typed_reads_the_seats(service):
    # مقري is a word of the archive's own (s-4), never beside التلاوة: read as مقرئ, s-3
    r = search(service, "مقري التلاوة")
    assert [h.id for h in r.hits] == ["s-3"] and r.total == 1
    assert any("hamza" in str(n) for n in r.notices)
    assert "<mark>مقرئ</mark>" in r.hits[0].title_html


def test_a_query_that_finds_something_keeps_its_words_as_typed(service):
    r = search(service, "مقري الحزب")
    assert [h.id for h in r.hits] == ["s-4"] and not r.notices
    alone = search(service, "مقري")                      # its own stem, مقر: s-2, s-4, s-5
    assert sorted(h.id for h in alone.hits) == ["s-2", "s-4", "s-5"] and not alone.notices
    nothing = search(service, "مقري الشتاء")              # no seat reading finds it either
    assert nothing.total == 0 and not nothing.notices
