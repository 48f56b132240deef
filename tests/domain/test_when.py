"""Deadlines, Slack date tokens, working hours and local days, over a time-zone matrix.

The matrix: America/Los_Angeles, Europe/Berlin, Asia/Kolkata (+05:30, no daylight saving,
the control) and Pacific/Auckland (southern hemisphere: summer time from September to
April), with both of 2026's clock changes for each zone that has them:

- US: Sun 8 Mar 02:00 -> 03:00 (10:00 UTC), Sun 1 Nov 02:00 -> 01:00 (09:00 UTC);
- EU: Sun 29 Mar 02:00 -> 03:00 (01:00 UTC), Sun 25 Oct 03:00 -> 02:00 (01:00 UTC);
- NZ: Sun 5 Apr 03:00 -> 02:00 (4 Apr 14:00 UTC), Sun 27 Sep 02:00 -> 03:00 (26 Sep 14:00 UTC).

Expected instants are written out in UTC by hand (and unix times come from
``calendar.timegm``), so the tests do not repeat the code's own zone arithmetic.
"""

from __future__ import annotations

import calendar
import re
from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.errors import Rejected
from bot.domain.when import (
    MAX_AHEAD,
    WorkingHours,
    local_date,
    local_text,
    next_local_time,
    parse_when,
    slack_date,
    zone,
)

LA, BERLIN, KOLKATA, AUCKLAND = (
    "America/Los_Angeles",
    "Europe/Berlin",
    "Asia/Kolkata",
    "Pacific/Auckland",
)
MATRIX = (LA, BERLIN, KOLKATA, AUCKLAND)
#: Odd zones for the properties: half-hour DST (Lord Howe), changes at midnight
#: (Santiago), +05:45 (Kathmandu), -03:30 (St John's), +12:45/+13:45 (Chatham).
ODD = (
    "Australia/Lord_Howe",
    "America/Santiago",
    "Asia/Kathmandu",
    "America/St_Johns",
    "Pacific/Chatham",
)
BACKTICKED = re.compile(r"`([^`]+)`")


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def unix(at: datetime) -> int:
    return calendar.timegm(at.utctimetuple())


def wall(at: datetime, tz: str) -> datetime:
    return at.astimezone(ZoneInfo(tz)).replace(tzinfo=None)


# --- the zone data itself --------------------------------------------------------------------

#: (zone, first instant of the new offset, offset before, offset after)
CHANGES = [
    pytest.param(LA, utc(2026, 3, 8, 10), -8, -7, id="LA-forward"),
    pytest.param(LA, utc(2026, 11, 1, 9), -7, -8, id="LA-back"),
    pytest.param(BERLIN, utc(2026, 3, 29, 1), 1, 2, id="Berlin-forward"),
    pytest.param(BERLIN, utc(2026, 10, 25, 1), 2, 1, id="Berlin-back"),
    pytest.param(AUCKLAND, utc(2026, 4, 4, 14), 13, 12, id="Auckland-back"),
    pytest.param(AUCKLAND, utc(2026, 9, 26, 14), 12, 13, id="Auckland-forward"),
]


@pytest.mark.parametrize(("tz", "change", "before", "after"), CHANGES)
def test_the_systems_tzdata_knows_2026s_changes(
    tz: str, change: datetime, before: int, after: int
) -> None:
    """If this fails the system's tzdata is missing or stale, and so is everything below."""
    assert zone(tz) is not UTC
    assert (change - timedelta(seconds=1)).astimezone(ZoneInfo(tz)).utcoffset() == timedelta(
        hours=before
    )
    assert change.astimezone(ZoneInfo(tz)).utcoffset() == timedelta(hours=after)


def test_kolkata_is_five_and_a_half_hours_ahead_all_year() -> None:
    for month in range(1, 13):
        offset = utc(2026, month, 15).astimezone(ZoneInfo(KOLKATA)).utcoffset()
        assert offset == timedelta(hours=5, minutes=30)


@pytest.mark.parametrize("name", ["Mars/Olympus_Mons", "", "../etc/passwd", "/etc/localtime"])
def test_an_unknown_zone_is_utc(name: str) -> None:
    assert zone(name) is UTC
    now = utc(2026, 6, 4, 10)
    assert parse_when("tomorrow 17:00", name, now) == utc(2026, 6, 5, 17)
    assert WorkingHours().contains(utc(2026, 6, 4, 9), name)
    assert not WorkingHours().contains(utc(2026, 6, 4, 8, 59), name)


# --- deadlines across the matrix ------------------------------------------------------------

