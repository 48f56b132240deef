"""Reopening a published map and removing a voted story, end to end: the real bot behind
its HTTP server, the simulator as Slack.

The shaping commands go through the bot's service (what every listener calls); the
rest through slash commands, and everything the bot does shows in the simulator.
"""

from __future__ import annotations

import pytest

from bot.domain import commands as c
from bot.domain.model import Stage
from bot.render.text import TIMES
from bot.slack.refs import prompt_name
from slacksim.render import message_lines
from tests.e2e.conftest import Workspace
from tests.e2e.test_outbox_faults import publish
from tests.e2e.test_outbox_shaping import posted, shown
from tests.e2e.test_workshop import ephemeral_texts, slash, walk_to

pytestmark = [pytest.mark.store, pytest.mark.slow]


def command(ws: Workspace, user: str, cmd: c.Command) -> str:
    reply = ws.bot.service.handle(ws.team_id, ws.channel, user, cmd)
    assert reply.ok, reply.text
    return reply.text


def test_a_reopened_map_published_again_is_edited_in_place_with_a_changelog(
    workspace: Workspace,
) -> None:
    sim, channel = workspace.sim, workspace.channel
    publish(workspace)
    pinned = sim.wait_for(lambda: sim.pinned(channel) or None, timeout=30, message="the pin")
    assert pinned is not None
    (first,) = pinned
    sim.settle(quiet=1.0)
    top_level = [m.ts for m in sim.bot_messages(channel)]

    assert "open again" in command(workspace, "U_ANA", c.Reopen())
    command(workspace, "U_ANA", c.Rename(item_id="S2", text="Zoom in on one truck"))
    assert slash(workspace, "U_ANA", "publish").startswith("Published again")

    sim.wait_for(
        lambda: "Zoom in on one truck" in shown(workspace, first.ts), timeout=30, message="edit"
    )
    logs = sim.wait_for(
        lambda: [m for m in sim.replies(channel, first.ts) if m.text.startswith("The map was")],
        timeout=20,
        message="the changelog",
    )
    (log,) = logs
    lines = "\n".join(message_lines(log.text, log.blocks))
    assert "What changed since the map was last published" in lines
    assert "S2" in lines
    assert "Zoom in on one truck" in lines
    sim.settle(quiet=1.5)
    # The same message edited, still the only pin; no new map posted in the channel.
    assert [m.ts for m in sim.pinned(channel)] == [first.ts]
    assert len(sim.calls_to("pins.add")) == 1
    assert [m.ts for m in sim.bot_messages(channel)] == top_level
    assert "Zoom to a truck" not in shown(workspace, first.ts)
    assert len([m for m in sim.replies(channel, first.ts) if m.text.startswith("The map")]) == 1


def test_reopen_is_refused_once_another_workshop_started(workspace: Workspace) -> None:
    publish(workspace)
    slash(workspace, "U_ANA", "start Second")
    reply = workspace.bot.service.handle(workspace.team_id, workspace.channel, "U_ANA", c.Reopen())
    assert not reply.ok
    current = workspace.bot.service.current(workspace.team_id, workspace.channel)
    assert current is not None
    assert (current.number, current.title) == (2, "Second")


def test_a_voter_of_a_removed_story_is_told_and_votes_again(workspace: Workspace) -> None:
    sim, channel = workspace.sim, workspace.channel
    walk_to(workspace, "stories")
    slash(workspace, "U_ANA", "budget 1")
    slash(workspace, "U_ANA", "next")
    prompt = posted(workspace, prompt_name(Stage.VOTING.value, None))
    s1, s2 = posted(workspace, "card:S1"), posted(workspace, "card:S2")
    ben = sim.user("U_BEN")
    assert ben.react(channel, s1, "+1").ok
    sim.wait_for(lambda: f"{TIMES} 1" in shown(workspace, s1), timeout=20, message="the vote")

    command(workspace, "U_ANA", c.Remove(item_id="S1"))

    told = sim.wait_for(
        lambda: [e for e in sim.ephemerals("U_BEN") if "came back to you" in e.text] or None,
        timeout=20,
        message="Ben told",
    )
    assert told is not None
    assert [(e.text, e.thread_ts) for e in told] == [
        (
            "Your vote on S1 “See the truck move” came back to you: it was removed from the "
            "map. You can cast it on another story.",
            prompt,
        )
    ]
    sim.wait_for(lambda: "was removed" in shown(workspace, s1), timeout=20, message="the card")
    assert TIMES not in shown(workspace, s1)
    # With a budget of one, the vote on S2 counts only because the first came back.
    assert ben.react(channel, s2, "+1").ok
    sim.wait_for(lambda: f"{TIMES} 1" in shown(workspace, s2), timeout=20, message="new vote")
    sim.settle(quiet=1.0)
    assert not [t for t in ephemeral_texts(sim, "U_BEN") if t.startswith("You have used your")]
    assert len([e for e in sim.ephemerals("U_BEN") if "came back to you" in e.text]) == 1
