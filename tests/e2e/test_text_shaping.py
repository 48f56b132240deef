"""Shaping the map by typing, through the real app: rename, remove, move, order, split,
undo and history, each as ``/storymap`` text; bad text answers only the person who typed
it and changes nothing."""

from __future__ import annotations

import re

import pytest

from bot.domain.model import Workshop
from slacksim import Ephemeral
from tests.e2e.conftest import Workspace
from tests.e2e.test_workshop import board_text, slash, walk_to

pytestmark = [pytest.mark.store, pytest.mark.slow]


def load(ws: Workspace) -> Workshop:
    workshop = ws.bot.store.load(ws.team_id, ws.channel)
    assert workshop is not None
    return workshop


def typed(ws: Workspace, steps: list[tuple[str, str]]) -> None:
    """Each ``(user, text)`` as ``/storymap text``, every one accepted."""
    for user, text in steps:
        reply = slash(ws, user, text)
        assert not reply.startswith(("Only", "Add a", "No workshop", "I don't")), (text, reply)


def stories_under(w: Workshop, task_id: str) -> list[tuple[str, str]]:
    return [(s.id, s.text) for s in w.stories_of(task_id)]


def two_tasks(ws: Workspace) -> None:
    """At the stories stage: A1 with T1 (S1, S2) and T2 (S3)."""
    typed(
        ws,
        [
            ("U_ANA", "start Tracking"),
            ("U_BEN", "persona Operations Manager at a logistics company"),
            ("U_ANA", "next"),
            ("U_BEN", "add Track delivery"),
            ("U_ANA", "next"),
            ("U_BEN", "add A1 View real-time map"),
            ("U_BEN", "add A1 See estimated arrival time"),
            ("U_ANA", "next"),
            ("U_CHLOE", "add T1 See the truck move"),
            ("U_CHLOE", "add T1 Zoom to a truck and its ETA"),
            ("U_CHLOE", "add T2 Get the ETA by text"),
        ],
    )


def test_rename_remove_and_undo_by_the_author(workspace: Workspace) -> None:
    two_tasks(workspace)
    typed(workspace, [("U_CHLOE", "rename S1 See the truck move on a map")])
    w = load(workspace)
    assert stories_under(w, "T1") == [
        ("S1", "See the truck move on a map"),
        ("S2", "Zoom to a truck and its ETA"),
    ]
    # The facilitator renames someone else's activity; the board shows the new words.
    typed(workspace, [("U_ANA", "rename A1 Track the delivery")])
    workspace.sim.wait_for(
        lambda: "*Backbone:* A1 Track the delivery" in board_text(workspace) or None,
        message="the board showing the new words",
    )
    typed(workspace, [("U_CHLOE", "remove S2")])
    assert stories_under(load(workspace), "T1") == [("S1", "See the truck move on a map")]
    typed(workspace, [("U_CHLOE", "undo")])
    assert stories_under(load(workspace), "T1") == [
        ("S1", "See the truck move on a map"),
        ("S2", "Zoom to a truck and its ETA"),
    ]


def test_move_a_story_and_split_another(workspace: Workspace) -> None:
    two_tasks(workspace)
    typed(workspace, [("U_ANA", "move S1 T2")])
    w = load(workspace)
    assert stories_under(w, "T1") == [("S2", "Zoom to a truck and its ETA")]
    assert ("S1", "See the truck move") in stories_under(w, "T2")
    typed(workspace, [("U_CHLOE", "split S2 Zoom to a truck | See its ETA")])
    w = load(workspace)
    assert w.story("S2") is None
    assert stories_under(w, "T1") == [("S4", "Zoom to a truck"), ("S5", "See its ETA")]


def test_order_the_backbone_and_the_tasks_under_an_activity(workspace: Workspace) -> None:
    typed(
        workspace,
        [
            ("U_ANA", "start Tracking"),
            ("U_BEN", "persona Operations Manager at a logistics company"),
            ("U_ANA", "next"),
            # Typed out of the order they happen.
            ("U_BEN", "add Track delivery"),
            ("U_BEN", "add Plan shipment"),
            ("U_BEN", "add Assign driver"),
            ("U_ANA", "order A2 A3 A1"),
        ],
    )
    assert [a.text for a in load(workspace).activities] == [
        "Plan shipment",
        "Assign driver",
        "Track delivery",
    ]
    workspace.sim.wait_for(
        lambda: (
            "A2 Plan shipment → A3 Assign driver → A1 Track delivery" in board_text(workspace)
            or None
        ),
        message="the board's backbone in the new order",
    )
    typed(
        workspace,
        [
            ("U_ANA", "next"),
            ("U_BEN", "add A1 Receive delay alerts"),
            ("U_BEN", "add A1 View real-time map"),
            ("U_BEN", "add A1 See estimated arrival time"),
            ("U_ANA", "order A1 T2 T3"),
        ],
    )
    assert [t.text for t in load(workspace).tasks_of("A1")] == [
        "View real-time map",
        "See estimated arrival time",
        "Receive delay alerts",
    ]


