"""The store's gauges for ``/metrics``: exact over the sampled channels, bounded work."""

from __future__ import annotations

from collections.abc import Iterator
from typing import cast

import pytest
import redis
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from bot.domain import commands as c
from bot.service import WorkshopService
from bot.store.due import Ready
from bot.store.gauges import StoreCollector, StoreGauges, read_gauges
from bot.store.keys import Keys
from bot.store.workshops import WorkshopStore

pytestmark = pytest.mark.store


@pytest.fixture
def client(redis_url: str) -> Iterator[redis.Redis]:
    connection = redis.Redis.from_url(redis_url)
    yield connection
    connection.close()


def start(service: WorkshopService, team_id: str, channel_id: str) -> None:
    service.handle(
        team_id, channel_id, "UANA", c.Start(team_id=team_id, channel_id=channel_id, title="Map")
    )


def first_appended_ms(client: redis.Redis, stream: str) -> int:
    entries = cast("list[tuple[bytes, object]]", client.xrange(stream, count=1))
    return int(entries[0][0].decode().partition("-")[0])


def test_active_workshops_outbox_depth_and_oldest_age(client: redis.Redis, team_id: str) -> None:
    service = WorkshopService(WorkshopStore(client))
    start(service, team_id, "C1")
    start(service, team_id, "C2")
    service.handle(team_id, "C2", "UANA", c.Cancel())  # finished: not active
    client.xadd(Keys(team_id, "C1").urgent, {"number": "1", "effects": "[]"})
    lengths = {
        lane: sum(int(client.xlen(getattr(Keys(team_id, ch), lane))) for ch in ("C1", "C2"))
        for lane in ("outbox", "urgent")
    }
    assert lengths["outbox"] >= 2
    assert lengths["urgent"] == 1
    firsts = [first_appended_ms(client, Keys(team_id, ch).outbox) for ch in ("C1", "C2")]
    now = min(firsts) / 1000 + 7.5

    gauges = read_gauges(client, teams=frozenset({team_id}), limit=1_000_000, clock=lambda: now)

    assert gauges.channels_sampled == 2
    assert gauges.channels_known >= 2
    assert gauges.active_workshops == 1
    assert gauges.outbox_depth == lengths
    assert gauges.oldest_age_seconds["outbox"] == pytest.approx(7.5)
    assert 0 <= gauges.oldest_age_seconds["urgent"] < 7.5


def test_a_scrape_reads_at_most_the_limit(client: redis.Redis, team_id: str) -> None:
    service = WorkshopService(WorkshopStore(client))
    for channel in ("C1", "C2", "C3"):
        start(service, team_id, channel)
    assert read_gauges(client, teams=frozenset({team_id}), limit=2).channels_sampled == 2
    mine = read_gauges(client, teams=frozenset({team_id}), limit=1_000_000)
    assert (mine.channels_known, mine.channels_sampled, mine.active_workshops) == (3, 3, 3)


def test_serving_every_workspace_reads_the_channels_with_work(
    client: redis.Redis, team_id: str
) -> None:
    """Without a list of teams, the channels read are those of the shared ready index."""
    ready = Ready(client, per_team=False)
    service = WorkshopService(WorkshopStore(client, ready=ready))
    for channel in ("C1", "C2"):
        start(service, team_id, channel)
    gauges = read_gauges(client, limit=1_000_000)
    assert gauges.channels_known >= 2  # other tests' channels may be there too
    sampled = read_gauges(client, limit=1)
    assert sampled.channels_sampled == 1


def test_a_team_with_nothing_has_zeros(client: redis.Redis, team_id: str) -> None:
    gauges = read_gauges(client, teams=frozenset({team_id}), limit=1_000_000)
    assert (gauges.channels_sampled, gauges.active_workshops) == (0, 0)
    assert gauges.outbox_depth == {"outbox": 0, "urgent": 0}
    assert gauges.oldest_age_seconds == {"outbox": 0.0, "urgent": 0.0}


def families(registry: CollectorRegistry) -> dict[str, list[tuple[dict[str, str], float]]]:
    text = generate_latest(registry).decode()
    return {
        f.name: [(s.labels, s.value) for s in f.samples]
        for f in text_string_to_metric_families(text)
    }


def test_the_collector_reads_at_scrape_time_only_and_survives_a_dead_store() -> None:
    reads: list[int] = []

    def read() -> StoreGauges:
        reads.append(1)
        if len(reads) > 1:
            raise redis.ConnectionError("down")
        return StoreGauges(10, 4, 3, {"outbox": 5, "urgent": 1}, {"outbox": 2.5, "urgent": 0.0})

    registry = CollectorRegistry(auto_describe=True)
    registry.register(StoreCollector(read, limit=4))
    assert reads == []  # registering reads nothing
    first = families(registry)
    assert first["storymap_store_scrape_ok"] == [({}, 1.0)]
    assert first["storymap_active_workshops"] == [({}, 3.0)]
    assert first["storymap_channels_sampled"] == [({}, 4.0)]
    assert sorted(first["storymap_outbox_depth"], key=str) == [
        ({"lane": "outbox"}, 5.0),
        ({"lane": "urgent"}, 1.0),
    ]
    assert ({"lane": "outbox"}, 2.5) in first["storymap_outbox_oldest_age_seconds"]
    second = families(registry)
    assert second == {"storymap_store_scrape_ok": [({}, 0.0)]}
