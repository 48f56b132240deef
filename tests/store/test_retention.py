"""Retention: a refused command leaves no trace; a finished workshop expires."""

from __future__ import annotations

import pytest
import redis

from bot.config import ConfigError, StoreSettings, load
from bot.domain import commands as c
from bot.service import WorkshopService
from bot.slack.refs import Refs
from bot.store.keys import Keys, team_channels_key
from bot.store.workshops import WorkshopStore

pytestmark = pytest.mark.store


def test_a_refused_command_where_no_workshop_exists_registers_no_channel(
    redis_url: str, team_id: str
) -> None:
    client = redis.Redis.from_url(redis_url)
    service = WorkshopService(WorkshopStore(client))
    for command in (c.Next(), c.Publish(confirmed=True), c.SetPersona(text="Dispatcher")):
        assert not service.handle(team_id, "C1", "UANA", command).ok
    assert not service.handle(team_id, "C1", "UANA", c.CastVote(story_id="S1")).ok
    assert not client.sismember(team_channels_key(team_id), "C1")
    # A saved change registers it.
    service.handle(team_id, "C1", "UANA", c.Start(team_id=team_id, channel_id="C1"))
    assert client.sismember(team_channels_key(team_id), "C1")


@pytest.mark.parametrize("finish", [c.Cancel(), c.Publish(confirmed=True)])
def test_a_finished_workshop_archive_and_refs_expire_after_the_retention(
    redis_url: str, team_id: str, finish: c.Command
) -> None:
    client = redis.Redis.from_url(redis_url)
    service = WorkshopService(WorkshopStore(client, retention_days=3))
    keys = Keys(team_id, "C1")
    service.handle(team_id, "C1", "UANA", c.Start(team_id=team_id, channel_id="C1"))
    Refs(client, team_id, "C1", 1).set("board", "1700000000.000100")
    assert client.ttl(keys.refs(1)) == -1, "kept while the workshop is open"
    if isinstance(finish, c.Publish):
        service.handle(team_id, "C1", "UBEN", c.SetPersona(text="Dispatcher"))
        service.handle(team_id, "C1", "UANA", c.Next())
        service.handle(team_id, "C1", "UBEN", c.AddActivity(text="Track"))
        service.handle(team_id, "C1", "UANA", c.Next())
        service.handle(team_id, "C1", "UBEN", c.AddTask(activity_id="A1", text="View"))
        service.handle(team_id, "C1", "UANA", c.Next())
        service.handle(team_id, "C1", "UBEN", c.AddStory(task_id="T1", text="See"))
        service.handle(team_id, "C1", "UANA", c.Next())
        service.handle(team_id, "C1", "UANA", c.Next())
        service.handle(team_id, "C1", "UANA", c.DefineSlice(name="One", story_ids=("S1",)))
    reply = service.handle(team_id, "C1", "UANA", finish)
    assert reply.ok, reply.text
    three_days = 3 * 24 * 3600
    for key in (keys.archive, keys.refs(1)):
        assert three_days - 60 < client.ttl(key) <= three_days, key


def test_retention_days_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STORYMAP_RETENTION_DAYS", raising=False)
    assert load(StoreSettings).retention_days == 90
    monkeypatch.setenv("STORYMAP_RETENTION_DAYS", "7")
    assert load(StoreSettings).retention_days == 7
    monkeypatch.setenv("STORYMAP_RETENTION_DAYS", "0")
    with pytest.raises(ConfigError, match="STORYMAP_RETENTION_DAYS"):
        load(StoreSettings)
