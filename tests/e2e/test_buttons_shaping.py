"""Shaping the map from Slack's buttons: the menus on story cards, prompts and the board,
the small forms they open, and the confirmation a removal with children asks for.

Everything goes through the simulator to the real bot over HTTP, signed as Slack signs.
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.domain.model import Workshop
from bot.render.ids import TEXT_BLOCK
from bot.slack.listeners.actions import STALE
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
    prompt = bot_message(workspace, "Tasks under A1 ")
    ana = workspace.sim.user("U_ANA")

    assert ana.choose(workspace.channel, prompt.ts, option="Remove A1").ok

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
