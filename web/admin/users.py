"""Accounts (admins only): add a librarian or an admin, disable or enable an account."""
from __future__ import annotations

from flask import abort, current_app, redirect, request, url_for
from flask_login import current_user

from archive.accounts import ROLES, AccountError, add_user, list_users, set_active
from web.admin.common import admin_only, archive_db, bp, render_page
from web.labels import error_text


@bp.route("/users", methods=["GET", "POST"])
@admin_only
def users():
    error, status = None, 200
    if request.method == "POST":
        try:
            account = add_user(archive_db(), request.form.get("name", ""), request.form.get("password", ""),
                               request.form.get("role", "librarian"))
            current_app.logger.info("%s added %s %s", current_user.name, account.role, account.name)
            return redirect(url_for("admin.users"), code=303)
        except AccountError as exc:
            error, status = error_text(exc), 400
    return render_page("admin/users.html", status, users=list_users(archive_db()), roles=ROLES, error=error)


@bp.route("/users/<name>/active", methods=["POST"])
@admin_only
def user_active(name: str):
    """Disable an account (its sign-ins end at once) or enable it again; never one's own."""
    active = request.form.get("active") == "1"
    if name == current_user.name:
        abort(400)
    try:
        set_active(archive_db(), name, active)
    except AccountError as exc:
        return render_page("admin/users.html", 404, users=list_users(archive_db()), roles=ROLES, error=error_text(exc))
    current_app.logger.info("%s %s %s", current_user.name, "enabled" if active else "disabled", name)
    return redirect(url_for("admin.users"), code=303)
