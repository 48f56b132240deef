"""The simulator refuses what Slack refuses, with Slack's error strings."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from slacksim import SlackLimits, SlackSimulator


def error_of(call: Any, **kwargs: Any) -> str:
    with pytest.raises(SlackApiError) as caught:
        call(**kwargs)
    assert caught.value.response["ok"] is False
    return str(caught.value.response["error"])


def section(text: str, block_id: str | None = None) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "section", "text": {"type": "mrkdwn", "text": text}}
    if block_id:
        block["block_id"] = block_id
    return block


def test_auth_errors(sim: SlackSimulator, team: str) -> None:
    wrong = WebClient(token="xoxb-wrong", base_url=sim.api_url)
    assert error_of(wrong.chat_postMessage, channel=team, text="x") == "invalid_auth"
    url = f"{sim.api_url}auth.test"
    request = urllib.request.Request(url, data=b"", method="POST")  # noqa: S310 (local http)
    with urllib.request.urlopen(request) as answer:  # noqa: S310
        assert json.loads(answer.read()) == {"ok": False, "error": "not_authed"}


def test_token_may_come_as_an_argument(sim: SlackSimulator) -> None:
    body = f"token={sim.identity.bot_token}".encode()
    url = f"{sim.api_url}auth.test"
    request = urllib.request.Request(url, data=body, method="POST")  # noqa: S310 (local http)
    with urllib.request.urlopen(request) as answer:  # noqa: S310
        assert json.loads(answer.read())["ok"] is True


def test_unknown_method(client: WebClient) -> None:
    assert error_of(client.api_call, api_method="conversations.join") == "unknown_method"


def test_channel_and_membership_errors(client: WebClient, sim: SlackSimulator) -> None:
    lobby = sim.channel("lobby").id
    assert error_of(client.chat_postMessage, channel="C_NOPE", text="x") == "channel_not_found"
    assert error_of(client.chat_postMessage, channel=lobby, text="x") == "not_in_channel"
    assert error_of(client.pins_add, channel=lobby, timestamp="1.000001") == "not_in_channel"
    secret = sim.add_channel("secret", ["U_ANA"], bot_member=False, private=True).id
    assert error_of(client.conversations_info, channel=secret) == "channel_not_found"
    sim.invite_bot("lobby")
    assert client.chat_postMessage(channel=lobby, text="now I can")["ok"]


def test_message_errors(client: WebClient, team: str) -> None:
    assert error_of(client.chat_update, channel=team, ts="1700000000.000100", text="x") == (
        "message_not_found"
    )
    assert error_of(client.chat_update, channel=team, ts="yesterday", text="x") == "bad_timestamp"
    assert error_of(client.api_call, api_method="chat.postMessage", json={"channel": team}) == (
        "no_text"
    )
    assert error_of(
        client.chat_postMessage, channel=team, text="x", thread_ts="1700000000.000999"
    ) == ("thread_not_found")
    assert error_of(client.chat_postMessage, channel=team, text="x", thread_ts="soon") == (
        "invalid_thread_ts"
    )
    assert error_of(client.chat_postEphemeral, channel=team, user="U_CHO", text="x") == (
        "user_not_in_channel"
    )
    assert error_of(client.chat_postEphemeral, channel=team, user="U_NOPE", text="x") == (
        "user_not_found"
    )
    assert error_of(client.users_info, user="U_NOPE") == "user_not_found"


@pytest.mark.usefixtures("endpoint")
def test_cannot_edit_or_delete_what_a_user_posted(
    client: WebClient, sim: SlackSimulator, team: str
) -> None:
    sim.user("ana").post("team", "my own words")
    ts = sim.messages("team")[0].ts
    assert error_of(client.chat_update, channel=team, ts=ts, text="x") == "cant_update_message"
    assert error_of(client.chat_delete, channel=team, ts=ts) == "cant_delete_message"


def test_double_pin_and_double_reaction(client: WebClient, team: str) -> None:
    ts = client.chat_postMessage(channel=team, text="x")["ts"]
    client.pins_add(channel=team, timestamp=ts)
    assert error_of(client.pins_add, channel=team, timestamp=ts) == "already_pinned"
    client.reactions_add(channel=team, timestamp=ts, name="tada")
    assert error_of(client.reactions_add, channel=team, timestamp=ts, name="tada") == (
        "already_reacted"
    )
    assert error_of(client.reactions_remove, channel=team, timestamp=ts, name="eyes") == (
        "no_reaction"
    )
    assert error_of(client.reactions_add, channel=team, timestamp=ts, name="Not Valid") == (
        "invalid_name"
    )
    other = client.chat_postMessage(channel=team, text="y")["ts"]
    assert error_of(client.pins_remove, channel=team, timestamp=other) == "no_pin"
    assert error_of(client.pins_add, channel=team) == "no_item_specified"


def test_text_too_long(client: WebClient, team: str) -> None:
    assert error_of(client.chat_postMessage, channel=team, text="x" * 40_001) == "msg_too_long"
    assert client.chat_postMessage(channel=team, text="x" * 40_000)["ok"]


def test_invalid_blocks_carry_json_pointers(client: WebClient, team: str) -> None:
    header = {"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}
    with pytest.raises(SlackApiError) as caught:
        client.chat_postMessage(channel=team, text="x", blocks=[section("ok"), header])
    assert caught.value.response["error"] == "invalid_blocks"
    messages = caught.value.response["response_metadata"]["messages"]
    assert any("[json-pointer:/blocks/1]" in m and "150" in m for m in messages)


@pytest.mark.parametrize(
    "blocks",
    [
        pytest.param([{"type": "nope"}], id="unknown block type"),
        pytest.param([section("x" * 3001)], id="section text over 3000"),
        pytest.param([{"type": "section"}], id="section without text or fields"),
        pytest.param([section("a", "same"), section("b", "same")], id="duplicate block_id"),
        pytest.param([{**section("a"), "colour": "red"}], id="unknown property"),
        pytest.param(
            [{"type": "header", "text": {"type": "mrkdwn", "text": "h"}}], id="mrkdwn header"
        ),
        pytest.param(
            [{"type": "actions", "elements": [{"type": "button", "text": "Go", "action_id": "g"}]}],
            id="button text as a bare string",
        ),
        pytest.param(
            [
                {
                    "type": "actions",
                    "elements": [
                        {"type": "button", "text": {"type": "plain_text", "text": "x" * 76}}
                    ],
                }
            ],
            id="button label over 75",
        ),
        pytest.param([{"type": "actions", "elements": [{"type": "bogus"}]}], id="unknown element"),
        pytest.param([section(f"{i}") for i in range(51)], id="51 blocks"),
    ],
)
def test_blocks_slack_rejects(client: WebClient, team: str, blocks: list[dict[str, Any]]) -> None:
    assert error_of(client.chat_postMessage, channel=team, text="x", blocks=blocks) == (
        "invalid_blocks"
    )
    ts = client.chat_postMessage(channel=team, text="x")["ts"]
    assert error_of(client.chat_update, channel=team, ts=ts, text="x", blocks=blocks) == (
        "invalid_blocks"
    )


def test_block_text_budget(client: WebClient, team: str) -> None:
    five_k = [section("x" * 2_500) for _ in range(4)]
    assert client.chat_postMessage(channel=team, text="x", blocks=five_k)["ok"]
    over = [section("x" * 3_000) for _ in range(4)] + [section("y")]
    assert error_of(client.chat_postMessage, channel=team, text="x", blocks=over) == (
        "msg_blocks_too_long"
    )


def test_blocks_must_be_json(client: WebClient, team: str) -> None:
    assert (
        error_of(
            client.api_call,
            api_method="chat.postMessage",
            params={"channel": team, "text": "x", "blocks": "[{not json"},
        )
        == "invalid_blocks_format"
    )


def test_limits_are_configurable() -> None:
    with SlackSimulator(limits=SlackLimits(message_blocks=2, text_chars=10)) as small:
        small.add_channel("c")
        client = WebClient(token=small.identity.bot_token, base_url=small.api_url)
        channel = small.channel("c").id
        assert error_of(client.chat_postMessage, channel=channel, text="x" * 11) == "msg_too_long"
        three = [section("a"), section("b"), section("c")]
        assert error_of(client.chat_postMessage, channel=channel, text="x", blocks=three) == (
            "invalid_blocks"
        )
