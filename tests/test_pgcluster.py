"""The throwaway PostgreSQL cluster does not outlive a test run that is killed."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import ROOT, skip_or_fail
from tests.pgcluster import find_bindir

CHILD = """
import sys, time
from tests.pgcluster import ThrowawayCluster
cluster = ThrowawayCluster()
cluster.start()
print(cluster.root, cluster.port, flush=True)
time.sleep(600)
"""


def _accepts(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


def test_a_killed_test_run_leaves_no_cluster_behind():
    if find_bindir() is None:
        skip_or_fail("PostgreSQL's initdb is not installed (`make test` installs it as root on Debian)")
    child = subprocess.Popen([sys.executable, "-c", CHILD], cwd=ROOT, stdout=subprocess.PIPE, text=True,
                             start_new_session=True)
    try:
        root, port = child.stdout.readline().split()
        root, port = Path(root), int(port)
        assert root.exists() and _accepts(port)
    finally:
        os.killpg(child.pid, signal.SIGKILL)  # no finally, no atexit: what a CI timeout does
        child.wait()
    deadline = time.monotonic() + 90
    while (root.exists() or _accepts(port)) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not root.exists(), f"{root} is still there after the run was killed"
    assert not _accepts(port), f"a server still listens on {port} after the run was killed"
