"""The seed workshop shaped as a team really would, end to end through the simulator.

The backbone is typed out of order and put right with `order`; a story filed under the
wrong task is moved; one is split; a reply is edited and another deleted; a story with
a vote is removed during voting (the vote comes back to its voter); a mistaken rename is
undone; the map is published, then reopened, renamed and published again: the same
pinned message is edited and its thread says what changed.
"""

from __future__ import annotations

import pytest

from slacksim import Message
from slacksim.render import message_lines
from tests.e2e.conftest import Workspace
from tests.e2e.test_workshop import board_message, board_text, ephemeral_texts, slash, walk_to

pytestmark = [pytest.mark.store, pytest.mark.slow]

ANA, BEN, CHLOE, DEV, EMI = "U_ANA", "U_BEN", "U_CHLOE", "U_DEV", "U_EMI"


def prompt(ws: Workspace, contains: str) -> Message:
    """The bot's top-level message containing ``contains`` (waits for it)."""

    def find() -> Message | None:
        return next((m for m in ws.sim.bot_messages(ws.channel) if contains in m.text), None)

    found = ws.sim.wait_for(find, timeout=40.0, message=f"a message with {contains!r}")
    assert found is not None
    return found


def reply_ts(ws: Workspace, thread_ts: str, user: str) -> str:
    return [m for m in ws.sim.replies(ws.channel, thread_ts) if m.user == user][-1].ts


def ok(ws: Workspace, user: str, text: str) -> str:
    shown = slash(ws, user, text)
    assert not shown.startswith(("Only", "Cannot", "There is", "No workshop")), (text, shown)
    return shown


def wait_board(ws: Workspace, text: str) -> None:
    ws.sim.wait_for(lambda: text in board_text(ws), timeout=30.0, message=f"board with {text}")


def map_text(message: Message) -> str:
    return "\n".join(message_lines(message.text, message.blocks))


