"""``storymap outbox``: what a channel's outbox holds, and parked entries sent back."""

from __future__ import annotations

import socket
from typing import cast

import pytest
import redis

from bot.domain import commands as c
from bot.service import WorkshopService
from bot.store import outbox
from bot.store.keys import Keys
from bot.store.workshops import WorkshopStore
from tests.cli.test_cli import storymap


def entries(client: redis.Redis, key: str) -> list[tuple[str, dict[str, str]]]:
    raw = cast("list[tuple[bytes, dict[bytes, bytes]]]", client.xrange(key))
    return [(i.decode(), {k.decode(): v.decode() for k, v in f.items()}) for i, f in raw]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.store
def test_outbox_lists_pending_and_parked_entries_then_retries_the_parked(
    redis_url: str, team_id: str
) -> None:
    client = redis.Redis.from_url(redis_url)
    service = WorkshopService(WorkshopStore(client))
    service.handle(team_id, "C1", "UANA", c.Start(team_id=team_id, channel_id="C1", title="Map"))
    service.handle(team_id, "C1", "UBEN", c.SetPersona(text="Dispatcher"))
    keys = Keys(team_id, "C1")
    first, second = entries(client, keys.outbox)
    # The second entry failed for good: parked with its attempts and error.
    outbox.record_failure(client, keys, "outbox", [second[0]], "Slack answered boom")
    outbox.park(
        client,
        keys,
        "outbox",
        second[0],
        dict(second[1]),
        attempts=5,
        error="Slack answered boom (HTTP 503)",
    )
    env = {"REDIS_URL": redis_url}

    done = storymap("outbox", team_id, "C1", env=env)
    assert done.returncode == 0, done.stderr
    pending, parked = done.stdout.strip().splitlines()
    assert pending.split()[:3] == ["pending", "outbox", first[0]]
    assert "attempts=0" in pending
    assert "effects=open_stage,refresh_board" in pending
    assert parked.split()[:2] == ["parked", "outbox"]
    assert "attempts=5" in parked
    assert "effects=refresh_board" in parked
    assert 'error="Slack answered boom (HTTP 503)"' in parked

    retried = storymap("outbox", team_id, "C1", "--retry", env=env)
    assert retried.returncode == 0, retried.stderr
    assert retried.stdout.strip().splitlines()[-1].startswith("retried parked ")
    assert client.xlen(keys.dead) == 0
    now = entries(client, keys.outbox)
    assert len(now) == 2
    # Sent back under its first id, so what it performed before is not performed again.
    assert now[1][1]["origin"] == second[0]
    after = storymap("outbox", team_id, "C1", env=env)
    assert [line.split()[0] for line in after.stdout.strip().splitlines()] == [
        "pending",
        "pending",
    ]


@pytest.mark.store
def test_an_empty_outbox_says_so(redis_url: str, team_id: str) -> None:
    done = storymap("outbox", team_id, "C1", env={"REDIS_URL": redis_url})
    assert done.returncode == 0
    assert done.stdout.strip() == f"nothing pending or parked in {team_id}/C1"


def test_outbox_with_the_store_unreachable_is_one_line() -> None:
    url = f"redis://127.0.0.1:{free_port()}/0"
    done = storymap("outbox", "T1", "C1", "--retry", env={"REDIS_URL": url})
    assert done.returncode == 3
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("storymap: cannot reach Redis at")
    assert "Traceback" not in done.stderr
    assert done.stdout == ""
