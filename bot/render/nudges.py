"""Reminders, time's-up notices and the daily digest, as messages.

Rules kept: a reminder names the stage, the workshop and its channel, shows the deadline
with Slack's date token (each reader sees their own local time), and carries one button
that opens the right form plus one to mute reminders; the digest says only what changed.
"""

from __future__ import annotations

from typing import Any

from bot.domain.model import Workshop
from bot.render.blocks import actions, button, context, section, sections
from bot.render.ids import ActionId, Ref
from bot.render.message import Message, message
from bot.render.text import escape, plural, quoted

NUDGE_BLOCK = "nudge"
TIMES_UP_BLOCK = "times_up"


def nudge_message(w: Workshop, user: str, way_in: tuple[str, str, Ref], deadline: str) -> Message:
    label, action, ref = way_in
    mute = Ref(number=w.number, channel=w.channel_id)
    text = (
        f"*{w.stage.label}* of the story map {quoted(w.title)} in <#{w.channel_id}> closes "
        f"{deadline}, and we have nothing from you yet. A minute is enough: one line helps."
    )
    return message(
        f"{w.stage.label} of {quoted(w.title)} closes {deadline}.",
        [
            section(text),
            actions(
                NUDGE_BLOCK,
                [
                    button(label, ActionId(action), ref, "primary"),
                    button("Mute reminders", ActionId.MUTE, mute),
                ],
            ),
            context("You get at most one reminder a day, only in your working hours."),
        ],
    )


def times_up_message(w: Workshop, text: str) -> Message:
    ref = Ref(number=w.number, stage=w.stage, channel=w.channel_id)
    # ``text`` quotes a refusal: split at Slack's 3,000 characters per section, never cut.
    return message(
        text,
        [
            *sections(text),
            actions(TIMES_UP_BLOCK, [button("Next stage →", ActionId.NEXT_STAGE, ref, "primary")]),
        ],
    )


_COUNTED = (
    ("activities", "activity", "activities"),
    ("tasks", "task", "tasks"),
    ("stories", "story", "stories"),
    ("votes", "vote", "votes"),
)


def digest_text(before: dict[str, Any], now: dict[str, Any]) -> str | None:
    """What changed since the previous digest, or None when nothing did."""
    news = []
    for key, one, many in _COUNTED:
        added = int(now.get(key, 0)) - int(before.get(key, 0))
        if added > 0:
            news.append(f"{plural(added, 'new ' + one, 'new ' + many)}")
    joined = [p for p in now.get("people", []) if p not in set(before.get("people", []))]
    if joined:
        news.append(
            f"{plural(len(joined), 'person', 'people')} joined: "
            + ", ".join(f"<@{escape(str(p))}>" for p in joined)
        )
    if not news:
        return None
    return "*Since the last digest:* " + " · ".join(news) + "."
