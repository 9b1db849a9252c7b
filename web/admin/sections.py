"""Section labels: every section with its Arabic and English labels, each row its own form."""
from __future__ import annotations

from flask import current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from web.admin.common import archive_db, bp, render_page
from web.labels import error_text


@bp.route("/sections", methods=["GET", "POST"])
def sections():
    """Every section with its Arabic and English labels, each row its own form."""
    from archive.sections import SectionError, list_sections, set_labels

    error, status = None, 200
    if request.method == "POST":
        code = request.form.get("code", "")
        try:
            info = set_labels(archive_db(), code, request.form.get("label_ar", ""), request.form.get("label_en", ""))
        except SectionError as exc:
            error, status = error_text(exc), 400
        else:
            current_app.logger.info("%s labelled section %r: %r / %r", current_user.name, info.code,
                                    info.label_ar, info.label_en)
            flash(_("Saved the labels of %(code)s.", code=info.code), "sections")
            return redirect(url_for("admin.sections"), code=303)
    return render_page("admin/sections.html", status, sections=list_sections(archive_db()), error=error)
