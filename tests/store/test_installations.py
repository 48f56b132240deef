"""Installations, OAuth states and the purge of a workspace, on a real server (and cluster)."""

from __future__ import annotations

import logging
import time
import uuid

import pytest
from cryptography.fernet import Fernet
from slack_sdk.oauth.installation_store import Installation

from bot.domain import commands as c
from bot.domain.machine import apply
from bot.store.client import RedisClient
from bot.store.due import DueIndex, Ready
from bot.store.installations import (
    RedisInstallationStore,
    RedisOAuthStateStore,
    purge_enterprise,
    purge_team,
    token_cipher,
)
from bot.store.keys import LEGACY_CHANNELS_KEY, Keys, team_channels_key
from bot.store.workshops import WorkshopStore
from tests.builders import FACILITATOR, T0

pytestmark = pytest.mark.store


def new_id(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:12].upper()}"


def store(client: RedisClient, secret: str = "client-secret") -> RedisInstallationStore:  # noqa: S107
    return RedisInstallationStore(client, token_cipher(token_key=None, client_secret=secret))


def installation(
    team_id: str | None,
    token: str,
    *,
    enterprise_id: str | None = None,
    org_wide: bool = False,
    user_id: str = "UINSTALLER",
) -> Installation:
    return Installation(
        app_id="A1",
        enterprise_id=enterprise_id,
        team_id=team_id,
        user_id=user_id,
        bot_token=token,
        bot_id="B1",
        bot_user_id="UBOT",
        bot_scopes=["chat:write", "commands"],
        is_enterprise_install=org_wide,
    )


def keys_with(client: RedisClient, text: str) -> set[bytes | str]:
    return set(client.scan_iter(match=f"*{text}*", count=500))


def test_a_saved_installation_is_found_and_its_token_is_not_stored_in_clear(
    redis_client: RedisClient, team_id: str
) -> None:
    installs = store(redis_client)
    token = f"xoxb-{uuid.uuid4().hex}"
    installs.save(installation(team_id, token))

    found = installs.find_installation(enterprise_id=None, team_id=team_id)
    bot = installs.find_bot(enterprise_id=None, team_id=team_id)
    assert found is not None
    assert found.bot_token == token
    assert found.user_id == "UINSTALLER"
    assert bot is not None
    assert bot.bot_token == token
    assert bot.bot_user_id == "UBOT"
    by_user = installs.find_installation(enterprise_id=None, team_id=team_id, user_id="UINSTALLER")
    assert by_user is not None
    assert by_user.bot_token == token
    assert installs.find_bot(enterprise_id=None, team_id=new_id("T")) is None

    raw = redis_client.hgetall(f"storymap:{{team:{team_id}}}:installation")
    assert set(raw) == {b"latest", b"bot", b"user:UINSTALLER"}
    assert all(token.encode() not in value for value in raw.values())
    assert token not in repr(installs)


def test_a_record_under_another_key_reads_as_not_installed_and_logs_no_token(
    redis_client: RedisClient, team_id: str, caplog: pytest.LogCaptureFixture
) -> None:
    token = f"xoxb-{uuid.uuid4().hex}"
    store(redis_client, "old-secret").save(installation(team_id, token))
    with caplog.at_level(logging.DEBUG):
        assert (
            store(redis_client, "new-secret").find_bot(enterprise_id=None, team_id=team_id) is None
        )
    assert team_id in caplog.text
    assert token not in caplog.text


def test_a_dedicated_key_list_rotates_the_key(redis_client: RedisClient, team_id: str) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    token = f"xoxb-{uuid.uuid4().hex}"
    RedisInstallationStore(redis_client, token_cipher(token_key=old, client_secret="")).save(
        installation(team_id, token)
    )
    rotated = RedisInstallationStore(
        redis_client, token_cipher(token_key=f"{new},{old}", client_secret="")
    )
    bot = rotated.find_bot(enterprise_id=None, team_id=team_id)
    assert bot is not None
    assert bot.bot_token == token
    only_new = RedisInstallationStore(redis_client, token_cipher(token_key=new, client_secret=""))
    assert only_new.find_bot(enterprise_id=None, team_id=team_id) is None


