"""The layout of index generations in ``instance/index``.

Each full rebuild writes a new generation directory; it is marked complete (``COMPLETE``
file, written after every file of the generation is on disk) only after its last commit, and
``CURRENT`` (a one-line file, replaced atomically) names the generation that serves searches.
Readers that opened the previous generation keep working; a crashed build leaves an
incomplete directory that the next build removes.

Writers (builds, incremental updates, rollback) hold ``build.lock`` (an flock, released by
the kernel when the last process holding it dies); readers never take it. Processes a writer
forks while it holds the lock (Whoosh's multi-process writer forks its sub-writers) close their
copy of it at once and are killed by the kernel when the writer dies, so a killed build leaves
neither processes nor the lock behind. A lock still held by processes whose writer is dead
(left by an older Arshif) is detected, they are stopped, and the lock is taken.
"""
from __future__ import annotations

import fcntl
import json
import logging
import os
import secrets
import shutil
import signal
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Iterator

from archive.errors import UserError
from archive.processes import die_with_parent  # noqa: F401 - also imported from here

CURRENT = "CURRENT"
COMPLETE = "COMPLETE"
META = "meta.json"
LOCK = "build.lock"
KEEP_PREVIOUS = 1
# Directories being removed are first renamed to this prefix, so a crash mid-removal never
# leaves a half-deleted directory that still looks like a complete generation.
TRASH = ".trash-"

# Test hook: a comma-separated list of checkpoint names at which a build pauses (until it is
# killed, or ARSHIF_TEST_PAUSE_SECONDS pass), after writing the name to ARSHIF_TEST_PAUSE_FILE.
# The kill test uses it to SIGKILL a build at exact points, the atomic switch included.
PAUSE_AT_ENV = "ARSHIF_TEST_PAUSE_AT"
PAUSE_FILE_ENV = "ARSHIF_TEST_PAUSE_FILE"
PAUSE_SECONDS_ENV = "ARSHIF_TEST_PAUSE_SECONDS"
CHECKPOINTS = ("generation-created", "writing", "committed", "complete", "switch", "switched")


# Seconds to wait for the processes holding a dead writer's lock to go, once stopped.
STALE_KILL_WAIT = 5.0

log = logging.getLogger(__name__)


class NoIndex(UserError):
    """There is no complete index generation yet (run ``arshif reindex``)."""


class IndexBusy(UserError):
    """Another process is writing the index (a build, an update or a rollback)."""


def checkpoint(name: str) -> None:
    """Pause here when the test hook names this point (a no-op otherwise)."""
    wanted = os.environ.get(PAUSE_AT_ENV)
    if not wanted or name not in wanted.split(","):
        return
    note = os.environ.get(PAUSE_FILE_ENV)
    if note:
        _atomic_write(Path(note), name)
    deadline = time.monotonic() + float(os.environ.get(PAUSE_SECONDS_ENV) or 60)
    while time.monotonic() < deadline:
        time.sleep(0.02)


# Locks this process holds: fd → pid of the process that took it. A process forked while a lock
# is held (Whoosh's multi-process writer forks its sub-writers) closes its copies at once and is
# killed by the kernel when its parent dies, so it can never outlive the build holding the lock.
_held: dict[int, int] = {}
_forking: list[int] = [0]


def _before_fork() -> None:
    _forking[0] = os.getpid()


def _after_fork_in_child() -> None:
    if not _held:
        return
    for fd in list(_held):
        try:
            os.close(fd)
        except OSError:
            pass
    _held.clear()
    die_with_parent(_forking[0])


os.register_at_fork(before=_before_fork, after_in_child=_after_fork_in_child)


def _lock_owner(st: os.stat_result) -> int | None:
    """The process that took the flock on the file ``st`` describes (from /proc/locks; it
    stays listed after that process died while processes it forked keep the lock), or None."""
    wanted = (os.major(st.st_dev), os.minor(st.st_dev), st.st_ino)
    try:
        lines = Path("/proc/locks").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        fields = line.split()
        if len(fields) >= 6 and fields[1] == "FLOCK" and fields[3] == "WRITE":
            try:
                major, minor, inode = fields[5].split(":")
                if (int(major, 16), int(minor, 16), int(inode)) == wanted:
                    return int(fields[4])
            except ValueError:
                continue
    return None


def _lock_holders(st: os.stat_result) -> list[int]:
    """Processes holding the flock on the file ``st`` describes (an fd whose fdinfo lists it)."""
    device = f"{os.major(st.st_dev):02x}:{os.minor(st.st_dev):02x}:{st.st_ino} "
    holders = []
    for fdinfo in Path("/proc").glob("[0-9]*/fdinfo/*"):
        try:
            text = fdinfo.read_text()
        except OSError:
            continue
        if "FLOCK" in text and device in text:
            holders.append(int(fdinfo.parts[2]))
    return sorted(set(holders))


def _is_generation(p: Path) -> bool:
    return p.is_dir() and p.name.startswith("g")


def rollback_target(complete: list[str], current: str | None) -> str:
    """The newest complete generation older than ``current`` (both engines roll back to it)."""
    older = [g for g in complete if current is None or g < current]
    if not older:
        raise NoIndex("there is no earlier complete generation to roll back to")
    return older[-1]


