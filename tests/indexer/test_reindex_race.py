"""Edits stored while a reindex runs reach the index in the next incremental update, exactly once
(issue 17, item 1), on SQLite and PostgreSQL.

The first test stores 20 edited articles in the middle of `arshif reindex --full` (between two
batches the build reads: half of the edited articles were read before the edit, half after); the
second holds an ingest transaction open while another ingest commits and an incremental reindex
runs, then lets it commit (a transaction that commits after a later one, as PostgreSQL allows)."""
from __future__ import annotations

import json
import threading

import pytest

import web.cli
from archive.ingest import ingest
from archive.store import iter_articles
from indexer.search import SearchRequest, SearchService
from tests.articles import generate, write_jsonl
from tests.conftest import _reset_pg, make_app

ARTICLES = 300
# A word no generated article uses: the edited versions carry it.
MARK = "مستجدات"


def edited(articles: list[dict]) -> list[dict]:
    return [dict(a, body=a["body"] + f" {MARK}.") for a in articles]


def search_ids(app, q: str) -> list[str]:
    service = SearchService(app.config["INDEX_DIR"], cache_size=0)
    try:
        params = {"q": [q], "per_page": ["100"]}
        result = service.search(SearchRequest.from_params(lambda name: params.get(name, [])))
        return [h.id for h in result.hits]
    finally:
        service.close()


def indexed_ids(app) -> list[str]:
    from whoosh import index as whoosh_index

    from indexer.generations import IndexRoot

    ix = whoosh_index.open_dir(str(IndexRoot(app.config["INDEX_DIR"]).current_path()))
    with ix.searcher() as s:
        return [fields["id"] for _, fields in s.reader().iter_docs()]


def reindex(app, *args) -> dict:
    r = app.test_cli_runner().invoke(args=["reindex", *args, "--json"])
    assert r.exit_code == 0, r.output
    return json.loads(r.output)


def instance(tmp_path, db_url, articles):
    app = make_app(tmp_path / "instance", DATABASE_URL=db_url)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["init"]).exit_code == 0
    r = runner.invoke(args=["ingest", str(write_jsonl(tmp_path / "all.jsonl", articles)), "--json", "--no-reindex"])
    assert r.exit_code == 0, r.output
    return app


def test_edits_stored_during_a_full_reindex_are_in_the_next_incremental_update(tmp_path, db_url, monkeypatch):
    articles = generate(ARTICLES, prefix="race")
    app = instance(tmp_path, db_url, articles)
    # Ten articles the build has read before the edit, ten it reads after.
    changes = edited(articles[100:110] + articles[200:210])
    changes_file = write_jsonl(tmp_path / "edits.jsonl", changes)
    stored = []

    def articles_with_an_ingest_between_batches(database, *args, **kwargs):
        for n, article in enumerate(iter_articles(database, *args, batch=50, **kwargs), 1):
            yield article
            if n == 150 and not stored:  # the build holds ids up to race-00149
                stored.append(ingest(database, [str(changes_file)]))

    monkeypatch.setattr(web.cli, "iter_articles", articles_with_an_ingest_between_batches)
    full = reindex(app, "--full")
    monkeypatch.undo()
    assert stored and stored[0].updated == 20
    assert full["articles"] == ARTICLES

    update = reindex(app)
    assert update["articles"] == 20  # every edit stored during the build, none twice
    assert sorted(search_ids(app, MARK)) == sorted(a["id"] for a in changes)
    assert reindex(app)["articles"] == 0  # and not again
    ids = indexed_ids(app)
    assert len(ids) == len(set(ids)) == ARTICLES


@pytest.fixture
def pg_url(pg_server_url):
    _reset_pg(pg_server_url)
    return pg_server_url


@pytest.mark.postgres
def test_an_ingest_that_commits_after_a_later_one_is_not_skipped(tmp_path, pg_url):
    """Only PostgreSQL lets two ingests write at once (SQLite has one writer at a time), so only
    there can the first to start be the last to commit, after a reindex saw the second."""
    articles = generate(40, prefix="late")
    app = instance(tmp_path, pg_url, articles)
    db = app.extensions["arshif.db"]
    reindex(app, "--full")
    slow_file = write_jsonl(tmp_path / "slow.jsonl", edited(articles[:1]))
    quick_file = write_jsonl(tmp_path / "quick.jsonl", edited(articles[1:2]))

    inside, release = threading.Event(), threading.Event()
    outcome = []

    def hold_the_transaction(session, stored):
        inside.set()
        assert release.wait(60)

    def slow_ingest():
        try:
            outcome.append(ingest(db, [str(slow_file)], on_stored=hold_the_transaction))
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            outcome.append(exc)
            inside.set()

    thread = threading.Thread(target=slow_ingest)
    thread.start()
    try:
        assert inside.wait(60)
        assert ingest(db, [str(quick_file)]).updated == 1  # commits first
        assert reindex(app)["articles"] == 1               # sees the quick edit only
    finally:
        release.set()
        thread.join(60)
    assert outcome and not isinstance(outcome[0], BaseException) and outcome[0].updated == 1

    assert reindex(app)["articles"] == 1  # the slow edit, committed last
    assert sorted(search_ids(app, MARK)) == ["late-00000", "late-00001"]
    assert reindex(app)["articles"] == 0


def test_an_index_built_before_change_numbers_is_rebuilt_in_full(tmp_path):
    articles = generate(30, prefix="old")
    app = instance(tmp_path, f"sqlite:///{tmp_path / 'archive.sqlite3'}", articles)
    first = reindex(app, "--full")
    from indexer.generations import IndexRoot

    root = IndexRoot(app.config["INDEX_DIR"])
    meta = root.read_meta(first["generation"])
    del meta["change"]  # as an older Arshif wrote it (a timestamp, no change number)
    meta["changed_until"] = "2026-01-01T00:00:00+00:00"
    root.write_meta(first["generation"], meta)
    again = reindex(app)
    assert again["generation"] != first["generation"] and again["articles"] == 30
    nothing = reindex(app)
    assert (nothing["generation"], nothing["articles"]) == (again["generation"], 0)
