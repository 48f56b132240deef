"""Redis stopped mid-workshop: clear answers, 503 health, nothing lost, recovery by itself."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import redis

from bot.slack.errors import UNAVAILABLE
from bot.slack.main import Bot
from bot.store.embedded import EmbeddedServer
from slacksim import RateLimits, SlackSimulator

pytestmark = [pytest.mark.slow]


def health(base: str) -> int:
    try:
        with urllib.request.urlopen(f"{base}/healthz", timeout=5) as answer:  # noqa: S310
            return int(answer.status)
    except urllib.error.HTTPError as failure:
        failure.close()
        return int(failure.code)


def test_storage_down_and_back(tmp_path: Path) -> None:
    data = tmp_path / "data"
    server = EmbeddedServer(data)
    url = server.start()
    client = redis.Redis.from_url(url, socket_timeout=2)
    with SlackSimulator(team_id="TFAULTS", rate_limits=RateLimits.slack()) as sim:
        for user in ("U_ANA", "U_BEN"):
            sim.add_user(user)
        channel = sim.add_channel("#faults", members=["U_ANA", "U_BEN"]).id
        bot = Bot(
            client,
            token=sim.identity.bot_token,
            signing_secret=sim.driver.signing_secret,
            api_url=sim.api_url,
            teams=frozenset({"TFAULTS"}),
        )
        base = bot.start_http()
        sim.set_bot_endpoint(f"{base}/slack/events")
        ana = sim.user("U_ANA")
        try:
            assert ana.slash(channel, "/storymap", "start Tracking").ok
            assert ana.slash(channel, "/storymap", "persona Dispatcher").ok
            prompt = sim.wait_for(
                lambda: next((m for m in sim.bot_messages(channel) if "persona" in m.text), None)
            )
            assert prompt is not None
            assert health(base) == 200

            server.stop()
            down = ana.slash(channel, "/storymap", "next")
            assert down.ok, "answered in time, not a Slack timeout"
            assert down.shown is not None
            assert down.shown.text == UNAVAILABLE
            assert health(base) == 503
            # A thread reply while storage is down is not acknowledged: Slack will retry it.
            reply = sim.user("U_BEN").reply(channel, prompt.ts, "Operations Manager")
            assert reply.status == 503

            server = EmbeddedServer(data)
            server.start()
            sim.wait_for(lambda: health(base) == 200, message="healthy again")
            retried = sim.driver.retry(reply, retry_num=1, reason="http_error")
            assert retried.ok
            assert ana.slash(channel, "/storymap", "next").shown is not None
            workshop = bot.store.load("TFAULTS", channel)
            assert workshop is not None
            # Everything acknowledged before the outage survived, and the retried reply
            # landed after it.
            assert workshop.title == "Tracking"
            assert workshop.persona is not None
            assert workshop.persona.text == "Operations Manager"
            assert workshop.stage.value == "activities"
            sim.wait_for(
                lambda: "Activities" in json.dumps(sim.bot_messages(channel)[0].blocks),
                message="the dispatcher carrying on by itself",
            )
        finally:
            bot.stop()
            client.close()
            server.stop()
