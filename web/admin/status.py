"""The archive's status (counts, generations, disk, jobs) and the index controls the status
page offers: start a reindex, roll back to the previous generation."""
from __future__ import annotations

import shutil
from pathlib import Path

from flask import current_app, flash, jsonify, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from archive import jobs
from archive.runs import last_run
from archive.store import archive_counts, count_articles
from indexer.backends import BackendError
from indexer.generations import IndexBusy, NoIndex
from web.admin.common import archive_db, bp, render_page
from web.jobs import start_job
from web.labels import error_html, error_text
from web.wiring import index_builds


def _tree_size(path: Path) -> int:
    if not path.exists():
        return 0
    if path.is_file():
        return path.stat().st_size
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def archive_status() -> dict:
    db = archive_db()
    jobs.sweep(db)
    instance = Path(current_app.instance_path)
    builds = index_builds(current_app.config)
    index = current_app.extensions["arshif.search"].status()
    try:
        current, generations, change, index_error = (builds.current(), builds.generations(),
                                                     builds.indexed_change(), None)
    except BackendError as exc:  # a SolrCloud cluster that does not answer: the page still shows
        current, generations, change, index_error = None, [], None, exc.message
    db_file = db.engine.url.database if db.url.startswith("sqlite") else None
    database_bytes = sum(_tree_size(Path(db_file + suffix)) for suffix in ("", "-wal", "-shm")) if db_file else None
    last_reindex = jobs.recent(db, limit=1, kind="reindex")
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
        (archive_counts(db)["articles"] if current is None and index_error is None else None),
        "generations": generations, "index_error": index_error,
        "index_location": builds.location(), "cluster": index.get("cluster"),
        "last_ingest": last_run(db),
        "last_reindex": last_reindex[0] if last_reindex else None,
        "active": [j for j in jobs.recent(db, limit=10) if j.active],
        "disk": {"database": database_bytes, "index": sum(g["bytes"] for g in generations),
                 "uploads": _tree_size(instance / "uploads"), "free": free},
    }


@bp.route("/")
def status():
    s = archive_status()
    return render_page("admin/status.html", s=s, error=error_html(s["index_error"]))


@bp.route("/api/status")
def api_status():
    s = archive_status()
    run = s["last_ingest"]
    return jsonify({
        "articles": s["articles"], "sections": s["sections"], "sources": s["sources"],
        "generation": s["generation"], "indexed": s["indexed"],
        "generations": [{"name": g["name"], "bytes": g["bytes"], "serving": g["serving"]} for g in s["generations"]],
        "index_location": s["index_location"], "index_error": s["index_error"], "cluster": s["cluster"],
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
        return render_page("admin/status.html", 409, s=archive_status(), error=error_text(exc))
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
    builds = index_builds(current_app.config)
    try:
        if request.method == "GET":
            current, previous = builds.rollback_choice()
            return render_page("admin/rollback.html", current=current, previous=previous, error=None
                               if previous else _("there is no earlier complete generation to roll back to"))
        name = builds.rollback()
    except (NoIndex, IndexBusy, BackendError) as exc:
        return render_page("admin/status.html", 409, s=archive_status(), error=error_html(exc))
    current_app.logger.info("%s rolled the index back to %s", current_user.name, name)
    flash(_("Now serving generation %(name)s.", name=name), "status")
    return redirect(url_for("admin.status"), code=303)
