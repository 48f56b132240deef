"""The outbox lanes as data: what is pending, what failed, what was parked.

Each channel has two streams of effects (``outbox`` and ``urgent``, see
``bot.store.workshops``) read by the consumer group ``dispatch``, and one dead-letter
stream ``storymap:{T:C}:dead`` for entries that failed for good.

Rules this module keeps:
- an entry leaves its stream once performed: it is acknowledged *and* deleted, with its
  failure count and its performed-effect marks, so a stream holds only what is pending;
- a failed attempt is counted per entry in ``storymap:{T:C}:attempts:<lane>`` (with the
  last error); only real failures count, not deliveries (a takeover after a crash, or
  waiting for another dispatcher's posting claim, is not a failure);
- a parked entry keeps its lane, its original id, its attempts and its error, so an
  operator can see why (``storymap outbox``) and send it back (``--retry``); a re-sent
  entry carries its original id as ``origin``, so effects already performed are still
  not performed again;
- the dead-letter stream is capped at about ``DEAD_MAX`` entries (``XADD MAXLEN ~``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, cast

import redis

from bot.store.client import RedisClient
from bot.store.due import DueIndex, Ready
from bot.store.keys import LEGACY_CHANNELS_KEY, Keys, team_channels_key

GROUP: Final = "dispatch"
LANES: Final = ("outbox", "urgent")
DEAD_MAX: Final = 1000
#: How long the marks of an entry's performed effects are kept if it is never acknowledged.
DONE_TTL_SECONDS: Final = 7 * 24 * 3600


def _text(value: bytes | str | None) -> str | None:
    return value.decode() if isinstance(value, bytes) else value


def stream(keys: Keys, lane: str) -> str:
    return str(getattr(keys, lane))


def origin(entry_id: str, fields: Mapping[Any, Any]) -> str:
    """The id an entry's performed-effect marks are kept under (its first id)."""
    decoded = {_text(k): _text(v) for k, v in fields.items()}
    return decoded.get("origin") or entry_id


def forget(client: RedisClient, keys: Keys, lane: str, entries: Sequence[tuple[str, str]]) -> None:
    """Acknowledge and delete performed entries, with their counts and marks.

    ``entries``: (entry id, origin id) pairs."""
    if not entries:
        return
    ids = [entry_id for entry_id, _ in entries]
    with client.pipeline(transaction=False) as pipe:
        pipe.xack(stream(keys, lane), GROUP, *ids)
        pipe.xdel(stream(keys, lane), *ids)
        pipe.hdel(keys.attempts(lane), *ids, *(f"{i}:error" for i in ids))
        pipe.delete(*(keys.done(o) for o in {o for _, o in entries}))
        pipe.execute()


def record_failure(
    client: RedisClient, keys: Keys, lane: str, entry_ids: Sequence[str], error: str
) -> None:
    with client.pipeline(transaction=False) as pipe:
        for entry_id in entry_ids:
            pipe.hincrby(keys.attempts(lane), entry_id, 1)
            pipe.hset(keys.attempts(lane), f"{entry_id}:error", error[:500])
        pipe.execute()


def failures(
    client: RedisClient, keys: Keys, lane: str, entry_ids: Sequence[str]
) -> dict[str, tuple[int, str | None]]:
    """Failed attempts and last error of each entry."""
    if not entry_ids:
        return {}
    fields = [f for i in entry_ids for f in (i, f"{i}:error")]
    raw = client.hmget(keys.attempts(lane), fields)
    found = {}
    for n, entry_id in enumerate(entry_ids):
        count, error = raw[2 * n], raw[2 * n + 1]
        found[entry_id] = (int(count or 0), _text(error))
    return found


def park(
    client: RedisClient,
    keys: Keys,
    lane: str,
    entry_id: str,
    fields: Mapping[Any, Any],
    *,
    attempts: int,
    error: str | None,
) -> None:
    """Move an entry to the dead-letter stream (capped) and out of its lane."""
    decoded = {_text(k): _text(v) for k, v in fields.items()}
    parked = {
        "number": decoded["number"] or "0",
        "effects": decoded["effects"] or "[]",
        "lane": lane,
        "entry": entry_id,
        "origin": decoded.get("origin") or entry_id,
        "attempts": str(attempts),
        "error": error or "",
    }
    with client.pipeline(transaction=False) as pipe:
        pipe.xadd(keys.dead, parked, maxlen=DEAD_MAX, approximate=True)  # type: ignore[arg-type]
        pipe.xack(stream(keys, lane), GROUP, entry_id)
        pipe.xdel(stream(keys, lane), entry_id)
        pipe.hdel(keys.attempts(lane), entry_id, f"{entry_id}:error")
        pipe.execute()


@dataclass(frozen=True)
class Entry:
    """One line of ``storymap outbox``."""

    state: str  # "pending" | "parked"
    lane: str
    entry_id: str
    number: int
    kinds: tuple[str, ...]
    attempts: int
    deliveries: int
    error: str | None

    def line(self) -> str:
        parts = [
            f"{self.state:<7}",
            f"{self.lane:<6}",
            self.entry_id,
            f"workshop={self.number}",
            f"attempts={self.attempts}",
        ]
        if self.state == "pending":
            parts.append(f"deliveries={self.deliveries}")
        parts.append(f"effects={','.join(self.kinds) or '-'}")
        if self.error:
            parts.append(f"error={json.dumps(self.error)}")
        return " ".join(parts)


