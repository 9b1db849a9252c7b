"""The librarians' pages (``/admin``, sign-in required): archive status, ingest by upload,
ingest-run history with rejections, the reindex control with progress, and accounts.

Long work is never done here: an upload is saved in the instance folder and ingested by a
spawned ``arshif ingest --job N``; a reindex is a spawned ``arshif reindex --job N``."""
from __future__ import annotations

import shutil
from functools import wraps
from pathlib import Path

from flask import (Blueprint, Response, abort, current_app, flash, jsonify, redirect, render_template, request,
                   send_file, url_for)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from archive import authority, jobs
from archive.accounts import ROLES, AccountError, add_user, list_users, set_active
from archive.runs import get_rejection, get_run, last_run, list_runs, run_rejections
from archive.store import archive_counts
from archive.store import count_articles
from archive.uploads import UploadError, save_upload
from indexer.build import indexed_change
from indexer.generations import IndexBusy, IndexRoot, NoIndex
from web.i18n import number
from web.jobs import start_job
from web.labels import error_text, label

bp = Blueprint("admin", __name__, url_prefix="/admin")

FORMATS = ("auto", "page", "html", "jsonl", "csv", "warc")
REJECTIONS_PER_PAGE = 100
EXCERPT = 400


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


def _db():
    return current_app.extensions["arshif.db"]


def _page(template: str, status: int = 200, **context):
    return render_template(template, user=current_user, **context), status


# -- status --------------------------------------------------------------------------------
def _tree_size(path: Path) -> int:
    if not path.exists():
        return 0
    if path.is_file():
        return path.stat().st_size
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def archive_status() -> dict:
    db = _db()
    jobs.sweep(db)
    instance = Path(current_app.instance_path)
    root = IndexRoot(current_app.config["INDEX_DIR"])
    index = current_app.extensions["arshif.search"].status()
    sizes = root.disk_usage()
    current = root.current()
    generations = [{"name": g, "bytes": sizes.get(g, 0), "serving": g == current,
                    "meta": root.read_meta(g)} for g in reversed(root.complete_generations())]
    db_file = db.engine.url.database if db.url.startswith("sqlite") else None
    database_bytes = sum(_tree_size(Path(db_file + suffix)) for suffix in ("", "-wal", "-shm")) if db_file else None
    last_reindex = jobs.recent(db, limit=1, kind="reindex")
    change = indexed_change(current_app.config["INDEX_DIR"])
    try:
        free = shutil.disk_usage(instance).free
    except OSError:
        free = None
    return {
        **archive_counts(db),
        "generation": index.get("generation"), "indexed": index.get("indexed", 0),
        # Stored but not yet searchable: changed after the serving generation's change number
        # (all of them when there is no index, or one built before change numbers).
        "unsearchable": count_articles(db, after_change=change) if change is not None else
        (archive_counts(db)["articles"] if current is None else None),
        "generations": generations,
        "last_ingest": last_run(db),
        "last_reindex": last_reindex[0] if last_reindex else None,
        "active": [j for j in jobs.recent(db, limit=10) if j.active],
        "disk": {"database": database_bytes, "index": _tree_size(root.root),
                 "uploads": _tree_size(instance / "uploads"), "free": free},
    }


@bp.route("/")
def status():
    return _page("admin/status.html", s=archive_status(), error=None)


@bp.route("/api/status")
def api_status():
    s = archive_status()
    run = s["last_ingest"]
    return jsonify({
        "articles": s["articles"], "sections": s["sections"], "sources": s["sources"],
        "generation": s["generation"], "indexed": s["indexed"],
        "generations": [{"name": g["name"], "bytes": g["bytes"], "serving": g["serving"]} for g in s["generations"]],
        "last_ingest": {"id": run.id, "status": run.status, "read": run.read, "added": run.added,
                        "updated": run.updated, "unchanged": run.unchanged, "duplicates": run.duplicates,
                        "rejected": run.rejected} if run else None,
        "last_reindex": s["last_reindex"].to_dict() if s["last_reindex"] else None,
        "active": [j.to_dict() for j in s["active"]],
        "disk": s["disk"],
    })


