"""Tests for archive.dates: reading source dates, UTC conversion, search bounds and facet buckets."""

from dataclasses import FrozenInstanceError
from datetime import datetime, timedelta, timezone

import pytest

from archive.dates import DateParseError, ParsedDate, bucket_of, parse_bound, parse_date, to_iso_z

UTC = timezone.utc


def iso(value, tz="UTC"):
    return to_iso_z(parse_date(value, tz).when)


# --------------------------------------------------------------------------- ISO-8601

@pytest.mark.parametrize(
    "value, tz, expected, precision",
    [
        # the corpus's three shapes
        ("2018-03-04T10:20:00+03:00", "UTC", "2018-03-04T07:20:00Z", "second"),
        ("2018-05-01T19:19:08+00:00", "Asia/Baghdad", "2018-05-01T19:19:08Z", "second"),
        ("2016-04-07", "UTC", "2016-04-07T00:00:00Z", "day"),
        ("2016-04-07", "Asia/Baghdad", "2016-04-06T21:00:00Z", "day"),
        ("2017-01-22T18:56:00", "UTC", "2017-01-22T18:56:00Z", "second"),
        ("2017-01-22T18:56:00", "Asia/Baghdad", "2017-01-22T15:56:00Z", "second"),
        # other ISO spellings
        ("2018-03-04T10:20:00Z", "Asia/Baghdad", "2018-03-04T10:20:00Z", "second"),
        ("2018-03-04T10:20Z", "UTC", "2018-03-04T10:20:00Z", "minute"),
        ("2018-03-04T10:20", "Europe/Paris", "2018-03-04T09:20:00Z", "minute"),
        ("2018-03-04 10:20:00", "UTC", "2018-03-04T10:20:00Z", "second"),
        ("2018-03-04T10:20:00-05:00", "UTC", "2018-03-04T15:20:00Z", "second"),
        ("2018-03-04T10:20:00+0530", "UTC", "2018-03-04T04:50:00Z", "second"),
        ("2018-03-04T10:20:00+03", "UTC", "2018-03-04T07:20:00Z", "second"),
        ("2018-03-04T01:20:00+03:00", "UTC", "2018-03-03T22:20:00Z", "second"),  # crosses midnight
        ("  2018-03-04T10:20:00+03:00\n", "UTC", "2018-03-04T07:20:00Z", "second"),
    ],
)
def test_iso_forms(value, tz, expected, precision):
    parsed = parse_date(value, tz)
    assert to_iso_z(parsed.when) == expected
    assert parsed.precision == precision
    assert parsed.when.tzinfo is not None and parsed.when.utcoffset() == timedelta(0)


def test_iso_fraction_kept_and_offset_used():
    parsed = parse_date("2018-03-04T10:20:00.250+03:00")
    assert parsed.when == datetime(2018, 3, 4, 7, 20, 0, 250000, tzinfo=UTC)
    assert parsed.precision == "second"


def test_parsed_date_is_frozen():
    parsed = parse_date("2016-04-07")
    assert isinstance(parsed, ParsedDate)
    with pytest.raises(FrozenInstanceError):
        parsed.precision = "minute"


# --------------------------------------------------------------------------- time zones

@pytest.mark.parametrize(
    "value, expected",
    [
        ("2018-07-01T12:00:00", "2018-07-01T10:00:00Z"),  # CEST, UTC+2
        ("2018-01-15T12:00:00", "2018-01-15T11:00:00Z"),  # CET, UTC+1
        ("2018-07-01", "2018-06-30T22:00:00Z"),
        ("2018-01-15", "2018-01-14T23:00:00Z"),
        ("1 تموز 2018 12:00", "2018-07-01T10:00:00Z"),
        ("15 كانون الثاني 2018 12:00", "2018-01-15T11:00:00Z"),
        ("2018-03-25T03:30:00", "2018-03-25T01:30:00Z"),  # just after the spring-forward gap
    ],
)
def test_paris_summer_and_winter(value, expected):
    assert iso(value, "Europe/Paris") == expected


def test_explicit_offset_wins_over_tz():
    assert iso("2018-07-01T12:00:00+03:00", "Europe/Paris") == "2018-07-01T09:00:00Z"
    assert iso("2018-07-01T12:00:00Z", "Europe/Paris") == "2018-07-01T12:00:00Z"


