"""Blind voting through the simulator: Vote / Unvote buttons on the cards, counts hidden
from everyone (the facilitator too) until voting closes, the same counts for everyone
after, and a vote over the cap per card explained to the voter alone."""

from __future__ import annotations

import pytest

from bot.render.text import TIMES
from slacksim import Message, SlackSimulator
from slacksim.render import message_lines
from tests.e2e.conftest import Workspace
from tests.e2e.test_workshop import board_text, ephemeral_texts, slash, walk_to

pytestmark = [pytest.mark.store, pytest.mark.slow]


def shown(sim: SlackSimulator, channel: str, message: Message) -> str:
    current = sim.message(channel, message.ts)
    assert current is not None
    return "\n".join(message_lines(current.text, current.blocks))


def voting_cards(ws: Workspace, count: int) -> list[Message]:
    sim = ws.sim
    prompt = sim.wait_for(
        lambda: next((m for m in sim.bot_messages(ws.channel) if "Voting is open" in m.text), None)
    )
    assert prompt is not None
    cards = sim.wait_for(
        lambda: r if len(r := sim.replies(ws.channel, prompt.ts)) == count else None,
        timeout=20,
        message="the story cards",
    )
    assert cards is not None
    return cards


def told(sim: SlackSimulator, user: str, text: str) -> None:
    sim.wait_for(
        lambda: any(text in t for t in ephemeral_texts(sim, user)), message=f"{user} told {text}"
    )


def test_a_blind_vote_hides_every_count_until_the_close_then_shows_everyone_the_same(
    workspace: Workspace,
) -> None:
    sim, channel = workspace.sim, workspace.channel
    walk_to(workspace, "stories", [("T1", "See the truck move"), ("T1", "Zoom to a truck")])
    assert "Blind voting" in slash(workspace, "U_ANA", "voting blind")
    assert "At most 2 of them on one card" in slash(workspace, "U_ANA", "budget 3 cap 2")
    slash(workspace, "U_ANA", "next")
    first, second = voting_cards(workspace, 2)
    assert "[Vote]" in shown(sim, channel, first)

    dev, ben, ana = sim.user("U_DEV"), sim.user("U_BEN"), sim.user("U_ANA")
    assert dev.click(channel, first.ts, label="Vote").ok
    told(sim, "U_DEV", "Vote counted for S1 (1 of yours on it); 2 of 3 left.")
    assert dev.click(channel, first.ts, label="Vote").ok
    told(sim, "U_DEV", "Vote counted for S1 (2 of yours on it); 1 of 3 left.")
    # Over the cap per card: refused, and explained to the voter alone.
    assert dev.click(channel, first.ts, label="Vote").ok
    told(sim, "U_DEV", "You already have 2 votes on S1, the most one person may put on one card.")
    assert not any("already have 2 votes" in t for t in ephemeral_texts(sim, "U_BEN"))
    assert ben.click(channel, first.ts, label="Vote").ok
    assert ben.click(channel, second.ts, label="Vote").ok
    assert ana.click(channel, second.ts, label="Vote").ok
    assert ana.click(channel, second.ts, label="Unvote").ok
    told(sim, "U_ANA", "Vote on S2 taken back (0 of yours on it); 3 of 3 left.")
    # A reaction is not a vote in blind voting.
    sim.user("U_CHLOE").react(channel, first.ts, "+1")
    sim.settle(quiet=1.5)

    # Before the close: no count anywhere, for anyone (the facilitator included).
    for card in (first, second):
        text = shown(sim, channel, card)
        assert "Votes are hidden until the facilitator closes voting." in text
        assert TIMES not in text
        assert " vote" not in text.split("\n")[0]
    board = board_text(workspace)
    assert "votes hidden until voting closes" in board
    assert "votes cast" not in board
    for user in ("U_ANA", "U_BEN", "U_DEV"):
        status = slash(workspace, user, "status")
        assert "votes hidden until voting closes" in status
        assert "votes cast" not in status
    assert not any(
        "votes" in t and "S1" in t for t in ephemeral_texts(sim, "U_CHLOE")
    )  # her reaction counted nothing and told her nothing

    # The close reveals every count at once, the same for everyone.
    slash(workspace, "U_ANA", "next")
    sim.wait_for(
        lambda: "3 votes" in shown(sim, channel, first) and "1 vote" in shown(sim, channel, second),
        timeout=20,
        message="the cards revealing their counts",
    )
    assert "[Vote]" not in shown(sim, channel, first)
    assert "Voting is closed." in shown(sim, channel, first)
    sim.wait_for(lambda: "4 votes cast" in board_text(workspace), message="the board's count")
    statuses = [slash(workspace, user, "status") for user in ("U_ANA", "U_BEN", "U_CHLOE")]
    assert all("4 votes cast" in status for status in statuses)


def test_emoji_voting_has_no_buttons_and_refuses_a_cap(workspace: Workspace) -> None:
    walk_to(workspace, "stories")
    assert "Choose blind voting first" in slash(workspace, "U_ANA", "budget 3 cap 2")
    assert "Only <@U_ANA> (facilitator) can choose the voting mode." in slash(
        workspace, "U_BEN", "voting blind"
    )
    assert "Choose how people vote" in slash(workspace, "U_ANA", "voting secret")
    slash(workspace, "U_ANA", "next")
    (card, _) = voting_cards(workspace, 2)
    assert "[Vote]" not in shown(workspace.sim, workspace.channel, card)
    assert "The voting mode is fixed once voting has opened" in slash(
        workspace, "U_ANA", "voting blind"
    )