def test_an_org_wide_install_is_found_by_enterprise_and_serves_a_linked_team(
    redis_client: RedisClient,
) -> None:
    installs = store(redis_client)
    enterprise, team = new_id("E"), new_id("T")
    token = f"xoxb-{uuid.uuid4().hex}"
    installs.save(installation(None, token, enterprise_id=enterprise, org_wide=True))

    found = installs.find_installation(
        enterprise_id=enterprise, team_id=None, is_enterprise_install=True
    )
    assert found is not None
    assert found.bot_token == token
    assert found.is_enterprise_install
    # A request from a workspace of the org names both; the org's install answers.
    in_team = installs.find_installation(
        enterprise_id=enterprise, team_id=team, is_enterprise_install=True
    )
    assert in_team is not None
    assert in_team.bot_token == token
    assert installs.bot_for_team(team) is None  # not linked yet
    installs.link_team(team, enterprise)
    bot = installs.bot_for_team(team)
    assert bot is not None
    assert bot.bot_token == token

    purge_enterprise(redis_client, installs, enterprise)
    assert installs.bot_for_team(team) is None
    assert keys_with(redis_client, enterprise) == set()


def test_delete_installation_then_delete_all(redis_client: RedisClient, team_id: str) -> None:
    installs = store(redis_client)
    installs.save(installation(team_id, "xoxb-one"))
    installs.delete_installation(enterprise_id=None, team_id=team_id)
    assert installs.find_installation(enterprise_id=None, team_id=team_id) is None
    assert installs.find_bot(enterprise_id=None, team_id=team_id) is not None
    installs.delete_all(enterprise_id=None, team_id=team_id)
    assert installs.find_bot(enterprise_id=None, team_id=team_id) is None


def test_an_oauth_state_is_used_once_and_expires(redis_client: RedisClient) -> None:
    states = RedisOAuthStateStore(redis_client, expiration_seconds=1)
    state = states.issue()
    assert states.consume(state) is True
    assert states.consume(state) is False
    late = states.issue()
    time.sleep(1.2)
    assert states.consume(late) is False
    assert states.consume("made-up") is False


def _fill(client: RedisClient, team_id: str, channel: str) -> None:
    workshops = WorkshopStore(client)
    workshops.update(
        team_id,
        channel,
        lambda s: apply(s, c.Start(team_id=team_id, channel_id=channel), FACILITATOR, T0),
    )
    client.hset(Keys(team_id, channel).refs(1), "board", "1.0")
    client.set(f"storymap:{team_id}:tz:UANA", "Europe/Berlin")
    client.set(f"storymap:{team_id}:bot-user", "UBOT")
    store(client).save(installation(team_id, f"xoxb-{team_id}"))


def test_a_purge_deletes_everything_of_one_team_and_nothing_of_another(
    redis_client: RedisClient,
) -> None:
    a, b = new_id("T"), new_id("T")
    for team in (a, b):
        for channel in ("CONE", "CTWO"):
            _fill(redis_client, team, channel)
    assert redis_client.smembers(team_channels_key(a)) == {b"CONE", b"CTWO"}
    b_keys = keys_with(redis_client, b)
    assert len(keys_with(redis_client, a)) == len(b_keys) > 10
    # A channel with data from before the channels set existed is found all the same.
    redis_client.set(Keys(a, "COLD").seq, 3)
    redis_client.sadd(LEGACY_CHANNELS_KEY, f"{a}:COLD")

    assert purge_team(redis_client, a) == len(b_keys) + 1

    assert keys_with(redis_client, a) == set()
    assert keys_with(redis_client, b) == b_keys
    assert not redis_client.sismember(LEGACY_CHANNELS_KEY, f"{a}:COLD")
    # No dispatcher visits the purged team's channels again; the other's work waits.
    ready = DueIndex(redis_client, "ready", per_team=True)
    assert ready.members(ready.shard(a, "CONE"), 10) == []
    assert [m for m, _ in ready.members(ready.shard(b, "CONE"), 10)] == [
        Ready.member("outbox", b, "CONE"),
        Ready.member("outbox", b, "CTWO"),
    ]
    assert store(redis_client).find_bot(enterprise_id=None, team_id=b) is not None


def test_a_purge_takes_the_team_out_of_the_home_tabs_index(redis_client: RedisClient) -> None:
    a, b = new_id("T"), new_id("T")
    for per_team in (True, False):
        index = DueIndex(redis_client, "home", per_team=per_team)
        for team in (a, b):
            index.signal(index.shard(team, "home"), [team], 1, wake=True)
    purge_team(redis_client, a)
    for per_team in (True, False):
        index = DueIndex(redis_client, "home", per_team=per_team)
        assert [m for m, _ in index.members(index.shard(a, "home"), 100)] in ([], [b])
        assert b in [m for m, _ in index.members(index.shard(b, "home"), 100)]
    own = DueIndex(redis_client, "home", per_team=True)
    assert redis_client.exists(own.due_key(own.shard(a, "home"))) == 0
