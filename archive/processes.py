"""Helpers for the processes Arshif forks (extraction at ingest, index writers, Solr build
workers): they must not outlive the process that forked them."""
from __future__ import annotations

import ctypes
import os
import signal

# prctl(2) option: the signal the kernel sends this process when its parent dies.
PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int) -> None:
    """Have the kernel SIGKILL this (just forked) process when its parent dies (Linux
    PR_SET_PDEATHSIG; elsewhere nothing), and exit now if the parent died already."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:
        os._exit(1)