DEADLINES = [
    # Los Angeles, the day before spring forward (Sat 7 Mar 12:00 PST).
    pytest.param(LA, utc(2026, 3, 7, 20), "tomorrow 17:00", utc(2026, 3, 9, 0), id="LA-fwd-1"),
    pytest.param(LA, utc(2026, 3, 7, 20), "tomorrow 9am", utc(2026, 3, 8, 16), id="LA-fwd-2"),
    pytest.param(LA, utc(2026, 3, 7, 20), "today 17:00", utc(2026, 3, 8, 1), id="LA-fwd-3"),
    pytest.param(LA, utc(2026, 3, 7, 20), "sunday 3:30am", utc(2026, 3, 8, 10, 30), id="LA-fwd-4"),
    # ... and before falling back (Sat 31 Oct 12:00 PDT).
    pytest.param(LA, utc(2026, 10, 31, 19), "tomorrow 17:00", utc(2026, 11, 2, 1), id="LA-back-1"),
    pytest.param(
        LA, utc(2026, 10, 31, 19), "tomorrow 1:30am", utc(2026, 11, 1, 8, 30), id="LA-back-2"
    ),
    pytest.param(LA, utc(2026, 10, 31, 19), "sunday", utc(2026, 11, 2, 1), id="LA-back-3"),
    pytest.param(LA, utc(2026, 10, 31, 19), "in 2 days", utc(2026, 11, 2, 19), id="LA-back-4"),
    # Berlin, the day before spring forward (Sat 28 Mar 11:00 CET).
    pytest.param(
        BERLIN, utc(2026, 3, 28, 10), "tomorrow 17:00", utc(2026, 3, 29, 15), id="Berlin-fwd-1"
    ),
    pytest.param(BERLIN, utc(2026, 3, 28, 10), "sun 9am", utc(2026, 3, 29, 7), id="Berlin-fwd-2"),
    pytest.param(
        BERLIN, utc(2026, 3, 28, 10), "2026-03-29T12:00", utc(2026, 3, 29, 10), id="Berlin-fwd-3"
    ),
    pytest.param(
        BERLIN, utc(2026, 3, 28, 10), "tomorrow 3am", utc(2026, 3, 29, 1), id="Berlin-fwd-4"
    ),
    # ... and before falling back (Sat 24 Oct 12:00 CEST).
    pytest.param(
        BERLIN, utc(2026, 10, 24, 10), "tomorrow 17:00", utc(2026, 10, 25, 16), id="Berlin-back-1"
    ),
    pytest.param(
        BERLIN, utc(2026, 10, 24, 10), "tomorrow 2:30", utc(2026, 10, 25, 0, 30), id="Berlin-back-2"
    ),
    pytest.param(
        BERLIN,
        utc(2026, 10, 24, 10),
        "next sunday 12:00",
        utc(2026, 10, 25, 11),
        id="Berlin-back-3",
    ),
    pytest.param(
        BERLIN,
        utc(2026, 10, 24, 10),
        "2026-10-25 12:00+05:30",
        utc(2026, 10, 25, 6, 30),
        id="Berlin-back-4",
    ),
    # Kolkata: no changes, a half-hour offset (Sat 28 Mar 15:30 IST).
    pytest.param(
        KOLKATA, utc(2026, 3, 28, 10), "tomorrow 17:00", utc(2026, 3, 29, 11, 30), id="Kolkata-1"
    ),
    pytest.param(
        KOLKATA, utc(2026, 3, 28, 10), "today 17:00", utc(2026, 3, 28, 11, 30), id="Kolkata-2"
    ),
    pytest.param(KOLKATA, utc(2026, 3, 28, 10), "today", utc(2026, 3, 28, 11, 30), id="Kolkata-3"),
    pytest.param(
        KOLKATA, utc(2026, 3, 28, 10), "in 90 minutes", utc(2026, 3, 28, 11, 30), id="Kolkata-4"
    ),
    pytest.param(
        KOLKATA, utc(2026, 10, 24, 10), "tomorrow 17:00", utc(2026, 10, 25, 11, 30), id="Kolkata-5"
    ),
    # Auckland, the day before falling back (Sat 4 Apr 12:00 NZDT).
    pytest.param(
        AUCKLAND, utc(2026, 4, 3, 23), "tomorrow 17:00", utc(2026, 4, 5, 5), id="Auckland-back-1"
    ),
    pytest.param(
        AUCKLAND,
        utc(2026, 4, 3, 23),
        "tomorrow 2:30am",
        utc(2026, 4, 4, 13, 30),
        id="Auckland-back-2",
    ),
    pytest.param(
        AUCKLAND,
        utc(2026, 4, 3, 23),
        "tomorrow 3:30am",
        utc(2026, 4, 4, 15, 30),
        id="Auckland-back-3",
    ),
    # ... and before springing forward (Sat 26 Sep 12:00 NZST).
    pytest.param(
        AUCKLAND, utc(2026, 9, 26), "tomorrow 17:00", utc(2026, 9, 27, 4), id="Auckland-fwd-1"
    ),
    pytest.param(
        AUCKLAND, utc(2026, 9, 26), "sunday 9am", utc(2026, 9, 26, 20), id="Auckland-fwd-2"
    ),
    pytest.param(AUCKLAND, utc(2026, 9, 26), "monday", utc(2026, 9, 28, 4), id="Auckland-fwd-3"),
]


@pytest.mark.parametrize(("tz", "now", "text", "expected"), DEADLINES)
def test_deadlines_around_the_clock_changes(
    tz: str, now: datetime, text: str, expected: datetime
) -> None:
    at = parse_when(text, tz, now)
    assert at == expected
    assert at.tzinfo is UTC


#: Thursday 4 June 2026, 12:00 CEST in Berlin (10:00 UTC): far from any change.
THURSDAY = utc(2026, 6, 4, 10)

