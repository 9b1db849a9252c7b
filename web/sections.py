"""Section labels in the interface: the label of a code in the interface's language, and the
request the search engine gets, with ``section`` values and ``section:`` in the query turned
from labels into codes (archive/sections.py names them; the engine only knows codes)."""
from __future__ import annotations

from dataclasses import replace

from flask import Flask, current_app, g, has_request_context

from archive.sections import LabelCache, code_for
from indexer.query import replace_filter_values
from indexer.search import SearchRequest
from web.i18n import current_lang


def labels() -> dict[str, tuple[str | None, str | None]]:
    """code → (Arabic, English) labels, the same table for a whole request (an empty table
    before init), from the worker's cache (SECTION_LABELS_TTL), not a query per request."""
    if has_request_context() and "arshif_sections" in g:
        return g.arshif_sections
    try:
        table = current_app.extensions["arshif.section_labels"].get()
    except Exception as exc:  # no database yet: codes are shown as they are
        current_app.logger.warning("section labels unavailable: %s", exc)
        table = {}
    if has_request_context():
        g.arshif_sections = table
    return table


def section_label(code: str | None, lang: str | None = None) -> str:
    """The section's label in the interface's language (else the other label, else the code)."""
    if not code:
        return ""
    ar, en = labels().get(code, (None, None))
    first, second = (ar, en) if (lang or current_lang()) == "ar" else (en, ar)
    return first or second or code


def resolve(req: SearchRequest) -> SearchRequest:
    """``req`` with section labels turned into codes: its ``section`` values in place (so links
    and facets speak codes), and a copy for the engine whose query has ``section:`` codes (the
    reader's query text stays as typed)."""
    table = labels()
    if not table:
        return req
    req.section = [code_for(table, v) for v in req.section]
    query = replace_filter_values(req.query, "section", lambda v: code_for(table, v))
    return replace(req, query=query) if query != req.query else req


def init_app(app: Flask) -> None:
    app.extensions["arshif.section_labels"] = LabelCache(app.extensions["arshif.db"],
                                                         float(app.config["SECTION_LABELS_TTL"]))
    app.jinja_env.globals.update(section_label=section_label)
