"""Times people type and read: deadlines, Slack date tokens, working hours, local days.

Pure: no clock reads and no I/O; ``now`` is always passed in, as an aware datetime.
Zones are IANA names (Slack's ``users.info`` ``tz``) read with the stdlib ``zoneinfo``.

Rules:
- Every datetime this module returns is aware and in UTC. Naive datetimes passed in are
  a programming error (``ValueError``), never read as some default zone.
- An unknown or malformed zone name falls back to UTC instead of failing the user
  (``zone``): a bad profile setting must not block a workshop.
- Local wall-clock times that happen twice (clocks go back) mean the *first* occurrence,
  for deadlines and for daily times (``next_local_time`` comes once per local day).
  Local times that never happen (clocks go forward):
  - a deadline typed at such a time is refused, naming the skipped hour;
  - a daily time or a working day's start uses the moment the clocks jump past it
    (02:30 on a 02:00 -> 03:00 night is 03:00 new time): the earliest moment whose local
    time is at or after the one asked for.
- ``parse_when`` reads, case-insensitively and with any spacing, an optional leading
  ``by``/``on``/``until``, then one of:
  - ``today``/``tomorrow``, a weekday (``friday``, ``fri``, ``this friday``,
    ``next friday``) or an ISO date (``2026-12-01``), optionally followed by
    ``[at] <time>``. Without a time the deadline is 17:00 local (the end of a working day).
    A bare weekday is today if that time is still ahead today, otherwise the next such day;
    ``next <weekday>`` is the next such day strictly after today (on a Thursday,
    ``next friday`` is tomorrow).
  - a time alone (``17:00``, ``5pm``): today if still ahead, otherwise tomorrow.
  - ``in <n> <unit>`` with unit minutes, hours, days or weeks (``in 90 minutes``,
    ``in 2 days``, ``in a week``): elapsed time added to ``now``, so across a clock change
    ``in 2 days`` lands an hour off the same local clock time.
  - an ISO date-time ``2026-12-01T17:00`` (local), or with an offset or ``Z``
    (``2026-12-01T17:00+01:00``, ``2026-12-01 16:00Z``: the instant as given).
  Times are ``17:00``, ``9:30``, ``9am``, ``5:30 pm``, ``noon``, or a bare hour from 13 to 23
  (``friday 17``); a bare hour from 1 to 12 (``friday 5``) is refused as ambiguous.
  A deadline must be after ``now`` and at most ``MAX_AHEAD`` (90 days) after it.
  Every refusal is a ``Rejected`` whose message shows examples in backticks, ready to copy.
- ``slack_date`` renders Slack's ``<!date^…>`` token so each reader sees their own local
  time; its fallback text (shown where the token can't be rendered) is spelled in English
  by this module, never by the process locale.
- ``WorkingHours`` are local wall-clock hours ``[start, end)`` on some weekdays
  (Monday = 0), ``start < end`` (no windows over midnight). Whether a moment is working
  time depends only on its local wall clock, so an hour repeated as the clocks go back
  is working time both times round; ``next_start`` is the earliest working moment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.domain.errors import Rejected
from bot.domain.text import normalise, quoted

#: How far ahead a deadline may be.
MAX_AHEAD: Final = timedelta(days=90)
#: The local time a day given without a time of day means.
DEFAULT_TIME: Final = time(17, 0)

_DAY_NAMES: Final = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTH_NAMES: Final = (
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
)
_WEEKDAYS: Final[dict[str, int]] = {
    **dict.fromkeys(("monday", "mon"), 0),
    **dict.fromkeys(("tuesday", "tue", "tues"), 1),
    **dict.fromkeys(("wednesday", "wed"), 2),
    **dict.fromkeys(("thursday", "thu", "thur", "thurs"), 3),
    **dict.fromkeys(("friday", "fri"), 4),
    **dict.fromkeys(("saturday", "sat"), 5),
    **dict.fromkeys(("sunday", "sun"), 6),
}
_UNITS: Final[dict[str, timedelta]] = {
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes"), timedelta(minutes=1)),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), timedelta(hours=1)),
    **dict.fromkeys(("d", "day", "days"), timedelta(days=1)),
    **dict.fromkeys(("w", "wk", "wks", "week", "weeks"), timedelta(weeks=1)),
}

_TIME = r"(?:(?P<hour>\d{1,2})(?:[:.](?P<minute>\d{2}))?\s*(?P<half>am|pm)?|(?P<noon>noon|midday))"
_DATE = r"(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})"
_DAY_AND_TIME: Final = re.compile(
    rf"^(?:(?P<which>next|this)\s+)?(?P<dayword>[a-z]+|{_DATE})(?:\s+(?:at\s+)?{_TIME})?$"
)
_TIME_ONLY: Final = re.compile(rf"^(?:at\s+)?{_TIME}$")
_ISO_INSTANT: Final = re.compile(
    rf"^{_DATE}[t ](?P<hour>\d{{1,2}}):(?P<minute>\d{{2}})(?::(?P<second>\d{{2}}))?"
    r"\s*(?P<offset>z|utc|[+-]\d{2}(?::?\d{2})?)?$"
)
_RELATIVE: Final = re.compile(r"^in\s+(?P<amount>\d{1,5}|an?)\s*(?P<unit>[a-z]+)$")
_LEADING: Final = re.compile(r"^(?:by|on|until)\s+")
_SPACE: Final = re.compile(r"\s+")
_QUOTE_MAX: Final = 40


# --- zones and formatting ------------------------------------------------------------------


def zone(name: str) -> tzinfo:
    """The IANA zone ``name``; UTC when the name is unknown or malformed."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return UTC


