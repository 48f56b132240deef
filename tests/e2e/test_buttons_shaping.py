"""Shaping the map from Slack's buttons: the menus on story cards, prompts and the board,
the small forms they open, and the confirmation a removal with children asks for.

Everything goes through the simulator to the real bot over HTTP, signed as Slack signs.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.domain.model import Workshop
from bot.render.ids import ITEM_BLOCK, TEXT_BLOCK
from bot.slack.listeners.actions import STALE
from bot.slack.listeners.views import stale
from slacksim import Message
from tests.e2e.conftest import Workspace
from tests.e2e.test_workshop import board_message, slash, walk_to

pytestmark = [pytest.mark.store, pytest.mark.slow]

#: Two tasks under one activity, a story under each: what moving needs.
TWO_TASKS = [
    ("U_ANA", "start Tracking"),
    ("U_BEN", "persona Operations Manager at a logistics company"),
    ("U_ANA", "next"),
    ("U_BEN", "add Track delivery"),
    ("U_ANA", "next"),
    ("U_BEN", "add A1 View real-time map"),
    ("U_BEN", "add A1 See arrival time"),
    ("U_ANA", "next"),
    ("U_CHLOE", "add T1 See the truck move"),
    ("U_CHLOE", "add T2 Get the ETA by text"),
    ("U_ANA", "next"),
]


def workshop(ws: Workspace) -> Workshop:
    found = ws.bot.service.store.load(ws.team_id, ws.channel)
    assert found is not None
    return found


def bot_message(ws: Workspace, words: str) -> Message:
    """The bot's message (in the channel or a thread) whose text has ``words``."""

    def find() -> Message | None:
        for m in ws.sim.bot_messages(ws.channel):
            if words in m.text:
                return m
            for reply in ws.sim.replies(ws.channel, m.ts):
                if reply.is_bot and words in reply.text:
                    return reply
        return None

    found = ws.sim.wait_for(find, message=f"a message with {words!r}")
    assert found is not None
    return found


def board_with(ws: Workspace, option: str) -> Message:
    """The board once it offers ``option`` in its menu (it is refreshed after changes)."""

    def offered() -> Message | None:
        board = ws.sim.message(ws.channel, board_message(ws).ts)
        return (
            board
            if board is not None and f'"{option}"' in json.dumps(board.blocks, ensure_ascii=False)
            else None
        )

    found = ws.sim.wait_for(offered, message=f"the board offering {option!r}")
    assert found is not None
    return found


def card(ws: Workspace, story_id: str) -> Message:
    return bot_message(ws, f"{story_id} · ")


def open_form(ws: Workspace, user: str) -> dict[str, Any]:
    modal = ws.sim.wait_for(lambda: ws.sim.modal(user), timeout=5, message=f"{user}'s form")
    assert modal is not None
    return modal.view


def told(ws: Workspace, user: str, words: str) -> str:
    """The ephemeral text ``user`` was shown containing ``words`` (waits for it)."""
    found = ws.sim.wait_for(
        lambda: next((e.text for e in ws.sim.ephemerals(user) if words in e.text), None),
        message=f"{user} told {words!r}",
    )
    assert found is not None
    return found


def test_a_story_is_renamed_from_its_cards_menu(workspace: Workspace) -> None:
    walk_to(workspace, "voting")
    s1 = card(workspace, "S1")
    assert workspace.sim.user("U_CHLOE").choose(workspace.channel, s1.ts, option="Rename S1…").ok
    view = open_form(workspace, "U_CHLOE")
    assert "See the truck move" in str(view["blocks"])  # pre-filled with its words

    assert workspace.sim.user("U_CHLOE").submit_modal({TEXT_BLOCK: "See the truck move live"}).ok

    assert workspace.sim.modal("U_CHLOE") is None
    assert [s.text for s in workshop(workspace).stories if s.id == "S1"] == [
        "See the truck move live"
    ]
    workspace.sim.wait_for(
        lambda: "See the truck move live" in str(workspace.sim.message(workspace.channel, s1.ts)),
        message="the card showing its new words",
    )


def test_a_refused_rename_is_shown_on_the_form_and_changes_nothing(
    workspace: Workspace,
) -> None:
    walk_to(workspace, "voting")
    s1 = card(workspace, "S1")
    # Dev neither wrote S1 nor facilitates.
    assert workspace.sim.user("U_DEV").choose(workspace.channel, s1.ts, option="Rename S1…").ok
    open_form(workspace, "U_DEV")

    assert workspace.sim.user("U_DEV").submit_modal({TEXT_BLOCK: "Mine now"}).ok

    modal = workspace.sim.modal("U_DEV")
    assert modal is not None
    assert set(modal.errors) == {TEXT_BLOCK}
    assert [s.text for s in workshop(workspace).stories if s.id == "S1"] == ["See the truck move"]


