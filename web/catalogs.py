"""The interface's message catalogues (web/translations): what the code and templates ask to
translate, whether each catalogue answers all of it, and the command that brings them up to date.

    python -m web.catalogs          # extract, merge into every catalogue, compile the .mo files
    python -m web.catalogs --check  # report what is missing or stale; exit 1 if anything is

English is the source language: the ``en`` catalogue's translations are the messages themselves
(kept in step by the command), the ``ar`` catalogue is written by people. A new message lands in
``ar`` untranslated, and tests/web/test_catalogs.py fails until someone translates it."""
from __future__ import annotations

import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = Path(__file__).resolve().parent / "translations"
LANGS = ("ar", "en")
# The packages whose messages reach people: web/ (templates, views, CLI) and archive/ (the
# errors a librarian can cause, raised as UserError subclasses with English templates).
SOURCES = ("web", "archive", "indexer")
METHODS = [("**/templates/**.html", "jinja2.ext:babel_extract"), ("**/templates/**.xml", "jinja2.ext:babel_extract"),
           ("**.py", "python")]
# gettext and friends, plus the error classes whose first argument is a message template
# (archive/errors.py), plus N_() for templates chosen before they are raised.
KEYWORDS = {**DEFAULT_KEYWORDS, "lazy_gettext": None, "lazy_ngettext": (1, 2),
            "UserError": None, "AuthorityError": None, "AccountError": None, "UploadError": None,
            "SectionError": None, "QueryError": None, "SearchError": None, "Message": None,
            "DateParseError": None, "UnreadablePath": None, "UndecodableText": None, "nmessage": (1, 2),
            "NoIndex": None, "IndexBusy": None, "BackendError": None}


def _key(message) -> str:
    return message.id[0] if isinstance(message.id, (tuple, list)) else message.id


def extract() -> Catalog:
    """Every message the code and templates translate (the .pot, in memory)."""
    template = Catalog(project="Arshif", version="1", charset="utf-8")
    for package in SOURCES:
        folder = ROOT / package
        for filename, lineno, message, comments, context in extract_from_dir(
                folder, METHODS, {"**/templates/**.html": {"extensions": "jinja2.ext.do"}}, KEYWORDS,
                directory_filter=lambda d: "__pycache__" not in d and "migrations" not in d):
            template.add(message, None, [(f"{package}/{filename}", lineno)], auto_comments=comments,
                         context=context)
    # The command line: its commands' help texts as Click shows them, and Click's own messages
    # (web/console.py translate_help looks both up).
    from web.cli import arshif
    from web.console import click_messages, help_texts

    for text in help_texts(arshif):
        template.add(text, None, [("web/cli.py", 0)])
    for message in click_messages():
        template.add(message, None, [("click", 0)])
    return template


def po_path(lang: str) -> Path:
    return TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"


def load(lang: str) -> Catalog:
    with po_path(lang).open("rb") as f:
        return read_po(f, locale=lang)


def _filled(message) -> bool:
    strings = message.string if isinstance(message.string, (tuple, list)) else [message.string]
    return bool(strings) and all(strings)


def missing(template: Catalog, catalog: Catalog) -> list[str]:
    """The template's messages the catalogue lacks, leaves untranslated or marks fuzzy."""
    out = []
    for m in template:
        if not m.id:
            continue
        have = catalog.get(m.id, m.context)
        if have is None or not _filled(have) or have.fuzzy:
            out.append(_key(m))
        elif isinstance(m.id, (tuple, list)) and not isinstance(have.id, (tuple, list)):
            out.append(_key(m))  # the code now asks for plural forms the catalogue lacks
        elif isinstance(have.string, (tuple, list)) and len(have.string) != catalog.num_plurals:
            out.append(_key(m))
    return out


def stale_mo(lang: str) -> bool:
    """True when the compiled .mo does not hold exactly the .po's translations."""
    def table(catalog):
        def plain(v):
            return tuple(v) if isinstance(v, (list, tuple)) else v
        return {(plain(m.id), m.context): plain(m.string) for m in catalog if m.id and not m.fuzzy}
    mo = po_path(lang).with_suffix(".mo")
    if not mo.exists():
        return True
    with mo.open("rb") as f:
        compiled = read_mo(f)
    return table(load(lang)) != table(compiled)


def update() -> dict[str, list[str]]:
    """Merge the extracted messages into every catalogue (English filled in from the source),
    drop messages nothing uses, compile the .mo files. Returns what is still untranslated."""
    template = extract()
    report = {}
    for lang in LANGS:
        catalog = load(lang)
        catalog.update(template, no_fuzzy_matching=True, update_creation_date=False)
        catalog.obsolete.clear()
        if lang == "en":
            for m in catalog:
                if m.id:
                    m.string = tuple(m.id) if isinstance(m.id, (tuple, list)) else m.id
                    m.flags.discard("fuzzy")
        buf = io.BytesIO()
        write_po(buf, catalog, width=110, no_location=True, sort_output=True)
        po_path(lang).write_bytes(buf.getvalue())
        compile_mo(lang)
        report[lang] = missing(template, load(lang))
    return report


def compile_mo(lang: str) -> None:
    catalog = load(lang)
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    po_path(lang).with_suffix(".mo").write_bytes(buf.getvalue())


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if "--check" in argv:
        template = extract()
        report = {lang: missing(template, load(lang)) for lang in LANGS}
        stale = [lang for lang in LANGS if stale_mo(lang)]
    else:
        report, stale = update(), []
    for lang, ids in report.items():
        print(f"{lang}: {len(load(lang))} messages, {len(ids)} untranslated")
        for i in ids:
            print(f"  untranslated: {i!r}")
    for lang in stale:
        print(f"{lang}: messages.mo is older than messages.po (run: python -m web.catalogs)")
    return 1 if stale or any(report.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
