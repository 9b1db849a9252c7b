"""Dates on the SolrCloud engine are the serving zone's, whichever zone the collection was built
in: ``date:``, ``date=``, ``from``/``to`` and the date facet agree (tests/indexer/
test_search_dates.py's own tests, answered by a collection built in Baghdad time and by one
built in UTC, both served in Baghdad time)."""
from __future__ import annotations

import pytest

from indexer.search import SearchService
from indexer.solr.build import full_rebuild
from indexer.solr.client import SolrClient
from indexer.solr.engine import SolrEngine
from indexer.solr.generations import SolrGenerations
from tests.indexer.test_search_dates import (  # noqa: F401  (collected here, against Solr)
    EARLIER_THAT_DAY, NEW_YEAR_NIGHT, article, test_date_in_the_query_the_bucket_and_the_range_agree,
    test_months_and_days_in_baghdad_time)


@pytest.fixture(scope="module", params=["Asia/Baghdad", "UTC"], ids=["built-in-baghdad", "built-in-utc"])
def service(request, solr_cluster, tmp_path_factory):
    alias = "dates_" + request.param.replace("/", "_").lower()
    generations = SolrGenerations(SolrClient(solr_cluster.solr_url), alias)
    full_rebuild([article("night", NEW_YEAR_NIGHT), article("noon", EARLIER_THAT_DAY)], generations,
                 tz=request.param)
    engine = SolrEngine(solr_cluster.solr_url, alias, tz="Asia/Baghdad")
    assert engine.searcher().zoned == (request.param != "Asia/Baghdad")
    svc = SearchService(str(tmp_path_factory.mktemp("solr-dates")), tz="Asia/Baghdad", engine=engine)
    yield svc
    svc.close()