# -- reindex -------------------------------------------------------------------------------
def _start_reindex(full: bool) -> jobs.JobInfo:
    args = ["reindex"] + (["--full"] if full else [])
    return start_job(current_app._get_current_object(), "reindex", current_user.name, {"full": full}, args)


@bp.route("/reindex", methods=["POST"])
def reindex():
    full = request.form.get("full") == "1"
    try:
        job = _start_reindex(full)
    except jobs.JobBusy as exc:
        return _page("admin/status.html", 409, s=archive_status(), error=error_text(exc))
    current_app.logger.info("%s started reindex job %s (full=%s)", current_user.name, job.id, full)
    return redirect(url_for("admin.job", job_id=job.id), code=303)


@bp.route("/api/reindex", methods=["POST"])
def api_reindex():
    data = request.get_json(silent=True) or {}
    try:
        job = _start_reindex(bool(data.get("full", request.form.get("full") == "1")))
    except jobs.JobBusy as exc:
        return jsonify(error=exc.message, job=exc.job.to_dict()), 409
    return jsonify(job=job.to_dict()), 202


@bp.route("/rollback", methods=["GET", "POST"])
def rollback():
    """Serve the previous complete generation again: a page that asks, then the switch."""
    root = IndexRoot(current_app.config["INDEX_DIR"])
    current = root.current()
    older = [g for g in root.complete_generations() if current is None or g < current]
    if request.method == "GET":
        return _page("admin/rollback.html", current=current, previous=older[-1] if older else None,
                     error=None if older else _("there is no earlier complete generation to roll back to"))
    try:
        name = root.rollback()
    except (NoIndex, IndexBusy) as exc:
        return _page("admin/status.html", 409, s=archive_status(), error=str(exc))
    current_app.logger.info("%s rolled the index back to %s", current_user.name, name)
    flash(_("Now serving generation %(name)s.", name=name), "status")
    return redirect(url_for("admin.status"), code=303)


@bp.route("/jobs")
def job_list():
    jobs.sweep(_db())
    return _page("admin/jobs.html", jobs=jobs.recent(_db(), limit=50))


@bp.route("/jobs/<int:job_id>")
def job(job_id: int):
    jobs.sweep(_db())
    info = jobs.get(_db(), job_id)
    if info is None:
        abort(404)
    return _page("admin/job.html", job=info)


@bp.route("/api/jobs/<int:job_id>")
def api_job(job_id: int):
    jobs.sweep(_db())
    info = jobs.get(_db(), job_id)
    if info is None:
        return jsonify(error=f"there is no job {job_id}"), 404
    return jsonify(info.to_dict())


# -- ingest by upload ----------------------------------------------------------------------
@bp.route("/ingest", methods=["GET", "POST"])
def ingest():
    if request.method == "GET":
        return _page("admin/ingest.html", error=None, formats=FORMATS, active=jobs.active(_db(), "ingest"))
    fmt = request.form.get("format", "auto")
    if fmt not in FORMATS:
        abort(400)
    source = (request.form.get("source") or "").strip()[:300] or None
    cfg = current_app.config
    upload_root = Path(current_app.instance_path) / "uploads"
    try:
        folder = save_upload(request.files.getlist("files"), upload_root, int(cfg["UPLOAD_MAX_BYTES"]),
                             int(cfg["UPLOAD_MAX_FILES"]))
    except UploadError as exc:
        return _page("admin/ingest.html", 400, error=error_text(exc), formats=FORMATS, active=None)
    params = {"paths": [str(folder)], "fmt": fmt, "source": source}
    try:
        job = start_job(current_app._get_current_object(), "ingest", current_user.name, params, ["ingest"])
    except jobs.JobBusy as exc:
        shutil.rmtree(folder, ignore_errors=True)
        return _page("admin/ingest.html", 409, error=error_text(exc), formats=FORMATS, active=exc.job)
    current_app.logger.info("%s uploaded %s for ingest job %s", current_user.name, folder.name, job.id)
    return redirect(url_for("admin.job", job_id=job.id), code=303)


