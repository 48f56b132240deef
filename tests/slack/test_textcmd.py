"""The ``/storymap`` text interface, parsed (a pure function)."""

from __future__ import annotations

import pytest

from bot.domain import commands as c
from bot.slack.textcmd import DeadlineRequest, Help, Request, Status, Usage, parse


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", Help()),
        ("help", Help()),
        ("STATUS", Status()),
        ("start", c.Start(team_id="T1", channel_id="C1", title="")),
        (
            "start Delivery tracking",
            c.Start(team_id="T1", channel_id="C1", title="Delivery tracking"),
        ),
        ("persona Ops &amp; dispatch", c.SetPersona(text="Ops & dispatch")),
        ("add Plan shipment", c.AddActivity(text="Plan shipment")),
        ("add a2 Pick a driver", c.AddTask(activity_id="A2", text="Pick a driver")),
        ("add T3 See the map", c.AddStory(task_id="T3", text="See the map")),
        ("next", c.Next()),
        ("back", c.Back()),
        (
            "slice View map + ETA = S1 S4",
            c.DefineSlice(name="View map + ETA", story_ids=("S1", "S4")),
        ),
        ("slice Later =", c.DefineSlice(name="Later", story_ids=())),
        ("vote S3", c.CastVote(story_id="S3")),
        ("budget 5", c.SetVoteBudget(budget=5)),
        ("order T3 = S5 S2", c.OrderStories(task_id="T3", story_ids=("S5", "S2"))),
        ("deadline tomorrow 17:00", DeadlineRequest(text="tomorrow 17:00", auto=False)),
        ("deadline friday 12:00 auto", DeadlineRequest(text="friday 12:00", auto=True)),
        ("deadline clear", c.ClearDeadline()),
        ("mute", c.Mute(on=True)),
        ("unmute", c.Mute(on=False)),
        ("publish", c.Publish()),
        ("cancel", c.Cancel()),
    ],
)
def test_understood(text: str, expected: Request) -> None:
    assert parse(text, "T1", "C1") == expected


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("persona", "/storymap persona Operations Manager"),
        ("add", "/storymap add Plan shipment"),
        ("slice Release one S1 S2", "/storymap slice View map + ETA = S1 S4"),
        ("budget lots", "/storymap budget 5"),
        ("order T3", "/storymap order T3 S5 S2"),
        ("deadline", "/storymap deadline tomorrow 17:00"),
        ("deadline auto", "/storymap deadline tomorrow 17:00"),
        ("next please", "`/storymap next` takes nothing after it."),
        ("dance", "I don't know `dance`."),
    ],
)
def test_misunderstood_text_says_how_to_write_it(text: str, hint: str) -> None:
    answer = parse(text, "T1", "C1")
    assert isinstance(answer, Usage)
    assert hint in answer.message
