"""The OpenAPI 3.1 description of Arshif's HTTP API (served at /api/v1/openapi.json and shown as
the /api page): the documents DESIGN.md specifies, and nothing else."""
from __future__ import annotations

from archive.errors import N_
from archive.models import ENTITY_TYPES
from indexer.search import FACET_NAMES, MAX_PAGE, MAX_PER_PAGE, SORTS

NULLABLE_STRING = {"type": ["string", "null"]}


# from/to as the server reads them (archive.dates.parse_bound): YYYY, YYYY-MM or YYYY-MM-DD, a real
# day of a year from 1900 to 2100.
_YEAR = r"(19\d\d|20\d\d|2100)"
_DAY = (r"((0[13578]|1[02])-(0[1-9]|[12]\d|3[01])|(0[469]|11)-(0[1-9]|[12]\d|30)|02-(0[1-9]|1\d|2[0-8]))")
_LEAP_DAY = r"(19(0[48]|[2468][048]|[13579][26])|20([02468][048]|[13579][26]))-02-29"
DATE_BOUND = rf"^({_YEAR}(-(0[1-9]|1[0-2]))?|{_YEAR}-{_DAY}|{_LEAP_DAY})$"
# A facet value (YYYY or YYYY-MM), or empty (ignored, as an empty form field is).
DATE_BUCKET = r"^(\d{4}(-(0[1-9]|1[0-2]))?)?$"
FILTER_VALUE = {"type": "string", "maxLength": 300}
EMPTY_NOTE = N_("An empty value is the same as leaving the parameter out.")


def _param(name: str, description: str, schema: dict, repeat: bool = False) -> dict:
    if repeat:
        return {"name": name, "in": "query", "required": False, "description": description,
                "schema": {"type": "array", "items": schema}, "style": "form", "explode": True}
    # Search forms send empty fields (from=&to=): the server reads them as absent.
    return {"name": name, "in": "query", "required": False, "description": f"{description} {EMPTY_NOTE}",
            "schema": schema, "allowEmptyValue": True}


SEARCH_PARAMS = [
    _param("q", N_("The query: words (all must match), `\"phrases\"`, `OR`/`أو`, `-word` or `NOT`, `word*`, "
                   "`=exact`, `title:word`, `section:X`, `source:X`, `date:2018-01..2018-06`."),
           {"type": "string", "maxLength": 1000}),
    _param("section", N_("Section code or its Arabic or English label; repeated values are OR."), FILTER_VALUE,
           repeat=True),
    _param("source", N_("Outlet name; repeated values are OR."), FILTER_VALUE, repeat=True),
    _param("person", N_("Entity id of a person; repeated values are AND."), FILTER_VALUE, repeat=True),
    _param("org", N_("Entity id of an organisation; repeated values are AND."), FILTER_VALUE, repeat=True),
    _param("place", N_("Entity id of a place; repeated values are AND."), FILTER_VALUE, repeat=True),
    _param("date", N_("One date facet bucket, YYYY or YYYY-MM (in ARSHIF_TIMEZONE); repeated values are OR."),
           {"type": "string", "pattern": DATE_BUCKET}, repeat=True),
    _param("from", N_("Earliest date, inclusive: YYYY, YYYY-MM or YYYY-MM-DD (years 1900-2100); not after `to`."),
           {"type": "string", "pattern": DATE_BOUND}),
    _param("to", N_("Latest date, inclusive: YYYY, YYYY-MM or YYYY-MM-DD (years 1900-2100)."),
           {"type": "string", "pattern": DATE_BOUND}),
    _param("sort", N_("Order of results."), {"type": "string", "enum": list(SORTS), "default": "relevance"}),
]
PAGING_PARAMS = [
    _param("page", N_("Page number (results beyond the 1000th are not paged)."),
           {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1}),
    _param("per_page", N_("Results per page."), {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE,
                                                 "default": 10}),
]
LANG_HEADER = {"name": "Accept-Language", "in": "header", "required": False,
               "description": N_("`ar` for error messages in Arabic (default English)."),
               "schema": {"type": "string"}}

