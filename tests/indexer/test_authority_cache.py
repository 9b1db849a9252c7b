"""Search's copy of the authority file: never waits on a hung or broken database longer than
its timeout, keeps the last good copy through an outage, and says when it has none."""
from __future__ import annotations

import threading

from indexer.authority_cache import UNAVAILABLE, AuthorityTables

DATA = {"labels": {"e1": ["دونالد ترمب", "person"]},
        "aliases": {"e1": [["ترمب", "ترمب"], ["ترامب", "ترامب"]]}, "redirects": {"e9": "e1"}}


class Database:
    """A stand-in for the archive: answers, fails, or hangs until released."""

    def __init__(self):
        self.data = DATA
        self.fail = False
        self.hang = threading.Event()
        self.hang.set()
        self.reads = 0

    def read(self) -> dict:
        self.reads += 1
        data = self.data            # what the query sees when it starts
        self.hang.wait()
        if self.fail:
            raise ConnectionError("database is down")
        return data


def test_the_first_copy_is_read_and_indexed_by_alias_key():
    db = Database()
    tables = AuthorityTables(db.read, ttl=60, timeout=5).get()
    assert tables.available and tables.version == 1
    assert tables.by_key["ترامب"] == ("e1", ["ترمب", "ترامب"])
    assert tables.labels["e1"][0] == "دونالد ترمب" and tables.redirects == {"e9": "e1"}


def test_a_hung_database_costs_the_first_search_its_timeout_then_nothing():
    db = Database()
    db.hang.clear()
    authority = AuthorityTables(db.read, ttl=60, timeout=0.05)
    assert authority.get() is UNAVAILABLE       # waited 0.05 s, no copy yet
    assert authority.get() is UNAVAILABLE and db.reads == 1   # one read in flight, not one per search
    db.hang.set()
    for _ in range(200):                         # the read finishes in the background
        tables = authority.get()
        if tables.available:
            break
        threading.Event().wait(0.01)
    assert tables.available and tables.by_key


def test_an_outage_keeps_the_last_good_copy_and_a_change_bumps_the_version():
    db = Database()
    authority = AuthorityTables(db.read, ttl=0, timeout=5, retry=0)
    first = authority.get()
    db.fail = True
    for _ in range(5):
        assert authority.get().labels == first.labels   # the copy survives failed re-reads
    _settle(authority)
    assert authority.get() == first
    db.fail = False
    db.data = {**DATA, "labels": {"e1": ["ترمب", "person"]}}
    _settle(authority)
    authority.get()
    _settle(authority)
    newer = authority.get()
    assert newer.labels["e1"][0] == "ترمب" and newer.version == first.version + 1


def test_without_an_authority_file_nothing_is_degraded():
    tables = AuthorityTables(None).get()
    assert tables.available and tables.by_key == {}


def _settle(authority: AuthorityTables) -> None:
    """Wait for the background read in flight, if any."""
    reading = authority._reading
    if reading is not None:
        reading.wait(5)


def test_a_fresh_copy_is_read_after_the_request_not_before():
    """A read in flight when the index changes may predate the change: ``fresh`` waits for a
    read that began after it was asked."""
    db = Database()
    authority = AuthorityTables(db.read, ttl=60, timeout=5)
    assert authority.get().labels["e1"][0] == "دونالد ترمب"
    db.hang.clear()
    authority.ttl = 0
    authority.get()                     # a read starts, and hangs with the old answer pending
    db.data = {**DATA, "labels": {"e1": ["ترامب", "person"]}}   # the change (e.g. a merge)
    threading.Timer(0.1, db.hang.set).start()
    authority.ttl = 60
    assert authority.get(fresh=True).labels["e1"][0] == "ترامب"
    assert db.reads == 3
