"""The Solr nodes a ZooKeeper host string names: ``SOLR_URL = "zk:host1:2181,host2:2181/solr"``
(ZooKeeper's own form, ``host:port`` pairs and an optional chroot, after ``zk:``).

A ZooKeeper address names no Solr node, so the live nodes have to be read from ZooKeeper itself:
the children of ``<chroot>/live_nodes`` (``127.0.0.1:8983_solr``) and the cluster's URL scheme
in ``<chroot>/clusterprops.json``. Two read requests are all Arshif needs, so this module speaks
them (ZooKeeper's binary protocol: a session handshake, ``getChildren``, ``getData``, close)
over a socket rather than adding a ZooKeeper library for everyone. Hosts are tried in order
until one answers."""
from __future__ import annotations

import json
import socket
import struct
import urllib.parse

PREFIX = "zk:"
_GET_DATA, _GET_CHILDREN, _CLOSE = 4, 8, -11
_NO_NODE = -101


class ZooKeeperError(Exception):
    """The host string is malformed, or no ZooKeeper host answered as expected."""


def is_zk_host(solr_url: str) -> bool:
    return isinstance(solr_url, str) and solr_url.strip().lower().startswith(PREFIX)


def parse_zk_host(value: str) -> tuple[list[tuple[str, int]], str]:
    """``zk:h1:2181,h2:2181/solr`` → ([("h1", 2181), ("h2", 2181)], "/solr"); the chroot is ""
    when none is given."""
    text = value.strip()[len(PREFIX):] if is_zk_host(value) else value.strip()
    hosts_part, slash, chroot = text.partition("/")
    chroot = ("/" + chroot.strip("/")) if slash and chroot.strip("/") else ""
    hosts = []
    for item in hosts_part.split(","):
        host, colon, port = item.strip().rpartition(":")
        if not item.strip():
            continue
        if not colon or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ZooKeeperError(f"a ZooKeeper host is written host:port, not {item.strip()!r} "
                                 f"(SOLR_URL = 'zk:host1:2181,host2:2181/solr')")
        hosts.append((host.strip("[]"), int(port)))
    if not hosts:
        raise ZooKeeperError("SOLR_URL 'zk:' names no ZooKeeper host (zk:host1:2181,host2:2181/solr)")
    return hosts, chroot


def node_url(node_name: str, scheme: str = "http") -> str:
    """A live node's name (``host:port_context``, the context URL-encoded) as its base URL."""
    address, _, context = node_name.partition("_")
    return f"{scheme}://{address}/{urllib.parse.unquote(context).strip('/')}".rstrip("/")


def live_node_urls(zk_host: str, timeout: float = 5.0) -> list[str]:
    """The base URLs of the Solr nodes live in the cluster ``zk_host`` names, sorted."""
    hosts, chroot = parse_zk_host(zk_host)
    errors = []
    for host, port in hosts:
        try:
            with _Session(host, port, timeout) as zk:
                names = zk.children(chroot + "/live_nodes")
                props = zk.data(chroot + "/clusterprops.json")
        except (OSError, ZooKeeperError, struct.error) as exc:
            errors.append(f"{host}:{port}: {exc}")
            continue
        if names is None:
            raise ZooKeeperError(f"ZooKeeper {host}:{port} has no {chroot}/live_nodes: is the chroot "
                                 f"the one the Solr nodes use (zk:host:port/solr)?")
        try:
            scheme = json.loads(props or b"{}").get("urlScheme") or "http"
        except ValueError:
            scheme = "http"
        return sorted(node_url(n, scheme) for n in names)
    raise ZooKeeperError("no ZooKeeper host answered (" + "; ".join(errors) + ")")


class _Session:
    """One ZooKeeper session on one host: the handshake, read requests, close."""

    def __init__(self, host: str, port: int, timeout: float):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.xid = 0
        try:
            # ConnectRequest: protocol version, last zxid seen, session timeout (ms), session id,
            # password (16 zero bytes), read-only flag.
            self._send(struct.pack(">iqiqi16s?", 0, 0, int(timeout * 1000), 0, 16, b"\0" * 16, False))
            reply = self._receive()
            if len(reply) < 16:
                raise ZooKeeperError("the ZooKeeper server refused the session")
        except BaseException:
            self.sock.close()
            raise

    def __enter__(self) -> "_Session":
        return self

    def __exit__(self, *exc) -> None:
        try:
            self._send(struct.pack(">ii", self._next_xid(), _CLOSE))
        except OSError:
            pass
        self.sock.close()

    def _next_xid(self) -> int:
        self.xid += 1
        return self.xid

    def _send(self, payload: bytes) -> None:
        self.sock.sendall(struct.pack(">i", len(payload)) + payload)

    def _exactly(self, n: int) -> bytes:
        out = b""
        while len(out) < n:
            chunk = self.sock.recv(n - len(out))
            if not chunk:
                raise ZooKeeperError("the ZooKeeper server closed the connection")
            out += chunk
        return out

    def _receive(self) -> bytes:
        (length,) = struct.unpack(">i", self._exactly(4))
        if not 0 <= length < 64 * 1024 * 1024:
            raise ZooKeeperError("not a ZooKeeper server (unexpected answer)")
        return self._exactly(length)

    def _call(self, op: int, path: str) -> bytes | None:
        """Send a path request (no watch); its body, or None when the node does not exist."""
        xid = self._next_xid()
        encoded = path.encode("utf-8")
        self._send(struct.pack(f">iii{len(encoded)}s?", xid, op, len(encoded), encoded, False))
        while True:
            reply = self._receive()
            got, _zxid, err = struct.unpack(">iqi", reply[:16])
            if got == xid:
                break  # other xids (-1 watch events, -2 pings) are not for this request
        if err == _NO_NODE:
            return None
        if err != 0:
            raise ZooKeeperError(f"ZooKeeper error {err} reading {path}")
        return reply[16:]

    def children(self, path: str) -> list[str] | None:
        body = self._call(_GET_CHILDREN, path)
        if body is None:
            return None
        (count,) = struct.unpack(">i", body[:4])
        names, at = [], 4
        for _ in range(max(count, 0)):
            (n,) = struct.unpack(">i", body[at:at + 4])
            names.append(body[at + 4:at + 4 + n].decode("utf-8"))
            at += 4 + n
        return names

    def data(self, path: str) -> bytes | None:
        body = self._call(_GET_DATA, path)
        if body is None:
            return None
        (n,) = struct.unpack(">i", body[:4])
        return body[4:4 + n] if n > 0 else b""
