"""A workspace leaves: ``app_uninstalled``, or ``tokens_revoked`` naming the bot.

Both delete the workspace's installation and all its data (``Bot.uninstall``); both are
idempotent, so Slack's retries of them are harmless. Revoked user tokens alone change
nothing: storymap holds none.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltContext

log = logging.getLogger(__name__)

Uninstall = Callable[[str | None, str | None, bool], None]


def register(app: App, uninstall: Uninstall) -> None:
    @app.event("app_uninstalled")
    def app_uninstalled(context: BoltContext) -> None:
        log.info("storymap was uninstalled from workspace %s", context.team_id)
        uninstall(context.enterprise_id, context.team_id, bool(context.is_enterprise_install))

    @app.event("tokens_revoked")
    def tokens_revoked(context: BoltContext, event: dict[str, Any]) -> None:
        tokens = event.get("tokens")
        bots = tokens.get("bot") if isinstance(tokens, dict) else None
        if not bots:
            return
        log.info("the bot token of workspace %s was revoked", context.team_id)
        uninstall(context.enterprise_id, context.team_id, bool(context.is_enterprise_install))
