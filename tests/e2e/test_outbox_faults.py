"""The outbox against a Slack that fails: transient errors, a pin that never works,
another dispatcher's posting claim, an archived channel.

Every effect is performed once however often its entry is retried; what fails for good
is parked, logged at ERROR and told to the facilitator once.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.effects import Announce, DeadlineSet
from bot.domain.model import Stage
from bot.slack.notices import Notify, React
from bot.store.keys import Keys
from bot.store.outbox import listing, retry_parked
from bot.store.workshops import effects_json
from tests.e2e.conftest import Workspace
from tests.e2e.test_workshop import board_message, ephemeral_texts, slash, walk_to

pytestmark = [pytest.mark.store, pytest.mark.slow]


def dead(ws: Workspace) -> list[object]:
    return [e for e in listing(ws.bot.redis, ws.team_id, ws.channel) if e.state == "parked"]


def test_a_retried_entry_repeats_no_notice_announcement_or_deadline_post(
    workspace: Workspace,
) -> None:
    sim, channel = workspace.sim, workspace.channel
    walk_to(workspace, "persona")
    board = board_message(workspace)
    at = datetime.now(UTC) + timedelta(days=2)
    # The reaction, last in the entry, fails once (HTTP 503): the entry is retried.
    sim.fail("reactions.add", status=503, times=1)
    workspace.bot.redis.xadd(
        Keys(workspace.team_id, channel).outbox,
        {
            "number": 1,
            "effects": effects_json(
                [
                    Notify(user="U_BEN", text="Just once, please"),
                    Announce(text="Announced once"),
                    DeadlineSet(stage=Stage.PERSONA, at=at),
                    React(ts=board.ts, name="eyes"),
                ]
            ),
        },
    )
    workspace.bot.ready.now(workspace.team_id, channel, ["outbox"])  # as every writer does
    sim.wait_for(
        lambda: "eyes" in (sim.message(channel, board.ts) or board).reactions,
        timeout=20,
        message="the reaction, on the second attempt",
    )
    assert sim.faults.answered == {"reactions.add": 1}
    sim.settle(quiet=2.5)  # longer than the retry backoff: a third attempt would show
    replies = [m.text for m in sim.replies(channel, board.ts)]
    assert replies.count("Announced once") == 1
    assert sum(t.startswith("Deadline for") for t in replies) == 1
    assert ephemeral_texts(sim, "U_BEN").count("Just once, please") == 1
    assert len(sim.calls_to("reactions.add")) == 2
    # Done: the entry left the stream, with its marks.
    assert listing(workspace.bot.redis, workspace.team_id, channel) == []
    assert not list(workspace.bot.redis.scan_iter(f"{Keys(workspace.team_id, channel).tag}:done:*"))


def publish(ws: Workspace) -> None:
    walk_to(ws, "voting")
    slash(ws, "U_ANA", "next")
    assert slash(ws, "U_ANA", "slice Walking skeleton = S1 S2").startswith("Release 1")
    assert slash(ws, "U_ANA", "publish").startswith("Published")


def test_a_failed_pin_is_tried_again_until_the_map_is_pinned(workspace: Workspace) -> None:
    sim, channel = workspace.sim, workspace.channel
    sim.fail("pins.add", error="internal_error", times=2)
    publish(workspace)
    pinned = sim.wait_for(lambda: sim.pinned(channel) or None, timeout=30, message="the pin")
    assert pinned is not None
    assert len(sim.calls_to("pins.add")) == 3
    # The map was posted once, though its entry ran three times.
    assert sum(m.ts == pinned[0].ts for m in sim.bot_messages(channel)) == 1
    assert [m.text for m in sim.bot_messages(channel)].count(pinned[0].text) == 1
    assert dead(workspace) == []


def test_a_pin_that_never_works_is_parked_logged_and_told_once(
    workspace: Workspace, caplog: pytest.LogCaptureFixture
) -> None:
    sim, channel = workspace.sim, workspace.channel
    sim.fail("pins.add", error="internal_error", times=50)
    with caplog.at_level(logging.ERROR, logger="bot.slack.dispatcher"):
        publish(workspace)
        told = sim.wait_for(
            lambda: [t for t in ephemeral_texts(sim, "U_ANA") if "pin the final map" in t] or None,
            timeout=40,
            message="the facilitator told",
        )
    assert told is not None
    assert len(told) == 1
    assert sim.pinned(channel) == []
    assert len(sim.calls_to("pins.add")) == 5
    sim.settle(quiet=2.5)
    entries = listing(workspace.bot.redis, workspace.team_id, channel)
    assert len(entries) == 1, [e.line() for e in entries]
    (parked,) = entries
    assert (parked.state, parked.lane, parked.attempts) == ("parked", "outbox", 5)
    assert "post_map" in parked.kinds
    assert parked.error is not None
    assert "internal_error" in parked.error
    errors = [r for r in caplog.records if r.levelno == logging.ERROR and "parked" in r.message]
    assert len(errors) == 1
    assert len([t for t in ephemeral_texts(sim, "U_ANA") if "pin the final map" in t]) == 1


def test_another_dispatchers_posting_claim_is_waited_out_not_counted_as_failure(
    workspace: Workspace,
) -> None:
    sim, channel = workspace.sim, workspace.channel
    # Another dispatcher claimed the board of workshop 1 and is slow about it: longer
    # than five retries two seconds apart.
    refs = f"{Keys(workspace.team_id, channel).tag}:refs:1"
    workspace.bot.redis.set(f"{refs}:posting:board", "someone-else", px=12_000)
    started = time.monotonic()
    slash(workspace, "U_ANA", "start Tracking")
    board = sim.wait_for(lambda: sim.bot_messages(channel) or None, timeout=30)
    assert board is not None
    assert time.monotonic() - started > 10, "the claim was waited out"
    sim.settle(quiet=1)
    assert len(sim.bot_messages(channel)) == 2  # the board and the persona prompt, once
    assert dead(workspace) == []
    attempts = workspace.bot.redis.hgetall(Keys(workspace.team_id, channel).attempts("outbox"))
    assert attempts == {}


@pytest.mark.parametrize(
    ("error", "says", "not_says"),
    [
        ("is_archived", "archived", "/invite"),
        ("not_in_channel", "/invite @storymap", "archived"),
        ("channel_not_found", "can't see this channel", "archived"),
    ],
)
def test_why_nothing_can_be_posted_is_said_as_it_is(
    workspace: Workspace, error: str, says: str, not_says: str
) -> None:
    sim = workspace.sim
    if error == "is_archived":
        sim.archive_channel(workspace.channel)
    else:
        sim.fail("chat.postMessage", error=error, times=1)
    slash(workspace, "U_ANA", "start Tracking")
    shown = sim.wait_for(
        lambda: [t for t in ephemeral_texts(sim, "U_ANA") if "run `/storymap start`" in t] or None,
        message="why nothing was posted",
    )
    assert shown is not None
    assert says in shown[0]
    assert not_says not in shown[0]
    # The workshop was cancelled, so it can be started again once the channel is usable.
    sim.wait_for(lambda: workspace.bot.store.load(workspace.team_id, workspace.channel) is None)


def test_a_parked_entry_sent_back_performs_only_what_it_had_not(workspace: Workspace) -> None:
    sim, channel = workspace.sim, workspace.channel
    walk_to(workspace, "persona")
    board = board_message(workspace)
    sim.fail("reactions.add", error="internal_error", times=5)
    workspace.bot.redis.xadd(
        Keys(workspace.team_id, channel).outbox,
        {
            "number": 1,
            "effects": effects_json(
                [Announce(text="Announced once"), React(ts=board.ts, name="eyes")]
            ),
        },
    )
    workspace.bot.ready.now(workspace.team_id, channel, ["outbox"])  # as every writer does
    told = sim.wait_for(
        lambda: [t for t in ephemeral_texts(sim, "U_ANA") if "reaction" in t] or None,
        timeout=30,
        message="parked, and the facilitator told",
    )
    assert told is not None
    assert "acknowledge a thread reply with a reaction" in told[0]
    assert "announcement" not in told[0]
    assert len(dead(workspace)) == 1

    assert len(retry_parked(workspace.bot.redis, workspace.team_id, channel)) == 1
    sim.wait_for(
        lambda: "eyes" in (sim.message(channel, board.ts) or board).reactions,
        timeout=20,
        message="the reaction, once sent back",
    )
    sim.settle(quiet=2.5)
    replies = [m.text for m in sim.replies(channel, board.ts)]
    assert replies.count("Announced once") == 1
    assert listing(workspace.bot.redis, workspace.team_id, channel) == []


def voting_cards(ws: Workspace) -> list[str]:
    sim = ws.sim
    prompt = next(
        (m for m in sim.bot_messages(ws.channel) if m.text.startswith("Voting is open")), None
    )
    if prompt is None:
        return []
    return [m.text.partition(" ")[0] for m in sim.replies(ws.channel, prompt.ts) if m.is_bot]


def test_a_dispatcher_that_lost_its_lease_stops_posting_and_resumes_once_it_is_back(
    workspace: Workspace, caplog: pytest.LogCaptureFixture
) -> None:
    sim = workspace.sim
    stories = [("T1", f"Story {n}") for n in range(1, 13)]
    walk_to(workspace, "voting", stories)
    sim.wait_for(lambda: len(voting_cards(workspace)) >= 3, timeout=20, message="3 cards")
    # Another replica takes the channel over (as if this one had stalled past its lease).
    lease = f"{Keys(workspace.team_id, workspace.channel).tag}:lease:outbox"
    workspace.bot.redis.set(lease, "another-replica", px=4000)
    time.sleep(0.5)  # at most the post in flight lands
    stopped_at = len(voting_cards(workspace))
    time.sleep(2.5)
    assert len(voting_cards(workspace)) == stopped_at, "no post without the lease"
    assert any("to another replica" in r.message for r in caplog.records)
    # The lease runs out; the dispatcher takes the channel back and finishes the opening.
    sim.wait_for(lambda: len(voting_cards(workspace)) >= 12, timeout=40, message="12 cards")
    sim.settle(quiet=2.5)
    assert sorted(voting_cards(workspace)) == sorted(f"S{n}" for n in range(1, 13))
    assert dead(workspace) == []
    assert not workspace.bot.redis.exists(
        Keys(workspace.team_id, workspace.channel).attempts("outbox")
    )
