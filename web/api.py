"""The JSON API (``/api/v1``) and ``/healthz``: request → indexer/archive call → JSON."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template, request
from flask_babel import force_locale, gettext, lazy_gettext
from markupsafe import Markup, escape

from archive.dates import to_iso_z
from archive.db import unavailable
from archive.store import archive_counts, get_article
from indexer.generations import NoIndex
from indexer.search import SearchError, SearchRequest, SearchTimeout
from web import openapi
from web.labels import error_text
from web.sections import resolve, section_label
from web.security import public_url

bp = Blueprint("api", __name__)


def _error(message: str, status: int):
    return jsonify(error=message), status


def _lang() -> str:
    return request.args.get("lang") or request.accept_languages.best_match(["en", "ar"], "en")


def _message(exc) -> str:
    with force_locale(_lang()):
        return error_text(exc)


@bp.get("/api/v1/search")
def search():
    try:
        req = SearchRequest.from_params(request.args.getlist)
        result = current_app.extensions["arshif.search"].search(resolve(req))
    except SearchError as exc:
        return _error(_message(exc), 400)
    except SearchTimeout as exc:
        return _error(_message(exc), 503)
    except NoIndex as exc:
        return _error(_message(exc), 503)
    data = result.to_dict()
    for v in data["facets"].get("section", []):
        v["label"] = section_label(v["value"], _lang())
    return jsonify(data)


@bp.get("/api/v1/articles/<article_id>")
def article(article_id: str):
    a = get_article(current_app.extensions["arshif.db"], article_id)
    if a is None:
        return _error(f"no article with id '{article_id}'", 404)
    return jsonify(article_json(a))


def article_json(a: dict) -> dict:
    return {"id": a["id"], "title": a["title"], "subtitle": a["subtitle"], "body": a["body"],
            "date": to_iso_z(a["published_at"]), "date_precision": a["date_precision"],
            "section": a["section"], "source": a["source"], "url": a["url"],
            "author": a["author"], "entities": a.get("entities", [])}


@bp.get("/healthz")
def healthz():
    """Whether the index and the archive database serve, within HEALTH_DATABASE_TIMEOUT: a locked
    or hung database gives "degraded" (search still answers from the index), not a hung worker."""
    index = current_app.extensions["arshif.search"].status()
    figures = {"indexed": index["indexed"], "generation": index["generation"] or ""}
    if "cluster" in index:  # an engine past one machine adds its cluster's health
        figures["cluster"] = index["cluster"]
    known = current_app.extensions.setdefault("arshif.health", {"articles": 0})
    try:
        known["articles"] = current_app.extensions["arshif.db"].within(
            float(current_app.config["HEALTH_DATABASE_TIMEOUT"]), archive_counts, name="healthz")["articles"]
    except Exception as exc:
        current_app.logger.warning("healthz: archive database unavailable: %s", exc)
        if unavailable(exc) and index["generation"]:
            # articles: the last count this worker saw (0 when it never saw one).
            return jsonify(status="degraded", database="unavailable", articles=known["articles"], **figures)
        return jsonify(status="error", database="unavailable", error="archive database unavailable",
                       articles=known["articles"], **figures), 503
    return jsonify(status="ok", database="ok", articles=known["articles"], **figures)


@bp.get("/api/v1/openapi.json")
def openapi_json():
    return jsonify(openapi.document(public_url("/")))


@bp.get("/api")
def api_page():
    """The API described for people, in their language, from the same document as
    /api/v1/openapi.json (which stays in English, for programs)."""
    doc = openapi.document(public_url("/"))
    endpoints = [{"id": op["operationId"], "method": method.upper(), "path": path,
                  "summary": _say(op["summary"]), "description": _say(op.get("description", "")),
                  "params": [{"name": p["name"], "where": WHERE[p["in"]], "meaning": _say(p.get("description", "")),
                              **_type_of(p["schema"])} for p in op.get("parameters", [])],
                  "responses": [(code, _say(r["description"])) for code, r in op["responses"].items()]}
                 for path, ops in doc["paths"].items() for method, op in ops.items()]
    return render_template("api.html", endpoints=endpoints, base=public_url())


WHERE = {"query": lazy_gettext("query string"), "header": lazy_gettext("header"), "path": lazy_gettext("path")}


def _say(text: str) -> Markup:
    """A description from the OpenAPI document in the reader's language: each sentence it
    shares with others (openapi.SHARED) and the rest translated on their own; its `code`
    (CommonMark, as openapi.json has it) as code isolated from the sentence around it."""
    for shared in openapi.SHARED:
        if shared in text and shared != text:
            before, after = text.split(shared, 1)
            return Markup(" ").join(p for p in (_say(before.strip()), _say(shared), _say(after.strip())) if p)
    return code_spans(gettext(text)) if text else Markup("")


def code_spans(text: str) -> Markup:
    """Escaped text whose `backticked` parts are ``<code dir="auto">``: a syntax token (title:,
    OR, -كلمة) keeps its own direction and reads as code inside an Arabic or English sentence.
    An unpaired backtick is left as it is."""
    parts = text.split("`")
    if len(parts) % 2 == 0:
        return escape(text)
    return Markup("").join(Markup('<code dir="auto">%s</code>') % p if i % 2 else escape(p)
                           for i, p in enumerate(parts))


def _type_of(schema: dict) -> dict:
    """A parameter's JSON type, whether it may be repeated, and the values it takes."""
    repeatable = schema.get("type") == "array"
    schema = schema["items"] if repeatable else schema
    return {"type": schema.get("type", ""), "repeatable": repeatable,
            "choices": ", ".join(map(str, schema.get("enum", [])))}
