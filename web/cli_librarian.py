"""The librarians' housekeeping commands: the authority file (``arshif entities``), section
labels (``arshif sections``), accounts (``arshif user``) and recent jobs (``arshif jobs``)."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _
from flask_babel import ngettext

from web import wiring
from web.console import ConsoleError, Progress, archive_db, echo_json
from web.jobs import job_command, note_result, with_job_progress
from web.labels import job_summary, label


@click.group("entities")
def entities_group():
    """The authority file of people, organisations and places."""


def _format_of(path: str) -> str:
    return "json" if path.lower().endswith(".json") else "csv"


@entities_group.command("export")
@click.argument("path")
@with_appcontext
def entities_export(path):
    """Write every entry (id, name, type, aliases) to a CSV or JSON file (by extension; - for stdout)."""
    from archive.authority import dump, export_entities

    text = dump(export_entities(archive_db()), _format_of(path))
    if path == "-":
        click.echo(text, nl=False)
    else:
        Path(path).write_text(text, encoding="utf-8")
        click.echo(_("wrote %(path)s", path=path))


@entities_group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def entities_import(path):
    """Create or update entries from a CSV or JSON file in the export's shape."""
    from archive.authority import AuthorityError, import_entities, load

    try:
        rows = load(Path(path).read_text(encoding="utf-8"), _format_of(path))
        report = import_entities(archive_db(), rows, wiring.entity_key)
    except (AuthorityError, ValueError) as exc:
        raise ConsoleError(exc)
    click.echo(_("created %(created)s, updated %(updated)s, aliases added %(aliases)s; run 'arshif reindex' to "
                 "apply them to the index", created=report.created, updated=report.updated, aliases=report.aliases))


@entities_group.command("reextract")
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"]), default=None,
              help="Only articles stored or changed since this UTC date (YYYY-MM-DD).")
@click.option("--json", "as_json", is_flag=True)
@click.option("--job", "job_id", type=int, default=None, hidden=True)
@with_appcontext
@job_command("reextract", fill=("since",))
def entities_reextract(since, as_json):
    """Extract and link the entities of stored articles again (after a new model or authority
    file), as a job with progress, then update the search index incrementally. Librarians'
    merges and renames are kept: mentions link through the authority file as it stands."""
    from archive.authority import reextract

    db = archive_db()
    progress = Progress(_("re-extracted"), quiet=as_json)
    try:
        linker = wiring.entity_linker(current_app.config)
    except (ValueError, OSError) as exc:  # ENTITY_MODEL missing or not a model
        raise ConsoleError(exc)
    result = reextract(db, linker, since=since, progress=with_job_progress(progress))
    progress.done()
    note_result(result, f"re-extracted {result['articles']:,} articles, {result['changed']:,} changed")
    if as_json:
        echo_json(result)
    else:
        click.echo(ngettext("re-extracted %(num)s article: %(changed)s link differently",
                            "re-extracted %(num)s articles: %(changed)s link differently", result["articles"],
                            changed=result["changed"]))
        if result["aliases_rekeyed"]:
            click.echo(ngettext("%(num)s alias has a new lookup key", "%(num)s aliases have a new lookup key",
                                result["aliases_rekeyed"]))
        for conflict in result["alias_conflicts"]:
            click.echo(_("the alias %(alias)s of %(entry)s is also a spelling of %(other)s: it keeps its old "
                         "key; merge the two entries if they are one", **conflict))
    if result["changed"]:  # then the index: one more JSON line with --json
        from web.cli import reindex_command
        click.get_current_context().invoke(reindex_command, full=False, as_json=as_json, job_id=None)


@entities_group.command("merge")
@click.argument("keep")
@click.argument("other")
@with_appcontext
def entities_merge(keep, other):
    """Merge entry OTHER into KEEP (ids like e12)."""
    from archive.authority import AuthorityError, merge

    try:
        result = merge(archive_db(), keep, other)
    except AuthorityError as exc:
        raise ConsoleError(exc)
    click.echo(ngettext("merged %(merged)s into %(kept)s: %(num)s article changed; run 'arshif reindex' to apply",
                        "merged %(merged)s into %(kept)s: %(num)s articles changed; run 'arshif reindex' to apply",
                        result["articles"], merged=result["merged"], kept=result["kept"]))


@click.group("sections")
def sections_group():
    """Sections and the Arabic and English labels the interface shows for them."""


@sections_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the sections as a JSON list.")
@with_appcontext
def sections_list(as_json):
    """Every section's code, labels and number of articles."""
    from archive.sections import list_sections

    rows = list_sections(archive_db())
    if as_json:
        echo_json([{"code": r.code, "label_ar": r.label_ar, "label_en": r.label_en, "articles": r.articles}
                    for r in rows])
        return
    for r in rows:
        click.echo(f"{r.code}\t{r.label_ar or '-'}\t{r.label_en or '-'}\t{r.articles}")


