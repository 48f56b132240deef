"""The due-time indexes (``bot.store.due``): signal, claim, settle, and why nothing is lost.

Run on one server and on a Redis Cluster (``redis_client``)."""

from __future__ import annotations

import pytest

from bot.domain import commands as c
from bot.service import WorkshopService
from bot.store.client import RedisClient
from bot.store.due import SHARDS, DueIndex, Ready, now_ms
from bot.store.keys import Keys
from bot.store.workshops import WorkshopStore

pytestmark = pytest.mark.store

HOLD = 10_000


def test_a_signalled_member_is_claimed_once_then_settled_away(
    redis_client: RedisClient, team_id: str
) -> None:
    index = DueIndex(redis_client, "ready", per_team=True)
    shard = index.shard(team_id, "C1")
    index.signal(shard, ["outbox:x"], 1_000, wake=True)

    claims, earliest = index.claim(shard, now=2_000, hold_ms=HOLD)
    assert [claim.member for claim in claims] == ["outbox:x"]
    assert earliest == 2_000 + HOLD  # the claimed member itself, held
    # Held: nobody else takes it before the hold ends.
    assert index.claim(shard, now=2_000 + HOLD - 1, hold_ms=HOLD)[0] == []

    assert index.settle(claims[0], None) is False
    assert index.size(shard) == 0
    assert index.claim(shard, now=10**13, hold_ms=HOLD) == ([], None)


def test_a_signal_while_claimed_keeps_the_member_however_the_claim_ends(
    redis_client: RedisClient, team_id: str
) -> None:
    """The race the generation closes: work appended while a server was finishing."""
    index = DueIndex(redis_client, "ready", per_team=True)
    shard = index.shard(team_id, "C1")
    index.signal(shard, ["m"], 1_000, wake=False)
    claims, _ = index.claim(shard, now=1_000, hold_ms=HOLD)
    index.signal(shard, ["m"], 1_500, wake=True)  # new work, due at 1.5 s

    assert index.settle(claims[0], None) is True
    assert index.members(shard, 10) == [("m", 1_500.0)]
    # And a settle with a later next time does not postpone it either.
    again, _ = index.claim(shard, now=1_500, hold_ms=HOLD)
    index.signal(shard, ["m"], 1_600, wake=False)
    assert index.settle(again[0], 9_000) is True
    assert index.members(shard, 10) == [("m", 1_600.0)]


def test_a_settle_without_a_signal_sets_the_next_due_time(
    redis_client: RedisClient, team_id: str
) -> None:
    index = DueIndex(redis_client, "ready", per_team=True)
    shard = index.shard(team_id, "C1")
    index.signal(shard, ["m"], 1_000, wake=False)
    claims, _ = index.claim(shard, now=1_000, hold_ms=HOLD)
    index.settle(claims[0], 3_000)
    assert index.claim(shard, now=2_999, hold_ms=HOLD)[0] == []
    assert [c.member for c in index.claim(shard, now=3_000, hold_ms=HOLD)[0]] == ["m"]


def test_a_stale_claim_never_removes_a_member_signalled_after_it_was_settled(
    redis_client: RedisClient, team_id: str
) -> None:
    """A server that outlived its hold settles late: the member was claimed again,
    settled away, and signalled anew meanwhile; the stale settle must not drop it."""
    index = DueIndex(redis_client, "ready", per_team=True)
    shard = index.shard(team_id, "C1")
    index.signal(shard, ["m"], 1_000, wake=False)
    stale, _ = index.claim(shard, now=1_000, hold_ms=HOLD)
    fresh, _ = index.claim(shard, now=1_000 + HOLD, hold_ms=HOLD)
    index.settle(fresh[0], None)
    index.signal(shard, ["m"], 20_000, wake=False)

    assert index.settle(stale[0], None) is True
    assert index.members(shard, 10) == [("m", 20_000.0)]


def test_a_step_covered_before_it_and_never_signalled_after_is_due_after_the_grace(
    redis_client: RedisClient, team_id: str
) -> None:
    """A writer that dies between its atomic step and its signal loses nothing."""
    ready = Ready(redis_client, grace_ms=5_000)
    before = now_ms()
    ready.before(team_id, "C1", ["outbox"])
    shard = ready.index.shard(team_id, "C1")
    [(member, due)] = ready.index.members(shard, 10)
    assert member == Ready.member("outbox", team_id, "C1")
    assert before + 5_000 <= due <= now_ms() + 5_000
    assert ready.index.claim(shard, now=now_ms(), hold_ms=HOLD)[0] == []
    assert len(ready.index.claim(shard, now=int(due), hold_ms=HOLD)[0]) == 1


