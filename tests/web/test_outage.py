"""A database that is locked or hung: searches still answer from the index, /healthz answers at
once with the database's state, pages that need the database say 503 with a message (in Arabic
and English), and signed-in librarians stay signed in (503, not the sign-in page)."""
from __future__ import annotations

import json
import sqlite3
import time
from contextlib import contextmanager

import pytest

from tests.conftest import FIXTURES, build_instance
from tests.web.server import Client, serve
from tests.web.test_admin import PASSWORD, sign_in

QUERY = "/api/v1/search?q=%D8%A7%D9%84%D9%85%D9%86%D8%AA%D8%AE%D8%A8"  # المنتخب
MESSAGE_EN = "The archive database is not answering just now"
MESSAGE_AR = "قاعدة بيانات الأرشيف لا تستجيب الآن"


@contextmanager
def sqlite_locked(app):
    """Another process's exclusive lock on the SQLite file: nobody else can even read it."""
    app.extensions["arshif.db"].dispose()  # the app's pooled connections would keep the file open
    holder = sqlite3.connect(app.extensions["arshif.db"].engine.url.database, isolation_level=None)
    holder.execute("PRAGMA locking_mode=EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("CREATE TABLE outage_probe (x)")  # a write takes the lock
    try:
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()


@pytest.fixture
def outage_app(tmp_path):
    app = build_instance(tmp_path / "instance", FIXTURES / "news.jsonl", RATELIMIT_ENABLED=False,
                         PROPAGATE_EXCEPTIONS=False, DATABASE_REQUEST_TIMEOUT=0.2, HEALTH_DATABASE_TIMEOUT=0.5)
    r = app.test_cli_runner().invoke(args=["user", "add", "mona", "--role", "admin", "--password-stdin"],
                                     input=PASSWORD + "\n")
    assert r.exit_code == 0
    return app


def test_a_locked_sqlite_database_leaves_search_up_and_says_503_elsewhere(outage_app):
    client = outage_app.test_client()
    sign_in(client)
    assert client.get("/healthz").get_json()["status"] == "ok"
    entity = client.get("/api/v1/articles/t-001").get_json()["entities"][0]["id"]
    with sqlite_locked(outage_app):
        r = client.get(QUERY)
        assert r.status_code == 200 and r.get_json()["total"] >= 1
        assert client.get("/search?q=المنتخب").status_code == 200
        health = client.get("/healthz")
        assert health.status_code == 200
        assert health.get_json() == {"status": "degraded", "database": "unavailable", "articles": 6,
                                     "indexed": 6, "generation": health.get_json()["generation"]}
        for path in ("/article/t-001", f"/entity/{entity}", "/admin/", "/admin/users"):
            r = client.get(path)
            assert r.status_code == 503, path  # not 500, not the sign-in page
            page = r.get_data(as_text=True)
            assert MESSAGE_EN in page and MESSAGE_AR in page, path
        for path in ("/api/v1/articles/t-001", "/search.atom?q=المنتخب", "/admin/api/status"):
            r = client.get(path)
            assert r.status_code == 503 and MESSAGE_EN in r.get_json()["error"], path
    # the database is back: everything answers, and the librarian is still signed in
    assert client.get("/article/t-001").status_code == 200
    assert client.get("/admin/").status_code == 200
    assert client.get("/healthz").get_json()["status"] == "ok"


@pytest.mark.postgres
def test_tables_locked_under_a_running_server_postgres(tmp_path, pg_server_url):
    """The attack of issue 17: ACCESS EXCLUSIVE locks on the tables from another connection
    while a 2-worker `arshif serve` answers searches and /healthz."""
    import psycopg

    from tests.conftest import _reset_pg

    _reset_pg(pg_server_url)
    instance = tmp_path / "instance"
    build_instance(instance, FIXTURES / "news.jsonl", DATABASE_URL=pg_server_url)
    config = {"RATELIMIT_ENABLED": False, "DATABASE_REQUEST_TIMEOUT": 1.0}
    with serve(str(instance), config=config, DATABASE_URL=pg_server_url) as base:
        client = Client(base)
        assert json.loads(client.request("/healthz")[2])["status"] == "ok"
        holder = psycopg.connect(pg_server_url)
        try:
            tables = [t for (t,) in holder.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
            holder.execute("LOCK TABLE " + ", ".join(f'"{t}"' for t in tables) + " IN ACCESS EXCLUSIVE MODE")
            searches = [client.request(QUERY)[0] for _ in range(8)]
            started = time.monotonic()
            status, _, body = client.request("/healthz", timeout=10)
            waited = time.monotonic() - started
            article = client.request("/article/t-001")
        finally:
            holder.rollback()
            holder.close()
        assert searches == [200] * 8
        assert status == 200 and json.loads(body)["database"] == "unavailable", (status, body, waited)
        assert article[0] == 503 and MESSAGE_AR in article[2]
        assert json.loads(client.request("/healthz")[2])["status"] == "ok"


@pytest.mark.postgres
def test_a_frozen_postgres_server_under_a_running_server(tmp_path, pg_server_url):
    """The server does not refuse, it stops answering (SIGSTOP: what a hung host or a network
    black hole looks like). Pages that need the database answer 503 instead of hanging a worker,
    searches still answer, and everything is back when the server resumes."""
    import os
    import signal
    from pathlib import Path

    import psycopg

    from tests.conftest import _reset_pg, skip_or_fail

    _reset_pg(pg_server_url)
    probe = psycopg.connect(pg_server_url, autocommit=True)
    try:
        data_dir = probe.execute("SELECT current_setting('data_directory')").fetchone()[0]
        postmaster = int(Path(data_dir, "postmaster.pid").read_text().split()[0])
        os.kill(postmaster, 0)
    except Exception as exc:  # a server elsewhere (ARSHIF_TEST_DATABASE_URL) cannot be frozen from here
        probe.close()
        skip_or_fail(f"cannot signal the PostgreSQL server's processes: {exc}")
    instance = tmp_path / "instance"
    build_instance(instance, FIXTURES / "news.jsonl", DATABASE_URL=pg_server_url)
    config = {"RATELIMIT_ENABLED": False, "DATABASE_REQUEST_TIMEOUT": 1.0, "HEALTH_DATABASE_TIMEOUT": 0.5}
    with serve(str(instance), config=config, DATABASE_URL=pg_server_url) as base:
        client = Client(base)
        for _ in range(4):  # both workers hold pooled connections to the server
            assert client.request("/article/t-001")[0] == 200
        backends = [pid for (pid,) in probe.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")]
        frozen = [postmaster, *backends]
        for pid in frozen:
            os.kill(pid, signal.SIGSTOP)
        try:
            articles = [client.request("/article/t-001", timeout=60) for _ in range(3)]
            searches = [client.request(QUERY, timeout=60)[0] for _ in range(4)]
            health = client.request("/healthz", timeout=60)
        finally:
            for pid in frozen:
                os.kill(pid, signal.SIGCONT)
        assert [a[0] for a in articles] == [503] * 3 and MESSAGE_AR in articles[0][2]
        assert searches == [200] * 4
        assert health[0] == 200 and json.loads(health[2])["database"] == "unavailable"
        deadline = time.monotonic() + 30
        while client.request("/article/t-001")[0] != 200 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert client.request("/article/t-001")[0] == 200
    probe.close()
