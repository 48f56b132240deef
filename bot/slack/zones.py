"""People's time zones, cached in Redis for a day: one key and one rule for every caller.

The dispatcher's jobs (reminders, digests) and the request path (a deadline typed by the
facilitator) both read a person's IANA zone here; only how Slack is asked differs (the
jobs through the shared budget, the request path with a short timeout).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from bot.store import RedisClient
from bot.store.keys import tz_key

#: How long a zone is trusted: someone who travels gets the new one the next day.
TZ_CACHE_SECONDS: Final = 24 * 3600


def zone_of(
    redis: RedisClient,
    team_id: str,
    user: str,
    users_info: Callable[[], dict[str, Any] | None],
) -> str | None:
    """``user``'s zone: cached, else from ``users_info()``'s answer (then cached; "UTC"
    when the profile has none); None when ``users_info`` had no answer."""
    cached = redis.get(tz_key(team_id, user))
    if cached is not None:
        return cached.decode() if isinstance(cached, bytes) else str(cached)
    data = users_info()
    if data is None:
        return None
    profile: Any = data.get("user", {})
    tz = str(profile.get("tz") or "UTC") if isinstance(profile, dict) else "UTC"
    redis.set(tz_key(team_id, user), tz, ex=TZ_CACHE_SECONDS)
    return tz
