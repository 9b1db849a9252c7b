"""Facets of a search, engine-neutral: which counts to ask the engine for (each facet under
every filter but its own), and the ``Facet`` a reader sees — each value with its label, count
and whether it is selected, the most frequent first, selected values always shown, the months
of a year inside the date facet once one year is chosen. Facets come after the hits; entity
facets have a time box: one not reached in time is marked timed out, never a reason to
withhold the results (as in Datasette's facets)."""
from __future__ import annotations

import time

from archive.errors import N_, Message
from indexer.engine import FacetQuery, Searcher, Selection
from indexer.query import ENTITY_KINDS
from indexer.request import SearchRequest, SearchTimeout
from indexer.results import Facet, FacetValue

FACET_LIMIT = 30
FACET_NAMES = ("section", "source", *ENTITY_KINDS, "date")
FACET_TIMED_OUT = {"person": N_("The person facet took too long and is not shown for this search."),
                   "org": N_("The org facet took too long and is not shown for this search."),
                   "place": N_("The place facet took too long and is not shown for this search.")}


def value_facet(name: str, counts: dict[str, int], selected: list[str]) -> Facet:
    """Section and source: the most frequent values and every selected one, by count."""
    values = [FacetValue(label, label, count, label in selected)
              for label, count in counts.items() if label and (count or label in selected)]
    values.sort(key=lambda v: (not v.selected, -v.count, v.label))
    top = values[:FACET_LIMIT] + [v for v in values[FACET_LIMIT:] if v.selected]
    top.sort(key=lambda v: (-v.count, v.label))
    return Facet(name, top)


def entity_facet(kind: str, counts: dict[str, int], chosen: set[str], labels: dict) -> Facet:
    """People, organisations, places: the most mentioned (ties by id), then the chosen ones
    not among them; labelled with the authority file's names."""
    def label(eid: str) -> str:
        return labels.get(eid, (eid,))[0]

    ranked = sorted((eid for eid, n in counts.items() if n), key=lambda eid: (-counts[eid], eid))
    values = [FacetValue(eid, label(eid), counts[eid], eid in chosen) for eid in ranked[:FACET_LIMIT]]
    shown = {v.value for v in values}
    values += [FacetValue(eid, label(eid), counts.get(eid, 0), True) for eid in chosen - shown]
    return Facet(kind, values)


def date_facet(years: dict[str, int], months: dict[str, int] | None, selected: list[str]) -> Facet:
    """Years in order; with one year chosen (or a month of it), its months after it."""
    values = [FacetValue(y, y, n, y in selected) for y, n in sorted(years.items())
              if y and (n or y in selected)]
    chosen_years = {v[:4] for v in selected}
    if months is not None and len(chosen_years) == 1:
        year = next(iter(chosen_years))
        inside = [FacetValue(m, m, n, m in selected) for m, n in sorted(months.items())
                  if m.startswith(year + "-") and (n or m in selected)]
        out = []
        for v in values:
            out.append(v)
            if v.value == year:
                out.extend(inside)
        values = out
    return Facet("date", values)


def compute_facets(searcher: Searcher, selection: Selection, req: SearchRequest, labels: dict,
                   resolve, time_limit: float) -> tuple[dict[str, Facet], list[str]]:
    """Every facet of a search (``FACET_NAMES``) and the notices for those that timed out.
    ``labels``: entity id → [name, kind]; ``resolve``: entity ids → ids as indexed."""
    deadline = time.perf_counter() + time_limit

    def counts(field, exclude=None, limit=None, keep=()):
        return searcher.facet_counts(selection, FacetQuery(field, exclude or field, limit, tuple(keep), deadline))

    def date():
        years = [v for v in req.date if len(v) == 4]
        months = [v for v in req.date if len(v) == 7]
        one_year = len({v[:4] for v in req.date}) == 1
        return date_facet(counts("year", "date", keep=years),
                          counts("month", "date", keep=months) if one_year else None, req.date)

    def entity(kind):
        chosen = set(resolve(getattr(req, kind)))
        return entity_facet(kind, counts(kind, limit=FACET_LIMIT, keep=sorted(chosen)), chosen, labels)

    # The single-valued facets (one count per matching article, the same work as the filters)
    # are always computed, so their counts sum to the total; each entity facet has the rest of
    # the time box and is reported as timed out past it, never a reason to withhold the results.
    facets = {"section": value_facet("section", counts("section", keep=req.section), req.section),
              "source": value_facet("source", counts("source", keep=req.source), req.source),
              "date": date()}
    notices = []
    for kind in ENTITY_KINDS:
        try:
            if time.perf_counter() > deadline:
                raise SearchTimeout()
            facets[kind] = entity(kind)
        except SearchTimeout:  # past the time box, or the engine is still reading the facet
            facets[kind] = Facet(kind, [], timed_out=True)
            notices.append(Message(FACET_TIMED_OUT[kind]))
    return {name: facets[name] for name in FACET_NAMES}, notices
