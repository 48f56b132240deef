"""The ``/storymap`` text interface: slash command text to a typed request.

Pure: no stage knowledge here (the machine decides what a command means now). Slack
sends the text HTML-escaped (``&amp;``, ``&lt;``, ``&gt;``); it is unescaped first so
items are stored as typed. Mentions stay harmless because rendering escapes them again.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.domain import commands as c
from bot.domain.errors import Rejected
from bot.domain.fair import parse_span, split_over
from bot.domain.model import Stage, VotingMode
from bot.domain.text import escape, normalise_id
from bot.render.exports import ExportName


@dataclass(frozen=True)
class Help:
    pass


@dataclass(frozen=True)
class Status:
    pass


@dataclass(frozen=True)
class History:
    """The last changes to the workshop: who, what, when (answered to the asker only)."""


@dataclass(frozen=True)
class Export:
    """The map as a file in the channel: ``jira`` (CSV), ``markdown`` or ``json``."""

    format: ExportName


#: The names a format may be typed by.
EXPORT_NAMES: dict[str, ExportName] = {
    "jira": "jira",
    "csv": "jira",
    "markdown": "markdown",
    "md": "markdown",
    "json": "json",
}


@dataclass(frozen=True)
class Usage:
    """The text could not be understood; ``message`` says how to write it."""

    message: str


@dataclass(frozen=True)
class DeadlineRequest:
    """A deadline as typed: read later in the facilitator's own time zone."""

    text: str
    auto: bool


@dataclass(frozen=True)
class ShowSchedule:
    """Each scheduled stage's deadline (answered to the asker only)."""


@dataclass(frozen=True)
class ScheduleRequest:
    """One scheduled stage's new deadline as typed: read in the facilitator's time zone."""

    stage: Stage
    text: str


Request = (
    c.Command
    | Help
    | Status
    | History
    | Export
    | Usage
    | DeadlineRequest
    | ShowSchedule
    | ScheduleRequest
)

_WORD = re.compile(r"\s*(\S+)\s*(.*)", re.DOTALL)
_SIMPLE: dict[str, c.Command] = {
    "next": c.Next(),
    "back": c.Back(),
    "publish": c.Publish(),
    "cancel": c.Cancel(),
    "undo": c.Undo(),
    "reopen": c.Reopen(),
}


def _split(text: str) -> tuple[str, str]:
    match = _WORD.match(text)
    return (match.group(1), match.group(2).strip()) if match else ("", "")


def parse(raw: str, team_id: str, channel_id: str) -> Request:
    verb, rest = _split(html.unescape(raw).strip())
    verb = verb.lower()
    if verb in ("", "help"):
        return Help()
    if verb == "status":
        return Status()
    if verb == "history":
        return History()
    if verb == "export":
        chosen = EXPORT_NAMES.get(rest.lower())
        if chosen is None:
            return Usage(
                "Say which file: `/storymap export jira` (a CSV for Jira or Linear), "
                "`/storymap export markdown` or `/storymap export json`."
            )
        return Export(format=chosen)
    if verb == "start":
        title, span = split_over(rest)
        if span is None:
            return c.Start(team_id=team_id, channel_id=channel_id, title=title)
        try:
            days = parse_span(span)
        except Rejected as unreadable:
            return Usage(unreadable.message)
        return c.Start(team_id=team_id, channel_id=channel_id, title=title, over=days)
    if verb == "publish" and rest.lower() == "anyway":
        return c.Publish(confirmed=True)
    if verb in _SIMPLE:
        return _SIMPLE[verb] if not rest else Usage(f"`/storymap {verb}` takes nothing after it.")
    parser = _PARSERS.get(verb)
    if parser is None:
        return Usage(f"I don't know `{escape(verb)}`. `/storymap help` lists what I understand.")
    return parser(rest)


def _persona(rest: str) -> Request:
    if not rest:
        return Usage(
            "Say who the map is for, e.g. "
            "`/storymap persona Operations Manager at a logistics company`."
        )
    return c.SetPersona(text=rest)