# -- ingest runs and rejections ------------------------------------------------------------
@bp.route("/runs")
def runs():
    jobs.sweep(_db())
    return _page("admin/runs.html", runs=list_runs(_db(), limit=100))


@bp.route("/runs/<int:run_id>")
def run(run_id: int):
    info = get_run(_db(), run_id)
    if info is None:
        abort(404)
    page = max(1, request.args.get("page", 1, type=int))
    total, rows = run_rejections(_db(), run_id, (page - 1) * REJECTIONS_PER_PAGE, REJECTIONS_PER_PAGE)
    pages = max(1, -(-total // REJECTIONS_PER_PAGE))
    return _page("admin/run.html", run=info, rejections=rows, total=total, page=page, pages=pages,
                 excerpt=EXCERPT)


def _download(text: str, filename: str) -> Response:
    return Response(text, mimetype="text/plain; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.route("/rejections/<int:rejection_id>/raw")
def rejection_raw(rejection_id: int):
    r = get_rejection(_db(), rejection_id)
    if r is None:
        abort(404)
    return _download(r.raw, f"rejection-{r.id}.txt")


def _uploaded_file(ref: str) -> Path | None:
    """The saved upload a rejection's ref points into (``path``, ``path:line``, ``path#record``),
    when it lies inside instance/uploads; None otherwise (never a file elsewhere)."""
    uploads = (Path(current_app.instance_path) / "uploads").resolve()
    for candidate in (ref, ref.split("#", 1)[0], ref.rsplit(":", 1)[0]):
        try:
            path = Path(candidate).resolve()
        except (OSError, ValueError):
            continue
        if path.is_file() and uploads in path.parents:
            return path
    return None


@bp.route("/rejections/<int:rejection_id>/input")
def rejection_input(rejection_id: int):
    r = get_rejection(_db(), rejection_id)
    path = _uploaded_file(r.ref) if r else None
    if path is None:
        abort(404)
    return send_file(path, as_attachment=True, download_name=path.name, mimetype="application/octet-stream")


@bp.app_template_global()
def uploaded_input(ref: str) -> bool:
    return _uploaded_file(ref) is not None


# -- the authority file -------------------------------------------------------------------
ENTITIES_PER_PAGE = 50


def _entity_key(text: str) -> str:
    from indexer.entities import entity_key
    return entity_key(text)


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
    total, rows = authority.list_entities(_db(), q=q or None, kind=kind or None, provisional=provisional,
                                          limit=ENTITIES_PER_PAGE, offset=(page - 1) * ENTITIES_PER_PAGE,
                                          key=_entity_key)
    pages = max(1, -(-total // ENTITIES_PER_PAGE))
    args = {"q": q, "type": kind, "provisional": request.args.get("provisional") or ""}
    return _page("admin/entities.html", status, entities=rows, total=total, page=page, pages=pages,
                 args={k: v for k, v in args.items() if v}, kinds=authority.KINDS, error=error)


def _entity_page(entity_id: str, error: str | None = None, status: int = 200, preview: dict | None = None,
                 other: str = ""):
    info = authority.entity_info(_db(), entity_id)
    if info is None:
        total, rows = authority.list_entities(_db(), limit=ENTITIES_PER_PAGE, key=_entity_key)
        return _page("admin/entities.html", 404, entities=rows, total=total, page=1,
                     pages=max(1, -(-total // ENTITIES_PER_PAGE)), args={}, kinds=authority.KINDS,
                     error=_("there is no entity “%(id)s” (ids look like e12)", id=entity_id))
    if info["merged_into"]:
        flash(_("%(merged)s was merged into %(kept)s", merged=info["id"], kept=info["merged_into"]), "entity")
        return redirect(url_for("admin.entity", entity_id=info["merged_into"]), code=303)
    return _page("admin/entity.html", status, e=info, kinds=authority.KINDS, error=error, preview=preview,
                 other=other)


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
        r = authority.add_alias(_db(), entity_id, request.form.get("alias", ""), _entity_key)
    except authority.AuthorityError as exc:
        return _entity_page(entity_id, error_text(exc), 400)
    current_app.logger.info("%s added alias %r to %s", current_user.name, r["alias"], r["id"])
    return _done(r["id"], _("added the spelling %(alias)s to %(id)s", alias=r["alias"], id=r["id"]))


@bp.route("/entities/<entity_id>/type", methods=["POST"])
def entity_type(entity_id: str):
    try:
        r = authority.set_kind(_db(), entity_id, request.form.get("type", ""))
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
    other = (request.form.get("other") or "").strip()[:50]
    if not other:
        return _entity_page(entity_id, _("give the id of the entry to merge into this one (like e12)"), 400)
    try:
        preview = authority.merge_preview(_db(), entity_id, other)
        if request.form.get("confirm") != "1":
            return _entity_page(entity_id, preview=preview, other=other)
        result = authority.merge(_db(), entity_id, other)
    except authority.AuthorityError as exc:
        return _entity_page(entity_id, error_text(exc), 400, other=other)
    current_app.logger.info("%s merged %s into %s (%s articles)", current_user.name, result["merged"],
                            result["kept"], result["articles"])
    return _done(result["kept"], ngettext("merged %(merged)s into %(kept)s: %(count)s article changed",
                                          "merged %(merged)s into %(kept)s: %(count)s articles changed",
                                          result["articles"], merged=result["merged"], kept=result["kept"],
                                          count=number(result["articles"])))


# -- sections ------------------------------------------------------------------------------
@bp.route("/sections", methods=["GET", "POST"])
def sections():
    """Every section with its Arabic and English labels, each row its own form."""
    from archive.sections import SectionError, list_sections, set_labels

    error, status = None, 200
    if request.method == "POST":
        code = request.form.get("code", "")
        try:
            info = set_labels(_db(), code, request.form.get("label_ar", ""), request.form.get("label_en", ""))
        except SectionError as exc:
            error, status = error_text(exc), 400
        else:
            current_app.logger.info("%s labelled section %r: %r / %r", current_user.name, info.code,
                                    info.label_ar, info.label_en)
            flash(_("Saved the labels of %(code)s.", code=info.code), "sections")
            return redirect(url_for("admin.sections"), code=303)
    return _page("admin/sections.html", status, sections=list_sections(_db()), error=error)


# -- accounts (admins) ---------------------------------------------------------------------
@bp.route("/users", methods=["GET", "POST"])
@admin_only
def users():
    error, status = None, 200
    if request.method == "POST":
        try:
            account = add_user(_db(), request.form.get("name", ""), request.form.get("password", ""),
                               request.form.get("role", "librarian"))
            current_app.logger.info("%s added %s %s", current_user.name, account.role, account.name)
            return redirect(url_for("admin.users"), code=303)
        except AccountError as exc:
            error, status = error_text(exc), 400
    return _page("admin/users.html", status, users=list_users(_db()), roles=ROLES, error=error)


@bp.route("/users/<name>/active", methods=["POST"])
@admin_only
def user_active(name: str):
    """Disable an account (its sign-ins end at once) or enable it again; never one's own."""
    active = request.form.get("active") == "1"
    if name == current_user.name:
        abort(400)
    try:
        set_active(_db(), name, active)
    except AccountError as exc:
        return _page("admin/users.html", 404, users=list_users(_db()), roles=ROLES, error=error_text(exc))
    current_app.logger.info("%s %s %s", current_user.name, "enabled" if active else "disabled", name)
    return redirect(url_for("admin.users"), code=303)


@bp.app_template_filter("bytes")
def human_bytes(n) -> str:
    if n is None:
        return "—"
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1024
    return str(n)


@bp.app_template_filter("when")
def when(d) -> str:
    return d.strftime("%Y-%m-%d %H:%M:%S UTC") if d else "—"
