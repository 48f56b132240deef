"""The whole product over real HTTP: the simulator acts as Slack, the real bot answers.

The seed scenario end to end (the demo's own script), then the error cases a real team
runs into.
"""

from __future__ import annotations

import json

import pytest

from bot.demo import BACKBONE, PERSONA, RELEASES, STORIES, Scenario
from bot.render.text import TIMES
from slacksim import Message, SlackSimulator
from slacksim.render import message_lines
from tests.e2e.conftest import Workspace

pytestmark = [pytest.mark.store, pytest.mark.slow]


def ephemeral_texts(sim: SlackSimulator, user: str) -> list[str]:
    return [e.text for e in sim.ephemerals(user)]


def slash(ws: Workspace, user: str, text: str) -> str:
    """Run ``/storymap text`` as ``user``; return what the ack showed them."""
    delivery = ws.sim.user(user).slash(ws.channel, "/storymap", text)
    assert delivery.ok, delivery.text
    shown = delivery.shown
    return shown.text if shown is not None else ""


def walk_to(ws: Workspace, stage: str, stories: list[tuple[str, str]] | None = None) -> None:
    """Drive a small workshop with slash commands up to ``stage`` (power-user path)."""
    steps = [
        ("U_ANA", "start Tracking"),
        ("U_BEN", "persona Operations Manager at a logistics company"),
        ("U_ANA", "next"),
        ("U_BEN", "add Track delivery"),
        ("U_ANA", "next"),
        ("U_BEN", "add A1 View real-time map"),
        ("U_ANA", "next"),
    ]
    for story_task, text in stories or [("T1", "See the truck move"), ("T1", "Zoom to a truck")]:
        steps.append(("U_CHLOE", f"add {story_task} {text}"))
    order = ["persona", "activities", "tasks", "stories"]
    upto = {"persona": 1, "activities": 3, "tasks": 5, "stories": len(steps)}
    if stage in upto:
        steps = steps[: upto[stage]]
    else:
        steps.append(("U_ANA", "next"))  # voting
    assert stage in [*order, "voting"]
    for user, text in steps:
        reply = slash(ws, user, text)
        assert not reply.startswith(("Only", "Add a", "No workshop")), (text, reply)


def board_message(ws: Workspace) -> Message:
    """The board: the bot's first message in the channel (waits for it)."""
    found = ws.sim.wait_for(lambda: ws.sim.bot_messages(ws.channel) or None, message="the board")
    assert found is not None
    return found[0]


def board_text(ws: Workspace) -> str:
    current = ws.sim.message(ws.channel, board_message(ws).ts)
    assert current is not None
    return "\n".join(message_lines(current.text, current.blocks))


def check_seed_map(sim: SlackSimulator, channel: str, pinned_ts: str) -> None:
    """The seed workshop's pinned map, in the seed's *Correct* shape, and a board that
    says published with no buttons left."""
    pins = sim.pinned(channel)
    assert [m.ts for m in pins] == [pinned_ts]
    lines = message_lines(pins[0].text, pins[0].blocks)
    text = "\n".join(lines)
    assert "Persona:* Operations Manager at a logistics company" in text
    assert "[Plan shipment] → [Assign driver] → [Track delivery] → [Resolve issues]" in text
    # The four tasks under Track delivery, in order, each with stories in priority order.
    track = text[text.index("Track delivery*") :]
    positions = [
        track.index(t)
        for t in (
            "View real-time map",
            "See estimated arrival time",
            "Receive delay alerts",
            "Share tracking link with customer",
        )
    ]
    assert positions == sorted(positions)
    assert track.index(f"See the truck move on a map · :+1: {TIMES} 3") < track.index(
        f"Zoom to one truck · :+1: {TIMES} 1"
    )
    # Slice lines in release order, each followed by its own stories.
    slice_lines = [line for line in lines if line.startswith("── Release")]
    assert slice_lines == [
        f"── Release {n}: {name} ──" for n, (name, _, _) in enumerate(RELEASES, 1)
    ]
    for name, stories, outcome in RELEASES:
        section = text[text.index(f": {name} ──") :].split("── Release")[0]
        for story in stories:
            assert story in section, (name, story)
        assert (f"For: {outcome}" in section) == bool(outcome), (name, outcome)
    # The seed's Release 1 tracks deliveries only: the map marks the other activities.
    release_1 = text[text.index("── Release 1") :].split("── Release 2")[0]
    assert "Not a walking skeleton: no story under A1" in release_1
    # Every story is on the map; the board says published and has no buttons left.
    for story in (s for group in STORIES.values() for s in group):
        assert story in text
    board = sim.bot_messages(channel)[0]
    shown = "\n".join(message_lines(board.text, board.blocks))
    assert "Published" in shown
    assert "[Next stage →]" not in shown


