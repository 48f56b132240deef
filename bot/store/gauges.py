"""The store's gauges for ``GET /metrics``, read at scrape time with bounded work.

``read_gauges`` answers what ``StoreCollector`` exposes; the collector knows nothing of
keys. The channels read are those of the replica's workspaces (each team's set of
channels that held a workshop, ``team_channels_key``) or, when the replica serves every
workspace, those in the ready index (``bot.store.due``: the channels with work). One
scrape:

- counts them (``SCARD`` / ``ZCARD`` per team or shard, constant time each);
- samples at most ``limit`` of them (``SRANDMEMBER`` per team, or the earliest due of
  each shard; all of them when there are fewer, so the figures are exact up to
  ``limit`` channels);
- reads, for each sampled channel, in one pipeline: whether its ``meta`` hash exists
  (it does exactly while a workshop is active), the length of both outbox lanes, and
  the id of each lane's oldest entry (``XRANGE - + COUNT 1``; a stream id starts with
  its append time in milliseconds).

That is ``2 * sources + 5 * limit`` commands at most, whatever the number of channels. A store
that does not answer makes ``storymap_store_scrape_ok`` 0 and the other gauges absent,
never a failed scrape.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Final, cast

import redis
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from redis.exceptions import RedisClusterException

from bot.store.client import RedisClient
from bot.store.due import DueIndex
from bot.store.keys import Keys, team_channels_key
from bot.store.outbox import LANES

#: Channels read per scrape at most.
SAMPLE_LIMIT: Final = 100


@dataclass(frozen=True)
class StoreGauges:
    """What the store holds now (over the sampled channels)."""

    channels_known: int
    channels_sampled: int
    active_workshops: int
    #: lane -> entries waiting in that lane's streams.
    outbox_depth: dict[str, int] = field(default_factory=dict)
    #: lane -> seconds since the oldest waiting entry was appended (0 when none waits).
    oldest_age_seconds: dict[str, float] = field(default_factory=dict)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _appended_ms(entry_id: bytes | str) -> int:
    return int(_text(entry_id).partition("-")[0])


def read_gauges(
    client: RedisClient,
    *,
    teams: frozenset[str] | None = None,
    limit: int = SAMPLE_LIMIT,
    clock: Callable[[], float] = time.time,
) -> StoreGauges:
    """The gauges over at most ``limit`` channels of ``teams`` (None: every team)."""
    known, channels = _channels(client, teams, limit)
    depth = dict.fromkeys(LANES, 0)
    oldest: dict[str, int | None] = dict.fromkeys(LANES, None)
    active = 0
    if channels:
        with client.pipeline(transaction=False) as pipe:
            for keys in channels:
                pipe.exists(keys.meta)
                for lane in LANES:
                    pipe.xlen(getattr(keys, lane))
                    pipe.xrange(getattr(keys, lane), "-", "+", count=1)
            answers: list[Any] = pipe.execute()
        per_channel = 1 + 2 * len(LANES)
        for start in range(0, len(answers), per_channel):
            active += int(answers[start])
            for n, lane in enumerate(LANES):
                depth[lane] += int(answers[start + 1 + 2 * n])
                first = answers[start + 2 + 2 * n]
                if first:
                    appended = _appended_ms(first[0][0])
                    seen = oldest[lane]
                    oldest[lane] = appended if seen is None else min(seen, appended)
    now_ms = clock() * 1000
    ages = {
        lane: 0.0 if ms is None else max(0.0, (now_ms - ms) / 1000) for lane, ms in oldest.items()
    }
    return StoreGauges(known, len(channels), active, depth, ages)


def _channels(
    client: RedisClient, teams: frozenset[str] | None, limit: int
) -> tuple[int, list[Keys]]:
    """How many channels there are to read, and at most ``limit`` of them."""
    found: set[Keys] = set()
    known = 0
    if teams is not None:
        for team_id in sorted(teams):
            key = team_channels_key(team_id)
            known += int(client.scard(key))
            members = cast("list[bytes | str]", client.srandmember(key, limit) or [])
            found.update(Keys(team_id, _text(m)) for m in members)
    else:
        ready = DueIndex(client, "ready", per_team=False)
        for shard in ready.shards(None):
            known += ready.size(shard)
            for member, _ in ready.members(shard, limit):
                _, team_id, channel_id = member.split(":", 2)
                found.add(Keys(team_id, channel_id))
    return known, sorted(found, key=lambda k: (k.team_id, k.channel_id))[:limit]


class StoreCollector(Collector):
    """Exposes ``read()``'s gauges at each scrape; reads nothing at registration."""

    def __init__(self, read: Callable[[], StoreGauges], *, limit: int = SAMPLE_LIMIT) -> None:
        self._read = read
        self._limit = limit

    def describe(self) -> Iterable[Metric]:
        return []  # so registering does not scrape the store

    def collect(self) -> Iterable[Metric]:
        ok = GaugeMetricFamily(
            "storymap_store_scrape_ok", "1 when the store answered this scrape's reads, else 0."
        )
        try:
            gauges = self._read()
        except (redis.RedisError, RedisClusterException, OSError):
            ok.add_metric([], 0)
            yield ok
            return
        ok.add_metric([], 1)
        yield ok
        sample = (
            f"over at most {self._limit} channels sampled from this replica's workspaces "
            "(all of them when there are fewer; see storymap_channels_sampled)"
        )
        yield GaugeMetricFamily(
            "storymap_channels_known",
            "Channels of this replica's workspaces that held a workshop (when it serves "
            "every workspace: the channels with outbox work).",
            value=gauges.channels_known,
        )
        yield GaugeMetricFamily(
            "storymap_channels_sampled",
            f"Channels this scrape read, at most {self._limit}, of this replica's workspaces.",
            value=gauges.channels_sampled,
        )
        yield GaugeMetricFamily(
            "storymap_active_workshops",
            f"Workshops open (not published or cancelled), {sample}.",
            value=gauges.active_workshops,
        )
        depth = GaugeMetricFamily(
            "storymap_outbox_depth", f"Outbox entries waiting, by lane, {sample}.", labels=["lane"]
        )
        for lane, count in sorted(gauges.outbox_depth.items()):
            depth.add_metric([lane], count)
        yield depth
        age = GaugeMetricFamily(
            "storymap_outbox_oldest_age_seconds",
            f"Seconds since the oldest waiting outbox entry was appended (0: none), by "
            f"lane, {sample}.",
            labels=["lane"],
        )
        for lane, seconds in sorted(gauges.oldest_age_seconds.items()):
            age.add_metric([lane], seconds)
        yield age
