"""The store misbehaving under the real app: frozen, full or read-only.

Each test runs its own embedded server (never the session's shared one), so stopping it
or filling it up disturbs no other test.
"""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from bot.config import StoreSettings, load
from bot.slack.errors import UNAVAILABLE
from bot.slack.http import http_server, wsgi_app
from bot.slack.main import Bot
from bot.store.connect import store_client
from bot.store.embedded import EmbeddedServer
from slacksim import RateLimits, SlackSimulator

pytestmark = [pytest.mark.slow]


def health(base: str) -> tuple[int, float]:
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(f"{base}/healthz", timeout=10) as answer:  # noqa: S310
            status = int(answer.status)
    except urllib.error.HTTPError as failure:
        failure.close()
        status = int(failure.code)
    return status, time.perf_counter() - started


@pytest.fixture
def server(tmp_path: Path) -> Iterator[EmbeddedServer]:
    embedded = EmbeddedServer(tmp_path / "data")
    embedded.start()
    try:
        yield embedded
    finally:
        pid = embedded.pid
        if pid is not None:
            os.kill(pid, signal.SIGCONT)
        embedded.stop()


@pytest.fixture
def production_client(
    server: EmbeddedServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[redis.Redis]:
    """The client ``storymap run`` makes for ``REDIS_URL``: its timeouts, its retries."""
    monkeypatch.setenv("REDIS_URL", server.url)
    with store_client(load(StoreSettings)) as client:
        assert isinstance(client, redis.Redis)
        yield client


def test_a_frozen_store_is_answered_within_slacks_three_seconds(
    server: EmbeddedServer, production_client: redis.Redis
) -> None:
    pid = server.pid
    assert pid is not None
    with SlackSimulator(team_id="TFROZEN", rate_limits=RateLimits.slack()) as sim:
        sim.add_user("U_ANA")
        channel = sim.add_channel("#frozen", members=["U_ANA"]).id
        bot = Bot(
            production_client,
            token=sim.identity.bot_token,
            signing_secret=sim.driver.signing_secret,
            api_url=sim.api_url,
            teams=frozenset({"TFROZEN"}),
        )
        base = bot.start_http()
        sim.set_bot_endpoint(f"{base}/slack/events")
        ana = sim.user("U_ANA")
        try:
            assert ana.slash(channel, "/storymap", "start Tracking").ok
            os.kill(pid, signal.SIGSTOP)
            try:
                frozen = ana.slash(channel, "/storymap", "next")
                assert not frozen.timed_out, "Slack gave up before the bot answered"
                assert frozen.elapsed < 2.5
                assert frozen.shown is not None
                assert frozen.shown.text == UNAVAILABLE
                status, took = health(base)
                assert status == 503
                assert took < 2.5
            finally:
                os.kill(pid, signal.SIGCONT)
            sim.wait_for(lambda: health(base)[0] == 200, message="healthy again")
            back = ana.slash(channel, "/storymap", "status")
            assert back.ok
            assert back.shown is not None
            assert "Tracking" in back.shown.text
        finally:
            bot.stop()


@pytest.fixture
def health_url(production_client: redis.Redis) -> Iterator[str]:
    httpd = http_server(wsgi_app(None, production_client), host="127.0.0.1", port=0)
    thread = threading.Thread(target=httpd.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.effective_port}"  # type: ignore[union-attr]
    finally:
        httpd.close()
        thread.join(5)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_healthz_is_503_when_the_store_is_full_or_read_only(
    production_client: redis.Redis, health_url: str
) -> None:
    admin = production_client
    assert health(health_url)[0] == 200
    admin.config_set("maxmemory-policy", "noeviction")
    admin.config_set("maxmemory", "1")
    try:
        assert admin.ping(), "PING still passes: a ping is not a health check"
        assert health(health_url)[0] == 503
    finally:
        admin.config_set("maxmemory", "0")
    assert health(health_url)[0] == 200

    admin.replicaof("127.0.0.1", str(closed_port()))
    try:
        assert admin.ping()
        assert health(health_url)[0] == 503
    finally:
        admin.replicaof("NO", "ONE")
    assert health(health_url)[0] == 200
