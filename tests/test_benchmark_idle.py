"""The idle-cost benchmark's own machinery: its history is a real one, its command count
leaves out its own ``INFO`` calls, and a section run alone is merged into the results."""

from __future__ import annotations

import contextlib
import time
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import redis

from benchmarks.idle import (
    OWN_COMMANDS,
    add_facilitator,
    evening_zone,
    idle_cost,
    read,
    ready_members,
    seed_history,
)
from benchmarks.report import Row, Section, markdown, merge
from benchmarks.stack import Stack, Store
from benchmarks.workshop import FACILITATOR
from bot.slack.scheduler import jobs_key
from bot.store.embedded import EmbeddedServer
from bot.store.workshops import Keys, WorkshopStore, team_channels_key


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _shape(client: redis.Redis, keys: Keys) -> dict[str, str]:
    """The channel's keys, its id taken out, with their types."""
    prefix = f"storymap:{{{keys.team_id}:{keys.channel_id}}}"
    return {
        _text(key).removeprefix(prefix): _text(client.type(key))
        for key in client.scan_iter(match=f"{prefix}*", count=1000)
    }


@pytest.mark.store
@pytest.mark.slow
def test_seeded_history_is_what_a_workshop_started_and_cancelled_leaves(
    redis_url: str, tmp_path: Path
) -> None:
    client = redis.Redis.from_url(redis_url)
    with contextlib.closing(client), Stack(Store(redis_url, client, None), tmp_path, "t") as stack:
        # One channel through the front door: slash commands, the setup replica acting.
        with stack.setting_up():
            add_facilitator(stack)
            real = stack.sim.add_channel("#real", members=[FACILITATOR]).id
            facilitator = stack.sim.user(FACILITATOR)
            assert facilitator.slash(real, "/storymap", "start Old sprint").ok
            stack.sim.wait_for(lambda: client.hget(Keys(stack.team_id, real).refs(1), "board"))
            assert facilitator.slash(real, "/storymap", "cancel").ok

        seeded = seed_history(stack, 12)

        assert len(set(seeded)) == 12
        members = {_text(m) for m in client.smembers(team_channels_key(stack.team_id))}
        assert members == {real, *seeded}
        assert ready_members(client, stack.team_id) == 0
        store = WorkshopStore(client)
        reference = _shape(client, Keys(stack.team_id, real))
        assert {":archive", ":refs:1", ":outbox"} <= reference.keys()
        for channel in seeded:
            keys = Keys(stack.team_id, channel)
            assert _shape(client, keys) == reference
            assert store.load(stack.team_id, channel) is None
            assert client.xlen(keys.outbox) == 0
            assert client.hget(keys.refs(1), "board") is not None
            [old] = store.history(stack.team_id, channel)
            assert old.stage.value == "cancelled"
            # Its first digest is pending, hours away (the facilitator's evening).
            jobs = client.zrange(jobs_key(stack.team_id, channel), 0, -1, withscores=True)
            assert len(jobs) == 1
            assert float(jobs[0][1]) > time.time() + 6 * 3600
        # Seeding continues numbering where it stopped (new channel names).
        assert len(seed_history(stack, 2, first=12)) == 2
        assert client.scard(team_channels_key(stack.team_id)) == 15


def test_idle_cost_leaves_out_the_measuring_info_calls(tmp_path: Path) -> None:
    with EmbeddedServer(tmp_path / "store") as server:
        client = redis.Redis.from_url(server.url)
        with contextlib.closing(client):
            client.ping()  # the connection (and its handshake) exists before measuring
            before = read(client, [])
            for _ in range(7):
                client.ping()
            client.set("k", "v")
            after = read(client, [])
    cost = idle_cost(before, after, channels=0, replicas=1)
    assert round(cost.commands_per_second * cost.seconds) == 8
    assert dict(cost.top) == {
        "ping": pytest.approx(7 / cost.seconds),
        "set": pytest.approx(1 / cost.seconds),
    }
    assert OWN_COMMANDS == 2


def test_idle_cost_of_nothing_is_zero(tmp_path: Path) -> None:
    with EmbeddedServer(tmp_path / "store") as server:
        client = redis.Redis.from_url(server.url)
        with contextlib.closing(client):
            client.ping()
            before = read(client, [])
            after = read(client, [])
    cost = idle_cost(before, after, channels=0, replicas=1)
    assert cost.commands_per_second == 0
    assert cost.top == []


def _section(title: str, figure: str, detail: str) -> Section:
    return Section(title, [Row("a measure", figure, goal="< 1", met=True)], [detail])


def test_a_section_run_alone_replaces_its_own_in_the_results() -> None:
    host = [("date", "then"), ("commit", "abc"), ("cores", "2")]
    full = markdown(
        [_section("1. First", "1 ms", "first body"), _section("5. Idle", "9/s", "old body")],
        host,
        "python -m benchmarks",
        ["preamble"],
        ["- method"],
    )
    again = [("date", "now"), ("commit", "def"), ("cores", "2")]
    merged = merge(
        full,
        [_section("5. Idle", "3/s", "new body")],
        again,
        "cmd idle",
        preamble=["new pre"],
        method=["- new"],
    )

    assert "first body" in merged
    assert "| 1. First | a measure | 1 ms |" in merged
    assert "old body" not in merged
    assert "9/s" not in merged
    assert "new body" in merged
    assert "| 5. Idle | a measure | 3/s |" in merged
    assert "produced on its own by `cmd idle` (now, commit def, cores 2)" in merged
    assert merged.index("## 5. Idle") < merged.index("## Method and its limits")
    assert merged.count("## 5. Idle") == 1
    # The text around the figures is the current one; the earlier run's command stays.
    assert "new pre" in merged
    assert "preamble" not in merged
    assert merged.endswith("## Method and its limits\n\n- new\n")
    assert "Produced by `python -m benchmarks`." in merged
    assert merged.index("| 1. First |") < merged.index("| 5. Idle |") < merged.index("## 1.")

    # A section the file did not have goes before the method, its rows at the end.
    added = merge(
        full, [_section("6. New", "2 s", "six")], again, "cmd", preamble=["p"], method=["- m"]
    )
    assert added.index("## 5. Idle") < added.index("## 6. New") < added.index("## Method")
    assert "| 6. New | a measure | 2 s |" in added
    assert "old body" in added


@pytest.mark.parametrize("hour", [0, 3, 9, 10, 20, 21, 23])
def test_the_evening_zone_is_at_about_21_00(hour: int) -> None:
    now = datetime(2026, 3, 2, hour, 30, tzinfo=UTC)
    assert now.astimezone(ZoneInfo(evening_zone(now))).hour == 21
