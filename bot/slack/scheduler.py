"""Due jobs (reminders, time's-up notices, daily digests) kept in Redis.

Rules this module keeps:
- a job is a member of the channel's sorted set ``storymap:{T:C}:jobs`` scored by when
  it is due; it survives restarts with the data;
- claiming is one Lua script: due jobs are removed from the set and appended to the
  channel's outbox as ``run_job`` effects in the same atomic step, so across any number
  of replicas each job is claimed exactly once, and a claimed job is never lost (the
  outbox retries it like any effect);
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
from bot.store import RedisClient
from bot.store.workshops import CHANNELS_KEY, Keys

log = logging.getLogger(__name__)

JobKind = Literal["nudge", "nudge_user", "deadline", "digest"]

# KEYS[1] jobs (sorted set)  KEYS[2] outbox stream
# ARGV[1] now (unix seconds)  ARGV[2] most jobs to claim
# Returns how many jobs were claimed and queued.
_CLAIM: Final = """
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, job in ipairs(due) do
  redis.call('ZREM', KEYS[1], job)
  local number = cjson.decode(job)['number']
  redis.call('XADD', KEYS[2], '*', 'number', tostring(number),
    'effects', '[{"kind":"run_job","job":' .. job .. '}]')
end
return #due
"""


class Job(Frozen):
    kind: JobKind
    number: int
    #: When it is due (also what makes two reminders of one deadline distinct jobs).
    due: datetime
    stage: Stage | None = None
    #: The deadline this job belongs to (reminders and time's up).
    deadline: datetime | None = None
    #: One person's reminder, delayed into their working hours.
    user: str | None = None
    #: Digest: the counts at the previous digest.
    snapshot: dict[str, Any] | None = None


def jobs_key(team_id: str, channel_id: str) -> str:
    return f"{Keys(team_id, channel_id).tag}:jobs"


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
    ) -> None:
        self._redis = client
        self._clock = clock
        self._teams = teams
        self._interval = interval
        self._claim = client.register_script(_CLAIM)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def schedule(self, team_id: str, channel_id: str, job: Job) -> None:
        self._redis.sadd(CHANNELS_KEY, f"{team_id}:{channel_id}")
        self._redis.zadd(
            jobs_key(team_id, channel_id), {job.model_dump_json(): job.due.timestamp()}
        )

    def pending(self, team_id: str, channel_id: str) -> list[tuple[Job, float]]:
        raw = cast(
            "list[tuple[bytes, float]]",
            self._redis.zrange(jobs_key(team_id, channel_id), 0, -1, withscores=True),
        )
        return [(Job.model_validate_json(member), float(score)) for member, score in raw]

    def run_once(self) -> int:
        """Queue every due job of every channel; return how many."""
        now = self._clock().timestamp()
        claimed = 0
        for raw in self._redis.smembers(CHANNELS_KEY):
            team_id, _, channel_id = _text(raw).partition(":")
            if self._teams is not None and team_id not in self._teams:
                continue
            keys = Keys(team_id, channel_id)
            claimed += int(
                self._claim(keys=[jobs_key(team_id, channel_id), keys.outbox], args=[now, 50])
            )
        return claimed

    def start(self) -> None:
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
