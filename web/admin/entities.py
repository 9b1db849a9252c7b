"""The authority file for librarians: the list of entries with search and filters, an entry's
page with the articles that mention it, adding a spelling, changing its type, merging another
entry into it (found by id or by name, after a preview)."""
from __future__ import annotations

from flask import current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from archive import authority
from archive.models import parse_id
from web.admin.common import archive_db, bp, render_page
from web.i18n import number
from web.labels import error_text, label
from web.wiring import entity_key

ENTITIES_PER_PAGE = 50
ARTICLES_PER_PAGE = 20


@bp.route("/entities")
def entities():
    q = (request.args.get("q") or "").strip()[:300]
    kind = (request.args.get("type") or "").strip()
    provisional = {"yes": True, "no": False}.get(request.args.get("provisional") or "")
    error, status = None, 200
    if kind and kind not in authority.KINDS:
        error, status, kind = _("type “%(kind)s” is not one of %(kinds)s", kind=kind,
                                kinds=", ".join(authority.KINDS)), 400, ""
    page = max(1, request.args.get("page", 1, type=int) or 1)
    total, rows = authority.list_entities(archive_db(), q=q or None, kind=kind or None, provisional=provisional,
                                          limit=ENTITIES_PER_PAGE, offset=(page - 1) * ENTITIES_PER_PAGE,
                                          key=entity_key)
    pages = max(1, -(-total // ENTITIES_PER_PAGE))
    args = {"q": q, "type": kind, "provisional": request.args.get("provisional") or ""}
    return render_page("admin/entities.html", status, entities=rows, total=total, page=page, pages=pages,
                 args={k: v for k, v in args.items() if v}, kinds=authority.KINDS, error=error)


def _entity_page(entity_id: str, error: str | None = None, status: int = 200, preview: dict | None = None,
                 other: str = "", candidates: list[dict] | None = None):
    info = authority.entity_info(archive_db(), entity_id)
    if info is None:
        total, rows = authority.list_entities(archive_db(), limit=ENTITIES_PER_PAGE, key=entity_key)
        return render_page("admin/entities.html", 404, entities=rows, total=total, page=1,
                     pages=max(1, -(-total // ENTITIES_PER_PAGE)), args={}, kinds=authority.KINDS,
                     error=_("there is no entity “%(id)s” (ids look like e12)", id=entity_id))
    if info["merged_into"]:
        flash(_("%(merged)s was merged into %(kept)s", merged=info["id"], kept=info["merged_into"]), "entity")
        return redirect(url_for("admin.entity", entity_id=info["merged_into"]), code=303)
    page = max(1, request.args.get("page", 1, type=int) or 1)
    total, articles = authority.articles_of(archive_db(), info["id"], limit=ARTICLES_PER_PAGE,
                                            offset=(page - 1) * ARTICLES_PER_PAGE)
    if total and not articles:  # past the end: the last page
        page = -(-total // ARTICLES_PER_PAGE)
        total, articles = authority.articles_of(archive_db(), info["id"], limit=ARTICLES_PER_PAGE,
                                                offset=(page - 1) * ARTICLES_PER_PAGE)
    return render_page("admin/entity.html", status, e=info, kinds=authority.KINDS, error=error, preview=preview,
                       other=other, candidates=candidates or [], articles=articles, page=page,
                       pages=max(1, -(-total // ARTICLES_PER_PAGE)))


@bp.route("/entities/<entity_id>")
def entity(entity_id: str):
    return _entity_page(entity_id)


def _done(entity_id: str, message: str):
    flash(_("%(done)s; the search index shows this after a reindex: run 'arshif reindex' or use the reindex "
            "button", done=message), "entity")
    return redirect(url_for("admin.entity", entity_id=entity_id), code=303)


@bp.route("/entities/<entity_id>/alias", methods=["POST"])
def entity_alias(entity_id: str):
    try:
        r = authority.add_alias(archive_db(), entity_id, request.form.get("alias", ""), entity_key)
    except authority.AuthorityError as exc:
        return _entity_page(entity_id, error_text(exc), 400)
    current_app.logger.info("%s added alias %r to %s", current_user.name, r["alias"], r["id"])
    return _done(r["id"], _("added the spelling %(alias)s to %(id)s", alias=r["alias"], id=r["id"]))


@bp.route("/entities/<entity_id>/type", methods=["POST"])
def entity_type(entity_id: str):
    try:
        r = authority.set_kind(archive_db(), entity_id, request.form.get("type", ""))
    except authority.AuthorityError as exc:
        return _entity_page(entity_id, error_text(exc), 400)
    current_app.logger.info("%s changed the type of %s from %s to %s", current_user.name, r["id"], r["before"],
                            r["type"])
    if r["before"] == r["type"]:
        flash(_("%(id)s is already of type %(type)s: nothing changed", id=r["id"], type=label("entity", r["type"])),
              "entity")
        return redirect(url_for("admin.entity", entity_id=r["id"]), code=303)
    return _done(r["id"], ngettext("%(id)s is now of type %(type)s (was %(before)s); %(count)s article changes",
                                   "%(id)s is now of type %(type)s (was %(before)s); %(count)s articles change",
                                   r["articles"], id=r["id"], type=label("entity", r["type"]),
                                   before=label("entity", r["before"]), count=number(r["articles"])))


@bp.route("/entities/<entity_id>/merge", methods=["POST"])
def entity_merge(entity_id: str):
    other = " ".join((request.form.get("other") or "").split())[:300]
    if not other:
        return _entity_page(entity_id, _("give the name or the id of the entry to merge into this one"), 400)
    if parse_id(other) is None:  # a name: the entry it names, or a choice when several do
        found = authority.find_entities(archive_db(), other, key=entity_key, exclude=entity_id)
        if not found:
            return _entity_page(entity_id, _("no other entry is named “%(name)s”", name=other), 400, other=other)
        exact = [f for f in found if f["exact"]]
        if len(exact) != 1 and len(found) > 1:  # the preview follows the choice
            return _entity_page(entity_id, other=other, candidates=found)
        other = (exact or found)[0]["id"]
    try:
        preview = authority.merge_preview(archive_db(), entity_id, other)
        if request.form.get("confirm") != "1":
            # The articles that change are those of the merged entry: the newest page of them.
            _total, preview["changing"] = authority.articles_of(archive_db(), preview["merged"],
                                                                limit=ARTICLES_PER_PAGE)
            return _entity_page(entity_id, preview=preview, other=other)
        result = authority.merge(archive_db(), entity_id, other)
    except authority.AuthorityError as exc:
        return _entity_page(entity_id, error_text(exc), 400, other=other)
    current_app.logger.info("%s merged %s into %s (%s articles)", current_user.name, result["merged"],
                            result["kept"], result["articles"])
    return _done(result["kept"], ngettext("merged %(merged)s into %(kept)s: %(count)s article changed",
                                          "merged %(merged)s into %(kept)s: %(count)s articles changed",
                                          result["articles"], merged=result["merged"], kept=result["kept"],
                                          count=number(result["articles"])))
