"""Dates and time zones for Arshif: turn the dates written by Arabic news sources into UTC instants.

Everything Arshif stores and returns is a timezone-aware UTC ``datetime`` (shown as
``2026-01-06T19:30:00Z``).  This module is the one place that reads dates:

* :func:`parse_date` reads a source's date text - ISO-8601 (the common case, tried first),
  numeric day-first forms (``06/01/2026``, ``06-01-2026``, ``2026/01/06``) and Arabic written
  dates with Egyptian/Gulf, Levantine/Iraqi (``كانون الثاني``), combined (``كانون الثاني/يناير``),
  Maghrebi (``جانفي``) and Moroccan (``دجنبر``) month names, an optional weekday, Arabic-Indic
  digits and an optional time with ص/م (AM/PM).  Hijri dates (``15 رمضان 1445 هـ``,
  ``1445/9/15 هـ``) are converted with ``hijridate`` (the Umm al-Qura calendar, years 1343-1500);
  a string giving both calendars (``17 رجب 1447 هـ الموافق 6 يناير 2026م``) keeps the Gregorian
  part.  A time without an offset is read in the
  source's time zone ``tz``; a date without a time becomes 00:00 of that day in ``tz`` with
  precision ``"day"``.  Anything it cannot read raises :class:`DateParseError` with a message in
  plain words.
* :func:`period` reads ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` as the half-open UTC range
  ``[start, end)`` of that year, month or day in a time zone (``from``/``to``, ``date=``,
  ``date:`` and the date facet buckets); :func:`parse_bound` gives one end of it.
* :func:`bucket_of` gives the year and month facet buckets of an instant in a time zone.
* :func:`to_iso_z` formats an instant as ``YYYY-MM-DDTHH:MM:SSZ``.

Standard library (``zoneinfo``) plus ``hijridate``, and ``arabic_text`` for the Arabic folding.
Local times that fall in a DST gap or fold are resolved with ``fold=0`` (the offset in force
before the transition).  A time-zone name that zoneinfo does not know raises a plain
``ValueError`` (a configuration error, not a bad date).

Why one module of ~450 lines: it is the single reader of dates (the archive's and the search
filters' must agree to the day, see :func:`period`), and a third of it is data (the Gregorian
month names of four regions, the Hijri months, their patterns) that the parsers share.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hijridate import Hijri

from arabic_text import FOLD_MAP
from archive.errors import N_, Message, UserError

__all__ = ["DateParseError", "ParsedDate", "parse_date", "to_iso_z", "period", "parse_bound", "bucket_of",
           "check_timezone"]

UTC = timezone.utc
MIN_YEAR = 1900
MAX_YEAR = 2100
_MAX_LEN = 200  # longer text is not a date; also bounds the regex work

_MONTH_NAMES_EN = (
    "", N_("January"), N_("February"), N_("March"), N_("April"), N_("May"), N_("June"),
    N_("July"), N_("August"), N_("September"), N_("October"), N_("November"), N_("December"),
)


_UNRECOGNISED = N_("unrecognised date %(value)r")


class DateParseError(UserError, ValueError):
    """A date (or a date bound) could not be read; the message says why in plain words (a
    template and its parameters, archive/errors.py, so ingest can store it translatable)."""


@dataclass(frozen=True)
class ParsedDate:
    when: datetime  # timezone-aware, UTC
    precision: str  # "minute" | "second" | "day"


# --------------------------------------------------------------------------- time zones

@lru_cache(maxsize=256)
def _zone(name: str | None) -> tzinfo:
    if name is None or name in ("UTC", "Etc/UTC", "utc", "Z"):
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ValueError(f"unknown time zone {name!r} (expected an IANA name such as 'Asia/Baghdad')") from None


def check_timezone(name: str) -> str:
    """``name`` when it is an IANA time-zone name zoneinfo knows; ValueError in plain words otherwise."""
    _zone(name)
    return name


@lru_cache(maxsize=256)
def _offset(text: str) -> timedelta:
    """'+03:00', '+0300', '+03', 'Z' -> timedelta east of UTC (no validation beyond the regex)."""
    if text in ("z", "Z"):
        return timedelta(0)
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours = int(digits[:-2]) if len(digits) > 2 else int(digits)
    minutes = int(digits[-2:]) if len(digits) > 2 else 0
    if hours > 23 or minutes > 59:
        raise DateParseError("time-zone offset %(offset)r out of range", offset=text)
    return sign * timedelta(hours=hours, minutes=minutes)


def _local_to_utc(y: int, mo: int, d: int, h: int, mi: int, s: int, us: int, zone: tzinfo) -> datetime:
    if zone is UTC:
        return datetime(y, mo, d, h, mi, s, us, tzinfo=UTC)
    return datetime(y, mo, d, h, mi, s, us, tzinfo=zone).astimezone(UTC)


# --------------------------------------------------------------------------- validation / messages

def _short(value: str) -> str:
    return value if len(value) <= 60 else value[:57] + "..."


def _check(value: str, y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> None:
    """Raise a DateParseError naming the first out-of-range field (no-op when all are fine)."""
    if not MIN_YEAR <= y <= MAX_YEAR:
        raise DateParseError("year %(year)s out of range (%(min)s-%(max)s) in %(value)r", year=y, min=MIN_YEAR,
                             max=MAX_YEAR, value=_short(value))
    if not 1 <= mo <= 12:
        raise DateParseError("month %(month)s out of range in %(value)r", month=mo, value=_short(value))
    days = calendar.monthrange(y, mo)[1]
    if not 1 <= d <= days:
        raise DateParseError("invalid date %(value)r: day %(day)s out of range, %(month_name)s %(year)s has "
                             "%(days)s days", value=_short(value), day=d, month_name=Message(_MONTH_NAMES_EN[mo]),
                             year=y, days=days)
    if not 0 <= h <= 23:
        raise DateParseError("hour %(hour)s out of range in %(value)r", hour=h, value=_short(value))
    if not 0 <= mi <= 59:
        raise DateParseError("minute %(minute)s out of range in %(value)r", minute=mi, value=_short(value))
    if not 0 <= s <= 59:
        raise DateParseError("second %(second)s out of range in %(value)r", second=s, value=_short(value))


# --------------------------------------------------------------------------- ISO-8601 (fast path)

_ISO = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})"
    r"(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?"
    r" ?([Zz]|[+-]\d{2}(?::?\d{2})?)?)?"
)


def _from_iso(m: re.Match, value: str, zone: tzinfo) -> ParsedDate:
    y, mo, d, h, mi, s, frac, off = m.groups()
    y, mo, d = int(y), int(mo), int(d)
    if h is None:
        if not MIN_YEAR <= y <= MAX_YEAR:
            _check(value, y, mo, d)
        try:
            return ParsedDate(_local_to_utc(y, mo, d, 0, 0, 0, 0, zone), "day")
        except ValueError:
            _check(value, y, mo, d)
            raise
    h, mi = int(h), int(mi)
    sec = int(s) if s is not None else 0
    us = int((frac + "00000")[:6]) if frac else 0
    if not MIN_YEAR <= y <= MAX_YEAR:
        _check(value, y, mo, d, h, mi, sec)
    try:
        if off is None:
            when = _local_to_utc(y, mo, d, h, mi, sec, us, zone)
        else:
            when = datetime(y, mo, d, h, mi, sec, us, tzinfo=UTC) - _offset(off)
    except ValueError as exc:
        if isinstance(exc, DateParseError):
            raise
        _check(value, y, mo, d, h, mi, sec)
        raise DateParseError(_UNRECOGNISED, value=_short(value)) from None
    return ParsedDate(when, "minute" if s is None else "second")


# --------------------------------------------------------------------------- Arabic text normalisation

# Dates are read after the same folding as the search index's (arabic_text.FOLD_MAP: Arabic-Indic
# digits → ASCII, diacritics, tatweel and invisible controls deleted, أ إ آ ٱ → ا, ى → ي, ة → ه,
# Persian ی ک → ي ك, Latin lower case), plus the punctuation, spaces and dashes a date is
# written with, as their ASCII forms.
_PUNCTUATION = {
    ord("،"): ",", ord("؛"): ";", ord("٫"): ".",
    0x00A0: " ", 0x202F: " ", 0x2009: " ", ord("\t"): " ",
    ord("–"): "-", ord("—"): "-", ord("‐"): "-", ord("−"): "-",
}
assert not FOLD_MAP.keys() & _PUNCTUATION.keys()
_TABLE = {**FOLD_MAP, **_PUNCTUATION}

# Month names as they look after normalisation (hamza on alef dropped, ة->ه, ى->ي, no diacritics).
_MONTHS: dict[str, int] = {}
for _num, _names in {
    1: "يناير جانفي كانون_الثاني كانون_ثاني",
    2: "فبراير فبرير شباط فيفري",
    3: "مارس اذار",
    4: "ابريل افريل نيسان",
    5: "مايو ماي ايار مايس",
    6: "يونيو يونيه حزيران جوان",
    7: "يوليو يوليه يوليوز تموز جويليه",
    8: "اغسطس اب اوت غشت",
    9: "سبتمبر ايلول شتنبر",
    10: "اكتوبر تشرين_الاول تشرين_اول",
    11: "نوفمبر نونبر تشرين_الثاني تشرين_ثاني",
    12: "ديسمبر دجنبر كانون_الاول كانون_اول",
}.items():
    for _name in _names.split():
        _MONTHS[_name.replace("_", " ")] = _num

# Hijri month names, normalised the same way; ذو/ذي ("possessor of", both cases) both occur.
_HIJRI_MONTHS: dict[str, int] = {}
for _num, _names in {
    1: "محرم المحرم",
    2: "صفر",
    3: "ربيع_الاول ربيع_اول",
    4: "ربيع_الاخر ربيع_الثاني ربيع_اخر ربيع_ثاني",
    5: "جمادي_الاولي جمادي_الاول جمادي_اولي",
    6: "جمادي_الاخره جمادي_الثانيه جمادي_الاخر جمادي_الثاني جمادي_اخره جمادي_ثانيه",
    7: "رجب",
    8: "شعبان",
    9: "رمضان",
    10: "شوال",
    11: "ذو_القعده ذي_القعده",
    12: "ذو_الحجه ذي_الحجه",
}.items():
    for _name in _names.split():
        _HIJRI_MONTHS[_name.replace("_", " ")] = _num

_MONTH_RE = "|".join(re.escape(n) for n in sorted(_MONTHS, key=len, reverse=True))
_WEEKDAY_RE = r"(?:ال)?(?:احد|اثنين|اتنين|ثلاثاء|ثلاثا|اربعاء|اربعا|خميس|جمعه|سبت)"

# A time of day, anywhere in the (normalised, lower-cased) text, with an optional AM/PM word and offset.
_TIME = re.compile(
    r"(?<!\d)(\d{1,2}):(\d{2})(?::(\d{2}))?(?![\d:])"
    r"(?:\s*(صباحا|صباح|ص|مساءا|مساء|م|a\.?m\.?|p\.?m\.?)(?![^\W\d_]))?"
    r"(?:\s*(?:(?:gmt|utc)\s*([+-]\d{1,2}(?::?\d{2})?)?|([+-]\d{2}:?\d{2})|z(?![^\W\d_])))?"
)
_PM = frozenset(("م", "مساء", "مساءا", "pm", "p.m.", "p.m", "pm."))
_AM = frozenset(("ص", "صباح", "صباحا", "am", "a.m.", "a.m", "am."))

_HIJRI_MONTH_RE = "|".join(re.escape(n) for n in sorted(_HIJRI_MONTHS, key=len, reverse=True))
# The Hijri era mark after a year: هـ (normalised to ه), هجري/هجرية ("Hijri"), للهجرة ("of the Hijra").
_HIJRI_ERA = r"(?:ه|هجري|هجريه|للهجره)(?![^\W\d_])"
_HIJRI = re.compile(
    rf"(?<!\d)(\d{{1,2}})[\s,]*(?:من\s+)?({_HIJRI_MONTH_RE})[\s,]*(\d{{4}})(?:\s*{_HIJRI_ERA})?"
    rf"|(?<!\d)(\d{{1,2}})([/.\-])(\d{{1,2}})\5(\d{{4}})\s*{_HIJRI_ERA}"
    rf"|(?<!\d)(\d{{4}})([/.\-])(\d{{1,2}})\9(\d{{1,2}})\s*{_HIJRI_ERA}"
)

_NOISE = re.compile(r"(?:^|\s)(?:(?:(?:علي|في)\s+)?الساعه|الموافق)(?=\s|$)")
_WEEKDAY_PREFIX = re.compile(r"^(?:يوم\s*)?" + _WEEKDAY_RE + r"(?![^\W\d_])[\s,;:\-]*")
_EDGES = " ,;:-/."

_YMD = re.compile(r"(\d{4})([/.\-])(\d{1,2})\2(\d{1,2})")
_DMY = re.compile(r"(\d{1,2})([/.\-])(\d{1,2})\2(\d{4})")
_PUNCT = re.compile(r"[\s,;:/()\[\].\-]+")
_TEXTUAL = re.compile(
    rf"(?:(\d{{1,2}}) ?(?:من )?({_MONTH_RE})(?: ({_MONTH_RE}))?"
    rf"|({_MONTH_RE})(?: ({_MONTH_RE}))? (\d{{1,2}}))"
    r" ?(\d{4})(?: ?م)?"
)


def _month_of(first: str, second: str | None, value: str) -> int:
    month = _MONTHS[first]
    if second is not None and _MONTHS[second] != month:
        raise DateParseError("month names disagree in %(value)r: %(first)s is month %(month)s, %(second)s is "
                             "month %(other)s", value=_short(value), first=first, month=month, second=second,
                             other=_MONTHS[second])
    return month


def _hijri_to_gregorian(m: re.Match, value: str) -> tuple[int, int, int]:
    """(year, month, day) in the Gregorian calendar of a ``_HIJRI`` match (Umm al-Qura)."""
    g = m.groups()
    if g[0] is not None:
        y, mo, d = int(g[2]), _HIJRI_MONTHS[g[1]], int(g[0])
    elif g[3] is not None:
        y, mo, d = int(g[6]), int(g[5]), int(g[3])
    else:
        y, mo, d = int(g[7]), int(g[9]), int(g[10])
    try:
        day = Hijri(y, mo, d).to_gregorian()
    except OverflowError:
        raise DateParseError("Hijri year %(year)s out of range (1343-1500, the Umm al-Qura calendar) in "
                             "%(value)r", year=y, value=_short(value)) from None
    except ValueError as exc:
        raise DateParseError("invalid Hijri date %(value)r: %(detail)s", value=_short(value), detail=str(exc)) from None
    return day.year, day.month, day.day


def _parse_text(value: str, norm: str, zone: tzinfo) -> ParsedDate:
    h = mi = sec = 0
    precision = "day"
    when_zone = zone
    rest = norm
    tm = _TIME.search(norm)
    if tm:
        hs, ms, ss, marker, off1, off2 = tm.groups()
        h, mi = int(hs), int(ms)
        sec = int(ss) if ss is not None else 0
        precision = "minute" if ss is None else "second"
        if marker:
            if marker in _PM:
                if h == 0 or h > 23:
                    raise DateParseError("hour %(hour)s is not a valid PM hour in %(value)r", hour=h, value=_short(value))
                if h < 12:
                    h += 12
            else:
                if h > 12:
                    raise DateParseError("hour %(hour)s is not a valid AM hour in %(value)r", hour=h, value=_short(value))
                if h == 12:
                    h = 0
        off = off1 or off2
        if off is not None:
            if off1 is not None and ":" not in off and len(off) <= 3:  # GMT+3
                off = f"{off[0]}{int(off[1:]):02d}"
            when_zone = timezone(_offset(off))
        elif tm.group(0).rstrip().endswith(("gmt", "utc", "z")):
            when_zone = UTC
        rest = norm[: tm.start()] + " " + norm[tm.end():]
        if _TIME.search(rest):
            raise DateParseError("unrecognised date %(value)r: more than one time of day", value=_short(value))

    if "الموافق" in rest:  # "... 1447 هـ الموافق 6 يناير 2026م": keep the Gregorian part
        rest = rest.rsplit("الموافق", 1)[1]
    rest = _NOISE.sub(" ", rest).strip(_EDGES + " ")
    rest = _WEEKDAY_PREFIX.sub("", rest).strip(_EDGES + " ")

    hm = _HIJRI.search(rest)
    if hm:
        # Both calendars ("6 يناير 2026م - 17 رجب 1447 هـ"): keep the Gregorian part.
        other = (rest[: hm.start()] + " " + rest[hm.end():]).strip(_EDGES + " ()")
        other = _WEEKDAY_PREFIX.sub("", other).strip(_EDGES + " ()")
        if other:
            rest = other
        else:
            y, mo, d = _hijri_to_gregorian(hm, value)
            _check(value, y, mo, d, h, mi, sec)
            return ParsedDate(_local_to_utc(y, mo, d, h, mi, sec, 0, when_zone), precision)

    m = _DMY.fullmatch(rest)
    if m:
        d, mo, y = int(m.group(1)), int(m.group(3)), int(m.group(4))
    else:
        m = _YMD.fullmatch(rest)
        if m:
            y, mo, d = int(m.group(1)), int(m.group(3)), int(m.group(4))
        else:
            words = _PUNCT.sub(" ", rest).strip()
            m = _TEXTUAL.fullmatch(words)
            if not m:
                raise DateParseError(_UNRECOGNISED, value=_short(value))
            d1, m1, m2, m3, m4, d2, y = m.groups()
            if d1 is not None:
                d, mo = int(d1), _month_of(m1, m2, value)
            else:
                d, mo = int(d2), _month_of(m3, m4, value)
            y = int(y)
    _check(value, y, mo, d, h, mi, sec)
    return ParsedDate(_local_to_utc(y, mo, d, h, mi, sec, 0, when_zone), precision)


# --------------------------------------------------------------------------- public API

def parse_date(value: str, tz: str = "UTC") -> ParsedDate:
    """Read a source's date text; times without an offset are read in ``tz`` (an IANA zone name).

    Returns the UTC instant and its precision ("minute", "second" or "day").
    Raises DateParseError (a ValueError) when the text is not a readable, valid date.
    """
    if not isinstance(value, str):
        if value is None:
            raise DateParseError("date is missing")
        raise DateParseError("date must be text, not %(type)s", type=type(value).__name__)
    zone = _zone(tz)
    s = value.strip()
    m = _ISO.fullmatch(s)
    if m:
        return _from_iso(m, value, zone)
    if not s:
        raise DateParseError("date is empty")
    if len(s) > _MAX_LEN:
        raise DateParseError("date text too long (%(length)s characters) to be a date", length=len(s))
    norm = " ".join(s.translate(_TABLE).lower().split())
    m = _ISO.fullmatch(norm)
    if m:
        return _from_iso(m, value, zone)
    return _parse_text(value, norm, zone)


def to_iso_z(dt: datetime) -> str:
    """'2026-01-06T19:30:00Z' for an instant (aware: converted to UTC; naive: taken as UTC).

    Sub-second parts are dropped.
    """
    if dt.tzinfo is not None and dt.utcoffset():
        dt = dt.astimezone(UTC)
    return (
        f"{dt.year:04d}-{dt.month:02d}-{dt.day:02d}T"
        f"{dt.hour:02d}:{dt.minute:02d}:{dt.second:02d}Z"
    )


_BOUND = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")
_BOUND_FORMS = Message("expected YYYY, YYYY-MM or YYYY-MM-DD")


def period(value: str, tz: str = "UTC") -> tuple[datetime, datetime]:
    """The year, month or day that ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` names in ``tz``, as
    the half-open UTC range ``[start, end)``.

    The one reading of such values: the ``from``/``to`` filters, ``date=`` and the query
    language's ``date:`` all use it, and date facet buckets are cut at its boundaries, so an
    article counted in a bucket is found by selecting it.
    """
    zone = _zone(tz)
    if not isinstance(value, str):
        raise DateParseError("invalid date bound %(value)r: %(forms)s", value=value, forms=_BOUND_FORMS)
    s = value.strip().translate(_TABLE)
    m = _BOUND.fullmatch(s)
    if not m:
        if not s:
            raise DateParseError("empty date bound: %(forms)s", forms=_BOUND_FORMS)
        raise DateParseError("invalid date bound %(value)r: %(forms)s", value=_short(value), forms=_BOUND_FORMS)
    y = int(m.group(1))
    mo = int(m.group(2)) if m.group(2) else None
    d = int(m.group(3)) if m.group(3) else None
    try:
        _check(value, y, mo or 1, d or 1)
    except DateParseError as exc:
        raise DateParseError("%(error)s (%(forms)s)", error=exc.message, forms=_BOUND_FORMS) from None
    if mo is None:
        ny, nmo, nd = y + 1, 1, 1
    elif d is None:
        ny, nmo, nd = (y + 1, 1, 1) if mo == 12 else (y, mo + 1, 1)
    else:
        nxt = datetime(y, mo, d) + timedelta(days=1)
        ny, nmo, nd = nxt.year, nxt.month, nxt.day
    return (_local_to_utc(y, mo or 1, d or 1, 0, 0, 0, 0, zone),
            _local_to_utc(ny, nmo, nd, 0, 0, 0, 0, zone))


def parse_bound(value: str, end: bool, tz: str = "UTC") -> datetime:
    """A ``from``/``to`` filter value -> aware UTC datetime.

    ``end=False``: the first instant of the period (in ``tz``); ``end=True``: the first instant
    after it, so an inclusive ``to=2018-05`` becomes the exclusive upper bound 2018-06-01 00:00.
    """
    return period(value, tz)[1 if end else 0]


def bucket_of(dt: datetime, tz: str = "UTC") -> tuple[str, str]:
    """("2018", "2018-05"): the year and month facet buckets of an instant, seen in ``tz``.

    A naive datetime is taken as UTC.
    """
    zone = _zone(tz)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    local = dt.astimezone(zone)
    year = f"{local.year:04d}"
    return year, f"{year}-{local.month:02d}"
