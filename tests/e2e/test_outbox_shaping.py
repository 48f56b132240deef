"""What the outbox does in Slack when the map is shaped: a removed story's voters are
told their votes came back and its card says it was removed; a map published again is
edited in place, with what changed in its thread.

The real bot performs the effects; the changes are saved through its store the way the
service saves them (one compare-and-set step with their effects), with the decisions
written out here so that what is checked is the Slack side.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.domain.effects import PostMap, RefreshBoard, VotesReturned
from bot.domain.machine import Outcome
from bot.domain.model import Stage, Workshop
from bot.render.text import TIMES
from bot.slack.refs import Refs, prompt_name
from bot.store.keys import Keys
from bot.store.workshops import effects_json
from slacksim.render import message_lines
from tests.e2e.conftest import Workspace
from tests.e2e.test_outbox_faults import publish
from tests.e2e.test_workshop import ephemeral_texts, slash, walk_to
from tests.store.test_removal_and_reopen import reopen, without

pytestmark = [pytest.mark.store, pytest.mark.slow]


def refs(ws: Workspace, number: int = 1) -> Refs:
    return Refs(ws.bot.redis, ws.team_id, ws.channel, number)


def posted(ws: Workspace, name: str) -> str:
    """The ts of the workshop's message ``name`` (waits for it to be posted)."""
    found = ws.sim.wait_for(lambda: refs(ws).get(name), timeout=20, message=name)
    assert found is not None
    return found


def shown(ws: Workspace, ts: str) -> str:
    message = ws.sim.message(ws.channel, ts)
    assert message is not None
    return "\n".join(message_lines(message.text, message.blocks))


def test_a_removed_storys_voter_is_told_once_and_votes_again(workspace: Workspace) -> None:
    sim, channel = workspace.sim, workspace.channel
    walk_to(workspace, "stories")
    assert slash(workspace, "U_ANA", "budget 1").startswith("Everyone now has 1 vote")
    slash(workspace, "U_ANA", "next")
    prompt = posted(workspace, prompt_name(Stage.VOTING.value, None))
    s1, s2 = posted(workspace, "card:S1"), posted(workspace, "card:S2")
    ben = sim.user("U_BEN")
    assert ben.react(channel, s1, "+1").ok
    sim.wait_for(lambda: f"{TIMES} 1" in shown(workspace, s1), timeout=20, message="the vote")

    workspace.bot.store.update(workspace.team_id, channel, without("S1"))

    told = "Your vote on S1 “See the truck move” came back to you: it was removed from the map."
    lines = sim.wait_for(
        lambda: [e for e in sim.ephemerals("U_BEN") if e.text.startswith(told)] or None,
        timeout=20,
        message="Ben told",
    )
    assert lines is not None
    assert [e.thread_ts for e in lines] == [prompt]
    # The card says the story was removed, without a vote count.
    sim.wait_for(lambda: "was removed" in shown(workspace, s1), timeout=20, message="the card")
    assert TIMES not in shown(workspace, s1)
    assert not any("came back" in t for t in ephemeral_texts(sim, "U_CHLOE"))
    # His one vote is his again: cast on S2, it counts.
    assert ben.react(channel, s2, "+1").ok
    sim.wait_for(lambda: f"{TIMES} 1" in shown(workspace, s2), timeout=20, message="the new vote")
    sim.settle(quiet=1.5)
    assert sum(e.text.startswith(told) for e in sim.ephemerals("U_BEN")) == 1
    assert not [t for t in ephemeral_texts(sim, "U_BEN") if t.startswith("You have used your")]


def test_a_retried_entry_tells_only_the_voters_not_told_yet(workspace: Workspace) -> None:
    sim, channel, team = workspace.sim, workspace.channel, workspace.team_id
    walk_to(workspace, "voting")
    prompt = posted(workspace, prompt_name(Stage.VOTING.value, None))
    returned = VotesReturned(story_id="S1", text="See the truck move", voters=("U_BEN", "U_CHLOE"))
    keys = Keys(team, channel)
    entry = workspace.bot.redis.xadd(
        keys.outbox, {"number": 1, "effects": effects_json([returned])}
    )
    entry_id = entry.decode() if isinstance(entry, bytes) else str(entry)
    # As an earlier attempt of this entry would have left it: Ben was told already.
    workspace.bot.redis.hset(keys.done(entry_id), "0|U_BEN", "1")
    workspace.bot.ready.now(team, channel, ["outbox"])
    told = sim.wait_for(
        lambda: [e for e in sim.ephemerals("U_CHLOE") if "came back to you" in e.text] or None,
        timeout=20,
        message="Chloe told",
    )
    assert told is not None
    assert [e.thread_ts for e in told] == [prompt]
    sim.settle(quiet=1.5)
    assert not [t for t in ephemeral_texts(sim, "U_BEN") if "came back to you" in t]
    assert len([e for e in sim.ephemerals("U_CHLOE") if "came back to you" in e.text]) == 1


def renamed(story_id: str, text: str) -> Callable[[Workshop | None], Outcome]:
    def decide(w: Workshop | None) -> Outcome:
        assert w is not None
        stories = tuple(
            s.model_copy(update={"text": text}) if s.id == story_id else s for s in w.stories
        )
        return Outcome(w.model_copy(update={"stories": stories}), (RefreshBoard(),), "")

    return decide


def republish(changes: tuple[str, ...]) -> Callable[[Workshop | None], Outcome]:
    def decide(w: Workshop | None) -> Outcome:
        assert w is not None
        state = w.model_copy(update={"stage": Stage.PUBLISHED})
        return Outcome(state, (RefreshBoard(), PostMap(changes=changes)), "Published again.")

    return decide


def test_a_map_published_again_is_edited_in_place_with_a_changelog(
    workspace: Workspace,
) -> None:
    sim, channel, team = workspace.sim, workspace.channel, workspace.team_id
    publish(workspace)
    pinned = sim.wait_for(lambda: sim.pinned(channel) or None, timeout=30, message="the pin")
    assert pinned is not None
    (first,) = pinned
    sim.settle(quiet=1.0)
    before = [m.ts for m in sim.bot_messages(channel)]
    store = workspace.bot.store

    store.update(team, channel, reopen, archived=True)
    store.update(team, channel, renamed("S1", "Watch the truck move"))
    change = "S1 renamed: “See the truck move” → “Watch the truck move”"
    store.update(team, channel, republish((change,)))

    sim.wait_for(
        lambda: "Watch the truck move" in shown(workspace, first.ts), timeout=30, message="edit"
    )
    replies = sim.wait_for(
        lambda: [m for m in sim.replies(channel, first.ts) if m.text.startswith("The map was")],
        timeout=20,
        message="the changelog",
    )
    (log,) = replies
    lines = message_lines(log.text, log.blocks)
    assert "*What changed since the map was last published:*" in lines
    assert f"• {change}" in lines
    sim.settle(quiet=1.5)
    # The same message, still the only pin; nothing new posted in the channel.
    assert [m.ts for m in sim.pinned(channel)] == [first.ts]
    assert len(sim.calls_to("pins.add")) == 1
    assert [m.ts for m in sim.bot_messages(channel)] == before
    assert "See the truck move" not in shown(workspace, first.ts)