def test_the_wake_up_list_is_capped_and_wakes_a_waiter(
    redis_client: RedisClient, team_id: str
) -> None:
    index = DueIndex(redis_client, "ready", per_team=True)
    shard = index.shard(team_id, "C1")
    for n in range(40):
        index.signal(shard, [f"m{n}"], n, wake=True)
    assert redis_client.llen(index.wake_key(shard)) == 16
    assert index.wait(shard, 0.05) is True
    redis_client.delete(index.wake_key(shard))
    assert index.wait(shard, 0.05) is False


def test_shards_are_per_team_in_the_one_workspace_scope_and_fixed_otherwise(
    redis_client: RedisClient,
) -> None:
    mine = DueIndex(redis_client, "ready", per_team=True)
    assert mine.shard("T1", "C1") == mine.shard("T1", "C2") == "ready:team:T1"
    assert mine.shards({"T1"}) == ["ready:team:T1"]
    every = DueIndex(redis_client, "ready", per_team=False)
    assert every.shards({"T1"}) == every.shards(None)
    assert len(every.shards(None)) == SHARDS
    spread = {every.shard("T1", f"C{n}") for n in range(200)}
    assert spread == set(every.shards(None))


def test_a_saved_change_with_effects_signals_its_channels_outbox_now(
    redis_client: RedisClient, team_id: str
) -> None:
    store = WorkshopStore(redis_client)
    service = WorkshopService(store)
    shard = store.ready.index.shard(team_id, "C1")
    refused = service.handle(team_id, "C1", "UANA", c.Next())
    assert not refused.ok
    assert store.ready.index.members(shard, 10) == []  # nothing saved, nothing signalled

    before = now_ms()
    service.handle(team_id, "C1", "UANA", c.Start(team_id=team_id, channel_id="C1"))
    [(member, due)] = store.ready.index.members(shard, 10)
    assert member == Ready.member("outbox", team_id, "C1")
    assert before <= due <= now_ms()
    assert redis_client.xlen(Keys(team_id, "C1").outbox) == 1


def test_a_notice_signals_the_urgent_lane(redis_client: RedisClient, team_id: str) -> None:
    store = WorkshopStore(redis_client)
    store.enqueue(team_id, "C1", 1, [])
    shard = store.ready.index.shard(team_id, "C1")
    assert [m for m, _ in store.ready.index.members(shard, 10)] == [
        Ready.member("urgent", team_id, "C1")
    ]


def test_a_server_that_forgot_the_scripts_still_saves_and_counts_votes(
    redis_client: RedisClient, team_id: str
) -> None:
    """A restarted server has no scripts: a covered step loads them and goes on."""
    store = WorkshopStore(redis_client)
    service = WorkshopService(store)
    assert service.handle(team_id, "C1", "UANA", c.Start(team_id=team_id, channel_id="C1")).ok
    redis_client.script_flush()
    assert service.handle(team_id, "C1", "UANA", c.SetPersona(text="Dispatcher")).ok
    redis_client.script_flush()
    assert store.vote(team_id, "C1", 1, "S404", "UBEN", cast=True).code == "not_voting"
    loaded = store.load(team_id, "C1")
    assert loaded is not None
    assert loaded.persona is not None


def test_a_member_removed_while_claimed_stays_out_when_the_claim_ends(
    redis_client: RedisClient, team_id: str
) -> None:
    """A purge (or another claim's settle) removed it: a late settle does not bring it back."""
    index = DueIndex(redis_client, "ready", per_team=True)
    shard = index.shard(team_id, "C1")
    index.signal(shard, ["m"], 1_000, wake=False)
    claims, _ = index.claim(shard, now=1_000, hold_ms=HOLD)
    redis_client.zrem(index.due_key(shard), "m")  # what a purge does
    redis_client.hdel(index.gen_key(shard), "m")

    assert index.settle(claims[0], 2_000) is False
    assert index.members(shard, 10) == []
