"""The authority file as search reads it (entity labels, alias groups by alias key, the
redirects of merged entries), without ever making a search wait on the database.

The file is read in a background thread. A search waits for it at most ``timeout`` seconds, and
only while no copy has been read yet; afterwards searches use the last good copy, which is
re-read in the background once it is older than ``ttl`` (and, after a failed read, retried
every ``retry`` seconds). A database that hangs or is down therefore costs searches nothing
but freshness; a search made before any copy could be read is marked degraded.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Tables:
    """One copy of the authority file as search uses it.

    ``labels``: entity id → [name, type]; ``by_key``: alias key → (entity id, [its spellings]);
    ``redirects``: merged id → the id it joined; ``version`` changes whenever the content does
    (results cached with an older version are stale); ``available`` is False when no copy could
    be read (searches then lack alias expansion and entity names, and say so)."""

    labels: dict = field(default_factory=dict)
    by_key: dict = field(default_factory=dict)
    redirects: dict = field(default_factory=dict)
    version: int = 0
    available: bool = True

    def resolve(self, ids) -> list[str]:
        """Entity ids as the index knows them (a merged id stands for the entry it joined)."""
        return [self.redirects.get(i, i) for i in ids]


UNAVAILABLE = Tables(available=False)


def tables_of(data: dict, version: int) -> Tables:
    """``Tables`` from the authority reader's document:
    ``{"labels": {id: [name, type]}, "aliases": {id: [[alias, key], ...]}, "redirects": {id: id}}``."""
    by_key = {}
    for eid, pairs in (data.get("aliases") or {}).items():
        names = [alias for alias, _key in pairs]
        for _alias, key in pairs:
            by_key[key] = (eid, names)
    return Tables(data.get("labels") or {}, by_key, data.get("redirects") or {}, version)


class AuthorityTables:
    """The last good copy of the authority file, refreshed in the background."""

    def __init__(self, read: Callable[[], dict] | None, ttl: float = 60.0, timeout: float = 0.5,
                 retry: float = 5.0):
        self._read = read
        self.ttl = ttl
        self.timeout = timeout
        self.retry = retry
        self._lock = threading.Lock()
        self._copy: Tables | None = None if read is not None else Tables()
        self._data: dict | None = None
        self._read_at = float("-inf")       # when the copy was read (monotonic)
        self._failed_at = float("-inf")     # when the last read failed
        self._reading: threading.Event | None = None   # set when the read in flight ends
        self._reading_since = float("-inf")            # when it began

    def get(self, fresh: bool = False) -> Tables:
        """The newest good copy (starting a background read when it is due); UNAVAILABLE when
        none could be read within ``timeout`` seconds. ``fresh``: read it again now, waiting
        up to ``timeout`` s for a copy read after this call (the index changed, e.g. after a
        merge; a read already in flight may predate the change)."""
        if self._read is None:
            return self._copy
        asked = time.monotonic()
        give_up = asked + self.timeout
        while True:
            with self._lock:
                now = time.monotonic()
                due = now - self._read_at > self.ttl and now - self._failed_at > self.retry
                if (due or fresh) and self._reading is None:
                    self._reading, self._reading_since = threading.Event(), now
                    threading.Thread(target=self._refresh, args=(self._reading,), daemon=True,
                                     name="authority-read").start()
                reading, since, copy = self._reading, self._reading_since, self._copy
            if reading is None or (copy is not None and not fresh):
                break
            reading.wait(max(0.0, give_up - time.monotonic()))
            if not fresh or since >= asked or time.monotonic() >= give_up:
                break
        copy = self._copy
        return copy if copy is not None else UNAVAILABLE

    def _refresh(self, done: threading.Event) -> None:
        try:
            data = self._read() or {}
        except Exception as exc:  # noqa: BLE001 - any failure keeps the last good copy
            log.warning("authority file unavailable, searches keep the last good copy: %s", exc)
            with self._lock:
                self._failed_at = time.monotonic()
                self._reading = None
            done.set()
            return
        with self._lock:
            if data != self._data:
                version = self._copy.version + 1 if self._copy is not None else 1
                self._copy, self._data = tables_of(data, version), data
            self._read_at = time.monotonic()
            self._reading = None
        done.set()
