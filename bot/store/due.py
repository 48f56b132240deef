"""Due-time indexes: which channels have work, and from when (signalled dispatch).

Background work follows the work, not the history: a dispatcher or the scheduler finds
what to do in an index of the channels that have something due, never by visiting every
channel that ever held a workshop. Two indexes share this code:

- ``ready``: a member ``<lane>:<team>:<channel>`` per outbox lane with entries to
  perform, a failed entry to retry, or a coalesced edit due (scored by when);
- ``jobs``: a member ``<team>:<channel>`` per channel with scheduled jobs (scored by
  when the earliest is due, on the scheduler's clock).

An index is a fixed set of shards. Each shard is three keys with one hash tag, so each
of its scripts (``CLAIM_DUE``, ``SETTLE_DUE`` in ``bot.store.scripts``) and each signal's
pipeline touches one slot and runs on Redis Cluster too:

==============================  ===========================================================
``storymap:{<shard>}:due``      sorted set member -> when it is due (ms since the epoch)
``storymap:{<shard>}:gen``      hash member -> the generation of its last signal (a
                                random 64-bit token: a generation is never reused)
``storymap:{<shard>}:wake``     list of at most ``WAKE_MAX`` tokens: waiters block on it
==============================  ===========================================================

A shard tag is ``<index>:team:<team id>`` in the one-workspace mode (``per_team``:
every workspace's dispatchers watch only their own shard, so workspaces sharing one
server never see each other's work) and ``<index>:all:<n>`` for ``n < SHARDS`` when one
deployment serves every workspace (members spread by a CRC32 of the channel).

The protocol, and why nothing is lost:
- a signal lowers the member's due time (``ZADD LT``; a new member is added) and gives
  it a new generation (plain commands, so a signal can ride in a pipeline with the
  step it covers);
- ``claim`` takes due members and pushes each one's due time ``hold_ms`` ahead (while it
  is being served nobody else takes it; if its server dies, it is due again after
  ``hold_ms``), returning the generation it saw;
- ``settle`` ends a claim: when the generation is unchanged (nothing was signalled
  meanwhile) the member is removed, or set to its next due time; when it changed, the
  member stays, due at the earlier of its current due time and the next one;
- a writer signals *before* its atomic step (due ``grace_ms`` later, no wake-up) and
  again *after* it (due now, waking a waiter). The step and the index are in different
  slots, so they cannot share one script; the signal before makes the step covered: a
  writer that dies between its step and the signal after leaves the member due at most
  ``grace_ms`` later, and a claim that served the channel before the step landed is
  settled against a newer generation, so it cannot remove the member.
"""

from __future__ import annotations

import secrets
import time
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final, cast

from bot.store import scripts
from bot.store.client import RedisClient
from bot.store.keys import shard_key

#: Shards of an index serving every workspace.
SHARDS: Final = 8
#: Wake-up tokens kept per shard: enough to wake every idle waiter of a few replicas.
WAKE_MAX: Final = 16
#: How late a signal sent before an atomic step makes the member due.
GRACE_MS: Final = 5_000


def now_ms() -> int:
    return int(time.time() * 1000)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


@dataclass(frozen=True)
class Claim:
    """A member taken from a shard, with the generation to settle it against."""

    shard: str
    member: str
    generation: str


