"""Installations (Slack's OAuth v2) and OAuth states in Redis, bot tokens encrypted.

Its keys (an installation per workspace or Enterprise Grid org, the org's workspaces,
one-use OAuth states) are named in ``bot.store.keys``.

Rules this module keeps:

- a bot token is stored only encrypted (Fernet: AES-128-CBC with HMAC-SHA256), under a
  key given as ``STORYMAP_TOKEN_KEY`` or derived from ``SLACK_CLIENT_SECRET`` (see
  ``token_cipher`` and docs/decisions/0006-many-workspaces.md); a record that does not
  decrypt (the key changed) reads as "not installed", with a warning naming the
  workspace, never the record;
- no token is ever logged, and the classes here hold none in their repr;
- an org-wide install (``is_enterprise_install``) is keyed by its enterprise id; a
  workspace's own install by its team id;
- an OAuth state is used once: ``consume`` deletes it as it reads it (``GETDEL``).
"""

from __future__ import annotations

import base64
import json
import logging
import secrets
from collections.abc import Iterable, Iterator
from typing import Any, Final

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from slack_sdk.oauth.installation_store import Bot, Installation, InstallationStore
from slack_sdk.oauth.state_store import OAuthStateStore

from bot.store.client import RedisClient
from bot.store.due import DueIndex
from bot.store.keys import (
    LEGACY_CHANNELS_KEY,
    channels_prefix,
    enterprise_link_key,
    enterprise_pattern,
    enterprise_teams_key,
    installation_key,
    shard_key,
    state_key,
    team_channels_key,
    team_patterns,
)

log = logging.getLogger(__name__)

#: Seconds an OAuth state lives: from "Add to Slack" to the redirect back.
STATE_TTL_S: Final = 600


def _owner_key(enterprise_id: str | None, team_id: str | None, org_wide: bool | None) -> str:
    return installation_key(enterprise_id, team_id, bool(org_wide))


def token_cipher(*, token_key: str | None, client_secret: str) -> MultiFernet:
    """The cipher of stored installations.

    ``token_key``: one or more Fernet keys, comma-separated (the first encrypts, all
    decrypt, so a key can be rotated in). Without one, a key is derived from the app's
    client secret with HKDF-SHA256.
    """
    if token_key:
        return MultiFernet([Fernet(part.strip()) for part in token_key.split(",") if part.strip()])
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"storymap", info=b"installation tokens"
    ).derive(client_secret.encode())
    return MultiFernet([Fernet(base64.urlsafe_b64encode(derived))])


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