def next_generation_name(existing: Iterable[str]) -> str:
    """A new generation's name ('g<UTC time>-<hex>'), sorting after every name in ``existing``:
    names sort in creation order (rollback relies on it), even within one second. The Solr
    engine names its collections the same way."""
    newest = max(existing, default="")
    while True:
        name = datetime.now(timezone.utc).strftime("g%Y%m%dT%H%M%S%f") + "-" + secrets.token_hex(2)
        if name > newest:
            return name


class IndexRoot:
    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    @contextmanager
    def lock(self, wait: float = 0.0) -> Iterator[None]:
        """Hold the writers' lock; IndexBusy when another writer keeps it longer than ``wait`` s."""
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.root / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
        owner = os.getpid()
        try:
            deadline = time.monotonic() + wait
            stale_checked = False
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if not stale_checked:
                        stale_checked = True
                        if self._stop_stale_holders(os.fstat(fd)):
                            continue
                    if time.monotonic() >= deadline:
                        raise IndexBusy("another process is writing the search index "
                                        "(a reindex or a rollback); try again when it has finished") from None
                    time.sleep(0.1)
            _held[fd] = owner
            yield
        finally:
            if os.getpid() == owner:  # a forked child closed its copy already
                _held.pop(fd, None)
                os.close(fd)  # closing releases the lock

    def _stop_stale_holders(self, st: os.stat_result) -> bool:
        """When the writer that took the lock is dead but processes it forked still hold it,
        stop them (they can only be its leftovers) and say so; False when the lock is live."""
        from archive.jobs import pid_alive

        owner = _lock_owner(st)
        if owner is None or pid_alive(owner):
            return False
        holders = [p for p in _lock_holders(st) if p != os.getpid()]
        if not holders:
            return True  # released meanwhile: try again
        log.warning("the search index lock was held by processes %s left over from writer %s, which "
                    "died; stopping them", holders, owner)
        for pid in holders:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            except PermissionError:
                raise IndexBusy("the search index lock is held by processes %(holders)s left over from a reindex "
                                "(process %(owner)s) that died; stop them and try again",
                                holders=", ".join(map(str, holders)), owner=owner) from None
        deadline = time.monotonic() + STALE_KILL_WAIT
        while any(pid_alive(p) for p in holders) and time.monotonic() < deadline:
            time.sleep(0.05)
        return True

    def new_generation(self) -> tuple[str, Path]:
        """Create the directory of a new (incomplete) generation."""
        self.root.mkdir(parents=True, exist_ok=True)
        name = next_generation_name(p.name for p in self.root.iterdir() if _is_generation(p))
        path = self.root / name
        path.mkdir()
        _fsync_dir(self.root)
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
        """Mark a generation complete, once everything it holds is on disk (not only in the
        page cache: a power cut after this must not leave a 'complete' generation with holes)."""
        path = self.root / name
        for p in path.iterdir():
            if p.is_file():
                with open(p, "rb") as fh:
                    os.fsync(fh.fileno())
        _fsync_dir(path)
        _atomic_write(path / COMPLETE, datetime.now(timezone.utc).isoformat())

    def switch(self, name: str) -> None:
        """Make ``name`` the serving generation (atomic: readers see the old or the new)."""
        if not (self.root / name / COMPLETE).exists():
            raise NoIndex("generation %(name)s is not complete", name=name)
        _atomic_write(self.root / CURRENT, name + "\n", before_replace=lambda: checkpoint("switch"))

    def complete_generations(self) -> list[str]:
        if not self.root.exists():
            return []
        return sorted(p.name for p in self.root.iterdir() if _is_generation(p) and (p / COMPLETE).exists())

    def prune(self) -> list[str]:
        """Remove incomplete generations, complete ones newer than the serving one (left by a
        build that died between completing and switching, or undone by a rollback), and all
        but KEEP_PREVIOUS complete ones older than it; also temporary files of crashed writes.
        Call it holding ``lock()``: it must not run beside a build."""
        if not self.root.exists():
            return []
        current = self.current()
        older = [g for g in self.complete_generations() if current is None or g < current]
        keep = set(older[-KEEP_PREVIOUS:]) | ({current} if current else set())
        removed = []
        for p in sorted(self.root.iterdir()):
            if p.name.startswith(TRASH):
                shutil.rmtree(p, ignore_errors=True)
            elif _is_generation(p) and p.name not in keep:
                trash = self.root / (TRASH + p.name)
                os.rename(p, trash)
                shutil.rmtree(trash, ignore_errors=True)
                removed.append(p.name)
            elif p.is_file() and ".tmp-" in p.name:
                p.unlink(missing_ok=True)
        return removed

    def rollback(self) -> str:
        """Switch back to the newest complete generation older than the current one."""
        with self.lock(wait=5.0):
            target = rollback_target(self.complete_generations(), self.current())
            self.switch(target)
            return target

    def disk_usage(self) -> dict[str, int]:
        """Bytes used by each generation directory."""
        out = {}
        if self.root.exists():
            for p in self.root.iterdir():
                if _is_generation(p):
                    out[p.name] = sum(f.stat().st_size for f in p.rglob("*") if f.is_file())
        return out


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _atomic_write(path: Path, text: str, before_replace=None) -> None:
    tmp = path.with_name(path.name + f".tmp-{os.getpid()}")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    if before_replace is not None:
        before_replace()
    os.replace(tmp, path)
    _fsync_dir(path.parent)
