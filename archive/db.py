"""Connection set-up for the archive database, and schema upgrades through Alembic.

SQLite in the instance folder is the default; ``DATABASE_URL`` names another database
(PostgreSQL through psycopg 3). The same code and migrations serve both.
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import create_engine, event, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).parent / "migrations"


def sqlite_url(instance_path: str | os.PathLike) -> str:
    return "sqlite:///" + str(Path(instance_path) / "archive.sqlite3")


def normalise_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs that name no driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cur = dbapi_connection.cursor()
    # WAL lets web workers read while an ingest writes; foreign keys are off by default in SQLite.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


class Database:
    """An engine and a session factory for one archive database."""

    def __init__(self, url: str):
        self.url = normalise_url(url)
        kwargs: dict = {}
        if self.url.startswith("sqlite"):
            kwargs["connect_args"] = {"check_same_thread": False}
        else:
            kwargs["pool_pre_ping"] = True
        self.engine: Engine = create_engine(self.url, **kwargs)
        if self.url.startswith("sqlite"):
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits on success and rolls back on error."""
        s = self.sessionmaker()
        try:
            yield s
            s.commit()
        except BaseException:
            s.rollback()
            raise
        finally:
            s.close()

    def upgrade(self) -> None:
        """Create or upgrade the schema to the newest migration (safe to repeat)."""
        from alembic import command
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        with self.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            # "heads": independent branches (e.g. accounts beside archive tables) all apply.
            command.upgrade(cfg, "heads")

    def analyze(self, *tables: str) -> None:
        """Refresh the query planner's statistics after a large change (PostgreSQL plans the
        ingest's lookups with them; SQLite uses its indexes regardless and is left alone)."""
        if self.engine.dialect.name != "postgresql":
            return
        with self.engine.begin() as conn:
            for table in tables:
                conn.exec_driver_sql(f'ANALYZE "{table}"')

    def is_initialised(self) -> bool:
        return inspect(self.engine).has_table("articles")

    def dispose(self) -> None:
        self.engine.dispose()