def _vote(rest: str) -> Request:
    return c.CastVote(story_id=rest) if rest else Usage("Name the story: `/storymap vote S3`.")


def _unvote(rest: str) -> Request:
    return c.WithdrawVote(story_id=rest) if rest else Usage("Name it: `/storymap unvote S3`.")


_BUDGET_USAGE = (
    "Give the votes per person as a number: `/storymap budget 5`, and optionally the most "
    "one person may put on one card: `/storymap budget 5 cap 2`."
)


def _budget(rest: str) -> Request:
    words = rest.split()
    if len(words) == 1 and words[0].isdecimal():
        return c.SetVoteBudget(budget=int(words[0]))
    if (
        len(words) == 3
        and words[0].isdecimal()
        and words[1].lower() == "cap"
        and words[2].isdecimal()
    ):
        return c.SetVoteBudget(budget=int(words[0]), cap=int(words[2]))
    return Usage(_BUDGET_USAGE)


def _voting(rest: str) -> Request:
    try:
        return c.SetVotingMode(mode=VotingMode(rest.strip().lower()))
    except ValueError:
        return Usage(
            "Choose how people vote: `/storymap voting emoji` (react on a story card, "
            "the default) or `/storymap voting blind` (Vote / Unvote buttons, counts "
            "hidden until voting closes)."
        )


def _deadline(rest: str) -> Request:
    if not rest:
        return Usage(
            "Say when, in your time: `/storymap deadline tomorrow 17:00`, "
            "`/storymap deadline friday 12:00 auto` (auto: move on by itself), "
            "`/storymap deadline clear`."
        )
    if rest.lower() == "clear":
        return c.ClearDeadline()
    words = rest.split()
    auto = words[-1].lower() == "auto"
    when = " ".join(words[:-1] if auto else words)
    return DeadlineRequest(text=when, auto=auto) if when else _deadline("")


#: The names a scheduled stage may be typed by.
STAGE_NAMES: dict[str, Stage] = {
    "persona": Stage.PERSONA,
    "activities": Stage.ACTIVITIES,
    "backbone": Stage.ACTIVITIES,
    "tasks": Stage.TASKS,
    "stories": Stage.STORIES,
    "cards": Stage.STORIES,
    "voting": Stage.VOTING,
    "votes": Stage.VOTING,
}
_SCHEDULE_USAGE = (
    "`/storymap schedule` shows the schedule; `/storymap schedule over 2 weeks` plans one; "
    "`/storymap schedule voting friday 17:00` moves one stage's deadline (persona, "
    "activities, tasks, stories or voting); `/storymap schedule off` turns it off."
)


def _schedule(rest: str) -> Request:
    if not rest:
        return ShowSchedule()
    word, after = _split(rest)
    word = word.lower()
    if word in ("off", "clear") and not after:
        return c.ClearSchedule()
    if word == "over":
        try:
            return c.PlanSchedule(days=parse_span(after))
        except Rejected as unreadable:
            return Usage(unreadable.message)
    stage = STAGE_NAMES.get(word)
    if stage is None or not after:
        return Usage(_SCHEDULE_USAGE)
    return ScheduleRequest(stage=stage, text=after)


_ORDER_USAGE = (
    "Give the ids in the order you want, left to right: "
    "`/storymap order A1 A3 A2` (the backbone's activities), "
    "`/storymap order A1 T3 T2` (the tasks under A1) or "
    "`/storymap order T3 S5 S2` (the stories under T3)."
)


def _ids(words: list[str]) -> list[str] | None:
    """Each word as an item id (``t3`` -> ``T3``); ``None`` if any word is not one."""
    ids = [normalise_id(word) for word in words]
    return None if any(i is None for i in ids) else [i for i in ids if i is not None]