@sections_group.command("label")
@click.argument("code")
@click.option("--ar", "label_ar", default=None, help="The Arabic label (\"\" removes it).")
@click.option("--en", "label_en", default=None, help="The English label (\"\" removes it).")
@with_appcontext
def sections_label(code, label_ar, label_en):
    """Give section CODE an Arabic and/or English label (shown at once; no reindex needed)."""
    from archive.sections import SectionError, set_labels

    if label_ar is None and label_en is None:
        raise click.UsageError(_("give --ar, --en or both"))
    try:
        info = set_labels(archive_db(), code, label_ar, label_en)
    except SectionError as exc:
        raise ConsoleError(exc)
    click.echo(f"{info.code}\t{info.label_ar or '-'}\t{info.label_en or '-'}")


@sections_group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--replace", is_flag=True, help="Replace the labels sections already have (default: fill in only "
                                               "the missing ones).")
@with_appcontext
def sections_import(path, replace):
    """Label sections from a CSV (or, named .tsv, tab-separated) file with the columns code,
    label_ar, label_en (make run labels the sample's sections from sample/sections.tsv, a name
    ingest does not read). Codes no article uses are skipped."""
    import csv

    from archive.sections import SectionError, fill_labels

    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t" if path.endswith(".tsv") else ","))
    if rows and "code" not in rows[0]:
        raise click.UsageError(_("%(path)s has no code column", path=path))
    try:
        changed = fill_labels(archive_db(), [(r["code"].strip(), r.get("label_ar"), r.get("label_en")) for r in rows],
                              replace)
    except SectionError as exc:
        raise ConsoleError(exc)
    click.echo(ngettext("labelled %(num)s section", "labelled %(num)s sections", len(changed)))


@click.group("user")
def user_group():
    """Librarian accounts."""


def _read_password(from_stdin: bool, prompt: str) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt(prompt, hide_input=True, confirmation_prompt=True)


@user_group.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(["librarian", "admin"]), default="librarian",
              help="What the account may do (default librarian; admins also manage accounts).")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@with_appcontext
def user_add_command(name, role, password_stdin):
    """Add an account that can sign in to /admin (prompts for the password)."""
    from archive.accounts import AccountError, add_user
    from web.jobs import jobs_db

    db = jobs_db()
    password = _read_password(password_stdin, "Password")
    try:
        account = add_user(db, name, password, role)
    except AccountError as exc:
        raise ConsoleError(exc)
    click.echo(_("added %(role)s %(name)s", role=account.role, name=account.name))


@user_group.command("list")
@with_appcontext
def user_list_command():
    """List the accounts."""
    from archive.accounts import list_users
    from web.jobs import jobs_db

    for u in list_users(jobs_db()):
        click.echo(f"{u.name}\t{u.role}\t{_('active') if u.active else _('disabled')}")


@user_group.command("password")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@with_appcontext
def user_password_command(name, password_stdin):
    """Give an account a new password (prompts); its current sign-ins end."""
    from archive.accounts import AccountError, set_password
    from web.jobs import jobs_db

    db = jobs_db()
    password = _read_password(password_stdin, "New password")
    try:
        set_password(db, name, password)
    except AccountError as exc:
        raise ConsoleError(exc)
    click.echo(_("new password for %(name)s; its sign-ins have ended", name=name))


@user_group.command("disable")
@click.argument("name")
@with_appcontext
def user_disable_command(name):
    """Disable an account: it cannot sign in, and its current sign-ins end."""
    _set_active(name, False)


@user_group.command("enable")
@click.argument("name")
@with_appcontext
def user_enable_command(name):
    """Enable a disabled account again."""
    _set_active(name, True)


def _set_active(name: str, active: bool) -> None:
    from archive.accounts import AccountError, set_active
    from web.jobs import jobs_db

    try:
        set_active(jobs_db(), name, active)
    except AccountError as exc:
        raise ConsoleError(exc)
    click.echo(_("%(name)s enabled", name=name) if active
               else _("%(name)s disabled; its sign-ins have ended", name=name))


@click.command("jobs")
@click.option("--json", "as_json", is_flag=True, help="Print the jobs as a JSON list.")
@click.option("--limit", type=int, default=10, help="How many recent jobs (default 10).")
@with_appcontext
def jobs_command(as_json, limit):
    """Recent jobs (reindex, ingest) with their progress; finds jobs whose process died."""
    from archive import jobs
    from web.jobs import jobs_db

    db = jobs_db()
    jobs.sweep(db)
    rows = jobs.recent(db, limit=limit)
    if as_json:
        echo_json([j.to_dict() for j in rows])
        return
    for j in rows:
        line = f"{j.id:>5} {label('job', j.kind):<8} {label('status', j.status):<10} " \
               f"{j.created_at:%Y-%m-%d %H:%M:%S} {j.started_by}"
        if j.total:
            line += f"  {j.done:,}/{j.total:,}"
        elif j.done:
            line += f"  {j.done:,}"
        if j.active and j.rate:
            line += f" ({j.rate:,.0f}/s" + (f", ETA {j.eta_seconds:,.0f} s)" if j.eta_seconds is not None else ")")
        if summary := job_summary(j):
            line += f"  {summary}"
        click.echo(line)
