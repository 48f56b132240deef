"""Due jobs (reminders, time's-up notices, daily digests) kept in Redis.

Rules this module keeps:
- a job is a member of the channel's sorted set ``storymap:{T:C}:jobs`` scored by when
  it is due; it survives restarts with the data;
- the channels with jobs are found through the ``jobs`` due-time index
  (``bot.store.due``: each channel scored by its earliest job), never by visiting
  channels: scheduling signals the index before and after adding the job, and each
  round claims only the channels whose earliest job is due, then settles each with its
  next job's time (or drops it when it has none);
- claiming a channel's jobs is one Lua script: due jobs are removed from the set and
  appended to the channel's outbox as ``run_job`` effects in the same atomic step, so
  across any number of replicas each job is claimed exactly once, and a claimed job is
  never lost (the outbox retries it like any effect, signalled like any append);
- the clock is injected: tests move a fake clock and never sleep;
- a job carries what it was scheduled for (workshop number, stage, deadline); when it
  runs, a job whose workshop moved on, ended, or changed its deadline does nothing.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any, Final, Literal, cast

import redis

from bot.domain.model import Frozen, Stage
from bot.store import RedisClient, scripts
from bot.store.due import Claim, DueIndex, Ready
from bot.store.keys import Keys

log = logging.getLogger(__name__)

JobKind = Literal["nudge", "nudge_user", "deadline", "digest"]


#: Jobs claimed per channel and round, and channels per shard and claim.
BATCH: Final = 50
#: How long a claimed channel is not claimed again (if its replica dies mid-round).
HOLD_MS: Final = 30_000


class Job(Frozen):
    kind: JobKind
    number: int
    #: When it is due (also what makes two reminders of one deadline distinct jobs).
    due: datetime
    stage: Stage | None = None
    #: The deadline this job belongs to (reminders and time's up).
    deadline: datetime | None = None
    #: One person's reminder, delayed into their working hours or until they may be back.
    user: str | None = None
    #: What a delayed word to ``user`` is ("": the reminder; else counted apart by it).
    about: str = ""
    #: Digest: the counts at the previous digest.
    snapshot: dict[str, Any] | None = None


def jobs_key(team_id: str, channel_id: str) -> str:
    return Keys(team_id, channel_id).jobs


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


class Scheduler:
    def __init__(
        self,
        client: RedisClient,
        clock: Callable[[], datetime],
        *,
        teams: frozenset[str] | None = None,
        interval: float = 0.5,
        ready: Ready | None = None,
    ) -> None:
        """``ready``: the outbox's ready index (its scope is the jobs index's too)."""
        self._redis = client
        self._clock = clock
        self._teams = teams
        self._interval = interval
        self._ready = ready or Ready(client)
        self.index = DueIndex(client, "jobs", per_team=self._ready.index.per_team)
        self._claim = client.register_script(scripts.QUEUE_DUE_JOBS)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def schedule(self, team_id: str, channel_id: str, job: Job) -> None:
        shard = self.index.shard(team_id, channel_id)
        member = f"{team_id}:{channel_id}"
        due_ms = int(job.due.timestamp() * 1000)
        # Signalled before and after (see ``bot.store.due``): a round that claims the
        # channel between the two cannot drop it before the job is there.
        with self._redis.pipeline(transaction=False) as pipe:
            self.index.signal(shard, [member], due_ms, wake=False, client=pipe)
            pipe.zadd(jobs_key(team_id, channel_id), {job.model_dump_json(): job.due.timestamp()})
            pipe.execute()
        self.index.signal(shard, [member], due_ms, wake=False)

    def pending(self, team_id: str, channel_id: str) -> list[tuple[Job, float]]:
        raw = cast(
            "list[tuple[bytes, float]]",
            self._redis.zrange(jobs_key(team_id, channel_id), 0, -1, withscores=True),
        )
        return [(Job.model_validate_json(member), float(score)) for member, score in raw]

    def run_once(self) -> int:
        """Queue every due job of the channels the index says are due; return how many."""
        now = self._clock().timestamp()
        claimed = 0
        for shard in self.index.shards(self._teams):
            while True:
                claims, _ = self.index.claim(
                    shard, now=int(now * 1000), hold_ms=HOLD_MS, limit=BATCH
                )
                for claim in claims:
                    claimed += self._queue(claim, now)
                if len(claims) < BATCH:
                    break
        return claimed

    def _queue(self, claim: Claim, now: float) -> int:
        """Move one channel's due jobs to its outbox; settle it at its next job."""
        team_id, _, channel_id = claim.member.partition(":")
        self._ready.before(team_id, channel_id, ("outbox",))
        count, first = cast(
            "list[Any]",
            self._claim(
                keys=[jobs_key(team_id, channel_id), Keys(team_id, channel_id).outbox],
                args=[now, BATCH],
            ),
        )
        if int(count):
            self._ready.now(team_id, channel_id, ("outbox",))
        following = _text(first) if first not in (None, "", b"") else ""
        # A channel with more due jobs than a batch is due again at once.
        next_ms = int(float(following) * 1000) if following else None
        self.index.settle(claim, next_ms)
        return int(count)

    def start(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="scheduler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except redis.RedisError as failure:
                # Storage down: the jobs wait in Redis; try again next round.
                log.warning("scheduler: storage unavailable (%s)", failure)
            self._stop.wait(self._interval)
