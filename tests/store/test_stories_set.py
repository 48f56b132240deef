"""The set of story ids the vote script checks stays the workshop's stories."""

from __future__ import annotations

import pytest

from bot.domain import commands as c
from bot.service import WorkshopService
from bot.store.client import RedisClient
from bot.store.workshops import Keys, WorkshopStore
from tests.builders import FACILITATOR, SEED_PERSONA, Clock

pytestmark = pytest.mark.store
CHANNEL = "CSTORIES"


def members(client: RedisClient, team_id: str) -> set[str]:
    raw = client.smembers(Keys(team_id, CHANNEL).stories)
    return {m.decode() if isinstance(m, bytes) else str(m) for m in raw}


def test_every_story_is_in_the_set_however_many_saves_added_them(
    redis_client: RedisClient, team_id: str
) -> None:
    """Each save sends only the ids it adds; the set still holds every story, a new
    workshop starts from an empty set, and each story can be voted on."""
    service = WorkshopService(WorkshopStore(redis_client), Clock())

    def do(command: c.Command) -> None:
        reply = service.handle(team_id, CHANNEL, FACILITATOR, command)
        assert reply.ok, reply.text

    def to_stories(count: int) -> None:
        do(c.Start(team_id=team_id, channel_id=CHANNEL))
        do(c.SetPersona(text=SEED_PERSONA))
        do(c.Next())
        do(c.AddActivity(text="Plan"))
        do(c.Next())
        do(c.AddTask(activity_id="A1", text="Enter"))
        do(c.Next())
        for n in range(1, count + 1):
            do(c.AddStory(task_id="T1", text=f"Story {n}"))
            assert members(redis_client, team_id) == {f"S{k}" for k in range(1, n + 1)}

    to_stories(5)
    do(c.SetVoteBudget(budget=5))
    do(c.Next())
    assert members(redis_client, team_id) == {f"S{k}" for k in range(1, 6)}
    for n in range(1, 6):
        assert service.handle(team_id, CHANNEL, "UBEN", c.CastVote(story_id=f"S{n}")).ok
    do(c.Cancel())
    to_stories(2)
    assert members(redis_client, team_id) == {"S1", "S2"}
