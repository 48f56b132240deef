"""Work is signalled, not polled: what the dispatcher touches, and what it never waits for.

Through the real Bolt app behind waitress, the real dispatcher and the simulator (with
Slack's rate limits on, so a stage opening posts its cards at about one a second)."""

from __future__ import annotations

import dataclasses
import json
import threading

import pytest

from bot.store.keys import LEGACY_CHANNELS_KEY, Keys, team_channels_key
from tests.e2e.conftest import PEOPLE, Workspace, open_workspace
from tests.e2e.test_workshop import board_text, ephemeral_texts, slash, walk_to

pytestmark = [pytest.mark.store, pytest.mark.slow]

#: Long enough at Slack's pace (a card a second) that the other board lands mid-opening.
CARDS = 12


def test_one_channels_long_stage_opening_never_holds_another_channels_board(
    workspace: Workspace,
) -> None:
    sim = workspace.sim
    walk_to(workspace, "voting", [("T1", f"Story {n}") for n in range(1, CARDS + 1)])
    voting = sim.wait_for(
        lambda: next(
            (m for m in sim.bot_messages(workspace.channel) if "Voting is open" in m.text), None
        )
    )
    assert voting is not None
    # The cards are being posted, at Slack's pace, by one worker...
    sim.wait_for(lambda: len(sim.replies(workspace.channel, voting.ts)) >= 2, timeout=30)

    other = sim.add_channel("#elsewhere", members=list(PEOPLE)).id
    elsewhere = dataclasses.replace(workspace, channel=other)
    slash(elsewhere, "U_ANA", "start Returns")
    board = sim.wait_for(
        lambda: next((m for m in sim.bot_messages(other) if "Returns" in m.text), None),
        timeout=30,
    )
    # ...while another worker posts the other channel's board.
    assert board is not None
    posted = len(sim.replies(workspace.channel, voting.ts))
    assert posted < CARDS, f"the other board waited for all {CARDS} cards"
    assert sim.wait_for(
        lambda: len(sim.replies(workspace.channel, voting.ts)) == CARDS, timeout=90
    ), "every card is posted in the end"


def test_channels_that_only_held_a_workshop_are_never_visited(workspace: Workspace) -> None:
    """History costs nothing: 300 channels of the team with an entry nobody signalled."""
    client = workspace.bot.redis
    notice = json.dumps([{"kind": "notify", "user": "U_ANA", "text": "from history"}])
    idle = [Keys(workspace.team_id, f"CHIST{n:03d}") for n in range(300)]
    for keys in idle:
        client.sadd(team_channels_key(workspace.team_id), keys.channel_id)
        client.xadd(keys.urgent, {"number": "1", "effects": notice})

    slash(workspace, "U_ANA", "start Tracking")
    workspace.sim.wait_for(lambda: "Tracking" in board_text(workspace), timeout=20)
    workspace.sim.settle(quiet=1.0)

    for keys in idle:
        assert client.xlen(keys.urgent) == 1
        assert client.xinfo_groups(keys.urgent) == []  # no dispatcher ever read it
    assert "from history" not in ephemeral_texts(workspace.sim, "U_ANA")


def test_work_queued_before_dispatch_was_signalled_is_adopted_once(
    workspace: Workspace,
) -> None:
    """Data from the polling days: channels listed in ``storymap:channels``."""
    client = workspace.bot.redis
    bot = workspace.bot
    slash(workspace, "U_ANA", "start Tracking")
    workspace.sim.wait_for(lambda: "Tracking" in board_text(workspace), timeout=20)
    bot.stop_dispatchers()
    keys = Keys(workspace.team_id, workspace.channel)
    notice = json.dumps([{"kind": "notify", "user": "U_ANA", "text": "queued long ago"}])
    client.xadd(keys.urgent, {"number": "1", "effects": notice})
    elsewhere = f"TOTHER{workspace.team_id}:C1"  # another deployment's: left alone
    client.sadd(LEGACY_CHANNELS_KEY, f"{workspace.team_id}:{workspace.channel}", elsewhere)
    try:
        bot.start_dispatchers()
        workspace.sim.wait_for(
            lambda: "queued long ago" in ephemeral_texts(workspace.sim, "U_ANA"), timeout=20
        )
        assert not client.sismember(LEGACY_CHANNELS_KEY, f"{workspace.team_id}:{workspace.channel}")
        assert client.sismember(LEGACY_CHANNELS_KEY, elsewhere)
        assert client.sismember(team_channels_key(workspace.team_id), workspace.channel)
    finally:
        client.srem(LEGACY_CHANNELS_KEY, elsewhere)


def test_the_number_of_channels_served_at_once_is_the_dispatch_threads_setting(
    redis_url: str,
) -> None:
    """``STORYMAP_DISPATCH_THREADS`` reaches the dispatcher: that many workers serve."""

    def workers() -> set[int]:
        return {
            t.ident or 0 for t in threading.enumerate() if t.name.startswith("dispatch-worker-")
        }

    before = workers()
    with open_workspace(redis_url, dispatch_threads=3) as ws:
        assert len(workers() - before) == 3
        slash(ws, "U_ANA", "start Tracking")
        ws.sim.wait_for(lambda: "Tracking" in board_text(ws), timeout=20)