class DueIndex:
    """One index (``ready`` or ``jobs``): its shards, and the three scripts."""

    def __init__(self, client: RedisClient, name: str, *, per_team: bool) -> None:
        self._redis = client
        self.name = name
        self.per_team = per_team
        self._claim = client.register_script(scripts.CLAIM_DUE)
        self._settle = client.register_script(scripts.SETTLE_DUE)

    # ----- where members live -----------------------------------------------------

    def shard(self, team_id: str, channel_id: str) -> str:
        if self.per_team:
            return f"{self.name}:team:{team_id}"
        return f"{self.name}:all:{zlib.crc32(f'{team_id}:{channel_id}'.encode()) % SHARDS}"

    def shards(self, teams: Iterable[str] | None) -> list[str]:
        """The shards a server of ``teams`` watches (every shard when ``teams`` is None
        or the index serves every workspace)."""
        if self.per_team and teams is not None:
            return [f"{self.name}:team:{team}" for team in sorted(teams)]
        return [f"{self.name}:all:{n}" for n in range(SHARDS)]

    @staticmethod
    def due_key(shard: str) -> str:
        return shard_key(shard, "due")

    @staticmethod
    def gen_key(shard: str) -> str:
        return shard_key(shard, "gen")

    @staticmethod
    def wake_key(shard: str) -> str:
        return shard_key(shard, "wake")

    def _keys(self, shard: str) -> list[str]:
        return [self.due_key(shard), self.gen_key(shard), self.wake_key(shard)]

    # ----- writers ----------------------------------------------------------------

    def signal(
        self,
        shard: str,
        members: Sequence[str],
        at_ms: int,
        *,
        wake: bool,
        client: Any = None,
    ) -> None:
        """``client``: a non-transactional pipeline to queue the signal on (default: one
        of its own, sent now)."""
        if not members:
            return
        pipe = client if client is not None else self._redis.pipeline(transaction=False)
        pipe.zadd(self.due_key(shard), dict.fromkeys(members, at_ms), lt=True)
        pipe.hset(self.gen_key(shard), mapping={m: secrets.token_hex(8) for m in members})
        if wake:
            pipe.lpush(self.wake_key(shard), "1")
            pipe.ltrim(self.wake_key(shard), 0, WAKE_MAX - 1)
        if client is None:
            pipe.execute()

    # ----- servers ----------------------------------------------------------------

    def claim(
        self, shard: str, *, now: int, hold_ms: int, limit: int = 1
    ) -> tuple[list[Claim], int | None]:
        """Claim up to ``limit`` due members; also return the earliest due time left."""
        raw = cast("list[Any]", self._claim(keys=self._keys(shard)[:2], args=[now, hold_ms, limit]))
        *pairs, first = raw
        claims = [
            Claim(shard, _text(pairs[i]), _text(pairs[i + 1])) for i in range(0, len(pairs), 2)
        ]
        earliest = _text(first) if first not in (None, b"", "") else ""
        return claims, int(float(earliest)) if earliest else None

    def settle(self, claim: Claim, next_ms: int | None) -> bool:
        """End a claim: gone (``next_ms`` None) or due at ``next_ms``, unless it was
        signalled meanwhile. Returns whether the member is still in the index."""
        return bool(
            self._settle(
                keys=self._keys(claim.shard)[:2],
                args=[claim.member, claim.generation, "" if next_ms is None else next_ms],
            )
        )

    def wait(self, shard: str, timeout: float) -> bool:
        """Block until a wake-up token arrives on the shard or ``timeout`` passes."""
        return self._redis.blpop([self.wake_key(shard)], timeout=timeout) is not None

    def members(self, shard: str, limit: int) -> list[tuple[str, float]]:
        raw = cast(
            "list[tuple[bytes, float]]",
            self._redis.zrange(self.due_key(shard), 0, limit - 1, withscores=True),
        )
        return [(_text(m), float(s)) for m, s in raw]

    def size(self, shard: str) -> int:
        return int(self._redis.zcard(self.due_key(shard)))


class Ready:
    """The ready index as its writers and dispatchers see it: lanes of channels."""

    def __init__(
        self, client: RedisClient, *, per_team: bool = True, grace_ms: int = GRACE_MS
    ) -> None:
        self.index = DueIndex(client, "ready", per_team=per_team)
        self.grace_ms = grace_ms

    @staticmethod
    def member(lane: str, team_id: str, channel_id: str) -> str:
        return f"{lane}:{team_id}:{channel_id}"

    @staticmethod
    def parse(member: str) -> tuple[str, str, str]:
        lane, team_id, channel_id = member.split(":", 2)
        return lane, team_id, channel_id

    def before(
        self, team_id: str, channel_id: str, lanes: Sequence[str], *, client: Any = None
    ) -> None:
        """Before an atomic step that may append to ``lanes``: cover it (see above).
        ``client``: a non-transactional pipeline that sends the step right after."""
        self.index.signal(
            self.index.shard(team_id, channel_id),
            [self.member(lane, team_id, channel_id) for lane in lanes],
            now_ms() + self.grace_ms,
            wake=False,
            client=client,
        )

    def now(self, team_id: str, channel_id: str, lanes: Sequence[str]) -> None:
        """After an atomic step appended to ``lanes``: due now, and wake a dispatcher."""
        self.at(team_id, channel_id, lanes, now_ms())

    def at(self, team_id: str, channel_id: str, lanes: Sequence[str], at_ms: int) -> None:
        self.index.signal(
            self.index.shard(team_id, channel_id),
            [self.member(lane, team_id, channel_id) for lane in lanes],
            at_ms,
            wake=True,
        )


__all__ = ["GRACE_MS", "SHARDS", "Claim", "DueIndex", "Ready", "now_ms"]