class RedisInstallationStore(InstallationStore):
    """slack_sdk's ``InstallationStore`` on our Redis client (one server or a cluster)."""

    def __init__(self, client: RedisClient, cipher: MultiFernet) -> None:
        self._redis = client
        self._cipher = cipher

    def __repr__(self) -> str:
        return "RedisInstallationStore()"

    @property
    def logger(self) -> logging.Logger:
        return log

    # ----- sealing ---------------------------------------------------------------------

    def _seal(self, record: dict[str, Any]) -> bytes:
        return self._cipher.encrypt(json.dumps(record).encode())

    def _open(self, sealed: bytes | str | None, where: str) -> dict[str, Any] | None:
        if sealed is None:
            return None
        try:
            record: dict[str, Any] = json.loads(self._cipher.decrypt(sealed))
        except InvalidToken:
            log.warning("installation of %s does not decrypt with the current key; ignored", where)
            return None
        return record

    # ----- saving ----------------------------------------------------------------------

    def save(self, installation: Installation) -> None:
        key = _owner_key(
            installation.enterprise_id, installation.team_id, installation.is_enterprise_install
        )
        record = dict(installation.__dict__)
        fields = {"latest": self._seal(record)}
        if installation.user_id:
            fields[f"user:{installation.user_id}"] = fields["latest"]
        if installation.bot_token is not None:
            fields["bot"] = self._seal(dict(installation.to_bot().__dict__))
        self._redis.hset(key, mapping=fields)  # type: ignore[arg-type]
        log.info("saved the installation of %s", installation.team_id or installation.enterprise_id)

    def save_bot(self, bot: Bot) -> None:
        if bot.bot_token is None:
            return
        key = _owner_key(bot.enterprise_id, bot.team_id, bot.is_enterprise_install)
        self._redis.hset(key, "bot", self._seal(dict(bot.__dict__)))

    # ----- finding ---------------------------------------------------------------------

    def find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        key = _owner_key(enterprise_id, team_id, is_enterprise_install)
        record = self._open(self._redis.hget(key, "bot"), team_id or enterprise_id or "?")
        return Bot(**record) if record is not None else None

    def find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        key = _owner_key(enterprise_id, team_id, is_enterprise_install)
        field = f"user:{user_id}" if user_id else "latest"
        where = team_id or enterprise_id or "?"
        latest, bot_raw = self._redis.hmget(key, [field, "bot"])
        record = self._open(latest, where)
        if record is None:
            return None
        installation = Installation(**record)
        bot = self._open(bot_raw, where)
        if bot is not None and bot.get("bot_token") != installation.bot_token:
            # The workspace's newest bot token wins (an older user's installation).
            for name in ("bot_id", "bot_user_id", "bot_token", "bot_scopes"):
                setattr(installation, name, bot.get(name))
            installation.bot_refresh_token = bot.get("bot_refresh_token")
            installation.bot_token_expires_at = bot.get("bot_token_expires_at")
        return installation

    def bot_for_team(self, team_id: str) -> Bot | None:
        """The bot serving workspace ``team_id``: its own install, else the org-wide one
        a request from it was authorized by (``link_team``)."""
        own = self.find_bot(enterprise_id=None, team_id=team_id)
        if own is not None:
            return own
        enterprise = self._redis.get(enterprise_link_key(team_id))
        if enterprise is None:
            return None
        return self.find_bot(
            enterprise_id=_text(enterprise), team_id=team_id, is_enterprise_install=True
        )

    def link_team(self, team_id: str, enterprise_id: str) -> None:
        """Workspace ``team_id`` is served by the org-wide install of ``enterprise_id``."""
        self._redis.set(enterprise_link_key(team_id), enterprise_id)
        self._redis.sadd(enterprise_teams_key(enterprise_id), team_id)

    def linked_teams(self, enterprise_id: str) -> list[str]:
        raw = self._redis.smembers(enterprise_teams_key(enterprise_id))
        return sorted(_text(m) for m in raw)

    # ----- deleting --------------------------------------------------------------------

    def delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        self._redis.hdel(_owner_key(enterprise_id, team_id, False), "bot")

    def delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        key = _owner_key(enterprise_id, team_id, False)
        if user_id:
            self._redis.hdel(key, f"user:{user_id}")
            return
        fields = [_text(f) for f in self._redis.hkeys(key)]
        gone = [f for f in fields if f == "latest" or f.startswith("user:")]
        if gone:
            self._redis.hdel(key, *gone)

    def delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        self._redis.delete(_owner_key(enterprise_id, team_id, False))


class RedisOAuthStateStore(OAuthStateStore):
    """One-time OAuth states with a time to live (``STATE_TTL_S``)."""

    def __init__(self, client: RedisClient, expiration_seconds: int = STATE_TTL_S) -> None:
        self._redis = client
        self.expiration_seconds = expiration_seconds

    @property
    def logger(self) -> logging.Logger:
        return log

    def issue(self, *args: object, **kwargs: object) -> str:
        state = secrets.token_urlsafe(32)
        self._redis.set(state_key(state), b"1", ex=self.expiration_seconds)
        return state

    def consume(self, state: str) -> bool:
        if not state or len(state) > 200:
            return False
        return self._redis.getdel(state_key(state)) is not None


# ----- purging a workspace ---------------------------------------------------------------


def _glob_escape(text: str) -> str:
    return "".join("\\" + ch if ch in "*?[]\\" else ch for ch in text)


