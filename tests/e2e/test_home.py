"""The Home tab end to end: the simulator opens it as people do, the real bot publishes it."""

from __future__ import annotations

import time
from typing import Any

import pytest

from bot.slack.home import INTERVAL_S
from slacksim import SlackSimulator
from tests.e2e.conftest import Workspace
from tests.e2e.test_workshop import slash, walk_to

pytestmark = [pytest.mark.store, pytest.mark.slow]


def publishes(sim: SlackSimulator, user: str) -> int:
    """``views.publish`` calls the bot made for ``user`` (refused ones included)."""
    return sum(1 for c in sim.calls_to("views.publish") if c.args.get("user_id") == user)


def open_home(ws: Workspace, user: str) -> str:
    """Open the Home tab as ``user``; wait for a publish; return it as they read it."""
    before = publishes(ws.sim, user)
    delivery = ws.sim.user(user).open_home()
    assert delivery.ok, delivery.text
    ws.sim.wait_for(lambda: publishes(ws.sim, user) > before, message="views.publish")
    return ws.sim.home_transcript(user)


def home_buttons(sim: SlackSimulator, user: str) -> dict[str, dict[str, Any]]:
    """The buttons of ``user``'s Home tab by label."""
    home = sim.home(user)
    assert home is not None
    found: dict[str, dict[str, Any]] = {}
    for block in home["blocks"]:
        for element in block.get("elements", []) if block.get("type") == "actions" else []:
            if element.get("type") == "button":
                found[element["text"]["text"]] = element
    return found


def permalink(sim: SlackSimulator, channel: str, ts: str) -> str:
    return (
        f"https://storymap-sim.slack.com/archives/{sim.channel(channel).id}/p{ts.replace('.', '')}"
    )


def prompt_ts(ws: Workspace, words: str) -> str:
    """The bot's top-level message (the board aside) whose text holds ``words``."""
    found = ws.sim.wait_for(
        lambda: next((m for m in ws.sim.bot_messages(ws.channel)[1:] if words in m.text), None),
        message=words,
    )
    assert found is not None
    return found.ts


def test_a_contributor_sees_stage_votes_left_and_the_way_to_the_cards(
    workspace: Workspace,
) -> None:
    sim = workspace.sim
    walk_to(workspace, "voting")
    voting = prompt_ts(workspace, "Voting is open")
    cards = sim.wait_for(
        lambda: r if len(r := sim.replies(workspace.channel, voting)) == 2 else None
    )
    assert cards is not None
    shown = open_home(workspace, "U_CHLOE")
    assert "*“Tracking”* in #delivery" in shown
    assert "Stage: *Voting*" in shown
    assert "You have *3 of 3* votes left." in shown
    link = home_buttons(sim, "U_CHLOE")["Vote on the cards"]
    assert link["url"] == permalink(sim, workspace.channel, voting)
    # A vote of hers refreshes it: her votes left go down without reopening.
    sim.user("U_CHLOE").react(workspace.channel, cards[0].ts, "+1")
    sim.wait_for(
        lambda: "*2 of 3* votes left" in sim.home_transcript("U_CHLOE"),
        message="the Home tab refreshed after her vote",
    )


def test_a_member_who_has_not_contributed_sees_what_is_missing_and_the_prompt(
    workspace: Workspace,
) -> None:
    sim = workspace.sim
    walk_to(workspace, "tasks")
    tasks_prompt = prompt_ts(workspace, "Tasks: reply with")
    shown = open_home(workspace, "U_EMI")
    assert "*“Tracking”* in #delivery" in shown
    assert "Stage: *Tasks*" in shown
    assert "You have not added any tasks yet." in shown
    assert "[Add tasks under A1] [Go to the prompt]" in shown
    buttons = home_buttons(sim, "U_EMI")
    assert buttons["Go to the prompt"]["url"] == permalink(sim, workspace.channel, tasks_prompt)
    # Slack opens a link button's URL itself and tells the app, which only acknowledges.
    followed = sim.user("U_EMI").click_home(label="Go to the prompt")
    assert followed.ok, followed.text
    # The form button opens the prompt's own form, for the workshop's channel.
    sim.user("U_EMI").click_home(label="Add tasks under A1")
    modal = sim.wait_for(lambda: sim.modal("U_EMI"), message="the add-tasks form")
    assert modal is not None
    sim.user("U_EMI").submit_modal({"items": "Notify the customer"})
    sim.wait_for(
        lambda: "You have added to this stage" in sim.home_transcript("U_EMI"),
        message="her Home tab after her task",
    )
    current = workspace.bot.service.current(workspace.team_id, workspace.channel)
    assert current is not None
    assert [(t.activity_id, t.text, t.author) for t in current.tasks][-1] == (
        "A1",
        "Notify the customer",
        "U_EMI",
    )


