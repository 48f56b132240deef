"""Workshops for render tests, built only through ``apply`` like ``tests.builders``.

``grown`` makes a map of any size (spread evenly over activities and tasks) and walks
it to the stage asked for; ``HOSTILE`` is text that would ping the channel, a user and
everyone online if it were not escaped.

Both builders lift the domain's item limits (``MAX_ITEMS``) while they run: a workshop
saved before the limits existed can be larger, and the renderer must still split it
into messages Slack accepts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import ParamSpec, TypeVar
from unittest.mock import patch

from bot.domain import commands as c
from bot.domain.model import Stage, Workshop
from bot.domain.text import MAX_ITEMS
from tests.builders import FACILITATOR, Clock, run

P = ParamSpec("P")
R = TypeVar("R")


@contextmanager
def no_item_limits() -> Iterator[None]:
    with patch.dict(MAX_ITEMS, dict.fromkeys(MAX_ITEMS, 1000000)):
        yield


def _unlimited(build: Callable[P, R]) -> Callable[P, R]:
    @wraps(build)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with no_item_limits():
            return build(*args, **kwargs)

    return wrapper


HOSTILE = "<!channel> <!here> <@U123> & <http://x.io|go>"
#: What must never appear unescaped in anything the renderer produces.
RAW_MARKUP = ("<!channel>", "<!here>", "<@U123>", "<http://x.io")


@_unlimited
def grown(
    stage: Stage,
    *,
    activities: int = 4,
    tasks_per_activity: int = 2,
    stories: int = 16,
    text: str = "Story",
    story_text: str | None = None,
    title: str = "Big map",
) -> Workshop:
    """A workshop with ``stories`` stories spread over the tasks, walked to ``stage``."""
    clock = Clock()

    def do(w: Workshop | None, command: c.Command, actor: str = FACILITATOR) -> Workshop:
        return run(w, command, actor, clock)

    w = do(None, c.Start(team_id="T1", channel_id="C1", title=title))
    w = do(w, c.SetPersona(text=f"{text} persona"))
    w = do(w, c.Next())
    for a in range(activities):
        w = do(w, c.AddActivity(text=f"{text} activity {a + 1}"), "UBEN")
    w = do(w, c.Next())
    for activity in w.activities:
        for t in range(tasks_per_activity):
            w = do(w, c.AddTask(activity_id=activity.id, text=f"{text} task {t + 1}"), "UCHLOE")
    w = do(w, c.Next())
    task_ids = [t.id for t in w.tasks]
    for n in range(stories):
        story = f"{story_text or text} {n + 1}"
        w = do(w, c.AddStory(task_id=task_ids[n % len(task_ids)], text=story), "UDEV")
    if stage is Stage.STORIES:
        return w
    w = do(w, c.Next())
    if stage is Stage.VOTING:
        return w
    w = do(w, c.Next())
    assert stage is Stage.SLICING, f"grown() stops at stories, voting or slicing, not {stage}"
    return w


@_unlimited
def worst_case(stage: Stage) -> Workshop:
    """Every text at the domain's longest, made of characters that grow fivefold when
    escaped (``&`` -> ``&amp;``), on a map with many activities, tasks and stories."""
    clock = Clock()

    def do(w: Workshop | None, command: c.Command, actor: str = FACILITATOR) -> Workshop:
        return run(w, command, actor, clock)

    w = do(None, c.Start(team_id="T1", channel_id="C1", title="&" * 80))
    w = do(w, c.SetPersona(text="<" * 200))
    w = do(w, c.Next())
    for a in range(30):
        w = do(w, c.AddActivity(text=f"{a:02d}" + "&" * 58), "UBEN")
    w = do(w, c.Next())
    for activity in w.activities:
        for t in range(4):
            w = do(w, c.AddTask(activity_id=activity.id, text=f"{t}" + ">" * 99), "UCHLOE")
    w = do(w, c.Next())
    for n, task in enumerate(w.tasks * 2):
        w = do(w, c.AddStory(task_id=task.id, text=f"{n:03d}" + "&" * 197), "UDEV")
    if stage is Stage.STORIES:
        return w
    w = do(w, c.Next())
    if stage is Stage.VOTING:
        return w
    w = do(w, c.Next())
    for r in range(6):
        ids = tuple(s.id for s in w.stories[r * 20 : r * 20 + 20])
        w = do(w, c.DefineSlice(name=f"{r}" + "&" * 59, story_ids=ids))
    if stage is Stage.SLICING:
        return w
    assert stage is Stage.PUBLISHED, f"worst_case() walks to stories or later, not {stage}"
    return do(w, c.Publish(confirmed=True))
