"""Faults planned by a test: HTTP and Slack errors on chosen calls, archived channels."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from slacksim import RateLimits, SlackSimulator


def test_planned_faults_answer_the_next_calls_then_stop() -> None:
    with SlackSimulator(rate_limits=RateLimits.disabled()) as sim:
        channel = sim.add_channel("#faults").id
        client = WebClient(token=sim.identity.bot_token, base_url=sim.api_url)
        sim.fail("chat.postMessage", status=503, times=1)
        sim.fail("chat.postMessage", error="internal_error", times=1)
        with pytest.raises(SlackApiError) as first:
            client.chat_postMessage(channel=channel, text="one")
        assert first.value.response.status_code == 503
        assert first.value.response["error"] == "service_unavailable"
        with pytest.raises(SlackApiError) as second:
            client.chat_postMessage(channel=channel, text="two")
        assert (second.value.response.status_code, second.value.response["error"]) == (
            200,
            "internal_error",
        )
        assert client.chat_postMessage(channel=channel, text="three")["ok"]
        assert [m.text for m in sim.bot_messages(channel)] == ["three"]
        assert sim.faults.answered == {"chat.postMessage": 2}
        with pytest.raises(ValueError, match="HTTP error status or a Slack error"):
            sim.fail("pins.add")


def test_an_archived_channel_refuses_writes_but_can_be_read() -> None:
    with SlackSimulator(rate_limits=RateLimits.disabled()) as sim:
        channel = sim.add_channel("#old").id
        client = WebClient(token=sim.identity.bot_token, base_url=sim.api_url)
        posted = client.chat_postMessage(channel=channel, text="before")
        sim.archive_channel("#old")
        ts = str(posted["ts"])
        with pytest.raises(SlackApiError) as refused:
            client.chat_postMessage(channel=channel, text="after")
        assert refused.value.response["error"] == "is_archived"
        with pytest.raises(SlackApiError) as refused:
            client.pins_add(channel=channel, timestamp=ts)
        assert refused.value.response["error"] == "is_archived"
        with pytest.raises(SlackApiError) as refused:
            client.reactions_add(channel=channel, timestamp=ts, name="x")
        assert refused.value.response["error"] == "is_archived"
        assert client.conversations_info(channel=channel)["ok"]
