"""Gunicorn hooks of `arshif serve`: each worker opens the index as it starts (facet columns
read before the first search rather than during it)."""
from __future__ import annotations


def post_worker_init(worker) -> None:
    worker.wsgi.extensions["arshif.search"].warm()
