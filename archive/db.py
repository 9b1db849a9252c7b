"""Connection set-up for the archive database, and schema upgrades through Alembic.

SQLite in the instance folder is the default; ``DATABASE_URL`` names another database
(PostgreSQL through psycopg 3). The same code and migrations serve both.

How long a caller waits on the database is part of the set-up (``Timeouts``): web requests wait
seconds at most, so that a locked or hung database answers "unavailable" instead of hanging a
worker; ingest and reindex (``BATCH``) wait as long as a busy database needs.

A PostgreSQL server that stops answering altogether (frozen, suspended, a network path that
swallows packets) never reaches its own ``statement_timeout``, and libpq has no client-side
limit: for web timeouts a ``_StallGuard`` shuts a connection's socket down when one round trip
outlasts the limit, so the request fails as "connection lost" (a 503) instead of hanging.
"""
from __future__ import annotations

import heapq
import itertools
import math
import os
import socket
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, TypeVar

from sqlalchemy import create_engine, event, exc as sa_exc, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

T = TypeVar("T")

MIGRATIONS = Path(__file__).parent / "migrations"


def sqlite_url(instance_path: str | os.PathLike) -> str:
    return "sqlite:///" + str(Path(instance_path) / "archive.sqlite3")


def normalise_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs that name no driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


class DatabaseUnavailable(Exception):
    """The archive database did not answer: down, locked by another connection, or past the
    caller's time limit. Pages that need it answer 503; search, which does not, goes on."""


def unavailable(error: BaseException) -> bool:
    """Whether ``error`` means the database could not be reached or did not answer in time
    (connection refused or lost, a lock or statement timeout, "database is locked"), as opposed
    to a mistake in a query or a schema not set up yet."""
    if isinstance(error, (DatabaseUnavailable, sa_exc.TimeoutError)):  # TimeoutError: no pooled connection
        return True
    if isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated:
        return True
    # PostgreSQL: connection failures, QueryCanceled (statement_timeout) and LockNotAvailable
    # (lock_timeout) are all OperationalError; SQLite says "no such table" with it too.
    return isinstance(error, sa_exc.OperationalError) and "no such table" not in str(error.orig)


@dataclass(frozen=True)
class Timeouts:
    """How long one caller waits on the database, in seconds."""
    connect: float  # to open a connection (PostgreSQL; libpq counts whole seconds, at least 2)
    statement: float | None  # one statement or lock wait (PostgreSQL); None: no limit
    busy: float  # SQLite: waiting for another connection's lock before "database is locked"


# Ingest, reindex, migrations: a busy database is waited for.
BATCH = Timeouts(connect=10, statement=None, busy=30)


def _sqlite_pragmas(busy: float):
    def on_connect(dbapi_connection, _record) -> None:
        cur = dbapi_connection.cursor()
        # WAL lets web workers read while an ingest writes; foreign keys are off by default in SQLite.
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={int(busy * 1000)}")
        cur.close()
    return on_connect


class _StallGuard:
    """Ends PostgreSQL round trips that outlast ``limit`` seconds from the client side.

    One daemon thread keeps the deadlines of the statements under way; a statement that finishes
    removes its own. When a deadline passes, the connection's socket is shut down (through a
    duplicate of libpq's descriptor, which stays libpq's to close): the blocked read returns at
    once with an error, SQLAlchemy sees a lost connection and discards it from the pool.
    """

    def __init__(self, limit: float):
        self.limit = limit
        self._lock = threading.Condition()
        self._heap: list[tuple[float, int]] = []
        self._sockets: dict[int, int] = {}  # token -> socket descriptor
        self._tokens = itertools.count()
        self._thread: threading.Thread | None = None
        self.fired = 0  # how many round trips were cut (for tests and logs)

    def arm(self, dbapi_connection) -> int | None:
        try:
            fd = dbapi_connection.pgconn.socket
        except Exception:  # not a psycopg connection, or already closed
            return None
        token = next(self._tokens)
        with self._lock:
            self._sockets[token] = fd
            heapq.heappush(self._heap, (time.monotonic() + self.limit, token))
            if self._thread is None:
                self._thread = threading.Thread(target=self._watch, name="db-stall-guard", daemon=True)
                self._thread.start()
            self._lock.notify()
        return token

    def disarm(self, token: int | None) -> None:
        if token is not None:
            with self._lock:
                self._sockets.pop(token, None)

    def _watch(self) -> None:
        with self._lock:
            while True:
                while self._heap and self._heap[0][1] not in self._sockets:
                    heapq.heappop(self._heap)  # finished in time
                if not self._heap:
                    self._lock.wait()
                    continue
                deadline, token = self._heap[0]
                wait = deadline - time.monotonic()
                if wait > 0:
                    self._lock.wait(wait)
                    continue
                heapq.heappop(self._heap)
                self._cut(self._sockets.pop(token))

    def _cut(self, fd: int) -> None:
        self.fired += 1
        try:
            dup = socket.socket(fileno=os.dup(fd))
        except OSError:
            return
        try:
            dup.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        finally:
            dup.close()

    def watch(self, engine: Engine) -> None:
        """Guard every statement of ``engine``, and check a pooled connection before handing it
        out (SQLAlchemy's own pre-ping would wait on a frozen server without limit)."""
        def before(conn, cursor, statement, parameters, context, executemany):
            conn.info["stall_guard"] = self.arm(conn.connection.dbapi_connection)

        def after(conn, *args):
            self.disarm(conn.info.pop("stall_guard", None))

        def failed(context):
            conn = context.connection
            if conn is not None:
                self.disarm(conn.info.pop("stall_guard", None))

        def checkout(dbapi_connection, record, proxy):
            token = self.arm(dbapi_connection)
            try:
                cursor = dbapi_connection.cursor()
                cursor.execute("SELECT 1")
                cursor.close()
            except Exception as error:
                raise sa_exc.DisconnectionError(f"pooled connection did not answer: {error}") from error
            finally:
                self.disarm(token)

        event.listen(engine, "before_cursor_execute", before)
        event.listen(engine, "after_cursor_execute", after)
        event.listen(engine, "handle_error", failed)
        event.listen(engine, "checkout", checkout)


