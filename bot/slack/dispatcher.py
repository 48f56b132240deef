"""The outbox dispatcher: perform the effects of the channels that have work.

Runs in background threads of every bot process (and alone in ``storymap worker``).
Rules this module keeps:
- work is signalled, not polled: a dispatcher learns which channel lanes have work from
  the ready index (``bot.store.due``), one waiter thread per shard blocking on the
  shard's wake-up list and claiming what is due; a channel with nothing due costs
  nothing, however many channels once held a workshop;
- each claimed lane is served by one of ``threads`` worker threads, so one channel's
  long work (a stage opening posting 100 cards at Slack's 1 message/s) never delays
  another channel's; each worker has its own name (consumer, lease holder) and its own
  ``Performer``;
- a channel's outbox is served by one worker at a time: the one holding the channel's
  lease (``SET NX PX``), renewed by the performer before every Web API call
  (``Performer.heartbeat``); a renewal that finds the lease taken raises ``LeaseLost``,
  which stops the batch unacknowledged for the new holder. A worker that finds the
  lease taken puts the lane back, due when the lease ends; a dead replica's lease runs
  out and another takes the channel over, with the dead one's pending entries. The
  lease is released when the lane is served, then the lane is settled in the index:
  dropped when nothing is left, due again now (more entries), after ``retry_after_ms``
  (a failed entry), or when the next coalesced edit is due;
- an entry is acknowledged and deleted only after its effects were performed. When a
  batch fails, the entries before the failing one are done, the failure counts against
  that entry only, and it is retried when it has been idle ``retry_after_ms`` (the
  backoff); waiting for another dispatcher's posting claim is not a failure. After
  ``MAX_ATTEMPTS`` failures (or ``MAX_DELIVERIES`` deliveries) it is parked in the
  channel's dead-letter stream with its error, logged at ERROR, and the facilitator is
  told once what could not be done;
- entries read together for one workshop are performed together, so a burst of votes
  marks the board dirty once; ``Performer.flush`` then edits it at most once a second;
- every command is on keys of one hash tag (a channel's, or one shard's), so this works
  on a Redis Cluster too.
"""

from __future__ import annotations

import logging
import os
import queue
import socket
import threading
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, Final, cast

import redis
from redis.exceptions import RedisClusterException
from slack_sdk.errors import SlackApiError

from bot.domain.effects import (
    Announce,
    DeadlineSet,
    OpenStage,
    PostMap,
    PostPicture,
    RefreshBoard,
    RefreshCard,
    VotesReturned,
)
from bot.logs import context
from bot.slack.clients import Uninstalled
from bot.slack.notices import (
    OUTBOX_EFFECTS,
    ExportFile,
    Notify,
    OutboxEffect,
    React,
    RunJob,
    Welcome,
)
from bot.slack.performer import ONCE, Performer, PostingElsewhere
from bot.slack.refreshes import dirty_key
from bot.slack.refs import Refs
from bot.store import RedisClient, outbox, scripts
from bot.store.due import Claim, Ready, now_ms
from bot.store.keys import Keys
from bot.store.outbox import GROUP
from bot.store.workshops import WorkshopStore, decode_entry

log = logging.getLogger(__name__)

#: Failed attempts after which an entry is parked.
MAX_ATTEMPTS: Final = 5
#: Deliveries after which an entry is parked however they ended (a backstop for an entry
#: whose every attempt kills its replica before it can count as a failure).
MAX_DELIVERIES: Final = 50
#: Entries read from a lane at once.
BATCH: Final = 200
#: Longest wait on a shard's wake-up list: what a wake-up lost to another replica costs.
WAIT_MAX: Final = 1.0


@dataclass(frozen=True)
class Served:
    """The lane a worker is serving."""

    keys: Keys
    lane: str
    #: The worker's name: its consumer name and its lease holder name.
    name: str
    performer: Performer

    @property
    def stream(self) -> str:
        return str(getattr(self.keys, self.lane))


class LeaseLost(Exception):
    """Another dispatcher took the channel over while this one was stalled."""


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


