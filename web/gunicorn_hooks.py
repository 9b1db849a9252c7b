"""Gunicorn hooks of `arshif serve`: each worker opens the index as it starts and takes its
first request once the facet columns are read (at 300,000 articles its first searches each
waited up to the facet time box for the entity columns being read beside them), or once
``WORKER_WARM_WAIT`` seconds have gone."""
from __future__ import annotations

import time


def post_worker_init(worker) -> None:
    service = worker.wsgi.extensions["arshif.search"]
    service.warm()
    until = time.monotonic() + float(worker.wsgi.config["WORKER_WARM_WAIT"])
    while not service.ready(wait=min(1.0, max(0.0, until - time.monotonic()))) and time.monotonic() < until:
        worker.notify()  # still alive: gunicorn restarts a worker silent for its timeout