def test_removing_an_activity_with_children_asks_then_removes_them(workspace: Workspace) -> None:
    walk_to(workspace, "stories")
    board = board_with(workspace, "Remove an item…")
    ana = workspace.sim.user("U_ANA")
    assert ana.choose(workspace.channel, board.ts, option="Remove an item…").ok
    open_form(workspace, "U_ANA")

    assert ana.submit_modal({ITEM_BLOCK: "A1"}).ok

    # Nothing gone yet: the form says what would go.
    view = open_form(workspace, "U_ANA")
    assert view["submit"]["text"] == "Remove them"
    assert "has 1 task and 2 stories under it" in str(view["blocks"])
    assert [a.id for a in workshop(workspace).activities] == ["A1"]

    assert ana.submit_modal().ok

    assert workspace.sim.modal("U_ANA") is None
    after = workshop(workspace)
    assert (after.activities, after.tasks, after.stories) == ((), (), ())
    told(workspace, "U_ANA", "A1")


def test_moving_a_story_keeps_its_votes(workspace: Workspace) -> None:
    for user, text in TWO_TASKS:
        assert not slash(workspace, user, text).startswith(("Only", "No workshop")), text
    s1 = card(workspace, "S1")
    workspace.sim.user("U_DEV").react(workspace.channel, s1.ts, "+1")
    workspace.sim.wait_for(lambda: workshop(workspace).vote_count("S1") == 1, message="the vote")

    chloe = workspace.sim.user("U_CHLOE")
    assert chloe.choose(workspace.channel, s1.ts, option="Move S1 to another task…").ok
    open_form(workspace, "U_CHLOE")
    assert chloe.submit_modal({"target": "T2 · See arrival time"}).ok

    assert workspace.sim.modal("U_CHLOE") is None
    after = workshop(workspace)
    assert [s.task_id for s in after.stories if s.id == "S1"] == ["T2"]
    assert after.vote_count("S1") == 1


def test_undo_from_the_boards_menu_takes_back_my_last_change(workspace: Workspace) -> None:
    walk_to(workspace, "stories")
    slash(workspace, "U_CHLOE", "add T1 Share the link")
    assert [s.text for s in workshop(workspace).stories][-1] == "Share the link"
    board = board_message(workspace)

    assert (
        workspace.sim.user("U_CHLOE")
        .choose(workspace.channel, board.ts, option="Undo my last change")
        .ok
    )

    workspace.sim.wait_for(
        lambda: "Share the link" not in [s.text for s in workshop(workspace).stories],
        message="the story taken back",
    )
    told(workspace, "U_CHLOE", "Share the link")
    # History lists the change and its undo, to the chooser only.
    assert workspace.sim.user("U_CHLOE").choose(workspace.channel, board.ts, option="History").ok
    listed = told(workspace, "U_CHLOE", "undone by")
    assert "Share the link" in listed


def test_a_menu_of_an_earlier_workshop_changes_nothing(workspace: Workspace) -> None:
    walk_to(workspace, "voting")
    s1 = card(workspace, "S1")
    slash(workspace, "U_ANA", "cancel")
    slash(workspace, "U_ANA", "start Second try")

    assert workspace.sim.user("U_CHLOE").choose(workspace.channel, s1.ts, option="Remove S1").ok

    told(workspace, "U_CHLOE", STALE)
    first = workspace.bot.service.store.get(workspace.team_id, workspace.channel, 1)
    assert first is not None
    assert [s.id for s in first.stories] == ["S1", "S2"]


def ask_to_remove(ws: Workspace, user: str, item_id: str) -> str:
    """``/storymap remove <item_id>`` for an item with children: the answer, shown to
    ``user`` only, asks with a "Remove them" button; returns that answer's ts."""
    delivery = ws.sim.user(user).slash(ws.channel, "/storymap", f"remove {item_id}")
    assert delivery.ok, delivery.text
    shown = delivery.shown
    assert shown is not None
    assert "under it" in shown.text
    assert "Remove them" in json.dumps(shown.blocks)
    return shown.ts


def test_the_remove_them_button_removes_the_item_and_what_is_under_it(
    workspace: Workspace,
) -> None:
    walk_to(workspace, "stories")
    ts = ask_to_remove(workspace, "U_ANA", "T1")
    assert [t.id for t in workshop(workspace).tasks] == ["T1"]

    assert workspace.sim.user("U_ANA").click(workspace.channel, ts, label="Remove them").ok

    workspace.sim.wait_for(lambda: workshop(workspace).tasks == (), message="T1 removed")
    assert workshop(workspace).stories == ()
    assert [a.id for a in workshop(workspace).activities] == ["A1"]
    told(workspace, "U_ANA", "T1")