class Dispatcher:
    def __init__(
        self,
        client: RedisClient,
        store: WorkshopStore,
        performers: Callable[[], Performer],
        *,
        ready: Ready,
        teams: frozenset[str] | None = None,
        threads: int = 8,
        consumer: str | None = None,
        lease_ms: int = 10_000,
        retry_after_ms: int = 2_000,
    ) -> None:
        """``performers``: makes one ``Performer`` per worker thread. ``teams``: the
        workspaces whose shards are watched in the one-workspace scope (None, or the
        every-workspace scope: all shards)."""
        self._redis = client
        self._store = store
        self._ready = ready
        self._shards = ready.index.shards(teams)
        self._performers = performers
        self._threads = threads
        # Unique per process and instance: replicas on one host must never share a name
        # (a shared name would let two of them hold the same channel lease).
        self.consumer = consumer or f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self._lease_ms = lease_ms
        self._retry_after_ms = retry_after_ms
        self._lease = client.register_script(scripts.LEASE)
        self._release = client.register_script(scripts.RELEASE_IF_HOLDER)
        self._groups: set[str] = set()
        self._stop = threading.Event()
        self._queue: queue.Queue[Claim] = queue.Queue()
        self._free = threading.Semaphore(threads)
        self._running: list[threading.Thread] = []

    # ----- lifecycle --------------------------------------------------------------

    def start(self) -> None:
        # Fresh for each start: a claim left queued at a stop is claimed again once its
        # hold ends.
        self._stop = threading.Event()
        self._queue = queue.Queue()
        self._free = threading.Semaphore(self._threads)
        self._running = []
        for n in range(self._threads):
            worker = Worker(self, f"{self.consumer}-w{n}", self._performers())
            self._running.append(
                threading.Thread(target=worker.run, name=f"dispatch-worker-{n}", daemon=True)
            )
        for shard in self._shards:
            self._running.append(
                threading.Thread(target=self._wait_on, args=(shard,), name=f"dispatch-{shard}")
            )
            self._running[-1].daemon = True
        for thread in self._running:
            thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        for thread in self._running:
            thread.join(timeout)

    # ----- finding work -----------------------------------------------------------

    def _wait_on(self, shard: str) -> None:
        """Claim the shard's due lanes while a worker is free; else wait for a signal."""
        index = self._ready.index
        while not self._stop.is_set():
            if not self._free.acquire(timeout=0.5):
                continue
            try:
                now = now_ms()
                claims, earliest = index.claim(shard, now=now, hold_ms=self._lease_ms)
            except (redis.RedisError, RedisClusterException) as failure:
                self._free.release()
                if self._stop.is_set():
                    return
                log.warning("dispatcher: storage unavailable (%s); retrying", failure)
                self._stop.wait(1.0)
                continue
            if claims:
                self._queue.put(claims[0])  # the worker frees the slot when done
                continue
            self._free.release()
            wait = WAIT_MAX if earliest is None else (earliest - now) / 1000
            try:
                index.wait(shard, min(WAIT_MAX, max(0.01, wait)))
            except (redis.RedisError, RedisClusterException):
                self._stop.wait(1.0)

    def next_claim(self, timeout: float) -> Claim | None:
        try:
            return self._queue.get(timeout=timeout)
        except queue.Empty:
            return None

    def done_with(self, claim: Claim, next_ms: int | None) -> None:
        """Settle a served lane in the index, and free its worker's slot."""
        try:
            self._ready.index.settle(claim, next_ms)
        finally:
            self._free.release()

    def forget_groups(self, member: str) -> None:
        """The lane's consumer group is gone with its stream: do not assume it exists."""
        lane, team_id, channel_id = Ready.parse(member)
        self._groups.discard(str(getattr(Keys(team_id, channel_id), lane)))

    def done_with_unsettled(self) -> None:
        """Free a worker's slot without settling (the store did not answer)."""
        self._free.release()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    # ----- one lane ---------------------------------------------------------------

    def serve(self, member: str, name: str, performer: Performer) -> int | None:
        """Serve one channel lane as worker ``name``; return when it is due next (None:
        nothing left)."""
        lane, team_id, channel_id = Ready.parse(member)
        keys = Keys(team_id, channel_id)
        at = Served(keys, lane, name, performer)
        if lane == "outbox":
            # Order matters here (the board before prompts, prompts before cards), so
            # one worker at a time serves a channel's outbox.
            lease = keys.lease(lane)
            if not self._lease(keys=[lease], args=[name, self._lease_ms]):
                left = self._redis.pttl(lease)
                return now_ms() + max(50, left if isinstance(left, int) else self._lease_ms)
            performer.heartbeat = partial(self._renew, lease, name)
            # A posting claim never outlives the lease of the dispatcher that took it.
            performer.claim_ms = self._lease_ms
            try:
                while self._serve(at):
                    performer.flush(team_id, channel_id)
                    if self._stop.is_set():
                        break
                performer.flush(team_id, channel_id)
            finally:
                self._release(keys=[lease], args=[name])
        else:
            # The urgent lane (notices) needs no order: a notice never waits for a dead
            # replica's lease to run out.
            performer.heartbeat = lambda: None
            while self._serve(at):
                if self._stop.is_set():
                    break
        return self._next_due(keys, lane, at.stream)

    def _next_due(self, keys: Keys, lane: str, stream: str) -> int | None:
        """When the lane has work again: now (entries not read yet), after the backoff
        (entries read and not done), when the next coalesced edit is due, or never."""
        now = now_ms()
        due: list[int] = []
        with self._redis.pipeline(transaction=False) as pipe:
            pipe.xlen(stream)
            pipe.xpending(stream, GROUP)
            if lane == "outbox":
                pipe.zrange(dirty_key(keys.team_id, keys.channel_id), 0, 0, withscores=True)
            answers = pipe.execute(raise_on_error=False)
        length, pending = answers[0], answers[1]
        waiting = int(pending["pending"]) if isinstance(pending, dict) else 0
        if isinstance(length, int) and length > waiting:
            due.append(now)
        elif waiting:
            due.append(now + self._retry_after_ms)
        if lane == "outbox" and isinstance(answers[2], list) and answers[2]:
            due.append(int(float(answers[2][0][1]) * 1000))
        return min(due) if due else None

    def _renew(self, lease: str, name: str) -> None:
        if not self._lease(keys=[lease], args=[name, self._lease_ms]):
            # Someone else holds the channel now (we were stalled past the lease): stop
            # here rather than act on it twice; our pending entries go to the new holder.
            raise LeaseLost(lease)

    def _serve(self, at: Served) -> int:
        """Perform one batch of the lane (retries first); return how many entries."""
        stream, lane, performer = at.stream, at.lane, at.performer
        team_id, channel_id = at.keys.team_id, at.keys.channel_id
        if stream not in self._groups:
            try:
                self._redis.xgroup_create(stream, GROUP, id="0", mkstream=True)
            except redis.ResponseError as exists:
                if "BUSYGROUP" not in str(exists):
                    raise
            self._groups.add(stream)
        entries = self._retries(at)
        fresh = cast(
            "list[tuple[bytes, list[Any]]] | None",
            self._redis.xreadgroup(GROUP, at.name, {stream: ">"}, count=BATCH),
        )
        for _, new in fresh or []:
            entries.extend(new)
        if not entries:
            return 0
        # Per workshop: its effects, each with its mark (origin id, index in its entry).
        batches: dict[int, list[tuple[OutboxEffect, str]]] = defaultdict(list)
        ids: dict[int, list[tuple[str, str]]] = defaultdict(list)
        for raw_id, fields in entries:
            entry_id = _text(raw_id)
            first = outbox.origin(entry_id, fields)
            number, raw = decode_entry(fields)
            for index, effect in enumerate(OUTBOX_EFFECTS.validate_python(raw)):
                batches[number].append((effect, f"{first}:{index}"))
            ids[number].append((entry_id, first))
        keys = Keys(team_id, channel_id)
        for number, marked in batches.items():
            error = self._perform(team_id, channel_id, number, marked, performer)
            pairs = ids[number]
            if error is None:
                outbox.forget(self._redis, keys, lane, pairs)
                continue
            # The entries before the one that failed are complete (their effects were
            # performed or marked); the failure counts against that one entry only, and
            # the entries after it wait for it, uncounted.
            mark = performer.performing
            failed = mark.rpartition(":")[0] if mark is not None else pairs[0][1]
            position = next((n for n, (_, o) in enumerate(pairs) if o == failed), 0)
            outbox.forget(self._redis, keys, lane, pairs[:position])
            if error is not _WAITING:
                outbox.record_failure(self._redis, keys, lane, [pairs[position][0]], error)
        return len(entries)

    def _retries(self, at: Served) -> list[Any]:
        """Pending entries idle long enough: a failed attempt's, or a dead replica's."""
        stream, lane, name = at.stream, at.lane, at.name
        pending = cast(
            "list[dict[str, Any]]",
            self._redis.xpending_range(
                stream, GROUP, min="-", max="+", count=100, idle=self._retry_after_ms
            ),
        )
        if not pending:
            return []
        keys = at.keys
        ids = [_text(p["message_id"]) for p in pending]
        failed = outbox.failures(self._redis, keys, lane, ids)
        parked = [
            entry_id
            for entry_id, p in zip(ids, pending, strict=True)
            if failed[entry_id][0] >= MAX_ATTEMPTS or p["times_delivered"] >= MAX_DELIVERIES
        ]
        if parked:
            self._park(at, parked, failed)
        again: list[Any] = [i for i in ids if i not in parked]
        if not again:
            return []
        claimed = cast(
            "list[Any]",
            self._redis.xclaim(stream, GROUP, name, self._retry_after_ms, again),
        )
        return [entry for entry in claimed if entry[1]]

    def _perform(
        self,
        team_id: str,
        channel_id: str,
        number: int,
        marked: list[tuple[OutboxEffect, str]],
        performer: Performer,
    ) -> str | None:
        """Perform a workshop's effects: None when done, else why not (``_WAITING``: only
        waiting for another dispatcher, which is not a failed attempt)."""
        workshop = self._store.get(team_id, channel_id, number)
        if workshop is None:
            log.warning(
                "dispatcher: workshop %s of %s:%s is gone",
                number,
                team_id,
                channel_id,
                extra=context(team_id, channel_id, number),
            )
            return None
        try:
            performer.perform(
                workshop,
                Refs(self._redis, team_id, channel_id, number),
                [effect for effect, _ in marked],
                [mark for _, mark in marked],
            )
        except (redis.RedisError, RedisClusterException, LeaseLost):
            raise
        except Uninstalled as gone:
            log.info(
                "dispatcher: %s; its effects are dropped",
                gone,
                extra=context(team_id, channel_id, number),
            )
            return None
        except PostingElsewhere as elsewhere:
            log.info(
                "dispatcher: %s is being posted by another dispatcher; later",
                elsewhere,
                extra=context(team_id, channel_id, number),
            )
            return _WAITING
        except Exception as failure:
            error = _describe_failure(failure)
            log.warning(
                "dispatcher: effects for %s:%s failed (%s); will retry",
                team_id,
                channel_id,
                error,
                extra=context(team_id, channel_id, number, (e.kind for e, _ in marked)),
            )
            return error
        return None

    def _park(
        self, at: Served, entry_ids: list[str], failed: dict[str, tuple[int, str | None]]
    ) -> None:
        keys, lane, stream = at.keys, at.lane, at.stream
        team_id, channel_id = keys.team_id, keys.channel_id
        for entry_id in entry_ids:
            stored = cast("list[Any]", self._redis.xrange(stream, entry_id, entry_id))
            if not stored:
                self._redis.xack(stream, GROUP, entry_id)
                continue
            fields = stored[0][1]
            attempts, error = failed.get(entry_id, (0, None))
            number, raw = decode_entry(fields)
            effects = OUTBOX_EFFECTS.validate_python(raw)
            log.error(
                "dispatcher: parked %s entry %s of %s:%s (workshop %d: %s) after %d failed "
                "attempts; last error: %s; see `storymap outbox %s %s`",
                lane,
                entry_id,
                team_id,
                channel_id,
                number,
                ", ".join(e.kind for e in effects),
                attempts,
                error or "none recorded",
                team_id,
                channel_id,
                extra=context(team_id, channel_id, number, (e.kind for e in effects)),
            )
            # What it had performed is not what could not be done.
            performed = {
                _text(i) for i in self._redis.hkeys(keys.done(outbox.origin(entry_id, fields)))
            }
            undone = [
                e
                for n, e in enumerate(effects)
                if not (isinstance(e, ONCE) and str(n) in performed)
            ]
            outbox.park(self._redis, keys, lane, entry_id, fields, attempts=attempts, error=error)
            at.performer.metrics.parked(lane)
            self._tell(team_id, channel_id, number, entry_id, undone)

    def _tell(
        self,
        team_id: str,
        channel_id: str,
        number: int,
        entry_id: str,
        effects: list[OutboxEffect],
    ) -> None:
        """Tell the facilitator what could not be done, once per parked entry."""
        if all(isinstance(e, Notify | Welcome) for e in effects):
            return  # a notice about a failed notice would fail the same way
        keys = Keys(team_id, channel_id)
        if not self._redis.set(keys.told(entry_id), "1", nx=True, ex=7 * 24 * 3600):
            return
        workshop = self._store.get(team_id, channel_id, number)
        if workshop is None:
            return
        self._store.enqueue(
            team_id,
            channel_id,
            number,
            [Notify(user=workshop.facilitator, text=parked_notice(effects))],
        )


