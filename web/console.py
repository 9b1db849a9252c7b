"""What the ``arshif`` commands share: the archive database for long work (refused until
``arshif init`` has set it up), one-line JSON output, progress lines on stderr."""
from __future__ import annotations

import inspect
import json
import sys
import time
from pathlib import Path

import click
from flask import current_app
from flask_babel import gettext as _

from archive.errors import UserError
from web.labels import error_text


def archive_db():
    db = current_app.extensions["arshif.db"].batch()  # long work waits on a busy database
    if not db.is_initialised():
        raise click.ClickException(_("the archive database is not set up yet: run 'arshif init' first"))
    return db


class ConsoleError(click.ClickException):
    """An error for the console, said in the command line's language (ARSHIF_LANG); a user's
    error (archive/errors.py) also keeps its template and parameters in ``reason``, so a job
    that fails with it is shown in each reader's language on the admin pages."""

    def __init__(self, error: BaseException):
        super().__init__(error_text(error))
        self.reason = error.message if isinstance(error, UserError) else None


def echo_json(data) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=None))


class Progress:
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
            counts = {"what": self.what, "done": format(done, ","), "total": format(total, ","),
                      "rate": format(rate, ",.0f"), "eta": format(eta, ",.0f")}
            line = _("%(what)s: %(done)s/%(total)s (%(rate)s/s, about %(eta)s s left)", **counts)
        else:
            line = _("%(what)s: %(done)s (%(rate)s/s)", what=self.what, done=format(done, ","),
                     rate=format(rate, ",.0f"))
        click.echo(f"\r{line}   ", err=True, nl=False)

    def done(self) -> None:
        if not self.quiet:
            click.echo("", err=True)


# Click's own messages (usage errors, "Error:", "Usage:", headings, prompts): the modules that
# write them through gettext. Click calls the standard library's gettext, which knows nothing of
# our catalogues, so ``translate_help`` points these modules' ``_`` and ``ngettext`` at the catalogue.
CLICK_MODULES = ("core", "exceptions", "types", "parser", "decorators", "formatting", "termui")


def click_messages():
    """The messages Click writes through gettext in ``CLICK_MODULES`` (a plural as its (singular,
    plural) pair), read from the installed Click's source: what web/catalogs.py extracts."""
    from babel.messages.extract import extract_from_file

    folder = Path(click.__file__).resolve().parent
    for name in CLICK_MODULES:
        for _line, message, _comments, _context in extract_from_file(
                "python", str(folder / f"{name}.py"), keywords={"_": None, "ngettext": (1, 2)}):
            yield message


def help_texts(command: click.Command):
    """Every help text of ``command`` and its subcommands, as Click shows them (the docstring
    cleaned, up to a form feed): what web/catalogs.py extracts and ``translate_help`` looks up."""
    if command.help:
        yield inspect.cleandoc(command.help).partition("\f")[0]
    for param in command.params:
        if getattr(param, "help", None) and not getattr(param, "hidden", False):
            yield param.help
    for sub in getattr(command, "commands", {}).values():
        yield from help_texts(sub)


def translate_help(command: click.Command, lang: str) -> None:
    """Make ``command`` speak the command line's language, once, when ``arshif`` starts: its help
    texts (its subcommands' too) and Click's own messages (usage errors, "Error:", help page
    headings) are read from the catalogue without a Flask app."""
    import importlib

    from babel.support import Translations

    catalogue = Translations.load(str(Path(__file__).resolve().parent / "translations"), [lang])
    tr = catalogue.gettext
    for name in CLICK_MODULES:
        module = importlib.import_module(f"click.{name}")
        module._ = tr
        if hasattr(module, "ngettext"):
            module.ngettext = catalogue.ngettext

    def walk(cmd):
        if cmd.help:
            cmd.help = tr(inspect.cleandoc(cmd.help).partition("\f")[0])
        for param in cmd.params:
            if getattr(param, "help", None):
                param.help = tr(param.help)
        for sub in getattr(cmd, "commands", {}).values():
            walk(sub)

    walk(command)
