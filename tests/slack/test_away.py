"""The "away" decision: a pure function over Slack's profile, presence and do-not-disturb."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from bot.slack.away import AWAY_EMOJI, ask_away, away_reason

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
LATER = int((NOW + timedelta(hours=3)).timestamp())
EARLIER = int((NOW - timedelta(minutes=1)).timestamp())


def profile(emoji: str = "", text: str = "", expiration: int = 0) -> dict[str, Any]:
    return {"status_emoji": emoji, "status_text": text, "status_expiration": expiration}


@pytest.mark.parametrize("emoji", sorted(AWAY_EMOJI))
def test_every_away_emoji_means_away(emoji: str) -> None:
    assert away_reason(profile(emoji=emoji), None, None, NOW) == f"status emoji {emoji}"


@pytest.mark.parametrize("emoji", [":spiral_calendar_pad:", ":house_with_garden:", ""])
def test_other_emoji_do_not(emoji: str) -> None:
    assert away_reason(profile(emoji=emoji), None, None, NOW) is None


def test_the_emoji_is_read_in_any_case() -> None:
    assert away_reason(profile(emoji=" :Palm_Tree: "), None, None, NOW) is not None


@pytest.mark.parametrize(
    "text",
    [
        "OOO",
        "ooo until Monday",
        "Out of office",
        "out-of-office today",
        "Out of the office",
        "On VACATION",
        "holiday!",
        "Holidays in Lisbon",
        "on leave (back 3 Dec)",
        "Sick",
        "home sick, back tomorrow",
    ],
)
def test_away_words_in_the_status_text(text: str) -> None:
    assert away_reason(profile(text=text), None, None, NOW) is not None


@pytest.mark.parametrize(
    "text",
    [
        "In a zoom call",
        "zooom",
        "Booooked solid",
        "vacationing soon",  # not the whole word
        "sickle cell awareness",
        "leaves at 5",
        "leave me a message",
        "office hours 2-4",
        "back from holidayland",
        "",
    ],
)
def test_words_inside_other_words_do_not_count(text: str) -> None:
    assert away_reason(profile(text=text), None, None, NOW) is None


def test_an_expired_status_counts_for_nothing() -> None:
    assert away_reason(profile(emoji=":palm_tree:", expiration=EARLIER), None, None, NOW) is None
    assert away_reason(profile(text="OOO", expiration=EARLIER), None, None, NOW) is None
    # Expiring exactly now: gone.
    exactly = int(NOW.timestamp())
    assert away_reason(profile(text="OOO", expiration=exactly), None, None, NOW) is None


def test_a_status_that_expires_later_or_never_counts() -> None:
    assert away_reason(profile(text="OOO", expiration=LATER), None, None, NOW) is not None
    assert away_reason(profile(text="OOO", expiration=0), None, None, NOW) is not None


AWAY = {"ok": True, "presence": "away"}
ACTIVE = {"ok": True, "presence": "active"}
SNOOZING = {"dnd_enabled": False, "next_dnd_start_ts": 1, "next_dnd_end_ts": 1}
SNOOZING |= {"snooze_enabled": True, "snooze_endtime": LATER, "snooze_remaining": 10800}
SCHEDULED = {
    "dnd_enabled": True,
    "next_dnd_start_ts": EARLIER,
    "next_dnd_end_ts": LATER,
    "snooze_enabled": False,
}


def test_away_with_do_not_disturb_on_means_away() -> None:
    reason = "away with do-not-disturb on"
    assert away_reason(profile(), AWAY, SNOOZING, NOW) == reason
    assert away_reason(None, AWAY, SCHEDULED, NOW) == reason


def test_away_alone_or_do_not_disturb_alone_does_not() -> None:
    assert away_reason(profile(), AWAY, None, NOW) is None
    assert (
        away_reason(profile(), AWAY, {"dnd_enabled": False, "snooze_enabled": False}, NOW) is None
    )
    assert away_reason(profile(), ACTIVE, SNOOZING, NOW) is None
    assert away_reason(profile(), None, SCHEDULED, NOW) is None


def test_do_not_disturb_that_ended_or_has_not_begun_is_off() -> None:
    ended = SNOOZING | {"snooze_endtime": EARLIER}
    assert away_reason(None, AWAY, ended, NOW) is None
    later = SCHEDULED | {"next_dnd_start_ts": LATER, "next_dnd_end_ts": LATER + 3600}
    assert away_reason(None, AWAY, later, NOW) is None
    over = SCHEDULED | {"next_dnd_start_ts": EARLIER - 3600, "next_dnd_end_ts": EARLIER}
    assert away_reason(None, AWAY, over, NOW) is None
    # A window around now, but the schedule is off.
    assert away_reason(None, AWAY, SCHEDULED | {"dnd_enabled": False}, NOW) is None


class Slack:
    """Answers per method; a string answer is raised as that Slack error."""

    def __init__(self, answers: Mapping[str, Mapping[str, object] | str]) -> None:
        self.answers = answers
        self.asked: list[str] = []

    def __call__(self, method: str, **args: object) -> Mapping[str, object]:
        self.asked.append(method)
        answer = self.answers[method]
        if isinstance(answer, str):
            response = SlackResponse(
                client=None,
                http_verb="POST",
                api_url=method,
                req_args={},
                data={"ok": False, "error": answer},
                headers={},
                status_code=200,
            )
            raise SlackApiError(answer, response)  # type: ignore[no-untyped-call]
        return answer


def info(**status: Any) -> dict[str, object]:
    return {"ok": True, "user": {"id": "U1", "tz": "UTC", "profile": profile(**status)}}


def test_ask_away_stops_at_the_status() -> None:
    slack = Slack({"users_info": info(emoji=":airplane:")})
    assert ask_away(slack, "U1", NOW) == "status emoji :airplane:"
    assert slack.asked == ["users_info"]


def test_ask_away_uses_an_answer_already_fetched() -> None:
    slack = Slack({"users_getPresence": ACTIVE})
    assert ask_away(slack, "U1", NOW, info(text="ok")) is None
    assert slack.asked == ["users_getPresence"]


def test_ask_away_asks_do_not_disturb_only_when_away() -> None:
    slack = Slack({"users_info": info(), "users_getPresence": ACTIVE})
    assert ask_away(slack, "U1", NOW) is None
    assert slack.asked == ["users_info", "users_getPresence"]
    slack = Slack({"users_info": info(), "users_getPresence": AWAY, "dnd_info": SNOOZING})
    assert ask_away(slack, "U1", NOW) == "away with do-not-disturb on"
    assert slack.asked == ["users_info", "users_getPresence", "dnd_info"]


def test_a_failed_call_counts_as_not_away() -> None:
    # A workspace installed before dnd:read was asked for answers missing_scope.
    slack = Slack({"users_info": info(), "users_getPresence": AWAY, "dnd_info": "missing_scope"})
    assert ask_away(slack, "U1", NOW) is None
    slack = Slack({"users_info": "user_not_found", "users_getPresence": "ratelimited"})
    assert ask_away(slack, "U1", NOW) is None
