"""Choosing an option of an overflow menu or a static select in a message, by its text, as
Slack sends it to a real Bolt app; an option that is not shown cannot be chosen."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from slack_bolt import Ack
from slack_sdk import WebClient
from slack_sdk.models.blocks import (
    ActionsBlock,
    Option,
    OptionGroup,
    OverflowMenuElement,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
)

from slacksim import SimulatorError, SlackSimulator

if TYPE_CHECKING:
    from tests.simulator.conftest import BoltBot


def card(client: WebClient, channel: str) -> str:
    menu = OverflowMenuElement(
        action_id="card_menu",
        options=[
            Option(value="rename:S1", text="Rename S1…"),
            Option(value="rm:S1", text="Remove"),
        ],
    )
    picker = StaticSelectElement(
        action_id="pick",
        placeholder=PlainTextObject(text="Move under…"),
        option_groups=[
            OptionGroup(label="A1", options=[Option(value="T1", text="T1 · Plan")]),
            OptionGroup(label="A2", options=[Option(value="T2", text="T2 · Track")]),
        ],
    )
    blocks = [
        SectionBlock(block_id="story", text="*S1* · See the driver", accessory=menu),
        ActionsBlock(block_id="row", elements=[picker]),
    ]
    return str(client.chat_postMessage(channel=channel, text="S1", blocks=blocks)["ts"])


def test_options_of_menus_and_selects_reach_the_listener(
    sim: SlackSimulator, bolt: BoltBot, client: WebClient, team: str
) -> None:
    def chosen(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        action = body["actions"][0]
        bolt.seen.append(
            (
                action["type"],
                (
                    action["action_id"],
                    action["block_id"],
                    action["selected_option"]["value"],
                    body["container"]["message_ts"],
                    body["channel"]["id"],
                    bool(body["trigger_id"]),
                ),
            )
        )

    bolt.app.action("card_menu")(chosen)
    bolt.app.action("pick")(chosen)
    ts = card(client, team)

    assert sim.user("ben").choose("team", ts, option="Remove").ok
    assert sim.user("ana").choose("team", ts, option="T2 · Track").ok

    assert bolt.seen == [
        ("overflow", ("card_menu", "story", "rm:S1", ts, team, True)),
        ("static_select", ("pick", "row", "T2", ts, team, True)),
    ]


@pytest.mark.usefixtures("endpoint")
def test_an_option_not_shown_cannot_be_chosen(
    sim: SlackSimulator, client: WebClient, team: str
) -> None:
    ts = card(client, team)
    with pytest.raises(SimulatorError, match=r"options there: 'Rename S1…', 'Remove', 'T1 · Plan'"):
        sim.user("ana").choose("team", ts, option="Split S1…")
    with pytest.raises(SimulatorError, match="not a member"):
        sim.user("cho").choose("team", ts, option="Remove")
    with pytest.raises(SimulatorError, match="sees no message"):
        sim.user("ana").choose("team", "1700000000.000009", option="Remove")
