"""The layout of index generations in ``instance/index``.

Each full rebuild writes a new generation directory; it is marked complete (``COMPLETE``
file) only after its last commit, and ``CURRENT`` (a one-line file, replaced atomically)
names the generation that serves searches. Readers that opened the previous generation keep
working; a crashed build leaves an incomplete directory that the next build removes.
"""
from __future__ import annotations

import json
import os
import secrets
import shutil
from datetime import datetime, timezone
from pathlib import Path

CURRENT = "CURRENT"
COMPLETE = "COMPLETE"
META = "meta.json"
KEEP_PREVIOUS = 1


class NoIndex(Exception):
    """There is no complete index generation yet (run ``arshif reindex``)."""


class IndexRoot:
    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def new_generation(self) -> tuple[str, Path]:
        """Create the directory of a new (incomplete) generation."""
        self.root.mkdir(parents=True, exist_ok=True)
        # Names sort in creation order (rollback relies on it), even within one second.
        newest = max((p.name for p in self.root.iterdir() if p.is_dir()), default="")
        while True:
            name = datetime.now(timezone.utc).strftime("g%Y%m%dT%H%M%S%f") + "-" + secrets.token_hex(2)
            if name > newest:
                break
        path = self.root / name
        path.mkdir()
        return name, path

    def current(self) -> str | None:
        try:
            name = (self.root / CURRENT).read_text().strip()
        except FileNotFoundError:
            return None
        return name or None

    def current_path(self) -> Path:
        name = self.current()
        if name is None or not (self.root / name / COMPLETE).exists():
            raise NoIndex("there is no search index yet: run 'arshif reindex'")
        return self.root / name

    def read_meta(self, name: str) -> dict:
        try:
            return json.loads((self.root / name / META).read_text())
        except (FileNotFoundError, ValueError):
            return {}

    def write_meta(self, name: str, meta: dict) -> None:
        _atomic_write(self.root / name / META, json.dumps(meta, ensure_ascii=False, indent=1))

    def mark_complete(self, name: str) -> None:
        _atomic_write(self.root / name / COMPLETE, datetime.now(timezone.utc).isoformat())

    def switch(self, name: str) -> None:
        """Make ``name`` the serving generation (atomic: readers see the old or the new)."""
        if not (self.root / name / COMPLETE).exists():
            raise NoIndex(f"generation {name} is not complete")
        _atomic_write(self.root / CURRENT, name + "\n")

    def complete_generations(self) -> list[str]:
        if not self.root.exists():
            return []
        return sorted(p.name for p in self.root.iterdir() if (p / COMPLETE).exists())

    def prune(self) -> list[str]:
        """Remove incomplete generations and all but KEEP_PREVIOUS older complete ones."""
        current = self.current()
        if not self.root.exists():
            return []
        complete = [g for g in self.complete_generations() if g != current]
        keep = set(complete[-KEEP_PREVIOUS:]) | {current}
        removed = []
        for p in self.root.iterdir():
            if p.is_dir() and p.name not in keep:
                shutil.rmtree(p, ignore_errors=True)
                removed.append(p.name)
        return removed

    def rollback(self) -> str:
        """Switch back to the newest complete generation older than the current one."""
        current = self.current()
        older = [g for g in self.complete_generations() if current is None or g < current]
        if not older:
            raise NoIndex("there is no earlier complete generation to roll back to")
        self.switch(older[-1])
        return older[-1]


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + f".tmp-{os.getpid()}")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
