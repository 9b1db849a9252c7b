"""Search requests as query parameters, for the links of the pages, feeds and exports."""
from __future__ import annotations

from dataclasses import asdict

from indexer.request import FILTER_PARAMS, SearchRequest


def search_params(req: SearchRequest, **changes) -> list[tuple[str, str]]:
    """The request as query parameters, with ``changes`` applied (defaults left out)."""
    data = asdict(req)
    data.update(changes)
    out = []
    if data["query"]:
        out.append(("q", data["query"]))
    for name in FILTER_PARAMS:
        out.extend((name, v) for v in data[name])
    if data["date_from"]:
        out.append(("from", data["date_from"]))
    if data["date_to"]:
        out.append(("to", data["date_to"]))
    if data["sort"] != "relevance":
        out.append(("sort", data["sort"]))
    if data["page"] != 1:
        out.append(("page", str(data["page"])))
    if data["per_page"] != 10:
        out.append(("per_page", str(data["per_page"])))
    return out