def test_the_seed_workshop_end_to_end(workspace: Workspace) -> None:
    sim, channel = workspace.sim, workspace.channel
    pinned_ts = Scenario(sim, channel).run()

    # Every message, reply and ephemeral reads as Slack shows it: no `<word>` Slack would
    # drop, and no text people typed turned into a link or mention.
    sim.check_no_live_user_tokens(channel, [PERSONA, *BACKBONE])
    check_seed_map(sim, channel, pinned_ts)
    assert sim.rate_limited.get("chat.update", 0) == 0
    # A quiet channel: the board, one prompt per stage and the published map (one
    # message for the seed); announcements, cards and answers go in threads or only to
    # one person. (With one prompt per activity and per task it held 18.)
    top_level = sim.bot_messages(channel)
    assert top_level[0].text.startswith("Story map “Delivery tracking”: Published")
    assert top_level[-1].ts == pinned_ts
    prompts = [m.text for m in top_level[1:-1]]
    assert [p.split(":")[0].split(" ")[0] for p in prompts] == [
        "Who",
        "Backbone",
        "Tasks",
        "Story",
        "Voting",
        "Release",
    ], prompts
    # The picture of the map, in the pinned map's thread (tests/e2e/test_map_picture.py
    # checks its bytes, title and alt text).
    picture = sim.wait_for(
        lambda: next((m for m in sim.replies(channel, pinned_ts) if m.files), None),
        timeout=40,
        message="the map's picture in its thread",
    )
    assert picture is not None
    assert sim.file(picture.files[0]["id"]).filename == "storymap-delivery-tracking.png"


def test_only_the_facilitator_moves_on_and_the_persona_comes_first(workspace: Workspace) -> None:
    walk_to(workspace, "persona")
    assert slash(workspace, "U_ANA", "next").startswith("Add a persona first")
    assert slash(workspace, "U_BEN", "next") == (
        "Only <@U_ANA> (facilitator) can move to the next stage."
    )
    board = board_message(workspace)
    workspace.sim.user("U_BEN").click(workspace.channel, board.ts, label="Next stage →")
    workspace.sim.wait_for(
        lambda: any("Only <@U_ANA>" in t for t in ephemeral_texts(workspace.sim, "U_BEN")),
        message="an ephemeral refusal for the click",
    )
    assert "Persona" in board_text(workspace)
    assert "Backbone activities" not in board_text(workspace).split("\n")[0]


def test_an_over_budget_vote_is_not_counted_and_explained(workspace: Workspace) -> None:
    sim = workspace.sim
    stories = [("T1", f"Story {n}") for n in range(1, 5)]
    walk_to(workspace, "voting", stories)
    assert slash(workspace, "U_ANA", "status")
    voting = sim.wait_for(
        lambda: next(
            (m for m in sim.bot_messages(workspace.channel) if "Voting is open" in m.text), None
        )
    )
    assert voting is not None
    cards = sim.wait_for(
        lambda: r if len(r := sim.replies(workspace.channel, voting.ts)) == 4 else None,
        timeout=20,
    )
    assert cards is not None
    dev = sim.user("U_DEV")
    for card in cards:
        dev.react(workspace.channel, card.ts, "+1")
    sim.wait_for(
        lambda: any("used your 3 votes" in t for t in ephemeral_texts(sim, "U_DEV")),
        message="the over-budget explanation",
    )

    def counted() -> list[bool]:
        shown = [sim.message(workspace.channel, c.ts) for c in cards]
        return [(f"{TIMES} 1" in str(m.blocks)) for m in shown if m]

    sim.wait_for(lambda: counted() == [True, True, True, False], message="three cards at 1 vote")
    sim.settle(quiet=1.5)
    assert counted() == [True, True, True, False]
    # Taking one reaction back frees the vote for the fourth card.
    dev.unreact(workspace.channel, cards[0].ts, "+1")
    dev.unreact(workspace.channel, cards[3].ts, "+1")
    dev.react(workspace.channel, cards[3].ts, "+1")
    sim.wait_for(
        lambda: f"{TIMES} 1" in str(sim.message(workspace.channel, cards[3].ts).blocks),  # type: ignore[union-attr]
        message="the fourth card counting the freed vote",
    )
    sim.wait_for(lambda: "3 votes cast" in board_text(workspace), message="the board's count")


