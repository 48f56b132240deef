"""``message`` events with subtypes: thread broadcasts, file shares, edits, deletions and
other apps' posts reach the bot shaped as Slack's event reference shows them."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from slack_sdk import WebClient

from slacksim import SimulatorError, SlackSimulator

if TYPE_CHECKING:
    from tests.simulator.conftest import RecordingEndpoint


def last_event(endpoint: RecordingEndpoint) -> dict[str, Any]:
    envelope = json.loads(endpoint.received[-1].body)
    assert envelope["type"] == "event_callback"
    event: dict[str, Any] = envelope["event"]
    return event


def test_thread_broadcast_is_one_event_with_the_root(
    sim: SlackSimulator, client: WebClient, team: str, endpoint: RecordingEndpoint
) -> None:
    prompt = client.chat_postMessage(channel=team, text="Reply, one per line")["ts"]
    sim.user("ana").reply("team", prompt, "first")
    before = len(endpoint.received)
    delivery = sim.user("ben").broadcast_reply("team", prompt, "Plan shipment")
    assert delivery.ok
    assert len(endpoint.received) == before + 1
    event = last_event(endpoint)
    assert event["subtype"] == "thread_broadcast"
    assert (event["user"], event["text"], event["thread_ts"]) == ("U_BEN", "Plan shipment", prompt)
    assert event["event_ts"] == event["ts"]
    assert "parent_user_id" not in event
    assert event["blocks"][0]["type"] == "rich_text"
    root = event["root"]
    assert (root["ts"], root["thread_ts"], root["reply_count"]) == (prompt, prompt, 2)
    assert root["reply_users"] == ["U_ANA", "U_BEN"]
    assert root["reply_users_count"] == 2
    assert root["latest_reply"] == event["ts"]
    assert root["bot_id"] == sim.identity.bot_id
    # In the thread once; marked as also sent to the channel.
    assert [r.text for r in sim.replies("team", prompt)] == ["first", "Plan shipment"]
    assert "  ↳ ben (also sent to the channel)\n      Plan shipment\n" in sim.transcript("team")


def test_file_share_with_and_without_text(
    sim: SlackSimulator, client: WebClient, team: str, endpoint: RecordingEndpoint
) -> None:
    prompt = client.chat_postMessage(channel=team, text="Reply, one per line")["ts"]
    sim.user("ana").share_file("team", prompt, "Plan shipment", name="plan.png")
    event = last_event(endpoint)
    assert event["subtype"] == "file_share"
    assert (event["text"], event["thread_ts"], event["parent_user_id"]) == (
        "Plan shipment",
        prompt,
        sim.identity.bot_user_id,
    )
    assert event["upload"] is False
    assert event["display_as_bot"] is False
    assert [f["name"] for f in event["files"]] == ["plan.png"]
    assert event["files"][0]["id"].startswith("F")
    assert "client_msg_id" in event
    assert "blocks" in event

    sim.user("ben").share_file("team", text="", name="photo.jpg")
    bare = last_event(endpoint)
    assert bare["text"] == ""
    assert "thread_ts" not in bare
    assert "blocks" not in bare
    assert "client_msg_id" not in bare
    transcript = sim.transcript("team")
    assert "      Plan shipment\n      [file: plan.png]\n" in transcript
    assert "ben\n  [file: photo.jpg]\n" in transcript


def test_an_edit_sends_message_changed_with_both_versions(
    sim: SlackSimulator, client: WebClient, team: str, endpoint: RecordingEndpoint
) -> None:
    prompt = client.chat_postMessage(channel=team, text="Reply, one per line")["ts"]
    sim.user("ana").reply("team", prompt, "Plan shipmnt")
    reply = sim.replies("team", prompt)[0]
    first = last_event(endpoint)
    sim.user("ana").edit_message("team", reply.ts, "Plan shipment")
    event = last_event(endpoint)
    assert event["subtype"] == "message_changed"
    assert event["hidden"] is True
    assert "user" not in event
    assert event["ts"] == event["event_ts"]
    assert event["ts"] > reply.ts
    current, previous = event["message"], event["previous_message"]
    assert (current["ts"], current["text"], current["user"]) == (reply.ts, "Plan shipment", "U_ANA")
    assert current["edited"] == {"user": "U_ANA", "ts": event["ts"]}
    assert (previous["text"], previous["ts"]) == ("Plan shipmnt", reply.ts)
    assert "edited" not in previous
    assert current["thread_ts"] == previous["thread_ts"] == prompt
    assert current["client_msg_id"] == previous["client_msg_id"] == first["client_msg_id"]
    assert sim.message("team", reply.ts).text == "Plan shipment"  # type: ignore[union-attr]
    assert "(edited ×1)" in sim.transcript("team")  # noqa: RUF001


def test_a_deletion_sends_message_deleted_with_the_previous_message(
    sim: SlackSimulator, client: WebClient, team: str, endpoint: RecordingEndpoint
) -> None:
    prompt = client.chat_postMessage(channel=team, text="Reply, one per line")["ts"]
    sim.user("ana").reply("team", prompt, "Plan shipment")
    reply = sim.replies("team", prompt)[0]
    sim.user("ana").delete_message("team", reply.ts)
    event = last_event(endpoint)
    assert event["subtype"] == "message_deleted"
    assert event["hidden"] is True
    assert "user" not in event
    assert event["deleted_ts"] == reply.ts
    assert event["ts"] > reply.ts
    assert event["previous_message"]["text"] == "Plan shipment"
    assert sim.message("team", reply.ts) is None
    assert sim.replies("team", prompt) == []


def test_users_edit_and_delete_only_their_own_messages(
    sim: SlackSimulator, client: WebClient, team: str, endpoint: RecordingEndpoint
) -> None:
    prompt = client.chat_postMessage(channel=team, text="Reply, one per line")["ts"]
    sim.user("ana").reply("team", prompt, "mine")
    reply = sim.replies("team", prompt)[0]
    sent = len(endpoint.received)
    with pytest.raises(SimulatorError, match="only their own"):
        sim.user("ben").edit_message("team", reply.ts, "yours now")
    with pytest.raises(SimulatorError, match="only their own"):
        sim.user("ana").delete_message("team", prompt)
    assert len(endpoint.received) == sent
    assert sim.message("team", reply.ts).text == "mine"  # type: ignore[union-attr]


def test_other_apps_posts_carry_bot_id(
    sim: SlackSimulator, client: WebClient, team: str, endpoint: RecordingEndpoint
) -> None:
    prompt = client.chat_postMessage(channel=team, text="Reply, one per line")["ts"]
    sim.driver.other_app_post("team", "from a webhook", prompt, legacy=True)
    legacy = last_event(endpoint)
    assert (legacy["subtype"], legacy["bot_id"], legacy["thread_ts"]) == (
        "bot_message",
        "B0OTHERAPP",
        prompt,
    )
    assert "user" not in legacy
    sim.driver.other_app_post("team", "from an app", prompt)
    modern = last_event(endpoint)
    assert "subtype" not in modern
    assert (modern["bot_id"], modern["user"]) == ("B0OTHERAPP", "U0OTHERBOT")


def test_web_api_shows_broadcasts_and_files_as_slack_does(
    sim: SlackSimulator, client: WebClient, team: str, endpoint: RecordingEndpoint
) -> None:
    prompt = client.chat_postMessage(channel=team, text="Reply, one per line")["ts"]
    sim.user("ana").broadcast_reply("team", prompt, "Plan shipment")
    sim.user("ben").share_file("team", prompt, "", name="route.png")
    broadcast, shared = sim.replies("team", prompt)
    client.pins_add(channel=team, timestamp=broadcast.ts)
    client.pins_add(channel=team, timestamp=shared.ts)
    items = {i["message"]["ts"]: i["message"] for i in client.pins_list(channel=team)["items"]}
    assert items[broadcast.ts]["subtype"] == "thread_broadcast"
    assert "files" not in items[broadcast.ts]
    assert [f["name"] for f in items[shared.ts]["files"]] == ["route.png"]
    assert "subtype" not in items[shared.ts]
