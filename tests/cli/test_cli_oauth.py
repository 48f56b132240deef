"""``storymap run`` in OAuth mode, as an operator starts it: a real process, real variables."""

from __future__ import annotations

import os
import signal
import subprocess
import uuid

import pytest

from slacksim import RateLimits, SlackCloud
from tests.cli.test_cli import SLACK_VARS, STORYMAP, free_port, storymap
from tests.support.serving import wait_healthy

OAUTH_VARS = ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "STORYMAP_TOKEN_KEY", "SLACK_REDIRECT_URI")


def test_oauth_with_socket_mode_is_refused_in_one_line() -> None:
    done = storymap(
        "run",
        env={
            "SLACK_CLIENT_ID": "1.2",
            "SLACK_CLIENT_SECRET": "client-secret",
            "SLACK_APP_TOKEN": "xapp-1",
        },
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("storymap: SLACK_APP_TOKEN is set with SLACK_CLIENT_ID")


@pytest.mark.store
@pytest.mark.slow
def test_run_installs_through_oauth_and_serves_the_workspace(redis_url: str) -> None:
    team = f"T{uuid.uuid4().hex[:10].upper()}"
    with SlackCloud(
        signing_secret="run-signing",
        client_id="77.88",
        client_secret="run-client-secret",
        rate_limits=RateLimits.disabled(),
    ) as cloud:
        sim = cloud.add_workspace(team)
        sim.add_user("U_ANA", "ana")
        channel = sim.add_channel("#run", members=["U_ANA"]).id
        port = free_port()
        env = {
            **{k: v for k, v in os.environ.items() if k not in (*SLACK_VARS, *OAUTH_VARS)},
            "SLACK_CLIENT_ID": "77.88",
            "SLACK_CLIENT_SECRET": "run-client-secret",
            "SLACK_SIGNING_SECRET": "run-signing",
            "SLACK_API_URL": cloud.api_url,
            "REDIS_URL": redis_url,
            "PORT": str(port),
            "STORYMAP_LOG_LEVEL": "DEBUG",
        }
        process = subprocess.Popen(
            [*STORYMAP, "run"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        base = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(base)
            cloud.set_app_url(base)
            page = cloud.install(team)
            assert page.status == 200, page.body
            delivery = sim.user("U_ANA").slash(channel, "/storymap", "start Tracking")
            assert delivery.ok
            board = sim.wait_for(lambda: sim.bot_messages(channel) or None, message="the board")
            assert board is not None
            assert "Tracking" in board[0].text
            assert cloud.wrong_token_calls() == []
            assert {call.token_team for call in cloud.calls} == {team}
        finally:
            process.send_signal(signal.SIGTERM)
            output, _ = process.communicate(timeout=15)
        log = output.decode(errors="replace")
        assert process.returncode == 0, log
        assert "GET /slack/install" in log
        # Even at DEBUG, the workspace's token appears in no log line.
        assert cloud.token_of(team) not in log
