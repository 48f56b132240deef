"""The service: commands, batches of lines and votes, against a real server."""

from __future__ import annotations

import pytest
import redis

from bot.domain import commands as c
from bot.domain.model import Stage
from bot.domain.text import MAX_ITEMS, MAX_LINES
from bot.service import Batch, WorkshopService
from bot.store.workshops import WorkshopStore
from tests.builders import SEED_PERSONA
from tests.support import walks

pytestmark = pytest.mark.store
C = "CSERVICE"


def walk_to_voting(service: WorkshopService, team: str) -> None:
    """Voting in ``C`` on S1 and S2, one vote each (the reactions tests start here too)."""
    walks.walk_to_voting(service, team, C, c.SetVoteBudget(budget=1))


def test_a_batch_keeps_good_lines_and_explains_the_others(
    redis_client: redis.Redis, team_id: str
) -> None:
    service = WorkshopService(WorkshopStore(redis_client))
    service.handle(team_id, C, "UANA", c.Start(team_id=team_id, channel_id=C))
    service.handle(team_id, C, "UANA", c.SetPersona(text=SEED_PERSONA))
    service.handle(team_id, C, "UANA", c.Next())
    lines = ["Plan shipment", "x" * 70, "plan SHIPMENT", "Assign driver"]
    reply = service.handle_batch(
        team_id, C, "UBEN", Batch(lines=[(line, c.AddActivity(text=line)) for line in lines])
    )
    assert reply.ok
    assert [line for line, _ in reply.refused] == ["x" * 70, "plan SHIPMENT"]
    assert "at most 60 characters" in reply.refused[0][1]
    assert "already on the map" in reply.refused[1][1]
    workshop = service.store.load(team_id, C)
    assert workshop is not None
    assert [a.text for a in workshop.activities] == ["Plan shipment", "Assign driver"]
    nothing = service.handle_batch(
        team_id, C, "UBEN", Batch(lines=[("Plan shipment", c.AddActivity(text="Plan shipment"))])
    )
    assert not nothing.ok
    assert "already on the map" in nothing.text


def test_votes_through_the_service_use_the_machines_messages(
    redis_client: redis.Redis, team_id: str
) -> None:
    service = WorkshopService(WorkshopStore(redis_client))
    walk_to_voting(service, team_id)
    ok = service.handle(team_id, C, "UCHLOE", c.CastVote(story_id="s1"), delivery_id="Ev1")
    assert (ok.ok, ok.text) == (True, "Vote counted for S1; 0 of 1 left.")
    assert service.handle(
        team_id, C, "UCHLOE", c.CastVote(story_id="S1"), delivery_id="Ev1"
    ).duplicate
    over = service.handle(team_id, C, "UCHLOE", c.CastVote(story_id="S2"))
    assert (
        over.text == "You have used your 1 votes. Take one back (remove a reaction) to vote for S2."
    )
    assert service.handle(team_id, C, "UCHLOE", c.CastVote(story_id="S9")).text == (
        "S9 does not exist in this workshop."
    )
    back = service.handle(team_id, C, "UCHLOE", c.WithdrawVote(story_id="S1"))
    assert back.text == "Vote on S1 taken back; 1 of 1 left."
    assert service.handle(team_id, C, "UANA", c.Next()).ok
    late = service.handle(team_id, C, "UCHLOE", c.CastVote(story_id="S2"))
    assert not late.ok
    assert late.text.startswith("Votes count only in the Voting stage")
    workshop = service.store.load(team_id, C)
    assert workshop is not None
    assert workshop.stage is Stage.SLICING
    assert workshop.votes == {}


def _at_activities(service: WorkshopService, team_id: str) -> None:
    walks.walk(service, team_id, C, walks.opening(team_id, C))


def _activities(*lines: str) -> Batch:
    return Batch(lines=[(line, c.AddActivity(text=line)) for line in lines])


def test_a_reply_over_the_line_limit_is_refused_whole_and_changes_nothing(
    redis_client: redis.Redis, team_id: str
) -> None:
    service = WorkshopService(WorkshopStore(redis_client))
    _at_activities(service, team_id)
    before = service.store.load(team_id, C)
    reply = service.handle_batch(
        team_id, C, "UBEN", _activities(*(f"Step {n}" for n in range(MAX_LINES + 1)))
    )
    assert not reply.ok
    assert reply.text == (
        f"That is {MAX_LINES + 1} lines; one message or form adds at most {MAX_LINES} items, "
        f"one per line. Nothing was added: send them in parts of up to {MAX_LINES} lines."
    )
    assert service.store.load(team_id, C) == before
    assert service.handle_batch(team_id, C, "UBEN", _activities("Only one")).ok


