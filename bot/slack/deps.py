"""What listeners need, built once per process and handed to ``register(app, deps)``."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.model import Workshop
from bot.service import WorkshopService
from bot.slack.refs import Refs
from bot.store import RedisClient


@dataclass(frozen=True)
class Deps:
    service: WorkshopService
    redis: RedisClient

    def refs(self, w: Workshop) -> Refs:
        return Refs(self.redis, w.team_id, w.channel_id, w.number)

    def notify(self, w: Workshop, user: str, text: str, thread_ts: str | None = None) -> None:
        """Queue an ephemeral message for ``user`` (listeners never call the Web API)."""
        from bot.slack.notices import Notify  # noqa: PLC0415 - avoid an import cycle

        self.service.store.enqueue(
            w.team_id, w.channel_id, w.number, [Notify(user=user, text=text, thread_ts=thread_ts)]
        )