def test_baghdad_has_no_dst():
    assert iso("2018-07-01T12:00:00", "Asia/Baghdad") == "2018-07-01T09:00:00Z"
    assert iso("2018-01-01T12:00:00", "Asia/Baghdad") == "2018-01-01T09:00:00Z"


def test_unknown_time_zone_is_a_configuration_error():
    with pytest.raises(ValueError, match="unknown time zone 'Mars/Olympus'") as info:
        parse_date("2018-01-01", "Mars/Olympus")
    assert not isinstance(info.value, DateParseError)


# --------------------------------------------------------------------------- the seed page

def test_seed_page_date_line():
    parsed = parse_date("6 يناير, 2026: 10:30 م", "Asia/Baghdad")
    assert to_iso_z(parsed.when) == "2026-01-06T19:30:00Z"
    assert parsed.precision == "minute"
    assert iso("6 يناير, 2026: 10:30 م") == "2026-01-06T22:30:00Z"


# --------------------------------------------------------------------------- numeric forms

@pytest.mark.parametrize(
    "value, expected",
    [
        ("2026/01/06", "2026-01-06T00:00:00Z"),
        ("2026/1/6", "2026-01-06T00:00:00Z"),
        ("06/01/2026", "2026-01-06T00:00:00Z"),  # day first
        ("6/1/2026", "2026-01-06T00:00:00Z"),
        ("13/01/2026", "2026-01-13T00:00:00Z"),
        ("06-01-2026", "2026-01-06T00:00:00Z"),
        ("06.01.2026", "2026-01-06T00:00:00Z"),
        ("06/01/2026 10:30", "2026-01-06T10:30:00Z"),
        ("06/01/2026 - 10:30 م", "2026-01-06T22:30:00Z"),
        ("2026/01/06 10:30:15", "2026-01-06T10:30:15Z"),
        ("2026-01-06 10:30 م", "2026-01-06T22:30:00Z"),
        ("الثلاثاء 06/01/2026", "2026-01-06T00:00:00Z"),
    ],
)
def test_numeric_forms(value, expected):
    assert iso(value) == expected


def test_numeric_precision():
    assert parse_date("06/01/2026").precision == "day"
    assert parse_date("06/01/2026 10:30").precision == "minute"
    assert parse_date("06/01/2026 10:30:15").precision == "second"


# --------------------------------------------------------------------------- Arabic month names

EGYPTIAN_GULF = [
    ("يناير", 1), ("فبراير", 2), ("مارس", 3), ("أبريل", 4), ("ابريل", 4), ("إبريل", 4), ("مايو", 5),
    ("يونيو", 6), ("يونيه", 6), ("يوليو", 7), ("يوليه", 7), ("أغسطس", 8), ("اغسطس", 8),
    ("سبتمبر", 9), ("أكتوبر", 10), ("اكتوبر", 10), ("نوفمبر", 11), ("ديسمبر", 12),
]
LEVANTINE_IRAQI = [
    ("كانون الثاني", 1), ("شباط", 2), ("آذار", 3), ("اذار", 3), ("نيسان", 4), ("أيار", 5), ("ايار", 5),
    ("حزيران", 6), ("تموز", 7), ("آب", 8), ("اب", 8), ("أيلول", 9), ("تشرين الأول", 10),
    ("تشرين الاول", 10), ("تشرين الثاني", 11), ("كانون الأول", 12), ("كانون الاول", 12),
]
MAGHREBI = [
    ("جانفي", 1), ("فيفري", 2), ("مارس", 3), ("أفريل", 4), ("ماي", 5), ("جوان", 6), ("جويلية", 7),
    ("أوت", 8), ("سبتمبر", 9), ("أكتوبر", 10), ("نوفمبر", 11), ("ديسمبر", 12),
]
MOROCCAN = [("يوليوز", 7), ("غشت", 8), ("شتنبر", 9), ("نونبر", 11), ("دجنبر", 12)]


@pytest.mark.parametrize("name, month", EGYPTIAN_GULF + LEVANTINE_IRAQI + MAGHREBI + MOROCCAN)
def test_month_names(name, month):
    parsed = parse_date(f"7 {name} 2019")
    assert parsed.when == datetime(2019, month, 7, tzinfo=UTC)
    assert parsed.precision == "day"


