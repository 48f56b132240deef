"""``response_url``: what the bot posts there lands where Slack would put it."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from slack_sdk import WebClient
from slack_sdk.models.blocks import ActionsBlock, ButtonElement

from slacksim import SlackLimits, SlackSimulator

if TYPE_CHECKING:
    from tests.simulator.conftest import RecordingEndpoint


def post(url: str, payload: dict[str, Any]) -> tuple[int, str]:
    request = urllib.request.Request(  # noqa: S310 (local http)
        url,
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request) as answer:  # noqa: S310
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as refused:
        with refused:
            return refused.code, refused.read().decode()


def response_url_of(endpoint: RecordingEndpoint) -> str:
    body = endpoint.received[-1].body.decode()
    fields = parse_qs(body)
    if "payload" in fields:
        return str(json.loads(fields["payload"][0])["response_url"])
    return fields["response_url"][0]


def card(client: WebClient, channel: str) -> str:
    blocks = [ActionsBlock(elements=[ButtonElement(text="Vote", action_id="vote")])]
    return str(client.chat_postMessage(channel=channel, text="S1", blocks=blocks)["ts"])


def test_default_is_ephemeral_and_in_channel_posts(
    sim: SlackSimulator, endpoint: RecordingEndpoint
) -> None:
    sim.user("ana").slash("team", "/storymap", "status")
    url = response_url_of(endpoint)
    assert post(url, {"text": "Stage: activities"}) == (200, '{"ok": true}')
    assert post(url, {"text": "Published", "response_type": "in_channel"})[0] == 200
    assert [e.text for e in sim.ephemerals("ana")] == ["Stage: activities"]
    assert sim.ephemerals("ana")[0].source == "response_url"
    assert [m.text for m in sim.bot_messages("team")] == ["Published"]


def test_replace_and_delete_original(
    sim: SlackSimulator, endpoint: RecordingEndpoint, client: WebClient, team: str
) -> None:
    ts = card(client, team)
    sim.user("ben").click("team", ts, label="Vote")
    url = response_url_of(endpoint)
    assert post(url, {"text": "Voted", "replace_original": True})[0] == 200
    replaced = sim.message("team", ts)
    assert replaced is not None
    assert (replaced.text, replaced.edit_count) == ("Voted", 1)
    assert post(url, {"delete_original": True})[0] == 200
    assert sim.message("team", ts) is None


def test_buttons_in_ephemeral_messages(
    sim: SlackSimulator, endpoint: RecordingEndpoint, client: WebClient, team: str
) -> None:
    blocks = [ActionsBlock(elements=[ButtonElement(text="Undo", action_id="undo")])]
    ts = client.chat_postEphemeral(channel=team, user="U_ANA", text="Added", blocks=blocks)[
        "message_ts"
    ]
    sim.user("ana").click("team", ts, label="Undo")
    payload = json.loads(parse_qs(endpoint.received[-1].body.decode())["payload"][0])
    assert payload["container"]["is_ephemeral"] is True
    assert "message" not in payload
    assert post(payload["response_url"], {"text": "Undone", "replace_original": True})[0] == 200
    assert [e.text for e in sim.ephemerals("ana")] == ["Undone"]
    assert post(payload["response_url"], {"delete_original": True})[0] == 200
    assert sim.ephemerals("ana") == []


def test_refusals(sim: SlackSimulator, endpoint: RecordingEndpoint) -> None:
    sim.user("ana").slash("team", "/storymap", "status")
    url = response_url_of(endpoint)
    assert post(url, {}) == (400, "no_text")
    assert post(url, {"blocks": [{"type": "nope"}]}) == (400, "invalid_blocks")
    assert post(f"{sim.base_url}response/unknown", {"text": "x"}) == (404, "no_service")
    for n in range(3):  # 2 refused posts above count as uses, like Slack
        assert post(url, {"text": f"{n}"})[0] == 200
    assert post(url, {"text": "sixth"}) == (404, "used_url")


def test_expiry_is_configurable() -> None:
    with SlackSimulator(limits=SlackLimits(response_url_ttl=0.0)) as quick:
        quick.add_user("U_ANA", "ana")
        quick.add_channel("c", ["U_ANA"])
        url = quick.issue_response_url("c", "ana")
        assert post(url, {"text": "late"}) == (404, "expired_url")


def test_a_slash_ack_with_content_is_shown(
    sim: SlackSimulator, endpoint: RecordingEndpoint
) -> None:
    endpoint.reply_body = b'{"text": "ok", "blocks": [{"type": "divider"}]}'
    delivery = sim.user("ana").slash("team", "/storymap", "status")
    assert delivery.ok
    assert delivery.shown is not None
    assert (delivery.shown.text, delivery.shown.blocks[0]["type"]) == ("ok", "divider")


def test_a_slash_ack_with_invalid_blocks_shows_nothing(
    sim: SlackSimulator, endpoint: RecordingEndpoint
) -> None:
    header = {"type": "header", "text": {"type": "mrkdwn", "text": "x"}}
    endpoint.reply_body = json.dumps({"text": "ok", "blocks": [header]}).encode()
    delivery = sim.user("ana").slash("team", "/storymap", "status")
    assert delivery.status == 200
    assert delivery.ack_error == "invalid_blocks"
    assert delivery.shown is None
    assert sim.ephemerals("ana") == []
