"""Fair deadlines: a time of day that suits the most people, and a schedule spread over days.

Pure: no clock reads and no I/O. Zones are IANA names read through ``when.zone``; every
datetime returned is aware and in UTC.

Rules this module keeps:
- A team is described by ``Zones``: each zone its members live in with how many live
  there, sorted by name (``zones_of``). A zone name that is unknown or malformed counts
  as ``UTC``, as ``when.zone`` reads it.
- ``fair_time`` picks one moment of the facilitator's local calendar day. The candidates
  are every 30 minutes from the facilitator's local midnight up to the next one (counted
  on the real clock, so a day the clocks go forward an hour has 46 and back an hour 50; a
  midnight the clocks skip starts the day at the moment they jump past it). The winner is
  the candidate at which the most members are inside their working hours (each member in
  their own zone: ``WorkingHours``, 09:00-18:00 on weekdays by default). Ties go to the
  candidate nearest the facilitator's 16:00 on the wall clock (distance measured round
  the 24-hour dial), then to the earlier moment. With nobody in the channel, it is the
  facilitator's 16:00. Only these half-hours are considered: a stretch shorter than 30
  minutes that falls between them (possible with +05:45 or +12:45 zones) is not seen.
- Working days are the days of ``WorkingHours.weekdays`` on a local calendar;
  ``working_days`` counts them strictly after the local date of a moment.
- ``spread`` gives each stage of ``SCHEDULED`` one deadline on the facilitator's working
  days: ``days`` working days starting the working day after ``start``, split by
  ``WEIGHTS`` (stage k ends on working day ``round(days * weights up to k / all weights)``,
  rounded half up, at least one day after the stage before it and leaving one day for
  each stage after it; voting ends on the last day), each at ``fair_time`` of its day.
  The deadlines are strictly increasing. ``days`` must be within ``MIN_DAYS`` and
  ``MAX_DAYS``; otherwise ``Rejected``.
- ``next_working_fair_time`` is a deadline moved on by one working day: the fair time of
  the first working day after the local date of ``after``.
- ``parse_span`` reads how long a workshop runs (``2 weeks``, ``10 working days``) as a
  number of working days, a week being 5; ``split_over`` finds such a span after the
  last `` over `` of ``/storymap start`` text, and never raises.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from bot.domain.errors import Rejected
from bot.domain.model import Stage
from bot.domain.text import normalise
from bot.domain.when import WorkingHours, echoed, local_date, next_local_time, zone

#: The stages a schedule gives a deadline to, in order, and their share of the working days.
SCHEDULED: Final[tuple[Stage, ...]] = (
    Stage.PERSONA,
    Stage.ACTIVITIES,
    Stage.TASKS,
    Stage.STORIES,
    Stage.VOTING,
)
WEIGHTS: Final[dict[Stage, int]] = {
    Stage.PERSONA: 1,
    Stage.ACTIVITIES: 1,
    Stage.TASKS: 2,
    Stage.STORIES: 3,
    Stage.VOTING: 3,
}
#: One working day per scheduled stage at least.
MIN_DAYS: Final = 5
#: Twelve weeks of working days, so every deadline stays within ``when.MAX_AHEAD``.
MAX_DAYS: Final = 60
#: The working days in a week, for spans given in weeks.
WEEK: Final = 5

#: Working hours when none are given: 09:00-18:00, Monday to Friday, in each person's zone.
OFFICE_HOURS: Final = WorkingHours()

#: Each zone the channel's members live in, with how many live there, sorted by name.
Zones = tuple[tuple[str, int], ...]

_STEP: Final = timedelta(minutes=30)
_AFTERNOON: Final = 16 * 60  # the facilitator's 16:00, in minutes of the wall clock
_DIAL: Final = 24 * 60
_NUMBERS: Final[dict[str, int]] = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
}
_SPAN: Final = re.compile(
    r"^(?:(?P<digits>\d{1,4})\s*|(?P<word>[a-z]+)\s+)"
    r"(?:(?:working|business|work)\s+)?(?P<unit>days?|weeks?)$"
)
_OVER: Final = re.compile(r"(?<=\s)over(?=\s)", re.IGNORECASE)
_EXAMPLE: Final = "`over 2 weeks`"


def zones_of(tzs: Iterable[str]) -> Zones:
    """How many people live in each zone of ``tzs``; unknown names count as ``UTC``."""
    counts = Counter(name if isinstance(zone(name), ZoneInfo) else "UTC" for name in tzs)
    return tuple(sorted(counts.items()))


def members_working(at: datetime, zones: Zones, hours: WorkingHours = OFFICE_HOURS) -> int:
    """How many members are inside their working hours at ``at``, each in their own zone."""
    return sum(count for tz, count in zones if hours.contains(at, tz))


def fair_time(
    day: date, zones: Zones, facilitator_tz: str, hours: WorkingHours = OFFICE_HOURS
) -> datetime:
    """The moment of the facilitator's local ``day`` that suits the most members.

    See the module docstring for the candidates and the tie-break. Raises ``ValueError``
    only for a date that does not exist on the facilitator's calendar (a day skipped
    when a zone moved across the date line).
    """
    z = zone(facilitator_tz)

    def rank(at: datetime) -> tuple[int, int, datetime]:
        local = at.astimezone(z)
        away = abs(local.hour * 60 + local.minute - _AFTERNOON)
        return (-members_working(at, zones, hours), min(away, _DIAL - away), at)

    candidates = [at for at in _half_hours(day, facilitator_tz) if at.astimezone(z).date() == day]
    if not candidates:
        raise ValueError(f"{day} is not a day on the calendar of {facilitator_tz}")
    return min(candidates, key=rank)


def working_days(
    after: datetime, tz: str, count: int, hours: WorkingHours = OFFICE_HOURS
) -> tuple[date, ...]:
    """The next ``count`` working days strictly after the local date of ``after`` in ``tz``."""
    if count < 0:
        raise ValueError(f"count must not be negative, got {count}")
    days: list[date] = []
    day = local_date(after, tz)
    while len(days) < count:
        day += timedelta(days=1)
        if day.weekday() in hours.weekdays:
            days.append(day)
    return tuple(days)


def spread(
    start: datetime,
    days: int,
    zones: Zones,
    facilitator_tz: str,
    hours: WorkingHours = OFFICE_HOURS,
    *,
    stages: tuple[Stage, ...] = SCHEDULED,
) -> tuple[datetime, ...]:
    """One deadline per stage of ``stages`` (``SCHEDULED`` or its tail: a workshop planned
    after it started) over ``days`` working days after ``start``.

    See the module docstring for how the days are shared; refuses (``Rejected``) a number
    of days outside ``check_days``'s range.
    """
    check_days(days, stages)
    calendar = working_days(start, facilitator_tz, days, hours)
    return tuple(
        fair_time(calendar[number - 1], zones, facilitator_tz, hours)
        for number in _stage_days(days, stages)
    )


def check_days(days: int, stages: tuple[Stage, ...] = SCHEDULED) -> None:
    """Refuse (``Rejected``) a schedule of ``days`` working days for ``stages``: one
    working day per stage at least, ``MAX_DAYS`` at most."""
    _check_range(days, _days_text(days), len(stages))


def next_working_fair_time(
    after: datetime, zones: Zones, facilitator_tz: str, hours: WorkingHours = OFFICE_HOURS
) -> datetime:
    """The fair time of the first working day after the local date of ``after``."""
    (day,) = working_days(after, facilitator_tz, 1, hours)
    return fair_time(day, zones, facilitator_tz, hours)


def parse_span(text: str) -> int:
    """How many working days ``text`` (what follows ``over``) names: ``2 weeks`` is 10.

    Reads ``N day(s)``, ``N week(s)`` (5 working days each), with ``N`` a number, ``a``,
    ``an`` or a word from ``one`` to ``ten``, and optionally ``working``, ``business`` or
    ``work`` before the unit; any case and spacing, and a closing full stop. Refuses
    (``Rejected``) anything else, and a span outside ``MIN_DAYS``..``MAX_DAYS`` working days.
    """
    flat = _flat(text)
    if not flat:
        raise Rejected(
            f"Say how long the workshop runs after `over`, e.g. {_EXAMPLE} or `over 10 days`."
        )
    days = _read_span(flat)
    if days is None:
        raise Rejected(
            f"I can't read {echoed(text)} as a length of time. Say a number of working days "
            f"or weeks, e.g. {_EXAMPLE} or `over 10 days`."
        )
    _check_range(days, f"{echoed(text)} ({_days_text(days)})")
    return days


def split_over(text: str) -> tuple[str, str | None]:
    """``"Delivery tracking over 2 weeks"`` -> ``("Delivery tracking", "2 weeks")``.

    Splits at the last `` over `` (any case, any whitespace around it) only when what
    follows reads as a span (``parse_span``'s forms, in range or not, so a span out of
    range is still refused by ``parse_span`` rather than taken into the title); otherwise
    ``(text, None)``: "Game over" and "Moving over things" stay whole, and so does text
    with nothing before ``over``. Both parts of a split are trimmed. Never raises.
    """
    matches = list(_OVER.finditer(text))
    if not matches:
        return text, None
    last = matches[-1]
    title, span = text[: last.start()].strip(), text[last.end() :].strip()
    if not title or _read_span(_flat(span)) is None:
        return text, None
    return title, span


# --- helpers -------------------------------------------------------------------------------


def _half_hours(day: date, tz: str) -> list[datetime]:
    """Every 30 minutes of real time from local midnight of ``day`` to the next one."""
    noon_before = datetime.combine(day - timedelta(days=1), time(12), tzinfo=zone(tz))
    start = next_local_time(noon_before.astimezone(UTC), tz, 0)
    end = next_local_time(start, tz, 0)
    at, found = start, []
    while at < end:
        found.append(at)
        at += _STEP
    return found


def _stage_days(days: int, stages: tuple[Stage, ...] = SCHEDULED) -> tuple[int, ...]:
    """The working day (1-based) each of ``stages`` ends on, out of ``days``."""
    total = sum(WEIGHTS[stage] for stage in stages)
    numbers: list[int] = []
    cumulative = 0
    for index, stage in enumerate(stages):
        cumulative += WEIGHTS[stage]
        share = (2 * days * cumulative + total) // (2 * total)  # rounded half up
        left = len(stages) - 1 - index
        previous = numbers[-1] if numbers else 0
        numbers.append(max(previous + 1, min(share, days - left)))
    return tuple(numbers)


def _read_span(flat: str) -> int | None:
    """Working days in ``flat`` (see ``_flat``); ``None`` when it is not a span."""
    match = _SPAN.match(flat)
    if match is None:
        return None
    digits = match["digits"]
    number = int(digits) if digits is not None else _NUMBERS.get(match["word"])
    if number is None:
        return None
    return number * (WEEK if match["unit"].startswith("week") else 1)


def _check_range(days: int, said: str, stages: int = len(SCHEDULED)) -> None:
    """Refuses a schedule of ``days`` working days for ``stages`` stages: fewer days than
    stages (``MIN_DAYS`` for a whole workshop), or more than ``MAX_DAYS``."""
    if days < stages:
        raise Rejected(
            f"{said} is too short for a schedule: it needs a working day for each of its "
            f"{stages} stages, {stages} at least. Try {_EXAMPLE}."
        )
    if days > MAX_DAYS:
        raise Rejected(
            f"{said} is too long for a schedule: it runs {MAX_DAYS} working days "
            f"(twelve weeks) at most. Try {_EXAMPLE}."
        )


def _flat(text: str) -> str:
    """``text`` as spans are read: normalised, lower case, without a closing full stop."""
    return normalise(text).lower().rstrip(".!").rstrip()


def _days_text(days: int) -> str:
    return f"{days} working day{'' if days == 1 else 's'}"