FORMS = [
    ("friday 12:00", utc(2026, 6, 5, 10)),
    ("fri 12:00", utc(2026, 6, 5, 10)),
    ("  FRIDAY    12:00 ", utc(2026, 6, 5, 10)),
    ("next friday 12:00", utc(2026, 6, 5, 10)),  # the next Friday strictly after today
    ("this friday", utc(2026, 6, 5, 15)),
    ("fri", utc(2026, 6, 5, 15)),  # no time: 17:00
    ("thursday 17:00", utc(2026, 6, 4, 15)),  # today, still ahead
    ("thu", utc(2026, 6, 4, 15)),
    ("thursday 9:00", utc(2026, 6, 11, 7)),  # today's has passed: next week's
    ("next thursday 17:00", utc(2026, 6, 11, 15)),  # strictly after today
    ("wednesday", utc(2026, 6, 10, 15)),
    ("today 17:00", utc(2026, 6, 4, 15)),
    ("today", utc(2026, 6, 4, 15)),
    ("tomorrow 17:00", utc(2026, 6, 5, 15)),
    ("tomorrow", utc(2026, 6, 5, 15)),
    ("tomorrow 9am", utc(2026, 6, 5, 7)),
    ("Tomorrow 5:30PM", utc(2026, 6, 5, 15, 30)),
    ("tomorrow 5:30 pm", utc(2026, 6, 5, 15, 30)),
    ("tomorrow at 9am", utc(2026, 6, 5, 7)),
    ("tomorrow 12am", utc(2026, 6, 4, 22)),  # midnight starting Friday
    ("tomorrow 12pm", utc(2026, 6, 5, 10)),
    ("tomorrow noon", utc(2026, 6, 5, 10)),
    ("friday 17", utc(2026, 6, 5, 15)),  # 13 to 23 can only be 24-hour
    ("by friday", utc(2026, 6, 5, 15)),
    ("on friday 12:00", utc(2026, 6, 5, 10)),
    ("17:00", utc(2026, 6, 4, 15)),  # a time alone: today if ahead...
    ("9:00", utc(2026, 6, 5, 7)),  # ... else tomorrow
    ("5pm", utc(2026, 6, 4, 15)),
    ("in 3 hours", utc(2026, 6, 4, 13)),
    ("in 90 minutes", utc(2026, 6, 4, 11, 30)),
    ("in 2 days", utc(2026, 6, 6, 10)),
    ("in 1 week", utc(2026, 6, 11, 10)),
    ("in an hour", utc(2026, 6, 4, 11)),
    ("IN 2   DAYS", utc(2026, 6, 6, 10)),
    ("2026-06-10", utc(2026, 6, 10, 15)),  # a bare date: 17:00 local
    ("2026-06-10 17:00", utc(2026, 6, 10, 15)),
    ("2026-06-10T17:00", utc(2026, 6, 10, 15)),
    ("2026-06-10 5pm", utc(2026, 6, 10, 15)),
    ("2026-06-10T17:00Z", utc(2026, 6, 10, 17)),
    ("2026-06-10T17:00+01:00", utc(2026, 6, 10, 16)),
    ("2026-06-10T17:00-0330", utc(2026, 6, 10, 20, 30)),
    ("2026-06-10 16:00 UTC", utc(2026, 6, 10, 16)),
    ("2026-06-10T17:00:30", utc(2026, 6, 10, 15) + timedelta(seconds=30)),
]


@pytest.mark.parametrize(("text", "expected"), FORMS)
def test_the_accepted_forms(text: str, expected: datetime) -> None:
    assert parse_when(text, BERLIN, THURSDAY) == expected


def test_a_weekday_is_today_only_while_its_time_is_ahead() -> None:
    """On Friday 16:59 local, "friday" is today; from 17:00, next week."""
    before = utc(2026, 6, 5, 14, 59)
    assert parse_when("friday", BERLIN, before) == utc(2026, 6, 5, 15)
    assert parse_when("friday", BERLIN, utc(2026, 6, 5, 15)) == utc(2026, 6, 12, 15)
    assert parse_when("next friday", BERLIN, before) == utc(2026, 6, 12, 15)


def test_the_day_is_the_facilitators_own() -> None:
    """At 23:30 UTC on Thursday it is already Friday in Kolkata and still Thursday in LA."""
    now = utc(2026, 6, 4, 23, 30)
    assert parse_when("today 17:00", KOLKATA, now) == utc(2026, 6, 5, 11, 30)
    assert parse_when("today 17:00", LA, now) == utc(2026, 6, 5, 0)


def test_ninety_days_is_the_limit() -> None:
    assert parse_when("in 90 days", BERLIN, THURSDAY) == THURSDAY + MAX_AHEAD
    assert parse_when("2026-09-02 12:00", BERLIN, THURSDAY) == utc(2026, 9, 2, 10)
    with pytest.raises(Rejected, match="more than 90 days"):
        parse_when("2026-09-02 12:01", BERLIN, THURSDAY)


def test_now_must_be_aware() -> None:
    with pytest.raises(ValueError, match="aware"):
        parse_when("tomorrow", BERLIN, datetime(2026, 6, 4, 10))  # noqa: DTZ001


def test_now_may_be_given_in_any_zone() -> None:
    now = THURSDAY.astimezone(timezone(timedelta(hours=-7)))
    assert parse_when("friday 12:00", BERLIN, now) == utc(2026, 6, 5, 10)


# --- refusals --------------------------------------------------------------------------------