def ephemeral(ws: Workspace, user: str, text: str) -> str:
    """Run ``/storymap text``; the answer must be shown to ``user`` alone."""
    delivery = ws.sim.user(user).slash(ws.channel, "/storymap", text)
    assert delivery.ok, delivery.text
    assert isinstance(delivery.shown, Ephemeral), (text, delivery.shown)
    assert delivery.shown.user == user
    return delivery.shown.text


def test_bad_text_answers_only_the_typist_and_changes_nothing(workspace: Workspace) -> None:
    two_tasks(workspace)
    before = load(workspace)
    # Text the parser can't read: how to write it.
    assert "`/storymap move S4 T2`" in ephemeral(workspace, "U_CHLOE", "move S1 A1")
    assert ephemeral(workspace, "U_CHLOE", "split S1 one part").startswith("Name the story")
    assert "`/storymap order A1 A3 A2`" in ephemeral(workspace, "U_ANA", "order A1 S1")
    assert ephemeral(workspace, "U_CHLOE", "rename S1").startswith("Name the item")
    assert ephemeral(workspace, "U_CHLOE", "remove").startswith("Name one item")
    # Text the machine refuses: why.
    assert ephemeral(workspace, "U_DEV", "rename S1 Mine now") == (
        "Only <@U_CHLOE> (who added S1) or <@U_ANA> (facilitator) can rename it."
    )
    assert ephemeral(workspace, "U_ANA", "move S1 T9") == "T9 does not exist in this workshop."
    assert ephemeral(workspace, "U_ANA", "reopen").startswith("Only a published map")
    workspace.sim.settle()
    after = load(workspace)
    assert after.version == before.version
    assert after == before


def test_history_before_a_workshop_and_before_any_change(workspace: Workspace) -> None:
    assert ephemeral(workspace, "U_BEN", "history").startswith("No workshop is running")
    typed(workspace, [("U_ANA", "start Tracking")])
    assert ephemeral(workspace, "U_BEN", "history").startswith(
        "Nothing has changed in *“Tracking”* yet."
    )


def test_history_lists_the_changes_newest_first_and_marks_an_undo(workspace: Workspace) -> None:
    walk_to(workspace, "activities")
    typed(
        workspace,
        [
            ("U_BEN", "add Plan shipment"),
            ("U_CHLOE", "add Assign drivr"),
            ("U_CHLOE", "rename A2 Assign driver"),
        ],
    )
    shown = ephemeral(workspace, "U_DEV", "history")
    entries = [line for line in shown.split("\n") if line.startswith("*#")]
    assert "<@U_CHLOE>" in entries[0]
    assert "Assign driver" in entries[0]
    assert "<@U_CHLOE>" in entries[1]
    assert "Assign drivr" in entries[1]
    assert "<@U_BEN>" in entries[2]
    assert "Plan shipment" in entries[2]
    assert all(re.match(r"^\*#\d+\* <@U_\w+>, <!date\^\d+\^", line) for line in entries)
    numbers = [int(n) for n in re.findall(r"^\*#(\d+)\*", shown, re.MULTILINE)]
    assert numbers == sorted(numbers, reverse=True)
    renamed = numbers[0]
    typed(workspace, [("U_CHLOE", "undo")])
    assert load(workspace).activity("A2").text == "Assign drivr"  # type: ignore[union-attr]
    again = ephemeral(workspace, "U_DEV", "history").split("\n")
    assert again[1].startswith(f"*#{renamed + 1}* <@U_CHLOE>, ")
    assert "undone by" not in again[1]
    assert again[2].startswith(f"*#{renamed}* <@U_CHLOE>, ")
    assert again[2].endswith(f"_(undone by #{renamed + 1})_")


def test_history_of_a_published_map_is_still_there(workspace: Workspace) -> None:
    walk_to(workspace, "voting")
    typed(
        workspace,
        [("U_ANA", "next"), ("U_ANA", "slice View map = S1"), ("U_ANA", "publish")],
    )
    shown = ephemeral(workspace, "U_BEN", "history")
    entries = [line for line in shown.split("\n") if line.startswith("*#")]
    assert "Published: the map is posted and pinned" in entries[0]
    assert any("View map" in line for line in entries)
