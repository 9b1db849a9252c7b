"""Shared fixtures: databases (SQLite and PostgreSQL), temp instances, a small real index."""
from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from archive.db import Database

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures"
SHARED = ROOT.parent / "shared"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
# An existing server to use instead of the throwaway cluster (tests/pgcluster.py) started otherwise.
PG_GIVEN_URL = os.environ.get("ARSHIF_TEST_DATABASE_URL") or os.environ.get("ARSHIF_TEST_PG")


def skip_or_fail(reason: str):
    """Skip with a stated reason; under CI=true nothing may skip, so fail instead."""
    if IN_CI:
        pytest.fail(f"required under CI=true: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def crfsuite():
    """python-crfsuite, for the tests that train a CRF or compare indexer/crf_tagger.py with it: the
    train-crf extra, which `make test` installs and `make run` does not."""
    try:
        import pycrfsuite
    except ImportError:
        skip_or_fail("python-crfsuite is not installed (the train-crf extra: pip install -e '.[train-crf]')")
    return pycrfsuite


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not (SHARED / "corpus" / "news.jsonl.gz").exists():
        skip_or_fail(f"the shared corpus is not at {SHARED} (it is present in CI)")
    return SHARED


@pytest.fixture(scope="session")
def pg_admin_url():
    """A PostgreSQL server for this run: ``ARSHIF_TEST_DATABASE_URL`` when given, else a throwaway
    cluster started from Debian's programs and removed at the end."""
    if PG_GIVEN_URL:
        yield PG_GIVEN_URL
        return
    from tests.pgcluster import ClusterUnavailable, ThrowawayCluster

    cluster = ThrowawayCluster()
    try:
        url = cluster.start()
    except ClusterUnavailable as exc:
        skip_or_fail(f"no PostgreSQL for the tests: {exc}")
    try:
        yield url
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def pg_server_url(pg_admin_url):
    """A uniquely named PostgreSQL database for this test run, dropped afterwards. When the given
    server refuses CREATE DATABASE, the given database itself is used (its schema is reset per test)."""
    try:
        import psycopg
    except ImportError:
        skip_or_fail("psycopg is not installed (pip install -e '.[test]')")
    try:
        admin = psycopg.connect(pg_admin_url, autocommit=True, connect_timeout=5)
    except Exception as exc:
        skip_or_fail(f"cannot connect to PostgreSQL at {pg_admin_url}: {exc}")
    name = f"arshif_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    try:
        admin.execute(f'CREATE DATABASE "{name}" ENCODING \'UTF8\' TEMPLATE template0')
    except psycopg.errors.InsufficientPrivilege:
        admin.close()
        yield pg_admin_url
        return
    base = pg_admin_url.split("?", 1)[0].rsplit("/", 1)[0]
    query = "?" + pg_admin_url.split("?", 1)[1] if "?" in pg_admin_url else ""
    try:
        yield f"{base}/{name}{query}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def _reset_pg(url: str) -> None:
    db = Database(url)
    with db.engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
    db.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request, tmp_path) -> str:
    """An empty database URL on each backend (tests using it run twice)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    url = request.getfixturevalue("pg_server_url")
    _reset_pg(url)
    return url


@pytest.fixture
def db(db_url) -> Database:
    database = Database(db_url)
    database.upgrade()
    yield database
    database.dispose()


def make_app(instance: Path, **config):
    from web import create_app

    instance.mkdir(parents=True, exist_ok=True)
    # Tests check answers and counts, not speed: on a loaded machine the default time boxes (2 s search,
    # 1 s facets) would cut them short at random. Tests of the time boxes set their own limits.
    limits = {"SEARCH_TIME_LIMIT": 60.0, "FACET_TIME_LIMIT": 60.0, "AUTHORITY_TIMEOUT": 60.0}
    return create_app({"INSTANCE_PATH": str(instance), "TESTING": True, "SECRET_KEY": "test", **limits, **config})


def build_instance(instance: Path, *paths: Path, **config):
    """An app on a temp instance with ``paths`` ingested and indexed (through the CLI)."""
    app = make_app(instance, **config)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["init"])
    assert result.exit_code == 0, result.output
    if paths:
        result = runner.invoke(args=["ingest", *map(str, paths), "--json", "--no-reindex"])  # a full one next
        assert result.exit_code == 0, result.output
        result = runner.invoke(args=["reindex", "--full", "--json"])
        assert result.exit_code == 0, result.output
    return app


@pytest.fixture(scope="session")
def news_app(tmp_path_factory):
    """An app whose archive holds tests/fixtures/news.jsonl, indexed. Read-only: do not ingest."""
    return build_instance(tmp_path_factory.mktemp("news") / "instance", FIXTURES / "news.jsonl")


@pytest.fixture
def client(news_app):
    return news_app.test_client()
