"""The store's gauges for ``GET /metrics``, read at scrape time with bounded work.

``read_gauges`` answers what ``StoreCollector`` exposes; the collector knows nothing of
keys, so a cheaper way to find the channels with work can replace ``read_gauges``
alone. Today the store keeps no index of active workshops or of outboxes with entries,
only ``storymap:channels`` (every channel that ever held a workshop), so one scrape:

- counts that set (``SCARD``, constant time);
- samples at most ``limit`` of its members (``SRANDMEMBER``; all of them when there are
  fewer, so the figures are exact up to ``limit`` channels);
- reads, for each sampled channel, in one pipeline: whether its ``meta`` hash exists
  (it does exactly while a workshop is active), the length of both outbox lanes, and
  the id of each lane's oldest entry (``XRANGE - + COUNT 1``; a stream id starts with
  its append time in milliseconds).

That is ``1 + 5 * limit`` commands at most, whatever the number of channels. A store
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
from bot.store.outbox import LANES
from bot.store.workshops import CHANNELS_KEY, Keys

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
    known = int(client.scard(CHANNELS_KEY))
    members = cast("list[bytes | str]", client.srandmember(CHANNELS_KEY, limit) or [])
    channels = []
    for raw in members:
        team_id, _, channel_id = _text(raw).partition(":")
        if teams is None or team_id in teams:
            channels.append(Keys(team_id, channel_id))
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
            f"over at most {self._limit} channels sampled at random from storymap:channels "
            "(all of them when there are fewer; see storymap_channels_sampled)"
        )
        yield GaugeMetricFamily(
            "storymap_channels_known",
            "Channels that ever held a workshop (members of storymap:channels).",
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
