"""Fair deadlines and schedules, checked against times worked out by hand.

The clock changes these tests lean on (2027):

- US: Sun 14 Mar 02:00 -> 03:00 (10:00 UTC), Sun 7 Nov 02:00 -> 01:00 (09:00 UTC);
- EU: Sun 28 Mar 02:00 -> 03:00 (01:00 UTC), Sun 31 Oct 03:00 -> 02:00 (01:00 UTC).

Working hours are counted here by a small function of the tests' own (``working``), and
the instants of a local day are found by scanning UTC in 15-minute steps, so the tests do
not repeat the module's arithmetic.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.errors import Rejected
from bot.domain.fair import (
    MAX_DAYS,
    MIN_DAYS,
    SCHEDULED,
    WEIGHTS,
    Zones,
    fair_time,
    members_working,
    next_working_fair_time,
    parse_span,
    split_over,
    spread,
    working_days,
    zones_of,
)
from bot.domain.model import Stage
from bot.domain.when import WorkingHours

LA, BERLIN, KOLKATA = "America/Los_Angeles", "Europe/Berlin", "Asia/Kolkata"
#: One person in each: the README's example team.
TEAM: Zones = ((LA, 1), (KOLKATA, 1), (BERLIN, 1))
ZONES = (
    "Africa/Cairo",
    "Africa/Johannesburg",
    "Africa/Lagos",
    "Africa/Nairobi",
    "America/Argentina/Buenos_Aires",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Mexico_City",
    "America/New_York",
    "America/Santiago",
    "America/Sao_Paulo",
    "America/St_Johns",
    "Asia/Dubai",
    "Asia/Kathmandu",
    "Asia/Kolkata",
    "Asia/Shanghai",
    "Asia/Singapore",
    "Asia/Tehran",
    "Asia/Tokyo",
    "Australia/Adelaide",
    "Australia/Lord_Howe",
    "Australia/Sydney",
    "Europe/Berlin",
    "Europe/Istanbul",
    "Europe/London",
    "Europe/Moscow",
    "Pacific/Auckland",
    "Pacific/Chatham",
    "Pacific/Honolulu",
    "UTC",
)
#: Days some of ZONES change their clocks, mixed into the random days.
CHANGE_DAYS = (
    date(2027, 3, 14),
    date(2027, 3, 28),
    date(2027, 4, 4),
    date(2027, 9, 26),
    date(2027, 10, 31),
    date(2027, 11, 7),
    date(2026, 4, 5),
    date(2026, 9, 6),
)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def working(at: datetime, zones: Zones) -> int:
    """Members inside 09:00-18:00 on a weekday, each on their own wall clock."""
    total = 0
    for tz, count in zones:
        local = at.astimezone(ZoneInfo(tz))
        if local.weekday() < 5 and time(9) <= local.time() < time(18):
            total += count
    return total


def instants_of(day: date, tz: str, minutes: tuple[int, ...]) -> Iterator[datetime]:
    """Every instant of ``day`` in ``tz`` whose local minute is one of ``minutes``."""
    at = utc(day.year, day.month, day.day) - timedelta(days=1)
    while at < utc(day.year, day.month, day.day) + timedelta(days=2):
        local = at.astimezone(ZoneInfo(tz))
        if local.date() == day and local.minute in minutes and local.second == 0:
            yield at
        at += timedelta(minutes=15)


def local(at: datetime, tz: str) -> str:
    return at.astimezone(ZoneInfo(tz)).strftime("%a %d %b %H:%M")


# --- the zone data and the team ------------------------------------------------------------


@pytest.mark.parametrize(
    ("tz", "change", "before", "after"),
    [
        pytest.param(LA, utc(2027, 3, 14, 10), -8, -7, id="LA-forward"),
        pytest.param(LA, utc(2027, 11, 7, 9), -7, -8, id="LA-back"),
        pytest.param(BERLIN, utc(2027, 3, 28, 1), 1, 2, id="Berlin-forward"),
        pytest.param(BERLIN, utc(2027, 10, 31, 1), 2, 1, id="Berlin-back"),
    ],
)
def test_the_systems_tzdata_knows_2027s_changes(
    tz: str, change: datetime, before: int, after: int
) -> None:
    """If this fails the system's tzdata is missing or stale, and so is everything below."""
    offset = (change - timedelta(seconds=1)).astimezone(ZoneInfo(tz)).utcoffset()
    assert offset == timedelta(hours=before)
    assert change.astimezone(ZoneInfo(tz)).utcoffset() == timedelta(hours=after)


