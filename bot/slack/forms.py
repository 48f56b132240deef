"""The two Web API calls made in the request path: opening a form, reading a time zone.

Everything else a listener causes goes through the outbox. These two cannot wait for it:

- ``views.open`` must use the click's ``trigger_id`` within ``TRIGGER_LIFE_S`` (3 s) of
  the click, and changes no state, so the process that received the click opens the
  form itself, right after the ack (a lazy listener, ``bot.slack.listeners.actions``).
  ``open_form`` never fails silently: a trigger Slack no longer accepts
  (``expired_trigger_id``, ``invalid_trigger_id``, ``exchanged_trigger_id``), a 429 that
  outlasts the trigger, or any other failure returns what to tell the person (click
  again); a 429 whose ``Retry-After`` ends within the trigger's life is retried once;
- a deadline is read in the facilitator's time zone while the slash command or the form
  waits for its answer: ``time_zone`` uses the zone cached in Redis (``bot.slack.zones``, as
  ``JobRunner.tz``), and otherwise asks ``users.info`` with a
  ``USERS_INFO_TIMEOUT_S`` timeout, so the answer stays within Slack's 3 s; None when
  Slack did not answer (the caller reads the time as UTC and says so).

Both calls use a copy of the request's client (same token and ``SLACK_API_URL``) with a
short timeout and no automatic retries.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, Final

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack.zones import zone_of
from bot.store import RedisClient

log = logging.getLogger(__name__)

#: How long Slack accepts a ``trigger_id`` after the click.
TRIGGER_LIFE_S: Final = 3.0
#: How long a ``users.info`` in the request path may take (whole seconds).
USERS_INFO_TIMEOUT_S: Final = 1
#: Errors meaning the click's trigger cannot open anything any more.
TRIGGER_GONE: Final = frozenset(
    {"expired_trigger_id", "invalid_trigger_id", "exchanged_trigger_id"}
)

CLICK_AGAIN: Final = (
    "The form did not open in time (Slack gives a click 3 seconds). Click the button again."
)
SLACK_BUSY: Final = (
    "Slack is busy and could not open the form just now. Click the button again in a moment."
)
NOT_OPENED: Final = "The form could not be opened ({why}). Click the button again."


def quick_client(client: WebClient, timeout: int) -> WebClient:
    """``client``'s token and API URL, with ``timeout`` and no automatic retries."""
    return WebClient(
        token=client.token,
        base_url=client.base_url,
        timeout=timeout,
        logger=client.logger,
        retry_handlers=[],
    )


def _retry_after(failure: SlackApiError) -> float:
    headers: dict[str, Any] = dict(failure.response.headers or {})
    for name, value in headers.items():
        if name.lower() == "retry-after":
            raw = value[0] if isinstance(value, list) else value
            try:
                return float(raw)
            except (TypeError, ValueError):
                break
    return 1.0


def open_form(
    client: WebClient,
    trigger_id: str,
    view: dict[str, Any],
    received_at: float,
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> str | None:
    """Open ``view`` with the click's ``trigger_id`` (the click arrived at ``received_at``,
    on ``clock``); None once it is open, else what to tell the person who clicked."""
    quick = quick_client(client, int(TRIGGER_LIFE_S))
    for attempt in range(2):
        try:
            quick.views_open(trigger_id=trigger_id, view=view)
            return None
        except SlackApiError as failure:
            error = str(failure.response.get("error", ""))
            if error in TRIGGER_GONE:
                log.info("slack: views.open answered %s; the person is asked to click again", error)
                return CLICK_AGAIN
            if failure.response.status_code != 429:
                log.warning("slack: views.open failed (%s)", error or failure.response.status_code)
                return NOT_OPENED.format(why=f"Slack answered {error or 'an error'}")
            wait = _retry_after(failure)
            left = received_at + TRIGGER_LIFE_S - clock()
            if attempt or wait >= left:
                log.warning("slack: views.open answered 429 (Retry-After %.1f s)", wait)
                return SLACK_BUSY
            log.info("slack: views.open answered 429; retrying in %.1f s", wait)
            sleep(wait)
        except OSError as problem:  # a refused connection, a timeout
            log.warning("slack: views.open did not answer (%s)", problem)
            return NOT_OPENED.format(why="Slack did not answer")
    return SLACK_BUSY  # pragma: no cover - the loop returns on its second attempt


def time_zone(redis: RedisClient, client: WebClient, team_id: str, user: str) -> str | None:
    """``user``'s IANA zone (``bot.slack.zones``), asking ``users.info`` with a
    ``USERS_INFO_TIMEOUT_S`` timeout when it is not cached; None when Slack did not
    answer in time or refused."""

    def users_info() -> dict[str, Any] | None:
        try:
            data = quick_client(client, USERS_INFO_TIMEOUT_S).users_info(user=user).data
        except SlackApiError as failure:
            log.warning("slack: users.info failed (%s)", failure.response.get("error"))
            return None
        except OSError as problem:
            log.warning("slack: users.info did not answer (%s)", problem)
            return None
        return data if isinstance(data, dict) else {}

    return zone_of(redis, team_id, user, users_info)
