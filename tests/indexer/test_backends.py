"""The builds of the configured engine (``IndexBuilds``) on Whoosh: the generations it lists for
the admin status page, the rollback it offers before switching, and the switch itself."""
from __future__ import annotations

from indexer.backends import IndexBuilds
from tests.indexer.test_generations import articles


def test_generations_newest_first_with_the_serving_one_marked_and_the_rollback_it_offers(tmp_path):
    builds = IndexBuilds({"INDEX_DIR": str(tmp_path)})
    assert builds.current() is None and builds.generations() == []
    assert builds.rollback_choice() == (None, None)

    first = builds.full_rebuild(articles(3), 3, "UTC", None, None).generation
    second = builds.full_rebuild(articles(5), 5, "UTC", None, None).generation
    listed = builds.generations()
    assert [g["name"] for g in listed] == [second, first]
    assert [g["serving"] for g in listed] == [True, False]
    assert all(g["bytes"] > 0 for g in listed)
    assert [g["meta"]["articles"] for g in listed] == [5, 3]
    assert builds.rollback_choice() == (second, first)   # asked: nothing switched yet
    assert builds.current() == second

    assert builds.rollback() == first
    assert builds.current() == first
    assert builds.rollback_choice() == (first, None)     # nothing older than the first