def local_text(at: datetime, tz: str = "UTC") -> str:
    """``at`` on the wall clock of ``tz``, e.g. ``Tue 1 Dec 2026 17:00 CET``."""
    local = _aware(at, "at").astimezone(zone(tz))
    name = local.tzname() or "UTC"
    if name[0] in "+-":  # zones without a letter abbreviation: "+0530" -> "UTC+0530"
        name = f"UTC{name}"
    return (
        f"{_DAY_NAMES[local.weekday()]} {local.day} {_MONTH_NAMES[local.month - 1]} "
        f"{local.year} {local.hour:02d}:{local.minute:02d} {name}"
    )


def slack_date(at: datetime, fallback_tz: str = "UTC") -> str:
    """Slack's date token for ``at``: each reader sees it in their own zone and format.

    ``<!date^{unix}^{date_short_pretty} at {time}|{fallback}>``; the fallback (for clients
    that can't render the token, e.g. notifications) is ``local_text`` in ``fallback_tz``.
    """
    unix = int(_aware(at, "at").timestamp())
    return f"<!date^{unix}^{{date_short_pretty}} at {{time}}|{local_text(at, fallback_tz)}>"


# --- local days and times ------------------------------------------------------------------


def local_date(at_utc: datetime, tz: str) -> date:
    """The calendar day ``at_utc`` falls on for someone living in ``tz``."""
    return _aware(at_utc, "at_utc").astimezone(zone(tz)).date()


def next_local_time(after_utc: datetime, tz: str, hour: int, minute: int = 0) -> datetime:
    """The first moment strictly after ``after_utc`` when it is ``hour:minute`` in ``tz``.

    Once per local day: a time that happens twice counts at its first occurrence only; a
    time the clocks skip means the moment they jump past it.
    """
    after = _aware(after_utc, "after_utc").astimezone(UTC)
    z = zone(tz)
    wanted = time(hour, minute)
    day = after.astimezone(z).date() - timedelta(days=1)
    while True:  # one candidate per local day, increasing: two or three turns
        at, _ = _earliest_at_or_after(datetime.combine(day, wanted), z)
        if at > after:
            return at
        day += timedelta(days=1)


