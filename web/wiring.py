"""The one place the archive and the indexer are put together from the configuration (a mapping
with web/config.py's keys): the archive database, the search service over the configured engine
with the authority file behind it, the builds of the configured engine's generations, and the
authority file's text functions (lookup key, display form, extractor). ``create_app``, the CLI
and the admin pages take them from here; nothing else builds them."""
from __future__ import annotations

import os
from typing import Mapping

from archive.db import Database, Timeouts
from indexer.backends import IndexBuilds, open_engine
from indexer.entity_keys import display_name, entity_key
from indexer.search import SearchService

__all__ = ["open_database", "search_service", "index_builds", "entity_key", "entity_linker", "seed_authority"]


def open_database(config: Mapping) -> Database:
    """The archive database. Web requests wait seconds at most on it
    (``DATABASE_REQUEST_TIMEOUT``); the CLI's long work uses its ``batch()`` twin."""
    wait = float(config["DATABASE_REQUEST_TIMEOUT"])
    return Database(config["DATABASE_URL"], Timeouts(connect=float(config["DATABASE_CONNECT_TIMEOUT"]),
                                                     statement=wait, busy=wait))


def search_service(config: Mapping, db: Database) -> SearchService:
    """Search over the configured engine, with the authority file of ``db`` behind it."""
    def authority() -> dict:
        # Read in the background by the search service, which keeps the last good copy and
        # marks searches made without any copy (a failure here is logged there).
        from archive.authority import alias_table
        return alias_table(db)

    return SearchService(
        config["INDEX_DIR"], tz=config["ARSHIF_TIMEZONE"], cache_size=config["SEARCH_CACHE_SIZE"],
        time_limit=float(config["SEARCH_TIME_LIMIT"]), facet_time_limit=float(config["FACET_TIME_LIMIT"]),
        authority=authority, authority_ttl=float(config["AUTHORITY_TTL"]),
        authority_timeout=float(config["AUTHORITY_TIMEOUT"]), engine=open_engine(config))


def index_builds(config: Mapping) -> IndexBuilds:
    """Rebuilds, updates, generations and rollback of the configured engine's index."""
    return IndexBuilds(config)


def entity_linker(config: Mapping):
    """Entity extraction at ingest: the extractor (with the model ENTITY_MODEL names, or the
    shipped one) and key from indexer, stored by archive (loads the model, so only the commands
    that extract call it)."""
    from archive.authority import EntityLinker
    from indexer.entities import Extractor, KnownNames

    extractor = Extractor(config.get("ENTITY_MODEL") or None)
    return EntityLinker(extractor.extract, entity_key, display_name, known_names=KnownNames,
                        procs=extract_procs(config), procs_after=int(config.get("EXTRACT_PROCS_MIN", 100)),
                        extract_many=extractor.extract_many)


def extract_procs(config: Mapping) -> int:
    """EXTRACT_PROCS as a number (None or "": one per core, at most 2); ValueError if it is not
    a whole number from 0."""
    procs = config.get("EXTRACT_PROCS")
    if procs is None or procs == "":
        return min(2, os.cpu_count() or 1)
    try:
        value = int(procs)
    except (TypeError, ValueError):
        value = -1
    if value < 0:
        raise ValueError(f"EXTRACT_PROCS must be a whole number from 0, not {procs!r}")
    return value


def seed_authority(db: Database) -> int:
    """Add the gazetteers' entries the authority file does not know yet; how many were added."""
    from archive.authority import seed
    from indexer.gazetteers import authority_seed

    return seed(db, authority_seed(), entity_key)