def test_the_item_limit_is_named_and_a_batch_says_what_was_not_added(
    redis_client: redis.Redis, team_id: str
) -> None:
    service = WorkshopService(WorkshopStore(redis_client))
    _at_activities(service, team_id)
    limit = MAX_ITEMS["activity"]
    lines = [f"Step {n}" for n in range(limit + 3)]
    reply = service.handle_batch(team_id, C, "UBEN", _activities(*lines))
    assert reply.ok
    assert [line for line, _ in reply.refused] == lines[limit:]
    assert all(f"already has {limit} activities, the most" in why for _, why in reply.refused)
    assert "… and 10 more items added." in reply.text
    assert "Not added: “Step 22”: This map already has 20 activities" in reply.text
    workshop = service.store.load(team_id, C)
    assert workshop is not None
    assert len(workshop.activities) == limit
    one_more = service.handle(team_id, C, "UBEN", c.AddActivity(text="One more"))
    assert not one_more.ok
    assert one_more.text.startswith(f"This map already has {limit} activities")


def test_a_batch_names_ten_refusals_and_counts_the_rest_escaped(
    redis_client: redis.Redis, team_id: str
) -> None:
    service = WorkshopService(WorkshopStore(redis_client))
    _at_activities(service, team_id)
    lines = [f"<!channel> {'x' * 60} {n}" for n in range(25)]
    reply = service.handle_batch(team_id, C, "UBEN", _activities(*lines))
    assert not reply.ok
    assert len(reply.refused) == 25
    assert reply.text.count("Not added:") == 10
    assert reply.text.endswith("… and 15 more lines not added.")
    assert "<!channel>" not in reply.text
    assert "&lt;!channel&gt;" in reply.text


def test_a_mistyped_story_id_in_a_vote_is_escaped(redis_client: redis.Redis, team_id: str) -> None:
    service = WorkshopService(WorkshopStore(redis_client))
    walk_to_voting(service, team_id)
    reply = service.handle(team_id, C, "UBEN", c.CastVote(story_id="<@U1>"))
    assert not reply.ok
    assert reply.text == "&lt;@U1&gt; is not a story id; they look like S1."


def test_what_a_status_a_click_and_a_form_read_is_the_running_workshop(
    redis_client: redis.Redis, team_id: str
) -> None:
    service = WorkshopService(WorkshopStore(redis_client))
    assert service.current(team_id, "C1") is None
    assert service.clicked(team_id, "C1", 1) == (None, None)
    assert not service.is_running(team_id, "C1", 1)

    service.handle(team_id, "C1", "UANA", c.Start(team_id=team_id, channel_id="C1"))
    running = service.current(team_id, "C1")
    assert running is not None
    assert service.clicked(team_id, "C1", 1) == (running, None)
    assert service.is_running(team_id, "C1", 1)

    service.handle(team_id, "C1", "UANA", c.Cancel())
    service.handle(team_id, "C1", "UANA", c.Start(team_id=team_id, channel_id="C1"))
    # A button of the first workshop, clicked while the second runs: the finished one.
    stale, finished = service.clicked(team_id, "C1", 1)
    assert stale is None
    assert finished is not None
    assert finished.number == 1
    assert not service.is_running(team_id, "C1", 1)
    assert service.is_running(team_id, "C1", 2)


def test_a_removal_that_needs_confirming_carries_the_confirmed_command(
    redis_client: redis.Redis, team_id: str
) -> None:
    service = WorkshopService(WorkshopStore(redis_client))
    walk_to_voting(service, team_id)

    asked = service.handle(team_id, C, "UANA", c.Remove(item_id="a1"))

    assert not asked.ok
    assert "has 1 task and 2 stories under it" in asked.text
    assert asked.confirm == c.Remove(item_id="A1", confirmed=True)
    assert asked.number == 1
    kept = service.store.load(team_id, C)
    assert kept is not None
    assert [a.id for a in kept.activities] == ["A1"]
    # A plain refusal asks nothing; the confirmed command removes them all.
    refused = service.handle(team_id, C, "UANA", c.Remove(item_id="A7"))
    assert (refused.ok, refused.confirm) == (False, None)
    assert asked.confirm is not None
    done = service.handle(team_id, C, "UANA", asked.confirm)
    assert done.ok, done.text
    assert done.workshop is not None
    assert (done.workshop.activities, done.workshop.tasks, done.workshop.stories) == ((), (), ())
