"""A real 2-node SolrCloud with ZooKeeper, started once per test run from the Maven jars
(solr/launcher, built on first use), and an archive of the sample to index into it."""
from __future__ import annotations

import pytest

from tests.conftest import ROOT, make_app, skip_or_fail


@pytest.fixture(scope="session")
def solr_cluster(tmp_path_factory):
    from indexer.solr.cluster import ClusterUnavailable, LocalCluster

    cluster = LocalCluster(tmp_path_factory.mktemp("solr"), nodes=2)
    try:
        cluster.start()
    except ClusterUnavailable as exc:
        skip_or_fail(f"no local SolrCloud: {exc}")
    try:
        yield cluster
    finally:
        cluster.shutdown()


@pytest.fixture(scope="session")
def sample_archive(tmp_path_factory):
    """An app whose archive holds sample/ (48 articles), not indexed. Tests that change articles
    make their own archive."""
    app = make_app(tmp_path_factory.mktemp("solr-sample") / "instance")
    runner = app.test_cli_runner()
    assert runner.invoke(args=["init"]).exit_code == 0
    result = runner.invoke(args=["ingest", str(ROOT / "sample"), "--json", "--no-reindex"])
    assert result.exit_code == 0, result.output
    return app
