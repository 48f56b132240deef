"""The Home tab in the simulator: ``views.publish`` with Slack's checks, ``users.conversations``,
and ``app_home_opened`` / clicks reaching a real Bolt app."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from slacksim import SlackSimulator
from tests.simulator.conftest import BoltBot


def home(text: str = "Hello", *, blocks: int = 1) -> dict[str, Any]:
    block = {"type": "section", "text": {"type": "mrkdwn", "text": text}}
    button = {
        "type": "actions",
        "elements": [
            {
                "type": "button",
                "action_id": "go",
                "text": {"type": "plain_text", "text": "Go"},
                "value": "1",
            }
        ],
    }
    return {"type": "home", "blocks": [block] * blocks + [button]}


def error_of(call: Any) -> tuple[str, list[str]]:
    try:
        call()
    except SlackApiError as failure:
        messages = (failure.response.get("response_metadata") or {}).get("messages", [])
        return str(failure.response["error"]), list(messages)
    raise AssertionError("the call succeeded")


def test_publish_keeps_one_view_per_user_and_the_transcript_shows_it(
    sim: SlackSimulator, client: WebClient
) -> None:
    first = client.views_publish(user_id="U_ANA", view=home("*Your maps*"))["view"]
    assert (first["type"], first["root_view_id"]) == ("home", first["id"])
    second = client.views_publish(user_id="U_ANA", view=home("Updated"), hash=first["hash"])
    assert second["view"]["id"] == first["id"]
    assert second["view"]["hash"] != first["hash"]
    assert sim.home("U_ANA") == second["view"]
    assert sim.home("U_BEN") is None
    assert sim.home_transcript("U_ANA") == "[home]\n  Updated\n  [Go]\n"
    assert sim.home_transcript("U_BEN") == ""


def test_publish_refuses_what_slack_refuses(sim: SlackSimulator, client: WebClient) -> None:
    published = client.views_publish(user_id="U_ANA", view=home())["view"]
    stale = published["hash"]
    client.views_publish(user_id="U_ANA", view=home("Newer"))
    assert error_of(lambda: client.views_publish(user_id="U_ANA", view=home(), hash=stale)) == (
        "hash_conflict",
        [],
    )
    modal = {**home(), "type": "modal", "title": {"type": "plain_text", "text": "T"}}
    code, messages = error_of(lambda: client.views_publish(user_id="U_ANA", view=modal))
    assert code == "invalid_arguments"
    assert any("/view/type" in m for m in messages)
    code, messages = error_of(lambda: client.views_publish(user_id="U_ANA", view=home(blocks=100)))
    assert code == "invalid_arguments"
    assert any("no more than 100 items" in m for m in messages)
    broken = {"type": "home", "blocks": [{"type": "section", "text": "not an object"}]}
    assert error_of(lambda: client.views_publish(user_id="U_ANA", view=broken))[0] == (
        "invalid_arguments"
    )
    assert error_of(lambda: client.views_publish(user_id="U_NOBODY", view=home())) == (
        "invalid_arguments",
        ["invalid `user_id`"],
    )
    # Nothing refused changed the published view.
    assert sim.home_transcript("U_ANA") == "[home]\n  Newer\n  [Go]\n"


def test_users_conversations_lists_the_channels_a_person_is_in_that_the_bot_sees(
    sim: SlackSimulator, client: WebClient
) -> None:
    sim.add_channel("secret", ["U_ANA"], private=True, bot_member=False)
    sim.add_channel("shared", ["U_ANA"], private=True)
    answer = client.users_conversations(user="U_ANA", types="public_channel,private_channel")
    assert sorted(c["name"] for c in answer["channels"]) == ["lobby", "shared", "team"]
    public = client.users_conversations(user="U_ANA")
    assert sorted(c["name"] for c in public["channels"]) == ["lobby", "team"]
    page = client.users_conversations(user="U_ANA", limit=1)
    assert len(page["channels"]) == 1
    rest = client.users_conversations(
        user="U_ANA", limit=1, cursor=page["response_metadata"]["next_cursor"]
    )
    assert rest["response_metadata"]["next_cursor"] == ""
    assert {page["channels"][0]["name"], rest["channels"][0]["name"]} == {"lobby", "team"}
    assert error_of(lambda: client.users_conversations(user="U_NOBODY"))[0] == "user_not_found"


def test_opening_home_sends_app_home_opened_with_the_published_view(
    sim: SlackSimulator, bolt: BoltBot, client: WebClient
) -> None:
    def opened(event: dict[str, Any]) -> None:
        bolt.seen.append(("opened", (event["tab"], event["channel"], event.get("view"))))

    bolt.app.event("app_home_opened")(opened)

    def clicked(body: dict[str, Any], ack: Any) -> None:
        ack()
        bolt.seen.append(("clicked", (body["container"], body["view"]["type"])))

    bolt.app.action("go")(clicked)

    assert sim.user("ana").open_home().ok
    view = client.views_publish(user_id="U_ANA", view=home())["view"]
    assert sim.user("ana").open_home(tab="messages").ok
    assert sim.user("ana").click_home(label="Go").ok
    assert bolt.seen == [
        ("opened", ("home", "D_ANA", None)),
        ("opened", ("messages", "D_ANA", view)),
        ("clicked", ({"type": "view", "view_id": view["id"]}, "home")),
    ]


def test_clicking_home_needs_a_published_view(sim: SlackSimulator) -> None:
    with pytest.raises(Exception, match="no Home tab"):
        sim.user("ben").click_home(label="Go")