REFUSALS = [
    pytest.param(BERLIN, THURSDAY, "next blursday", "I can't read “next blursday”", id="unread"),
    pytest.param(BERLIN, THURSDAY, "", "I can't read “”", id="empty"),
    pytest.param(BERLIN, THURSDAY, "25:00", "I can't read", id="hour-25"),
    pytest.param(BERLIN, THURSDAY, "tomorrow 17:60", "I can't read", id="minute-60"),
    pytest.param(BERLIN, THURSDAY, "13pm", "I can't read", id="13pm"),
    pytest.param(BERLIN, THURSDAY, "in 1.5 hours", "I can't read", id="fraction"),
    pytest.param(BERLIN, THURSDAY, "in 2 fortnights", "I can't read", id="unit"),
    pytest.param(BERLIN, THURSDAY, "next today", "I can't read", id="next-today"),
    pytest.param(BERLIN, THURSDAY, "friday 5", "morning or the evening", id="am-pm"),
    pytest.param(BERLIN, THURSDAY, "friday 12", "`friday 12pm`", id="am-pm-12"),
    pytest.param(BERLIN, THURSDAY, "2026-02-30", "There is no such date", id="no-date"),
    pytest.param(
        BERLIN,
        THURSDAY,
        "today 9:00",
        "is already past (it was Thu 4 Jun 2026 09:00 CEST)",
        id="past",
    ),
    pytest.param(BERLIN, THURSDAY, "2026-06-01", "already past", id="past-date"),
    pytest.param(BERLIN, THURSDAY, "2026-06-04T09:59Z", "already past", id="past-instant"),
    pytest.param(BERLIN, THURSDAY, "in 0 minutes", "right now", id="now"),
    pytest.param(BERLIN, THURSDAY, "in 100 days", "more than 90 days", id="far-relative"),
    pytest.param(BERLIN, THURSDAY, "in 99999 weeks", "more than 90 days", id="far-huge"),
    pytest.param(
        BERLIN,
        THURSDAY,
        "2026-12-01 17:00",
        "more than 90 days away (Tue 1 Dec 2026 17:00 CET)",
        id="far-date",
    ),
    # Clocks going forward: the local time does not exist.
    pytest.param(
        BERLIN,
        utc(2026, 3, 28, 10),
        "sunday 2:30",
        "There is no 02:30 on Sun 29 Mar 2026 in Europe/Berlin: "
        "the clocks go forward from 02:00 to 03:00",
        id="gap-Berlin",
    ),
    pytest.param(
        BERLIN,
        utc(2026, 3, 28, 10),
        "2026-03-29 02:00",
        "There is no 02:00 on Sun 29 Mar 2026",
        id="gap-Berlin-edge",
    ),
    pytest.param(
        LA,
        utc(2026, 3, 7, 20),
        "tomorrow 2:30am",
        "There is no 02:30 on Sun 8 Mar 2026 in America/Los_Angeles",
        id="gap-LA",
    ),
    pytest.param(
        AUCKLAND,
        utc(2026, 9, 26),
        "tomorrow 2:15am",
        "There is no 02:15 on Sun 27 Sep 2026 in Pacific/Auckland",
        id="gap-Auckland",
    ),
    # A skipped time that is also past is past.
    pytest.param(BERLIN, utc(2026, 3, 29, 5), "today 2:30", "already past", id="gap-past"),
]


@pytest.mark.parametrize(("tz", "now", "text", "expected"), REFUSALS)
def test_refusals_say_why_and_show_examples_that_work(
    tz: str, now: datetime, text: str, expected: str
) -> None:
    with pytest.raises(Rejected) as refused:
        parse_when(text, tz, now)
    message = refused.value.message
    assert expected in message
    examples = BACKTICKED.findall(message)
    assert examples, message
    for example in examples:
        at = parse_when(example, tz, now)  # each example works as typed, right now
        assert now < at <= now + MAX_AHEAD


def test_the_text_echoed_back_cannot_ping_or_sprawl() -> None:
    with pytest.raises(Rejected) as refused:
        parse_when("<!channel> & <@U123> " + "x" * 100, BERLIN, THURSDAY)
    message = refused.value.message
    assert "<!channel>" not in message
    assert "&lt;!channel&gt; &amp; &lt;@U123&gt;" in message
    assert "x" * 40 not in message


def test_the_points_where_the_clocks_jump_are_exact() -> None:
    """01:59 the day of spring forward exists, 02:00 and 02:59 don't, 03:00 does."""
    before = utc(2026, 3, 28, 10)
    assert parse_when("2026-03-29 01:59", BERLIN, before) == utc(2026, 3, 29, 0, 59)
    for missing in ("02:00", "02:59"):
        with pytest.raises(Rejected, match="There is no"):
            parse_when(f"2026-03-29 {missing}", BERLIN, before)
    assert parse_when("2026-03-29 03:00", BERLIN, before) == utc(2026, 3, 29, 1)
    # Falling back, 02:00-02:59 happens twice: the first time counts.
    before = utc(2026, 10, 24, 10)
    assert parse_when("2026-10-25 02:00", BERLIN, before) == utc(2026, 10, 25, 0)
    assert parse_when("2026-10-25 02:59", BERLIN, before) == utc(2026, 10, 25, 0, 59)
    assert parse_when("2026-10-25 03:00", BERLIN, before) == utc(2026, 10, 25, 2)


# --- properties of deadlines -----------------------------------------------------------------

instants_2026 = st.datetimes(
    min_value=datetime(2026, 1, 1),  # noqa: DTZ001
    max_value=datetime(2026, 12, 31, 23, 59, 59),  # noqa: DTZ001
    timezones=st.just(UTC),
)
matrix_zones = st.sampled_from(MATRIX)
any_zone = st.sampled_from(MATRIX + ODD)


@settings(max_examples=200, deadline=None)
@given(now=instants_2026, tz=any_zone, days=st.integers(1, 89), hh=st.integers(0, 23))
def test_a_typed_local_time_is_that_local_time_or_refused_as_skipped(
    now: datetime, tz: str, days: int, hh: int
) -> None:
    mm = (hh * 7) % 60  # varied minutes, including half hours
    day = wall(now, tz).date() + timedelta(days=days)
    typed = datetime.combine(day, time(hh, mm))
    first = typed.replace(tzinfo=ZoneInfo(tz), fold=0).astimezone(UTC)
    text = f"{day.isoformat()} {hh:02d}:{mm:02d}"
    if wall(first, tz) != typed:  # the clocks skip it
        with pytest.raises(Rejected, match=r"There is no .* the clocks go forward"):
            parse_when(text, tz, now)
    elif first - now > MAX_AHEAD:
        with pytest.raises(Rejected, match="more than 90 days"):
            parse_when(text, tz, now)
    else:
        at = parse_when(text, tz, now)
        assert wall(at, tz) == typed
        for earlier in (timedelta(minutes=30), timedelta(hours=1)):  # the first occurrence
            assert wall(at - earlier, tz) != typed


