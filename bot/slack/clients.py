"""A Web API client per workspace, and Bolt's authorization from the installations.

Rules this module keeps:

- one bot token (self-hosting): ``TeamClients.single`` hands out that one client for
  every workspace; the app serves only the token's workspace anyway;
- many workspaces (OAuth): ``TeamClients.installed`` hands out a client holding the
  workspace's own bot token, read from the installation store, or None when the
  workspace has no installation (its own, or an org-wide one that served a request
  from it). A client is cached for ``CACHE_S`` seconds, so another replica's uninstall
  is noticed within that time; this replica's uninstall drops it at once
  (``invalidate``). Every client talks to ``SLACK_API_URL``;
- ``StoreAuthorize`` is Bolt's authorization in OAuth mode: the request's workspace (or
  its org, for an org-wide install) must have an installation, whose bot token then
  serves the request's ``client``; no ``auth.test`` call per request (the installation
  already names the bot). A request authorized by an org-wide install links its
  workspace to the org (``RedisInstallationStore.link_team``), so the background work
  finds the org's token for that workspace's channels.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, Final

from slack_bolt import BoltContext
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.authorize import Authorize
from slack_sdk import WebClient

from bot.store.installations import RedisInstallationStore

log = logging.getLogger(__name__)

#: Seconds a workspace's client (or its absence) is trusted before the store is read again.
CACHE_S: Final = 30.0

#: The bot scopes asked for at install time: exactly manifest.yml's (tests/test_manifest.py).
BOT_SCOPES: Final = (
    "commands",
    "chat:write",
    "pins:write",
    "files:write",
    "reactions:read",
    "reactions:write",
    "channels:history",
    "groups:history",
    "channels:read",
    "groups:read",
    "users:read",
    "dnd:read",
)


class Uninstalled(Exception):
    """The workspace has no installation (any more): its work is dropped."""

    def __init__(self, team_id: str) -> None:
        super().__init__(f"storymap is not installed in workspace {team_id}")
        self.team_id = team_id


class TeamClients:
    """``get(team_id)``: the Web API client acting for that workspace, or None."""

    def __init__(
        self,
        *,
        single: WebClient | None = None,
        installations: RedisInstallationStore | None = None,
        api_url: str = "https://slack.com/api/",
        cache_s: float = CACHE_S,
    ) -> None:
        self._single = single
        self._installations = installations
        self._api_url = api_url
        self._cache_s = cache_s
        self._lock = threading.Lock()
        self._cached: dict[str, tuple[float, WebClient | None]] = {}
        #: Workspace -> times invalidated: a lookup that overlapped an invalidation is
        #: not cached (it may have read the installation just before it was deleted).
        self._invalidations: dict[str, int] = {}

    @classmethod
    def one(cls, client: WebClient) -> TeamClients:
        """One bot token: the same client for every workspace."""
        return cls(single=client)

    @classmethod
    def installed(cls, installations: RedisInstallationStore, api_url: str) -> TeamClients:
        """Many workspaces: each its installation's bot token."""
        return cls(installations=installations, api_url=api_url)

    @property
    def per_team(self) -> bool:
        """Whether each workspace has its own token (OAuth), not one for all."""
        return self._single is None

    def __repr__(self) -> str:
        return f"TeamClients({len(self._cached)} cached)"

    def get(self, team_id: str) -> WebClient | None:
        if self._single is not None or self._installations is None:
            return self._single
        now = time.monotonic()
        with self._lock:
            cached = self._cached.get(team_id)
            seen = self._invalidations.get(team_id, 0)
        if cached is not None and now - cached[0] < self._cache_s:
            return cached[1]
        bot = self._installations.bot_for_team(team_id)
        client = (
            WebClient(token=bot.bot_token, base_url=self._api_url)
            if bot is not None and bot.bot_token
            else None
        )
        with self._lock:
            if self._invalidations.get(team_id, 0) == seen:
                self._cached[team_id] = (now, client)
        return client

    def invalidate(self, team_id: str) -> None:
        """Forget the workspace's client (it was uninstalled or its token revoked)."""
        with self._lock:
            self._cached.pop(team_id, None)
            self._invalidations[team_id] = self._invalidations.get(team_id, 0) + 1


class StoreAuthorize(Authorize):
    """Bolt's authorization from ``RedisInstallationStore``, without ``auth.test``."""

    def __init__(self, installations: RedisInstallationStore) -> None:
        self._installations = installations
        #: (team, org) -> when the link was last written (written again after ``CACHE_S``,
        #: so a purge by another replica is repaired by the next request).
        self._linked: dict[tuple[str, str], float] = {}

    def __call__(
        self,
        *,
        context: BoltContext,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None,
        **_: Any,
    ) -> AuthorizeResult | None:
        org_wide = bool(context.is_enterprise_install)
        if not team_id and not enterprise_id:
            return None
        installation = self._installations.find_installation(
            enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=org_wide
        )
        if installation is None and enterprise_id and not org_wide:
            # A workspace of an org whose install is org-wide: the org's install serves it.
            installation = self._installations.find_installation(
                enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=True
            )
        if installation is None or not installation.bot_token:
            log.info("no installation for workspace %s (org %s)", team_id, enterprise_id)
            return None
        if installation.is_enterprise_install and team_id and enterprise_id:
            now = time.monotonic()
            if now - self._linked.get((team_id, enterprise_id), -CACHE_S) >= CACHE_S:
                self._installations.link_team(team_id, enterprise_id)
                self._linked[(team_id, enterprise_id)] = now
        return AuthorizeResult(
            enterprise_id=installation.enterprise_id,
            team_id=team_id or installation.team_id,
            bot_user_id=installation.bot_user_id,
            bot_id=installation.bot_id,
            bot_token=installation.bot_token,
            bot_scopes=installation.bot_scopes,
            user_id=user_id,
        )

    def forget(self, team_id: str | None, enterprise_id: str | None) -> None:
        """An uninstall: the next request writes its link again (if installed again)."""
        for pair in list(self._linked):
            if pair[0] == team_id or pair[1] == enterprise_id:
                self._linked.pop(pair, None)


__all__ = ["BOT_SCOPES", "CACHE_S", "StoreAuthorize", "TeamClients", "Uninstalled"]
