"""The scheduler finds due jobs through the ``jobs`` index, on a fake clock (real store)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import cast

import pytest
import redis

from bot.domain.model import Stage
from bot.slack.scheduler import Job, Scheduler, jobs_key
from bot.store.due import Ready
from bot.store.keys import Keys

pytestmark = pytest.mark.store

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def test_a_job_is_queued_once_when_due_and_its_channel_then_leaves_the_index(
    redis_url: str, team_id: str
) -> None:
    client = redis.Redis.from_url(redis_url)
    clock = Clock()
    ready = Ready(client)
    scheduler = Scheduler(client, clock, teams=frozenset({team_id}), ready=ready)
    shard = scheduler.index.shard(team_id, "C1")
    first = Job(kind="deadline", number=1, due=T0 + timedelta(hours=1), stage=Stage.PERSONA)
    second = Job(kind="digest", number=1, due=T0 + timedelta(hours=3))
    scheduler.schedule(team_id, "C1", second)
    scheduler.schedule(team_id, "C1", first)
    assert scheduler.index.members(shard, 10) == [
        (f"{team_id}:C1", (T0 + timedelta(hours=1)).timestamp() * 1000)
    ]

    assert scheduler.run_once() == 0  # nothing due yet
    clock.now = T0 + timedelta(hours=2)
    assert scheduler.run_once() == 1
    assert scheduler.run_once() == 0  # claimed exactly once
    entries = cast(
        "list[tuple[bytes, dict[bytes, bytes]]]", client.xrange(Keys(team_id, "C1").outbox)
    )
    [(_, fields)] = entries
    assert json.loads(fields[b"effects"])[0]["job"]["kind"] == "deadline"
    # The outbox was signalled, and the channel waits in the index for its digest.
    ready_members = [m for m, _ in ready.index.members(ready.index.shard(team_id, "C1"), 10)]
    assert ready_members == [Ready.member("outbox", team_id, "C1")]
    assert scheduler.index.members(shard, 10) == [
        (f"{team_id}:C1", (T0 + timedelta(hours=3)).timestamp() * 1000)
    ]

    clock.now = T0 + timedelta(days=1)
    assert scheduler.run_once() == 1
    assert scheduler.index.members(shard, 10) == []  # no job left: no cost left
    assert client.zcard(jobs_key(team_id, "C1")) == 0
    client.close()


def test_a_channel_without_jobs_costs_the_scheduler_nothing(redis_url: str, team_id: str) -> None:
    """Channels with jobs far apart: a round claims only the due ones."""
    client = redis.Redis.from_url(redis_url)
    clock = Clock()
    scheduler = Scheduler(client, clock, teams=frozenset({team_id}))
    for n in range(50):
        job = Job(kind="digest", number=1, due=T0 + timedelta(days=1 + n))
        scheduler.schedule(team_id, f"C{n}", job)
    clock.now = T0 + timedelta(days=1, hours=1)
    assert scheduler.run_once() == 1
    assert client.xlen(Keys(team_id, "C0").outbox) == 1
    assert all(client.xlen(Keys(team_id, f"C{n}").outbox) == 0 for n in range(1, 50))
    client.close()