@pytest.mark.parametrize(
    "value, expected",
    [
        ("6 كانون الثاني/يناير 2026", "2026-01-06T00:00:00Z"),
        ("6 كانون الثاني / يناير 2026", "2026-01-06T00:00:00Z"),
        ("6 يناير/كانون الثاني 2026", "2026-01-06T00:00:00Z"),
        ("6 كانون الثاني (يناير) 2026", "2026-01-06T00:00:00Z"),
        ("15 آب/أغسطس 2019", "2019-08-15T00:00:00Z"),
        ("1 تشرين الأول/أكتوبر 2019 10:00", "2019-10-01T10:00:00Z"),
    ],
)
def test_combined_month_names(value, expected):
    assert iso(value) == expected


def test_combined_month_names_must_agree():
    with pytest.raises(DateParseError, match="month names disagree"):
        parse_date("6 كانون الثاني/فبراير 2026")


@pytest.mark.parametrize(
    "value",
    [
        "6 يَنَايِر 2026",          # diacritics
        "6 ينـــاير 2026",         # tatweel
        "6 كانون الثانى 2026",     # final ى
        "6 كانون ثاني 2026",       # without the article
        "6 يناير 2026م",           # Gregorian-era suffix
        "6 يناير 2026 م",
        "6 من يناير 2026",
        "يناير 6, 2026",           # month first
        "6يناير 2026",
        "6 يناير، 2026",           # Arabic comma
        "6 - يناير - 2026",
        "\u200f6 يناير 2026\u200f",  # RTL marks
        "6\u00a0يناير\u00a02026",  # no-break spaces
    ],
)
def test_spelling_variation(value):
    assert iso(value) == "2026-01-06T00:00:00Z"


def test_ta_marbuta_and_ha_are_the_same():
    assert iso("7 جويلية 2019") == iso("7 جويليه 2019") == "2019-07-07T00:00:00Z"


def test_dates_fold_arabic_as_the_search_index_does():
    # one folding (arabic_text) for dates and the index: what the index reads through, dates do
    from arabic_text import normalize
    assert normalize("ھـ") == normalize("هـ")  # Urdu-keyboard heh
    assert iso("15 رمضان 1445 ھـ") == iso("15 رمضان 1445 هـ") == "2024-03-25T00:00:00Z"
    assert normalize("ينا\u00adير") == "يناير"  # a soft hyphen pasted from a web page
    assert iso("6 ينا\u00adير 2026") == "2026-01-06T00:00:00Z"


@pytest.mark.parametrize(
    "value",
    [
        "الثلاثاء، 6 يناير 2026",
        "الثلاثاء 6 يناير 2026",
        "الثلاثاء , 6 يناير 2026",
        "يوم الثلاثاء 6 يناير 2026",
        "ثلاثاء 6 يناير 2026",
        "الإثنين 6 يناير 2026",   # the weekday is not checked against the date
        "الأربعاء 6 يناير 2026",
        "الجمعة 6 يناير 2026",
        "السبت، 6 كانون الثاني 2026",
    ],
)
def test_weekday_prefix(value):
    assert iso(value) == "2026-01-06T00:00:00Z"


def test_hijri_with_gregorian_equivalent():
    assert iso("الثلاثاء 17 رجب 1447 هـ الموافق 6 يناير 2026م") == "2026-01-06T00:00:00Z"


# --------------------------------------------------------------------------- digits

@pytest.mark.parametrize(
    "value, expected",
    [
        ("٦ يناير ٢٠٢٦ - ١٠:٣٠ م", "2026-01-06T22:30:00Z"),               # Arabic-Indic
        ("۶ يناير ۲۰۲۶ ۱۰:۳۰", "2026-01-06T10:30:00Z"),                     # Eastern Arabic-Indic
        ("٠٦/٠١/٢٠٢٦", "2026-01-06T00:00:00Z"),
        ("٢٠١٨-٠٣-٠٤T١٠:٢٠:٠٠+٠٣:٠٠", "2018-03-04T07:20:00Z"),
        ("6 يناير ٢٠٢٦", "2026-01-06T00:00:00Z"),                           # mixed
    ],
)
def test_arabic_digits(value, expected):
    assert iso(value) == expected


# --------------------------------------------------------------------------- times and AM/PM

