"""A real ``arshif serve`` (gunicorn, several workers) on a free loopback port, for the tests of
what only shows across processes: database outages, counters shared between workers."""
from __future__ import annotations

import http.cookiejar
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from tests.pgcluster import free_port

ARSHIF = [sys.executable, "-c", "from web.cli import main; main()"]


class Client:
    """urllib with a cookie jar; answers (status, headers, body text) for any status."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
                                                  NoRedirect)

    def request(self, path: str, data: dict | None = None, timeout: float = 20.0):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, data=body, timeout=timeout) as r:
                return r.status, r.headers, r.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read().decode("utf-8", "replace")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect is an answer to look at, not to follow


# As tests/conftest.py's make_app: answers and counts are checked, not speed (a loaded machine).
TEST_CONFIG = {"SEARCH_TIME_LIMIT": 60.0, "FACET_TIME_LIMIT": 60.0}


@contextmanager
def serve(instance: str, workers: int = 2, config: dict | None = None, **env) -> Iterator[str]:
    """``arshif serve --workers N`` on ``instance`` with ``config`` written to its config.py;
    yields its base URL; stops it (and only it)."""
    settings = {**TEST_CONFIG, **(config or {})}
    (Path(instance) / "config.py").write_text("".join(f"{k} = {v!r}\n" for k, v in settings.items()))
    port = free_port()
    environ = {k: v for k, v in os.environ.items() if not k.startswith("ARSHIF_") and k != "DATABASE_URL"}
    environ.update(ARSHIF_INSTANCE=instance, **env)
    log = tempfile.TemporaryFile()  # not a pipe: a full pipe would stall the server
    proc = subprocess.Popen([*ARSHIF, "serve", "--port", str(port), "--workers", str(workers)],
                            env=environ, stdout=subprocess.DEVNULL, stderr=log, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                log.seek(0)
                raise AssertionError(f"arshif serve ended: {log.read().decode()[-2000:]}")
            try:
                if Client(base).request("/healthz", timeout=2)[0] in (200, 503):
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError("arshif serve did not answer within 60 s")
            time.sleep(0.2)
        yield base
    finally:
        os.killpg(proc.pid, signal.SIGTERM)  # gunicorn's master and its workers (own session)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()
