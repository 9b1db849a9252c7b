"""Which index engine an instance uses (``SEARCH_BACKEND``: ``"whoosh"``, embedded, the
default; ``"solr"``, a SolrCloud cluster) and the builds that write its generations. The web
app and the CLI ask this module for an engine and an ``IndexBuilds``; nothing above it names
an engine."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterable, Mapping

from archive.errors import UserError
from indexer.build import BuildReport, Progress
from indexer.engine import Engine

BACKENDS = ("whoosh", "solr")


class BackendError(UserError, ValueError):
    """The configuration names an engine Arshif does not have, or leaves out what it needs."""


def backend(config: Mapping) -> str:
    name = (config.get("SEARCH_BACKEND") or "whoosh").strip().lower()
    if name not in BACKENDS:
        raise BackendError("SEARCH_BACKEND must be one of %(names)s, not %(name)r", names=", ".join(BACKENDS), name=name)
    if name == "solr" and not (config.get("SOLR_URL") and config.get("SOLR_COLLECTION")):
        raise BackendError("SEARCH_BACKEND = 'solr' needs SOLR_URL and SOLR_COLLECTION")
    return name


def _solr_auth(config: Mapping) -> tuple[str, str] | None:
    user = config.get("SOLR_USER")
    return (user, config.get("SOLR_PASSWORD") or "") if user else None


def open_engine(config: Mapping) -> Engine | None:
    """The configured engine; None for Whoosh (``SearchService`` opens ``INDEX_DIR`` itself)."""
    if backend(config) == "whoosh":
        return None
    from indexer.solr.engine import SolrEngine
    return SolrEngine(config["SOLR_URL"], config["SOLR_COLLECTION"], auth=_solr_auth(config),
                      tz=config.get("ARSHIF_TIMEZONE") or "UTC")


class IndexBuilds:
    """Full rebuilds, incremental updates and rollback of the configured engine's generations."""

    def __init__(self, config: Mapping):
        self.backend = backend(config)
        if self.backend == "solr":
            from indexer.solr.client import SolrClient
            from indexer.solr.generations import SolrGenerations
            self.target = SolrGenerations(SolrClient(config["SOLR_URL"], auth=_solr_auth(config)),
                                          config["SOLR_COLLECTION"], shards=int(config.get("SOLR_SHARDS") or 2),
                                          replicas=int(config.get("SOLR_REPLICAS") or 2))
        else:
            self.target = config["INDEX_DIR"]

    @contextmanager
    def _plain_errors(self):
        """A cluster that does not answer, or refuses, is a message, not a traceback."""
        if self.backend == "whoosh":
            yield
            return
        from indexer.solr.client import SolrError
        try:
            yield
        except SolrError as exc:
            raise BackendError("the Solr cluster: %(detail)s", detail=str(exc)) from None

    def _module(self):
        if self.backend == "solr":
            from indexer.solr import build
        else:
            from indexer import build
        return build

    def full_rebuild(self, articles: Iterable[dict], total: int | None, tz: str, progress: Progress | None,
                     change: int | None, procs: int = 1, multiprocess_min: int | None = None) -> BuildReport:
        """``procs`` processes write from ``multiprocess_min`` articles on (Whoosh's sub-writers;
        Solr's build workers, each analysing and sending batches)."""
        extra = {"procs": procs} | ({} if multiprocess_min is None else {"multiprocess_min": multiprocess_min})
        with self._plain_errors():
            return self._module().full_rebuild(articles, self.target, total=total, tz=tz, progress=progress,
                                               change=change, **extra)

    def incremental_update(self, articles: Iterable[dict], total: int | None, tz: str,
                           progress: Progress | None, change: int | None) -> BuildReport:
        with self._plain_errors():
            return self._module().incremental_update(articles, self.target, tz=tz, progress=progress,
                                                     total=total, change=change)

    def indexed_change(self) -> int | None:
        with self._plain_errors():
            return self._module().indexed_change(self.target)

    def _generations(self):
        """The engine's generations: a SolrGenerations, or the IndexRoot of ``INDEX_DIR``."""
        if self.backend == "solr":
            return self.target
        from indexer.generations import IndexRoot
        return IndexRoot(self.target)

    def current(self) -> str | None:
        """The serving generation's name (None before the first build)."""
        with self._plain_errors():
            return self._generations().current()

    def generations(self) -> list[dict]:
        """The complete generations, newest first: ``name``, ``serving``, ``meta`` (what the
        build wrote) and ``bytes`` (on disk; on a cluster, all replicas' indexes together)."""
        with self._plain_errors():
            store = self._generations()
            current, sizes = store.current(), store.disk_usage()
            return [{"name": g, "bytes": sizes.get(g, 0), "serving": g == current, "meta": store.read_meta(g)}
                    for g in reversed(store.complete_generations())]

    def location(self) -> str:
        """Where the generations live, in words: the index directory, or the cluster's alias."""
        if self.backend == "solr":
            nodes = self.target.client.zk_host or ",".join(self.target.client.urls)
            return f"SolrCloud {nodes}, collection alias {self.target.alias}"
        return str(self.target)

    def rollback_choice(self) -> tuple[str | None, str | None]:
        """(serving generation, the one a rollback would serve or None), changing nothing."""
        from indexer.generations import NoIndex, rollback_target
        with self._plain_errors():
            store = self._generations()
            current = store.current()
            try:
                return current, rollback_target(store.complete_generations(), current)
            except NoIndex:
                return current, None

    def rollback(self) -> str:
        """Serve the previous complete generation again; its name."""
        with self._plain_errors():
            return self._generations().rollback()
