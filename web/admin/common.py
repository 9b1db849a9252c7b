"""The librarians' blueprint (``/admin``, sign-in required) and what its views share: the
admin-only guard, the archive database, a page rendered with the signed-in user, and the
templates' byte and time filters."""
from __future__ import annotations

from functools import wraps

from flask import Blueprint, abort, current_app, render_template
from flask_login import current_user

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def _require_login():
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()


def admin_only(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)
    return wrapper


def archive_db():
    return current_app.extensions["arshif.db"]


def render_page(template: str, status: int = 200, **context):
    return render_template(template, user=current_user, **context), status


@bp.app_template_filter("when")
def when(d) -> str:
    return d.strftime("%Y-%m-%d %H:%M:%S UTC") if d else "—"
