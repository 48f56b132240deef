"""Thread replies to prompts (one item per line) and reactions on story cards (votes)."""

from __future__ import annotations

import re
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
#: Edits and deletions are acknowledged and change nothing for now; editing or deleting a
#: reply will later edit what that reply added.
_CHANGE_SUBTYPES = frozenset({"message_changed", "message_deleted"})


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

    @app.event("message")
    def thread_reply(body: dict[str, Any], event: dict[str, Any]) -> None:
        subtype = event.get("subtype")
        if subtype in _CHANGE_SUBTYPES:
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
            delivery_id=body.get("event_id"),
            extra_effects=[React(ts=event["ts"], name=ACCEPTED)],
        )
        if reply is None or reply.number is None or reply.duplicate:
            return
        if reply.refused or not reply.ok:
            deps.notify(team_id, channel_id, reply.number, user, reply.text, thread_ts=thread_ts)