@settings(max_examples=200, deadline=None)
@given(now=instants_2026, tz=matrix_zones)
def test_the_generic_examples_always_work(now: datetime, tz: str) -> None:
    with pytest.raises(Rejected) as refused:
        parse_when("next blursday", tz, now)
    examples = BACKTICKED.findall(refused.value.message)
    assert len(examples) == 4
    for example in examples:
        assert now < parse_when(example, tz, now) <= now + MAX_AHEAD


@settings(max_examples=200, deadline=None)
@given(now=instants_2026, tz=matrix_zones, hh=st.integers(0, 23), mm=st.integers(0, 59))
def test_tomorrow_is_the_next_local_day_at_that_time(
    now: datetime, tz: str, hh: int, mm: int
) -> None:
    typed = datetime.combine(wall(now, tz).date() + timedelta(days=1), time(hh, mm))
    skipped = wall(typed.replace(tzinfo=ZoneInfo(tz)).astimezone(UTC), tz) != typed
    if skipped:
        with pytest.raises(Rejected, match="the clocks go forward"):
            parse_when(f"tomorrow {hh}:{mm:02d}", tz, now)
    else:
        assert wall(parse_when(f"tomorrow {hh}:{mm:02d}", tz, now), tz) == typed


# --- slack_date -----------------------------------------------------------------------------

SLACK = [
    pytest.param(utc(2026, 12, 1, 16), "UTC", "Tue 1 Dec 2026 16:00 UTC", id="brief"),
    pytest.param(utc(2026, 3, 9, 0), "UTC", "Mon 9 Mar 2026 00:00 UTC", id="LA-fwd-utc"),
    pytest.param(utc(2026, 3, 9, 0), LA, "Sun 8 Mar 2026 17:00 PDT", id="LA-fwd"),
    pytest.param(utc(2026, 3, 7, 20), LA, "Sat 7 Mar 2026 12:00 PST", id="LA-before"),
    pytest.param(utc(2026, 11, 2, 1), LA, "Sun 1 Nov 2026 17:00 PST", id="LA-back"),
    pytest.param(utc(2026, 11, 1, 8, 30), LA, "Sun 1 Nov 2026 01:30 PDT", id="LA-back-first"),
    pytest.param(utc(2026, 11, 1, 9, 30), LA, "Sun 1 Nov 2026 01:30 PST", id="LA-back-second"),
    pytest.param(utc(2026, 3, 28, 16), BERLIN, "Sat 28 Mar 2026 17:00 CET", id="Berlin-before"),
    pytest.param(utc(2026, 3, 29, 15), BERLIN, "Sun 29 Mar 2026 17:00 CEST", id="Berlin-fwd"),
    pytest.param(utc(2026, 10, 25, 16), BERLIN, "Sun 25 Oct 2026 17:00 CET", id="Berlin-back"),
    pytest.param(utc(2026, 3, 29, 11, 30), KOLKATA, "Sun 29 Mar 2026 17:00 IST", id="Kolkata"),
    pytest.param(utc(2026, 4, 5, 5), AUCKLAND, "Sun 5 Apr 2026 17:00 NZST", id="Auckland-back"),
    pytest.param(utc(2026, 9, 27, 4), AUCKLAND, "Sun 27 Sep 2026 17:00 NZDT", id="Auckland-fwd"),
    pytest.param(
        utc(2026, 9, 26, 23, 59), AUCKLAND, "Sun 27 Sep 2026 12:59 NZDT", id="Auckland-date"
    ),
    pytest.param(utc(2026, 6, 1), "Asia/Kathmandu", "Mon 1 Jun 2026 05:45 UTC+0545", id="numeric"),
    pytest.param(utc(2026, 6, 1), "Nope/Nowhere", "Mon 1 Jun 2026 00:00 UTC", id="unknown"),
]


@pytest.mark.parametrize(("at", "tz", "fallback"), SLACK)
def test_slack_date_tokens(at: datetime, tz: str, fallback: str) -> None:
    expected = f"<!date^{unix(at)}^{{date_short_pretty}} at {{time}}|{fallback}>"
    assert slack_date(at, tz) == expected
    assert local_text(at, tz) == fallback
    # The same instant given in another zone is the same token.
    assert slack_date(at.astimezone(ZoneInfo(AUCKLAND)), tz) == expected


@pytest.mark.parametrize(("tz", "now", "text", "expected"), DEADLINES)
def test_every_matrix_deadline_renders_its_own_instant(
    tz: str, now: datetime, text: str, expected: datetime
) -> None:
    token = slack_date(parse_when(text, tz, now))
    match = re.fullmatch(r"<!date\^(\d+)\^\{date_short_pretty\} at \{time\}\|([^<>|]+)>", token)
    assert match is not None, token
    assert int(match[1]) == unix(expected)
    day = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")[expected.weekday()]
    month = ("Mar", "Apr", "Sep", "Oct", "Nov")[(3, 4, 9, 10, 11).index(expected.month)]
    assert match[2] == f"{day} {expected.day} {month} 2026 {expected:%H:%M} UTC"


def test_slack_date_defaults_to_utc_and_wants_an_aware_time() -> None:
    assert slack_date(utc(2026, 12, 1, 16)).endswith("|Tue 1 Dec 2026 16:00 UTC>")
    assert slack_date(utc(2026, 12, 1, 16)).startswith("<!date^1796140800^")
    with pytest.raises(ValueError, match="aware"):
        slack_date(datetime(2026, 12, 1, 16))  # noqa: DTZ001


# --- local days and daily times -------------------------------------------------------------