def test_a_workshop_shaped_from_slack_and_its_map_revised_in_place(workspace: Workspace) -> None:
    ws, sim, channel = workspace, workspace.sim, workspace.channel
    ok(ws, ANA, "start Delivery tracking")
    ok(ws, BEN, "persona Operations Manager at a logistics company")
    ok(ws, ANA, "next")

    # The backbone typed in the order people thought of it, then put in narrative order.
    backbone = prompt(ws, "Backbone activities: reply")
    sim.user(CHLOE).reply(
        channel, backbone.ts, "Track delivery\nPlan shipment\nResolve issues\nAssign driver"
    )
    assert ok(ws, ANA, "order A2 A4 A1 A3") == ("Backbone, left to right: A2 > A4 > A1 > A3.")
    ok(ws, ANA, "next")

    for activity, task in (
        ("A2", "Enter pickup and drop-off"),  # T1
        ("A4", "See available drivers"),  # T2
        ("A1", "View real-time map"),  # T3
        ("A1", "See estimated arrival time"),  # T4
        ("A3", "Log an incident"),  # T5
        ("A1", "Receive delay alerts"),  # T6
        ("A1", "Share tracking link with customer"),  # T7
    ):
        ok(ws, DEV, f"add {activity} {task}")
    ok(ws, ANA, "next")

    for user, task, story in (
        (BEN, "T1", "Type an address with autocomplete"),  # S1
        (BEN, "T2", "List drivers near the pickup"),  # S2
        (CHLOE, "T3", "See the truck move on a map"),  # S3
        (CHLOE, "T3", "Zoom to one truck"),  # S4
        (CHLOE, "T4", "Show ETA and recalculate it with traffic"),  # S5
        (BEN, "T2", "Record a damaged parcel"),  # S6: under the wrong task
    ):
        ok(ws, user, f"add {task} {story}")
    # Replies in the stories prompt's thread, each line saying its task: one edited, one
    # deleted.
    cards_prompt = prompt(ws, "Story cards: reply with")
    sim.user(EMI).reply(
        channel, cards_prompt.ts, "T6\nAlert me when ETA slips\nAlert by carrier pigeon"
    )
    alerts_reply = reply_ts(ws, cards_prompt.ts, EMI)  # S7, S8
    sim.user(EMI).reply(channel, cards_prompt.ts, "T7: Copy a public tracking link")  # S9
    sim.user(EMI).reply(channel, cards_prompt.ts, "T7: Fax the tracking link")  # S10
    fax_reply = reply_ts(ws, cards_prompt.ts, EMI)
    sim.user(EMI).edit_message(
        channel, alerts_reply, "T6\nAlert me when ETA slips 15 minutes\nAlert by carrier pigeon"
    )
    sim.user(EMI).delete_message(channel, fax_reply)
    assert ok(ws, BEN, "move S6 T5").startswith("Moved S6 “Record a damaged parcel” from T2 to T5")
    assert ok(ws, CHLOE, "split S5 Show ETA on the shipment | Recalculate ETA with traffic") == (
        "Split S5 “Show ETA and recalculate it with traffic” into S11 “Show ETA on the "
        "shipment”, S12 “Recalculate ETA with traffic”."
    )
    wait_board(ws, "10 stories")
    ok(ws, ANA, "next")

    # Voting: a vote on a story that then leaves the map comes back to its voter.
    voting = prompt(ws, "Voting is open")
    sim.wait_for(
        lambda: len(sim.replies(channel, voting.ts)) >= 10, timeout=40, message="10 story cards"
    )
    cards = {m.text.split(" · ", 1)[0]: m.ts for m in sim.replies(channel, voting.ts)}
    assert "S10" not in cards  # deleted with its reply
    assert "S5" not in cards  # split
    for story in ("S8", "S3", "S11"):
        sim.user(DEV).react(channel, cards[story], "+1")
    sim.user(BEN).react(channel, cards["S3"], "+1")
    wait_board(ws, "4 votes")
    assert ok(ws, ANA, "remove S8").endswith("1 vote went back to the voters.")
    sim.wait_for(
        lambda: any("S8" in t and "came back" in t for t in ephemeral_texts(sim, DEV)),
        message="Dev told the vote came back",
    )
    sim.user(DEV).react(channel, cards["S12"], "+1")
    wait_board(ws, "4 votes")

    # A mistaken rename, undone.
    ok(ws, ANA, "rename S3 See the trucks")
    assert ok(ws, ANA, "undo").startswith("Undone #")
    ok(ws, ANA, "next")
    ok(ws, ANA, "slice View map + ETA = S3 S11")
    ok(ws, ANA, "slice Delay alerts = S7")
    # Release 1 tracks deliveries only: publishing asks first, naming what it misses.
    asked = ok(ws, ANA, "publish")
    assert "walking skeleton" in asked
    assert "“Plan shipment”" in asked
    assert "Track delivery" not in asked
    ok(ws, ANA, "publish anyway")

    pinned = sim.wait_for(lambda: sim.pinned(channel) or None, message="the pinned map")
    assert pinned is not None
    first = pinned[0]
    shown = map_text(first)
    assert "[Plan shipment] → [Assign driver] → [Track delivery] → [Resolve issues]" in shown
    assert "Alert me when ETA slips 15 minutes" in shown
    for gone in ("carrier pigeon", "Fax the tracking link", "recalculate it with traffic"):
        assert gone not in shown
    assert "See the truck move on a map" in shown
    assert "Show ETA on the shipment" in shown
    incidents = shown[shown.index("Resolve issues*") :]
    assert "Record a damaged parcel" in incidents

    # Reopened, renamed, published again: the same pinned message, edited in place.
    ok(ws, ANA, "reopen")
    ok(ws, CHLOE, "rename S3 See the truck move on a live map")
    ok(ws, ANA, "publish anyway")
    sim.wait_for(
        lambda: "live map" in map_text(sim.message(channel, first.ts) or first),
        message="the pinned map edited",
    )
    assert [m.ts for m in sim.pinned(channel)] == [first.ts]
    changelog = sim.wait_for(
        lambda: [m for m in sim.replies(channel, first.ts) if "live map" in map_text(m)] or None,
        message="the changelog in the map's thread",
    )
    assert changelog is not None
    assert "Renamed S3" in map_text(changelog[0])
    assert "<@" not in map_text(changelog[0])  # what changed, without pinging anyone
    # The board's refresh is its own effect, paced apart from the map's edit and changelog.
    sim.wait_for(
        lambda: "Published" in map_text(board_message(ws)) or "Published" in board_text(ws),
        message="the board saying the map is published",
    )


def test_prompts_follow_a_rename_and_a_removal(workspace: Workspace) -> None:
    ws, sim, channel = workspace, workspace.sim, workspace.channel
    walk_to(ws, "stories")  # A1 Track delivery > T1 View real-time map > S1, S2
    stories = prompt(ws, "Story cards: reply with")  # posted before or after the stories
    ok(ws, ANA, "rename T1 See the live map")
    ok(ws, CHLOE, "remove S2")
    ok(ws, CHLOE, "add T1 Share the live map")  # an addition is listed too

    def current() -> str:
        message = sim.message(channel, stories.ts)
        return map_text(message) if message is not None else ""

    sim.wait_for(
        lambda: (
            "See the live map" in current()
            and "Zoom to a truck" not in current()
            and "S3 “Share the live map”" in current()
        ),
        timeout=30.0,
        message="the stories prompt edited",
    )
    assert "See the truck move" in current()
