"""The outbox dispatcher: perform each channel's effects, one replica per channel at a time.

Runs in background threads of every bot process (and alone in ``storymap worker``).
Rules this module keeps:
- a channel's outbox is served by one dispatcher at a time: the one holding the
  channel's lease (``SET NX PX``), renewed by the performer before every Web API call
  (``Performer.heartbeat``); a renewal that finds the lease taken raises ``LeaseLost``,
  which stops the batch unacknowledged for the new holder. A dead replica's lease runs
  out and another takes the channel over, with the dead one's pending entries;
- an entry is acknowledged and deleted only after its effects were performed. When a
  batch fails, the entries before the failing one are done, the failure counts against
  that entry only, and it is retried when it has been idle ``retry_after_ms`` (the
  backoff); waiting for another dispatcher's posting claim is not a failure. After
  ``MAX_ATTEMPTS`` failures (or ``MAX_DELIVERIES`` deliveries) it is parked in the
  channel's dead-letter stream with its error, logged at ERROR, and the facilitator is
  told once what could not be done;
- entries read together for one workshop are performed together, so a burst of votes
  marks the board dirty once; ``Performer.flush`` then edits it at most once a second;
- each channel's stream is read on its own (no multi-key command), so this works on a
  Redis Cluster too.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections import defaultdict
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
    RefreshBoard,
    RefreshCard,
)
from bot.logs import context
from bot.slack.clients import Uninstalled
from bot.slack.notices import (
    OUTBOX_EFFECTS,
    Notify,
    OutboxEffect,
    React,
    RunJob,
    Welcome,
)
from bot.slack.performer import ONCE, Performer, PostingElsewhere
from bot.slack.refs import Refs
from bot.store import RedisClient, outbox
from bot.store.outbox import GROUP
from bot.store.workshops import CHANNELS_KEY, Keys, WorkshopStore, decode_entry

log = logging.getLogger(__name__)

#: Failed attempts after which an entry is parked.
MAX_ATTEMPTS: Final = 5
#: Deliveries after which an entry is parked however they ended (a backstop for an entry
#: whose every attempt kills its replica before it can count as a failure).
MAX_DELIVERIES: Final = 50

# Take the lease if free, or renew it if it is ours.
# KEYS[1] lease   ARGV[1] our consumer name   ARGV[2] lease in ms   Returns 1 if ours.
_LEASE: Final = """
local holder = redis.call('GET', KEYS[1])
if holder == false or holder == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', tonumber(ARGV[2]))
  return 1