def test_a_remove_them_button_of_an_earlier_workshop_changes_nothing(
    workspace: Workspace,
) -> None:
    walk_to(workspace, "stories")
    ts = ask_to_remove(workspace, "U_ANA", "A1")
    slash(workspace, "U_ANA", "cancel")
    walk_to(workspace, "stories")  # workshop #2 has an A1 with children too

    assert workspace.sim.user("U_ANA").click(workspace.channel, ts, label="Remove them").ok

    told(workspace, "U_ANA", STALE)
    assert [a.id for a in workshop(workspace).activities] == ["A1"]
    assert workshop(workspace).number == 2


def test_the_board_removes_an_item_by_id_asking_first_when_it_has_children(
    workspace: Workspace,
) -> None:
    walk_to(workspace, "stories")
    ana = workspace.sim.user("U_ANA")
    board = board_with(workspace, "Remove an item…")
    assert ana.choose(workspace.channel, board.ts, option="Remove an item…").ok
    open_form(workspace, "U_ANA")

    assert ana.submit_modal({ITEM_BLOCK: "t1"}).ok

    # The form turned into the question; nothing is gone until it is submitted.
    view = open_form(workspace, "U_ANA")
    assert view["submit"]["text"] == "Remove them"
    assert [t.id for t in workshop(workspace).tasks] == ["T1"]
    assert ana.submit_modal().ok
    assert workspace.sim.modal("U_ANA") is None
    assert (workshop(workspace).tasks, workshop(workspace).stories) == ((), ())


def test_a_story_is_split_from_its_cards_menu(workspace: Workspace) -> None:
    walk_to(workspace, "voting")
    slash(workspace, "U_ANA", "next")  # slicing: stories are split, not while voting
    chloe = workspace.sim.user("U_CHLOE")
    assert chloe.choose(workspace.channel, card(workspace, "S1").ts, option="Split S1…").ok
    open_form(workspace, "U_CHLOE")

    assert chloe.submit_modal({TEXT_BLOCK: "See the truck\n- See it move"}).ok

    assert workspace.sim.modal("U_CHLOE") is None
    stories = {s.id: (s.task_id, s.text) for s in workshop(workspace).stories}
    assert "S1" not in stories
    assert sorted(stories.values()) == [
        ("T1", "See it move"),
        ("T1", "See the truck"),
        ("T1", "Zoom to a truck"),
    ]


def test_the_backbone_is_ordered_and_an_item_renamed_from_the_boards_menu(
    workspace: Workspace,
) -> None:
    for user, text in [
        ("U_ANA", "start Tracking"),
        ("U_BEN", "persona Operations Manager at a logistics company"),
        ("U_ANA", "next"),
        ("U_BEN", "add Resolve issues"),
        ("U_BEN", "add Track delivery"),
    ]:
        slash(workspace, user, text)
    ana = workspace.sim.user("U_ANA")
    board = board_with(workspace, "Order the backbone…")
    assert ana.choose(workspace.channel, board.ts, option="Order the backbone…").ok
    view = open_form(workspace, "U_ANA")
    assert "A1 A2" in str(view["blocks"])  # the order now, to edit

    assert ana.submit_modal({TEXT_BLOCK: "A2 A1"}).ok

    assert workspace.sim.modal("U_ANA") is None
    assert [a.id for a in workshop(workspace).activities] == ["A2", "A1"]
    assert ana.choose(workspace.channel, board.ts, option="Rename an item…").ok
    open_form(workspace, "U_ANA")
    assert ana.submit_modal({ITEM_BLOCK: "a1", TEXT_BLOCK: "Resolve an issue"}).ok
    assert workspace.sim.modal("U_ANA") is None
    assert [a.text for a in workshop(workspace).activities] == [
        "Track delivery",
        "Resolve an issue",
    ]


def test_a_removal_question_of_an_earlier_workshop_removes_nothing(workspace: Workspace) -> None:
    walk_to(workspace, "stories")
    ana = workspace.sim.user("U_ANA")
    board = board_with(workspace, "Remove an item…")
    assert ana.choose(workspace.channel, board.ts, option="Remove an item…").ok
    open_form(workspace, "U_ANA")
    assert ana.submit_modal({ITEM_BLOCK: "A1"}).ok
    assert open_form(workspace, "U_ANA")["submit"]["text"] == "Remove them"
    slash(workspace, "U_ANA", "cancel")
    walk_to(workspace, "stories")  # workshop #2 has an A1 with children too

    assert ana.submit_modal().ok

    # The question is replaced by why; no field to show it under.
    shown = workspace.sim.modal("U_ANA")
    assert shown is not None
    assert stale(1) in json.dumps(shown.view["blocks"], ensure_ascii=False)
    assert "submit" not in shown.view
    assert [a.id for a in workshop(workspace).activities] == ["A1"]
