"""The driver's requests are what Slack sends: shapes, encodings and exact signatures."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier

from slacksim import SlackSimulator
from slacksim.signing import signature

if TYPE_CHECKING:
    from tests.simulator.conftest import RecordingEndpoint


def form(body: bytes) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()}


def payload(body: bytes) -> Any:
    return json.loads(form(body)["payload"])


def test_signature_matches_slack_sdk(sim: SlackSimulator, endpoint: RecordingEndpoint) -> None:
    sim.user("ana").slash("team", "/storymap", "start Tracking")
    sim.user("ana").post("team", "hello")
    verifier = SignatureVerifier(sim.signing_secret)
    assert len(endpoint.received) == 2
    for request in endpoint.received:
        assert verifier.is_valid_request(request.body, request.headers)
        tampered = request.body + b" "
        assert not verifier.is_valid_request(tampered, request.headers)


def test_signature_formula() -> None:
    # v0=HMAC-SHA256(secret, "v0:{timestamp}:{body}") as Slack documents it.
    expected = SignatureVerifier("s3cret").generate_signature(timestamp="1531420618", body="a=b")
    assert signature("s3cret", "1531420618", b"a=b") == expected


def test_slash_command_form_fields(sim: SlackSimulator, endpoint: RecordingEndpoint) -> None:
    sim.user("ana").slash("#team", "/storymap", "add A1 Plan shipment")
    request = endpoint.received[0]
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    fields = form(request.body)
    assert fields["command"] == "/storymap"
    assert fields["text"] == "add A1 Plan shipment"
    assert (fields["user_id"], fields["user_name"]) == ("U_ANA", "ana")
    assert (fields["channel_id"], fields["channel_name"]) == (sim.channel("team").id, "team")
    assert fields["team_id"] == sim.identity.team_id
    assert fields["api_app_id"] == sim.identity.app_id
    assert fields["response_url"].startswith(f"{sim.base_url}response/")
    assert fields["trigger_id"].count(".") == 2
    assert set(fields) >= {"token", "team_domain", "is_enterprise_install"}


def test_event_envelopes_and_retries(sim: SlackSimulator, endpoint: RecordingEndpoint) -> None:
    ana = sim.user("ana")
    ana.post("team", "prompt")
    parent = sim.messages("team")[0].ts
    first = ana.reply("team", parent, "Plan shipment\nAssign driver")
    envelope = json.loads(endpoint.received[-1].body)
    assert endpoint.received[-1].headers["Content-Type"] == "application/json"
    assert envelope["type"] == "event_callback"
    assert envelope["event_id"] == first.event_id
    assert envelope["authorizations"][0]["user_id"] == sim.identity.bot_user_id
    event = envelope["event"]
    assert (event["type"], event["thread_ts"], event["user"]) == ("message", parent, "U_ANA")
    assert event["text"] == "Plan shipment\nAssign driver"
    assert event["parent_user_id"] == "U_ANA"

    again = sim.driver.retry(first, retry_num=1, reason="http_timeout")
    retried = endpoint.received[-1]
    assert retried.body == endpoint.received[-2].body
    assert retried.headers["X-Slack-Retry-Num"] == "1"
    assert retried.headers["X-Slack-Retry-Reason"] == "http_timeout"
    assert SignatureVerifier(sim.signing_secret).is_valid_request(retried.body, retried.headers)
    assert again.event_id == first.event_id


def test_reaction_events(sim: SlackSimulator, endpoint: RecordingEndpoint, team: str) -> None:
    ana = sim.user("ana")
    ana.post("team", "card")
    ts = sim.messages("team")[0].ts
    ana.react("team", ts, ":+1:")
    ana.unreact("team", ts, "+1")
    added, removed = (json.loads(r.body)["event"] for r in endpoint.received[-2:])
    assert added["type"] == "reaction_added"
    assert removed["type"] == "reaction_removed"
    assert added["item"] == {"type": "message", "channel": team, "ts": ts}
    assert (added["reaction"], added["user"], added["item_user"]) == ("+1", "U_ANA", "U_ANA")


def test_clicks_carry_the_message_and_a_fresh_trigger(
    sim: SlackSimulator, endpoint: RecordingEndpoint, team: str
) -> None:
    client = WebClient(token=sim.identity.bot_token, base_url=sim.api_url)
    blocks = [
        {
            "type": "actions",
            "block_id": "stage",
            "elements": [
                {
                    "type": "button",
                    "text": {"type": "plain_text", "text": "Add activities"},
                    "action_id": "add_activity",
                    "value": "ws-1",
                }
            ],
        }
    ]
    ts = client.chat_postMessage(channel=team, text="prompt", blocks=blocks)["ts"]
    sim.user("ben").click("team", ts, label="Add activities")
    sim.user("ben").click("team", ts, label="Add activities")
    first, second = (payload(r.body) for r in endpoint.received)
    assert first["type"] == "block_actions"
    assert first["actions"][0]["action_id"] == "add_activity"
    assert first["actions"][0]["block_id"] == "stage"
    assert first["actions"][0]["value"] == "ws-1"
    assert first["container"] == {
        "type": "message",
        "message_ts": ts,
        "channel_id": team,
        "is_ephemeral": False,
    }
    assert first["message"]["ts"] == ts
    assert first["user"]["id"] == "U_BEN"
    assert first["trigger_id"] != second["trigger_id"]
    assert first["response_url"] != second["response_url"]


def test_a_slow_bot_times_out_like_slack(sim: SlackSimulator, endpoint: RecordingEndpoint) -> None:
    sim.driver.ack_timeout = 0.2
    endpoint.delay = 0.5
    delivery = sim.user("ana").slash("team", "/storymap", "status")
    assert delivery.timed_out
    assert delivery.ack_error == "operation_timeout"
    assert not delivery.ok


def test_url_verification(sim: SlackSimulator, endpoint: RecordingEndpoint) -> None:
    endpoint.reply_body = b'{"challenge": "abc"}'
    delivery = sim.driver.url_verification("abc")
    assert json.loads(endpoint.received[0].body) == {
        "token": sim.identity.verification_token,
        "challenge": "abc",
        "type": "url_verification",
    }
    assert delivery.json() == {"challenge": "abc"}
