"""Reactions skip the replay gate: a byte-for-byte replay of one still changes and tells
nothing, because the vote's own atomic step dedupes on the event's ``event_id``."""

from __future__ import annotations

from bot.slack.app import REPLAY_TTL_S
from bot.store.keys import replay_key
from bot.store.workshops import SEEN_TTL_SECONDS
from tests.e2e.conftest import Workspace
from tests.e2e.test_edge import send
from tests.e2e.test_workshop import ephemeral_texts, slash, walk_to


def test_a_vote_is_remembered_longer_than_a_replay_is_accepted() -> None:
    assert SEEN_TTL_SECONDS > REPLAY_TTL_S


def test_a_replayed_reaction_counts_once_and_explains_once(workspace: Workspace) -> None:
    sim, ws = workspace.sim, workspace
    walk_to(ws, "voting", [("T1", f"Story {n}") for n in range(1, 5)])
    assert slash(ws, "U_ANA", "budget 1").startswith("Everyone now has")
    voting = sim.wait_for(
        lambda: next((m for m in sim.bot_messages(ws.channel) if "Voting is open" in m.text), None)
    )
    assert voting is not None
    cards = sim.wait_for(
        lambda: r if len(r := sim.replies(ws.channel, voting.ts)) == 4 else None, timeout=20
    )
    assert cards is not None
    dev = sim.user("U_DEV")

    counted = dev.react(ws.channel, cards[0].ts, "+1")
    assert counted.ok
    assert not ws.bot.redis.exists(replay_key(counted.request_headers["X-Slack-Signature"]))
    again = send(ws.bot.url, counted.request_body, counted.request_headers)
    assert (again.status, again.body) == (200, b"")

    refused = dev.react(ws.channel, cards[1].ts, "+1")
    assert refused.ok
    sim.wait_for(
        lambda: any("used your 1 vote" in t for t in ephemeral_texts(sim, "U_DEV")),
        message="the over-budget explanation",
    )
    replayed = send(ws.bot.url, refused.request_body, refused.request_headers)
    assert (replayed.status, replayed.body) == (200, b"")
    sim.settle(quiet=1.0)

    workshop = ws.bot.store.load(ws.team_id, ws.channel)
    assert workshop is not None
    assert workshop.votes == {"S1": ("U_DEV",)}
    explained = [t for t in ephemeral_texts(sim, "U_DEV") if "used your 1 vote" in t]
    assert len(explained) == 1, explained
