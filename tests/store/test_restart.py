"""The embedded server stopped and started again on the same data dir keeps the workshop."""

from __future__ import annotations

from pathlib import Path

import pytest
import redis

from bot.domain import commands as c
from bot.service import WorkshopService
from bot.store.embedded import EmbeddedServer
from bot.store.workshops import WorkshopStore
from tests.builders import SEED_BACKBONE, SEED_PERSONA

pytestmark = pytest.mark.store


def test_workshop_survives_a_restart_of_the_embedded_server(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with EmbeddedServer(data) as server:
        client = redis.Redis.from_url(server.url)
        service = WorkshopService(WorkshopStore(client))
        assert service.handle("T1", "C1", "UANA", c.Start(team_id="T1", channel_id="C1")).ok
        assert service.handle("T1", "C1", "UBEN", c.SetPersona(text=SEED_PERSONA)).ok
        assert service.handle("T1", "C1", "UANA", c.Next()).ok
        for name in SEED_BACKBONE:
            assert service.handle("T1", "C1", "UBEN", c.AddActivity(text=name)).ok
        before = service.store.load("T1", "C1")
        client.close()
    with EmbeddedServer(data) as server:
        client = redis.Redis.from_url(server.url)
        after = WorkshopStore(client).load("T1", "C1")
        client.close()
    assert after is not None
    assert after == before
    assert [a.text for a in after.activities] == list(SEED_BACKBONE)
