"""Arshif's web app: public search pages, the JSON API and the CLI (``create_app``)."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

from flask import Flask, abort, jsonify, render_template, request
from flask_babel import force_locale, lazy_gettext
from werkzeug.exceptions import HTTPException, InternalServerError, SecurityError

from archive.db import sqlite_url, unavailable
from archive.urls import is_web_url
from web import wiring
from web.feeds import EXPORT_FORMATS

ENV_KEYS = {"DATABASE_URL": "DATABASE_URL", "ARSHIF_TIMEZONE": "ARSHIF_TIMEZONE",
            "ARSHIF_INDEX_DIR": "INDEX_DIR", "SEARCH_BACKEND": "SEARCH_BACKEND", "SOLR_URL": "SOLR_URL",
            "SOLR_COLLECTION": "SOLR_COLLECTION", "ARSHIF_REINDEX_PROCS": "REINDEX_PROCS",
            "ARSHIF_ENTITY_MODEL": "ENTITY_MODEL", "ARSHIF_EXTRACT_PROCS": "EXTRACT_PROCS"}


def instance_path() -> str:
    return os.path.abspath(os.environ.get("ARSHIF_INSTANCE") or os.path.join(os.getcwd(), "instance"))


_WORKER_KEY = os.urandom(16)


def worker_name() -> str:
    """A short name for the process answering, the same for all its responses and different
    between processes, that does not reveal the process id (a keyed hash of it, with a key
    drawn when the module is first imported)."""
    return hashlib.blake2s(str(os.getpid()).encode(), key=_WORKER_KEY, digest_size=6).hexdigest()


def create_app(test_config: dict | None = None) -> Flask:
    path = (test_config or {}).get("INSTANCE_PATH") or instance_path()
    app = Flask(__name__, instance_path=path, instance_relative_config=True)
    app.config.from_object("web.config")
    app.config.from_pyfile("config.py", silent=True)
    for env, key in ENV_KEYS.items():
        if os.environ.get(env):
            app.config[key] = os.environ[env]
    if test_config:
        app.config.update(test_config)
    if not app.config.get("SECRET_KEY"):
        key_file = Path(app.instance_path) / "secret_key"
        if key_file.exists():
            app.config["SECRET_KEY"] = key_file.read_text().strip()
    if not app.config.get("DATABASE_URL"):
        app.config["DATABASE_URL"] = sqlite_url(app.instance_path)
    if not app.config.get("INDEX_DIR"):
        app.config["INDEX_DIR"] = os.path.join(app.instance_path, "index")
    # Only http(s) addresses become links (an older archive may hold javascript: ones).
    app.jinja_env.tests["web_url"] = is_web_url
    app.json.ensure_ascii = False
    app.json.sort_keys = False

    # The archive and the indexer, wired from the configuration (web/wiring.py).
    db = app.extensions["arshif.db"] = wiring.open_database(app.config)
    app.extensions["arshif.search"] = wiring.search_service(app.config, db)

    @app.after_request
    def _worker(response):
        # Which process answered: monitors and the live-server test check that every worker
        # of `arshif serve` serves the same generation. An opaque name, not the process id.
        response.headers["X-Arshif-Worker"] = worker_name()
        return response

    @app.before_request
    def _limit_query_string():
        if len(request.query_string) > app.config["MAX_QUERY_STRING"]:
            abort(414)

    from web import api, cli, feeds, i18n, labels, search, sections, security
    i18n.init_app(app)
    labels.init_app(app)
    sections.init_app(app)
    security.init_app(app)
    # Librarians: sign-in, CSRF on every form, the /admin pages.
    from web import admin, auth
    auth.init_app(app)
    app.register_blueprint(admin.bp)
    app.register_blueprint(search.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(feeds.bp)
    cli.register(app)
    _error_pages(app)
    return app


def _wants_json() -> bool:
    """Machine-readable addresses answer errors in JSON; pages answer with an error page."""
    path = request.path
    return (path.startswith(("/api/v1/", "/admin/api/")) or path == "/healthz"
            or path.endswith((*(f".{ext}" for ext in EXPORT_FORMATS), ".json", ".xml")))


DATABASE_UNAVAILABLE = lazy_gettext("The archive database is not answering just now; search still works. "
                                    "Please try again in a minute.")


def _in_both(message) -> tuple[str, str]:
    """English and Arabic: an error page may be the first a reader sees, before any choice of
    language."""
    with force_locale("en"):
        en = str(message)
    with force_locale("ar"):
        return en, str(message)


def _error_pages(app: Flask) -> None:
    messages = {
        400: lazy_gettext("The request could not be understood."),
        403: lazy_gettext("Only an administrator can do this."),
        404: lazy_gettext("There is nothing at this address."),
        405: lazy_gettext("This method is not allowed here."),
        413: lazy_gettext("The request is too large."),
        414: lazy_gettext("The address is too long."),
        429: lazy_gettext("Too many requests: please wait a minute and try again."),
        500: lazy_gettext("Something went wrong on our side."),
    }

    def handler(exc):
        if unavailable(exc):
            return _database_unavailable(exc)
        if not isinstance(exc, HTTPException):
            if app.testing and app.config.get("PROPAGATE_EXCEPTIONS", True) is not False:
                raise exc  # tests see the real error
            # Anything unexpected: logged with its traceback, never shown to the reader.
            app.logger.exception("unhandled error on %s", request.path)
            exc = InternalServerError()
        code = exc.code or 500
        message = messages.get(code) or exc.name
        if isinstance(exc, SecurityError):  # a Host TRUSTED_HOSTS does not list: no page, no links
            app.logger.warning("refused a request for host %r: set PUBLIC_URL or TRUSTED_HOSTS to serve it",
                               request.environ.get("HTTP_HOST", ""))
            return app.response_class("\n".join(_in_both(message)) + "\n", status=code, mimetype="text/plain")
        response = _error_response(code, message)
        for name, value in exc.get_headers():  # e.g. Allow on a 405
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    def _database_unavailable(exc):
        """The archive database is down, locked or too slow: a 503 that says so (search, which
        reads the index, still works), never a 500 or a trip to the sign-in page."""
        app.logger.warning("archive database unavailable on %s: %s", request.path, exc)
        return _error_response(503, DATABASE_UNAVAILABLE)

    def _error_response(code: int, message):
        en, ar = _in_both(message)
        if _wants_json():  # machine-readable answers keep the English sentence
            response = jsonify(error=en)
        else:
            response = app.make_response(render_template("error.html", code=code, message_en=en, message_ar=ar))
        response.status_code = code
        return response

    for code in messages:
        app.register_error_handler(code, handler)
    app.register_error_handler(Exception, handler)
