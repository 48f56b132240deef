"""Editing or deleting a thread reply changes what it added, through the real bot over HTTP.

An edit renames the reply's items when its lines still map one to one (else nothing
changes and the author is told why), a deletion removes them; the author hears the
outcome ephemerally in the thread. A reply also sent to the channel counts the same.
Someone editing or deleting a message that added nothing hears nothing.
"""

from __future__ import annotations

import pytest

from bot.domain.model import Workshop
from slacksim import Ephemeral, Message
from tests.e2e.conftest import Workspace
from tests.e2e.test_message_subtypes import assert_quiet
from tests.e2e.test_workshop import board_text, walk_to

pytestmark = [pytest.mark.store, pytest.mark.slow]


def prompt(ws: Workspace, title: str) -> Message:
    """The bot's prompt whose text starts with ``title`` (waits for it)."""
    found = ws.sim.wait_for(
        lambda: next(
            (m for m in ws.sim.bot_messages(ws.channel) if m.text.startswith(title)), None
        ),
        message=f"the prompt {title!r}",
    )
    assert found is not None
    return found


def workshop(ws: Workspace) -> Workshop:
    found = ws.bot.store.load(ws.team_id, ws.channel)
    assert found is not None
    return found


def tasks(ws: Workspace) -> list[tuple[str, str]]:
    return [(t.id, t.text) for t in workshop(ws).tasks]


def told(ws: Workspace, user: str, before: int) -> Ephemeral:
    """The one ephemeral ``user`` got after the first ``before`` (waits for it)."""
    found = ws.sim.wait_for(
        lambda: ws.sim.ephemerals(user)[before:] or None, message=f"what {user} was told"
    )
    assert found is not None
    ws.sim.settle()
    later = ws.sim.ephemerals(user)[before:]
    assert len(later) == 1, [e.text for e in later]
    return later[0]


def two_tasks(ws: Workspace, user: str, *, broadcast: bool = False) -> tuple[Message, Message]:
    """At the tasks stage, ``user`` replies two tasks under A1: (the prompt, the reply)."""
    walk_to(ws, "tasks")
    asked = prompt(ws, "Tasks under A1")
    text = "View map\nSee ETA"
    driver = ws.sim.user(user)
    sent = (
        driver.broadcast_reply(ws.channel, asked.ts, text)
        if broadcast
        else driver.reply(ws.channel, asked.ts, text)
    )
    assert sent.ok, sent.text
    ws.sim.wait_for(lambda: len(tasks(ws)) == 2 or None, message="the two tasks")
    ws.sim.wait_for(lambda: "See ETA" in board_text(ws) or None, message="the board")
    ws.sim.settle()
    reply = ws.sim.replies(ws.channel, asked.ts)[-1]
    assert reply.user == user
    return asked, reply


def test_editing_or_deleting_a_message_that_added_nothing_says_nothing(
    workspace: Workspace, caplog: pytest.LogCaptureFixture
) -> None:
    ws, sim = workspace, workspace.sim
    walk_to(ws, "tasks")
    activities = prompt(ws, "Backbone activities")
    ben = sim.user("U_BEN")
    # A reply to the activities' prompt now that it is too late: refused, added nothing.
    late = ben.reply(ws.channel, activities.ts, "Plan shipment")
    assert late.ok, late.text
    sim.wait_for(lambda: sim.ephemerals("U_BEN") or None, message="the refusal")
    sim.settle()
    refused = sim.replies(ws.channel, activities.ts)[-1]
    top = ben.post(ws.channel, "Lunch at 1?")
    assert top.ok, top.text
    lunch = next(m for m in reversed(sim.messages(ws.channel)) if m.text == "Lunch at 1?")
    chat = ben.reply(ws.channel, lunch.ts, "Or 2?")
    assert chat.ok, chat.text
    aside = sim.replies(ws.channel, lunch.ts)[-1]
    sim.settle()
    before_state = workshop(ws)
    before = len(sim.ephemerals("U_BEN"))
    caplog.clear()

    deliveries = [
        ben.edit_message(ws.channel, refused.ts, "Plan the shipment"),
        ben.delete_message(ws.channel, refused.ts),
        ben.edit_message(ws.channel, lunch.ts, "Lunch at 12?"),
        ben.edit_message(ws.channel, aside.ts, "Or 3?"),
        ben.delete_message(ws.channel, aside.ts),
        ben.delete_message(ws.channel, lunch.ts),
    ]
    sim.settle()

    for delivery in deliveries:
        assert_quiet(delivery, caplog)
    assert len(sim.ephemerals("U_BEN")) == before
    assert workshop(ws) == before_state