def test_zones_of_counts_people_per_zone_sorted_and_reads_bad_names_as_utc() -> None:
    tzs = [BERLIN, LA, "Mars/Olympus_Mons", BERLIN, "", "UTC", KOLKATA, "../etc/passwd"]
    assert zones_of(tzs) == ((LA, 1), (KOLKATA, 1), (BERLIN, 2), ("UTC", 4))
    assert zones_of([]) == ()


def test_members_working_weighs_each_zone_by_its_people() -> None:
    zones: Zones = ((KOLKATA, 3), (BERLIN, 2), (LA, 1))
    # Tue 1 Dec 2026 10:00 UTC: Berlin 11:00, Kolkata 15:30, LA 02:00.
    assert members_working(utc(2026, 12, 1, 10), zones) == 5
    # 17:00 UTC: Berlin 18:00 (done), Kolkata 22:30, LA 09:00.
    assert members_working(utc(2026, 12, 1, 17), zones) == 1
    # Sat 5 Dec 10:00 UTC: nobody works on Saturday.
    assert members_working(utc(2026, 12, 5, 10), zones) == 0
    # Custom hours: Berlin people who work Saturdays.
    saturdays = WorkingHours(weekdays=frozenset({5}))
    assert members_working(utc(2026, 12, 5, 10), zones, saturdays) == 5


# --- the fair time of a day ----------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(
    zones=st.dictionaries(
        st.sampled_from(ZONES), st.integers(min_value=1, max_value=5), min_size=0, max_size=8
    ),
    day=st.one_of(
        st.dates(min_value=date(2026, 1, 1), max_value=date(2028, 12, 31)),
        st.sampled_from(CHANGE_DAYS),
    ),
    facilitator=st.sampled_from(ZONES),
)
def test_the_fair_time_suits_at_least_as_many_members_as_any_hour_or_half_hour(
    zones: dict[str, int], day: date, facilitator: str
) -> None:
    team: Zones = tuple(sorted(zones.items()))
    chosen = fair_time(day, team, facilitator)
    assert chosen.tzinfo is UTC
    assert chosen.astimezone(ZoneInfo(facilitator)).date() == day
    best = working(chosen, team)
    hours = list(instants_of(day, facilitator, (0,)))
    assert 23 <= len(hours) <= 25
    assert all(best >= working(at, team) for at in hours)
    half_hours = list(instants_of(day, facilitator, (0, 30)))
    assert 46 <= len(half_hours) <= 50
    assert chosen in half_hours
    assert best == max(working(at, team) for at in half_hours)


def test_the_team_in_los_angeles_berlin_and_bangalore_in_winter() -> None:
    # Tue 1 Dec 2026: LA is UTC-8, Berlin UTC+1, Kolkata UTC+05:30. In UTC they work
    # LA 17:00-02:00, Berlin 08:00-17:00, Kolkata 03:30-12:30: LA overlaps neither, so
    # at most two work at once, Berlin and Kolkata, 08:00-12:30 UTC. Of the facilitator's
    # (LA's) Tuesday that is 00:00-04:30 PST; its half-hours nearest 16:00 on the dial are
    # 00:00 (8 hours away; 04:00 is 12 hours away). So 08:00 UTC: 09:00 in Berlin,
    # 13:30 in Bangalore, midnight starting Tuesday in Los Angeles.
    chosen = fair_time(date(2026, 12, 1), TEAM, LA)
    assert chosen == utc(2026, 12, 1, 8)
    assert members_working(chosen, TEAM) == 2
    assert local(chosen, BERLIN) == "Tue 01 Dec 09:00"
    assert local(chosen, KOLKATA) == "Tue 01 Dec 13:30"
    assert local(chosen, LA) == "Tue 01 Dec 00:00"


