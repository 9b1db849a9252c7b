"""Index generations: what prune keeps and removes after crashes at each stage, the writers'
lock, and rollback still reaching the previous generation after a build died before switching."""
from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timezone

import pytest

from archive.jobs import pid_alive
from indexer.build import full_rebuild
from indexer.generations import COMPLETE, IndexBusy, IndexRoot, NoIndex


def articles(n: int, prefix: str = "a") -> list[dict]:
    when = datetime(2020, 1, 1, tzinfo=timezone.utc)
    return [{"id": f"{prefix}{i}", "title": f"عنوان {i}", "subtitle": None, "body": "خبر عن سوريا والعراق",
             "author": None, "url": None, "published_at": when, "date_precision": "day", "section": "politic",
             "section_label": "politic", "source": "Al Arabiya", "updated_at": when} for i in range(n)]


def fake_complete(root: IndexRoot) -> str:
    """A generation that completed but was never switched to (a build killed before the switch)."""
    name, path = root.new_generation()
    (path / COMPLETE).write_text("x")
    return name


def test_prune_after_crashes_keeps_serving_and_previous_only(tmp_path):
    root = IndexRoot(tmp_path)
    first = full_rebuild(articles(3), str(tmp_path)).generation
    second = full_rebuild(articles(4), str(tmp_path)).generation
    partial, _ = root.new_generation()                  # killed while writing
    orphan = fake_complete(root)                        # killed between COMPLETE and the switch
    (tmp_path / "CURRENT.tmp-999").write_text(orphan)   # killed inside the switch
    (tmp_path / ".trash-gold").mkdir()                  # killed while removing a generation
    assert root.current() == second
    removed = root.prune()
    assert set(removed) == {partial, orphan}
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["CURRENT", "build.lock", first, second])
    # rollback still goes to the real previous generation, not the orphan
    assert root.rollback() == first


def test_a_crashed_half_deleted_generation_is_never_complete(tmp_path):
    root = IndexRoot(tmp_path)
    full_rebuild(articles(2), str(tmp_path))
    trash = tmp_path / ".trash-g20200101T000000000000-abcd"
    trash.mkdir()
    (trash / COMPLETE).write_text("x")
    assert trash.name not in root.complete_generations()
    root.prune()
    assert not trash.exists()


def test_writers_lock_refuses_a_second_writer(tmp_path):
    root = IndexRoot(tmp_path)
    full_rebuild(articles(2), str(tmp_path))
    with root.lock():
        with pytest.raises(IndexBusy):
            with root.lock(wait=0.2):
                pass
        with pytest.raises(IndexBusy):
            with IndexRoot(tmp_path).lock():
                pass
    with root.lock():  # released
        pass


def test_rollback_without_an_earlier_generation(tmp_path):
    root = IndexRoot(tmp_path)
    full_rebuild(articles(2), str(tmp_path))
    with pytest.raises(NoIndex):
        root.rollback()


def test_progress_reports_total_first_and_all_at_the_end(tmp_path):
    calls = []
    full_rebuild(articles(250), str(tmp_path), total=250, progress=lambda d, t: calls.append((d, t)))
    assert calls[0] == (0, 250) and calls[-1] == (250, 250)
    assert (100, 250) in calls and (200, 250) in calls


def test_a_failed_two_process_build_stops_its_sub_writers_and_frees_the_lock(tmp_path):
    def failing():
        yield from articles(450)
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError):
        full_rebuild(failing(), str(tmp_path), total=900, procs=2, multiprocess_min=100)
    assert multiprocessing.active_children() == []  # nothing left waiting for work
    with IndexRoot(tmp_path).lock():
        pass


def _hold_the_lock_and_fork(index_dir: str, ready) -> None:
    """In a child process: take the writers' lock, fork a process that waits forever, say so."""
    with IndexRoot(index_dir).lock():
        pid = os.fork()
        if pid == 0:
            time.sleep(600)
            os._exit(0)
        ready.send(pid)
        time.sleep(600)


def test_a_process_forked_by_a_writer_neither_keeps_the_lock_nor_outlives_it(tmp_path):
    here, there = multiprocessing.Pipe()
    writer = multiprocessing.Process(target=_hold_the_lock_and_fork, args=(str(tmp_path), there))
    writer.start()
    assert here.poll(30)
    grandchild = here.recv()
    with pytest.raises(IndexBusy):
        with IndexRoot(tmp_path).lock():
            pass
    writer.kill()
    writer.join()
    with IndexRoot(tmp_path).lock(wait=10):  # free once the writer is gone
        pass
    deadline = time.monotonic() + 10
    while pid_alive(grandchild) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not pid_alive(grandchild)


def test_a_lock_left_to_the_children_of_a_dead_writer_is_taken_back(tmp_path):
    """What an Arshif without the fork guard left behind: a dead writer's child holding the
    lock (here a child forked before the guard could close its copy)."""
    script = (
        "import fcntl, os, sys, time\n"
        "fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)\n"
        "fcntl.flock(fd, fcntl.LOCK_EX)\n"
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    time.sleep(600)\n"
        "print(pid, flush=True)\n"
        "time.sleep(600)\n")
    lock = tmp_path / "build.lock"
    writer = subprocess.Popen([sys.executable, "-c", script, str(lock)], stdout=subprocess.PIPE, text=True)
    orphan = int(writer.stdout.readline())
    writer.kill()
    writer.wait()
    try:
        assert pid_alive(orphan)
        with IndexRoot(tmp_path).lock(wait=0):  # no 30 s wait: the holder is found and stopped
            pass
        assert not pid_alive(orphan)
    finally:
        if pid_alive(orphan):
            os.kill(orphan, signal.SIGKILL)


def _block_compression(index_root) -> list:
    """Whether each posting block of the word سوريا in the serving generation is compressed."""
    from whoosh.filedb.filestore import FileStorage

    from indexer.fastpath import _leaf

    ix = FileStorage(str(IndexRoot(index_root).current_path()), readonly=True).open_index()
    with ix.searcher() as s:
        flags = []
        for reader in [r for r, _offset in s.reader().leaf_readers()]:
            m = _leaf(reader.postings("body", "سوريا"))
            while m.is_active():
                flags.append(bool(m._compression))
                m._next_block()
        return flags


def test_generations_are_written_with_uncompressed_posting_blocks(tmp_path):
    from whoosh.codec.whoosh3 import W3Codec

    from indexer.build import incremental_update
    from indexer.search import SearchRequest, SearchService

    full_rebuild(articles(300), str(tmp_path / "whoosh"), write_codec=W3Codec())  # Whoosh's default
    assert any(_block_compression(tmp_path / "whoosh"))
    full_rebuild(articles(300), str(tmp_path / "ours"))
    assert _block_compression(tmp_path / "ours") and not any(_block_compression(tmp_path / "ours"))
    # An older generation with compressed blocks takes incremental updates and is read as before.
    incremental_update(articles(50, prefix="b"), str(tmp_path / "whoosh"))
    service = SearchService(str(tmp_path / "whoosh"), cache_size=0)
    try:
        assert service.search(SearchRequest(query="سوريا")).total == 350
    finally:
        service.close()
