"""A PostgreSQL server that stops answering (frozen, not down) ends a web request's wait from
the client side: libpq has no limit of its own, and the server's statement_timeout never fires."""
from __future__ import annotations

import os
import signal
import threading
from contextlib import contextmanager

import pytest
from sqlalchemy import text

from archive.db import Database, Timeouts, unavailable

pytestmark = pytest.mark.postgres


@contextmanager
def frozen(pids):
    for pid in pids:
        os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        for pid in pids:
            os.kill(pid, signal.SIGCONT)


def _in_thread(call, limit: float = 60):
    """call() run in a thread; (finished, outcome) after at most ``limit`` seconds."""
    outcome: dict = {}

    def run():
        try:
            outcome["value"] = call()
        except BaseException as error:
            outcome["error"] = error

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(limit)
    return not thread.is_alive(), outcome


def test_a_frozen_backend_ends_the_statement_as_unavailable_and_the_pool_recovers(pg_server_url):
    db = Database(pg_server_url, Timeouts(connect=2, statement=0.5, busy=0.5))
    with db.engine.connect() as conn:
        backend = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        with frozen([backend]):
            finished, outcome = _in_thread(lambda: conn.execute(text("SELECT 1")).scalar_one())
        assert finished, "the statement is still waiting on the frozen server"
        assert "error" in outcome and unavailable(outcome["error"]), outcome
    assert db.stall_guard.fired >= 1
    # the cut connection was discarded: the next one is a fresh backend that answers
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT pg_backend_pid()")).scalar_one() != backend
    db.dispose()


def test_a_frozen_pooled_connection_is_replaced_at_checkout(pg_server_url):
    db = Database(pg_server_url, Timeouts(connect=2, statement=0.5, busy=0.5))
    with db.engine.connect() as conn:
        backend = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
    def fresh_backend():
        with db.engine.connect() as conn:
            return conn.execute(text("SELECT pg_backend_pid()")).scalar_one()

    with frozen([backend]):  # idle in the pool, and frozen
        finished, outcome = _in_thread(fresh_backend)
    assert finished and outcome.get("value") not in (None, backend), outcome
    db.dispose()


def test_batch_work_keeps_waiting_on_a_slow_server(pg_server_url):
    """Ingest and reindex (no statement limit) are not cut: a long statement completes."""
    db = Database(pg_server_url)
    assert db.stall_guard is None
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT pg_sleep(1.2), 7")).one()[1] == 7
    db.dispose()
