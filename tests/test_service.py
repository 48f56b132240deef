"""The service: commands, batches of lines and votes, against a real server."""

from __future__ import annotations

import pytest
import redis

from bot.domain import commands as c
from bot.domain.model import Stage
from bot.service import Batch, WorkshopService
from bot.store.workshops import WorkshopStore
from tests.builders import SEED_PERSONA

pytestmark = pytest.mark.store
C = "CSERVICE"


def walk_to_voting(service: WorkshopService, team: str) -> None:
    steps: list[tuple[str, c.Command]] = [
        ("UANA", c.Start(team_id=team, channel_id=C, title="Tracking")),
        ("UBEN", c.SetPersona(text=SEED_PERSONA)),
        ("UANA", c.Next()),
        ("UBEN", c.AddActivity(text="Track delivery")),
        ("UANA", c.Next()),
        ("UBEN", c.AddTask(activity_id="A1", text="View real-time map")),
        ("UANA", c.Next()),
        ("UBEN", c.AddStory(task_id="T1", text="See trucks on a map")),
        ("UBEN", c.AddStory(task_id="T1", text="Zoom to a truck")),
        ("UANA", c.SetVoteBudget(budget=1)),
        ("UANA", c.Next()),
    ]
    for actor, command in steps:
        reply = service.handle(team, C, actor, command)
        assert reply.ok, reply.text


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
