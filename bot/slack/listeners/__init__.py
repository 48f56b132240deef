"""Bolt listeners, one module per kind (commands, actions, views, events, shortcuts).

Each handler parses the payload into a typed command, makes one service call and acks
with what it returns. No business rules here, and no Web API calls but those that cannot
wait for the outbox (``bot.slack.forms``): ``views.open`` for a form, right after the
click's ack, and ``users.info`` for a deadline's time zone when it is not cached; the
message shortcut also asks ``chat.getPermalink`` and answers through its
``response_url`` (``bot.slack.message_links``); and the Home tab's (``home``,
registered by ``bot.slack.app``): publishing it when it is opened, and asking whether
the bot is in the channel a workshop is started in from it.
Replies that cannot ride on the ack go to the outbox as effects.
"""

from __future__ import annotations

from slack_bolt import App

from bot.slack.deps import Deps
from bot.slack.listeners import actions, commands, events, shortcuts, views


def register(app: App, deps: Deps) -> None:
    """Bolt tries listeners in the order they are registered, calling each one's matcher
    until one matches: so there are few listeners (one per kind of request, a button
    or form listener covering several ids) and the frequent kinds come first."""
    commands.register(app, deps)
    actions.register(app, deps)
    events.register(app, deps)
    views.register(app, deps)
    shortcuts.register(app, deps)
