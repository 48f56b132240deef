"""The request-path calls of the "Add to story map" shortcut: the message's permalink, and
an answer through the shortcut's ``response_url``.

- ``permalink`` asks ``chat.getPermalink`` with a ``PERMALINK_TIMEOUT_S`` timeout and no
  automatic retries (``bot.slack.forms.quick_client``), and only while the shortcut's
  trigger has at least ``TRIGGER_KEPT_S`` left for ``views.open``; when Slack does not
  answer in time or refuses, the link is built the way Slack spells permalinks
  (``https://<team domain>.slack.com/archives/<channel>/p<ts without the dot>``, with
  ``thread_ts`` and ``cid`` for a reply), from the payload's team domain;
- ``tell`` posts an ephemeral answer to the person through the ``response_url`` (not
  ``chat.postEphemeral``): a shortcut may come from a channel the bot is not in, and the
  URL reaches the person there all the same. It waits at most ``RESPOND_TIMEOUT_S`` and
  logs a failure (the person sees nothing happen, as when Slack itself is down).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from typing import Any, Final

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot.slack.forms import TRIGGER_LIFE_S, quick_client

log = logging.getLogger(__name__)

#: How long ``chat.getPermalink`` may take (whole seconds, as the client takes them).
PERMALINK_TIMEOUT_S: Final = 1
#: The trigger life left for ``views.open`` after asking for the permalink.
TRIGGER_KEPT_S: Final = 1.5
#: How long posting to a ``response_url`` may take.
RESPOND_TIMEOUT_S: Final = 3


def built_link(team_domain: str | None, channel_id: str, message: Mapping[str, Any]) -> str | None:
    """The message's permalink as Slack spells it; None without a team domain or ``ts``."""
    ts = str(message.get("ts") or "")
    if not team_domain or not ts:
        return None
    link = f"https://{team_domain}.slack.com/archives/{channel_id}/p{ts.replace('.', '')}"
    thread_ts = message.get("thread_ts")
    if thread_ts and thread_ts != ts:
        link += f"?thread_ts={thread_ts}&cid={channel_id}"
    return link


def permalink(
    client: WebClient,
    channel_id: str,
    message: Mapping[str, Any],
    team_domain: str | None,
    received_at: float,
    *,
    clock: Callable[[], float] = time.monotonic,
) -> str | None:
    """The permalink of ``message`` in ``channel_id``: asked of Slack while the trigger
    (received at ``received_at``) has time to spare, else built (``built_link``)."""
    ts = str(message.get("ts") or "")
    if ts and received_at + TRIGGER_LIFE_S - clock() > PERMALINK_TIMEOUT_S + TRIGGER_KEPT_S:
        quick = quick_client(client, PERMALINK_TIMEOUT_S)
        try:
            found = quick.chat_getPermalink(channel=channel_id, message_ts=ts).get("permalink")
            if isinstance(found, str) and found:
                return found
        except SlackApiError as failure:
            log.warning("slack: chat.getPermalink failed (%s)", failure.response.get("error"))
        except OSError as problem:
            log.warning("slack: chat.getPermalink did not answer (%s)", problem)
    return built_link(team_domain, channel_id, message)


def tell(response_url: str, text: str) -> None:
    """``text`` to the person who used the shortcut, ephemeral, through its ``response_url``."""
    try:
        answer = WebhookClient(response_url, timeout=RESPOND_TIMEOUT_S).send(
            text=text, response_type="ephemeral"
        )
    except OSError as problem:
        log.warning("slack: a response_url did not answer (%s)", problem)
        return
    if answer.status_code != 200:
        log.warning("slack: a response_url answered %s (%s)", answer.status_code, answer.body)
