"""The ``arshif`` command line: a Flask CLI group, so ``flask --app web ...`` works the same.
Here the commands of the archive and its index (init, ingest, rejections, reindex, index
rollback, search, serve); the librarians' housekeeping commands are in web/cli_librarian.py."""
from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import ScriptInfo, with_appcontext
from flask_babel import gettext as _
from flask_babel import ngettext

from archive.errors import Message
from archive.sources import FORMATS
from archive.store import count_articles, iter_articles, list_rejections
from web import wiring
from web.cli_librarian import entities_group, jobs_command, sections_group, user_group
from web.console import ConsoleError, Progress, archive_db, echo_json, translate_help
from web.i18n import cli_lang, number
from web.labels import error_text
from web.jobs import current_job, ingest_progress, job_command, note_result, with_job_progress
from web.sections import resolve, section_label


@click.command("init")
@with_appcontext
def init_command():
    """Create or upgrade the database and the secret key (safe to repeat; never prompts)."""
    instance = Path(current_app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    key_file = instance / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        os.chmod(key_file, 0o600)
    db = current_app.extensions["arshif.db"].batch()  # long work waits on a busy database
    db.upgrade()
    seeded = wiring.seed_authority(db)
    if seeded:
        click.echo(ngettext("authority file: %(num)s entry added from the gazetteers",
                            "authority file: %(num)s entries added from the gazetteers", seeded))
    Path(current_app.config["INDEX_DIR"]).mkdir(parents=True, exist_ok=True)
    url = db.engine.url.render_as_string(hide_password=True)
    click.echo(_("Arshif instance ready in %(instance)s (database: %(url)s)", instance=instance, url=url))


@click.command("ingest")
@click.argument("paths", nargs=-1, required=False)
@click.option("--format", "fmt", default="auto", help="The input format (default auto: by file name and content).",
              type=click.Choice(FORMATS))
@click.option("--source", default=None, help="Outlet name for every record (overrides the input).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object.")
@click.option("--no-reindex", "no_reindex", is_flag=True,
              help="Leave new articles unsearchable until 'arshif reindex' (AUTO_REINDEX = False: always).")
@click.option("--if-changed", "if_changed", is_flag=True,
              help="Do nothing (no run in the history) when the latest run of these same paths read exactly "
                   "these files; make run loads the sample this way.")
@click.option("--job", "job_id", type=int, default=None, hidden=True,
              help="Run queued job N (an upload from the admin pages) with its parameters.")
@with_appcontext
def ingest_command(paths, fmt, source, as_json, no_reindex, if_changed, job_id):
    """Read files and directories (recursive, .gz too) into the archive (as an ingest job:
    one at a time; a run that is killed is marked failed with its counts), then make what is
    stored searchable (an incremental reindex job; see AUTO_REINDEX)."""
    from archive.ingest import IngestReport, fingerprint, read_unchanged

    follow = not no_reindex and bool(current_app.config["AUTO_REINDEX"])
    digest = fingerprint(paths, fmt, source) if if_changed and job_id is None else None
    unchanged_run = read_unchanged(archive_db(), paths, fmt, source, digest)
    if unchanged_run is not None:
        click.echo(_("%(paths)s: read by ingest run %(run)s and unchanged since; nothing to do",
                     paths=" ".join(paths), run=unchanged_run), err=as_json)
        report, reindex_job = IngestReport(run_id=unchanged_run), (_queue_reindex() if follow else None)
    else:
        report, reindex_job = _ingest(paths=paths, fmt=fmt, source=source, as_json=as_json, reindex=follow,
                                      fingerprint=digest, job_id=job_id)
    reindexed = _follow_up_reindex(reindex_job, as_json) if reindex_job else None
    if as_json:
        echo_json({**report.to_dict(), "reindex": reindexed})


@job_command("ingest")
def _ingest(paths, fmt, source, as_json, reindex, fingerprint):
    """The ingest job: the run, its report, and (``reindex``) the incremental reindex job that
    is to follow it, queued before this job ends so the job's page can name it."""
    if not paths:
        raise click.UsageError(_("name at least one file or directory to ingest"))
    from archive.ingest import ingest

    progress = Progress(_("read"), quiet=as_json)
    try:
        report = ingest(archive_db(), paths, fmt=fmt, source=source,
                        default_tz=current_app.config["ARSHIF_TIMEZONE"],
                        source_timezones=current_app.config.get("SOURCE_TIMEZONES") or {},
                        progress=ingest_progress(progress), on_stored=wiring.entity_linker(current_app.config),
                        job_id=current_job().id, fingerprint=fingerprint)
    except (ValueError, OSError) as exc:  # a time-zone name zoneinfo does not know, ENTITY_MODEL unreadable
        raise ConsoleError(exc)
    progress.done()
    for error in report.errors:
        click.echo(_("error: %(error)s", error=error_text(error)), err=True)
    if not as_json:
        status = _("failed: %(reason)s", reason=error_text(report.failed)) if report.failed else _("completed")
        click.echo(_("ingest run %(run)s %(status)s: read %(read)s, added %(added)s, updated %(updated)s, "
                     "unchanged %(unchanged)s, duplicates %(duplicates)s, rejected %(rejected)s",
                     run=report.run_id, status=status, read=report.read, added=report.added,
                     updated=report.updated, unchanged=report.unchanged, duplicates=report.duplicates,
                     rejected=report.rejected))
        for r in report.rejections[:50]:
            click.echo(_("  rejected %(ref)s: %(code)s: %(reason)s", ref=r["ref"], code=r["code"],
                         reason=error_text(r["reason"])))
        if len(report.rejections) > 50:
            click.echo(_("  … and %(num)s more: arshif rejections --run %(run)s",
                         num=len(report.rejections) - 50, run=report.run_id))
    if report.failed:
        if as_json:
            echo_json({**report.to_dict(), "reindex": None})
        current_job().failed = Message("ingest run %(run)s failed: %(reason)s", run=report.run_id, reason=report.failed)
        raise click.exceptions.Exit(1)
    return report, (_queue_reindex(current_job()) if reindex else None)


def _queue_reindex(after=None) -> int | None:
    """Queue an incremental reindex when stored articles are not searchable yet (started by
    whoever started ingest job ``after``, which then names it); None when every article is
    searchable, or, with a word on stderr, when a reindex is already queued or running."""
    from archive import jobs
    from indexer.backends import BackendError
    from web.jobs import cli_user, jobs_db

    db = archive_db()
    try:
        since = wiring.index_builds(current_app.config).indexed_change()
    except BackendError as exc:
        click.echo(_("not searchable yet: %(error)s", error=error_text(exc)), err=True)
        return None
    waiting = count_articles(db, after_change=since) if since is not None else count_articles(db)
    if not waiting:
        return None
    try:
        queued = jobs.create(jobs_db(), "reindex", after.info.started_by if after else cli_user(),
                             {"full": False, "after_job": after.id if after else None})
    except jobs.JobBusy as exc:
        click.echo(_("not searchable yet: %(error)s; run 'arshif reindex' once it has finished",
                     error=error_text(exc)), err=True)
        return None
    if after is not None:
        after.result = {**(after.result or {}), "reindex_job": queued.id}
    return queued.id


def _follow_up_reindex(job_id: int, as_json: bool) -> dict:
    """Run queued reindex job ``job_id`` after an ingest: its report (with ``job``), or the
    error that left the new articles unsearchable (the ingest itself stands)."""
    try:
        report = _reindex(full=False, as_json=as_json, job_id=job_id)
    except click.ClickException as exc:
        click.echo(_("the new articles are stored but not searchable yet: %(error)s", error=exc.message), err=True)
        return {"job": job_id, "error": exc.message}
    if not as_json:
        click.echo(_("reindex job %(job)s: %(report)s", job=job_id, report=_reindex_words(report)))
    return {"job": job_id, **report.to_dict()}


@click.command("rejections")
@click.option("--run", "run_id", type=int, default=None, help="Ingest run number (default: the latest).")
@click.option("--json", "as_json", is_flag=True, help="Print the rejections as one JSON object.")
@with_appcontext
def rejections_command(run_id, as_json):
    """List the records an ingest run rejected, with the reason."""
    run_id, rows = list_rejections(archive_db(), run_id)
    if as_json:
        echo_json({"run": run_id, "rejections": rows})
        return
    if run_id is None:
        click.echo(_("no ingest runs yet"))
        return
    click.echo(_("ingest run %(run)s: %(num)s rejected", run=run_id, num=len(rows)))
    for r in rows:
        click.echo(f"  {r['ref']}: {r['code']}: {error_text(r['reason'])}")


@click.command("reindex")
@click.option("--full", is_flag=True, help="Rebuild everything into a new generation.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object.")
@click.option("--job", "job_id", type=int, default=None, hidden=True,
              help="Run queued job N (started from the admin pages) with its parameters.")
@with_appcontext
def reindex_command(full, as_json, job_id):
    """Bring the search index up to date with the archive (as a reindex job: one at a time,
    progress in 'arshif jobs' and on the admin page)."""
    report = _reindex(full=full, as_json=as_json, job_id=job_id)
    if as_json:
        echo_json(report.to_dict())
    else:
        click.echo(_reindex_words(report))


def _reindex_words(report) -> str:
    seconds = format(report.seconds, ".1f")
    if report.full:
        return ngettext("full rebuild: %(num)s article into generation %(generation)s in %(seconds)s s",
                        "full rebuild: %(num)s articles into generation %(generation)s in %(seconds)s s",
                        report.articles, generation=report.generation, seconds=seconds)
    return ngettext("incremental update: %(num)s article into generation %(generation)s in %(seconds)s s",
                    "incremental update: %(num)s articles into generation %(generation)s in %(seconds)s s",
                    report.articles, generation=report.generation, seconds=seconds)


@job_command("reindex")
def _reindex(full, as_json):
    from archive.changes import current_change
    from indexer.backends import BackendError

    db = archive_db()
    cfg = current_app.config
    tz = cfg["ARSHIF_TIMEZONE"]
    progress = Progress(_("indexed"), quiet=as_json)
    on_progress = with_job_progress(progress)
    # Read before any article is: what is stored from now on goes in the next update.
    change = current_change(db)
    try:
        builds = wiring.index_builds(cfg)
        since = None if full else builds.indexed_change()
        if since is None:
            report = builds.full_rebuild(iter_articles(db), count_articles(db), tz, on_progress, change,
                                         procs=int(cfg["REINDEX_PROCS"] or min(2, os.cpu_count() or 1)),
                                         multiprocess_min=int(cfg["REINDEX_MULTIPROCESS_MIN"]))
        else:
            report = builds.incremental_update(iter_articles(db, after_change=since), count_articles(db, since),
                                               tz, on_progress, change)
    except BackendError as exc:
        raise ConsoleError(exc)
    progress.done()
    kind = "full rebuild" if report.full else "incremental update"
    note_result({**report.to_dict(), "full": report.full},
                f"{kind}: {report.articles:,} articles into generation {report.generation}")
    return report


@click.group("index")
def index_group():
    """Index generations."""


@index_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the generations as JSON.")
@with_appcontext
def list_command(as_json):
    """The complete index generations, newest first, and where they live."""
    from indexer.backends import BackendError

    builds = wiring.index_builds(current_app.config)
    try:
        generations = builds.generations()
    except BackendError as exc:
        raise ConsoleError(exc)
    if as_json:
        echo_json({"location": builds.location(), "generations": generations})
        return
    click.echo(_("Index generations in %(location)s:", location=builds.location()))
    for g in generations:
        articles = g["meta"].get("articles")
        click.echo(f"{'*' if g['serving'] else ' '} {g['name']}  "
                   f"{number(articles) if articles is not None else '—'}  {g['bytes'] / 1e6:,.1f} MB")


@index_group.command("rollback")
@with_appcontext
def rollback_command():
    """Serve the previous complete generation again."""
    from indexer.backends import BackendError
    from indexer.generations import IndexBusy, NoIndex

    try:
        name = wiring.index_builds(current_app.config).rollback()
    except (NoIndex, IndexBusy, BackendError) as exc:
        raise ConsoleError(exc)
    click.echo(_("now serving generation %(name)s", name=name))


@click.command("search")
@click.argument("query", default="")
@click.option("--section", multiple=True, help="Only this section (its code or a label; repeatable).")
@click.option("--source", multiple=True, help="Only this source (repeatable).")
@click.option("--person", multiple=True, help="Only articles mentioning this person (entity id; repeatable).")
@click.option("--org", multiple=True, help="Only articles mentioning this organisation (entity id; repeatable).")
@click.option("--place", multiple=True, help="Only articles mentioning this place (entity id; repeatable).")
@click.option("--from", "date_from", default=None, help="Published on or after (YYYY, YYYY-MM or YYYY-MM-DD).")
@click.option("--to", "date_to", default=None, help="Published on or before (YYYY, YYYY-MM or YYYY-MM-DD).")
@click.option("--date", multiple=True, help="In this year or month (YYYY or YYYY-MM; repeatable).")
@click.option("--sort", default=None, help="relevance (default), newest or oldest.")
@click.option("--page", default=None, help="Page of results (from 1).")
@click.option("--per-page", "per_page", default=None, help="Results per page (default 10).")
@click.option("--json", "as_json", is_flag=True, help="Print exactly what GET /api/v1/search returns.")
@with_appcontext
def search_command(query, section, source, person, org, place, date_from, date_to, date, sort,
                   page, per_page, as_json):
    """Search the archive from the command line (the API's parameters)."""
    from indexer.generations import NoIndex
    from indexer.search import SearchError, SearchRequest, SearchTimeout

    params = {"q": [query], "section": list(section), "source": list(source), "person": list(person),
              "org": list(org), "place": list(place), "date": list(date),
              "from": [date_from] if date_from else [], "to": [date_to] if date_to else [],
              "sort": [sort] if sort else [], "page": [page] if page else [],
              "per_page": [per_page] if per_page else []}
    try:
        req = SearchRequest.from_params(lambda name: params.get(name, []))
        result = current_app.extensions["arshif.search"].search(resolve(req))
    except (SearchError, SearchTimeout, NoIndex) as exc:
        raise ConsoleError(exc)
    if as_json:
        echo_json(result.to_dict())
        return
    click.echo(ngettext("%(count)s article (%(ms)s ms)", "%(count)s articles (%(ms)s ms)", result.total,
                        count=number(result.total), ms=format(result.took_ms, ".1f")))
    for notice in result.notices:
        click.echo(_("note: %(notice)s", notice=error_text(notice)))
    if result.suggestion:
        click.echo(_("Did you mean:") + " " + result.suggestion)
    for i, h in enumerate(result.hits, start=(result.page - 1) * result.per_page + 1):
        click.echo(f"{i:>4}. {h.title}  [{h.id}] {h.date[:10]} {section_label(h.section)} {h.source or ''}")


@click.command("serve")
@click.option("--host", default=None, help="Address to listen on (default: SERVE_HOST).")
@click.option("--port", type=int, default=None, help="Port (default: $PORT or SERVE_PORT).")
@click.option("--workers", type=int, default=None, help="Worker processes (default: SERVE_WORKERS).")
@with_appcontext
def serve_command(host, port, workers):
    """Serve the web app with gunicorn (multi-worker, production)."""
    cfg = current_app.config
    host = host or cfg["SERVE_HOST"]
    port = port or int(os.environ.get("PORT") or cfg["SERVE_PORT"])
    workers = workers or cfg["SERVE_WORKERS"]
    os.environ["ARSHIF_INSTANCE"] = current_app.instance_path
    for key, variable in (("SERVE_MMAP_THRESHOLD", "MALLOC_MMAP_THRESHOLD_"),
                          ("SERVE_TRIM_THRESHOLD", "MALLOC_TRIM_THRESHOLD_")):
        if cfg[key]:  # read by glibc as gunicorn starts (see web/config.py)
            os.environ.setdefault(variable, str(int(cfg[key])))
    click.echo(f"Arshif on http://{host}:{port}/ ({workers} workers)", err=True)
    argv = [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind", f"{host}:{port}",
            "--access-logfile", "-",
            # Room for long Arabic queries (each letter is 6 bytes URL-encoded; 8190 is gunicorn's
            # maximum); a longer request line gets gunicorn's 400, a long query string Flask's 414.
            "--limit-request-line", "8190", "--config", "python:web.gunicorn_hooks", "web:create_app()"]
    os.execv(sys.executable, argv)


COMMANDS = (entities_group, init_command, ingest_command, rejections_command, reindex_command, index_group,
            search_command, serve_command)
# Librarian operations (web/cli_librarian.py: the authority file, accounts, jobs, section labels).
COMMANDS += (user_group, jobs_command, sections_group)


def register(app: Flask) -> None:
    for command in COMMANDS:
        app.cli.add_command(command)


def _create_app():
    from web import create_app
    return create_app()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def arshif():
    """Arshif (أرشيف): a searchable archive of Arabic news."""


for _command in COMMANDS:
    arshif.add_command(_command)


def main() -> None:
    """The ``arshif`` command: Arshif's commands only (``flask --app web`` keeps Flask's own);
    each command loads the app from the instance folder when it needs it. Help pages speak the
    command line's language (ARSHIF_LANG, else the locale)."""
    translate_help(arshif, cli_lang())
    arshif.main(prog_name="arshif", obj=ScriptInfo(create_app=_create_app, load_dotenv_defaults=False))