def _kinds(raw: str | None) -> tuple[str, ...]:
    try:
        effects = json.loads(raw or "[]")
    except json.JSONDecodeError:
        return ("<unreadable>",)
    return tuple(str(e.get("kind", "?")) for e in effects if isinstance(e, dict))


def _deliveries(client: RedisClient, name: str) -> dict[str, int]:
    try:
        pending = cast(
            "list[dict[str, Any]]",
            client.xpending_range(name, GROUP, min="-", max="+", count=100_000),
        )
    except redis.ResponseError:  # no consumer group yet: nothing was read
        return {}
    return {_text(p["message_id"]) or "": int(p["times_delivered"]) for p in pending}


def listing(client: RedisClient, team_id: str, channel_id: str) -> list[Entry]:
    """Pending entries of both lanes (oldest first), then parked ones."""
    keys = Keys(team_id, channel_id)
    found: list[Entry] = []
    for lane in LANES:
        name = stream(keys, lane)
        entries = cast("list[tuple[bytes, dict[bytes, bytes]]]", client.xrange(name))
        delivered = _deliveries(client, name)
        ids = [_text(i) or "" for i, _ in entries]
        failed = failures(client, keys, lane, ids)
        for entry_id, (_, fields) in zip(ids, entries, strict=True):
            decoded = {_text(k): _text(v) for k, v in fields.items()}
            attempts, error = failed.get(entry_id, (0, None))
            found.append(
                Entry(
                    "pending",
                    lane,
                    entry_id,
                    int(decoded.get("number") or 0),
                    _kinds(decoded.get("effects")),
                    attempts,
                    delivered.get(entry_id, 0),
                    error,
                )
            )
    for dead_id, fields in cast("list[tuple[bytes, dict[bytes, bytes]]]", client.xrange(keys.dead)):
        decoded = {_text(k): _text(v) for k, v in fields.items()}
        found.append(
            Entry(
                "parked",
                decoded.get("lane") or "outbox",
                _text(dead_id) or "",
                int(decoded.get("number") or 0),
                _kinds(decoded.get("effects")),
                int(decoded.get("attempts") or 0),
                0,
                decoded.get("error") or None,
            )
        )
    return found


def retry_parked(
    client: RedisClient, team_id: str, channel_id: str, ready: Sequence[Ready] | None = None
) -> list[tuple[str, str]]:
    """Send every parked entry back to its lane; return (parked id, new entry id) pairs.

    ``ready``: the indexes to signal (default: both scopes, the one-workspace and the
    every-workspace one, since the command line does not know which one the bot uses;
    a signal nobody watches costs one sorted-set member)."""
    keys = Keys(team_id, channel_id)
    parked = cast("list[tuple[bytes, dict[bytes, bytes]]]", client.xrange(keys.dead))
    if not parked:
        return []
    indexes = ready or [Ready(client, per_team=True), Ready(client, per_team=False)]
    for index in indexes:
        index.before(team_id, channel_id, LANES)
    moved = []
    for dead_id, fields in parked:
        decoded = {_text(k): _text(v) for k, v in fields.items()}
        lane = decoded.get("lane") if decoded.get("lane") in LANES else "outbox"
        entry = {
            "number": decoded.get("number") or "0",
            "effects": decoded.get("effects") or "[]",
            "origin": decoded.get("origin") or decoded.get("entry") or "",
        }
        new_id = client.xadd(stream(keys, str(lane)), entry)  # type: ignore[arg-type]
        client.xdel(keys.dead, dead_id)
        moved.append((_text(dead_id) or "", _text(new_id) or ""))
    for index in indexes:
        index.now(team_id, channel_id, LANES)
    return moved


def adopt_legacy_channels(
    client: RedisClient, ready: Ready, jobs: DueIndex, teams: frozenset[str] | None
) -> int:
    """Move the channels of ``storymap:channels`` (of ``teams``; None: all) to the indexes.

    Data written before dispatch was signalled lists every channel that ever had an
    outbox there. Each such channel is signalled once, both lanes and its jobs, so
    whatever it still had pending is served and the rest settles out of the indexes; it
    is recorded among its team's channels and leaves the old set. Returns how many."""
    adopted = 0
    for raw in client.smembers(LEGACY_CHANNELS_KEY):
        member = _text(raw) or ""
        team_id, _, channel_id = member.partition(":")
        if not channel_id or (teams is not None and team_id not in teams):
            continue
        ready.now(team_id, channel_id, LANES)
        jobs.signal(jobs.shard(team_id, channel_id), [member], 0, wake=False)
        client.sadd(team_channels_key(team_id), channel_id)
        client.srem(LEGACY_CHANNELS_KEY, raw)
        adopted += 1
    return adopted
