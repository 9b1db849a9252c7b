"""A small SolrCloud HTTP client over the standard library: JSON requests to any live node of
the cluster (a node that does not answer is skipped for the next one), the Collections,
Configsets and ZooKeeper-read APIs, and errors in plain words. The nodes are listed URLs, or
read from ZooKeeper (``zk:host:2181/solr``, ``indexer.solr.zookeeper``) and read again when
none of those last read answers. Connections to the nodes are kept alive between requests
(``indexer.solr.connections``)."""
from __future__ import annotations

import base64
import http.client
import io
import json
import urllib.parse
import zipfile
from pathlib import Path
from typing import Any, Iterable

from indexer.solr.connections import ConnectionPool
from indexer.solr.zookeeper import ZooKeeperError, is_zk_host, live_node_urls, parse_zk_host

# Arshif's schema and solrconfig, shipped inside the package (package_data) so that an install
# from a wheel uploads them too.
CONFIGSET_DIR = Path(__file__).resolve().parent / "configset"


class SolrError(Exception):
    """Solr answered with an error, or no node of the cluster answered."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


class SolrUnavailable(SolrError):
    """No node of the cluster could be reached."""


def node_urls(solr_url: str | Iterable[str]) -> list[str]:
    """``SOLR_URL`` as a list of node base URLs ('http://host:8983/solr'); several are given
    comma-separated or as a list. (A ZooKeeper host string, ``zk:...``, is SolrClient's.)"""
    urls = solr_url.split(",") if isinstance(solr_url, str) else list(solr_url)
    urls = [u.strip().rstrip("/") for u in urls if u and u.strip()]
    for u in urls:
        if not u.startswith(("http://", "https://")):
            raise SolrError(f"SOLR_URL must list node URLs such as http://127.0.0.1:8983/solr, or name "
                            f"ZooKeeper as zk:host:2181/solr, not {u!r}")
    if not urls:
        raise SolrError("SOLR_URL names no Solr node")
    return urls


class SolrClient:
    """Requests to a SolrCloud cluster. ``solr_url``: node URLs, or a ZooKeeper host string
    (``zk:host1:2181,host2:2181/solr``) whose live nodes are asked. ``auth`` is ('user',
    'password') for Basic authentication when the cluster uses it."""

    def __init__(self, solr_url: str | Iterable[str], timeout: float = 30.0,
                 auth: tuple[str, str] | None = None):
        self.zk_host = solr_url.strip() if is_zk_host(solr_url) else None
        if self.zk_host:
            try:
                parse_zk_host(self.zk_host)
            except ZooKeeperError as exc:
                raise SolrError(str(exc)) from None
        self.urls = [] if self.zk_host else node_urls(solr_url)
        self.timeout = timeout
        self.auth = auth
        self._auth = None
        if auth:
            token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
            self._auth = f"Basic {token}"
        self._first = 0  # the node that answered last is asked first
        self._pool = ConnectionPool()  # kept-alive connections to the nodes

    # -- transport ------------------------------------------------------------------------
    def live_nodes(self) -> list[str]:
        """Read the live nodes from ZooKeeper (a ``zk:`` SOLR_URL) into ``urls``."""
        try:
            urls = live_node_urls(self.zk_host, timeout=min(self.timeout, 10.0))
        except (ZooKeeperError, OSError) as exc:
            raise SolrUnavailable(f"ZooKeeper {self.zk_host[3:]}: {exc}") from None
        if not urls:
            raise SolrUnavailable(f"ZooKeeper {self.zk_host[3:]} lists no live Solr node")
        self.urls, self._first = urls, 0
        return urls

    def request(self, path: str, params: dict | list | None = None, body: Any = None,
                content_type: str = "application/json", timeout: float | None = None,
                api: str = "solr", form: bool = False) -> dict:
        """GET (no body) or POST ``path`` (relative to the node's /solr, or /api with
        ``api='api'``) and return the decoded JSON; ``form``: POST the parameters as a form
        (searches: long queries and id lists never meet a URL length limit). Tries each node
        once, starting with the one that answered last; SolrUnavailable when none answers
        (with a ZooKeeper SOLR_URL, after reading the live nodes again once)."""
        if self.zk_host and not self.urls:
            self.live_nodes()
        try:
            return self._request(path, params, body, content_type, timeout, api, form)
        except SolrUnavailable:
            if not self.zk_host:
                raise
            before = self.urls
            if self.live_nodes() == before:
                raise
            return self._request(path, params, body, content_type, timeout, api, form)

    def _request(self, path, params, body, content_type, timeout, api, form) -> dict:
        query = urllib.parse.urlencode(params or {}, doseq=True)
        data = None
        headers = {"Accept": "application/json"}
        if form:
            data, query = query.encode("utf-8"), ""
            content_type = "application/x-www-form-urlencoded"
        elif body is not None:
            data = body if isinstance(body, (bytes, bytearray)) else \
                json.dumps(body, ensure_ascii=False).encode("utf-8")
        if data is not None:
            headers["Content-Type"] = content_type
        if self._auth:
            headers["Authorization"] = self._auth
        errors = []
        urls = self.urls  # read again from ZooKeeper by another thread meanwhile, perhaps
        n = len(urls)
        for k in range(n):
            i = (self._first + k) % n
            base = urls[i]
            if api == "api":
                base = base.rsplit("/solr", 1)[0] + "/api"
            url = urllib.parse.urlsplit(f"{base}/{path.lstrip('/')}")
            target = url.path + (f"?{query}" if query else "")
            try:
                status, payload = self._pool.request(url.scheme, url.netloc, "POST" if data is not None else "GET",
                                                     target, data, headers, timeout or self.timeout)
            except (OSError, http.client.HTTPException) as exc:
                errors.append(f"{base}: {str(exc) or type(exc).__name__}")
                continue
            if status >= 400:
                if status in (502, 503, 504) and k + 1 < n:
                    errors.append(f"{base}: HTTP {status}")
                    continue
                raise SolrError(_error_message(payload, status), status)
            self._first = i
            return json.loads(payload) if payload else {}
        raise SolrUnavailable("no Solr node answered (" + "; ".join(errors) + ")")

    def close(self) -> None:
        """Close the kept-alive connections (they are also closed with the process)."""
        self._pool.close()

    def collections_api(self, action: str, **params) -> dict:
        return self.request("admin/collections", {"action": action, "wt": "json", **params},
                            timeout=max(self.timeout, 120.0))

    # -- cluster --------------------------------------------------------------------------
    def cluster_status(self) -> dict:
        return self.collections_api("CLUSTERSTATUS")["cluster"]

    def list_collections(self) -> list[str]:
        return self.collections_api("LIST").get("collections", [])

    def aliases(self) -> dict[str, str]:
        """Alias name → the collection(s) it points at (comma-separated)."""
        return self.collections_api("LISTALIASES").get("aliases", {})

    def upload_configset(self, name: str, conf_dir: Path = CONFIGSET_DIR) -> None:
        """Upload (or replace) a configset from the files of ``conf_dir``."""
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for f in sorted(conf_dir.iterdir()):
                if f.is_file():
                    z.write(f, f.name)
        self.request("admin/configs", {"action": "UPLOAD", "name": name, "overwrite": "true",
                                       "cleanup": "true", "wt": "json"},
                     body=buf.getvalue(), content_type="application/octet-stream")

    def create_collection(self, name: str, configset: str, shards: int, replicas: int) -> None:
        self.collections_api("CREATE", name=name, numShards=shards, replicationFactor=replicas,
                             **{"collection.configName": configset, "waitForFinalState": "true"})

    def delete_collection(self, name: str) -> None:
        self.collections_api("DELETE", name=name)

    def set_alias(self, alias: str, collection: str) -> None:
        """Point ``alias`` at ``collection`` (created or moved in one ZooKeeper write)."""
        self.collections_api("CREATEALIAS", name=alias, collections=collection)

    def delete_alias(self, alias: str) -> None:
        self.collections_api("DELETEALIAS", name=alias)

    def set_collection_property(self, collection: str, name: str, value: str | None) -> None:
        params = {"name": collection, "propertyName": name}
        if value is not None:
            params["propertyValue"] = value
        self.collections_api("COLLECTIONPROP", **params)

    def collection_properties(self, collection: str) -> dict[str, str]:
        """The collection's properties (COLLECTIONPROP), read through the ZooKeeper read API."""
        try:
            return self.request(f"cluster/zookeeper/data/collections/{collection}/collectionprops.json",
                                api="api")
        except SolrError as exc:
            if exc.status == 404:
                return {}
            raise

    # -- documents ------------------------------------------------------------------------
    def add(self, collection: str, docs: list[dict], commit: bool = False) -> None:
        params = {"wt": "json"}
        if commit:
            params["commit"] = "true"
        self.request(f"{collection}/update", params, body=docs, timeout=max(self.timeout, 300.0))

    def commit(self, collection: str) -> None:
        self.request(f"{collection}/update", {"commit": "true", "wt": "json"},
                     body={"commit": {}}, timeout=max(self.timeout, 300.0))

    def select(self, collection: str, params: dict | list) -> dict:
        return self.request(f"{collection}/select", params)

    def count(self, collection: str, q: str = "*:*") -> int:
        return self.select(collection, {"q": q, "rows": 0, "wt": "json"})["response"]["numFound"]


def _error_message(payload: bytes, status: int) -> str:
    try:
        err = json.loads(payload).get("error", {})
        msg = err.get("msg") or str(err)
    except (ValueError, AttributeError):
        msg = payload[:300].decode("utf-8", "replace")
    return f"Solr answered HTTP {status}: {msg}"
