"""The Home tab: ``app_home_opened``, its link buttons, and "Start a workshop".

- ``app_home_opened`` (tab ``home``) is acknowledged at once; the Home tab is rendered
  and published right after, in this process (a lazy listener on the app's form
  threads), never through a channel's outbox (``docs/decisions/0012-app-home.md``);
  the person is remembered so later changes refresh it (``bot.slack.home``);
- a link button (a permalink) is only acknowledged: Slack opens the link itself;
- "Start a workshop" opens its form like any form button (``bot.slack.forms``); when
  Slack does not open it, the person is told in the app's direct messages;
- the form's submission runs the same command as ``/storymap start`` in the picked
  channel, after one check the slash command does not need: the bot must be a member
  of the channel (``conversations.info`` with a short timeout). A refusal shows under
  the channel field and changes nothing.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Final

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.domain import commands as c
from bot.render.home import start_modal
from bot.render.ids import (
    HOME_CHANNEL_BLOCK,
    HOME_CHANNEL_INPUT,
    HOME_TITLE_BLOCK,
    HOME_TITLE_INPUT,
    ActionId,
    CallbackId,
)
from bot.slack import forms
from bot.slack.deps import Deps
from bot.slack.home import HomeTabs
from bot.slack.listeners.actions import RECEIVED, acknowledge

log = logging.getLogger(__name__)

NO_CHANNEL: Final = "Pick the channel where the workshop should run."
NOT_A_CHANNEL: Final = "Workshops run in a team channel, not in a direct message."
NOT_IN_CHANNEL: Final = (
    "I'm not a member of <#{channel}>. Invite me there with `/invite @storymap`, then "
    "start the workshop again."
)
NOT_SEEN: Final = (
    "I can't see that channel (it is private and I'm not in it). Invite me there with "
    "`/invite @storymap`, then start the workshop again."
)
NOT_CHECKED: Final = "Slack did not say whether I'm in that channel just now. Try again."


def bot_in_channel(client: WebClient, channel_id: str) -> str | None:
    """None when the bot is a member of ``channel_id``, else what to tell the person."""
    quick = forms.quick_client(client, forms.USERS_INFO_TIMEOUT_S)
    try:
        info = quick.conversations_info(channel=channel_id).get("channel") or {}
    except SlackApiError as failure:
        if failure.response.get("error") == "channel_not_found":
            return NOT_SEEN
        log.warning("slack: conversations.info failed (%s)", failure.response.get("error"))
        return NOT_CHECKED
    except OSError as problem:
        log.warning("slack: conversations.info did not answer (%s)", problem)
        return NOT_CHECKED
    if not info.get("is_member"):
        return NOT_IN_CHANNEL.format(channel=channel_id)
    return None


def picked(view: dict[str, Any]) -> tuple[str | None, str]:
    """The channel and the title the form was submitted with."""
    values = (view.get("state") or {}).get("values") or {}
    channel = (values.get(HOME_CHANNEL_BLOCK) or {}).get(HOME_CHANNEL_INPUT) or {}
    title = (values.get(HOME_TITLE_BLOCK) or {}).get(HOME_TITLE_INPUT) or {}
    return channel.get("selected_conversation"), str(title.get("value") or "").strip()


def register(app: App, deps: Deps, homes: HomeTabs) -> None:
    def just_ack(ack: Ack) -> None:
        ack()

    def publish_home(body: dict[str, Any], event: dict[str, Any], client: WebClient) -> None:
        if event.get("tab") != "home":
            return
        team_id, user = str(body.get("team_id", "")), str(event.get("user", ""))
        homes.opened(team_id, user)
        try:
            homes.publish(client, team_id, user)
        except SlackApiError as failure:
            log.warning("slack: views.publish failed (%s)", failure.response.get("error"))

    app.event("app_home_opened")(ack=just_ack, lazy=[publish_home])

    app.action(ActionId.HOME_LINK.value)(just_ack)

    def open_start(body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        received = float(context.get(RECEIVED, 0.0)) or time.monotonic()
        failed = forms.open_form(client, body["trigger_id"], start_modal(), received)
        if failed is not None:
            try:
                client.chat_postMessage(channel=body["user"]["id"], text=failed)
            except SlackApiError as failure:
                log.warning("slack: could not tell a form did not open (%s)", failure)

    app.action(ActionId.HOME_START.value)(ack=acknowledge, lazy=[open_start])

    @app.view(CallbackId.HOME_START.value)
    def start_submitted(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
    ) -> None:
        team_id, user = body["team"]["id"], body["user"]["id"]
        channel_id, title = picked(view)
        problem: str | None
        if not channel_id:
            problem = NO_CHANNEL
        elif channel_id.startswith("D"):
            problem = NOT_A_CHANNEL
        else:
            problem = bot_in_channel(client, channel_id)
        if problem is None and channel_id:
            command = c.Start(team_id=team_id, channel_id=channel_id, title=title)
            reply = deps.service.handle(team_id, channel_id, user, command)
            problem = None if reply.ok else reply.text
        if problem is not None:
            ack(response_action="errors", errors={HOME_CHANNEL_BLOCK: problem})
            return
        ack()
        homes.opened(team_id, user)
        homes.mark(team_id, [user])