def test_the_team_in_los_angeles_berlin_and_bangalore_in_summer() -> None:
    # Tue 15 Jun 2027, after both spring changes: LA is UTC-7, Berlin UTC+2, Kolkata
    # still UTC+05:30. In UTC: LA 16:00-01:00, Berlin 07:00-16:00, Kolkata 03:30-12:30.
    # Berlin and Kolkata overlap 07:00-12:30 UTC, which is 00:00-05:30 PDT; nearest 16:00
    # on the dial is 00:00. So 07:00 UTC: 09:00 in Berlin, 12:30 in Bangalore.
    chosen = fair_time(date(2027, 6, 15), TEAM, LA)
    assert chosen == utc(2027, 6, 15, 7)
    assert local(chosen, BERLIN) == "Tue 15 Jun 09:00"
    assert local(chosen, KOLKATA) == "Tue 15 Jun 12:30"


def test_a_tie_goes_to_the_half_hour_nearest_the_facilitators_afternoon() -> None:
    # Facilitator in Tokyo (UTC+9, no clock changes), one member in Berlin (UTC+1 in
    # December). Berlin works 08:00-17:00 UTC. Tokyo's Tue 1 Dec runs from Mon 15:00 UTC:
    # Berlin works at Tokyo 00:00-01:30 (Monday afternoon in Berlin) and again from
    # Tokyo 17:00 (Tuesday 09:00 in Berlin) to the end of the day. Nearest 16:00: 17:00.
    chosen = fair_time(date(2026, 12, 1), ((BERLIN, 1),), "Asia/Tokyo")
    assert chosen == utc(2026, 12, 1, 8)
    assert local(chosen, "Asia/Tokyo") == "Tue 01 Dec 17:00"


def test_the_distance_to_the_afternoon_goes_round_the_dial() -> None:
    # In the winter team above the best window is 00:00-04:30 PST. Measured straight,
    # 04:00 (12 h from 16:00) is nearer than 00:00 (16 h); round the dial 00:00 is 8 h.
    assert local(fair_time(date(2026, 12, 1), TEAM, LA), LA) == "Tue 01 Dec 00:00"


def test_an_even_tie_goes_to_the_earlier_moment() -> None:
    # Working hours 12:00-12:30: a member in UTC works at 12:00 UTC, one in Etc/GMT+8
    # (UTC-8) at 20:00 UTC. For a facilitator in UTC both are 4 hours from 16:00.
    lunch = WorkingHours(start=time(12), end=time(12, 30))
    zones: Zones = (("Etc/GMT+8", 1), ("UTC", 1))
    assert fair_time(date(2026, 12, 1), zones, "UTC", lunch) == utc(2026, 12, 1, 12)


@pytest.mark.parametrize(
    ("day", "tz", "expected"),
    [
        pytest.param(date(2026, 12, 1), BERLIN, utc(2026, 12, 1, 15), id="Berlin-winter"),
        pytest.param(date(2027, 7, 6), BERLIN, utc(2027, 7, 6, 14), id="Berlin-summer"),
        pytest.param(date(2027, 3, 14), LA, utc(2027, 3, 14, 23), id="LA-spring-forward"),
        pytest.param(date(2027, 12, 7), KOLKATA, utc(2027, 12, 7, 10, 30), id="Kolkata"),
        pytest.param(date(2027, 12, 7), "Nowhere/Atlantis", utc(2027, 12, 7, 16), id="unknown"),
    ],
)
def test_with_nobody_in_the_channel_it_is_16_00_facilitator_time(
    day: date, tz: str, expected: datetime
) -> None:
    assert fair_time(day, (), tz) == expected


