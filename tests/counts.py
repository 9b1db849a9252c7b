"""Checks that every count the product shows adds up, for the sample and the corpus-slice tests:
single-valued facets sum to the total, the histogram's bars sum to the total, and an entity's
page, its facet count and the search filtered by it agree."""
from __future__ import annotations

import re

_BAR = re.compile(r'<text class="count"[^>]*>([\d,]+)</text>')
_ENTITY_COUNT = re.compile(r'<p class="count">([\d,]+) articles? mentions? it</p>')


def _int(text: str) -> int:
    return int(text.replace(",", ""))


def bars(client, **params) -> list[int]:
    html = client.get("/search", query_string={**params, "lang": "en"}).get_data(as_text=True)
    return [_int(n) for n in _BAR.findall(html)]


def assert_counts_add_up(client, **params) -> dict:
    """Every count of one search (and of the entities its facets name) agrees; returns the
    search's JSON."""
    data = client.get("/api/v1/search", query_string={**params, "per_page": 1}).get_json()
    total = data["total"]
    facets = data["facets"]
    for name in ("section", "source"):
        # a facet counts under every filter but its own: with its filter set, the selected values sum
        values = [v for v in facets[name] if v["selected"] or name not in params]
        assert sum(v["count"] for v in values) == total, (name, params)
    years = [v for v in facets["date"] if len(v["value"]) == 4]
    assert sum(v["count"] for v in years) == total, params
    assert sum(bars(client, **params)) == total, params
    for year in years[:2]:  # one year selected: its months (and the bars) sum to its count
        picked = client.get("/api/v1/search", query_string={**params, "date": year["value"]}).get_json()
        months = [v for v in picked["facets"]["date"] if len(v["value"]) == 7]
        assert picked["total"] == year["count"] == sum(v["count"] for v in months), (year, params)
        assert sum(bars(client, **params, date=year["value"])) == year["count"]
    for kind in ("person", "org", "place"):
        for value in facets[kind][:2]:
            filtered = client.get("/api/v1/search", query_string={**params, kind: value["value"]}).get_json()
            assert filtered["total"] == value["count"], (kind, value, params)
            if not params:
                page = client.get(f"/entity/{value['value']}", query_string={"lang": "en"}).get_data(as_text=True)
                assert [_int(n) for n in _ENTITY_COUNT.findall(page)] == [value["count"]], value
                assert sum(_int(n) for n in _BAR.findall(page)) == value["count"], value
    return data
