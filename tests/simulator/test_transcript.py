"""The channel as text: messages, blocks, threads, reactions, pins, edits, ephemerals."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    Option,
    SectionBlock,
    StaticSelectElement,
)

from slacksim import SlackSimulator


@pytest.mark.usefixtures("endpoint")
def test_transcript_of_a_workshop_channel(
    sim: SlackSimulator, client: WebClient, team: str
) -> None:
    board = client.chat_postMessage(
        channel=team,
        text="Story map",
        blocks=[
            HeaderBlock(text="Story map: Tracking"),
            SectionBlock(text="*Persona*\nOperations Manager"),
            ContextBlock(elements=[MarkdownTextObject(text="Stage 2 of 7")]),
            DividerBlock(),
            SectionBlock(fields=["*A1* Plan shipment", "*A2* Assign driver"]),
            SectionBlock(
                text="Pick a stage",
                accessory=StaticSelectElement(
                    placeholder="Stage", options=[Option(value="1", text="Persona")]
                ),
            ),
            ActionsBlock(
                elements=[ButtonElement(text="Add activities"), ButtonElement(text="Next stage")]
            ),
        ],
    )["ts"]
    card = client.chat_postMessage(
        channel=team,
        text="S1",
        blocks=[SectionBlock(text="*S1* View map", accessory=ButtonElement(text="Vote"))],
    )["ts"]
    client.chat_update(channel=team, ts=board, text="Story map (v2)")
    client.chat_update(channel=team, ts=board, text="Story map (v3)")
    client.pins_add(channel=team, timestamp=board)
    ana, ben = sim.user("ana"), sim.user("ben")
    ana.reply("team", board, "Plan shipment\nAssign driver")
    client.chat_postMessage(channel=team, text="Added A1, A2", thread_ts=board)
    ana.react("team", card, "+1")
    ben.react("team", card, "+1")
    ben.react("team", card, "eyes")
    client.chat_postEphemeral(channel=team, user="U_BEN", text="You have 2 votes left")
    client.chat_postEphemeral(channel=team, user="U_ANA", text="Only ana sees this")

    assert sim.transcript("team", ephemerals="ben") == (
        "#team\n"
        "storymap (bot) 📌 (edited ×2)\n"  # noqa: RUF001 (the multiplication sign is meant)
        "  # Story map: Tracking\n"
        "  *Persona*\n"
        "  Operations Manager\n"
        "  > Stage 2 of 7\n"
        "  ---\n"
        "  *A1* Plan shipment | *A2* Assign driver\n"
        "  Pick a stage [Stage ▾]\n"
        "  [Add activities] [Next stage]\n"
        "  ↳ ana\n"
        "      Plan shipment\n"
        "      Assign driver\n"
        "  ↳ storymap (bot)\n"
        "      Added A1, A2\n"
        "storymap (bot)\n"
        "  *S1* View map [Vote]\n"
        "  :+1: 2  :eyes: 1\n"
        "[only visible to ben] storymap (bot)\n"
        "  You have 2 votes left\n"
    )
    everything = sim.transcript("team", ephemerals=True)
    assert "Only ana sees this" in everything
    assert "Only ana sees this" not in sim.transcript("team")


@pytest.mark.usefixtures("endpoint")
def test_deleted_messages(sim: SlackSimulator, client: WebClient, team: str) -> None:
    gone = client.chat_postMessage(channel=team, text="gone")["ts"]
    parent = client.chat_postMessage(channel=team, text="parent")["ts"]
    sim.user("ana").reply("team", parent, "a reply")
    client.chat_delete(channel=team, ts=gone)
    client.chat_delete(channel=team, ts=parent)
    assert sim.transcript("team") == "#team\n(message deleted)\n  ↳ ana\n      a reply\n"


def test_modal_rendering(sim: SlackSimulator, client: WebClient) -> None:
    view = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Add activity"},
        "submit": {"type": "plain_text", "text": "Add"},
        "blocks": [
            {
                "type": "input",
                "block_id": "item",
                "label": {"type": "plain_text", "text": "Activity"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": "text",
                    "placeholder": {"type": "plain_text", "text": "e.g. Plan shipment"},
                },
            }
        ],
    }
    client.views_open(trigger_id=sim.issue_trigger("ana"), view=view)
    assert sim.render_modal("ana") == (
        "[modal] Add activity\n  Activity: [e.g. Plan shipment]\n  [Cancel] [Add]\n"
    )
    assert sim.render_modal("ben") == ""
