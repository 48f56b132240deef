"""Nothing grows forever: performed entries leave their streams, finished workshops expire."""

from __future__ import annotations

import pytest

from bot.domain import commands as c
from bot.store.keys import Keys
from tests.e2e.conftest import Workspace
from tests.e2e.test_workshop import slash, walk_to

pytestmark = [pytest.mark.store, pytest.mark.slow]


@pytest.mark.parametrize("workspace", [{"unlimited": True}], indirect=True)
def test_after_1000_votes_and_a_publish_the_streams_are_empty(workspace: Workspace) -> None:
    sim, bot, team, channel = workspace.sim, workspace.bot, workspace.team_id, workspace.channel
    keys = Keys(team, channel)
    stories = [("T1", f"Story {n}") for n in range(1, 21)]
    walk_to(workspace, "stories", stories)
    assert slash(workspace, "U_ANA", "budget 20").startswith("Everyone now has 20 votes")
    slash(workspace, "U_ANA", "next")
    for voter in range(50):
        for story in range(1, 21):
            reply = bot.service.handle(
                team, channel, f"U{voter:04}", c.CastVote(story_id=f"S{story}")
            )
            assert reply.ok, reply.text
    slash(workspace, "U_ANA", "next")
    assert slash(workspace, "U_ANA", "slice Walking skeleton = S1 S2").startswith("Release 1")
    assert slash(workspace, "U_ANA", "publish").startswith("Published")
    sim.wait_for(lambda: sim.pinned(channel) or None, timeout=60, message="the map pinned")

    def drained() -> bool:
        return bot.redis.xlen(keys.outbox) + bot.redis.xlen(keys.urgent) == 0

    sim.wait_for(drained, timeout=30, message="both lanes drained")
    assert bot.redis.xlen(keys.dead) == 0
    assert not bot.redis.exists(keys.attempts("outbox"), keys.attempts("urgent"))
    assert not list(bot.redis.scan_iter(f"{keys.tag}:done:*"))
    # Finished: its archive and refs expire after the retention (90 days by default).
    retention = 90 * 24 * 3600
    for key in (keys.archive, keys.refs(1)):
        assert retention - 60 < bot.redis.ttl(key) <= retention, key
