"""Slack's rate limits, shared by every replica through Redis.

Rules this module keeps:
- buckets are per workspace (Slack's limits are), keyed by team id;
- every Web API call first takes a token from its method's bucket (and, for posting,
  from the channel's bucket: Slack allows about one message per second per channel);
  buckets live in Redis, so N replicas together stay inside one workspace's limits;
- buckets are a little smaller than Slack's allowances, so we wait rather than get 429;
- a 429 pauses that method for its ``Retry-After`` for every replica;
- ``reserve`` keeps the last tokens of a bucket for the calls that matter most (the
  board's refresh), so a flood of card edits never starves it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Final

from bot.store import RedisClient, scripts
from bot.store.keys import budget_prefix


@dataclass(frozen=True)
class Allowance:
    capacity: float
    per_second: float


def _per_minute(n: float, burst: float | None = None) -> Allowance:
    return Allowance(capacity=burst if burst is not None else n * 0.8, per_second=n * 0.9 / 60)


#: Slack's published tiers (Tier 2 ~20/min, Tier 3 ~50/min, Tier 4 ~100/min), a bit under.
SLACK_ALLOWANCES: Final[dict[str, Allowance]] = {
    "chat.update": _per_minute(50),
    "chat.postEphemeral": _per_minute(100),
    "reactions.add": _per_minute(50),
    "pins.add": _per_minute(20),
    "views.open": _per_minute(100),
    "users.info": _per_minute(100),
    "conversations.info": _per_minute(50),
    "files.getUploadURLExternal": _per_minute(100),
    "files.completeUploadExternal": _per_minute(100),
    "users.getPresence": _per_minute(50),
    "dnd.info": _per_minute(50),
}
#: chat.postMessage: about one per second per channel, short bursts allowed.
POST_PER_CHANNEL: Final = Allowance(capacity=4, per_second=0.95)
NO_LIMIT: Final = Allowance(capacity=1e9, per_second=1e9)


class SlackBudget:
    def __init__(
        self,
        client: RedisClient,
        allowances: dict[str, Allowance] | None = None,
        per_channel_post: Allowance = POST_PER_CHANNEL,
        *,
        team: str = "",
    ) -> None:
        """``team``: Slack's limits are per workspace, so are the buckets."""
        self._redis = client
        self.team = team
        self._prefix = budget_prefix(team)
        self._take = client.register_script(scripts.TAKE_FROM_BUCKET)
        self._allowances = SLACK_ALLOWANCES if allowances is None else allowances
        self._per_channel_post = per_channel_post
        self._teams: dict[str, SlackBudget] = {}

    def for_team(self, team: str) -> SlackBudget:
        """The same allowances, in ``team``'s own buckets and pauses (itself for its own
        team): the budget of a call acting for that workspace."""
        if team == self.team:
            return self
        budget = self._teams.get(team)
        if budget is None:
            budget = SlackBudget(self._redis, self._allowances, self._per_channel_post, team=team)
            self._teams[team] = budget
        return budget

    @classmethod
    def unlimited(cls, client: RedisClient) -> SlackBudget:
        """No limits (tests that measure something else against a loosened simulator)."""
        return cls(client, allowances={}, per_channel_post=NO_LIMIT)

    def try_take(self, method: str, channel: str | None = None, reserve: float = 0) -> float:
        """0 if the call may go now (a token was taken), else the seconds to wait."""
        paused = self._redis.pttl(f"{self._prefix}:pause:{method}")
        if isinstance(paused, int) and paused > 0:
            return paused / 1000
        if method == "chat.postMessage" and channel is not None:
            # No hash tag: a channel's post bucket is global to the workspace, not a workshop.
            return self._bucket(
                f"{self._prefix}:rate:post:{channel}", self._per_channel_post, reserve
            )
        allowance = self._allowances.get(method)
        if allowance is None:
            return 0
        return self._bucket(f"{self._prefix}:rate:{method}", allowance, reserve)

    def take(self, method: str, channel: str | None = None, reserve: float = 0) -> None:
        """Wait until the call may go, then take its token."""
        while (wait := self.try_take(method, channel, reserve)) > 0:
            time.sleep(min(wait, 2.0))

    def pause(self, method: str, seconds: float) -> None:
        """Slack answered 429: every replica holds off ``method`` for ``seconds``."""
        self._redis.set(f"{self._prefix}:pause:{method}", "1", px=max(1, int(seconds * 1000)))

    def _bucket(self, key: str, allowance: Allowance, reserve: float) -> float:
        answer = self._take(
            keys=[key],
            args=[allowance.capacity, allowance.per_second, f"{time.time():.6f}", reserve],
        )
        return float(answer)
