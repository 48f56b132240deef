"""Thread replies to prompts (one item per line) and reactions on story cards (votes).

Editing a reply renames what it added, deleting it removes them (``reply_change`` reads
Slack's ``message_changed``/``message_deleted`` events); the author is told the outcome
in the thread, and someone editing a message that added nothing is told nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from slack_bolt import App

from bot.domain.model import Stage
from bot.render.submissions import split_items
from bot.slack.deps import Deps
from bot.slack.incoming import plain_text
from bot.slack.notices import React
from bot.slack.refs import prompt_name

ACCEPTED = "white_check_mark"
_SKIN_TONE = re.compile(r"::skin-tone-\d$")
#: Message subtypes that carry a person's new words in a thread: a plain reply, a reply
#: also sent to the channel (Slack sends one event for it, so it counts once), and a
#: reply carrying a file (its text counts; the file itself is not read).
_REPLY_SUBTYPES = frozenset({None, "thread_broadcast", "file_share"})
#: An edited or deleted message: a reply among them renames or removes what it added.
_CHANGE_SUBTYPES = frozenset({"message_changed", "message_deleted"})


@dataclass(frozen=True)
class ReplyChange:
    """A person's thread reply edited (``lines``: its new lines) or deleted (None)."""

    user: str
    thread_ts: str
    #: The reply's own ``ts``: the items it added carry it as their ``source``.
    source_ts: str
    lines: tuple[str, ...] | None


def reply_change(event: dict[str, Any]) -> ReplyChange | None:
    """What a ``message_changed`` or ``message_deleted`` event means for the map, or None
    when it cannot have touched anything a reply added.

    Slack puts the message (as it is now, and as it was) inside the event, not at its top
    level: ``message`` and ``previous_message`` carry the ``user``, ``ts``, ``thread_ts``
    and, for a reply also sent to the channel, the ``thread_broadcast`` subtype. Passed
    over: anything that is not a person's reply in a thread (a top-level message, a
    thread's parent, another app's or the bot's own post, which the bot edits all the
    time), and an edit whose lines read the same as before (Slack also sends
    ``message_changed`` when a link unfurls or an attachment changes). A deletion Slack
    sends without ``previous_message`` says nothing of whose reply it was: passed over.
    """
    subtype = event.get("subtype")
    previous = event.get("previous_message")
    if subtype == "message_changed":
        message = event.get("message")
        if not isinstance(message, dict):
            return None
        lines = tuple(split_items(plain_text(message.get("text") or "")))
        if isinstance(previous, dict):
            before = tuple(split_items(plain_text(previous.get("text") or "")))
            if before == lines:
                return None
        source_ts = message.get("ts")
    elif subtype == "message_deleted":
        message, lines = previous, None
        if not isinstance(message, dict):
            return None
        source_ts = event.get("deleted_ts") or message.get("ts")
    else:
        return None
    if message.get("subtype") not in _REPLY_SUBTYPES or message.get("bot_id"):
        return None
    user, thread_ts = message.get("user"), message.get("thread_ts")
    if not user or not source_ts or not thread_ts or thread_ts == source_ts:
        return None
    return ReplyChange(user=user, thread_ts=thread_ts, source_ts=source_ts, lines=lines)


def register(app: App, deps: Deps) -> None:
    def vote(body: dict[str, Any], event: dict[str, Any], cast: bool) -> None:
        item = event.get("item", {})
        if item.get("type") != "message":
            return
        team_id, channel_id, user = body["team_id"], item["channel"], event["user"]
        emoji = _SKIN_TONE.sub("", event.get("reaction", ""))
        reply = deps.service.react(
            team_id,
            channel_id,
            user,
            item["ts"],
            emoji,
            cast=cast,
            delivery_id=body.get("event_id"),
        )
        # Taking back a reaction that never counted (over budget, or before voting) is
        # not worth a message; every refused *vote* is explained.
        if reply is not None and reply.number is not None and not reply.ok and cast:
            refs = deps.refs(team_id, channel_id, reply.number)
            voting_thread = refs.get(prompt_name(Stage.VOTING.value, None))
            deps.notify(
                team_id, channel_id, reply.number, user, reply.text, thread_ts=voting_thread
            )

    @app.event("reaction_added")
    def reaction_added(body: dict[str, Any], event: dict[str, Any]) -> None:
        vote(body, event, cast=True)

    @app.event("reaction_removed")
    def reaction_removed(body: dict[str, Any], event: dict[str, Any]) -> None:
        vote(body, event, cast=False)

    def reply_changed(body: dict[str, Any], event: dict[str, Any]) -> None:
        change = reply_change(event)
        if change is None:
            return
        team_id, channel_id = body["team_id"], event["channel"]
        delivery_id = body.get("event_id")
        if change.lines is None:
            reply = deps.service.delete_reply(
                team_id,
                channel_id,
                change.user,
                change.thread_ts,
                change.source_ts,
                delivery_id=delivery_id,
            )
        else:
            reply = deps.service.edit_reply(
                team_id,
                channel_id,
                change.user,
                change.thread_ts,
                change.source_ts,
                lines=change.lines,
                delivery_id=delivery_id,
            )
        if reply is None or reply.number is None or reply.duplicate:
            return
        deps.notify(
            team_id, channel_id, reply.number, change.user, reply.text, thread_ts=change.thread_ts
        )

    @app.event("message")
    def thread_reply(body: dict[str, Any], event: dict[str, Any]) -> None:
        subtype = event.get("subtype")
        if subtype in _CHANGE_SUBTYPES:
            reply_changed(body, event)
            return
        thread_ts = event.get("thread_ts")
        # Other apps' posts (``bot_id``, or the ``bot_message`` subtype) are never replies.
        if subtype not in _REPLY_SUBTYPES or event.get("bot_id") or "user" not in event:
            return
        if not thread_ts:
            return
        lines = split_items(plain_text(event.get("text", "")))
        if not lines:
            return
        team_id, channel_id, user = body["team_id"], event["channel"], event["user"]
        reply = deps.service.reply_in_thread(
            team_id,
            channel_id,
            user,
            thread_ts,
            lines,
            source=event["ts"],
            delivery_id=body.get("event_id"),
            extra_effects=[React(ts=event["ts"], name=ACCEPTED)],
        )
        if reply is None or reply.number is None or reply.duplicate:
            return
        if reply.refused or not reply.ok:
            deps.notify(team_id, channel_id, reply.number, user, reply.text, thread_ts=thread_ts)
