"""The message shortcut "Add to story map" (``ADD_TO_MAP_SHORTCUT``): any message of a
channel becomes one item of its running workshop.

Acknowledged at once; the form opens right after, in this process (a Bolt lazy
listener, like every form: ``bot.slack.listeners.actions``, ``bot.slack.forms``). The
lazy function reads the channel's workshop once: without one running, or in a stage that
takes no items, the person is told why through the shortcut's ``response_url`` and
nothing changes (``bot.slack.message_links.tell``). Otherwise it gets the message's
permalink (``bot.slack.message_links.permalink``: asked of Slack, or built) and opens
the form (``bot.render.from_message``), sealed for the person, carrying the workshop
number, the stage and the permalink; a form Slack does not open is answered the same
way. The submission is a form like the others (``bot.slack.listeners.views``).
"""

from __future__ import annotations

import time
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.render.from_message import TAKES, from_message_modal, why_not
from bot.render.ids import ADD_TO_MAP_SHORTCUT, Ref
from bot.slack import forms
from bot.slack.binding import seal
from bot.slack.deps import Deps
from bot.slack.listeners.actions import RECEIVED, acknowledge
from bot.slack.message_links import permalink, tell


def open_from_message(
    deps: Deps, client: WebClient, body: dict[str, Any], context: BoltContext
) -> None:
    """The form for the message the shortcut was used on, or why there is none."""
    team = body.get("team") or {}
    team_id = team.get("id") or body["user"]["team_id"]
    channel_id = body["channel"]["id"]
    user = body["user"]["id"]
    message: dict[str, Any] = body.get("message") or {}
    received = float(context.get(RECEIVED, 0.0)) or time.monotonic()
    workshop = deps.service.latest(team_id, channel_id)
    if workshop is None or workshop.stage not in TAKES:
        tell(body["response_url"], why_not(workshop))
        return
    link = permalink(client, channel_id, message, team.get("domain"), received)
    ref = Ref(number=workshop.number, link=link)
    view = from_message_modal(workshop, ref, str(message.get("text") or ""))
    view["private_metadata"] = seal(deps.form_key, user, view["private_metadata"])
    failed = forms.open_form(client, body["trigger_id"], view, received)
    if failed is not None:
        # forms' answers speak of a button; here it was the message's shortcut.
        tell(body["response_url"], failed.replace("Click the button", "Use the shortcut"))


def register(app: App, deps: Deps) -> None:
    def opened(body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        open_from_message(deps, client, body, context)

    app.shortcut(ADD_TO_MAP_SHORTCUT)(ack=acknowledge, lazy=[opened])