LOCAL_DATES = [
    pytest.param(utc(2026, 4, 4, 10, 59), AUCKLAND, date(2026, 4, 4), id="Auckland-2359-NZDT"),
    pytest.param(utc(2026, 4, 4, 11), AUCKLAND, date(2026, 4, 5), id="Auckland-0000-NZDT"),
    pytest.param(utc(2026, 4, 5, 11, 59), AUCKLAND, date(2026, 4, 5), id="Auckland-2359-NZST"),
    pytest.param(utc(2026, 4, 5, 12), AUCKLAND, date(2026, 4, 6), id="Auckland-0000-NZST"),
    pytest.param(utc(2026, 6, 1, 18, 29), KOLKATA, date(2026, 6, 1), id="Kolkata-2359"),
    pytest.param(utc(2026, 6, 1, 18, 30), KOLKATA, date(2026, 6, 2), id="Kolkata-0000"),
    pytest.param(utc(2026, 11, 1, 6, 59), LA, date(2026, 10, 31), id="LA-2359-PDT"),
    pytest.param(utc(2026, 11, 1, 7), LA, date(2026, 11, 1), id="LA-0000-PDT"),
    pytest.param(utc(2026, 11, 2, 7, 59), LA, date(2026, 11, 1), id="LA-2359-PST"),
    pytest.param(utc(2026, 11, 2, 8), LA, date(2026, 11, 2), id="LA-0000-PST"),
    pytest.param(utc(2026, 3, 28, 22, 59), BERLIN, date(2026, 3, 28), id="Berlin-2359-CET"),
    pytest.param(utc(2026, 3, 28, 23), BERLIN, date(2026, 3, 29), id="Berlin-0000-CET"),
    pytest.param(utc(2026, 3, 29, 21, 59), BERLIN, date(2026, 3, 29), id="Berlin-2359-CEST"),
    pytest.param(utc(2026, 3, 29, 22), BERLIN, date(2026, 3, 30), id="Berlin-0000-CEST"),
]


@pytest.mark.parametrize(("at", "tz", "expected"), LOCAL_DATES)
def test_local_date(at: datetime, tz: str, expected: date) -> None:
    assert local_date(at, tz) == expected


DAILY = [
    # The facilitator's 09:00 on the change days.
    pytest.param(LA, utc(2026, 3, 7, 20), 9, 0, utc(2026, 3, 8, 16), id="LA-fwd-0900"),
    pytest.param(LA, utc(2026, 10, 31, 19), 9, 0, utc(2026, 11, 1, 17), id="LA-back-0900"),
    pytest.param(BERLIN, utc(2026, 3, 28, 12), 9, 0, utc(2026, 3, 29, 7), id="Berlin-fwd-0900"),
    pytest.param(BERLIN, utc(2026, 10, 24, 12), 9, 0, utc(2026, 10, 25, 8), id="Berlin-back-0900"),
    pytest.param(KOLKATA, utc(2026, 3, 28, 10), 9, 0, utc(2026, 3, 29, 3, 30), id="Kolkata-0900"),
    pytest.param(AUCKLAND, utc(2026, 4, 4), 9, 0, utc(2026, 4, 4, 21), id="Auckland-back-0900"),
    pytest.param(AUCKLAND, utc(2026, 9, 26), 9, 0, utc(2026, 9, 26, 20), id="Auckland-fwd-0900"),
    # Strictly after: at 09:00 itself, the next is tomorrow's.
    pytest.param(BERLIN, utc(2026, 3, 29, 7), 9, 0, utc(2026, 3, 30, 7), id="Berlin-strict"),
    # A skipped time: the moment the clocks jump past it.
    pytest.param(LA, utc(2026, 3, 7, 20), 2, 30, utc(2026, 3, 8, 10), id="LA-gap"),
    pytest.param(BERLIN, utc(2026, 3, 28, 12), 2, 30, utc(2026, 3, 29, 1), id="Berlin-gap"),
    pytest.param(AUCKLAND, utc(2026, 9, 26), 2, 30, utc(2026, 9, 26, 14), id="Auckland-gap"),
    # A repeated time: the first occurrence, and only that one.
    pytest.param(LA, utc(2026, 10, 31, 19), 1, 30, utc(2026, 11, 1, 8, 30), id="LA-twice"),
    pytest.param(BERLIN, utc(2026, 10, 24, 12), 2, 30, utc(2026, 10, 25, 0, 30), id="Berlin-twice"),
    pytest.param(
        BERLIN, utc(2026, 10, 25, 0, 30), 2, 30, utc(2026, 10, 26, 1, 30), id="Berlin-not-again"
    ),
    pytest.param(AUCKLAND, utc(2026, 4, 4), 2, 30, utc(2026, 4, 4, 13, 30), id="Auckland-twice"),
]


@pytest.mark.parametrize(("tz", "after", "hour", "minute", "expected"), DAILY)
def test_next_local_time(
    tz: str, after: datetime, hour: int, minute: int, expected: datetime
) -> None:
    assert next_local_time(after, tz, hour, minute) == expected


@pytest.mark.parametrize("tz", MATRIX + ODD)
@pytest.mark.parametrize(("hour", "minute"), [(9, 0), (2, 30), (0, 0), (23, 30)])
def test_a_daily_time_comes_once_every_local_day_for_a_year(
    tz: str, hour: int, minute: int
) -> None:
    at = next_local_time(utc(2025, 12, 31), tz, hour, minute)
    days = []
    while at.year < 2027:
        days.append(local_date(at, tz))
        local, wanted = wall(at, tz), datetime.combine(local_date(at, tz), time(hour, minute))
        if local != wanted:  # only where the clocks skipped it: the moment they jump past
            assert wall(at - timedelta(seconds=1), tz) < wanted < local
        at = next_local_time(at, tz, hour, minute)
    assert days == [days[0] + timedelta(days=n) for n in range(len(days))]
    assert len(days) >= 365


