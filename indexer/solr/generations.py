"""Index generations on SolrCloud: each full rebuild writes a new collection
(``<alias>_g<time>-<hex>``), and the collection alias ``SOLR_COLLECTION`` names the one that
serves searches. Switching and rolling back are alias moves (one ZooKeeper write: every node
sees the old or the new collection, never a mix); a collection is marked complete (collection
property ``arshif.complete``) only after its last commit, and the next build deletes what a
crashed build left. Generation metadata (the archive ``change`` number, ``timezone``, ``articles``) is a
collection property too, so it lives and dies with its collection.

Readers never write; writers are one reindex job at a time (the jobs table sees to it)."""
from __future__ import annotations

import hashlib
import json
import re

from indexer.generations import KEEP_PREVIOUS, NoIndex, next_generation_name, rollback_target
from indexer.solr.client import CONFIGSET_DIR, SolrClient, SolrError

COMPLETE = "arshif.complete"
META = "arshif.meta"
ALIAS_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,80}$")


class SolrGenerations:
    def __init__(self, client: SolrClient, alias: str, shards: int = 2, replicas: int = 2):
        if not ALIAS_NAME.match(alias or ""):
            raise SolrError(f"SOLR_COLLECTION must be letters, digits, '.', '_' or '-', not {alias!r}")
        self.client = client
        self.alias = alias
        self.shards = shards
        self.replicas = replicas

    # -- what there is --------------------------------------------------------------------
    def current(self) -> str | None:
        """The collection the alias names (None: no alias yet)."""
        target = self.client.aliases().get(self.alias)
        return target.split(",")[0] if target else None

    def current_collection(self) -> str:
        name = self.current()
        if name is None or not self.is_complete(name):
            raise NoIndex("there is no search index yet: run 'arshif reindex'")
        return name

    def generations(self) -> list[str]:
        """This alias's generation collections, oldest first (names sort in creation order)."""
        prefix = self.alias + "_g"
        return sorted(c for c in self.client.list_collections() if c.startswith(prefix))

    def is_complete(self, name: str) -> bool:
        return self.client.collection_properties(name).get(COMPLETE) == "true"

    def complete_generations(self) -> list[str]:
        return [g for g in self.generations() if self.is_complete(g)]

    def read_meta(self, name: str) -> dict:
        raw = self.client.collection_properties(name).get(META)
        try:
            return json.loads(raw) if raw else {}
        except ValueError:
            return {}

    # -- writing ----------------------------------------------------------------------------
    def configset(self) -> str:
        """The configset of Arshif's schema, named by its content and uploaded when missing: a
        changed schema never alters the collections already built on the old one."""
        digest = hashlib.sha256()
        for f in sorted(CONFIGSET_DIR.iterdir()):
            if f.is_file():
                digest.update(f.name.encode() + b"\0" + f.read_bytes())
        name = f"{self.alias}_conf_{digest.hexdigest()[:12]}"
        existing = self.client.request("admin/configs", {"action": "LIST", "wt": "json"}).get("configSets", [])
        if name not in existing:
            self.client.upload_configset(name)
        return name

    def new_generation(self) -> str:
        """Create the collection of a new (incomplete) generation."""
        name = self.alias + "_" + next_generation_name(g[len(self.alias) + 1:] for g in self.generations())
        self.client.create_collection(name, self.configset(), self.shards, self.replicas)
        return name

    def write_meta(self, name: str, meta: dict) -> None:
        self.client.set_collection_property(name, META, json.dumps(meta, ensure_ascii=False))

    def mark_complete(self, name: str) -> None:
        self.client.set_collection_property(name, COMPLETE, "true")

    def switch(self, name: str) -> None:
        """Make ``name`` the serving generation (one alias move)."""
        if not self.is_complete(name):
            raise NoIndex("generation %(name)s is not complete", name=name)
        self.client.set_alias(self.alias, name)

    def rollback(self) -> str:
        """Switch back to the newest complete generation older than the current one."""
        target = rollback_target(self.complete_generations(), self.current())
        self.switch(target)
        return target

    def prune(self) -> list[str]:
        """Delete incomplete generations, complete ones newer than the serving one (undone by a
        rollback, or left by a build that died before switching) and all but KEEP_PREVIOUS
        complete ones older than it; then configsets no collection uses any more."""
        current = self.current()
        complete = self.complete_generations()
        older = [g for g in complete if current is None or g < current]
        keep = set(older[-KEEP_PREVIOUS:]) | ({current} if current else set())
        removed = []
        for g in self.generations():
            if g not in keep:
                self.client.delete_collection(g)
                removed.append(g)
        self._prune_configsets()
        return removed

    def _prune_configsets(self) -> None:
        used = {c.get("configName") for c in self.client.cluster_status().get("collections", {}).values()}
        prefix = f"{self.alias}_conf_"
        for name in self.client.request("admin/configs", {"action": "LIST", "wt": "json"}).get("configSets", []):
            if name.startswith(prefix) and name not in used:
                self.client.request("admin/configs", {"action": "DELETE", "name": name, "wt": "json"})

    def disk_usage(self) -> dict[str, int]:
        """Bytes each generation's index takes on the cluster, all its replicas together (the
        cores' index sizes, asked of each live node that holds one)."""
        status = self.client.cluster_status()
        live = set(status.get("live_nodes", []))
        prefix = self.alias + "_g"
        nodes = {r["base_url"] for name, c in status.get("collections", {}).items() if name.startswith(prefix)
                 for shard in c.get("shards", {}).values() for r in shard.get("replicas", {}).values()
                 if r.get("node_name") in live and r.get("base_url")}
        out: dict[str, int] = {}
        for base in sorted(nodes):
            cores = SolrClient(base, timeout=self.client.timeout, auth=self.client.auth).request(
                "admin/cores", {"action": "STATUS", "wt": "json"}).get("status", {})
            for core in cores.values():
                name = (core.get("cloud") or {}).get("collection", "")
                if name.startswith(prefix):
                    out[name] = out.get(name, 0) + int((core.get("index") or {}).get("sizeInBytes") or 0)
        return out

    # -- health -----------------------------------------------------------------------------
    def health(self) -> dict:
        """The serving collection and the cluster's health: live nodes and the replicas of the
        serving collection that are down (not active, or on a node that is not live)."""
        status = self.client.cluster_status()
        live = sorted(status.get("live_nodes", []))
        current = self.current()
        replicas, down = 0, []
        info = status.get("collections", {}).get(current or "", {})
        for shard_name, shard in sorted(info.get("shards", {}).items()):
            for replica_name, replica in sorted(shard.get("replicas", {}).items()):
                replicas += 1
                if replica.get("state") != "active" or replica.get("node_name") not in live:
                    down.append({"shard": shard_name, "replica": replica_name,
                                 "node": replica.get("node_name"), "state": replica.get("state")})
        return {"alias": self.alias, "collection": current, "live_nodes": live,
                "shards": len(info.get("shards", {})), "replicas": replicas, "replicas_down": down,
                "health": info.get("health")}
