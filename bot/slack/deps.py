"""What listeners need, built once per process and handed to ``register(app, deps)``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient

from bot.service import WorkshopService
from bot.slack import forms
from bot.slack.home import HomeTabs
from bot.slack.notices import Notify
from bot.slack.refs import Refs
from bot.store import RedisClient


@dataclass(frozen=True)
class Deps:
    service: WorkshopService
    redis: RedisClient
    #: Seals forms' metadata (``bot.slack.binding``); the same in every replica.
    form_key: bytes
    #: The Home tab (``bot.slack.home``); None: the app serves no Home tab.
    homes: HomeTabs | None = None

    def refs(self, team_id: str, channel_id: str, number: int) -> Refs:
        return Refs(self.redis, team_id, channel_id, number)

    def time_zone(self, client: WebClient, team_id: str, user: str) -> str | None:
        """``user``'s time zone, read in the request path (``bot.slack.forms.time_zone``)."""
        return forms.time_zone(self.redis, client, team_id, user)

    def notify(
        self,
        team_id: str,
        channel_id: str,
        number: int,
        user: str,
        text: str,
        *,
        thread_ts: str | None = None,
        blocks: list[dict[str, Any]] | None = None,
    ) -> None:
        """Queue an ephemeral message for ``user`` on the outbox's urgent lane."""
        notice = Notify(user=user, text=text, thread_ts=thread_ts, blocks=blocks)
        self.service.store.enqueue(team_id, channel_id, number, [notice])
