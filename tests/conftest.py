"""Fixtures shared by every test module: one Redis-protocol server per session.

Rules: tests get a real server, ``REDIS_URL`` when set (e.g. CI's Debian redis-server)
or else an embedded server in a temporary dir. That server may be shared with other
users, so tests never FLUSHALL/FLUSHDB: each test isolates its data under its own
``team_id``.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import redis

from bot.store.embedded import EmbeddedServer


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    external = os.environ.get("REDIS_URL")
    if external:
        yield external
        return
    with EmbeddedServer(tmp_path_factory.mktemp("store")) as server:
        yield server.url


@pytest.fixture
def redis_client(redis_url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url, decode_responses=False)
    try:
        yield client
    finally:
        client.close()


@pytest.fixture
def team_id() -> str:
    """A Slack-like team id no other test (or earlier run) uses."""
    return f"T{uuid.uuid4().hex.upper()}"
