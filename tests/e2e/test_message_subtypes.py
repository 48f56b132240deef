"""Message subtypes in a prompt's thread, through the real bot over HTTP.

A reply also sent to the channel counts once; a reply carrying a file counts its text;
other apps' posts are never read as replies. None of them gets a 500 or leaves an error
in the log. Edits and deletions of replies: ``tests/e2e/test_reply_sync.py``.
"""

from __future__ import annotations

import logging

import pytest

from bot.domain.model import Workshop
from slacksim import Delivery, Message
from tests.e2e.conftest import Workspace
from tests.e2e.test_workshop import board_text, walk_to

pytestmark = [pytest.mark.store, pytest.mark.slow]


def activities_prompt(ws: Workspace) -> Message:
    walk_to(ws, "activities")
    prompt = ws.sim.wait_for(
        lambda: next(
            (m for m in ws.sim.bot_messages(ws.channel) if "reply, one per line" in m.text),
            None,
        ),
        message="the activities prompt",
    )
    assert prompt is not None
    return prompt


def workshop(ws: Workspace) -> Workshop:
    found = ws.bot.store.load(ws.team_id, ws.channel)
    assert found is not None
    return found


def activities(ws: Workspace) -> list[str]:
    return [a.text for a in workshop(ws).activities]


def assert_quiet(delivery: Delivery, caplog: pytest.LogCaptureFixture) -> None:
    assert delivery.ok, (delivery.status, delivery.text)
    noisy = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert noisy == [], [r.getMessage() for r in noisy]


def test_a_reply_also_sent_to_the_channel_counts_once(
    workspace: Workspace, caplog: pytest.LogCaptureFixture
) -> None:
    sim = workspace.sim
    prompt = activities_prompt(workspace)
    caplog.clear()
    delivery = sim.user("U_CHLOE").broadcast_reply(
        workspace.channel, prompt.ts, "Plan shipment\nAssign driver"
    )
    assert_quiet(delivery, caplog)
    sim.wait_for(lambda: "2 activities" in board_text(workspace), message="the board's count")
    sim.settle()
    assert activities(workspace) == ["Plan shipment", "Assign driver"]
    reply = sim.replies(workspace.channel, prompt.ts)[-1]
    assert reply.reply_broadcast

    def reactions() -> dict[str, list[str]] | None:
        current = sim.message(workspace.channel, reply.ts)
        return current.reactions if current is not None and current.reactions else None

    accepted = sim.wait_for(reactions, message="the accepted reaction")
    assert list(accepted or {}) == ["white_check_mark"]
    assert_quiet(delivery, caplog)


def test_a_reply_with_a_file_counts_its_text_and_a_bare_file_nothing(
    workspace: Workspace, caplog: pytest.LogCaptureFixture
) -> None:
    sim = workspace.sim
    prompt = activities_prompt(workspace)
    told = len(sim.ephemerals("U_BEN"))
    caplog.clear()
    with_text = sim.user("U_BEN").share_file(
        workspace.channel, prompt.ts, "Plan shipment", name="route.png"
    )
    assert_quiet(with_text, caplog)
    sim.wait_for(lambda: "1 activit" in board_text(workspace), message="the board's count")
    bare = sim.user("U_BEN").share_file(workspace.channel, prompt.ts, "", name="photo.jpg")
    sim.settle()
    assert_quiet(bare, caplog)
    assert activities(workspace) == ["Plan shipment"]
    assert len(sim.ephemerals("U_BEN")) == told


def test_other_apps_posts_in_a_prompts_thread_are_ignored(
    workspace: Workspace, caplog: pytest.LogCaptureFixture
) -> None:
    sim = workspace.sim
    prompt = activities_prompt(workspace)
    sim.settle()
    before = workshop(workspace)
    caplog.clear()

    legacy = sim.driver.other_app_post(workspace.channel, "Deploy done", prompt.ts, legacy=True)
    modern = sim.driver.other_app_post(workspace.channel, "Build green", prompt.ts)
    sim.settle()

    assert_quiet(legacy, caplog)
    assert_quiet(modern, caplog)
    assert workshop(workspace) == before