@pytest.mark.parametrize(
    "time_text, hhmm",
    [
        ("10:30", "10:30"),
        ("22:30", "22:30"),
        ("00:05", "00:05"),
        ("10:30 ص", "10:30"),
        ("10:30 م", "22:30"),
        ("12:00 ص", "00:00"),   # midnight
        ("12:45 ص", "00:45"),
        ("12:00 م", "12:00"),   # noon
        ("12:45 م", "12:45"),
        ("1:05 م", "13:05"),
        ("11:59 م", "23:59"),
        ("00:15 ص", "00:15"),
        ("13:30 م", "13:30"),   # redundant PM on a 24-hour time
        ("10:30 صباحاً", "10:30"),
        ("10:30 صباحا", "10:30"),
        ("10:30 مساءً", "22:30"),
        ("10:30 مساء", "22:30"),
        ("10:30 AM", "10:30"),
        ("10:30 PM", "22:30"),
        ("10:30 pm", "22:30"),
        ("10:30 p.m.", "22:30"),
        ("12:10 AM", "00:10"),
        ("10:30PM", "22:30"),
        ("10:30م", "22:30"),
        ("الساعة 10:30 م", "22:30"),
        ("على الساعة 10:30", "10:30"),
    ],
)
def test_times(time_text, hhmm):
    assert iso(f"6 يناير 2026 {time_text}") == f"2026-01-06T{hhmm}:00Z"


def test_time_with_seconds():
    parsed = parse_date("6 يناير 2026 10:30:15 م")
    assert parsed.when == datetime(2026, 1, 6, 22, 30, 15, tzinfo=UTC)
    assert parsed.precision == "second"


def test_time_before_date():
    assert iso("10:30 م، الثلاثاء 6 يناير 2026") == "2026-01-06T22:30:00Z"


def test_time_may_follow_year_without_space():
    assert iso("6 يناير 2026:10:30") == "2026-01-06T10:30:00Z"


def test_march_after_time_is_not_pm():
    # the م of مارس must not be read as PM
    assert iso("10:30 6 مارس 2026") == "2026-03-06T10:30:00Z"


@pytest.mark.parametrize(
    "value, expected",
    [
        ("6 يناير 2026 10:30 GMT", "2026-01-06T10:30:00Z"),
        ("6 يناير 2026 10:30 GMT+3", "2026-01-06T07:30:00Z"),
        ("6 يناير 2026 10:30 +03:00", "2026-01-06T07:30:00Z"),
        ("6 يناير 2026 10:30 م UTC", "2026-01-06T22:30:00Z"),
    ],
)
def test_explicit_offset_in_text(value, expected):
    assert iso(value, "Asia/Baghdad") == expected


def test_text_date_in_time_zone():
    assert iso("6 يناير 2026", "Asia/Baghdad") == "2026-01-05T21:00:00Z"
    assert iso("6 يناير 2026 10:30 م", "Europe/Paris") == "2026-01-06T21:30:00Z"
    assert iso("6 تموز 2026 10:30 م", "Europe/Paris") == "2026-07-06T20:30:00Z"


# --------------------------------------------------------------------------- invalid input

@pytest.mark.parametrize(
    "value, message",
    [
        ("", "date is empty"),
        ("   ", "date is empty"),
        ("garbage", "unrecognised date 'garbage'"),
        ("نشر في أمس", "unrecognised date"),
        ("6 يناير", "unrecognised date"),            # no year
        ("يناير 2026", "unrecognised date"),          # no day
        ("6 يتاير 2026", "unrecognised date"),        # misspelt month
        ("31 فبراير 2019", "day 31 out of range, February 2019 has 28 days"),
        ("29 شباط 2019", "day 29 out of range"),
        ("31/04/2019", "day 31 out of range, April 2019 has 30 days"),
        ("2019-02-29", "day 29 out of range"),
        ("2019-13-01", "month 13 out of range"),
        ("2019-00-10", "month 0 out of range"),
        ("06/13/2019", "month 13 out of range"),     # month-first is not accepted
        ("32 يناير 2019", "day 32 out of range"),
        ("1850-01-01", "year 1850 out of range (1900-2100)"),
        ("6 يناير 2150", "year 2150 out of range"),
        ("2018-03-04T25:00:00", "hour 25 out of range"),
        ("2018-03-04T10:60:00", "minute 60 out of range"),
        ("2018-03-04T10:20:61Z", "second 61 out of range"),
        ("2018-03-04T10:20:00+25:00", "offset '+25:00' out of range"),
        ("6 يناير 2026 25:10", "hour 25 out of range"),
        ("6 يناير 2026 13:30 ص", "hour 13 is not a valid AM hour"),
        ("6 يناير 2026 00:30 م", "hour 0 is not a valid PM hour"),
        ("6 يناير 2026 10:30 11:30", "more than one time"),
        ("18-03-04", "unrecognised date"),
        ("2018-3-4T10:20", "unrecognised date"),
        ("x" * 500, "too long"),
    ],
)
def test_invalid_dates(value, message):
    with pytest.raises(DateParseError) as info:
        parse_date(value)
    assert message in str(info.value)