def test_a_day_the_clocks_go_back_has_25_hours_and_the_last_counts() -> None:
    # LA's Sun 7 Nov 2027 runs from 00:00 PDT (07:00 UTC) to Monday 00:00 PST (08:00 UTC
    # Monday). A member in Athens (UTC+2 in November) starts Monday at 07:00 UTC: 23:00
    # PST, in the 25th hour of LA's Sunday. Nobody works on Sunday otherwise.
    chosen = fair_time(date(2027, 11, 7), (("Europe/Athens", 1),), LA)
    assert chosen == utc(2027, 11, 8, 7)
    assert local(chosen, LA) == "Sun 07 Nov 23:00"


def test_a_day_the_clocks_go_forward_has_23_hours_and_ends_at_midnight() -> None:
    # LA's Sun 14 Mar 2027 runs from 08:00 UTC to 07:00 UTC Monday (00:00 PDT). Athens
    # (UTC+2 in March) starts Monday at 07:00 UTC: that is Monday in LA, not Sunday, so
    # nobody works on LA's Sunday and the afternoon decides: 16:00 PDT, 23:00 UTC.
    assert fair_time(date(2027, 3, 14), (("Europe/Athens", 1),), LA) == utc(2027, 3, 14, 23)


# --- working days --------------------------------------------------------------------------


def test_working_days_skip_weekends_on_the_local_calendar() -> None:
    # Sat 5 Dec 2026 03:00 UTC is still Friday 4 Dec 19:00 in LA: the days after Friday.
    assert working_days(utc(2026, 12, 5, 3), LA, 3) == (
        date(2026, 12, 7),
        date(2026, 12, 8),
        date(2026, 12, 9),
    )
    # The same instant is Saturday in Berlin: Monday is still the first.
    assert working_days(utc(2026, 12, 5, 3), BERLIN, 1) == (date(2026, 12, 7),)
    # From a Wednesday: Thursday, Friday, Monday.
    assert working_days(utc(2026, 12, 2, 12), BERLIN, 3) == (
        date(2026, 12, 3),
        date(2026, 12, 4),
        date(2026, 12, 7),
    )
    assert working_days(utc(2026, 12, 2, 12), BERLIN, 0) == ()


def test_working_days_follow_the_given_weekdays() -> None:
    sunday_to_thursday = WorkingHours(weekdays=frozenset({6, 0, 1, 2, 3}))
    assert working_days(utc(2026, 12, 3, 12), "Asia/Jerusalem", 2, sunday_to_thursday) == (
        date(2026, 12, 6),
        date(2026, 12, 7),
    )


# --- a schedule ----------------------------------------------------------------------------


def test_the_weights_cover_the_scheduled_stages() -> None:
    assert SCHEDULED == (Stage.PERSONA, Stage.ACTIVITIES, Stage.TASKS, Stage.STORIES, Stage.VOTING)
    assert [WEIGHTS[stage] for stage in SCHEDULED] == [1, 1, 2, 3, 3]
    assert (MIN_DAYS, MAX_DAYS) == (5, 60)


