"""The ``arshif`` command line: a Flask CLI group, so ``flask --app web ...`` works the same."""
from __future__ import annotations

import json
import os
import secrets
import sys
import time
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from archive.store import count_articles, iter_articles, list_rejections


def _db():
    db = current_app.extensions["arshif.db"]
    if not db.is_initialised():
        raise click.ClickException("the archive database is not set up yet: run 'arshif init' first")
    return db


def _echo_json(data) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=None))


class _Progress:
    """Progress lines on stderr, at most a few per second."""

    def __init__(self, what: str, quiet: bool = False):
        self.what = what
        self.quiet = quiet or not sys.stderr.isatty()
        self.started = time.perf_counter()
        self.last = 0.0

    def __call__(self, done: int, total: int | None = None) -> None:
        now = time.perf_counter()
        if self.quiet or now - self.last < 0.5:
            return
        self.last = now
        rate = done / max(now - self.started, 1e-9)
        if total:
            eta = (total - done) / rate if rate else 0
            click.echo(f"\r{self.what}: {done:,}/{total:,} ({rate:,.0f}/s, ETA {eta:,.0f} s)   ",
                       err=True, nl=False)
        else:
            click.echo(f"\r{self.what}: {done:,} ({rate:,.0f}/s)   ", err=True, nl=False)

    def done(self) -> None:
        if not self.quiet:
            click.echo("", err=True)


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
    db = current_app.extensions["arshif.db"]
    db.upgrade()
    Path(current_app.config["INDEX_DIR"]).mkdir(parents=True, exist_ok=True)
    url = db.engine.url.render_as_string(hide_password=True)
    click.echo(f"Arshif instance ready in {instance} (database: {url})")


@click.command("ingest")
@click.argument("paths", nargs=-1, required=True)
@click.option("--format", "fmt", default="auto",
              type=click.Choice(["auto", "page", "html", "jsonl", "csv", "warc"]))
@click.option("--source", default=None, help="Outlet name for every record (overrides the input).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object.")
@with_appcontext
def ingest_command(paths, fmt, source, as_json):
    """Read files and directories (recursive, .gz too) into the archive."""
    from archive.ingest import ingest

    progress = _Progress("read", quiet=as_json)
    report = ingest(_db(), paths, fmt=fmt, source=source,
                    default_tz=current_app.config["ARSHIF_TIMEZONE"],
                    progress=lambda r: progress(r.read))
    progress.done()
    for error in report.errors:
        click.echo(f"error: {error}", err=True)
    if as_json:
        _echo_json(report.to_dict())
    else:
        click.echo(f"ingest run {report.run_id}: read {report.read}, added {report.added}, "
                   f"updated {report.updated}, unchanged {report.unchanged}, "
                   f"duplicates {report.duplicates}, rejected {report.rejected}")
        for r in report.rejections[:50]:
            click.echo(f"  rejected {r['ref']}: {r['code']}: {r['reason']}")
        if len(report.rejections) > 50:
            click.echo(f"  … and {len(report.rejections) - 50} more: arshif rejections --run {report.run_id}")
    if report.read == 0:
        raise click.exceptions.Exit(1)


@click.command("rejections")
@click.option("--run", "run_id", type=int, default=None, help="Ingest run number (default: the latest).")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def rejections_command(run_id, as_json):
    """List the records an ingest run rejected, with the reason."""
    run_id, rows = list_rejections(_db(), run_id)
    if as_json:
        _echo_json({"run": run_id, "rejections": rows})
        return
    if run_id is None:
        click.echo("no ingest runs yet")
        return
    click.echo(f"ingest run {run_id}: {len(rows)} rejected")
    for r in rows:
        click.echo(f"  {r['ref']}: {r['code']}: {r['reason']}")


@click.command("reindex")
@click.option("--full", is_flag=True, help="Rebuild everything into a new generation.")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def reindex_command(full, as_json):
    """Bring the search index up to date with the archive."""
    from indexer.build import changed_since, full_rebuild, incremental_update

    db = _db()
    root = current_app.config["INDEX_DIR"]
    tz = current_app.config["ARSHIF_TIMEZONE"]
    progress = _Progress("indexed", quiet=as_json)
    since = None if full else changed_since(root)
    if since is None:
        report = full_rebuild(iter_articles(db), root, total=count_articles(db), tz=tz,
                              procs=min(2, os.cpu_count() or 1), progress=progress)
    else:
        report = incremental_update(iter_articles(db, changed_since=since), root, tz=tz,
                                    progress=progress, total=count_articles(db, since))
    progress.done()
    if as_json:
        _echo_json(report.to_dict())
    else:
        kind = "full rebuild" if report.full else "incremental update"
        click.echo(f"{kind}: {report.articles} articles into generation {report.generation} "
                   f"in {report.seconds:.1f} s")


@click.group("index")
def index_group():
    """Index generations."""


@index_group.command("rollback")
@with_appcontext
def rollback_command():
    """Serve the previous complete generation again."""
    from indexer.generations import IndexRoot, NoIndex

    try:
        name = IndexRoot(current_app.config["INDEX_DIR"]).rollback()
    except NoIndex as exc:
        raise click.ClickException(str(exc))
    click.echo(f"now serving generation {name}")


@click.command("search")
@click.argument("query", default="")
@click.option("--section", multiple=True)
@click.option("--source", multiple=True)
@click.option("--person", multiple=True)
@click.option("--org", multiple=True)
@click.option("--place", multiple=True)
@click.option("--from", "date_from", default=None)
@click.option("--to", "date_to", default=None)
@click.option("--date", multiple=True)
@click.option("--sort", default=None)
@click.option("--page", default=None)
@click.option("--per-page", "per_page", default=None)
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
        result = current_app.extensions["arshif.search"].search(req)
    except (SearchError, SearchTimeout, NoIndex) as exc:
        raise click.ClickException(getattr(exc, "message", str(exc)))
    if as_json:
        _echo_json(result.to_dict())
        return
    click.echo(f"{result.total} articles ({result.took_ms:.1f} ms)")
    for notice in result.notices:
        click.echo(f"note: {notice}")
    for i, h in enumerate(result.hits, start=(result.page - 1) * result.per_page + 1):
        click.echo(f"{i:>4}. {h.title}  [{h.id}] {h.date[:10]} {h.section or ''} {h.source or ''}")


@click.command("serve")
@click.option("--host", default=None)
@click.option("--port", type=int, default=None)
@click.option("--workers", type=int, default=None)
@with_appcontext
def serve_command(host, port, workers):
    """Serve the web app with gunicorn (multi-worker, production)."""
    cfg = current_app.config
    host = host or cfg["SERVE_HOST"]
    port = port or int(os.environ.get("PORT") or cfg["SERVE_PORT"])
    workers = workers or cfg["SERVE_WORKERS"]
    os.environ["ARSHIF_INSTANCE"] = current_app.instance_path
    click.echo(f"Arshif on http://{host}:{port}/ ({workers} workers)", err=True)
    argv = [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind", f"{host}:{port}",
            "--access-logfile", "-", "web:create_app()"]
    os.execv(sys.executable, argv)


COMMANDS = (init_command, ingest_command, rejections_command, reindex_command, index_group,
            search_command, serve_command)


def register(app: Flask) -> None:
    for command in COMMANDS:
        app.cli.add_command(command)


def _create_app():
    from web import create_app
    return create_app()


def main() -> None:
    cli = FlaskGroup(create_app=_create_app, add_version_option=False, load_dotenv=False,
                     help="Arshif (أرشيف): a searchable archive of Arabic news.")
    cli.main(prog_name="arshif")
