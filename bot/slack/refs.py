"""Where a workshop's messages are in Slack: board, prompts, story cards, the map.

One hash per workshop, ``storymap:{T:C}:refs:<number>``, written by the dispatcher when
it posts and read by listeners to know what a thread reply or a reaction is about:

- ``board`` -> ts; ``prompt:<stage>:<anchor or ->`` -> ts; ``card:<story id>`` -> ts;
  ``map:<n>`` -> ts of the n-th message of the published map;
- ``ts:<ts>`` -> the name above, the reverse index;
- ``storymap:{T:C}:refs:<number>:posting:<name>``: a short claim taken before posting.
"""

from __future__ import annotations

from bot.store import RedisClient
from bot.store.workshops import Keys


def prompt_name(stage: str, anchor: str | None) -> str:
    return f"prompt:{stage}:{anchor or '-'}"


class Refs:
    def __init__(self, client: RedisClient, team_id: str, channel_id: str, number: int) -> None:
        self._redis = client
        self.key = f"{Keys(team_id, channel_id).tag}:refs:{number}"

    def get(self, name: str) -> str | None:
        raw = self._redis.hget(self.key, name)
        return raw.decode() if isinstance(raw, bytes) else raw

    def set(self, name: str, ts: str) -> None:
        self._redis.hset(self.key, mapping={name: ts, f"ts:{ts}": name})

    def claim(self, name: str, ms: int = 30_000) -> bool:
        """Take the right to post ``name`` (for ``ms``): two dispatchers never post the
        same message at once, even if each believes it serves the channel."""
        return bool(self._redis.set(f"{self.key}:posting:{name}", "1", nx=True, px=ms))

    def release(self, name: str) -> None:
        self._redis.delete(f"{self.key}:posting:{name}")

    def about(self, ts: str) -> str | None:
        """What the message ``ts`` is (``prompt:tasks:A2``, ``card:S3``...), if ours."""
        return self.get(f"ts:{ts}")