class Worker:
    """One thread of a dispatcher: serves the lanes its waiters claimed, one at a time."""

    def __init__(self, dispatcher: Dispatcher, name: str, performer: Performer) -> None:
        self._dispatcher = dispatcher
        self.name = name
        performer.owner = name
        self._performer = performer

    def run(self) -> None:
        dispatcher = self._dispatcher
        while not dispatcher.stopping:
            claim = dispatcher.next_claim(timeout=0.5)
            if claim is None:
                continue
            self.serve(claim)

    def serve(self, claim: Claim) -> None:
        next_ms: int | None = now_ms() + 1000
        settle = True
        try:
            next_ms = self._dispatcher.serve(claim.member, self.name, self._performer)
        except LeaseLost as lost:
            log.warning("dispatcher: lost %s to another replica; moving on", lost)
            next_ms = now_ms() + 1000
        except (redis.RedisError, RedisClusterException) as failure:
            if isinstance(failure, redis.ResponseError) and "NOGROUP" in str(failure):
                # The channel's streams were deleted under us (its workspace was purged).
                self._dispatcher.forget_groups(claim.member)
                log.info("dispatcher: %s has no outbox any more; dropped", claim.member)
                next_ms = None
            else:
                # The claim runs out and the lane is claimed again once the store is back.
                settle = False
                log.warning("dispatcher: storage unavailable (%s); retrying", failure)
        except Exception:
            # A bug in one batch must not stop the other channels' effects.
            log.exception("dispatcher: unexpected failure; carrying on")
        finally:
            if settle:
                try:
                    self._dispatcher.done_with(claim, next_ms)
                except (redis.RedisError, RedisClusterException) as failure:
                    log.warning("dispatcher: storage unavailable (%s); retrying", failure)
            else:
                self._dispatcher.done_with_unsettled()


