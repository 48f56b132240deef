"""The ``storymap`` command as a user runs it: a real process, real environment variables."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from bot.domain import commands as c
from bot.service import WorkshopService
from bot.slack.http import wsgi_app
from bot.store.workshops import WorkshopStore
from slacksim import RateLimits, SlackSimulator
from tests.support.serving import wait_healthy

STORYMAP = [sys.executable, "-m", "bot.cli"]
SLACK_VARS = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_API_URL")


def storymap(
    *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in (*SLACK_VARS, "REDIS_URL", "PORT")}
    return subprocess.run(
        [*STORYMAP, *args],
        env={**base, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_help_lists_the_commands() -> None:
    done = storymap("--help")
    assert done.returncode == 0
    for command in ("run", "demo", "state"):
        assert command in done.stdout


def test_run_says_what_it_needs_in_one_line() -> None:
    done = storymap("run")
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("storymap: SLACK_BOT_TOKEN is missing")


def test_a_malformed_setting_names_the_variable() -> None:
    done = storymap("state", "T1", "C1", env={"REDIS_URL": "http://nope"})
    assert done.returncode == 2
    assert done.stderr.strip().startswith("storymap: REDIS_URL is malformed")
    assert "http://nope" not in done.stderr


@pytest.mark.store
def test_state_prints_the_workshop_as_json(redis_url: str, team_id: str) -> None:
    service = WorkshopService(WorkshopStore(redis.Redis.from_url(redis_url)))
    service.handle(team_id, "C1", "UANA", c.Start(team_id=team_id, channel_id="C1", title="Map"))
    service.handle(team_id, "C1", "UBEN", c.SetPersona(text="Dispatcher"))
    done = storymap("state", team_id, "C1", env={"REDIS_URL": redis_url})
    assert done.returncode == 0, done.stderr
    shown = json.loads(done.stdout)
    assert (shown["title"], shown["persona"]["text"], shown["stage"]) == (
        "Map",
        "Dispatcher",
        "persona",
    )
    missing = storymap("state", team_id, "C404", env={"REDIS_URL": redis_url})
    assert missing.returncode == 1
    assert f"no active workshop in {team_id}/C404" in missing.stderr


@pytest.fixture
def running_bot(redis_url: str, tmp_path: Path) -> Iterator[tuple[SlackSimulator, str, str]]:
    """``storymap run`` in HTTP mode, as a separate process, pointed at the simulator."""
    team_id = f"TRUN{time.time_ns() % 10**9}"
    with SlackSimulator(team_id=team_id, rate_limits=RateLimits.slack()) as sim:
        sim.add_user("U_ANA", "ana")
        channel = sim.add_channel("#run", members=["U_ANA"]).id
        port = free_port()
        env = {
            **{k: v for k, v in os.environ.items() if k not in SLACK_VARS},
            "SLACK_BOT_TOKEN": sim.identity.bot_token,
            "SLACK_SIGNING_SECRET": sim.driver.signing_secret,
            "SLACK_API_URL": sim.api_url,
            "REDIS_URL": redis_url,
            "PORT": str(port),
        }
        process = subprocess.Popen(
            [*STORYMAP, "run"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        base = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(base)
            sim.set_bot_endpoint(f"{base}/slack/events")
            yield sim, channel, base
        finally:
            process.send_signal(signal.SIGTERM)
            output, _ = process.communicate(timeout=15)
            assert process.returncode == 0, output.decode(errors="replace")


@pytest.mark.store
@pytest.mark.slow
def test_run_serves_slack_and_health_over_http(
    running_bot: tuple[SlackSimulator, str, str],
) -> None:
    sim, channel, base = running_bot
    with urllib.request.urlopen(f"{base}/healthz", timeout=5) as answer:  # noqa: S310
        assert answer.status == 200
        assert json.loads(answer.read()) == {"ok": True}
    delivery = sim.user("U_ANA").slash(channel, "/storymap", "start Tracking")
    assert delivery.ok
    assert delivery.shown is not None
    assert delivery.shown.text.startswith("Workshop “Tracking” started")
    board = sim.wait_for(lambda: sim.bot_messages(channel) or None, message="the board")
    assert board is not None
    assert "Tracking" in board[0].text
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(f"{base}/nope", timeout=5)  # noqa: S310
    assert missing.value.code == 404
    missing.value.close()


def test_healthz_is_503_when_storage_is_down() -> None:
    dead = redis.Redis(host="127.0.0.1", port=free_port(), socket_connect_timeout=0.2)
    statuses: list[str] = []
    body = b"".join(
        wsgi_app(None, dead)(
            {"PATH_INFO": "/healthz", "REQUEST_METHOD": "GET"},
            lambda status, headers: statuses.append(status),
        )
    )
    assert statuses == ["503 Service Unavailable"]
    assert json.loads(body) == {"ok": False, "error": "storage"}


@pytest.mark.store
@pytest.mark.slow
def test_a_separate_worker_performs_what_the_replicas_queue(redis_url: str) -> None:
    """A replica that only serves Slack (no dispatcher) and ``storymap worker`` beside it."""
    from bot.slack.main import Bot  # noqa: PLC0415 - the Slack stack, only for this test

    team_id = f"TWRK{time.time_ns() % 10**9}"
    with SlackSimulator(team_id=team_id, rate_limits=RateLimits.slack()) as sim:
        sim.add_user("U_ANA", "ana")
        channel = sim.add_channel("#work", members=["U_ANA"]).id
        client = redis.Redis.from_url(redis_url)
        serving = Bot(
            client,
            token=sim.identity.bot_token,
            signing_secret=sim.driver.signing_secret,
            api_url=sim.api_url,
            dispatch=False,
        )
        sim.set_bot_endpoint(serving.start_http() + "/slack/events")
        env = {
            **{k: v for k, v in os.environ.items() if k not in SLACK_VARS},
            "SLACK_BOT_TOKEN": sim.identity.bot_token,
            "SLACK_SIGNING_SECRET": sim.driver.signing_secret,
            "SLACK_API_URL": sim.api_url,
            "REDIS_URL": redis_url,
        }
        worker = subprocess.Popen(
            [*STORYMAP, "worker"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        try:
            assert sim.user("U_ANA").slash(channel, "/storymap", "start Tracking").ok
            board = sim.wait_for(
                lambda: sim.bot_messages(channel) or None, timeout=30, message="the board"
            )
            assert board is not None
            assert "Tracking" in board[0].text
        finally:
            worker.send_signal(signal.SIGTERM)
            output, _ = worker.communicate(timeout=15)
            serving.stop()
            client.close()
        assert worker.returncode == 0, output.decode(errors="replace")
