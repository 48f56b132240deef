"""``LOG_FORMAT=json``: ``storymap run`` as a process writes one JSON object per line,
with the context fields where known, and never its bot token."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from slacksim import RateLimits, SlackSimulator
from tests.cli.test_cli import SLACK_VARS, STORYMAP, free_port
from tests.support.serving import wait_healthy

TOKEN = "xoxb-4242-4242-never-in-a-log-line"
SECRET = "json-logs-signing-secret"
FIELDS = {"time", "level", "logger", "message"}
KNOWN = FIELDS | {"team", "channel", "workshop", "effect", "status", "exception"}


@pytest.mark.store
@pytest.mark.slow
def test_run_logs_one_json_object_per_line_without_the_token(redis_url: str) -> None:
    team_id = f"TJSON{time.time_ns() % 10**9}"
    with SlackSimulator(
        team_id=team_id, bot_token=TOKEN, signing_secret=SECRET, rate_limits=RateLimits.slack()
    ) as sim:
        sim.add_user("U_ANA", "ana")
        channel = sim.add_channel("#json", members=["U_ANA"]).id
        port = free_port()
        env = {
            **{k: v for k, v in os.environ.items() if k not in SLACK_VARS},
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": sim.api_url,
            "REDIS_URL": redis_url,
            "PORT": str(port),
            "LOG_FORMAT": "json",
            # Libraries' debug lines too (the Web API client's requests among them).
            "STORYMAP_LOG_LEVEL": "DEBUG",
        }
        process = subprocess.Popen(
            [*STORYMAP, "run"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        base = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(base)
            sim.set_bot_endpoint(f"{base}/slack/events")
            # The board's first post fails once: the dispatcher logs it with its context.
            sim.fail("chat.postMessage", error="internal_error", times=1)
            assert sim.user("U_ANA").slash(channel, "/storymap", "start Tracking").ok
            assert sim.wait_for(lambda: sim.bot_messages(channel) or None, timeout=20)
            unsigned = urllib.request.Request(  # noqa: S310
                f"{base}/slack/events", data=b"token=x", method="POST"
            )
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(unsigned, timeout=5)  # noqa: S310
            assert refused.value.code == 401
            refused.value.close()
        finally:
            process.send_signal(signal.SIGTERM)
            stdout, stderr = process.communicate(timeout=15)
    assert process.returncode == 0, stderr.decode(errors="replace")
    assert stdout == b""
    text = stderr.decode()
    assert TOKEN not in text
    assert "4242-never-in-a-log-line" not in text
    lines = [json.loads(line) for line in text.splitlines()]
    assert len(lines) > 5
    for line in lines:
        assert isinstance(line, dict)
        assert FIELDS <= set(line) <= KNOWN, line
    failed = [line for line in lines if "will retry" in line["message"]]
    assert len(failed) == 1
    assert failed[0]["level"] == "WARNING"
    assert (failed[0]["team"], failed[0]["channel"], failed[0]["workshop"]) == (
        team_id,
        channel,
        1,
    )
    assert "open_stage" in failed[0]["effect"].split(",")
    refusals = [line for line in lines if line["message"].startswith("refused a request")]
    assert [(r["logger"], r["status"]) for r in refusals] == [("bot.slack.http", 401)]
