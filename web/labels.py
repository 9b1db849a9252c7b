"""Stored codes as the interface names them (job and run states, entity types, upload formats,
roles), and the errors a user caused, in the interface's language: the one place web/ turns
codes and message templates into words (templates reach it through ``label`` and ``error_text``)."""
from __future__ import annotations

from flask import Flask
from flask_babel import get_translations, gettext, lazy_gettext, ngettext
from markupsafe import Markup, escape

from archive.errors import N_, Message, UserError
from web.i18n import number

LABELS = {
    "status": {"queued": lazy_gettext("queued"), "running": lazy_gettext("running"),
               "completed": lazy_gettext("completed"), "failed": lazy_gettext("failed")},
    "job": {"reindex": lazy_gettext("reindex"), "ingest": lazy_gettext("ingest"),
            "reextract": lazy_gettext("entity re-extraction")},
    "entity": {"person": lazy_gettext("Person"), "org": lazy_gettext("Organisation"),
               "place": lazy_gettext("Place"), "misc": lazy_gettext("Other")},
    "format": {"auto": lazy_gettext("Recognise automatically"), "page": lazy_gettext("Saved web pages"),
               "html": lazy_gettext("HTML pages"), "jsonl": lazy_gettext("JSON Lines"),
               "csv": lazy_gettext("CSV table"), "warc": lazy_gettext("WARC web archive")},
    "role": {"librarian": lazy_gettext("librarian"), "admin": lazy_gettext("administrator")},
}


def label(kind: str, code) -> str:
    """The word for ``code`` among ``kind``'s codes; an unknown code is shown as it is."""
    text = LABELS[kind].get(code)
    return str(text) if text is not None else ("" if code is None else str(code))


def error_text(exc: BaseException | Message | str | None) -> str:
    """A user's error, a notice or a stored reason in the interface's language (their templates
    are msgids; a parameter that is a Message, or a list of them, is translated too). Plain text
    (a reason stored before reasons kept their template) is shown as it is."""
    if exc is None:
        return ""
    if isinstance(exc, (UserError, Message)):
        if not exc.params:
            return gettext(exc.template)
        params = {k: _param_text(v) for k, v in exc.params.items()}
        if getattr(exc, "plural", None) is not None:
            return ngettext(exc.template, exc.plural, **params)
        return gettext(exc.template, **params)
    return getattr(exc, "message", None) or str(exc)


def _param_text(value):
    if isinstance(value, Message):
        return error_text(value)
    if isinstance(value, (list, tuple)):
        return gettext("; ").join(_param_text(v) for v in value)
    return value


def error_html(exc: BaseException | Message | str | None) -> Markup:
    """``error_text`` for a page: escaped, each parameter (a path, a quoted value, a number)
    isolated in ``<bdi>`` so it keeps its own direction inside the translated sentence; plain
    stored text (English, from before reasons kept their template) isolated as a whole."""
    if exc is None:
        return Markup("")
    if not isinstance(exc, (UserError, Message)):
        return bdi(getattr(exc, "message", None) or str(exc))
    if getattr(exc, "plural", None) is not None:  # the translated template itself, unfilled
        template = get_translations().ungettext(exc.template, exc.plural, exc.params["num"])
    else:
        template = get_translations().ugettext(exc.template)
    params = {}
    for key, value in exc.params.items():
        if f"%({key})r" in template:  # a quoted value: quoted as the English says it, then isolated
            template, value = template.replace(f"%({key})r", f"%({key})s"), repr(value)
        params[key] = _param_html(value)
    return Markup(escape(template)) % params if params else Markup(escape(template.replace("%%", "%")))


def _param_html(value) -> Markup:
    if isinstance(value, Message):
        return error_html(value)
    if isinstance(value, (list, tuple)):
        return Markup(escape(gettext("; "))).join(_param_html(v) for v in value)
    return bdi(value)


def ingest_counts(counts: dict) -> str:
    """``read 4, added 3, …`` for an ingest run's or job's counts."""
    parts = [gettext("read %(num)s", num=number(counts.get("read", 0))),
             gettext("added %(num)s", num=number(counts.get("added", 0))),
             gettext("updated %(num)s", num=number(counts.get("updated", 0))),
             gettext("unchanged %(num)s", num=number(counts.get("unchanged", 0))),
             gettext("duplicates %(num)s", num=number(counts.get("duplicates", 0))),
             gettext("rejected %(num)s", num=number(counts.get("rejected", 0)))]
    return gettext(", ").join(parts)


def job_summary(job) -> str:
    """What a job did, from its recorded result; its own message (an error) otherwise."""
    result = job.result or {}
    if job.status != "failed":
        if job.kind == "ingest" and "read" in result:
            return ingest_counts(result)
        if job.kind == "reindex" and "generation" in result:
            n = result.get("articles", 0)
            if result.get("full"):
                return ngettext("full rebuild: %(count)s article into generation %(generation)s",
                                "full rebuild: %(count)s articles into generation %(generation)s", n,
                                count=number(n), generation=result["generation"])
            return ngettext("incremental update: %(count)s article into generation %(generation)s",
                            "incremental update: %(count)s articles into generation %(generation)s", n,
                            count=number(n), generation=result["generation"])
        if job.kind == "reextract" and "changed" in result:
            n = result.get("articles", 0)
            return ngettext("re-extracted %(count)s article, %(changed)s linked differently",
                            "re-extracted %(count)s articles, %(changed)s linked differently", n,
                            count=number(n), changed=number(result["changed"]))
    return error_text(job.message)


# How cli_user() (web/jobs.py) marks a job started at the command line, after the user's name.
COMMAND_LINE = " (command line)"


def who(started_by: str) -> Markup:
    """Who started a job, the name isolated: "huda", or "root (command line)" in the page's language."""
    if started_by and started_by.endswith(COMMAND_LINE):
        return Markup(escape(gettext("%(user)s (command line)"))) % {"user": bdi(started_by[:-len(COMMAND_LINE)])}
    return bdi(started_by)


def size(n: int | float | None) -> str:
    """A size in bytes as people read it (1.3 MB), its unit in the interface's language."""
    if n is None:
        return "—"
    if n < 1024:
        return gettext("%(num)s B", num=number(int(n)))
    for unit in (N_("%(num)s KB"), N_("%(num)s MB"), N_("%(num)s GB")):
        n /= 1024
        if n < 1024 or unit == "%(num)s GB":
            return gettext(unit, num=number(round(n, 1)))
    return str(n)


def bdi(text) -> Markup:
    """User or Arabic text isolated for a sentence in either direction (escaped)."""
    return Markup("<bdi>%s</bdi>") % text


def init_app(app: Flask) -> None:
    app.jinja_env.filters["bytes"] = size
    app.jinja_env.globals.update(label=label, error_text=error_text, error_html=error_html, job_summary=job_summary, who=who,
                                 ingest_counts=ingest_counts, bdi=bdi)