@settings(max_examples=200, deadline=None)
@given(after=instants_2026, tz=any_zone, hour=st.integers(0, 23), minute=st.integers(0, 59))
def test_next_local_time_is_soon_after_and_stable(
    after: datetime, tz: str, hour: int, minute: int
) -> None:
    at = next_local_time(after, tz, hour, minute)
    assert after < at <= after + timedelta(hours=25)
    assert next_local_time(at - timedelta(microseconds=1), tz, hour, minute) == at


# --- working hours --------------------------------------------------------------------------

HOURS = WorkingHours()

CONTAINS = [
    # (zone, instant, inside?) at both ends of the day, on either side of each change.
    pytest.param(LA, utc(2026, 3, 6, 17), True, id="LA-Fri-0900-PST"),
    pytest.param(LA, utc(2026, 3, 6, 16, 59), False, id="LA-Fri-0859-PST"),
    pytest.param(LA, utc(2026, 3, 9, 16), True, id="LA-Mon-0900-PDT"),
    pytest.param(LA, utc(2026, 3, 9, 15, 59), False, id="LA-Mon-0859-PDT"),
    pytest.param(LA, utc(2026, 3, 10, 0, 59), True, id="LA-Mon-1759-PDT"),
    pytest.param(LA, utc(2026, 3, 10, 1), False, id="LA-Mon-1800-PDT"),
    pytest.param(LA, utc(2026, 11, 2, 17), True, id="LA-Mon-0900-PST"),
    pytest.param(LA, utc(2026, 11, 2, 16, 59), False, id="LA-Mon-0859-PST"),
    pytest.param(LA, utc(2026, 3, 8, 17), False, id="LA-Sun"),
    pytest.param(BERLIN, utc(2026, 3, 27, 8), True, id="Berlin-Fri-0900-CET"),
    pytest.param(BERLIN, utc(2026, 3, 27, 7, 59), False, id="Berlin-Fri-0859-CET"),
    pytest.param(BERLIN, utc(2026, 3, 30, 7), True, id="Berlin-Mon-0900-CEST"),
    pytest.param(BERLIN, utc(2026, 3, 30, 6, 59), False, id="Berlin-Mon-0859-CEST"),
    pytest.param(BERLIN, utc(2026, 3, 30, 15, 59), True, id="Berlin-Mon-1759-CEST"),
    pytest.param(BERLIN, utc(2026, 3, 30, 16), False, id="Berlin-Mon-1800-CEST"),
    pytest.param(BERLIN, utc(2026, 10, 26, 8), True, id="Berlin-Mon-0900-CET"),
    pytest.param(BERLIN, utc(2026, 10, 26, 7, 59), False, id="Berlin-Mon-0859-CET"),
    pytest.param(KOLKATA, utc(2026, 6, 1, 3, 30), True, id="Kolkata-0900"),
    pytest.param(KOLKATA, utc(2026, 6, 1, 3, 29), False, id="Kolkata-0859"),
    pytest.param(KOLKATA, utc(2026, 6, 1, 12, 29), True, id="Kolkata-1759"),
    pytest.param(KOLKATA, utc(2026, 6, 1, 12, 30), False, id="Kolkata-1800"),
    pytest.param(KOLKATA, utc(2026, 6, 5, 23), False, id="Kolkata-Sat-0430"),
    pytest.param(AUCKLAND, utc(2026, 4, 2, 20), True, id="Auckland-Fri-0900-NZDT"),
    pytest.param(AUCKLAND, utc(2026, 4, 2, 19, 59), False, id="Auckland-Fri-0859-NZDT"),
    pytest.param(AUCKLAND, utc(2026, 4, 5, 21), True, id="Auckland-Mon-0900-NZST"),
    pytest.param(AUCKLAND, utc(2026, 4, 5, 20, 59), False, id="Auckland-Mon-0859-NZST"),
    pytest.param(AUCKLAND, utc(2026, 9, 27, 20), True, id="Auckland-Mon-0900-NZDT"),
    pytest.param(AUCKLAND, utc(2026, 9, 27, 19, 59), False, id="Auckland-Mon-0859-NZDT"),
    pytest.param(AUCKLAND, utc(2026, 9, 28, 4, 59), True, id="Auckland-Mon-1759-NZDT"),
    pytest.param(AUCKLAND, utc(2026, 9, 28, 5), False, id="Auckland-Mon-1800-NZDT"),
    # Monday 10:00 UTC is Monday in Berlin but Monday 23:00 (after hours) in Auckland.
    pytest.param(AUCKLAND, utc(2026, 6, 1, 10), False, id="Auckland-Mon-2200"),
]


@pytest.mark.parametrize(("tz", "at", "inside"), CONTAINS)
def test_contains(tz: str, at: datetime, inside: bool) -> None:
    assert HOURS.contains(at, tz) is inside


NEXT_START = [
    # From Friday 18:00 local across each change to Monday 09:00 local.
    pytest.param(LA, utc(2026, 3, 7, 2), utc(2026, 3, 9, 16), id="LA-fwd"),
    pytest.param(LA, utc(2026, 10, 31, 1), utc(2026, 11, 2, 17), id="LA-back"),
    pytest.param(BERLIN, utc(2026, 3, 27, 17), utc(2026, 3, 30, 7), id="Berlin-fwd"),
    pytest.param(BERLIN, utc(2026, 10, 23, 16), utc(2026, 10, 26, 8), id="Berlin-back"),
    pytest.param(KOLKATA, utc(2026, 3, 27, 12, 30), utc(2026, 3, 30, 3, 30), id="Kolkata"),
    pytest.param(AUCKLAND, utc(2026, 4, 3, 5), utc(2026, 4, 5, 21), id="Auckland-back"),
    pytest.param(AUCKLAND, utc(2026, 9, 25, 6), utc(2026, 9, 27, 20), id="Auckland-fwd"),
    # Early on a working day: later the same day. Inside: the same instant.
    pytest.param(BERLIN, utc(2026, 6, 4, 5), utc(2026, 6, 4, 7), id="Berlin-early"),
    pytest.param(BERLIN, utc(2026, 6, 4, 10, 17), utc(2026, 6, 4, 10, 17), id="Berlin-inside"),
]