def test_invalid_date_message_quotes_the_input():
    with pytest.raises(DateParseError, match="'31 فبراير 2019'"):
        parse_date("31 فبراير 2019")


def test_leap_day_is_valid():
    assert iso("29 فبراير 2020") == "2020-02-29T00:00:00Z"


@pytest.mark.parametrize("value, message", [(None, "date is missing"), (20180304, "date must be text")])
def test_non_text(value, message):
    with pytest.raises(DateParseError, match=message):
        parse_date(value)


def test_date_parse_error_is_a_value_error():
    assert issubclass(DateParseError, ValueError)


def test_year_bounds_inclusive():
    assert iso("1900-01-01") == "1900-01-01T00:00:00Z"
    assert iso("31 ديسمبر 2100") == "2100-12-31T00:00:00Z"


# --------------------------------------------------------------------------- to_iso_z

def test_to_iso_z():
    assert to_iso_z(datetime(2026, 1, 6, 19, 30, tzinfo=UTC)) == "2026-01-06T19:30:00Z"
    assert to_iso_z(datetime(2026, 1, 6, 22, 30, tzinfo=timezone(timedelta(hours=3)))) == "2026-01-06T19:30:00Z"
    assert to_iso_z(datetime(2026, 1, 6, 19, 30)) == "2026-01-06T19:30:00Z"  # naive = UTC
    assert to_iso_z(datetime(2026, 1, 6, 19, 30, 5, 999999, tzinfo=UTC)) == "2026-01-06T19:30:05Z"


def test_to_iso_z_with_zoneinfo():
    from zoneinfo import ZoneInfo

    assert to_iso_z(datetime(2026, 1, 1, 0, 30, tzinfo=ZoneInfo("Asia/Baghdad"))) == "2025-12-31T21:30:00Z"


# --------------------------------------------------------------------------- parse_bound

def utc(*args):
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    "value, start, end",
    [
        ("2018", utc(2018, 1, 1), utc(2019, 1, 1)),
        ("2018-05", utc(2018, 5, 1), utc(2018, 6, 1)),
        ("2018-12", utc(2018, 12, 1), utc(2019, 1, 1)),      # December
        ("2020-02", utc(2020, 2, 1), utc(2020, 3, 1)),       # leap February
        ("2019-02", utc(2019, 2, 1), utc(2019, 3, 1)),
        ("2018-05-31", utc(2018, 5, 31), utc(2018, 6, 1)),
        ("2018-12-31", utc(2018, 12, 31), utc(2019, 1, 1)),
        ("2020-02-28", utc(2020, 2, 28), utc(2020, 2, 29)),
        ("2020-02-29", utc(2020, 2, 29), utc(2020, 3, 1)),   # leap day
        ("2018-5", utc(2018, 5, 1), utc(2018, 6, 1)),
        (" ٢٠١٨-٠٥ ", utc(2018, 5, 1), utc(2018, 6, 1)),
    ],
)
def test_parse_bound_utc(value, start, end):
    assert parse_bound(value, end=False) == start
    assert parse_bound(value, end=True) == end


@pytest.mark.parametrize(
    "value, tz, start, end",
    [
        ("2018", "Asia/Baghdad", utc(2017, 12, 31, 21), utc(2018, 12, 31, 21)),
        ("2018-12", "Asia/Baghdad", utc(2018, 11, 30, 21), utc(2018, 12, 31, 21)),
        ("2018-07", "Europe/Paris", utc(2018, 6, 30, 22), utc(2018, 7, 31, 22)),
        ("2018-01-15", "Europe/Paris", utc(2018, 1, 14, 23), utc(2018, 1, 15, 23)),
        ("2018-03-25", "Europe/Paris", utc(2018, 3, 24, 23), utc(2018, 3, 25, 22)),  # 23-hour day
        ("2018-10-28", "Europe/Paris", utc(2018, 10, 27, 22), utc(2018, 10, 28, 23)),  # 25-hour day
        ("2018-05", "America/New_York", utc(2018, 5, 1, 4), utc(2018, 6, 1, 4)),
    ],
)
def test_parse_bound_in_time_zone(value, tz, start, end):
    assert parse_bound(value, end=False, tz=tz) == start
    assert parse_bound(value, end=True, tz=tz) == end


