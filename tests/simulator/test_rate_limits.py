"""Per-method token buckets: 429 with Retry-After, per-channel posting, configurability."""

from __future__ import annotations

import time

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from slacksim import Limit, RateLimits, SlackSimulator
from slacksim.ratelimit import RateLimiter


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_slack_defaults_follow_the_tiers() -> None:
    limits = RateLimits.slack()
    assert limits.limit_for("pins.add") == Limit(20, 20)
    assert limits.limit_for("chat.update") == Limit(50, 50)
    assert limits.limit_for("users.info") == Limit(100, 100)
    assert limits.limit_for("chat.postMessage") == Limit(60, 5)
    assert RateLimits.slack(burst_scale=0.5).limit_for("chat.update") == Limit(50, 25)
    assert RateLimits.disabled().limit_for("pins.add") is None


def test_a_rate_scale_refills_faster_and_keeps_slacks_capacities() -> None:
    quick = RateLimits.slack(rate_scale=5)
    assert quick.limit_for("pins.add") == Limit(100, 20)
    assert quick.limit_for("chat.postMessage") == Limit(300, 5)
    clock = FakeClock()
    limiter = RateLimiter(quick, clock)
    for _ in range(5):  # Slack's burst of five posts in a channel, no more
        assert limiter.retry_after("chat.postMessage", "C1") is None
    assert limiter.retry_after("chat.postMessage", "C1") == 1
    clock.now += 0.2  # a fifth of Slack's second brings a token back
    assert limiter.retry_after("chat.postMessage", "C1") is None
    assert limiter.retry_after("chat.postMessage", "C1") == 1
    with pytest.raises(ValueError, match="rate_scale"):
        RateLimits.slack(rate_scale=0)


def test_bucket_refills_at_the_tier_rate() -> None:
    clock = FakeClock()
    limiter = RateLimiter(RateLimits().with_method("pins.add", per_minute=20, burst=2), clock)
    assert limiter.retry_after("pins.add", None) is None
    assert limiter.retry_after("pins.add", None) is None
    assert limiter.retry_after("pins.add", None) == 3  # one token every 3 s
    clock.now += 2.0
    assert limiter.retry_after("pins.add", None) == 1
    clock.now += 1.0
    assert limiter.retry_after("pins.add", None) is None
    assert limiter.retry_after("users.info", None) is None  # not configured: unlimited


def test_post_message_is_limited_per_channel() -> None:
    clock = FakeClock()
    limiter = RateLimiter(RateLimits().with_method("chat.postMessage", 60, burst=1), clock)
    assert limiter.retry_after("chat.postMessage", "C1") is None
    assert limiter.retry_after("chat.postMessage", "C1") == 1
    assert limiter.retry_after("chat.postMessage", "C2") is None


def test_http_429_with_retry_after(sim: SlackSimulator, client: WebClient, team: str) -> None:
    sim.rate_limits = RateLimits.slack().with_method("chat.update", per_minute=6, burst=2)
    ts = client.chat_postMessage(channel=team, text="board")["ts"]
    client.chat_update(channel=team, ts=ts, text="1")
    client.chat_update(channel=team, ts=ts, text="2")
    with pytest.raises(SlackApiError) as caught:
        client.chat_update(channel=team, ts=ts, text="3")
    response = caught.value.response
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "10"
    assert response.data == {"ok": False, "error": "ratelimited"}
    assert sim.calls["chat.update"] == 3
    assert sim.rate_limited == {"chat.update": 1}
    message = sim.message("team", ts)
    assert message is not None
    assert message.text == "2"  # the refused call changed nothing


def test_post_message_burst_then_429_per_channel(sim: SlackSimulator, client: WebClient) -> None:
    sim.add_channel("other", ["U_ANA"])
    team, other = sim.channel("team").id, sim.channel("other").id
    for n in range(5):
        client.chat_postMessage(channel=team, text=f"{n}")
    with pytest.raises(SlackApiError) as caught:
        client.chat_postMessage(channel=team, text="one too many")
    assert caught.value.response.status_code == 429
    assert int(caught.value.response.headers["Retry-After"]) >= 1
    assert client.chat_postMessage(channel=other, text="another channel")["ok"]


def test_limits_can_be_disabled() -> None:
    with SlackSimulator(rate_limits=RateLimits.disabled()) as free:
        free.add_channel("c")
        client = WebClient(token=free.identity.bot_token, base_url=free.api_url)
        channel = free.channel("c").id
        for n in range(30):
            client.chat_postMessage(channel=channel, text=f"{n}")
        assert free.calls["chat.postMessage"] == 30
        assert free.rate_limited == {}


def test_invalid_limits_are_refused() -> None:
    with pytest.raises(ValueError, match="burst"):
        Limit(per_minute=10, burst=0.5)


def test_slack_sdk_retry_handler_honours_retry_after(sim: SlackSimulator, team: str) -> None:
    sim.rate_limits = RateLimits.slack().with_method("chat.postMessage", per_minute=60, burst=1)
    client = WebClient(token=sim.identity.bot_token, base_url=sim.api_url)
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=1))
    client.chat_postMessage(channel=team, text="first")
    started = time.monotonic()
    assert client.chat_postMessage(channel=team, text="second, after waiting")["ok"]
    assert time.monotonic() - started >= 1.0
    assert sim.rate_limited == {"chat.postMessage": 1}
    assert sim.calls["chat.postMessage"] == 3
