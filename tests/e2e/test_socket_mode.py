"""The seed workshop in Socket Mode: the real bot connects to the simulator's WebSocket
with an app-level token, and every request (slash commands, clicks, modals, thread
replies, reactions) reaches it as an envelope and is answered by an ack.

Also ``storymap run`` itself with ``SLACK_APP_TOKEN`` set and no signing secret, as a
first-time user starts it.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.demo import Scenario
from slacksim import SlackSimulator
from tests.e2e.conftest import TOKEN, Workspace, open_workspace
from tests.e2e.test_workshop import check_seed_map
from tests.support.pacing import QUICK

pytestmark = [pytest.mark.store, pytest.mark.slow]

APP_TOKEN = "xapp-1-e2e-app-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def socket_workspace(redis_url: str) -> Iterator[Workspace]:
    # The transport is the subject here, not pacing: Slack's buckets refill faster.
    with open_workspace(redis_url, app_token=APP_TOKEN, rate_scale=QUICK) as ws:
        yield ws


def test_the_seed_workshop_end_to_end_in_socket_mode(socket_workspace: Workspace) -> None:
    sim, channel = socket_workspace.sim, socket_workspace.channel
    pinned_ts = Scenario(sim, channel).run()

    # Every request went over the socket, was acknowledged in time, and none over HTTP.
    deliveries = sim.driver.deliveries
    assert {d.kind for d in deliveries} >= {
        "slash_command",
        "block_actions",
        "view_submission",
        "event_callback",
    }
    assert all(d.envelope_id is not None and d.ok for d in deliveries), [
        (d.kind, d.ack_error) for d in deliveries if not d.ok
    ]
    envelopes = sim.socket_mode.envelopes
    assert len(envelopes) == len(deliveries)
    assert all(e.acked and e.retry_attempt == 0 for e in envelopes)
    assert {e.type for e in envelopes} == {"slash_commands", "interactive", "events_api"}
    assert max(e.elapsed for e in envelopes) < 1.0
    assert sim.calls["apps.connections.open"] == 1

    check_seed_map(sim, channel, pinned_ts)


def test_storymap_run_serves_socket_mode_with_only_an_app_token(
    redis_url: str, tmp_path: Path
) -> None:
    team_id = f"T{uuid.uuid4().hex[:10].upper()}"
    with SlackSimulator(bot_token=TOKEN, app_token=APP_TOKEN, team_id=team_id) as sim:
        sim.add_user("U_ANA", "ana")
        channel = sim.add_channel("#delivery", members=["U_ANA"]).id
        env = {
            **os.environ,
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_APP_TOKEN": APP_TOKEN,
            "SLACK_API_URL": sim.api_url,
            "REDIS_URL": redis_url,
            "PORT": str(port := free_port()),
        }
        env.pop("SLACK_SIGNING_SECRET", None)
        log = tmp_path / "run.log"
        with log.open("wb") as sink:
            process = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "run"], env=env, stdout=sink, stderr=sink
            )
        try:
            sim.socket_mode.wait_connected(timeout=30)
            delivery = sim.user("U_ANA").slash(channel, "/storymap", "start Tracking")
            assert delivery.ok, log.read_text(errors="replace")
            assert delivery.envelope_id is not None
            sim.wait_for(
                lambda: any("Tracking" in m.text for m in sim.bot_messages(channel)),
                timeout=15,
                message="the board, posted by the outbox dispatcher",
            )
            # /metrics is served beside /healthz; the performer's calls are counted.
            scrape = f"http://127.0.0.1:{port}/metrics"
            with urllib.request.urlopen(scrape, timeout=10) as answer:
                text = answer.read().decode()
            posted = 'storymap_slack_calls_total{error="ok",method="chat.postMessage"}'
            assert any(
                line.startswith(posted) and not line.endswith(" 0.0") for line in text.splitlines()
            )
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=20)