def test_period_and_the_facet_bucket_agree_at_a_year_boundary():
    """22:30Z on 31 December is already 1 January in Baghdad: the period 2019 holds it, the
    facet bucket names 2019, and the bounds are the ends of that period."""
    from archive.dates import period

    instant = utc(2018, 12, 31, 22, 30)
    start, end = period("2019", "Asia/Baghdad")
    assert (start, end) == (utc(2018, 12, 31, 21), utc(2019, 12, 31, 21))
    assert start <= instant < end and bucket_of(instant, "Asia/Baghdad") == ("2019", "2019-01")
    assert period("2019-01-01", "Asia/Baghdad") == (utc(2018, 12, 31, 21), utc(2019, 1, 1, 21))
    assert (parse_bound("2019", end=False, tz="Asia/Baghdad"),
            parse_bound("2019", end=True, tz="Asia/Baghdad")) == (start, end)


def test_parse_bound_returns_aware_utc():
    bound = parse_bound("2018-05", end=True, tz="Asia/Baghdad")
    assert bound.utcoffset() == timedelta(0)
    assert to_iso_z(bound) == "2018-05-31T21:00:00Z"


@pytest.mark.parametrize(
    "value, extra",
    [
        ("", "empty"),
        ("yesterday", "invalid date bound 'yesterday'"),
        ("2018-05-01T10:00", "invalid date bound"),
        ("05/2018", "invalid date bound"),
        ("18", "invalid date bound"),
        ("2018-13", "month 13 out of range"),
        ("2019-02-29", "day 29 out of range"),
        ("1800", "year 1800 out of range"),
    ],
)
def test_parse_bound_invalid(value, extra):
    with pytest.raises(DateParseError) as info:
        parse_bound(value, end=False)
    msg = str(info.value)
    assert extra in msg
    assert "YYYY, YYYY-MM or YYYY-MM-DD" in msg


# --------------------------------------------------------------------------- bucket_of

def test_bucket_of_utc():
    assert bucket_of(utc(2018, 5, 17, 12)) == ("2018", "2018-05")
    assert bucket_of(datetime(2018, 5, 17, 12)) == ("2018", "2018-05")  # naive = UTC


def test_bucket_of_across_year_boundary():
    instant = utc(2018, 12, 31, 22, 30)
    assert bucket_of(instant) == ("2018", "2018-12")
    assert bucket_of(instant, "Asia/Baghdad") == ("2019", "2019-01")
    early = utc(2019, 1, 1, 3)
    assert bucket_of(early) == ("2019", "2019-01")
    assert bucket_of(early, "America/New_York") == ("2018", "2018-12")


def test_bucket_of_month_boundary_with_dst():
    assert bucket_of(utc(2018, 6, 30, 22, 30), "Europe/Paris") == ("2018", "2018-07")  # CEST
    assert bucket_of(utc(2018, 1, 31, 22, 30), "Europe/Paris") == ("2018", "2018-01")  # CET: 23:30


def test_bucket_of_agrees_with_parse_bound():
    tz = "Asia/Baghdad"
    start, end = parse_bound("2019-01", False, tz), parse_bound("2019-01", True, tz)
    assert bucket_of(start, tz) == ("2019", "2019-01")
    assert bucket_of(end - timedelta(microseconds=1), tz) == ("2019", "2019-01")
    assert bucket_of(end, tz) == ("2019", "2019-02")
    assert bucket_of(start - timedelta(microseconds=1), tz) == ("2018", "2018-12")


def test_round_trip_parse_then_bucket():
    parsed = parse_date("1 كانون الثاني 2019 01:00", "Asia/Baghdad")
    assert to_iso_z(parsed.when) == "2018-12-31T22:00:00Z"
    assert bucket_of(parsed.when, "Asia/Baghdad") == ("2019", "2019-01")
    assert bucket_of(parsed.when) == ("2018", "2018-12")


