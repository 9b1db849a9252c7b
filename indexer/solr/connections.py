"""Kept-alive HTTP connections to Solr nodes, one pool per process.

A search is one short request to the cluster; opening a TCP connection for each (what
``urllib.request.urlopen`` does) costs a handshake and a new connection on the node's side every
time. The pool keeps each node's connections open between requests (HTTP/1.1 keep-alive) and
lends each to one request at a time, so threads never share a socket.

- **Reconnect**: a kept connection the node has closed meanwhile (its idle timeout, a restart)
  fails as soon as it is written to or read from; the request is then sent once more on a new
  connection. Only a connection that had already served a request is retried this way, so a
  node that is down still fails at once (and the client asks the next node). Solr's requests
  here are safe to repeat: searches, updates of documents by id, commits.
- **Fork safety**: a process forked after connections were opened (gunicorn workers, the
  parallel build's workers) must not write into its parent's sockets. The pool notes the
  process that filled it and starts empty in any other; a pickled pool arrives empty.
- **TCP_NODELAY** is set by ``http.client`` on every connection, and it sends a request's
  headers and a bytes body in one write, so no request waits on Nagle's algorithm."""
from __future__ import annotations

import http.client
import os
import threading

# Errors of a kept connection the other end closed: send the request again on a new one.
STALE = (http.client.RemoteDisconnected, ConnectionResetError, ConnectionAbortedError, BrokenPipeError)


class ConnectionPool:
    """Idle connections by (scheme, host:port). ``opened`` counts the connections this process
    opened (a measure of reuse: one per thread and node in a steady state)."""

    def __init__(self, max_idle: int = 8):
        self.max_idle = max_idle
        self._forget()

    def __getstate__(self) -> dict:
        return {"max_idle": self.max_idle}  # sent to another process (a build worker): it opens its own

    def __setstate__(self, state: dict) -> None:
        self.max_idle = state["max_idle"]
        self._forget()

    def _forget(self) -> None:
        self._pid = os.getpid()
        self._lock = threading.Lock()
        self._idle: dict[tuple[str, str], list[http.client.HTTPConnection]] = {}
        self.opened = 0

    def _take(self, key: tuple[str, str], timeout: float) -> tuple[http.client.HTTPConnection, bool]:
        """An idle connection to ``key`` (reused: True), or a new one."""
        if self._pid != os.getpid():  # forked: the connections are the parent's
            self._forget()
        with self._lock:
            idle = self._idle.get(key)
            if idle:
                conn = idle.pop()
                conn.timeout = timeout
                if conn.sock is not None:
                    conn.sock.settimeout(timeout)
                return conn, True
            self.opened += 1
        scheme, netloc = key
        cls = http.client.HTTPSConnection if scheme == "https" else http.client.HTTPConnection
        return cls(netloc, timeout=timeout), False

    def _give(self, key: tuple[str, str], conn: http.client.HTTPConnection) -> None:
        if self._pid == os.getpid():
            with self._lock:
                idle = self._idle.setdefault(key, [])
                if len(idle) < self.max_idle:
                    idle.append(conn)
                    return
        conn.close()

    def request(self, scheme: str, netloc: str, method: str, target: str, body: bytes | None,
                headers: dict[str, str], timeout: float) -> tuple[int, bytes]:
        """Send one request and read the whole answer: (HTTP status, body). Connection errors
        (OSError, http.client.HTTPException) are the caller's, after one retry on a new
        connection when a kept one turned out closed."""
        key = (scheme, netloc)
        while True:
            conn, reused = self._take(key, timeout)
            try:
                conn.request(method, target, body=body, headers=headers)
                response = conn.getresponse()
                payload = response.read()
            except STALE:
                conn.close()
                if reused:
                    continue
                raise
            except BaseException:
                conn.close()
                raise
            if response.will_close:
                conn.close()
            else:
                self._give(key, conn)
            return response.status, payload

    def close(self) -> None:
        """Close this process's idle connections."""
        if self._pid != os.getpid():
            self._forget()
            return
        with self._lock:
            idle, self._idle = self._idle, {}
        for conns in idle.values():
            for conn in conns:
                conn.close()
