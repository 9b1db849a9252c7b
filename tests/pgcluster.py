"""A throwaway PostgreSQL cluster for the test run.

The machine has PostgreSQL's programs (Debian's ``postgresql`` package, installed by ``make test``
when run as root on Debian) but no running server. This module finds ``initdb``/``pg_ctl``, creates a
cluster in a fresh temporary folder, starts it on a free loopback port (Unix socket in the same
folder, trust authentication, fsync off: the data is thrown away) and stops and removes it at the end.

PostgreSQL refuses to run as root, so as root the folder is handed to the ``postgres`` system user
and every command runs through ``runuser -u postgres --``. Any other user runs them directly.

A test run that is killed (SIGKILL, a CI timeout) never reaches ``stop()``, and PostgreSQL does not
die with its parent. So a small guard process (this module run as a script) holds a pipe from the
test process and stops and removes the cluster when that pipe closes, whoever closed it.

``ARSHIF_TEST_DATABASE_URL`` (or the older ``ARSHIF_TEST_PG``) names an existing server instead, and
then nothing is started.
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path


class ClusterUnavailable(RuntimeError):
    """PostgreSQL's programs are missing or the cluster would not start (the message says why)."""


def find_bindir() -> Path | None:
    """The newest ``/usr/lib/postgresql/<v>/bin`` holding initdb, else the folder of ``initdb`` on PATH."""
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0,
    )
    if candidates:
        return Path(candidates[-1]).parent
    found = shutil.which("initdb")
    return Path(found).resolve().parent if found else None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ThrowawayCluster:
    """``start()`` returns an admin URL (database ``postgres``, user ``postgres``); ``stop()`` removes all."""

    def __init__(self) -> None:
        self.bindir = find_bindir()
        self.root: Path | None = None
        self.port: int | None = None
        self._as_postgres = os.geteuid() == 0
        self._guard: subprocess.Popen | None = None

    def _run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        cmd = list(args)
        if self._as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)

    def start(self) -> str:
        if self.bindir is None:
            raise ClusterUnavailable(
                "PostgreSQL's initdb is not installed (Debian: apt-get install postgresql; "
                "`make test` does it when run as root) and ARSHIF_TEST_DATABASE_URL is not set"
            )
        if self._as_postgres:
            try:
                pw = pwd.getpwnam("postgres")
            except KeyError as exc:
                raise ClusterUnavailable("running as root but there is no 'postgres' user") from exc
        self.root = Path(tempfile.mkdtemp(prefix="arshif-pg-"))
        if self._as_postgres:
            os.chown(self.root, pw.pw_uid, pw.pw_gid)
        data = self.root / "data"
        init = self._run(
            str(self.bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust",
            "-E", "UTF8", "--locale=C.UTF-8", "--no-sync",
        )
        if init.returncode != 0:
            raise ClusterUnavailable(f"initdb failed: {init.stderr.strip() or init.stdout.strip()}")
        last_error = ""
        for _attempt in range(3):  # the free port can be taken between choosing and binding it
            self.port = free_port()
            options = (
                f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
            )
            started = self._run(
                str(self.bindir / "pg_ctl"), "-D", str(data), "-o", options, "-w", "-t", "60",
                "-l", str(self.root / "server.log"), "start",
            )
            if started.returncode == 0:
                self._start_guard()
                return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
            last_error = started.stderr.strip() or started.stdout.strip()
            time.sleep(0.5)
        log = (self.root / "server.log").read_text(errors="replace")[-2000:] if (self.root / "server.log").exists() else ""
        self.stop()
        raise ClusterUnavailable(f"pg_ctl start failed: {last_error}\n{log}")

    def _start_guard(self) -> None:
        # Its own session: a Ctrl-C or kill of the test's process group leaves it alive to clean up.
        self._guard = subprocess.Popen(
            [sys.executable, __file__, str(self.root), str(self.bindir)],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

    def stop(self) -> None:
        self._stop_cluster()
        guard, self._guard = self._guard, None
        if guard is not None:  # closing its pipe lets it go; it finds nothing left to stop
            guard.stdin.close()
            try:
                guard.wait(timeout=60)
            except subprocess.TimeoutExpired:
                guard.kill()

    def _stop_cluster(self) -> None:
        if self.root is None:
            return
        data = self.root / "data"
        if (data / "postmaster.pid").exists():
            self._run(str(self.bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop", timeout=60)
        shutil.rmtree(self.root, ignore_errors=True)
        self.root = None


def _guard(root: str, bindir: str) -> None:
    """Wait until the test process closes our stdin (or dies), then stop and remove its cluster."""
    while sys.stdin.buffer.read(65536):
        pass
    cluster = ThrowawayCluster()
    cluster.bindir = Path(bindir)
    cluster.root = Path(root)
    cluster._stop_cluster()


if __name__ == "__main__":
    _guard(sys.argv[1], sys.argv[2])
