"""A burst of votes: every vote counted, each message edited at most once a second,
no 429 from Slack, and the board converging on the right count."""

from __future__ import annotations

import itertools
from collections import defaultdict
from functools import partial

import pytest

from bot.render.text import TIMES
from tests.e2e.conftest import Workspace
from tests.e2e.test_workshop import board_text, slash, walk_to

pytestmark = [pytest.mark.store, pytest.mark.slow, pytest.mark.slack_pacing]
VOTERS = [f"U_V{n:02d}" for n in range(24)]


def test_a_burst_of_votes_is_coalesced_within_slacks_limits(workspace: Workspace) -> None:
    sim = workspace.sim
    for voter in VOTERS:
        sim.add_user(voter)
        sim.join(voter, workspace.channel)
    walk_to(workspace, "voting", [("T1", f"Story {n}") for n in range(1, 7)])
    voting = sim.wait_for(
        lambda: next(
            (m for m in sim.bot_messages(workspace.channel) if "Voting is open" in m.text), None
        )
    )
    assert voting is not None
    cards = sim.wait_for(
        lambda: r if len(r := sim.replies(workspace.channel, voting.ts)) == 6 else None, timeout=30
    )
    assert cards is not None
    sim.settle(quiet=1.2)
    before = len(sim.calls_to("chat.update"))
    for n, voter in enumerate(VOTERS):
        for k in range(3):
            sim.user(voter).react(workspace.channel, cards[(n + k) % 6].ts, "+1")
    total = len(VOTERS) * 3
    sim.wait_for(lambda: f"{total} votes cast" in board_text(workspace), timeout=20)

    def shows(ts: str, votes: int) -> bool:
        return f"{TIMES} {votes}" in str(sim.message(workspace.channel, ts))

    for n, card in enumerate(cards):
        votes = sum(1 for v in range(len(VOTERS)) for k in range(3) if (v + k) % 6 == n)
        sim.wait_for(partial(shows, card.ts, votes), timeout=30)
    workshop = workspace.bot.store.load(workspace.team_id, workspace.channel)
    assert workshop is not None
    assert workshop.total_votes == total

    edits: dict[str, list[float]] = defaultdict(list)
    for call in sim.calls_to("chat.update")[before:]:
        edits[str(call.args.get("ts"))].append(call.at)
    assert edits, "the burst was shown"
    for ts, times in edits.items():
        gaps = [b - a for a, b in itertools.pairwise(times)]
        assert all(gap >= 0.9 for gap in gaps), (ts, gaps)
    # 72 votes on 6 cards and a board, yet only a few edits each.
    assert sum(len(t) for t in edits.values()) < total
    assert sim.rate_limited == {} or sum(sim.rate_limited.values()) == 0
    assert slash(workspace, "U_ANA", "status")
