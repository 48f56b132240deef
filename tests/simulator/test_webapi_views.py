"""Modals: trigger ids, validation, stacks, updates with hashes."""

from __future__ import annotations

import time
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import InputBlock, PlainTextInputElement, SectionBlock
from slack_sdk.models.views import View

from slacksim import SlackLimits, SlackSimulator


def modal(title: str = "Add activity", **extra: Any) -> dict[str, Any]:
    view = View(
        type="modal",
        callback_id="add",
        title="placeholder",
        submit="Save",
        private_metadata="ws-1",
        blocks=[
            InputBlock(
                block_id="item",
                label="Activity",
                element=PlainTextInputElement(action_id="text"),
            )
        ],
    ).to_dict()
    view["title"]["text"] = title  # set after the SDK so that tests can break the rules
    view.update(extra)
    return view


def trigger(sim: SlackSimulator, user: str = "U_ANA") -> str:
    return sim.issue_trigger(user)


def error_of(call: Any, **kwargs: Any) -> str:
    with pytest.raises(SlackApiError) as caught:
        call(**kwargs)
    return str(caught.value.response["error"])


def test_open_returns_the_full_view_and_tracks_it(client: WebClient, sim: SlackSimulator) -> None:
    view = client.views_open(trigger_id=trigger(sim), view=modal())["view"]
    assert view["id"].startswith("V")
    assert view["root_view_id"] == view["id"]
    assert view["state"] == {"values": {}}
    assert (view["callback_id"], view["private_metadata"]) == ("add", "ws-1")
    opened = sim.modal("ana")
    assert opened is not None
    assert (opened.id, opened.hash) == (view["id"], view["hash"])


def test_trigger_ids_are_single_use_and_expire(client: WebClient, sim: SlackSimulator) -> None:
    assert error_of(client.views_open, trigger_id="1.2.abc", view=modal()) == "invalid_trigger_id"
    used = trigger(sim)
    client.views_open(trigger_id=used, view=modal())
    assert error_of(client.views_open, trigger_id=used, view=modal()) == "exchanged_trigger_id"


def test_trigger_expiry_is_configurable() -> None:
    with SlackSimulator(limits=SlackLimits(trigger_ttl=0.05)) as quick:
        quick.add_user("U_ANA", "ana")
        client = WebClient(token=quick.identity.bot_token, base_url=quick.api_url)
        stale = trigger(quick)
        time.sleep(0.1)
        assert error_of(client.views_open, trigger_id=stale, view=modal()) == "expired_trigger_id"


def test_a_failed_open_does_not_consume_the_trigger(client: WebClient, sim: SlackSimulator) -> None:
    fresh = trigger(sim)
    assert error_of(client.views_open, trigger_id=fresh, view=modal(title="x" * 25)) == (
        "invalid_arguments"
    )
    assert client.views_open(trigger_id=fresh, view=modal())["ok"]


@pytest.mark.parametrize(
    "view",
    [
        pytest.param(modal(title="x" * 25), id="title over 24"),
        pytest.param(
            {k: v for k, v in modal().items() if k != "submit"}, id="input without submit"
        ),
        pytest.param(modal(type="home"), id="not a modal"),
        pytest.param(
            modal(blocks=[SectionBlock(text=f"{i}").to_dict() for i in range(101)]),
            id="101 blocks",
        ),
        pytest.param(modal(blocks=[{"type": "section"}]), id="invalid block"),
        pytest.param(modal(private_metadata="m" * 3001), id="private_metadata over 3000"),
    ],
)
def test_views_slack_rejects(client: WebClient, sim: SlackSimulator, view: dict[str, Any]) -> None:
    with pytest.raises(SlackApiError) as caught:
        client.views_open(trigger_id=trigger(sim), view=view)
    assert caught.value.response["error"] == "invalid_arguments"
    assert caught.value.response["response_metadata"]["messages"]


def test_push_stacks_up_to_three(client: WebClient, sim: SlackSimulator) -> None:
    root = client.views_open(trigger_id=trigger(sim), view=modal())["view"]
    second = client.views_push(trigger_id=trigger(sim), view=modal(title="Second"))["view"]
    assert (second["root_view_id"], second["previous_view_id"]) == (root["id"], root["id"])
    client.views_push(trigger_id=trigger(sim), view=modal(title="Third"))
    assert error_of(client.views_push, trigger_id=trigger(sim), view=modal()) == (
        "push_limit_reached"
    )
    assert [v.view["title"]["text"] for v in sim.modals("ana")] == [
        "Add activity",
        "Second",
        "Third",
    ]
    assert error_of(client.views_push, trigger_id=trigger(sim, "U_BEN"), view=modal()) == (
        "not_found"
    )


def test_update_by_id_or_external_id_with_hash(client: WebClient, sim: SlackSimulator) -> None:
    opened = client.views_open(trigger_id=trigger(sim), view=modal(external_id="ext-1"))["view"]
    updated = client.views_update(
        view_id=opened["id"], hash=opened["hash"], view=modal(title="Renamed", external_id="ext-1")
    )["view"]
    assert updated["id"] == opened["id"]
    assert updated["hash"] != opened["hash"]
    assert (
        error_of(client.views_update, view_id=opened["id"], hash=opened["hash"], view=modal())
        == "hash_conflict"
    )
    client.views_update(external_id="ext-1", view=modal(title="Again", external_id="ext-1"))
    current = sim.modal("ana")
    assert current is not None
    assert current.view["title"]["text"] == "Again"
    assert error_of(client.views_update, view_id="V_NOPE", view=modal()) == "not_found"
    assert (
        error_of(
            client.views_open, trigger_id=trigger(sim, "U_BEN"), view=modal(external_id="ext-1")
        )
        == "duplicate_external_id"
    )