# --------------------------------------------------------------------------- Hijri (Umm al-Qura)

@pytest.mark.parametrize(
    "value, expected",
    [
        # Known Saudi (Umm al-Qura) dates: Ramadan 1445 began on 11 March 2024, Eid al-Fitr was
        # 10 April 2024, the day of sacrifice (10 Dhu al-Hijjah 1445) 16 June 2024, and the Hijri
        # new year 1446 fell on 7 July 2024.
        ("1 رمضان 1445 هـ", "2024-03-11T00:00:00Z"),
        ("15 رمضان 1445 هـ", "2024-03-25T00:00:00Z"),
        ("١٥ رمضان ١٤٤٥هـ", "2024-03-25T00:00:00Z"),
        ("الأربعاء 1 شوال 1445 هـ", "2024-04-10T00:00:00Z"),
        ("10 ذو الحجة 1445", "2024-06-16T00:00:00Z"),
        ("10 ذي الحِجّة 1445 للهجرة", "2024-06-16T00:00:00Z"),
        ("1 محرم 1446 هـ", "2024-07-07T00:00:00Z"),
        ("1 المحرم 1446 هجري", "2024-07-07T00:00:00Z"),
        ("17 رجب 1447 هـ", "2026-01-06T00:00:00Z"),
        ("1 ربيع الأول 1445 هـ", "2023-09-16T00:00:00Z"),
        ("1 ربيع الآخر 1445 هـ", "2023-10-16T00:00:00Z"),
        ("1 ربيع الثاني 1445 هـ", "2023-10-16T00:00:00Z"),
        ("1 جمادى الأولى 1445 هـ", "2023-11-15T00:00:00Z"),
        ("1 جمادى الآخرة 1445 هـ", "2023-12-14T00:00:00Z"),
        ("1 جمادى الثانية 1445 هـ", "2023-12-14T00:00:00Z"),
        ("1 صفر 1446 هـ", "2024-08-05T00:00:00Z"),
        ("1 شعبان 1445 هـ", "2024-02-11T00:00:00Z"),
        ("1 ذو القعدة 1445 هـ", "2024-05-09T00:00:00Z"),
        # numeric Hijri forms need the era mark
        ("1445/9/15 هـ", "2024-03-25T00:00:00Z"),
        ("15/09/1445هـ", "2024-03-25T00:00:00Z"),
    ],
)
def test_hijri_dates(value, expected):
    parsed = parse_date(value)
    assert to_iso_z(parsed.when) == expected
    assert parsed.precision == "day"


def test_hijri_with_time_in_the_source_zone():
    # 1 Muharram 1446 = 7 July 2024; 10:30 PM in Riyadh (UTC+3) is 19:30 UTC.
    parsed = parse_date("1 محرم 1446 هـ - 10:30 م", "Asia/Riyadh")
    assert (to_iso_z(parsed.when), parsed.precision) == ("2024-07-07T19:30:00Z", "minute")
    assert iso("15 رمضان 1445 هـ", "Asia/Baghdad") == "2024-03-24T21:00:00Z"


@pytest.mark.parametrize(
    "value",
    [
        "6 يناير 2026م - 17 رجب 1447 هـ",
        "17 رجب 1447 هـ / 6 كانون الثاني 2026",
        "6 يناير 2026 (17 رجب 1447 هـ)",
        "الثلاثاء 17 رجب 1447 هـ الموافق 6 يناير 2026م",
    ],
)
def test_both_calendars_keep_the_gregorian_part(value):
    assert iso(value) == "2026-01-06T00:00:00Z"


@pytest.mark.parametrize(
    "value, words",
    [
        ("31 رمضان 1445 هـ", "invalid Hijri date"),
        ("1 رمضان 1300 هـ", "Hijri year 1300 out of range"),
        ("رمضان 1445", "unrecognised date"),
    ],
)
def test_bad_hijri_dates(value, words):
    with pytest.raises(DateParseError, match=words):
        parse_date(value)


def test_dates_do_not_import_the_search_index():
    # archive/ sits below indexer/: its Arabic folding comes from arabic_text, not indexer.arabic
    import subprocess
    import sys
    code = ("import sys, archive.dates; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('indexer', 'whoosh')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
