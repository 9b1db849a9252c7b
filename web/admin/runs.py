"""Jobs (ingest and reindex) with their progress, ingest runs with their rejections, and the
rejected record or its uploaded input file for download."""
from __future__ import annotations

from pathlib import Path

from flask import Response, abort, current_app, jsonify, request, send_file

from archive import jobs
from archive.runs import get_rejection, get_run, list_runs, run_rejections
from web.admin.common import archive_db, bp, render_page

REJECTIONS_PER_PAGE = 100
EXCERPT = 400


@bp.route("/jobs")
def job_list():
    jobs.sweep(archive_db())
    return render_page("admin/jobs.html", jobs=jobs.recent(archive_db(), limit=50))


@bp.route("/jobs/<int:job_id>")
def job(job_id: int):
    jobs.sweep(archive_db())
    info = jobs.get(archive_db(), job_id)
    if info is None:
        abort(404)
    return render_page("admin/job.html", job=info)


@bp.route("/api/jobs/<int:job_id>")
def api_job(job_id: int):
    jobs.sweep(archive_db())
    info = jobs.get(archive_db(), job_id)
    if info is None:
        return jsonify(error=f"there is no job {job_id}"), 404
    return jsonify(info.to_dict())


@bp.route("/runs")
def runs():
    jobs.sweep(archive_db())
    return render_page("admin/runs.html", runs=list_runs(archive_db(), limit=100))


@bp.route("/runs/<int:run_id>")
def run(run_id: int):
    info = get_run(archive_db(), run_id)
    if info is None:
        abort(404)
    page = max(1, request.args.get("page", 1, type=int))
    total, rows = run_rejections(archive_db(), run_id, (page - 1) * REJECTIONS_PER_PAGE, REJECTIONS_PER_PAGE)
    pages = max(1, -(-total // REJECTIONS_PER_PAGE))
    return render_page("admin/run.html", run=info, rejections=rows, total=total, page=page, pages=pages,
                 excerpt=EXCERPT)


def _download(text: str, filename: str) -> Response:
    return Response(text, mimetype="text/plain; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.route("/rejections/<int:rejection_id>/raw")
def rejection_raw(rejection_id: int):
    r = get_rejection(archive_db(), rejection_id)
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
    r = get_rejection(archive_db(), rejection_id)
    path = _uploaded_file(r.ref) if r else None
    if path is None:
        abort(404)
    return send_file(path, as_attachment=True, download_name=path.name, mimetype="application/octet-stream")


@bp.app_template_global()
def uploaded_input(ref: str) -> bool:
    return _uploaded_file(ref) is not None