@pytest.mark.parametrize(("tz", "after", "expected"), NEXT_START)
def test_next_start(tz: str, after: datetime, expected: datetime) -> None:
    assert HOURS.next_start(after, tz) == expected


def test_a_start_the_clocks_skip_begins_when_they_jump() -> None:
    sundays_early = WorkingHours(start=time(2, 30), end=time(18), weekdays=frozenset({6}))
    assert sundays_early.next_start(utc(2026, 3, 28, 12), BERLIN) == utc(2026, 3, 29, 1)
    assert sundays_early.next_start(utc(2026, 3, 7, 20), LA) == utc(2026, 3, 8, 10)
    assert sundays_early.next_start(utc(2026, 9, 26), AUCKLAND) == utc(2026, 9, 26, 14)
    # Falling back, 02:30 comes twice: the first.
    assert sundays_early.next_start(utc(2026, 10, 24, 12), BERLIN) == utc(2026, 10, 25, 0, 30)


def test_working_hours_the_clocks_go_back_into_begin_again() -> None:
    """Berlin, 25 Oct: 02:00-02:59 CEST (00:00-00:59 UTC), then 02:00-02:59 CET again."""
    night = WorkingHours(start=time(1), end=time(2, 30), weekdays=frozenset(range(7)))
    # 02:45 CEST is after hours, until the clocks go back to 02:00 CET at 01:00 UTC.
    assert not night.contains(utc(2026, 10, 25, 0, 45), BERLIN)
    assert night.next_start(utc(2026, 10, 25, 0, 45), BERLIN) == utc(2026, 10, 25, 1)
    late = WorkingHours(start=time(2, 30), end=time(4), weekdays=frozenset(range(7)))
    # 02:10 CET, the second time round: 02:30 comes again at 01:30 UTC.
    assert late.next_start(utc(2026, 10, 25, 1, 10), BERLIN) == utc(2026, 10, 25, 1, 30)


@pytest.mark.parametrize(
    "bad",
    [
        {"start": time(18), "end": time(9)},
        {"start": time(9), "end": time(9)},
        {"weekdays": frozenset()},
        {"weekdays": frozenset({7})},
        {"start": time(9, tzinfo=UTC)},
    ],
)
def test_working_hours_must_make_sense(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="working"):
        WorkingHours(**bad)  # type: ignore[arg-type]


hours_cases = st.sampled_from(
    [
        HOURS,
        WorkingHours(start=time(8, 30), end=time(12, 15), weekdays=frozenset({0, 2, 4})),
        WorkingHours(start=time(0), end=time(23, 59), weekdays=frozenset({5, 6})),
        WorkingHours(start=time(2, 30), end=time(4), weekdays=frozenset(range(7))),
    ]
)


@settings(max_examples=300, deadline=None)
@given(after=instants_2026, tz=any_zone, hours=hours_cases)
def test_next_start_is_the_earliest_working_moment(
    after: datetime, tz: str, hours: WorkingHours
) -> None:
    start = hours.next_start(after, tz)
    local = wall(start, tz)
    assert start >= after
    assert start.tzinfo is UTC
    assert hours.contains(start, tz)
    assert local.weekday() in hours.weekdays
    assert hours.start <= local.time() < hours.end
    assert start - after <= timedelta(days=7)
    if start > after:  # it is a beginning, and nothing before it was working time
        assert not hours.contains(start - timedelta(seconds=1), tz)
        probe = after
        while probe < start:
            assert not hours.contains(probe, tz), probe
            probe += timedelta(minutes=10)


@settings(max_examples=300, deadline=None)
@given(at=instants_2026, tz=matrix_zones)
def test_default_hours_are_nine_to_six_on_local_weekdays(at: datetime, tz: str) -> None:
    local = wall(at, tz)
    expected = local.weekday() < 5 and 9 <= local.hour < 18
    assert HOURS.contains(at, tz) is expected
    assert HOURS.next_start(at, tz) == at or not expected


NEXT_SHIFT = [
    # Inside Thursday's hours in Berlin: Friday 09:00 (07:00 UTC).
    pytest.param(BERLIN, utc(2026, 6, 4, 10, 17), utc(2026, 6, 5, 7), id="Berlin-inside"),
    # Inside Friday's: Monday 09:00.
    pytest.param(BERLIN, utc(2026, 6, 5, 7), utc(2026, 6, 8, 7), id="Berlin-Friday"),
    # Outside the hours it is next_start: later the same day.
    pytest.param(BERLIN, utc(2026, 6, 4, 5), utc(2026, 6, 4, 7), id="Berlin-early"),
    # Friday 17:59 in Los Angeles, across the clocks going back: Monday 09:00 PST.
    pytest.param(LA, utc(2026, 10, 31, 0, 59), utc(2026, 11, 2, 17), id="LA-back"),
]


@pytest.mark.parametrize(("tz", "after", "expected"), NEXT_SHIFT)
def test_next_shift(tz: str, after: datetime, expected: datetime) -> None:
    assert HOURS.next_shift(after, tz) == expected


@settings(max_examples=300, deadline=None)
@given(after=instants_2026, tz=any_zone, hours=hours_cases)
def test_next_shift_is_the_next_beginning_after_a_break(
    after: datetime, tz: str, hours: WorkingHours
) -> None:
    start = hours.next_shift(after, tz)
    assert hours.contains(start, tz)
    assert not hours.contains(start - timedelta(seconds=1), tz)
    if hours.contains(after, tz):
        assert start > after
    else:
        assert start == hours.next_start(after, tz)