SCHEMAS = {
    "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}},
    "Entity": {"type": "object", "required": ["id", "name", "type"],
               "properties": {"id": {"type": "string"}, "name": {"type": "string"},
                              "type": {"type": "string", "enum": list(ENTITY_TYPES)}}},
    "FacetValue": {"type": "object", "required": ["value", "label", "count", "selected"],
                   "additionalProperties": False,
                   "properties": {"value": {"type": "string", "description": "Date values are YYYY or YYYY-MM."},
                                  "label": {"type": "string"}, "count": {"type": "integer", "minimum": 0},
                                  "selected": {"type": "boolean"}}},
    "Hit": {"type": "object", "additionalProperties": False,
            "required": ["id", "title", "title_html", "url", "date", "section", "source", "snippet_html",
                         "entities"],
            "properties": {
                "id": {"type": "string"}, "title": {"type": "string"},
                "title_html": {"type": "string", "description": "HTML-escaped title; matched words in <mark>."},
                "url": NULLABLE_STRING,
                "date": {"type": "string", "format": "date-time", "description": "UTC, e.g. 2026-01-06T19:30:00Z"},
                "section": NULLABLE_STRING, "source": NULLABLE_STRING,
                "snippet_html": {"type": "string", "description": "HTML-escaped excerpt; matched words in <mark>."},
                "entities": {"type": "array", "items": {"$ref": "#/components/schemas/Entity"}}}},
    "SearchResult": {
        "type": "object", "additionalProperties": False,
        "required": ["query", "total", "page", "per_page", "took_ms", "hits", "facets", "expanded", "notices",
                     "suggestion"],
        "properties": {
            "query": {"type": "string"}, "total": {"type": "integer", "minimum": 0},
            "page": {"type": "integer", "minimum": 1}, "per_page": {"type": "integer", "minimum": 1},
            "took_ms": {"type": "number"},
            "hits": {"type": "array", "items": {"$ref": "#/components/schemas/Hit"}},
            "facets": {"type": "object", "additionalProperties": False,
                       "required": list(FACET_NAMES),
                       "properties": {name: {"type": "array", "items": {"$ref": "#/components/schemas/FacetValue"}}
                                      for name in FACET_NAMES}},
            "expanded": {"type": "array", "items": {
                "type": "object", "required": ["term", "aliases"],
                "properties": {"term": {"type": "string"}, "aliases": {"type": "array", "items": {"type": "string"}}}}},
            "notices": {"type": "array", "items": {"type": "string"}},
            "suggestion": NULLABLE_STRING}},
    "Article": {
        "type": "object",
        "required": ["id", "title", "body", "date", "date_precision", "section", "source", "url", "author",
                     "entities"],
        "properties": {
            "id": {"type": "string"}, "title": {"type": "string"}, "subtitle": NULLABLE_STRING,
            "body": {"type": "string", "description": "Paragraphs separated by newlines."},
            "date": {"type": "string", "format": "date-time"},
            "date_precision": {"type": "string", "enum": ["day", "minute", "second"]},
            "section": NULLABLE_STRING, "source": NULLABLE_STRING, "url": NULLABLE_STRING,
            "author": NULLABLE_STRING,
            "entities": {"type": "array", "items": {"$ref": "#/components/schemas/Entity"}}}},
    "Health": {"type": "object", "required": ["status", "articles", "indexed", "generation"],
               "properties": {"status": {"type": "string", "enum": ["ok", "degraded", "error"],
                                         "description": "degraded: the database does not answer; "
                                                        "search still does, from the index."},
                              "database": {"type": "string", "enum": ["ok", "unavailable"]},
                              "articles": {"type": "integer", "description": "Articles in the archive; while "
                                           "the database is unavailable, the last count this worker saw."},
                              "indexed": {"type": "integer"},
                              "generation": {"type": "string"}, "error": {"type": "string"}}},
    "ExportRow": {"type": "object", "additionalProperties": False,
                  "required": ["id", "title", "url", "date", "date_precision", "section", "source", "permalink",
                               "entities"],
                  "properties": {"id": {"type": "string"}, "title": {"type": "string"}, "url": NULLABLE_STRING,
                                 "date": {"type": "string", "format": "date-time"},
                                 "date_precision": {"type": "string", "enum": ["day", "minute", "second"]},
                                 "section": NULLABLE_STRING, "section_label": NULLABLE_STRING,
                                 "source": NULLABLE_STRING, "permalink": {"type": "string", "format": "uri"},
                                 "author": NULLABLE_STRING, "snippet": {"type": "string"},
                                 "entities": {"type": "array", "items": {"$ref": "#/components/schemas/Entity"}}}},
    "Export": {"type": "object", "required": ["query", "params", "limit", "exported_at", "hits", "count"],
               "properties": {"query": {"type": "string"},
                              "params": {"type": "object", "additionalProperties": {
                                  "type": "array", "items": {"type": "string"}}},
                              "limit": {"type": "integer"}, "exported_at": {"type": "string", "format": "date-time"},
                              "hits": {"type": "array", "items": {"$ref": "#/components/schemas/ExportRow"}},
                              "count": {"type": "integer"}}},
}