class Database:
    """An engine and a session factory for one archive database."""

    def __init__(self, url: str, timeouts: Timeouts = BATCH):
        self.url = normalise_url(url)
        self.timeouts = timeouts
        kwargs: dict = {"pool_timeout": timeouts.statement or 30}
        if self.url.startswith("sqlite"):
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": timeouts.busy}
        else:
            # Web timeouts check pooled connections through the stall guard instead (below).
            kwargs["pool_pre_ping"] = not timeouts.statement
            connect_args: dict = {"connect_timeout": max(2, math.ceil(timeouts.connect))}
            if timeouts.statement:
                ms = int(timeouts.statement * 1000)
                # Set when the connection opens: no extra round trip per request.
                connect_args["options"] = f"-c statement_timeout={ms} -c lock_timeout={ms}"
            kwargs["connect_args"] = connect_args
        self.engine: Engine = create_engine(self.url, **kwargs)
        self.stall_guard: _StallGuard | None = None
        if self.url.startswith("sqlite"):
            event.listen(self.engine, "connect", _sqlite_pragmas(timeouts.busy))
        elif timeouts.statement:
            # The server's own statement_timeout ends a slow statement first; this is for a
            # server that does not answer at all.
            self.stall_guard = _StallGuard(timeouts.statement * 2 + 1)
            self.stall_guard.watch(self.engine)
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)
        self._batch: Database | None = None
        self._waiting: dict[str, threading.Lock] = {}

    def batch(self) -> Database:
        """The same database with BATCH timeouts, for long work started from here (the CLI)."""
        if self.timeouts == BATCH:
            return self
        if self._batch is None:
            self._batch = Database(self.url, BATCH)
        return self._batch

    def within(self, seconds: float, read: Callable[[Database], T], name: str = "") -> T:
        """``read(self)`` answered within ``seconds``, else DatabaseUnavailable (a hung server
        can stall even the connect). The read goes on in its thread until the database's own
        timeouts end it; meanwhile further calls of the same ``name`` fail at once rather than
        pile up threads."""
        lock = self._waiting.setdefault(name, threading.Lock())
        if not lock.acquire(blocking=False):
            raise DatabaseUnavailable(f"the archive database has not answered an earlier {name or 'read'}")
        outcome: dict = {}
        done = threading.Event()

        def run() -> None:
            try:
                outcome["value"] = read(self)
            except BaseException as error:  # handed to the caller below
                outcome["error"] = error
            finally:
                done.set()
                lock.release()

        threading.Thread(target=run, name=f"db-{name or 'read'}", daemon=True).start()
        if not done.wait(seconds):
            raise DatabaseUnavailable(f"the archive database did not answer within {seconds:g} s")
        if "error" in outcome:
            raise outcome["error"]
        return outcome["value"]

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits on success and rolls back on error."""
        s = self.sessionmaker()
        try:
            yield s
            s.commit()
        except BaseException:
            try:
                s.rollback()
            except sa_exc.DBAPIError as error:  # the connection is gone: the first error says why
                if not unavailable(error):
                    raise
            raise
        finally:
            s.close()

    def upgrade(self) -> None:
        """Create or upgrade the schema to the newest migration (safe to repeat)."""
        from alembic import command
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        engine = self._sqlite_migration_engine() if self.url.startswith("sqlite") else self.engine
        try:
            with engine.begin() as conn:
                cfg.attributes["connection"] = conn
                # "heads": independent branches (e.g. accounts beside archive tables) all apply.
                command.upgrade(cfg, "heads")
                if engine is not self.engine:
                    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
                    if broken:  # rolled back: the archive stays as it was
                        raise RuntimeError(f"the schema upgrade would break links between tables: {broken[:5]}")
        finally:
            if engine is not self.engine:
                engine.dispose()

    def _sqlite_migration_engine(self) -> Engine:
        """A connection of its own for SQLite schema upgrades. SQLite alters a table by rebuilding
        it (Alembic's batch mode: copy, drop, rename), which the everyday set-up gets wrong twice:
        with foreign keys on, dropping a table that others reference fails, or (ON DELETE
        CASCADE) empties the referencing table; and Python's sqlite3 commits each DDL statement
        as it goes, so a failed upgrade would leave half a rebuild behind. Here foreign keys are
        off, the whole upgrade is one explicit transaction, and every link is checked before it
        commits."""
        engine = create_engine(self.url, poolclass=NullPool, connect_args={"timeout": self.timeouts.busy})

        @event.listens_for(engine, "connect")
        def _connect(dbapi_connection, _record) -> None:
            dbapi_connection.isolation_level = None  # no implicit BEGIN/COMMIT by the driver
            dbapi_connection.execute("PRAGMA foreign_keys=OFF")  # outside any transaction: takes effect
            dbapi_connection.execute(f"PRAGMA busy_timeout={int(self.timeouts.busy * 1000)}")

        @event.listens_for(engine, "begin")
        def _begin(conn) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine

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
        if self._batch is not None:
            self._batch.dispose()
