"""Every message the code and templates show has a translation in each catalogue, the plural
rules are Arabic's six CLDR forms, and the compiled .mo files match the .po files."""
from __future__ import annotations

import re

from babel.messages.catalog import Catalog

from web import catalogs

PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def test_every_message_is_translated_in_every_catalogue():
    template = catalogs.extract()
    assert len(template) > 200   # templates, views, CLI and archive errors were all read
    for lang in catalogs.LANGS:
        assert catalogs.missing(template, catalogs.load(lang)) == [], \
            f"untranslated in {lang}: run python -m web.catalogs, then translate"


def test_a_message_the_catalogue_lacks_is_reported():
    template = Catalog()
    template.add("A sentence nobody translated yet")
    template.add(("%(num)s new thing", "%(num)s new things"))
    template.add("Status")   # translated: not reported
    assert catalogs.missing(template, catalogs.load("ar")) == ["A sentence nobody translated yet",
                                                                "%(num)s new thing"]


def test_extraction_reads_templates_views_and_error_templates():
    ids = {catalogs._key(m) for m in catalogs.extract() if m.id}
    assert {"Authority file",                                    # admin template
            "%(num)s article mentions it",                       # ngettext in a public template
            "There is nothing at this address.",                 # lazy_gettext in web/__init__.py
            "there is no entity “%(id)s” (ids look like e12)",   # AuthorityError in archive/
            "a reindex is already running, started at %(started)s UTC by %(by)s (job %(id)s)"} <= ids


def test_arabic_has_six_plural_forms_and_translations_keep_their_placeholders():
    ar = catalogs.load("ar")
    assert ar.num_plurals == 6
    for m in ar:
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, (tuple, list)) else (m.id,)
        strings = m.string if isinstance(m.string, (tuple, list)) else (m.string,)
        wanted = set(PLACEHOLDER.findall(ids[-1])) - {"num", "count"}
        for s in strings:
            assert set(PLACEHOLDER.findall(s)) <= set(PLACEHOLDER.findall(ids[-1])), (m.id, s)
            if len(strings) == 1:
                assert set(PLACEHOLDER.findall(s)) == set(PLACEHOLDER.findall(ids[-1])), (m.id, s)
            else:  # a plural form may spell the number out (مقالتان) but keeps the other values
                assert wanted <= set(PLACEHOLDER.findall(s)), (m.id, s)


def test_compiled_catalogues_are_up_to_date():
    for lang in catalogs.LANGS:
        assert not catalogs.stale_mo(lang), "run: python -m web.catalogs"


def test_arabic_query_fields_keep_their_colon_on_the_right_side():
    """A query field (section:, date:…) followed by Arabic is drawn as ":section" unless a
    left-to-right mark follows the colon (checked in Chromium: the colon moves to the word's left)."""
    bare = []
    for m in catalogs.load("ar"):
        for s in (m.string if isinstance(m.string, (tuple, list)) else (m.string,)):
            if s and re.search(r"\b(section|source|date|title|person|org|place):[ \u00a0]+[\u0600-\u06ff]", s):
                bare.append(s)
    assert not bare, bare