def _json(ref: str, description: str) -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}}


ERRORS = {
    "400": _json("Error", N_("A bad parameter or an unparseable query; the message names it.")),
    "414": _json("Error", N_("The query string is longer than the server takes (MAX_QUERY_STRING).")),
    "429": _json("Error", N_("Too many requests from this address; see Retry-After.")),
    "503": _json("Error", N_("No index yet, or the search ran past the time limit.")),
}
EXPORT_NOTE = N_("Streams up to EXPORT_MAX_ROWS (default 10,000) results of the search in its sort order. "
                 "`page`/`per_page` are ignored.")
CSV_COLUMNS = N_("Columns: id, date, title, section, source, url, permalink, entities, section_label (the section's "
                 "label in the asked language), author, snippet (the passage around the search words, as plain "
                 "text). Cells that start with = + - @ get a leading apostrophe.")
# Sentences several descriptions share: the /api page translates them one by one.
SHARED = (EXPORT_NOTE, EMPTY_NOTE)


def document(server_url: str = "/") -> dict:
    return {
        "openapi": "3.1.0",
        "info": {"title": "Arshif API", "version": "1",
                 "description": "Search a full-text archive of Arabic news. Dates are UTC ISO-8601. "
                                "Public endpoints are rate-limited per address (HTTP 429 with Retry-After).",
                 "license": {"name": "GPL-3.0-or-later", "identifier": "GPL-3.0-or-later"}},
        "servers": [{"url": server_url}],
        "paths": {
            "/api/v1/search": {"get": {
                "operationId": "search", "summary": N_("Search articles, with facets and highlighted snippets"),
                "parameters": SEARCH_PARAMS + PAGING_PARAMS + [LANG_HEADER],
                "responses": {"200": _json("SearchResult", N_("One page of results.")), **ERRORS}}},
            "/api/v1/articles/{id}": {"get": {
                "operationId": "getArticle", "summary": N_("One article"),
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {"200": _json("Article", N_("The article.")),
                              "404": _json("Error", N_("No article with this id.")),
                              "429": ERRORS["429"]}}},
            "/search.csv": {"get": {
                "operationId": "exportCsv", "summary": N_("Export a search as CSV (UTF-8 with BOM)"),
                "description": f"{EXPORT_NOTE} {CSV_COLUMNS}",
                "parameters": SEARCH_PARAMS,
                "responses": {"200": {"description": N_("CSV rows."),
                                      "content": {"text/csv": {"schema": {"type": "string"}}}}, **ERRORS}}},
            "/search.json": {"get": {
                "operationId": "exportJson", "summary": N_("Export a search as JSON"),
                "description": EXPORT_NOTE, "parameters": SEARCH_PARAMS,
                "responses": {"200": _json("Export", N_("The search and its hits.")), **ERRORS}}},
            "/search.atom": {"get": {
                "operationId": "feed", "summary": N_("Atom feed of a search, newest first"),
                "description": N_("The newest FEED_ENTRIES (default 50) articles matching the search; `sort` is ignored."),
                "parameters": SEARCH_PARAMS,
                "responses": {"200": {"description": N_("An Atom 1.0 feed."),
                                      "content": {"application/atom+xml": {"schema": {"type": "string"}}}},
                              **ERRORS}}},
            "/healthz": {"get": {
                "operationId": "health", "summary": N_("Whether the archive and index are serving"),
                "responses": {"200": _json("Health", N_("Serving (status ok, or degraded without the database).")),
                              "503": _json("Health", N_("The archive database is unavailable."))}}},
        },
        "components": {"schemas": SCHEMAS},
    }