def _order(rest: str) -> Request:
    ids = _ids(rest.replace("=", " ").split())
    if ids is None or len(ids) < 2:
        return Usage(_ORDER_USAGE)
    head, tail = ids[0], ids[1:]
    kinds = {i[0] for i in tail}
    if head[0] == "A" and kinds == {"A"}:
        return c.OrderActivities(activity_ids=tuple(ids))
    if head[0] == "A" and kinds == {"T"}:
        return c.OrderTasks(activity_id=head, task_ids=tuple(tail))
    if head[0] == "T" and kinds == {"S"}:
        return c.OrderStories(task_id=head, story_ids=tuple(tail))
    return Usage(_ORDER_USAGE)


def _rename(rest: str) -> Request:
    first, text = _split(rest)
    item = normalise_id(first)
    if item is None or not text:
        return Usage(
            "Name the item by its id, then its new words: "
            "`/storymap rename S4 Show the driver's ETA` (an A#, T# or S#)."
        )
    return c.Rename(item_id=item, text=text)


def _remove(rest: str) -> Request:
    ids = _ids(rest.split())
    if ids is None or len(ids) != 1:
        return Usage(
            "Name one item by its id: `/storymap remove S4` (an A#, T# or S#; "
            "removing an activity or task with things under it asks first)."
        )
    return c.Remove(item_id=ids[0])


_MOVES = {"S": "T", "T": "A"}


def _move(rest: str) -> Request:
    words = [w for w in rest.split() if w.lower() != "to"]
    ids = _ids(words)
    if ids is None or len(ids) != 2 or _MOVES.get(ids[0][0]) != ids[1][0]:
        return Usage(
            "Say what goes where: `/storymap move S4 T2` (a story to another task) or "
            "`/storymap move T3 A1` (a task to another activity)."
        )
    return c.Move(item_id=ids[0], to_id=ids[1])


def _split_story(rest: str) -> Request:
    first, text = _split(rest)
    story = normalise_id(first)
    parts = tuple(part.strip() for part in text.split("|") if part.strip())
    if story is None or story[0] != "S" or len(parts) < 2:
        return Usage(
            "Name the story, then its parts separated by `|`: "
            "`/storymap split S4 See the driver on a map | See the ETA`."
        )
    return c.Split(story_id=story, texts=parts)


def _add(rest: str) -> Request:
    if not rest:
        return Usage(
            "Say what to add: `/storymap add Plan shipment` (an activity), "
            "`/storymap add A1 &lt;task&gt;` or `/storymap add T1 &lt;story&gt;`."
        )
    first, text = _split(rest)
    item = normalise_id(first)
    if item is not None and item[0] == "A":
        return c.AddTask(activity_id=item, text=text)
    if item is not None and item[0] == "T":
        return c.AddStory(task_id=item, text=text)
    return c.AddActivity(text=rest)


#: What separates a release's stories from its outcome: ``--``, or the dash a phone or
#: a Mac may turn it into.
_OUTCOME = re.compile(r"\s*(?:--|\N{EM DASH}|\N{EN DASH})\s*")


def _slice(rest: str) -> Request:
    name, sep, after = rest.partition("=")
    if not sep or not name.strip():
        return Usage(
            "Name the release, then its stories after `=`, and what it is for after `--`: "
            "`/storymap slice View map + ETA = S1 S4 -- Ops managers see where each truck "
            "is`. Nothing after `=` removes it."
        )
    parts = _OUTCOME.split(after, maxsplit=1)
    ids = tuple(parts[0].split())
    if len(parts) == 1:
        return c.DefineSlice(name=name.strip(), story_ids=ids)
    return c.DefineSlice(name=name.strip(), story_ids=ids, outcome=parts[1].strip())


_PARSERS: dict[str, Callable[[str], Request]] = {
    "persona": _persona,
    "add": _add,
    "slice": _slice,
    "vote": _vote,
    "unvote": _unvote,
    "budget": _budget,
    "voting": _voting,
    "order": _order,
    "rename": _rename,
    "remove": _remove,
    "move": _move,
    "split": _split_story,
    "deadline": _deadline,
    "schedule": _schedule,
    "mute": lambda rest: c.Mute(on=True),
    "unmute": lambda rest: c.Mute(on=False),
}