def test_a_schedule_over_march_2027s_clock_changes() -> None:
    # LA facilitator, one member in LA and one in Berlin, started Fri 5 Mar 2027 (LA).
    # 20 working days: Mon 8 Mar to Fri 2 Apr. Stages end on working days
    # round(20 * 1/10, 2/10, 4/10, 7/10, 10/10) = 2, 4, 8, 14, 20:
    # Tue 9, Thu 11, Wed 17, Thu 25 Mar and Fri 2 Apr.
    # - 9 and 11 Mar (LA UTC-8, Berlin UTC+1): LA works 17:00-02:00 UTC and Berlin
    #   08:00-17:00 UTC, never together; one of them works from 00:00 to 18:00 PST, so
    #   the afternoon decides: 16:00 PST = 00:00 UTC the next day.
    # - 17 and 25 Mar (LA UTC-7 since 14 Mar, Berlin still UTC+1): LA works 16:00-01:00
    #   UTC, Berlin until 17:00 UTC: both 16:00-17:00 UTC = 09:00-10:00 PDT; of 09:00 and
    #   09:30 PDT, 09:30 is nearer 16:00: 16:30 UTC (17:30 in Berlin).
    # - 2 Apr (Berlin UTC+2 since 28 Mar): Berlin works 07:00-16:00 UTC, LA from 16:00
    #   UTC: never together again: 16:00 PDT = 23:00 UTC.
    zones: Zones = ((LA, 1), (BERLIN, 1))
    deadlines = spread(utc(2027, 3, 5, 20), 20, zones, LA)
    assert deadlines == (
        utc(2027, 3, 10, 0),
        utc(2027, 3, 12, 0),
        utc(2027, 3, 17, 16, 30),
        utc(2027, 3, 25, 16, 30),
        utc(2027, 4, 2, 23),
    )
    assert [local(at, LA) for at in deadlines] == [
        "Tue 09 Mar 16:00",
        "Thu 11 Mar 16:00",
        "Wed 17 Mar 09:30",
        "Thu 25 Mar 09:30",
        "Fri 02 Apr 16:00",
    ]
    assert list(deadlines) == sorted(set(deadlines))
    for at in deadlines:
        day = at.astimezone(ZoneInfo(LA)).date()
        assert day.weekday() < 5
        possible = max(working(moment, zones) for moment in instants_of(day, LA, (0, 15, 30, 45)))
        assert working(at, zones) == possible


@pytest.mark.parametrize(
    ("days", "numbers"),
    [
        (5, (1, 2, 3, 4, 5)),
        (7, (1, 2, 3, 5, 7)),
        (10, (1, 2, 4, 7, 10)),
        (15, (2, 3, 6, 11, 15)),  # 1.5 and 10.5 round up
        (60, (6, 12, 24, 42, 60)),
    ],
)
def test_a_schedule_shares_the_working_days_by_weight(days: int, numbers: tuple[int, ...]) -> None:
    # Facilitator and everyone in UTC, started Sun 3 Jan 2027: working day n is the n-th
    # weekday from Mon 4 Jan, and every deadline is 16:00 UTC (all work 09:00-18:00).
    team: Zones = (("UTC", 2),)
    calendar = [date(2027, 1, 4) + timedelta(days=n) for n in range(100)]
    weekdays = [day for day in calendar if day.weekday() < 5]
    deadlines = spread(utc(2027, 1, 3, 12), days, team, "UTC")
    assert deadlines == tuple(datetime.combine(weekdays[n - 1], time(16), UTC) for n in numbers)


@pytest.mark.parametrize(
    ("days", "message"),
    [
        (
            4,
            "4 working days is too short for a schedule: it needs a working "
            "day for each of its 5 stages, 5 at least. Try `over 2 weeks`.",
        ),
        (
            61,
            "61 working days is too long for a schedule: it runs 60 working "
            "days (twelve weeks) at most. Try `over 2 weeks`.",
        ),
        (
            0,
            "0 working days is too short for a schedule: it needs a working "
            "day for each of its 5 stages, 5 at least. Try `over 2 weeks`.",
        ),
    ],
)
def test_a_schedule_too_short_or_too_long_is_refused(days: int, message: str) -> None:
    with pytest.raises(Rejected) as refused:
        spread(utc(2027, 1, 4), days, (), "UTC")
    assert refused.value.message == message


def test_a_deadline_moved_on_lands_on_the_next_working_days_fair_time() -> None:
    # Fri 12 Mar 2027 00:00 UTC is Thu 11 Mar 16:00 PST: the next working day is Friday.
    zones: Zones = ((LA, 1), (BERLIN, 1))
    assert next_working_fair_time(utc(2027, 3, 12), zones, LA) == utc(2027, 3, 13, 0)
    # Fri 12 Mar 16:00 PST: Monday 15 Mar, after the US change: 09:30 PDT (see above).
    assert next_working_fair_time(utc(2027, 3, 13), zones, LA) == utc(2027, 3, 15, 16, 30)


