"""The authority file as search reads it: entity labels, alias groups by alias key, and the
redirects of merged entries, fetched through a callable and kept for a time-to-live."""
from __future__ import annotations

import threading
import time
from typing import Callable


class AuthorityTables:
    """``fetch()`` → ``{"labels": {id: [name, type]}, "aliases": {id: [[alias, key], ...]},
    "redirects": {merged id: id}}`` (the archive's ``alias_table``), re-read every ``ttl`` s."""

    def __init__(self, fetch: Callable[[], dict] | None, ttl: float = 60.0):
        self._fetch = fetch
        self._ttl = ttl
        self._cache: tuple[float, tuple[dict, dict, dict]] | None = None
        self._lock = threading.Lock()

    def _tables(self) -> tuple[dict, dict, dict]:
        if self._fetch is None:
            return {}, {}, {}
        now = time.monotonic()
        with self._lock:
            if self._cache is None or now - self._cache[0] > self._ttl:
                data = self._fetch() or {}
                by_key = {}
                for eid, pairs in (data.get("aliases") or {}).items():
                    names = [alias for alias, _key in pairs]
                    for _alias, key in pairs:
                        by_key[key] = (eid, names)
                self._cache = (now, (data.get("labels") or {}, by_key, data.get("redirects") or {}))
            return self._cache[1]

    def labels(self) -> dict:
        """entity id → [name, type]."""
        return self._tables()[0]

    def by_key(self) -> dict:
        """alias key → (entity id, [every alias of the entity])."""
        return self._tables()[1]

    def resolve(self, ids) -> list[str]:
        """Entity ids as the index knows them (a merged id stands for the entry it joined)."""
        redirects = self._tables()[2]
        return [redirects.get(i, i) for i in ids]
