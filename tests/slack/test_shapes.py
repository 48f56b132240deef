"""Payload shapes checked before any listener runs (``bot.slack.shapes``)."""

from __future__ import annotations

from typing import Any

import pytest

from bot.slack.shapes import malformed

COMMAND = {"command": "/storymap", "team_id": "T1", "channel_id": "C1", "user_id": "U1"}
ACTIONS = {
    "type": "block_actions",
    "user": {"id": "U1", "team_id": "T1"},
    "actions": [{"action_id": "storymap.next_stage", "value": "{}"}],
}
SUBMISSION = {
    "type": "view_submission",
    "user": {"id": "U1"},
    "team": {"id": "T1"},
    "view": {
        "id": "V1",
        "type": "modal",
        "callback_id": "storymap.add_items",
        "state": {"values": {"b": {"a": {}}}},
    },
}
REPLY = {
    "type": "event_callback",
    "team_id": "T1",
    "event": {"type": "message", "channel": "C1", "ts": "1.2", "user": "U1", "text": "x"},
}


@pytest.mark.parametrize("body", [COMMAND, ACTIONS, SUBMISSION, REPLY, {"type": "other"}])
def test_slack_shaped_payloads_pass(body: dict[str, Any]) -> None:
    assert malformed(body) is None


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({**COMMAND, "channel_id": 5}, "command payload: channel_id string_type"),
        ({**ACTIONS, "actions": []}, "block_actions without an action"),
        ({**ACTIONS, "user": {"id": "U1"}}, "block_actions without a team"),
        ({**ACTIONS, "actions": ["x"]}, "block_actions payload: actions.0 model_type"),
        (
            {
                **SUBMISSION,
                "view": {
                    "id": "V1",
                    "type": "modal",
                    "callback_id": "c",
                    "state": {"values": {"b": "x"}},
                },
            },
            "view_submission payload: view.state.values dict_type",
        ),
        (
            {**REPLY, "event": {"type": "reaction_added", "user": "U1"}},
            "event_callback payload: reaction missing",
        ),
        (
            {"type": "event_callback", "team_id": "T1", "event": []},
            "event_callback payload: event model_type",
        ),
    ],
)
def test_payloads_without_the_fields_listeners_read_are_named(
    body: dict[str, Any], problem: str
) -> None:
    assert malformed(body) == problem
