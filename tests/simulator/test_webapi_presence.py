"""People's status, presence and do-not-disturb, as the Web API answers them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from slacksim import SlackSimulator
from slacksim.errors import SimulatorError

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


def body(response: SlackResponse) -> dict[str, Any]:
    assert isinstance(response.data, dict)
    return response.data


@pytest.fixture
def clock(sim: SlackSimulator) -> list[datetime]:
    """Slack's clock, moved by the test: ``clock[0] = ...``."""
    now = [NOW]

    def slack_time() -> float:
        return now[0].timestamp()  # read at each call: the test moves it

    sim.set_clock(slack_time)
    return now


def test_a_status_shows_in_users_info_until_it_expires(
    client: WebClient, sim: SlackSimulator, clock: list[datetime]
) -> None:
    profile = client.users_info(user="U_BEN")["user"]["profile"]
    assert (profile["status_emoji"], profile["status_text"], profile["status_expiration"]) == (
        "",
        "",
        0,
    )
    until = NOW + timedelta(days=2)
    sim.set_status("U_BEN", emoji=":palm_tree:", text="Vacationing", expiration=until)
    profile = client.users_info(user="U_BEN")["user"]["profile"]
    assert profile["status_emoji"] == ":palm_tree:"
    assert profile["status_text"] == "Vacationing"
    assert profile["status_expiration"] == int(until.timestamp())
    clock[0] = until
    profile = client.users_info(user="U_BEN")["user"]["profile"]
    assert (profile["status_emoji"], profile["status_text"], profile["status_expiration"]) == (
        "",
        "",
        0,
    )
    sim.set_status("U_BEN", text="OOO")  # no expiration: stays
    clock[0] = NOW + timedelta(days=400)
    assert client.users_info(user="U_BEN")["user"]["profile"]["status_text"] == "OOO"
    sim.set_status("U_BEN")
    assert client.users_info(user="U_BEN")["user"]["profile"]["status_text"] == ""


def test_presence_of_someone_else_is_only_active_or_away(
    client: WebClient, sim: SlackSimulator
) -> None:
    assert body(client.users_getPresence(user="U_BEN")) == {"ok": True, "presence": "active"}
    sim.set_presence("U_BEN", "away")
    assert body(client.users_getPresence(user="U_BEN")) == {"ok": True, "presence": "away"}
    # The caller's own presence comes with the details.
    own = body(client.users_getPresence(user=sim.identity.bot_user_id))
    assert own["presence"] == "active"
    assert {"online", "auto_away", "manual_away", "connection_count", "last_activity"} <= set(own)
    with pytest.raises(SlackApiError) as caught:
        client.users_getPresence(user="U_NOPE")
    assert caught.value.response["error"] == "user_not_found"
    with pytest.raises(SimulatorError):
        sim.set_presence("U_BEN", "busy")


def test_dnd_info_snoozes_and_schedules(
    client: WebClient, sim: SlackSimulator, clock: list[datetime]
) -> None:
    off = body(client.dnd_info(user="U_BEN"))
    assert off == {
        "ok": True,
        "dnd_enabled": False,
        "next_dnd_start_ts": 1,
        "next_dnd_end_ts": 1,
        "snooze_enabled": False,
    }
    until = NOW + timedelta(hours=2)
    sim.set_dnd("U_BEN", on=True, until=until)
    snoozing = body(client.dnd_info(user="U_BEN"))
    assert snoozing["snooze_enabled"] is True
    assert snoozing["snooze_endtime"] == int(until.timestamp())
    assert snoozing["snooze_remaining"] == 7200
    clock[0] = until  # the snooze is over
    assert body(client.dnd_info(user="U_BEN")) == off
    start, end = NOW + timedelta(hours=8), NOW + timedelta(hours=20)
    sim.set_dnd("U_BEN", on=True, scheduled=(start, end))
    scheduled = body(client.dnd_info(user="U_BEN"))
    assert scheduled["dnd_enabled"] is True
    assert (scheduled["next_dnd_start_ts"], scheduled["next_dnd_end_ts"]) == (
        int(start.timestamp()),
        int(end.timestamp()),
    )
    sim.set_dnd("U_BEN", on=False)
    assert body(client.dnd_info(user="U_BEN")) == off
    with pytest.raises(SlackApiError) as caught:
        client.dnd_info(user="U_NOPE")
    assert caught.value.response["error"] == "user_not_found"
    with pytest.raises(SimulatorError):
        sim.set_dnd("U_BEN", on=True)