# --- spans ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("2 weeks", 10),
        ("1 week", 5),
        ("a week", 5),
        ("one week", 5),
        ("Two Weeks", 10),
        ("  ten  weeks  ", 50),
        ("12 weeks", 60),
        ("5 days", 5),
        ("8 day", 8),
        ("10 working days", 10),
        ("15 Business Days", 15),
        ("3 work weeks", 15),
        ("2weeks", 10),
        ("2 weeks.", 10),
        ("60 days", 60),
    ],
)
def test_a_span_reads_as_working_days(text: str, days: int) -> None:
    assert parse_span(text) == days


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "fortnight",
            "I can't read “fortnight” as a length of time. Say a number of working days or "
            "weeks, e.g. `over 2 weeks` or `over 10 days`.",
        ),
        (
            "2 months",
            "I can't read “2 months” as a length of time. Say a number of working days or "
            "weeks, e.g. `over 2 weeks` or `over 10 days`.",
        ),
        (
            "eleven weeks",
            "I can't read “eleven weeks” as a length of time. Say a number of working days "
            "or weeks, e.g. `over 2 weeks` or `over 10 days`.",
        ),
        (
            "twoweeks",
            "I can't read “twoweeks” as a length of time. Say a number of working days or "
            "weeks, e.g. `over 2 weeks` or `over 10 days`.",
        ),
        (
            "<!channel> weeks",
            "I can't read “&lt;!channel&gt; weeks” as a length of time. Say a number of "
            "working days or weeks, e.g. `over 2 weeks` or `over 10 days`.",
        ),
        (
            "   ",
            "Say how long the workshop runs after `over`, e.g. `over 2 weeks` or `over 10 days`.",
        ),
        (
            "3 days",
            "“3 days” (3 working days) is too short for a schedule: it needs a working day "
            "for each of its 5 stages, 5 at least. Try `over 2 weeks`.",
        ),
        (
            "a day",
            "“a day” (1 working day) is too short for a schedule: it needs a working day "
            "for each of its 5 stages, 5 at least. Try `over 2 weeks`.",
        ),
        (
            "13 weeks",
            "“13 weeks” (65 working days) is too long for a schedule: it runs 60 working "
            "days (twelve weeks) at most. Try `over 2 weeks`.",
        ),
        (
            "0 weeks",
            "“0 weeks” (0 working days) is too short for a schedule: it needs a working day "
            "for each of its 5 stages, 5 at least. Try `over 2 weeks`.",
        ),
    ],
)
def test_a_bad_span_is_refused_saying_what_was_read(text: str, message: str) -> None:
    with pytest.raises(Rejected) as refused:
        parse_span(text)
    assert refused.value.message == message


@pytest.mark.parametrize(
    ("text", "split"),
    [
        ("Delivery tracking over 2 weeks", ("Delivery tracking", "2 weeks")),
        ("Delivery tracking OVER ten working days ", ("Delivery tracking", "ten working days")),
        ("Game over", ("Game over", None)),
        ("Moving over things", ("Moving over things", None)),
        ("Takeover 2 weeks", ("Takeover 2 weeks", None)),
        ("Hand over a week", ("Hand", "a week")),
        ("Start over over 3 weeks", ("Start over", "3 weeks")),
        ("Over and over again", ("Over and over again", None)),
        ("Weeks over weeks over plans", ("Weeks over weeks over plans", None)),
        # A readable span out of range is still split off, so parse_span refuses it.
        ("Sprint over 3 days", ("Sprint", "3 days")),
        ("over 2 weeks", ("over 2 weeks", None)),
        ("", ("", None)),
    ],
)
def test_split_over_takes_a_span_only_after_the_last_over(
    text: str, split: tuple[str, str | None]
) -> None:
    assert split_over(text) == split
