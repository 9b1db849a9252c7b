"""Dates in search use the archive's time zone, the same way everywhere: ``date:`` in the
query, ``date=`` (a facet bucket), ``from``/``to`` and the date facet all read a year, month or
day through ``archive.dates.period`` (tested at a year boundary in Asia/Baghdad, UTC+3)."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from indexer.build import full_rebuild
from indexer.search import SearchRequest, SearchService

# 22:30 UTC on 31 December 2018 is 01:30 on 1 January 2019 in Baghdad.
NEW_YEAR_NIGHT = datetime(2018, 12, 31, 22, 30, tzinfo=timezone.utc)
EARLIER_THAT_DAY = datetime(2018, 12, 31, 12, 0, tzinfo=timezone.utc)


def article(aid: str, when: datetime) -> dict:
    return {"id": aid, "title": "احتفالات رأس السنة", "subtitle": None, "body": "احتفالات في بغداد",
            "author": None, "url": None, "published_at": when, "date_precision": "minute",
            "section": "culture", "section_label": None, "source": "Al Arabiya", "updated_at": when}


@pytest.fixture(params=["Asia/Baghdad", "UTC"], ids=["built-in-baghdad", "built-in-utc"])
def service(request, tmp_path):
    """Served in Baghdad time, whichever zone the index was built in."""
    full_rebuild([article("night", NEW_YEAR_NIGHT), article("noon", EARLIER_THAT_DAY)], str(tmp_path),
                 tz=request.param)
    svc = SearchService(str(tmp_path), tz="Asia/Baghdad")
    yield svc
    svc.close()


def found(service, query: str = "", **params) -> list[str]:
    return sorted(h.id for h in service.search(SearchRequest(query=query, **params)).hits)


@pytest.mark.parametrize("year, ids", [("2019", ["night"]), ("2018", ["noon"])])
def test_date_in_the_query_the_bucket_and_the_range_agree(service, year, ids):
    assert found(service, f"date:{year}") == ids
    assert found(service, f"احتفالات date:{year}") == ids
    assert found(service, date=[year]) == ids
    assert found(service, date_from=year, date_to=year) == ids
    facet = {v.value: v.count for v in service.search(SearchRequest()).facets["date"].values}
    assert facet == {"2018": 1, "2019": 1}


def test_months_and_days_in_baghdad_time(service):
    assert found(service, "date:2019-01") == found(service, date=["2019-01"]) == ["night"]
    assert found(service, "date:2019-01-01") == found(service, date_from="2019-01-01", date_to="2019-01-01") == ["night"]
    assert found(service, "date:2018-12-31") == ["noon"]
    months = service.search(SearchRequest(date=["2019"])).facets["date"].values
    assert [(v.value, v.count) for v in months] == [("2018", 1), ("2019", 1), ("2019-01", 1)]
