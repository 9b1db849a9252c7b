"""Ingest by upload: the files (zips unpacked safely by ``archive.uploads``) are saved in the
instance folder and ingested by a spawned ``arshif ingest --job N``, never in a web worker."""
from __future__ import annotations

import shutil
from pathlib import Path

from flask import abort, current_app, redirect, request, url_for
from flask_login import current_user

from archive import jobs
from archive.sources import FORMATS
from archive.uploads import UploadError, save_upload
from web.admin.common import archive_db, bp, render_page
from web.jobs import start_job
from web.labels import error_text


@bp.route("/ingest", methods=["GET", "POST"])
def ingest():
    if request.method == "GET":
        return render_page("admin/ingest.html", error=None, formats=FORMATS, active=jobs.active(archive_db(), "ingest"))
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
        return render_page("admin/ingest.html", 400, error=error_text(exc), formats=FORMATS, active=None)
    params = {"paths": [str(folder)], "fmt": fmt, "source": source}
    try:
        job = start_job(current_app._get_current_object(), "ingest", current_user.name, params, ["ingest"])
    except jobs.JobBusy as exc:
        shutil.rmtree(folder, ignore_errors=True)
        return render_page("admin/ingest.html", 409, error=error_text(exc), formats=FORMATS, active=exc.job)
    current_app.logger.info("%s uploaded %s for ingest job %s", current_user.name, folder.name, job.id)
    return redirect(url_for("admin.job", job_id=job.id), code=303)
