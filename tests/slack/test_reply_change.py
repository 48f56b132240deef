"""``reply_change``: which edited or deleted messages can touch what a reply added.

The events are built by the simulator's own shapes (``slacksim.message_events``), the
ones Slack sends: the message sits inside the event, not at its top level.
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.slack.listeners.events import ReplyChange, reply_change
from slacksim.message_events import (
    message_changed,
    message_deleted,
    other_app_message,
    user_message,
)
from slacksim.state import Channel, Identity, Message, Revision, Workspace

PROMPT_TS = "1700000000.000100"
REPLY_TS = "1700000001.000200"
EDIT_TS = "1700000002.000300"


@pytest.fixture
def space() -> Workspace:
    identity = Identity(
        team_id="T1",
        team_domain="sim",
        team_name="Sim",
        bot_user_id="U0BOT",
        bot_id="B0BOT",
        app_id="A0APP",
        bot_name="storymap",
        bot_token="xoxb-unused",
        verification_token="unused",
    )
    workspace = Workspace(identity)
    prompt = Message("C1", PROMPT_TS, "U0BOT", "Reply, one per line", [], is_bot=True)
    workspace.add_message(prompt)
    return workspace


CHANNEL = Channel("C1", "delivery", ["U_ANA"], bot_member=True, is_private=False, created=1)


def reply(space: Workspace, text: str, *, broadcast: bool = False, **extra: Any) -> Message:
    message = Message(
        "C1", REPLY_TS, "U_ANA", text, [], thread_ts=PROMPT_TS, reply_broadcast=broadcast, **extra
    )
    space.add_message(message)
    return message


def edited(space: Workspace, message: Message, text: str) -> dict[str, Any]:
    """``message`` edited to ``text``, as Slack tells it."""
    previous = user_message(space, message)
    message.history.append(Revision(message.text, message.blocks, edited_ts=EDIT_TS))
    message.text = text
    return message_changed(CHANNEL, user_message(space, message), previous, EDIT_TS)


def deleted(space: Workspace, message: Message) -> dict[str, Any]:
    return message_deleted(CHANNEL, user_message(space, message), message.ts, EDIT_TS)


def test_an_edited_reply_gives_its_new_lines_its_author_and_its_own_ts(
    space: Workspace,
) -> None:
    event = edited(
        space, reply(space, "Plan shipmnt\nAsign driver"), "Plan shipment\n- Assign driver"
    )
    assert "user" not in event  # the author is only inside the event
    assert reply_change(event) == ReplyChange(
        user="U_ANA",
        thread_ts=PROMPT_TS,
        source_ts=REPLY_TS,
        lines=("Plan shipment", "Assign driver"),
    )


def test_a_deleted_reply_is_read_from_the_message_it_was(space: Workspace) -> None:
    event = deleted(space, reply(space, "Plan shipment"))
    assert reply_change(event) == ReplyChange(
        user="U_ANA", thread_ts=PROMPT_TS, source_ts=REPLY_TS, lines=None
    )


def test_a_reply_also_sent_to_the_channel_carries_its_subtype_inside_and_counts(
    space: Workspace,
) -> None:
    message = reply(space, "Plan shipmnt", broadcast=True)
    event = edited(space, message, "Plan shipment")
    assert event["message"]["subtype"] == "thread_broadcast"
    assert reply_change(event) == ReplyChange("U_ANA", PROMPT_TS, REPLY_TS, ("Plan shipment",))
    gone = reply_change(deleted(space, message))
    assert gone == ReplyChange("U_ANA", PROMPT_TS, REPLY_TS, None)


def test_a_reply_with_a_file_counts(space: Workspace) -> None:
    message = reply(space, "Plan shipmnt", files=[{"id": "F1", "name": "route.png"}])
    change = reply_change(edited(space, message, "Plan shipment"))
    assert change == ReplyChange("U_ANA", PROMPT_TS, REPLY_TS, ("Plan shipment",))


def test_an_edit_that_reads_the_same_is_passed_over(space: Workspace) -> None:
    """Slack sends ``message_changed`` for an unfurl too; spaces or a list marker are the
    same lines."""
    assert reply_change(edited(space, reply(space, "Plan shipment"), "- Plan  shipment ")) is None


def test_a_reply_emptied_by_an_edit_has_no_lines(space: Workspace) -> None:
    change = reply_change(edited(space, reply(space, "Plan shipment"), "  "))
    assert change == ReplyChange("U_ANA", PROMPT_TS, REPLY_TS, ())


def test_top_level_messages_and_thread_parents_are_passed_over(space: Workspace) -> None:
    top = Message("C1", REPLY_TS, "U_ANA", "Lunch?", [])
    space.add_message(top)
    assert reply_change(edited(space, top, "Lunch at 1?")) is None
    assert reply_change(deleted(space, top)) is None
    # A parent with replies carries ``thread_ts`` equal to its own ``ts``.
    space.add_message(Message("C1", "1700000003.000400", "U_BEN", "yes", [], thread_ts=REPLY_TS))
    event = edited(space, top, "Lunch at 2?")
    assert event["message"]["thread_ts"] == event["message"]["ts"]
    assert reply_change(event) is None


def test_other_apps_and_the_bots_own_edits_are_passed_over(space: Workspace) -> None:
    post = Message("C1", REPLY_TS, "U0OTHERBOT", "Deploy done", [], thread_ts=PROMPT_TS)
    shown = other_app_message(space.identity, CHANNEL, post, legacy=False)
    assert reply_change(message_changed(CHANNEL, shown, shown | {"text": "x"}, EDIT_TS)) is None
    legacy = other_app_message(space.identity, CHANNEL, post, legacy=True)
    assert reply_change(message_deleted(CHANNEL, legacy, REPLY_TS, EDIT_TS)) is None


@pytest.mark.parametrize(
    "event",
    [
        {"type": "message", "subtype": "message_changed", "hidden": True, "channel": "C1"},
        {"type": "message", "subtype": "message_deleted", "deleted_ts": REPLY_TS},
        {"type": "message", "subtype": "message_changed", "message": "not a dict"},
        {"type": "message", "text": "a plain message", "user": "U_ANA", "ts": REPLY_TS},
    ],
)
def test_events_missing_the_message_are_passed_over(event: dict[str, Any]) -> None:
    assert reply_change(event) is None
