"""Rate-limit counters in a small SQLite file of the instance folder, shared by every worker
process of ``arshif serve`` (``memory://`` counts per process: with two workers the sign-in
lockout allowed twice the documented failures). A storage for the ``limits`` library that
Flask-Limiter and the sign-in limiter use: ``arshif+sqlite:///path/to/ratelimits.sqlite3``."""
from __future__ import annotations

import os
import sqlite3
import threading
import time
from contextlib import contextmanager
from typing import Iterator
from urllib.parse import quote, unquote, urlsplit

from limits.storage import MovingWindowSupport, Storage

SCHEME = "arshif+sqlite"
FILE_NAME = "ratelimits.sqlite3"

SCHEMA = """
CREATE TABLE IF NOT EXISTS counters (key TEXT PRIMARY KEY, value INTEGER NOT NULL, expires REAL NOT NULL);
CREATE INDEX IF NOT EXISTS counters_expires ON counters (expires);
CREATE TABLE IF NOT EXISTS events (key TEXT NOT NULL, at REAL NOT NULL, expires REAL NOT NULL);
CREATE INDEX IF NOT EXISTS events_key_at ON events (key, at);
CREATE INDEX IF NOT EXISTS events_expires ON events (expires);
"""


def file_uri(instance_path: str) -> str:
    return f"{SCHEME}://{quote(os.path.join(os.path.abspath(instance_path), FILE_NAME))}"


class SQLiteFileStorage(Storage, MovingWindowSupport):
    """Fixed-window counters (Flask-Limiter's default strategy) and moving-window entries (the
    sign-in limiter), each change one short write transaction that other processes wait for."""

    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri: str, wrap_exceptions: bool = False, **options):
        self.path = unquote(urlsplit(uri).path)
        self._lock = threading.Lock()
        self._opened: sqlite3.Connection | None = None
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    @property
    def _conn(self) -> sqlite3.Connection:
        """Opened on first use (in the worker process, after gunicorn forks; never by a CLI
        command that counts nothing)."""
        if self._opened is None:
            os.makedirs(os.path.dirname(self.path), exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=5, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=OFF")  # counters, not records: a few lost in a crash are fine
            conn.executescript(SCHEMA)
            self._opened = conn
        return self._opened

    @property
    def base_exceptions(self):
        return sqlite3.Error

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken before reading (BEGIN IMMEDIATE), so that two workers
        counting the same key never both see the old value."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    # -- fixed window -----------------------------------------------------------------------
    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        now = time.time()
        with self._write() as conn:
            row = conn.execute("SELECT value FROM counters WHERE key = ? AND expires > ?", (key, now)).fetchone()
            if row is None:
                conn.execute("DELETE FROM counters WHERE expires <= ?", (now,))  # this key's and others' past windows
                conn.execute("INSERT INTO counters (key, value, expires) VALUES (?, ?, ?)", (key, amount, now + expiry))
                return amount
            conn.execute("UPDATE counters SET value = value + ? WHERE key = ?", (amount, key))
            return row[0] + amount

    def get(self, key: str) -> int:
        with self._lock:
            row = self._conn.execute("SELECT value FROM counters WHERE key = ? AND expires > ?",
                                     (key, time.time())).fetchone()
        return row[0] if row else 0

    def get_expiry(self, key: str) -> float:
        now = time.time()
        with self._lock:
            row = self._conn.execute("SELECT expires FROM counters WHERE key = ? AND expires > ?",
                                     (key, now)).fetchone()
        return row[0] if row else now

    # -- moving window ----------------------------------------------------------------------
    def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        if amount > limit:
            return False
        now = time.time()
        with self._write() as conn:
            (count,) = conn.execute("SELECT count(*) FROM events WHERE key = ? AND at > ?",
                                    (key, now - expiry)).fetchone()
            if count == 0:
                conn.execute("DELETE FROM events WHERE expires <= ?", (now,))
            if count + amount > limit:
                return False
            conn.executemany("INSERT INTO events (key, at, expires) VALUES (?, ?, ?)",
                             [(key, now, now + expiry)] * amount)
            return True

    def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        now = time.time()
        with self._lock:
            oldest, count = self._conn.execute("SELECT min(at), count(*) FROM events WHERE key = ? AND at > ?",
                                               (key, now - expiry)).fetchone()
        return (oldest, count) if count else (now, 0)

    # -- housekeeping -----------------------------------------------------------------------
    def clear(self, key: str) -> None:
        with self._write() as conn:
            conn.execute("DELETE FROM counters WHERE key = ?", (key,))
            conn.execute("DELETE FROM events WHERE key = ?", (key,))

    def check(self) -> bool:
        try:
            with self._lock:
                self._conn.execute("SELECT 1").fetchone()
            return True
        except sqlite3.Error:
            return False

    def reset(self) -> int | None:
        with self._write() as conn:
            removed = conn.execute("DELETE FROM counters").rowcount + conn.execute("DELETE FROM events").rowcount
        return removed
