"""`arshif serve`'s worker hook: a worker opens the index and takes its first request once the
facet columns are read, telling gunicorn it is alive meanwhile, and at most WORKER_WARM_WAIT s."""
from __future__ import annotations

import time
from types import SimpleNamespace

from web.gunicorn_hooks import post_worker_init


class Service:
    def __init__(self, ready_after: int, waits: bool = False):
        self.calls = []
        self.ready_after = ready_after
        self.waits = waits

    def warm(self):
        self.calls.append("warm")

    def ready(self, wait=0.0):
        self.calls.append("ready")
        if self.calls.count("ready") > self.ready_after:
            return True
        if self.waits:
            time.sleep(wait)  # as a wait for the columns that ends without them
        return False


def worker(service, wait):
    notes = []
    return SimpleNamespace(wsgi=SimpleNamespace(extensions={"arshif.search": service},
                                                config={"WORKER_WARM_WAIT": wait}),
                           notify=lambda: notes.append(1)), notes


def test_a_worker_takes_requests_once_its_columns_are_read():
    service = Service(ready_after=2)
    w, notes = worker(service, 60)
    post_worker_init(w)
    assert service.calls == ["warm", "ready", "ready", "ready"] and len(notes) == 2


def test_a_worker_waits_at_most_worker_warm_wait():
    service = Service(ready_after=10**9, waits=True)
    w, _notes = worker(service, 0.3)
    post_worker_init(w)
    assert service.calls[0] == "warm" and service.calls.count("ready") == 1  # one wait of 0.3 s