end
return 0
"""


class LeaseLost(Exception):
    """Another dispatcher took the channel over while this one was stalled."""


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


class Dispatcher:
    def __init__(
        self,
        client: RedisClient,
        store: WorkshopStore,
        performer: Performer,
        *,
        consumer: str | None = None,
        teams: frozenset[str] | None = None,
        lane: str = "outbox",
        idle_sleep: float | None = None,
        lease_ms: int = 10_000,
        retry_after_ms: int = 2_000,
    ) -> None:
        """``teams``: only these workspaces (None: all). ``lane``: ``outbox`` (effects of
        changes, and the coalesced refreshes) or ``urgent`` (notices to one person, which
        must never wait behind a stage's postings)."""
        self._redis = client
        self._store = store
        self._performer = performer
        # Unique per process and instance: replicas on one host must never share a name
        # (a shared name would let two of them hold the same channel lease).
        self.consumer = (
            consumer or f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}-{lane}"
        )
        self._teams = teams
        self._lane = lane
        # An idle round polls every channel: modals want speed, the rest can wait a bit.
        self._idle_sleep = (
            idle_sleep if idle_sleep is not None else (0.05 if lane == "urgent" else 0.1)
        )
        self._lease_ms = lease_ms
        self._retry_after_ms = retry_after_ms
        self._lease = client.register_script(_LEASE)
        self._groups: set[str] = set()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # ----- lifecycle --------------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self.run_forever, name=f"dispatcher-{self._lane}", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def run_forever(self) -> None:
        while not self._stop.is_set():
            try:
                if self.run_once() == 0:
                    self._stop.wait(self._idle_sleep)
            except LeaseLost as lost:
                log.warning("dispatcher: lost %s to another replica; moving on", lost)
            except (redis.RedisError, RedisClusterException) as failure:
                if self._stop.is_set():
                    return
                log.warning("dispatcher: storage unavailable (%s); retrying", failure)
                self._stop.wait(1.0)
            except Exception:
                # A bug in one batch must not stop every later effect of every channel.
                log.exception("dispatcher: unexpected failure; carrying on")
                self._stop.wait(1.0)

    # ----- one round --------------------------------------------------------------

    def channels(self) -> list[tuple[str, str]]:
        found = []
        for raw in self._redis.smembers(CHANNELS_KEY):
            team_id, _, channel_id = _text(raw).partition(":")
            if self._teams is None or team_id in self._teams:
                found.append((team_id, channel_id))
        return sorted(found)

    def run_once(self) -> int:
        """Serve every channel whose lease we can hold; return the work done."""
        done = 0
        for team_id, channel_id in self.channels():
            if self._stop.is_set():
                break
            keys = Keys(team_id, channel_id)
            if self._lane == "outbox":
                # Order matters here (the board before prompts, prompts before cards),
                # so one dispatcher at a time serves a channel's outbox.
                lease = f"{keys.tag}:lease:{self._lane}"
                if not self._lease(keys=[lease], args=[self.consumer, self._lease_ms]):
                    continue
                self._performer.heartbeat = partial(self._renew, lease)
                # A posting claim never outlives the lease of the dispatcher that took it.
                self._performer.claim_ms = self._lease_ms
                self._performer.owner = self.consumer
            # The urgent lane (notices) needs no order: any replica takes any entry, so
            # a notice never waits for a dead replica's lease to run out.
            done += self._serve(team_id, channel_id, getattr(keys, self._lane))
            if self._lane == "outbox":
                done += self._performer.flush(team_id, channel_id)
        return done

    def _renew(self, lease: str) -> None:
        if not self._lease(keys=[lease], args=[self.consumer, self._lease_ms]):
            # Someone else holds the channel now (we were stalled past the lease): stop
            # here rather than act on it twice; our pending entries go to the new holder.
            raise LeaseLost(lease)

    def _serve(self, team_id: str, channel_id: str, stream: str) -> int:
        if stream not in self._groups:
            try:
                self._redis.xgroup_create(stream, GROUP, id="0", mkstream=True)
            except redis.ResponseError as exists:
                if "BUSYGROUP" not in str(exists):
                    raise
            self._groups.add(stream)
        entries = self._retries(team_id, channel_id, stream)
        fresh = cast(
            "list[tuple[bytes, list[Any]]] | None",
            self._redis.xreadgroup(GROUP, self.consumer, {stream: ">"}, count=200),
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
            error = self._perform(team_id, channel_id, number, marked)
            pairs = ids[number]
            if error is None:
                outbox.forget(self._redis, keys, self._lane, pairs)
                continue
            # The entries before the one that failed are complete (their effects were
            # performed or marked); the failure counts against that one entry only, and
            # the entries after it wait for it, uncounted.
            at = self._performer.performing
            failed = at.rpartition(":")[0] if at is not None else pairs[0][1]
            position = next((n for n, (_, o) in enumerate(pairs) if o == failed), 0)
            outbox.forget(self._redis, keys, self._lane, pairs[:position])
            if error is not _WAITING:
                outbox.record_failure(self._redis, keys, self._lane, [pairs[position][0]], error)
        return len(entries)

    def _retries(self, team_id: str, channel_id: str, stream: str) -> list[Any]:
        """Pending entries idle long enough: a failed attempt's, or a dead replica's."""
        pending = cast(
            "list[dict[str, Any]]",
            self._redis.xpending_range(
                stream, GROUP, min="-", max="+", count=100, idle=self._retry_after_ms
            ),
        )
        if not pending:
            return []
        keys = Keys(team_id, channel_id)
        ids = [_text(p["message_id"]) for p in pending]
        failed = outbox.failures(self._redis, keys, self._lane, ids)
        parked = [
            entry_id
            for entry_id, p in zip(ids, pending, strict=True)
            if failed[entry_id][0] >= MAX_ATTEMPTS or p["times_delivered"] >= MAX_DELIVERIES
        ]
        if parked:
            self._park(team_id, channel_id, stream, parked, failed)
        again: list[Any] = [i for i in ids if i not in parked]
        if not again:
            return []
        claimed = cast(
            "list[Any]",
            self._redis.xclaim(stream, GROUP, self.consumer, self._retry_after_ms, again),
        )
        return [entry for entry in claimed if entry[1]]

    def _perform(
        self,
        team_id: str,
        channel_id: str,
        number: int,
        marked: list[tuple[OutboxEffect, str]],
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
            self._performer.perform(
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
        self,
        team_id: str,
        channel_id: str,
        stream: str,
        entry_ids: list[str],
        failed: dict[str, tuple[int, str | None]],
    ) -> None:
        keys = Keys(team_id, channel_id)
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
                self._lane,
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
            outbox.park(
                self._redis, keys, self._lane, entry_id, fields, attempts=attempts, error=error
            )
            self._performer.metrics.parked(self._lane)
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
        if not self._redis.set(f"{keys.tag}:told:{entry_id}", "1", nx=True, ex=7 * 24 * 3600):
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
            return "post and pin the final map"
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
