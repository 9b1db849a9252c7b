"""The interface language (Arabic by default, English on request, remembered in a cookie) and
locale-aware formatting of numbers and dates for templates (Flask-Babel + Babel)."""
from __future__ import annotations

import os
from datetime import datetime, timezone
from urllib.parse import urlencode

from babel import Locale
from babel.dates import get_month_names
from babel.numbers import format_decimal
from flask import Flask, current_app, has_request_context, request
from flask_babel import Babel, get_locale

from archive.dates import to_iso_z

LANGS = ("ar", "en")
COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600


def _asked_lang() -> str | None:
    lang = request.args.get("lang")
    return lang if lang in LANGS else None


def cli_lang() -> str:
    """The command line's language: ARSHIF_LANG, else the locale (LC_ALL, LC_MESSAGES, LANG)
    when it is Arabic, else English."""
    for name in ("ARSHIF_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "")
        if value:
            return "ar" if value.lower().startswith("ar") else "en"
    return "en"


def current_lang() -> str:
    """``?lang=`` when given, else the remembered choice (cookie), else Arabic; outside a
    request (the CLI, jobs) the command line's language."""
    if not has_request_context():
        return cli_lang()
    lang = _asked_lang() or request.cookies.get(COOKIE)
    return lang if lang in LANGS else "ar"


def _format_locale(lang: str | None = None) -> str:
    """The Babel locale that formats numbers and dates: ARABIC_LOCALE (e.g. ``ar_EG`` for
    Arabic-Indic digits) for the Arabic interface, ``en`` otherwise."""
    lang = lang or current_lang()
    return current_app.config["ARABIC_LOCALE"] if lang == "ar" else "en"


ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def _format(value, lang: str | None, **options) -> str:
    """Babel formats separators for the locale but always writes 0-9: ARABIC_DIGITS = "arab"
    turns them into Arabic-Indic digits (٠-٩) in the Arabic interface."""
    lang = lang or current_lang()
    arab = lang == "ar" and current_app.config["ARABIC_DIGITS"] == "arab"
    text = format_decimal(value, locale=_format_locale(lang), numbering_system="arab" if arab else "latn",
                          **options)
    return text.translate(ARABIC_INDIC) if arab else text


def number(value: int | float, lang: str | None = None) -> str:
    return _format(value, lang)


def digits(value: int | str, lang: str | None = None, width: int = 1) -> str:
    """An integer without grouping (years, days, hours) in the interface's digits."""
    return _format(int(value), lang, format="0" * width)  # a pattern without grouping


def month_name(month: int, lang: str | None = None, source: str | None = None, width: str = "wide") -> str:
    """The month's name; in Arabic as the outlet names it (SOURCE_LOCALES: ``ar_IQ`` gives
    كانون الثاني, ``ar_TN`` جانفي, plain ``ar`` يناير), else as ARABIC_LOCALE names it.
    ``width="abbreviated"``: "Jan" in English (Arabic names have no shorter form)."""
    lang = lang or current_lang()
    if lang == "ar":
        loc = current_app.config["SOURCE_LOCALES"].get(source or "") or current_app.config["ARABIC_LOCALE"]
    else:
        loc = "en"
    return get_month_names(width, locale=Locale.parse(loc))[month]


def date_label(value: str, lang: str | None = None) -> str:
    """A date facet value (``2018`` or ``2018-05``) as the interface shows it."""
    if len(value) == 7:
        return f"{month_name(int(value[5:]), lang)} {digits(value[:4], lang)}"
    return digits(value, lang)


def _as_datetime(value) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    return datetime.strptime(value[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc)


def long_date(value, precision: str = "minute", source: str | None = None, lang: str | None = None) -> str:
    """``4 آذار 2018`` / ``4 March 2018`` (Gregorian; with the UTC time when the source gave one)."""
    d = _as_datetime(value)
    text = f"{digits(d.day, lang)} {month_name(d.month, lang, source)} {digits(d.year, lang)}"
    if precision != "day":
        clock = f"{digits(d.hour, lang, 2)}:{digits(d.minute, lang, 2)}"
        # "بتوقيت غرينتش" (GMT, as Arabic outlets write it) keeps the phrase right-to-left;
        # a Latin "UTC" after the digits would be reordered by the bidi algorithm.
        text += f"، {clock} بتوقيت غرينتش" if (lang or current_lang()) == "ar" else f", {clock} UTC"
    return text


def iso(value) -> str:
    return to_iso_z(_as_datetime(value))


def switch_url(lang: str) -> str:
    """This page in the other language (the query kept)."""
    params = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    params.append(("lang", lang))
    return request.path + "?" + urlencode(params)


def init_app(app: Flask) -> None:
    Babel(app, locale_selector=current_lang, default_translation_directories="translations",
          default_domain="messages")

    @app.after_request
    def _remember_lang(response):
        lang = _asked_lang()
        if lang and request.cookies.get(COOKIE) != lang:
            response.set_cookie(COOKIE, lang, max_age=COOKIE_MAX_AGE, samesite="Lax",
                                secure=request.is_secure, httponly=True)
        return response

    @app.context_processor
    def _template_helpers():
        lang = current_lang()
        return {"lang": lang, "dir": "rtl" if lang == "ar" else "ltr", "switch_url": switch_url,
                "number": number, "digits": digits, "date_label": date_label, "long_date": long_date,
                "iso": iso}

    app.jinja_env.globals["get_locale"] = get_locale