@dataclass(frozen=True)
class WorkingHours:
    """Local wall-clock hours ``[start, end)`` on ``weekdays`` (Monday = 0)."""

    start: time = time(9)
    end: time = time(18)
    weekdays: frozenset[int] = field(default_factory=lambda: frozenset({0, 1, 2, 3, 4}))

    def __post_init__(self) -> None:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("working hours are local wall-clock times, without a zone")
        if not self.start < self.end:
            raise ValueError(f"working hours must start before they end: {self}")
        if not self.weekdays or not self.weekdays <= frozenset(range(7)):
            raise ValueError(f"working days must be some of 0 (Monday) to 6: {self}")

    def contains(self, at_utc: datetime, tz: str) -> bool:
        """Whether it is working time in ``tz`` at ``at_utc``."""
        local = _aware(at_utc, "at_utc").astimezone(zone(tz))
        return local.weekday() in self.weekdays and self.start <= local.time() < self.end

    def next_start(self, after_utc: datetime, tz: str) -> datetime:
        """The earliest moment at or after ``after_utc`` that is working time in ``tz``.

        ``after_utc`` itself when it is working time; otherwise the moment working time
        next begins: usually ``start`` on the next working day, or the moment the clocks
        jump past a skipped ``start``, or go back into the working hours.
        """
        after = _aware(after_utc, "after_utc").astimezone(UTC)
        z = zone(tz)
        here = after
        # Walk stretches of constant UTC offset (at most a day long): within one, local
        # time is UTC plus that offset, so the first working moment is plain arithmetic.
        for _ in range(32):
            offset = here.astimezone(z).utcoffset() or timedelta(0)
            until = _offset_change(here, here + timedelta(days=1), z)
            local = self._first_at_or_after((here + offset).replace(tzinfo=None))
            found = (local - offset).replace(tzinfo=UTC)
            if found < until:
                return found
            here = until
        raise AssertionError(f"no working time within weeks of {after} in {tz}: {self}")

    def next_shift(self, after_utc: datetime, tz: str) -> datetime:
        """The start of the next working hours strictly after the stretch ``after_utc``
        is in (tomorrow's, or the next working day's, when ``after_utc`` is working time);
        ``next_start`` when ``after_utc`` is not working time."""
        after = _aware(after_utc, "after_utc").astimezone(UTC)
        if not self.contains(after, tz):
            return self.next_start(after, tz)
        local = after.astimezone(zone(tz))
        end = datetime.combine(local.date(), self.end, tzinfo=local.tzinfo)
        return self.next_start(max(end.astimezone(UTC), after + timedelta(seconds=1)), tz)

    def _first_at_or_after(self, local: datetime) -> datetime:
        """The first naive local time at or after ``local`` inside these hours."""
        day = local.date()
        if day.weekday() in self.weekdays and self.start <= local.time() < self.end:
            return local
        if local.time() >= self.start:
            day += timedelta(days=1)
        while day.weekday() not in self.weekdays:
            day += timedelta(days=1)
        return datetime.combine(day, self.start)


# --- deadlines -----------------------------------------------------------------------------


def parse_when(text: str, tz: str, now: datetime) -> datetime:
    """The deadline ``text`` names, read on the wall clock of ``tz``, as an aware UTC time.

    See the module docstring for the accepted forms. Refuses (``Rejected``) text it can't
    read, a date that doesn't exist, a time already past, one more than ``MAX_AHEAD`` away
    and a local time skipped by the clocks going forward; a time that happens twice (clocks
    going back) is its first occurrence; an unknown ``tz`` is read as UTC.
    """
    now = _aware(now, "now").astimezone(UTC)
    z = zone(tz)
    said = echoed(text)
    phrase = _LEADING.sub("", _SPACE.sub(" ", text).strip().lower().rstrip(".!"))
    try:
        reading = _read(phrase, z, now, said)
    except _AmPm as unclear:
        before = re.sub(r"\s*\d{1,2}$", "", phrase)
        say = f"{before} " if before else ""
        raise Rejected(
            f"Is {said} in the morning or the evening? Say `{say}{unclear.hour}am`, "
            f"`{say}{unclear.hour}pm` or `{say}{unclear.hour % 12 + 12}:00`."
        ) from None
    if reading is None:
        today = now.astimezone(z).date()
        raise Rejected(f"I can't read {said} as a time. Try {_examples(today)}.")
    at, skipped = reading
    if at <= now:
        if at == now:
            raise Rejected(f"{said} is right now; a deadline must be ahead, e.g. `in 2 days`.")
        raise Rejected(
            f"{said} is already past (it was {local_text(at, _name(z))}). "
            "Try `tomorrow 17:00` or `in 2 days`."
        )
    if at - now > MAX_AHEAD:
        later = now.astimezone(z).date() + timedelta(days=30)
        raise Rejected(
            f"{said} is more than {MAX_AHEAD.days} days away ({local_text(at, _name(z))}). "
            f"Pick a deadline within {MAX_AHEAD.days} days, e.g. `in 4 weeks` or "
            f"`{later.isoformat()} 17:00`."
        )
    if skipped is not None:
        just_before = (at - timedelta(seconds=1)).astimezone(z)
        jumped_to = at.astimezone(z)
        raise Rejected(
            f"There is no {skipped:%H:%M} on {_day_text(skipped.date())} in {_name(z)}: "
            f"the clocks go forward from {_round_up(just_before):%H:%M} to "
            f"{jumped_to:%H:%M} that night. Try `{skipped.date().isoformat()} "
            f"{jumped_to:%H:%M}` or `tomorrow 17:00`."
        )
    return at


