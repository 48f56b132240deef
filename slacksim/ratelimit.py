"""Per-method Web API rate limits, modelled as token buckets.

Rules kept:
- Slack evaluates limits per method and per workspace; ``chat.postMessage`` is limited per
  channel ("about one message per second per channel, short bursts allowed").
- Tiers, as Slack's method reference lists them: Tier 1 = 1/min, Tier 2 = 20/min,
  Tier 3 = 50/min, Tier 4 = 100/min. Method assignments follow the current reference
  (``views.*`` and ``conversations.members`` are Tier 4 there, ``pins.*`` Tier 2,
  ``chat.update``/``chat.delete``/``reactions.add``/``conversations.info`` Tier 3,
  ``files.getUploadURLExternal``/``files.completeUploadExternal`` Tier 4).
- Each (method[, channel]) has one bucket. It refills continuously at the tier's
  per-minute rate and holds at most ``burst`` tokens. For tiered methods ``burst`` defaults
  to a whole minute's allowance times ``burst_scale`` (1.0 by default): an idle app may
  spend a minute's allowance at once, and sustained traffic is held to the tier rate.
  ``chat.postMessage`` refills at 60/min per channel with a burst of 5.
- A call that finds its bucket empty is refused with HTTP 429, ``Retry-After`` set to the
  whole seconds until a token is back (at least 1), and body ``{"ok": false,
  "error": "ratelimited"}``. Refused calls do not consume tokens.
- ``RateLimits.slack(rate_scale=k)`` refills every bucket ``k``
  times as fast and keeps Slack's capacities: for test runs that go through the same
  buckets without waiting Slack's real time. ``Retry-After`` stays whole seconds.
- Methods without a configured limit are never limited; ``RateLimits.disabled()`` turns
  everything off. Limits are immutable values; tests tighten them with ``with_method``.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

TIER_PER_MINUTE: Mapping[int, float] = MappingProxyType({1: 1.0, 2: 20.0, 3: 50.0, 4: 100.0})

METHOD_TIERS: Mapping[str, int] = MappingProxyType(
    {
        "auth.test": 4,
        "chat.update": 3,
        "chat.delete": 3,
        "chat.postEphemeral": 4,
        "chat.getPermalink": 4,
        "reactions.add": 3,
        "reactions.remove": 2,
        "pins.add": 2,
        "pins.remove": 2,
        "pins.list": 2,
        "views.open": 4,
        "views.update": 4,
        "views.push": 4,
        "conversations.info": 3,
        "conversations.members": 4,
        "users.info": 4,
        "files.getUploadURLExternal": 4,
        "files.completeUploadExternal": 4,
        "users.getPresence": 3,
        "dnd.info": 3,
    }
)

POST_MESSAGE = "chat.postMessage"


@dataclass(frozen=True)
class Limit:
    """A refill rate (calls per minute) and a bucket capacity (``burst`` calls)."""

    per_minute: float
    burst: float

    def __post_init__(self) -> None:
        if self.per_minute <= 0 or self.burst < 1:
            raise ValueError(f"a limit needs per_minute > 0 and burst >= 1, got {self}")


@dataclass(frozen=True)
class RateLimits:
    """Which limit applies to which method; an immutable value."""

    methods: Mapping[str, Limit] = field(default_factory=dict)
    post_message_per_channel: Limit | None = None
    enabled: bool = True

    @classmethod
    def slack(cls, burst_scale: float = 1.0, rate_scale: float = 1.0) -> RateLimits:
        """Slack's published tiers; ``burst_scale`` scales each tiered bucket's capacity.

        ``rate_scale`` multiplies every refill rate (``chat.postMessage``'s per channel
        too) and leaves every capacity as Slack's: the same buckets, refilled that many
        times as fast. A client held to Slack's limits scaled the same way still meets
        every bucket, in a fraction of the wall time. For runs whose subject is not pacing.
        """
        if rate_scale <= 0:
            raise ValueError(f"rate_scale must be > 0, got {rate_scale}")
        methods = {
            method: Limit(
                per_minute=TIER_PER_MINUTE[tier] * rate_scale,
                burst=max(1.0, TIER_PER_MINUTE[tier] * burst_scale),
            )
            for method, tier in METHOD_TIERS.items()
        }
        return cls(
            methods=MappingProxyType(methods),
            post_message_per_channel=Limit(60.0 * rate_scale, 5.0),
        )

    @classmethod
    def disabled(cls) -> RateLimits:
        """No limits at all (benchmarks of the bot itself, not of its pacing)."""
        return cls(enabled=False)

    def with_method(self, method: str, per_minute: float, burst: float | None = None) -> RateLimits:
        """A copy with ``method`` limited to ``per_minute`` and a bucket of ``burst``."""
        limit = Limit(per_minute=per_minute, burst=per_minute if burst is None else burst)
        if method == POST_MESSAGE:
            return replace(self, post_message_per_channel=limit)
        return replace(self, methods=MappingProxyType({**self.methods, method: limit}))

    def limit_for(self, method: str) -> Limit | None:
        """The limit for ``method``, or ``None`` when it is not limited."""
        if not self.enabled:
            return None
        if method == POST_MESSAGE:
            return self.post_message_per_channel
        return self.methods.get(method)


class _Bucket:
    def __init__(self, limit: Limit, now: float) -> None:
        self.limit = limit
        self.tokens = limit.burst
        self.updated = now

    def take(self, now: float) -> float:
        """Take a token; return 0.0, or the seconds until one is available."""
        rate = self.limit.per_minute / 60.0
        self.tokens = min(self.limit.burst, self.tokens + (now - self.updated) * rate)
        self.updated = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return 0.0
        return (1.0 - self.tokens) / rate


class RateLimiter:
    """Admits or refuses calls according to :class:`RateLimits`; thread-safe."""

    def __init__(self, limits: RateLimits, clock: Callable[[], float] = time.monotonic) -> None:
        self._limits = limits
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[tuple[str, str], _Bucket] = {}

    @property
    def limits(self) -> RateLimits:
        return self._limits

    def reconfigure(self, limits: RateLimits) -> None:
        """Swap the limits; every bucket starts full again."""
        with self._lock:
            self._limits = limits
            self._buckets.clear()

    def retry_after(self, method: str, channel: str | None) -> int | None:
        """``None`` when the call is admitted, else the ``Retry-After`` seconds."""
        with self._lock:
            limit = self._limits.limit_for(method)
            if limit is None:
                return None
            key = (method, (channel or "") if method == POST_MESSAGE else "")
            now = self._clock()
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = _Bucket(limit, now)
            wait = bucket.take(now)
        if wait == 0.0:
            return None
        return max(1, math.ceil(wait - 1e-9))  # tolerate float noise in the refill sum
