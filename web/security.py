"""What every response carries for safety (Content-Security-Policy and friends), the rate
limits on the public pages, API, exports and feeds (Flask-Limiter, one limiter per app), and the
address absolute links are built from (PUBLIC_URL, or a trusted Host header: never any Host)."""
from __future__ import annotations

import ipaddress

from flask import Flask, current_app, request
from flask_limiter import Limiter
from werkzeug.middleware.proxy_fix import ProxyFix

from web import ratelimits  # registers the arshif+sqlite:// storage

# Endpoints that are cheap or needed by monitors and browsers: never limited.
UNLIMITED = {"static", "api.healthz", "feeds.opensearch"}
# Endpoints that stream up to EXPORT_MAX_ROWS rows: the stricter RATELIMIT_EXPORT.
EXPORTS = {"feeds.export_csv", "feeds.export_json"}


def client_address() -> str:
    return request.remote_addr or "unknown"


def is_loopback() -> bool:
    try:
        return ipaddress.ip_address(client_address()).is_loopback
    except ValueError:
        return False


def current_limit() -> str:
    """The limit for this request: generous for loopback (scripts on the machine itself),
    stricter for exports, the public limit otherwise."""
    config = current_app.config
    if is_loopback():
        return config["RATELIMIT_LOOPBACK"]
    if request.endpoint in EXPORTS:
        return config["RATELIMIT_EXPORT"]
    return config["RATELIMIT_PUBLIC"]


# Hosts answered when PUBLIC_URL is not set (the machine itself, as `arshif serve` binds it).
LOCAL_HOSTS = ["localhost", "127.0.0.1"]


def public_url(path: str = "") -> str:
    """The absolute address of ``path`` (``/search?q=…``) as readers reach Arshif: PUBLIC_URL
    when configured, else this request's own address, whose Host TRUSTED_HOSTS has vouched for
    (a forged Host header never gets into Atom, OpenSearch or permalinks)."""
    base = current_app.config["PUBLIC_URL"] or request.url_root
    return base.rstrip("/") + path


def _trusted_hosts(app: Flask) -> None:
    """Without PUBLIC_URL, links are built from the Host header: only trusted hosts are then
    answered (Flask's TRUSTED_HOSTS: others get 400)."""
    config = app.config
    if config["PUBLIC_URL"]:
        config["PUBLIC_URL"] = config["PUBLIC_URL"].rstrip("/")
    elif config["TRUSTED_HOSTS"] is None:
        config["TRUSTED_HOSTS"] = LOCAL_HOSTS + ([config["SERVE_HOST"]] if config["SERVE_HOST"] not in
                                                 ("0.0.0.0", "::", "") else [])


def _security_headers(response):
    headers = response.headers
    if response.status_code != 429:
        headers.pop("Retry-After", None)  # Flask-Limiter sends it always; it means "wait" only here
    headers.setdefault("Content-Security-Policy", current_app.config["CONTENT_SECURITY_POLICY"])
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", current_app.config["REFERRER_POLICY"])
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()")
    return response


def init_app(app: Flask) -> None:
    _trusted_hosts(app)
    if app.config["PROXY_FIX_X_FOR"]:
        # Behind a reverse proxy every request comes from loopback: trust X-Forwarded-For from
        # this many proxies, or everyone would get the loopback limit.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=int(app.config["PROXY_FIX_X_FOR"]),
                                x_proto=1, x_host=1)
    app.after_request(_security_headers)
    if not app.config["RATELIMIT_STORAGE_URI"]:
        # Counters every worker process shares (memory:// would count per worker).
        app.config["RATELIMIT_STORAGE_URI"] = ratelimits.file_uri(app.instance_path)
    limiter = Limiter(
        client_address, app=app, default_limits=[current_limit],
        default_limits_exempt_when=lambda: request.endpoint in UNLIMITED or request.endpoint is None,
        storage_uri=app.config["RATELIMIT_STORAGE_URI"], headers_enabled=True,
        enabled=bool(app.config["RATELIMIT_ENABLED"]), key_prefix="arshif")
    app.extensions["arshif.limiter"] = limiter
