"""Journalist tools on any search: CSV and JSON exports (streamed), an Atom feed (newest first)
and the OpenSearch description. Request → SearchService.export → rows/XML."""
from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime, timezone
from html import unescape
from urllib.parse import urlencode

from flask_babel import force_locale
from flask_babel import gettext as _
from flask import (Blueprint, Response, current_app, jsonify, render_template, request,
                   stream_with_context, url_for)

from archive.dates import to_iso_z
from archive.db import unavailable
from archive.store import bylines, get_article
from indexer.generations import NoIndex
from indexer.search import SearchError, SearchRequest, SearchTimeout
from web.labels import error_text
from web.sections import resolve, section_label
from web.links import search_params
from web.security import public_url

bp = Blueprint("feeds", __name__)

# The formats a search exports to (/search.csv, /search.json, /search.atom).
EXPORT_FORMATS = ("csv", "json", "atom")
CSV_COLUMNS = ["id", "date", "title", "section", "source", "url", "permalink", "entities", "section_label", "author",
               "snippet"]
# How many exported hits share one look-up of their authors.
BYLINE_BATCH = 500
# A cell starting with one of these is a formula to Excel/LibreOffice/Sheets (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Characters XML 1.0 forbids (C0 controls but tab, newline, carriage return).
TAGS = re.compile(r"<[^>]+>")
XML_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _message(exc) -> str:
    lang = request.args.get("lang") or request.accept_languages.best_match(["en", "ar"], "en")
    with force_locale(lang if lang in ("ar", "en") else "en"):
        return error_text(exc)


def _hits(req: SearchRequest, limit: int, snippets: bool = False):
    """The search's hits as an iterator whose first item is already fetched, so that a bad
    query is a 400 before any byte is streamed. Returns (iterator, error response)."""
    service = current_app.extensions["arshif.search"]
    try:
        it = service.export(resolve(req), limit, snippets=snippets)
        first = next(it, None)
    except SearchError as exc:
        return None, (jsonify(error=_message(exc)), 400)
    except SearchTimeout as exc:
        return None, (jsonify(error=_message(exc)), 503)
    except NoIndex as exc:
        return None, (jsonify(error=_message(exc)), 503)

    def chained():
        if first is not None:
            yield first
            yield from it
    return chained(), None


def _request() -> SearchRequest:
    return SearchRequest.from_params(request.args.getlist)


def safe_cell(value) -> str:
    """A CSV cell a spreadsheet shows as text: a leading = + - @ (or tab/CR) gets a quote."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def permalink(article_id: str) -> str:
    return public_url(url_for("search.article_page", article_id=article_id))


def _entities_text(hit) -> str:
    return "; ".join(e.get("name", "") for e in hit.entities)


def _with_authors(hits):
    """(hit, author) pairs, the authors read from the archive a batch at a time."""
    batch = []
    for h in hits:
        batch.append(h)
        if len(batch) == BYLINE_BATCH:
            yield from _authored(batch)
            batch = []
    yield from _authored(batch)


def _authored(batch):
    found = authors([h.id for h in batch])
    return [(h, found.get(h.id)) for h in batch]


def authors(article_ids: list[str]) -> dict[str, str]:
    """article id → author, from the archive database; none while it is unavailable (searches
    and exports read the index and stay up)."""
    try:
        return bylines(current_app.extensions["arshif.db"], article_ids)
    except Exception as exc:
        if not unavailable(exc):
            raise
        current_app.logger.warning("authors unavailable: %s", exc)
        return {}


def snippet_text(hit) -> str:
    """The hit's snippet as plain text (the page marks the search words; a file does not)."""
    return unescape(TAGS.sub("", hit.snippet_html or ""))


def _filename(ext: str) -> str:
    return f"arshif-search-{datetime.now(timezone.utc):%Y%m%d-%H%M%S}.{ext}"


