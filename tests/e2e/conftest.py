"""A Slack workspace (the simulator) and the real bot behind its real HTTP server.

Each test gets its own team id, so it shares the Redis server with other tests without
sharing any key, and the bot's dispatcher serves only that team.

The ``workspace`` fixture refills Slack's rate-limit buckets ``QUICK`` times as fast, the
simulator's and the bot's alike (``tests.support.pacing``): the same buckets and the same
waits on them, in less wall time. A test marked ``slack_pacing`` (one that checks pacing:
edits a second apart, 429s, Retry-After) gets Slack's real rates.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

import pytest
import redis

from bot.demo_scheduled import Clock
from bot.slack.budget import SlackBudget
from bot.slack.main import Bot
from slacksim import RateLimits, SlackLimits, SlackSimulator
from tests.support.pacing import QUICK, quickened_budget
from tests.support.stopping import stop_promptly

SECRET = "e2e-signing-secret"
TOKEN = "xoxb-e2e-token"
PEOPLE = {
    "U_ANA": ("ana", "America/Los_Angeles"),
    "U_BEN": ("ben", "Europe/Berlin"),
    "U_CHLOE": ("chloe", "Asia/Kolkata"),
    "U_DEV": ("dev", "Pacific/Auckland"),
    "U_EMI": ("emi", "Europe/Berlin"),
}


@dataclass
class Workspace:
    sim: SlackSimulator
    bot: Bot
    channel: str
    team_id: str


@contextmanager
def open_workspace(
    redis_url: str,
    *,
    unlimited: bool = False,
    limits: SlackLimits | None = None,
    app_token: str | None = None,
    dispatch_threads: int = 8,
    rate_scale: float = 1.0,
) -> Iterator[Workspace]:
    """The simulator with ``PEOPLE`` in ``#delivery`` and the real bot serving it: over
    HTTP, or in Socket Mode with ``app_token``. ``unlimited``: no Slack rate limits on
    either side; ``limits``: the simulator's content and trigger limits;
    ``dispatch_threads``: the bot's dispatcher workers; ``rate_scale``: Slack's buckets
    (the simulator's and the bot's own) refill that many times as fast."""
    team_id = f"T{uuid.uuid4().hex[:10].upper()}"
    with SlackSimulator(
        signing_secret=SECRET,
        bot_token=TOKEN,
        app_token=app_token or "xapp-unused",  # only Socket Mode asks for it
        team_id=team_id,
        rate_limits=RateLimits.disabled() if unlimited else RateLimits.slack(rate_scale=rate_scale),
        limits=limits,
    ) as sim:
        for user_id, (name, tz) in PEOPLE.items():
            sim.add_user(user_id, name, tz=tz)
        channel = sim.add_channel("#delivery", members=list(PEOPLE)).id
        client = redis.Redis.from_url(redis_url)
        bot = Bot(
            client,
            token=TOKEN,
            signing_secret="" if app_token else SECRET,
            api_url=sim.api_url,
            teams=frozenset({team_id}),
            budget=SlackBudget.unlimited(client)
            if unlimited
            else quickened_budget(client, team_id, rate_scale)
            if rate_scale != 1.0
            else None,
            dispatch_threads=dispatch_threads,
        )
        if app_token is None:
            sim.set_bot_endpoint(bot.start_http() + "/slack/events")
        else:
            bot.start_socket_mode(app_token)
            bot.start_dispatchers()
            sim.socket_mode.wait_connected()
        try:
            yield Workspace(sim=sim, bot=bot, channel=channel, team_id=team_id)
        finally:
            stop_promptly(bot)
            client.close()


@pytest.fixture
def workspace(redis_url: str, request: pytest.FixtureRequest) -> Iterator[Workspace]:
    """``indirect`` parameter ``{"unlimited": True}``: no Slack rate limits on either side.
    Slack's buckets refill ``QUICK`` times as fast unless the test is marked ``slack_pacing``."""
    real = request.node.get_closest_marker("slack_pacing") is not None
    with open_workspace(
        redis_url,
        unlimited=bool(getattr(request, "param", {}).get("unlimited")),
        rate_scale=1.0 if real else QUICK,
    ) as ws:
        yield ws


#: A clock that stands still until a test sets it, read from any thread (the one
#: ``storymap demo --scheduled`` runs on).
FakeClock = Clock


@dataclass
class ClockedWorld:
    """The simulator and ``bots`` (replicas sharing one Redis) behind it, all reading
    one fake ``clock``."""

    sim: SlackSimulator
    clock: FakeClock
    bots: list[Bot]
    channel: str


def clocked_bots(sim: SlackSimulator, clock: FakeClock, clients: list[redis.Redis]) -> list[Bot]:
    """One bot per client (replicas of one store) reading ``clock``, served over HTTP in
    turn behind ``sim``; Slack's buckets refill ``QUICK`` times as fast."""
    team_id = sim.identity.team_id
    bots = [
        Bot(
            client,
            token=sim.identity.bot_token,
            signing_secret=sim.driver.signing_secret,
            api_url=sim.api_url,
            teams=frozenset({team_id}),
            clock=clock,
            budget=quickened_budget(client, team_id, QUICK),
        )
        for client in clients
    ]
    sim.set_bot_endpoints(bot.start_http() + "/slack/events" for bot in bots)
    return bots


@contextmanager
def clocked_world(
    redis_url: str,
    *,
    people: Mapping[str, tuple[str, str]],
    start: datetime,
    team_prefix: str,
    replicas: int = 1,
) -> Iterator[ClockedWorld]:
    """``people`` (user id: name, time zone) in ``#delivery``, served over HTTP by
    ``replicas`` bots taking requests in turn; the clock starts at ``start`` and is Slack's
    clock too (status expiry, snoozes). The team id starts with ``team_prefix``. Slack's
    buckets refill ``QUICK`` times as fast, as in ``workspace``."""
    team_id = f"{team_prefix}{uuid.uuid4().hex[:8].upper()}"
    clock = FakeClock(start)
    with SlackSimulator(team_id=team_id, rate_limits=RateLimits.slack(rate_scale=QUICK)) as sim:
        sim.set_clock(lambda: clock().timestamp())
        for user_id, (name, tz) in people.items():
            sim.add_user(user_id, name, tz=tz)
        channel = sim.add_channel("#delivery", members=list(people)).id
        clients = [redis.Redis.from_url(redis_url) for _ in range(replicas)]
        bots = clocked_bots(sim, clock, clients)
        try:
            yield ClockedWorld(sim=sim, clock=clock, bots=bots, channel=channel)
        finally:
            for bot in bots:
                stop_promptly(bot)
            for client in clients:
                client.close()
