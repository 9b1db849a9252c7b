"""tests/indexer/test_seats.py against SolrCloud: a hamza seat typed as ي or و reads alike."""
from __future__ import annotations

import pytest

from archive.store import iter_articles
from indexer.search import SearchService
from indexer.solr.build import full_rebuild
from indexer.solr.client import SolrClient
from indexer.solr.engine import SolrEngine
from indexer.solr.generations import SolrGenerations
from tests.indexer.test_seats import (  # noqa: F401  (collected here, against Solr)
    build, test_a_query_that_finds_nothing_as_typed_reads_the_seats,
    test_a_query_that_finds_something_keeps_its_words_as_typed,
    test_a_seat_the_stemmer_reads_ranks_as_the_hamza_spelling)


@pytest.fixture(scope="module")
def service(solr_cluster, tmp_path_factory):
    root, db = build(tmp_path_factory, "solr-seats")
    full_rebuild(iter_articles(db), SolrGenerations(SolrClient(solr_cluster.solr_url), "seats"))
    svc = SearchService(str(root / "index"), cache_size=0, engine=SolrEngine(solr_cluster.solr_url, "seats"))
    yield svc
    svc.close()
    db.dispose()