@bp.get("/search.csv")
def export_csv():
    try:
        req = _request()
    except SearchError as exc:
        return jsonify(error=_message(exc)), 400
    hits, error = _hits(req, current_app.config["EXPORT_MAX_ROWS"], snippets=True)
    if error:
        return error

    def rows():
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\r\n")
        buf.write("\ufeff")  # so that Excel reads the Arabic as UTF-8
        writer.writerow(CSV_COLUMNS)
        for h, author in _with_authors(hits):
            writer.writerow([safe_cell(v) for v in (h.id, h.date, h.title, h.section, h.source, h.url,
                                                      permalink(h.id), _entities_text(h), section_label(h.section),
                                                      author, snippet_text(h))])
            if buf.tell() > 16_384:
                yield buf.getvalue()
                buf.seek(0)
                buf.truncate()
        yield buf.getvalue()

    return Response(stream_with_context(rows()), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{_filename("csv")}"'})


@bp.get("/search.json")
def export_json():
    try:
        req = _request()
    except SearchError as exc:
        return jsonify(error=_message(exc)), 400
    limit = current_app.config["EXPORT_MAX_ROWS"]
    hits, error = _hits(req, limit, snippets=True)
    if error:
        return error

    def chunks():
        head = {"query": req.query, "params": dict_params(req), "limit": limit,
                "exported_at": to_iso_z(datetime.now(timezone.utc))}
        yield json.dumps(head, ensure_ascii=False)[:-1] + ', "hits": ['
        count = 0
        for h, author in _with_authors(hits):
            row = {"id": h.id, "title": h.title, "url": h.url, "date": h.date,
                   "date_precision": h.date_precision, "section": h.section,
                   "section_label": section_label(h.section) or None, "source": h.source,
                   "permalink": permalink(h.id), "entities": h.entities, "author": author,
                   "snippet": snippet_text(h)}
            yield ("," if count else "") + "\n" + json.dumps(row, ensure_ascii=False)
            count += 1
        yield f'\n], "count": {count}}}\n'

    return Response(stream_with_context(chunks()), mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{_filename("json")}"'})


def dict_params(req: SearchRequest) -> dict:
    out: dict = {}
    for k, v in search_params(req, page=1, per_page=10):
        out.setdefault(k, []).append(v)
    return out


def xml_text(value) -> str:
    return XML_FORBIDDEN.sub("", "" if value is None else str(value))


@bp.get("/search.atom")
def atom():
    try:
        req = _request()
    except SearchError as exc:
        return jsonify(error=_message(exc)), 400
    req.sort = "newest"
    hits, error = _hits(req, current_app.config["FEED_ENTRIES"])
    if error:
        return error
    db = current_app.extensions["arshif.db"]
    entries = []
    for h in hits:
        article = get_article(db, h.id)
        body = (article or {}).get("body") or ""
        summary = " ".join(body.split())
        entries.append({"hit": h, "summary": summary[:400] + ("…" if len(summary) > 400 else ""),
                        "author": (article or {}).get("author")})
    params = search_params(req, sort="relevance", page=1, per_page=10)
    query_string = urlencode(params)
    base = public_url()
    updated = entries[0]["hit"].date if entries else "1970-01-01T00:00:00Z"
    # Made here, not in the template, so that the query is escaped once (as XML text).
    feed_title = _("Arshif: %(query)s", query=req.query) if req.query else _("Arshif: latest articles")
    xml = render_template("search.atom.xml", entries=entries, req=req, updated=updated, feed_title=feed_title,
                          self_url=f"{base}/search.atom" + (f"?{query_string}" if params else ""),
                          html_url=f"{base}/search" + (f"?{query_string}" if params else ""),
                          base=base, permalink=permalink, xml_text=xml_text)
    return Response(xml, mimetype="application/atom+xml")


@bp.get("/opensearch.xml")
def opensearch():
    xml = render_template("opensearch.xml", base=public_url())
    return Response(xml, mimetype="application/opensearchdescription+xml")
