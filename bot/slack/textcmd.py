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
from bot.domain.text import escape, normalise_id


@dataclass(frozen=True)
class Help:
    pass


@dataclass(frozen=True)
class Status:
    pass


@dataclass(frozen=True)
class Usage:
    """The text could not be understood; ``message`` says how to write it."""

    message: str


@dataclass(frozen=True)
class DeadlineRequest:
    """A deadline as typed: read later in the facilitator's own time zone."""

    text: str
    auto: bool


Request = c.Command | Help | Status | Usage | DeadlineRequest

_WORD = re.compile(r"\s*(\S+)\s*(.*)", re.DOTALL)
_SIMPLE: dict[str, c.Command] = {
    "next": c.Next(),
    "back": c.Back(),
    "publish": c.Publish(),
    "cancel": c.Cancel(),
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
    if verb == "start":
        return c.Start(team_id=team_id, channel_id=channel_id, title=rest)
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


def _budget(rest: str) -> Request:
    if not rest.isdigit():
        return Usage("Give the votes per person as a number: `/storymap budget 5`.")
    return c.SetVoteBudget(budget=int(rest))


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


def _order(rest: str) -> Request:
    task, ids = _split(rest.replace("=", " "))
    if not task or not ids:
        return Usage("Give a task and its stories in order: `/storymap order T3 S5 S2`.")
    return c.OrderStories(task_id=task, story_ids=tuple(ids.split()))


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


def _slice(rest: str) -> Request:
    name, sep, ids = rest.partition("=")
    if not sep or not name.strip():
        return Usage(
            "Name the release, then its stories after `=`: "
            "`/storymap slice View map + ETA = S1 S4`. Nothing after `=` removes it."
        )
    return c.DefineSlice(name=name.strip(), story_ids=tuple(ids.split()))


_PARSERS: dict[str, Callable[[str], Request]] = {
    "persona": _persona,
    "add": _add,
    "slice": _slice,
    "vote": _vote,
    "unvote": _unvote,
    "budget": _budget,
    "order": _order,
    "deadline": _deadline,
    "mute": lambda rest: c.Mute(on=True),
    "unmute": lambda rest: c.Mute(on=False),
}
