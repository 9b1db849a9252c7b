"""Librarian sign-in: Flask-Login sessions over archive.accounts, CSRF on every form
(Flask-WTF), and a limit on failed sign-ins per client address (logged)."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import (Blueprint, Flask, current_app, flash, g, jsonify, redirect, render_template, request,
                   session, url_for)
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf.csrf import CSRFProtect
from limits import parse_many
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from archive.accounts import Account, authenticate, end_sessions, get_user
from archive.db import unavailable
from web.security import client_address

bp = Blueprint("auth", __name__, url_prefix="/admin")
csrf = CSRFProtect()


class Librarian(UserMixin):
    """The signed-in account, as Flask-Login wants it."""

    def __init__(self, account: Account):
        self.account = account
        self.id = account.id
        self.name = account.name
        self.role = account.role
        self.session_version = account.session_version

    def get_id(self) -> str:
        # What the session cookie holds: the account and its session version at sign-in.
        return f"{self.id}:{self.session_version}"

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def _load_user(session_id: str):
    """The account of a session cookie, unless it was signed out, disabled or given a new
    password since (its session version moved on). A database that does not answer is an
    error (503), not "nobody is signed in" (which would send librarians to the sign-in page)."""
    try:
        user_id, version = (int(part) for part in session_id.split(":"))
    except ValueError:  # a cookie from before session versions, or forged: not signed in
        return None
    if g.get("database_unavailable"):
        return None  # already said: the 503 page itself needs no user
    try:
        account = get_user(current_app.extensions["arshif.db"], user_id)
    except Exception as exc:
        # Public pages load the user too (Flask-Login's template context) but never need it.
        if unavailable(exc) and request.path.startswith("/admin"):
            g.database_unavailable = True
            raise
        return None  # no users table yet, or a public page: nobody is signed in
    if account is None or account.session_version != version:
        return None
    return Librarian(account)


def _unauthorized():
    """Admin API: 401 in JSON; admin pages: to the sign-in page, then back."""
    if request.path.startswith("/admin/api/"):
        return jsonify(error="sign in first (librarian account required)"), 401
    return redirect(url_for("auth.login", next=request.full_path if request.query_string else request.path))


class LoginLimiter:
    """Failed sign-ins counted per client address (moving window, LOGIN_RATELIMIT); at the
    limit, further attempts get 429 until the window moves on. Successes are not counted."""

    def __init__(self, app: Flask):
        self.limits = parse_many(app.config["LOGIN_RATELIMIT"]) if app.config["LOGIN_RATELIMIT"] else []
        self.strategy = MovingWindowRateLimiter(storage_from_string(app.config["RATELIMIT_STORAGE_URI"]))

    def blocked(self, address: str) -> bool:
        return any(not self.strategy.test(limit, "arshif-login", address) for limit in self.limits)

    def failed(self, address: str) -> None:
        for limit in self.limits:
            self.strategy.hit(limit, "arshif-login", address)


def _safe_next(target: str | None) -> str:
    """Only a path on this site (no scheme, no host, no //): never an open redirect."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return url_for("admin.status")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return url_for("admin.status")
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    limiter: LoginLimiter = current_app.extensions["arshif.login_limiter"]
    address = client_address()
    if request.method == "POST":
        if limiter.blocked(address):
            current_app.logger.warning("sign-in refused: too many failures from %s", address)
            return render_template("admin/login.html", error="too-many",
                                   next=request.form.get("next", "")), 429
        name = request.form.get("name", "")[:100]
        password = request.form.get("password", "")
        account = authenticate(current_app.extensions["arshif.db"], name, password)
        if account is None:
            limiter.failed(address)
            current_app.logger.warning("failed sign-in for %r from %s", name, address)
            return render_template("admin/login.html", error="bad", name=name,
                                   next=request.form.get("next", "")), 401
        session.clear()  # a new session on sign-in (no fixation)
        login_user(Librarian(account))
        current_app.logger.info("%s signed in from %s", account.name, address)
        return redirect(_safe_next(request.form.get("next")), code=303)
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    return render_template("admin/login.html", error=None,
                           next=request.args.get("next", ""))


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        end_sessions(current_app.extensions["arshif.db"], current_user.id)  # a saved cookie stops working
    logout_user()
    session.clear()
    flash("signed-out")
    return redirect(url_for("auth.login"), code=303)


def init_app(app: Flask) -> None:
    csrf.init_app(app)
    manager = LoginManager()
    manager.init_app(app)
    manager.user_loader(_load_user)
    manager.unauthorized_handler(_unauthorized)
    # "strong": a session cookie used from another address/browser is dropped.
    manager.session_protection = "strong"
    app.extensions["arshif.login_limiter"] = LoginLimiter(app)
    app.register_blueprint(bp)