def _read(
    phrase: str, z: tzinfo, now: datetime, said: str
) -> tuple[datetime, datetime | None] | None:
    """``(instant, skipped wall time or None)`` for ``phrase``; ``None`` when unreadable."""
    if match := _RELATIVE.match(phrase):
        unit = _UNITS.get(match["unit"])
        if unit is None:
            return None
        amount = 1 if match["amount"] in ("a", "an") else int(match["amount"])
        step = unit * amount
        if step > MAX_AHEAD:
            raise Rejected(
                f"{said} is more than {MAX_AHEAD.days} days away. Pick a deadline within "
                f"{MAX_AHEAD.days} days, e.g. `in 4 weeks` or `friday 12:00`."
            )
        return now + step, None
    if match := _ISO_INSTANT.match(phrase):
        if match["offset"] is None:  # a local date-time: same as "<date> <time>"
            return _read_day_and_time(match, z, now, said)
        day = _date(match, now.astimezone(z).date(), said)
        clock = _clock(match["hour"], match["minute"], None, match["second"])
        offset = _offset(match["offset"])
        if clock is None or offset is None:
            return None
        return datetime.combine(day, clock, offset).astimezone(UTC), None
    if match := _TIME_ONLY.match(phrase):
        clock = _clock_of(match)
        if clock is None:
            return None
        today = now.astimezone(z).date()
        for day in (today, today + timedelta(days=1)):
            wall = datetime.combine(day, clock)
            at, exists = _earliest_at_or_after(wall, z)
            if at > now:
                break
        return at, _missing(exists, wall)
    if match := _DAY_AND_TIME.match(phrase):
        return _read_day_and_time(match, z, now, said)
    return None


def _read_day_and_time(
    match: re.Match[str], z: tzinfo, now: datetime, said: str
) -> tuple[datetime, datetime | None] | None:
    today = now.astimezone(z).date()
    groups = match.groupdict()
    if groups["hour"] is None and groups.get("noon") is None:
        clock: time | None = DEFAULT_TIME
    else:
        clock = _clock_of(match)
    if clock is None:
        return None
    which, word = groups.get("which"), groups.get("dayword")
    if match["year"] is not None:
        if which is not None:
            return None
        candidates = [_date(match, today, said)]
    elif word == "today" and which is None:
        candidates = [today]
    elif word in ("tomorrow", "tmrw") and which is None:
        candidates = [today + timedelta(days=1)]
    elif word in _WEEKDAYS:
        ahead = (_WEEKDAYS[word] - today.weekday()) % 7
        following = today + timedelta(days=ahead or 7)
        candidates = [following] if which == "next" or ahead else [today, following]
    else:
        return None
    for day in candidates:  # a same-day weekday is today only if the time is still ahead
        wall = datetime.combine(day, clock)
        at, exists = _earliest_at_or_after(wall, z)
        if at > now or day == candidates[-1]:
            return at, _missing(exists, wall)
    raise AssertionError("unreachable: the last candidate always returns")


class _AmPm(Exception):
    """A bare hour from 1 to 12 (``friday 5``): morning or evening?"""

    def __init__(self, hour: int) -> None:
        super().__init__(hour)
        self.hour = hour


def _clock_of(match: re.Match[str]) -> time | None:
    groups = match.groupdict()
    if groups.get("noon") is not None:
        return time(12)
    return _clock(groups["hour"], groups["minute"], groups.get("half"), groups.get("second"))


