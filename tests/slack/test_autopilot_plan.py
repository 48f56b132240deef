"""Planning a schedule from where the channel's members are (``Autopilot.plan``).

A unit test of one method: Slack's answers come from a stand-in for the performer's
call (members, and ``users.info`` per person); the store and the zone cache are a real
server's.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

import pytest
import redis
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from bot.domain import commands as c
from bot.domain import fair
from bot.service import WorkshopService
from bot.slack import autopilot
from bot.slack.autopilot import Autopilot
from bot.slack.jobs import JobRunner
from bot.store.keys import tz_key
from bot.store.workshops import WorkshopStore

pytestmark = pytest.mark.store
C = "CPLAN"
NOW = datetime(2026, 11, 30, 16, tzinfo=UTC)
ZONES = {
    "UANA": "America/Los_Angeles",
    "UBEN": "Europe/Berlin",
    "UCHLOE": "Asia/Kolkata",
    "UDEV": "Pacific/Auckland",
    "UEMI": "Europe/Berlin",
}


class Slack:
    """What Slack answers: the channel's members (the bot among them) and each profile;
    ``UGONE`` cannot be read (``user_not_found``)."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def __call__(self, method: str, **args: object) -> dict[str, object]:
        if method == "conversations_members":
            return {"members": [*ZONES, "UBOT", "UGONE"]}
        assert method == "users_info"
        user = str(args["user"])
        self.asked.append(user)
        if user == "UGONE":
            response = SlackResponse(
                client=None,
                http_verb="POST",
                api_url="users.info",
                req_args={},
                data={"ok": False, "error": "user_not_found"},
                headers={},
                status_code=200,
            )
            raise SlackApiError("user_not_found", response)  # type: ignore[no-untyped-call]
        return {"user": {"id": user, "tz": ZONES[user]}}


class Jobs:
    def bot_user(self, team_id: str) -> str:
        return "UBOT"


def planner(client: redis.Redis, slack: Slack) -> tuple[Autopilot, WorkshopService]:
    service = WorkshopService(WorkshopStore(client), lambda: NOW)
    return Autopilot(cast(JobRunner, Jobs()), client, service, slack), service


def started(service: WorkshopService, team: str) -> Any:
    service.handle(team, C, "UANA", c.Start(team_id=team, channel_id=C, over=10))
    return service.current(team, C)


def test_the_schedule_is_planned_from_every_members_zone_but_the_bots(
    redis_client: redis.Redis, team_id: str
) -> None:
    slack = Slack()
    pilot, service = planner(redis_client, slack)
    pilot.plan(started(service, team_id), 10)
    w = service.current(team_id, C)
    assert w is not None
    assert w.schedule is not None
    # Everyone but the bot and the one whose profile cannot be read.
    assert w.schedule.zones == fair.zones_of(ZONES.values())
    assert w.schedule.facilitator_tz == "America/Los_Angeles"
    assert tuple(w.schedule.deadlines.values()) == fair.spread(
        NOW, 10, fair.zones_of(ZONES.values()), "America/Los_Angeles"
    )
    assert "UBOT" not in slack.asked
    # Zones are cached: planning again asks Slack only about who could not be read.
    slack.asked.clear()
    pilot.plan(w, 10)
    assert slack.asked == ["UGONE"]


def test_past_the_limit_only_zones_already_known_count(
    redis_client: redis.Redis, team_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(autopilot, "MAX_ASKED", 2)  # the first two members are asked
    redis_client.set(tz_key(team_id, "UEMI"), "Europe/Berlin")  # known already
    slack = Slack()
    pilot, service = planner(redis_client, slack)
    pilot.plan(started(service, team_id), 10)
    w = service.current(team_id, C)
    assert w is not None
    assert w.schedule is not None
    assert w.schedule.zones == fair.zones_of(
        ["America/Los_Angeles", "Europe/Berlin", "Europe/Berlin"]
    )
    # Asked: the first two members, and the facilitator (first of them, cached by then).
    assert slack.asked == ["UANA", "UBEN"]