def test_the_same_event_delivered_twice_changes_nothing(workspace: Workspace) -> None:
    sim = workspace.sim
    walk_to(workspace, "activities")
    prompt = sim.wait_for(
        lambda: next(
            (m for m in sim.bot_messages(workspace.channel) if "reply, one per line" in m.text),
            None,
        )
    )
    assert prompt is not None
    first = sim.user("U_CHLOE").reply(workspace.channel, prompt.ts, "Plan shipment\nAssign driver")
    again = sim.driver.retry(first, retry_num=1)
    assert first.ok
    assert again.ok
    sim.settle()
    workshop = workspace.bot.store.load(workspace.team_id, workspace.channel)
    assert workshop is not None
    assert [a.text for a in workshop.activities] == ["Plan shipment", "Assign driver"]
    workspace.sim.wait_for(lambda: "2 activities" in board_text(workspace), message="board counts")


def test_mentions_typed_by_users_never_ping_anyone(workspace: Workspace) -> None:
    sim = workspace.sim
    walk_to(workspace, "voting", [("T1", "Tell <!channel> and <@U_BEN> & <!here> it shipped")])
    sim.wait_for(
        lambda: (
            [m for m in sim.messages(workspace.channel, include_replies=True) if "S1 ·" in m.text]
            or None
        ),
        timeout=20,
        message="the story card",
    )
    sim.settle(quiet=1.5)
    for message in sim.messages(workspace.channel, include_replies=True):
        raw = json.dumps([message.text, message.blocks])
        for ping in ("<!channel>", "<!here>", "<@U_BEN>"):
            assert ping not in raw, (ping, message.text)
    card = [m for m in sim.messages(workspace.channel, include_replies=True) if "S1 ·" in m.text][
        -1
    ]
    assert "&lt;!channel&gt;" in card.text


@pytest.mark.parametrize("workspace", [{"unlimited": True}], indirect=True)
def test_a_60_story_map_is_published_over_several_messages(workspace: Workspace) -> None:
    # Without rate limits: at Slack's pace, 60 story cards alone take a minute to post.
    sim = workspace.sim
    # Card-length stories (near the 200-character limit): too much for one message.
    filler = "so that the operations manager sees what matters without opening another tool " * 2
    stories = [("T1", f"Story number {n} {filler}"[:200]) for n in range(60)]
    walk_to(workspace, "voting", stories)
    slash(workspace, "U_ANA", "next")
    ids = " ".join(f"S{n}" for n in range(1, 31))
    assert slash(workspace, "U_ANA", f"slice Walking skeleton = {ids}").startswith("Release 1")
    assert slash(workspace, "U_ANA", "publish").startswith("Published")
    pinned = sim.wait_for(lambda: sim.pinned(workspace.channel) or None, timeout=30)
    assert pinned is not None
    sim.settle()
    maps = [m for m in sim.bot_messages(workspace.channel) if m.ts >= pinned[0].ts]
    body = "\n".join("\n".join(message_lines(m.text, m.blocks)) for m in maps)
    assert len(maps) >= 2
    for n in range(1, 61):
        assert f"S{n} · Story number {n - 1} " in body


def test_not_in_the_channel_or_in_a_dm(workspace: Workspace) -> None:
    sim = workspace.sim
    sim.remove_bot(workspace.channel)
    slash(workspace, "U_ANA", "start Tracking")
    sim.wait_for(
        lambda: any("/invite @storymap" in t for t in ephemeral_texts(sim, "U_ANA")),
        message="the invitation hint",
    )
    sim.invite_bot(workspace.channel)
    assert slash(workspace, "U_ANA", "start Tracking").startswith("Workshop")
    sim.wait_for(lambda: sim.bot_messages(workspace.channel) or None)


def test_a_direct_message_is_not_a_workshop_channel(workspace: Workspace) -> None:
    dm = workspace.sim.add_channel("ana-dm", members=["U_ANA"], channel_id="D0ANA0001").id
    delivery = workspace.sim.user("U_ANA").slash(dm, "/storymap", "start Tracking")
    assert delivery.shown is not None
    assert delivery.shown.text.startswith("Workshops run in a team channel")
    assert workspace.bot.store.load(workspace.team_id, dm) is None
