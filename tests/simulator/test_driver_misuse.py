"""A test that asks users to do the impossible is told so, before anything is sent."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.models.blocks import ActionsBlock, ButtonElement

from slacksim import BotUnreachable, SimulatorError, SlackSimulator


@pytest.mark.usefixtures("endpoint")
def test_impossible_actions(sim: SlackSimulator, client: WebClient, team: str) -> None:
    blocks = [ActionsBlock(elements=[ButtonElement(text="Vote", action_id="vote")])]
    ts = client.chat_postMessage(channel=team, text="S1", blocks=blocks)["ts"]
    with pytest.raises(SimulatorError, match="buttons there: 'Vote'"):
        sim.user("ana").click("team", ts, label="Add a story")
    with pytest.raises(SimulatorError, match="not a member"):
        sim.user("cho").slash("team", "/storymap", "help")
    with pytest.raises(SimulatorError, match="no modal open"):
        sim.user("ana").submit_modal({})
    with pytest.raises(SimulatorError, match="no message"):
        sim.user("ana").reply("team", "1700000000.000001", "x")
    sim.user("ana").react("team", ts, "+1")
    with pytest.raises(SimulatorError, match="already reacted"):
        sim.user("ana").react("team", ts, "+1")
    with pytest.raises(SimulatorError, match="exists already"):
        sim.add_user("U_ANA")


def test_no_endpoint_or_no_bot(sim: SlackSimulator) -> None:
    with pytest.raises(SimulatorError, match="set_bot_endpoint"):
        sim.user("ana").slash("team", "/storymap", "help")
    sim.set_bot_endpoint("http://127.0.0.1:9/slack/events")
    with pytest.raises(BotUnreachable):
        sim.user("ana").slash("team", "/storymap", "help")
