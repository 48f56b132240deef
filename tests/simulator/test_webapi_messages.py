"""slack_sdk's WebClient, unchanged, against the simulator: the calls the bot makes."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import ActionsBlock, ButtonElement, HeaderBlock, SectionBlock

from slacksim import RateLimits, SlackSimulator


def test_auth_test_describes_the_bot(client: WebClient, sim: SlackSimulator) -> None:
    answer = client.auth_test()
    assert answer["user_id"] == sim.identity.bot_user_id
    assert answer["bot_id"] == sim.identity.bot_id
    assert answer["team_id"] == sim.identity.team_id


def test_post_message_stores_it_with_a_fresh_increasing_ts(
    client: WebClient, sim: SlackSimulator, team: str
) -> None:
    blocks = [
        HeaderBlock(text="Story map"),
        SectionBlock(text="*Persona*: Ops manager"),
        ActionsBlock(elements=[ButtonElement(text="Add activities", action_id="add")]),
    ]
    first = client.chat_postMessage(channel=team, text="map", blocks=blocks)
    second = client.chat_postMessage(channel=team, text="second")
    assert first["ts"] < second["ts"]
    assert first["message"]["bot_id"] == sim.identity.bot_id
    stored = sim.messages("team")
    assert [m.ts for m in stored] == [first["ts"], second["ts"]]
    assert stored[0].blocks[1]["text"]["text"] == "*Persona*: Ops manager"
    # Slack fills in the ids a payload leaves out.
    assert all("block_id" in b for b in stored[0].blocks)
    assert stored[0].blocks[2]["elements"][0]["action_id"] == "add"


def test_thread_replies_and_broadcast(client: WebClient, sim: SlackSimulator, team: str) -> None:
    parent = client.chat_postMessage(channel=team, text="prompt")["ts"]
    reply = client.chat_postMessage(channel=team, text="r1", thread_ts=parent)
    nested = client.chat_postMessage(channel=team, text="r2", thread_ts=reply["ts"])
    assert reply["message"]["thread_ts"] == parent
    assert nested["message"]["thread_ts"] == parent  # a reply to a reply joins the thread
    assert [m.text for m in sim.replies("team", parent)] == ["r1", "r2"]
    assert [m.text for m in sim.messages("team")] == ["prompt"]
    info = client.chat_getPermalink(channel=team, message_ts=reply["ts"])
    assert f"thread_ts={parent}" in info["permalink"]


def test_update_keeps_history_and_unsent_fields(
    client: WebClient, sim: SlackSimulator, team: str
) -> None:
    ts = client.chat_postMessage(
        channel=team, text="v1", blocks=[SectionBlock(text="one", block_id="b")]
    )["ts"]
    client.chat_update(channel=team, ts=ts, text="v2")
    client.api_call(
        "chat.update",
        json={"channel": team, "ts": ts, "blocks": [{"type": "divider", "block_id": "b"}]},
    )
    message = sim.message("team", ts)
    assert message is not None
    assert message.text == "v2"
    assert message.blocks == [{"type": "divider", "block_id": "b"}]
    assert message.edit_count == 2
    assert [r.text for r in message.history] == ["v1", "v2"]
    client.chat_update(channel=team, ts=ts, text="v4", blocks=[])
    removed = sim.message("team", ts)
    assert removed is not None
    assert removed.blocks == []


def test_ephemeral_delete_and_members(client: WebClient, sim: SlackSimulator, team: str) -> None:
    answer = client.chat_postEphemeral(channel=team, user="U_ANA", text="only you")
    assert [e.text for e in sim.ephemerals("ana")] == ["only you"]
    assert answer["message_ts"] == sim.ephemerals("ana")[0].ts
    ts = client.chat_postMessage(channel=team, text="bye")["ts"]
    client.chat_delete(channel=team, ts=ts)
    assert sim.message("team", ts) is None
    members = client.conversations_members(channel=team, limit=2)
    rest = client.conversations_members(
        channel=team, cursor=members["response_metadata"]["next_cursor"]
    )
    assert members["members"] + rest["members"] == ["U_ANA", "U_BEN", sim.identity.bot_user_id]
    assert rest["response_metadata"]["next_cursor"] == ""


def test_users_and_conversations_info(client: WebClient, sim: SlackSimulator, team: str) -> None:
    ben = client.users_info(user="U_BEN")["user"]
    assert ben["tz"] == "America/Los_Angeles"
    assert ben["tz_offset"] in (-8 * 3600, -7 * 3600)
    assert ben["profile"]["display_name"] == "ben"
    assert client.users_info(user="U_ANA")["user"]["real_name"] == "Ana Ops"
    channel = client.conversations_info(channel=team)["channel"]
    assert (channel["name"], channel["is_member"]) == ("team", True)
    lobby = client.conversations_info(channel=sim.channel("lobby").id)["channel"]
    assert lobby["is_member"] is False


def test_reactions_and_pins(client: WebClient, sim: SlackSimulator, team: str) -> None:
    first = client.chat_postMessage(channel=team, text="map")["ts"]
    second = client.chat_postMessage(channel=team, text="card")["ts"]
    client.reactions_add(channel=team, timestamp=second, name=":eyes:")
    client.pins_add(channel=team, timestamp=second)
    client.pins_add(channel=team, timestamp=first)
    card = sim.message("team", second)
    assert card is not None
    assert card.reactions == {"eyes": [sim.identity.bot_user_id]}
    assert [m.ts for m in sim.pinned("team")] == [second, first]
    listed = client.pins_list(channel=team)["items"]
    assert [item["message"]["ts"] for item in listed] == [second, first]
    client.pins_remove(channel=team, timestamp=second)
    client.reactions_remove(channel=team, timestamp=second, name="eyes")
    assert [m.ts for m in sim.pinned("team")] == [first]
    unreacted = sim.message("team", second)
    assert unreacted is not None
    assert unreacted.reactions == {}


def test_every_call_is_logged_and_counted(
    client: WebClient, sim: SlackSimulator, team: str
) -> None:
    client.chat_postMessage(channel=team, text="x")
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel="C_NOPE", text="x")
    assert sim.calls["chat.postMessage"] == 2
    log = sim.calls_to("chat.postMessage")
    assert [c.response["ok"] for c in log] == [True, False]
    assert "token" not in log[0].args


def test_concurrent_calls_get_unique_ordered_timestamps(sim: SlackSimulator, team: str) -> None:
    sim.rate_limits = RateLimits.disabled()
    client = WebClient(token=sim.identity.bot_token, base_url=sim.api_url)

    def post_many(worker: int) -> list[str]:
        return [
            str(client.chat_postMessage(channel=team, text=f"{worker}-{n}")["ts"])
            for n in range(15)
        ]

    with ThreadPoolExecutor(max_workers=8) as pool:
        per_worker = list(pool.map(post_many, range(8)))
    stamps = [ts for batch in per_worker for ts in batch]
    assert len(set(stamps)) == 120
    assert all(batch == sorted(batch) for batch in per_worker)
    stored = [m.ts for m in sim.messages("team")]
    assert stored == sorted(stamps)
    assert sim.calls["chat.postMessage"] == 120


@pytest.mark.parametrize(
    ("paging", "error"),
    [({"limit": 0}, "invalid_limit"), ({"cursor": "bm9wZQ=="}, "invalid_cursor")],
)
def test_member_paging_errors(
    client: WebClient, team: str, paging: dict[str, Any], error: str
) -> None:
    with pytest.raises(SlackApiError) as caught:
        client.conversations_members(channel=team, **paging)
    assert caught.value.response["error"] == error


@pytest.mark.usefixtures("endpoint")
def test_reaction_aliases_share_one_name(client: WebClient, sim: SlackSimulator, team: str) -> None:
    ts = client.chat_postMessage(channel=team, text="card")["ts"]
    client.reactions_add(channel=team, timestamp=ts, name="thumbsup")
    sim.user("ana").react("team", ts, ":+1:")
    card = sim.message("team", ts)
    assert card is not None
    assert card.reactions == {"+1": [sim.identity.bot_user_id, "U_ANA"]}
