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
#: Seconds to wait for what the bot does after an event (generous: a busy machine).
WAIT = 30.0


def prompt(ws: Workspace, title: str) -> Message:
    """The bot's prompt whose text starts with ``title`` (waits for it)."""
    found = ws.sim.wait_for(
        lambda: next(
            (m for m in ws.sim.bot_messages(ws.channel) if m.text.startswith(title)), None
        ),
        timeout=WAIT,
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
        lambda: ws.sim.ephemerals(user)[before:] or None,
        timeout=WAIT,
        message=f"what {user} was told",
    )
    assert found is not None
    ws.sim.settle()
    later = ws.sim.ephemerals(user)[before:]
    assert len(later) == 1, [e.text for e in later]
    return later[0]


def two_tasks(ws: Workspace, user: str) -> tuple[Message, Message]:
    """At the tasks stage, ``user`` replies two tasks under A1: (the prompt, the reply)."""
    walk_to(ws, "tasks")
    asked = prompt(ws, "Tasks: reply with")
    sent = ws.sim.user(user).reply(ws.channel, asked.ts, "View map\nSee ETA")
    assert sent.ok, sent.text
    ws.sim.wait_for(lambda: len(tasks(ws)) == 2 or None, timeout=WAIT, message="the two tasks")
    ws.sim.wait_for(
        lambda: "2 tasks" in board_text(ws) or None, timeout=WAIT, message="the board's count"
    )
    ws.sim.settle()
    reply = ws.sim.replies(ws.channel, asked.ts)[-1]
    assert reply.user == user
    return asked, reply


def test_a_reply_edited_renames_both_of_its_tasks(
    workspace: Workspace, caplog: pytest.LogCaptureFixture
) -> None:
    ws, sim = workspace, workspace.sim
    asked, reply = two_tasks(ws, "U_BEN")
    before = len(sim.ephemerals("U_BEN"))
    caplog.clear()

    edited = sim.user("U_BEN").edit_message(
        ws.channel, reply.ts, "View the real-time map\nSee the estimated arrival"
    )

    assert_quiet(edited, caplog)
    sim.wait_for(
        lambda: (
            tasks(ws) == [("T1", "View the real-time map"), ("T2", "See the estimated arrival")]
            or None
        ),
        timeout=WAIT,
        message="the tasks renamed",
    )
    note = told(ws, "U_BEN", before)
    assert note.thread_ts == asked.ts
    assert "View the real-time map" in note.text
    assert "See the estimated arrival" in note.text
    assert_quiet(edited, caplog)
    # Slack delivering the same edit again changes nothing and says nothing more.
    again = sim.driver.retry(edited)
    assert again.ok, again.text
    sim.settle()
    assert len(sim.ephemerals("U_BEN")) == before + 1
    assert [t.text for t in workshop(ws).tasks] == [
        "View the real-time map",
        "See the estimated arrival",
    ]


def test_an_edit_with_more_lines_changes_nothing_and_says_why(workspace: Workspace) -> None:
    ws, sim = workspace, workspace.sim
    asked, reply = two_tasks(ws, "U_BEN")
    before_state = workshop(ws)
    before = len(sim.ephemerals("U_BEN"))

    edited = sim.user("U_BEN").edit_message(
        ws.channel, reply.ts, "View map\nSee ETA\nCall the driver"
    )

    assert edited.ok, edited.text
    note = told(ws, "U_BEN", before)
    assert note.thread_ts == asked.ts
    assert note.text.startswith("Your edited reply has 3 lines but it added 2 items (T1 T2)")
    assert "nothing was changed" in note.text
    assert workshop(ws) == before_state


def test_a_deleted_reply_takes_its_tasks_with_it(workspace: Workspace) -> None:
    ws, sim = workspace, workspace.sim
    asked, reply = two_tasks(ws, "U_BEN")
    before = len(sim.ephemerals("U_BEN"))

    deleted = sim.user("U_BEN").delete_message(ws.channel, reply.ts)

    assert deleted.ok, deleted.text
    sim.wait_for(lambda: tasks(ws) == [] or None, timeout=WAIT, message="the tasks removed")
    sim.wait_for(
        lambda: "0 tasks" in board_text(ws) or None, timeout=WAIT, message="the board's count"
    )
    note = told(ws, "U_BEN", before)
    assert note.thread_ts == asked.ts
    assert "T1" in note.text, note.text
    assert "T2" in note.text, note.text


