"""The ``/storymap`` text interface, parsed (a pure function)."""

from __future__ import annotations

import pytest

from bot.domain import commands as c
from bot.domain.model import VotingMode
from bot.slack.textcmd import (
    DeadlineRequest,
    Export,
    Help,
    History,
    Request,
    Status,
    Usage,
    parse,
)


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
        (
            "slice View map + ETA = S1 S4 -- Ops managers see where each truck is",
            c.DefineSlice(
                name="View map + ETA",
                story_ids=("S1", "S4"),
                outcome="Ops managers see where each truck is",
            ),
        ),
        (
            "slice MVP = S1\N{EM DASH}Drivers stop calling",
            c.DefineSlice(name="MVP", story_ids=("S1",), outcome="Drivers stop calling"),
        ),
        (
            "slice MVP = -- Drivers stop calling",
            c.DefineSlice(name="MVP", story_ids=(), outcome="Drivers stop calling"),
        ),
        ("vote S3", c.CastVote(story_id="S3")),
        ("budget 5", c.SetVoteBudget(budget=5)),
        ("order T3 = S5 S2", c.OrderStories(task_id="T3", story_ids=("S5", "S2"))),
        ("deadline tomorrow 17:00", DeadlineRequest(text="tomorrow 17:00", auto=False)),
        ("deadline friday 12:00 auto", DeadlineRequest(text="friday 12:00", auto=True)),
        ("deadline clear", c.ClearDeadline()),
        ("mute", c.Mute(on=True)),
        ("unmute", c.Mute(on=False)),
        ("publish", c.Publish()),
        ("publish anyway", c.Publish(confirmed=True)),
        ("publish Anyway", c.Publish(confirmed=True)),
        ("cancel", c.Cancel()),
        ("rename s4 Show the driver's ETA", c.Rename(item_id="S4", text="Show the driver's ETA")),
        ("rename A1   Plan &amp; book", c.Rename(item_id="A1", text="Plan & book")),
        ("rename T2 Pick", c.Rename(item_id="T2", text="Pick")),
        ("remove S4", c.Remove(item_id="S4")),
        ("remove a2", c.Remove(item_id="A2")),
        ("move S4 T2", c.Move(item_id="S4", to_id="T2")),
        ("move t3 to a1", c.Move(item_id="T3", to_id="A1")),
        ("order A1 A3 A2", c.OrderActivities(activity_ids=("A1", "A3", "A2"))),
        ("order a3 a1", c.OrderActivities(activity_ids=("A3", "A1"))),
        ("order A1 T3 T2", c.OrderTasks(activity_id="A1", task_ids=("T3", "T2"))),
        ("order A1 = T3", c.OrderTasks(activity_id="A1", task_ids=("T3",))),
        ("order T3 S5 s2", c.OrderStories(task_id="T3", story_ids=("S5", "S2"))),
        (
            "split S4 See the driver | See the ETA",
            c.Split(story_id="S4", texts=("See the driver", "See the ETA")),
        ),
        ("split s4 a|b|c |", c.Split(story_id="S4", texts=("a", "b", "c"))),
        ("undo", c.Undo()),
        ("reopen", c.Reopen()),
        ("history", History()),
        ("HISTORY", History()),
        ("export jira", Export(format="jira")),
        ("export CSV", Export(format="jira")),
        ("export markdown", Export(format="markdown")),
        ("export md", Export(format="markdown")),
        ("export json", Export(format="json")),
        ("budget 5 cap 2", c.SetVoteBudget(budget=5, cap=2)),
        ("budget 5 CAP 2", c.SetVoteBudget(budget=5, cap=2)),
        ("voting blind", c.SetVotingMode(mode=VotingMode.BLIND)),
        ("voting Emoji", c.SetVotingMode(mode=VotingMode.EMOJI)),
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
        ("budget 5 cap", "/storymap budget 5 cap 2"),
        ("budget 5 cap two", "/storymap budget 5 cap 2"),
        ("budget 5 2", "/storymap budget 5 cap 2"),
        ("voting", "/storymap voting blind"),
        ("voting secret", "/storymap voting blind"),
        ("order T3", "/storymap order T3 S5 S2"),
        ("export", "/storymap export jira"),
        ("export pdf", "/storymap export markdown"),
        ("order", "/storymap order A1 A3 A2"),
        ("order A1", "/storymap order A1 T3 T2"),
        ("order A1 T3 S2", "/storymap order A1 T3 T2"),
        ("order A1 A2 T3", "/storymap order A1 A3 A2"),
        ("order T3 T4", "/storymap order T3 S5 S2"),
        ("order S1 S2", "/storymap order T3 S5 S2"),
        ("order T3 S5 banana", "/storymap order T3 S5 S2"),
        ("rename", "/storymap rename S4 Show the driver's ETA"),
        ("rename S4", "/storymap rename S4 Show the driver's ETA"),
        ("rename   S4   ", "/storymap rename S4 Show the driver's ETA"),
        ("rename Plan shipment", "/storymap rename S4"),
        ("remove", "/storymap remove S4"),
        ("remove S4 S5", "/storymap remove S4"),
        ("remove the typo", "/storymap remove S4"),
        ("move", "/storymap move S4 T2"),
        ("move S4", "/storymap move S4 T2"),
        ("move S4 A1", "/storymap move S4 T2"),
        ("move T3 T4", "/storymap move T3 A1"),
        ("move A1 A2", "/storymap move S4 T2"),
        ("move S4 T2 T3", "/storymap move S4 T2"),
        ("split", "/storymap split S4 See the driver on a map | See the ETA"),
        ("split S4 See the driver", "/storymap split S4"),
        ("split S4 See the driver |", "/storymap split S4"),
        ("split S4 | ", "/storymap split S4"),
        ("split T3 a | b", "/storymap split S4"),
        ("split a | b", "/storymap split S4"),
        ("undo it", "`/storymap undo` takes nothing after it."),
        ("reopen now", "`/storymap reopen` takes nothing after it."),
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