_WAITING: Final = "waiting for another dispatcher"


def _describe_failure(failure: Exception) -> str:
    if isinstance(failure, SlackApiError):
        response = failure.response
        return f"Slack answered {response.get('error') or 'an error'} (HTTP {response.status_code})"
    return f"{type(failure).__name__}: {failure}"[:300]


def _what(effect: OutboxEffect) -> str | None:
    match effect:
        case OpenStage(stage=stage):
            return f"open the *{stage.label}* stage (post its prompts and cards)"
        case PostMap():
            return "post (or update) and pin the final map"
        case PostPicture():
            return "post the picture of the map in its thread"
        case ExportFile():
            return "post the export of the map that was asked for"
        case Announce():
            return "post an announcement in the channel"
        case DeadlineSet():
            return "post the new deadline"
        case React():
            return "acknowledge a thread reply with a reaction"
        case RunJob(job=job):
            return {
                "deadline": "tell you time's up",
                "digest": "post the daily digest",
            }.get(job.kind, "send reminders")
        case RefreshBoard():
            return "update the board"
        case RefreshCard():
            return "update a story card"
        case Notify():
            return "send a notice"
        case VotesReturned():
            return "tell voters their votes came back"
    return None


def parked_notice(effects: list[OutboxEffect]) -> str:
    """What the facilitator is told about a parked entry."""
    what: list[str] = []
    for effect in effects:
        description = _what(effect)
        if description is not None and description not in what:
            what.append(description)
    listed = "; ".join(what) or "do something in this channel"
    return (
        f"I could not {listed} after several tries. The workshop itself is saved; an "
        "operator can see why in the bot's logs and try again with `storymap outbox`."
    )