def test_a_reply_also_sent_to_the_channel_is_renamed_on_the_board_when_edited(
    workspace: Workspace,
) -> None:
    ws, sim = workspace, workspace.sim
    walk_to(ws, "activities")
    asked = prompt(ws, "Backbone activities")
    sent = sim.user("U_CHLOE").broadcast_reply(ws.channel, asked.ts, "Plan shipmnt\nAsign driver")
    assert sent.ok, sent.text
    sim.wait_for(
        lambda: "Asign driver" in board_text(ws) or None, timeout=WAIT, message="the backbone"
    )
    sim.settle()
    reply = sim.replies(ws.channel, asked.ts)[-1]
    assert reply.reply_broadcast
    before = len(sim.ephemerals("U_CHLOE"))

    edited = sim.user("U_CHLOE").edit_message(ws.channel, reply.ts, "Plan shipment\nAssign driver")

    assert edited.ok, edited.text
    sim.wait_for(
        lambda: "*Backbone:* A1 Plan shipment → A2 Assign driver" in board_text(ws) or None,
        timeout=WAIT,
        message="the backbone renamed",
    )
    assert [a.text for a in workshop(ws).activities] == ["Plan shipment", "Assign driver"]
    assert told(ws, "U_CHLOE", before).thread_ts == asked.ts


def test_a_reply_with_a_file_is_renamed_then_removed(
    workspace: Workspace, caplog: pytest.LogCaptureFixture
) -> None:
    ws, sim = workspace, workspace.sim
    walk_to(ws, "tasks")
    asked = prompt(ws, "Tasks: reply with")
    dev = sim.user("U_DEV")
    sent = dev.share_file(ws.channel, asked.ts, "View map", name="route.png")
    assert sent.ok, sent.text
    sim.wait_for(
        lambda: tasks(ws) == [("T1", "View map")] or None, timeout=WAIT, message="the task"
    )
    sim.settle()
    reply = sim.replies(ws.channel, asked.ts)[-1]
    assert reply.files
    before = len(sim.ephemerals("U_DEV"))
    caplog.clear()

    edited = dev.edit_message(ws.channel, reply.ts, "View the map")
    sim.wait_for(
        lambda: tasks(ws) == [("T1", "View the map")] or None, timeout=WAIT, message="renamed"
    )
    assert told(ws, "U_DEV", before).thread_ts == asked.ts
    deleted = dev.delete_message(ws.channel, reply.ts)
    sim.wait_for(lambda: tasks(ws) == [] or None, timeout=WAIT, message="removed")
    assert told(ws, "U_DEV", before + 1).thread_ts == asked.ts

    assert_quiet(edited, caplog)
    assert_quiet(deleted, caplog)


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
    sim.wait_for(lambda: sim.ephemerals("U_BEN") or None, timeout=WAIT, message="the refusal")
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


def test_lines_that_do_not_say_their_activity_are_told_back_only_to_their_author(
    workspace: Workspace,
) -> None:
    ws, sim = workspace, workspace.sim
    walk_to(ws, "activities")
    for text in ("add Plan shipment", "add Track delivery"):
        assert sim.user("U_BEN").slash(ws.channel, "/storymap", text).ok
    assert sim.user("U_ANA").slash(ws.channel, "/storymap", "next").ok
    asked = prompt(ws, "Tasks: reply with")
    before = {user: len(sim.ephemerals(user)) for user in ("U_BEN", "U_ANA")}

    sent = sim.user("U_BEN").reply(ws.channel, asked.ts, "Enter pickup\nA2: View map\nSee ETA")

    assert sent.ok, sent.text
    sim.wait_for(lambda: tasks(ws) == [("T1", "View map")] or None, timeout=WAIT, message="T1")
    note = told(ws, "U_BEN", before["U_BEN"])
    assert note.thread_ts == asked.ts
    assert "Added T1 “View map” under A2" in note.text
    # A prefixed line says where it goes and no more: both others are quoted back.
    assert "> Enter pickup\n> See ETA" in note.text
    assert "`A2: Pick a driver`" in note.text
    assert len(sim.ephemerals("U_ANA")) == before["U_ANA"]