def _clock(hour: str, minute: str | None, half: str | None, second: str | None) -> time | None:
    """A time of day; ``None`` for nonsense. A bare hour is 24-hour only from 13 to 23."""
    h, m, s = int(hour), int(minute or 0), int(second or 0)
    if half is None:
        if minute is None and h <= 12:
            if h == 0:
                return None
            raise _AmPm(h)
    elif not 1 <= h <= 12:
        return None
    else:
        h = h % 12 + (12 if half == "pm" else 0)
    if h > 23 or m > 59 or s > 59:
        return None
    return time(h, m, s)


def _date(match: re.Match[str], today: date, said: str) -> date:
    try:
        return date(int(match["year"]), int(match["month"]), int(match["day"]))
    except ValueError:
        raise Rejected(f"There is no such date as {said}. Try {_examples(today)}.") from None


def _offset(raw: str) -> tzinfo | None:
    if raw in ("z", "utc"):
        return UTC
    sign = -1 if raw[0] == "-" else 1
    digits = raw[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:] or 0)
    if hours > 23 or minutes > 59:
        return None
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def _examples(today: date) -> str:
    soon = today + timedelta(days=7)
    return f"`tomorrow 17:00`, `friday 12:00`, `in 2 days` or `{soon.isoformat()} 17:00`"


# --- wall-clock arithmetic -----------------------------------------------------------------


def _earliest_at_or_after(wall: datetime, z: tzinfo) -> tuple[datetime, bool]:
    """The earliest instant whose wall-clock time in ``z`` is at or after naive ``wall``.

    Returns ``(instant, True)`` when ``wall`` happens (its first occurrence if it happens
    twice), ``(moment the clocks jump past it, False)`` when it doesn't.
    """
    first = wall.replace(tzinfo=z, fold=0).astimezone(UTC)
    if _wall(first, z) == wall:
        return first, True
    # Skipped: fold=0 read it with the offset before the jump (an instant after the jump),
    # fold=1 with the offset after it (an instant before the jump). Search between them.
    low = int(wall.replace(tzinfo=z, fold=1).astimezone(UTC).timestamp())
    high = int(first.timestamp())
    while high - low > 1:  # invariant: wall(low) < wall <= wall(high)
        middle = (low + high) // 2
        if _wall(datetime.fromtimestamp(middle, UTC), z) >= wall:
            high = middle
        else:
            low = middle
    return datetime.fromtimestamp(high, UTC), False


def _offset_change(since: datetime, until: datetime, z: tzinfo) -> datetime:
    """The first instant after ``since`` with another UTC offset in ``z``, else ``until``.

    Assumes at most one change between the two (they are at most a day apart).
    """
    before = since.astimezone(z).utcoffset()
    if until.astimezone(z).utcoffset() == before:
        return until
    low, high = int(since.timestamp()), int(until.timestamp())  # offsets change on seconds
    while high - low > 1:  # invariant: offset(low) == before != offset(high)
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, UTC).astimezone(z).utcoffset() == before:
            low = middle
        else:
            high = middle
    return datetime.fromtimestamp(high, UTC)


def _wall(at: datetime, z: tzinfo) -> datetime:
    return at.astimezone(z).replace(tzinfo=None, fold=0)


def _missing(exists: bool, wall: datetime) -> datetime | None:
    return None if exists else wall


def _round_up(local: datetime) -> datetime:
    """``01:59:59`` -> ``02:00``: the wall time just before a jump, as people say it."""
    return (local + timedelta(seconds=1)).replace(second=0, microsecond=0)


def _aware(at: datetime, what: str) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware, got {at!r}")
    return at


def _name(z: tzinfo) -> str:
    return getattr(z, "key", None) or "UTC"


def _day_text(day: date) -> str:
    return f"{_DAY_NAMES[day.weekday()]} {day.day} {_MONTH_NAMES[day.month - 1]} {day.year}"


def echoed(text: str) -> str:
    """The user's text echoed back: one line, short, and unable to ping or link."""
    flat = normalise(text)
    if len(flat) > _QUOTE_MAX:
        flat = flat[: _QUOTE_MAX - 1].rstrip() + "…"
    return quoted(flat.replace("`", "'"))