def test_a_published_map_is_listed_with_a_link_to_the_pinned_map(workspace: Workspace) -> None:
    sim = workspace.sim
    walk_to(workspace, "voting")
    slash(workspace, "U_ANA", "next")  # slicing
    slash(workspace, "U_ANA", "slice Track it = S1 S2")
    if "walking skeleton" in slash(workspace, "U_ANA", "publish"):
        slash(workspace, "U_ANA", "publish anyway")
    # Posted at Slack's one message a second per channel: give it time.
    pinned = sim.wait_for(
        lambda: sim.pinned(workspace.channel) or None, timeout=30, message="the map"
    )
    assert pinned is not None
    shown = open_home(workspace, "U_BEN")
    assert "Published maps" in shown
    assert "*“Tracking”* in #delivery · published" in shown
    assert "No workshop is running in the channels you are in." in shown
    link = home_buttons(sim, "U_BEN")["Open the map"]
    assert link["url"] == permalink(sim, workspace.channel, pinned[0].ts)


def test_start_a_workshop_from_home_checks_the_bot_is_in_the_channel(
    workspace: Workspace,
) -> None:
    sim = workspace.sim
    planning = sim.add_channel("#planning", members=["U_ANA"]).id
    elsewhere = sim.add_channel("#elsewhere", members=["U_ANA"], bot_member=False).id
    shown = open_home(workspace, "U_ANA")
    assert "No workshop is running" in shown
    sim.user("U_ANA").click_home(label="Start a workshop")
    modal = sim.wait_for(lambda: sim.modal("U_ANA"), message="the start form")
    assert modal is not None
    picker = next(b for b in modal.view["blocks"] if b["type"] == "input")["element"]
    assert picker["type"] == "conversations_select"
    assert picker["default_to_current_conversation"] is False
    # Refused where the bot is not a member: shown under the field, nothing started.
    refused = sim.user("U_ANA").submit_modal({"channel": elsewhere, "title": "Roadmap"})
    assert refused.ok
    still = sim.modal("U_ANA")
    assert still is not None
    assert "I'm not a member of" in still.errors["channel"]
    assert sim.bot_messages(elsewhere) == []
    # Where it is: the board appears, and her Home tab lists the new workshop.
    sim.user("U_ANA").submit_modal({"channel": planning, "title": "Roadmap"})
    assert sim.modal("U_ANA") is None
    board = sim.wait_for(lambda: sim.bot_messages(planning) or None, message="the board")
    assert board is not None
    sim.wait_for(
        lambda: "*“Roadmap”* in #planning" in sim.home_transcript("U_ANA"),
        message="the new workshop on her Home tab",
    )


def test_a_burst_of_changes_publishes_a_home_tab_a_couple_of_times(workspace: Workspace) -> None:
    sim = workspace.sim
    walk_to(workspace, "stories")
    sim.settle()
    open_home(workspace, "U_BEN")
    time.sleep(INTERVAL_S + 1)  # a refresh still due from the walk lands first
    opened = publishes(sim, "U_BEN")
    assert opened <= 2
    started = time.monotonic()
    for n in range(20):
        assert slash(workspace, "U_BEN", f"add T1 Story number {n}").startswith("Added")
    burst = time.monotonic() - started
    sim.wait_for(
        lambda: "You have added to this stage" in sim.home_transcript("U_BEN"),
        message="the Home tab after the burst",
    )
    time.sleep(2 * INTERVAL_S + 1)  # anything still coalescing is published by now
    refreshes = publishes(sim, "U_BEN") - opened
    # One per coalescing interval the burst lasted, plus the last one: a couple.
    assert 1 <= refreshes <= 2 + int(burst / INTERVAL_S), (refreshes, burst)
    assert refreshes <= 3
    # Nobody who never opened the Home tab was published anything.
    assert {c.args.get("user_id") for c in sim.calls_to("views.publish")} == {"U_BEN"}