def _scan(client: RedisClient, pattern: str) -> Iterator[bytes | str]:
    # On a cluster client, scan_iter visits every primary node.
    yield from client.scan_iter(match=pattern, count=500)


def _unlink_all(client: RedisClient, keys: Iterable[bytes | str]) -> int:
    count = 0
    with client.pipeline(transaction=False) as pipe:
        for key in keys:
            pipe.unlink(key)
            count += 1
        pipe.execute()
    return count


def _forget_due(client: RedisClient, team_id: str, channels: Iterable[str]) -> int:
    """Take the workspace's channels out of the due-time indexes: its own shards in the
    one-workspace scope (deleted: their count is returned), its members of the shared
    shards otherwise."""
    deleted = 0
    for name in ("ready", "jobs"):
        own = f"{name}:team:{team_id}"
        deleted += int(client.delete(*(shard_key(own, part) for part in ("due", "gen", "wake"))))
        shared = DueIndex(client, name, per_team=False)
        for channel in channels:
            shard = shared.shard(team_id, channel)
            members = (
                [f"{lane}:{team_id}:{channel}" for lane in ("outbox", "urgent")]
                if name == "ready"
                else [f"{team_id}:{channel}"]
            )
            client.zrem(shared.due_key(shard), *members)
            client.hdel(shared.gen_key(shard), *members)
    # The Home tabs' index has one member per workspace (``bot.slack.home``).
    own = f"home:team:{team_id}"
    deleted += int(client.delete(*(shard_key(own, part) for part in ("due", "gen", "wake"))))
    shared = DueIndex(client, "home", per_team=False)
    shard = shared.shard(team_id, "home")
    client.zrem(shared.due_key(shard), team_id)
    client.hdel(shared.gen_key(shard), team_id)
    return deleted


def purge_team(client: RedisClient, team_id: str) -> int:
    """Delete every key of workspace ``team_id``; return how many were deleted.

    Three ``SCAN MATCH`` passes, whatever the number of its channels (each pass reads the
    whole keyspace once; on a cluster client, every primary): its channels' keys
    (``storymap:{T:*``, every ``storymap:{T:C}:...``, so a channel missing from its
    channels set is found too), its own keys (``storymap:T:*``: bot user, time zones,
    rate buckets, pauses) and its installation and bookkeeping (``storymap:{team:T}:*``).
    Its channels leave the old list ``storymap:channels`` and the due-time indexes
    (``bot.store.due``), so no dispatcher or scheduler visits them. Keys of other
    workspaces never match: every pattern ends the team id with ``:``.
    """
    team = _glob_escape(team_id)
    channels = {_text(c) for c in client.smembers(team_channels_key(team_id))}
    own, untagged, tagged = team_patterns(team)
    found = list(_scan(client, own))
    prefix = channels_prefix(team_id)
    for key in found:
        channel, brace, _ = _text(key).removeprefix(prefix).partition("}")
        if brace:
            channels.add(channel)
    deleted = _unlink_all(client, found)
    if channels:
        client.srem(LEGACY_CHANNELS_KEY, *(f"{team_id}:{channel}" for channel in channels))
    deleted += _forget_due(client, team_id, channels)
    deleted += _unlink_all(client, list(_scan(client, untagged)))
    deleted += _unlink_all(client, list(_scan(client, tagged)))
    log.info("purged workspace %s: %d keys, %d channels", team_id, deleted, len(channels))
    return deleted


def purge_enterprise(client: RedisClient, store: RedisInstallationStore, enterprise_id: str) -> int:
    """Delete an org-wide install and the data of every workspace it served."""
    deleted = sum(purge_team(client, team) for team in store.linked_teams(enterprise_id))
    ent = _glob_escape(enterprise_id)
    return deleted + _unlink_all(client, list(_scan(client, enterprise_pattern(ent))))


__all__ = [
    "STATE_TTL_S",
    "RedisInstallationStore",
    "RedisOAuthStateStore",
    "purge_enterprise",
    "purge_team",
    "token_cipher",
]
