"""The "Add to story map" form (the message shortcut), and the link back to a message.

Rules kept:
- the form adds **one** item of the kind the workshop's current stage takes (activity,
  task, story: ``TAKES``): one message is one card. The message's text is made readable
  (``readable``: Slack's ``<...>`` tokens as the reader sees them, entities decoded),
  normalised like any item text (line breaks become spaces) and cut to the kind's limit
  (``bot.domain.text.LIMITS``) at a word boundary where one is near; when it was cut, a
  line above the field says so, with both lengths;
- the field is pre-filled with that raw text (never escaped: it is handed back to be
  edited) and its ``max_length`` is the kind's limit, so Slack stops an over-long edit;
- a parent picker for the current stage: none for an activity, the activity for a task,
  the task for a story: a select when there are 1 to 100 choices (Slack's most), the one
  choice already chosen when there is only one; otherwise a field for the id;
- the form carries its ``Ref`` (workshop number, the stage it was opened in, the channel,
  the message's permalink) as ``private_metadata`` like every modal;
- a stage that takes no items, or no workshop, gets ``why_not`` instead of a form;
- ``message_link`` is the one way an item's link is shown: an ``https`` URL without
  whitespace or the characters Slack reserves for its tokens becomes a small link,
  anything else shows nothing (user text never becomes a link).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Final

from slack_sdk.models.blocks import (
    Block,
    BlockElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    StaticSelectElement,
)

from bot.domain.machine import NO_WORKSHOP
from bot.domain.model import Stage, Workshop
from bot.domain.text import LIMITS, normalise
from bot.render.blocks import context, modal
from bot.render.ids import (
    TARGET_BLOCK,
    TARGET_INPUT,
    TEXT_BLOCK,
    TEXT_INPUT,
    CallbackId,
    Ref,
)
from bot.render.submissions import Values
from bot.render.text import clip, quoted

#: The kind of item each stage that takes items adds.
TAKES: Final[dict[Stage, str]] = {
    Stage.ACTIVITIES: "activity",
    Stage.TASKS: "task",
    Stage.STORIES: "story",
}
#: Slack's most options in a select, and characters of an option's text.
MAX_OPTIONS: Final = 100
OPTION_CHARS: Final = 75
#: A cut looks this far back for a space, so a word is not cut in half.
WORD_BACKTRACK: Final = 20
LINK_LABEL: Final = "from a message"

_TOKEN: Final = re.compile(r"<([^<>]*)>")
_SAFE_URL: Final = re.compile(r"https://[^\s<>|\x00-\x1f\x7f]+")
_SPECIALS: Final = {"here": "@here", "channel": "@channel", "everyone": "@everyone"}


def readable(text: str) -> str:
    """Slack message text as its reader sees it: ``<@U1|ana>`` -> ``@ana`` (``@U1``
    without a label), ``<#C1|team>`` -> ``#team``, ``<!here>`` -> ``@here``,
    ``<url|label>`` -> ``label``, ``<url>`` -> ``url``; then ``&lt;``, ``&gt;`` and
    ``&amp;`` decoded."""

    def token(match: re.Match[str]) -> str:
        body, _, label = match.group(1).partition("|")
        if body.startswith("@"):
            return f"@{label or body[1:]}"
        if body.startswith("#"):
            return f"#{label or body[1:]}"
        if body.startswith("!"):
            name = body[1:].split("^", 1)[0]
            return label or _SPECIALS.get(name, f"@{name}")
        return label or body

    shown = _TOKEN.sub(token, text)
    return shown.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


@dataclass(frozen=True)
class Prefill:
    """The message's text made ready for the field: ``text`` (at most ``limit``
    characters) and ``length``, the length before it was cut."""

    text: str
    length: int
    limit: int

    @property
    def trimmed(self) -> bool:
        return self.length > self.limit


def prefill(message_text: str, kind: str) -> Prefill:
    """The message's text, readable and normalised, cut to ``kind``'s limit."""
    text = normalise(readable(message_text))
    limit = LIMITS[kind]
    if len(text) <= limit:
        return Prefill(text, len(text), limit)
    cut = text[:limit]
    space = cut.rfind(" ", limit - WORD_BACKTRACK)
    if space > 0 and not text[limit].isspace():
        cut = cut[:space]
    return Prefill(cut.rstrip(), len(text), limit)


def message_link(url: str | None) -> str:
    """A small mrkdwn link to the message an item was made from; empty when there is
    none or ``url`` is not a plain ``https`` URL."""
    if not url or not _SAFE_URL.fullmatch(url):
        return ""
    return f"<{url.replace('&', '&amp;')}|{LINK_LABEL}>"


def why_not(w: Workshop | None) -> str:
    """Why a message cannot become an item in the channel of ``w`` (the running
    workshop, or the channel's last one), for a stage that takes no items or none."""
    if w is None or w.stage is Stage.CANCELLED:
        return NO_WORKSHOP
    name = quoted(w.title)
    if w.stage is Stage.PUBLISHED:
        return (
            f"The map {name} is published, so nothing more can be added to it. Start a new "
            "workshop with `/storymap start [title]` to map more."
        )
    if w.stage is Stage.PERSONA:
        return (
            f"{name} is still choosing its persona. Messages can become items once the "
            "facilitator moves on to backbone activities."
        )
    return (
        f"{name} is in {w.stage.label} now, which takes no new items: messages become "
        "activities, tasks or story cards only in those stages. Nothing was added."
    )


def _picker(w: Workshop, kind: str) -> InputBlock | None:
    """Where the item goes: the activity of a task, the task of a story."""
    if kind == "activity":
        return None
    noun = "activity" if kind == "task" else "task"
    choices = (
        [(a.id, a.text) for a in w.activities]
        if kind == "task"
        else [(t.id, _task_label(w, t.activity_id, t.text)) for t in w.tasks]
    )
    element: BlockElement
    if 0 < len(choices) <= MAX_OPTIONS:
        options = [
            Option(text=PlainTextObject(text=clip(f"{i} · {text}", OPTION_CHARS)), value=i)
            for i, text in choices
        ]
        element = StaticSelectElement(
            action_id=TARGET_INPUT,
            placeholder=PlainTextObject(text=f"Choose the {noun}"),
            options=options,
            initial_option=options[0] if len(options) == 1 else None,
        )
    else:
        element = PlainTextInputElement(
            action_id=TARGET_INPUT,
            max_length=12,
            placeholder=PlainTextObject(text="A1" if noun == "activity" else "T1"),
        )
    label = f"Under {noun}"
    return InputBlock(block_id=TARGET_BLOCK, label=PlainTextObject(text=label), element=element)


def _task_label(w: Workshop, activity_id: str, text: str) -> str:
    activity = w.activity(activity_id)
    return f"{text} ({activity.text})" if activity is not None else text


def from_message_modal(w: Workshop, ref: Ref, message_text: str) -> dict[str, Any]:
    """One item for the current stage, pre-filled with ``message_text`` (Slack's text of
    the message the shortcut was used on); ``ref.link`` is that message's permalink."""
    kind = TAKES.get(w.stage)
    if kind is None:
        raise ValueError(f"the {w.stage.value} stage takes no items")
    filled = prefill(message_text, kind)
    where = f"Adds one {kind} to {quoted(w.title)} ({w.stage.label})"
    link = message_link(ref.link)
    blocks: list[Block] = [context(f"{where}, {link}." if link else f"{where}.")]
    if filled.trimmed:
        blocks.append(
            context(
                f":scissors: The message has {filled.length} characters and "
                f"{'an' if kind == 'activity' else 'a'} {kind} holds at most {filled.limit}, "
                "so it was cut to fit. Edit it below."
            )
        )
    field = PlainTextInputElement(
        action_id=TEXT_INPUT,
        # The raw text, not escaped: it is handed back to be edited, never parsed as markup.
        initial_value=filled.text or None,
        max_length=filled.limit,
        multiline=kind == "story",
    )
    blocks.append(
        InputBlock(
            block_id=TEXT_BLOCK,
            label=PlainTextObject(text=kind.capitalize()),
            hint=PlainTextObject(
                text=f"One {kind}, at most {filled.limit} characters; line breaks become spaces."
            ),
            element=field,
        )
    )
    picker = _picker(w, kind)
    if picker is not None:
        blocks.append(picker)
    metadata = ref.in_channel(w.channel_id).model_copy(update={"stage": w.stage})
    return modal(CallbackId.FROM_MESSAGE, "Add to story map", "Add", metadata, blocks)


def parse_from_message(values: Values) -> tuple[str, str]:
    """(the item's words, the parent chosen or typed; empty when there is none)."""
    text = values.get(TEXT_BLOCK, {}).get(TEXT_INPUT, {}).get("value") or ""
    parent = values.get(TARGET_BLOCK, {}).get(TARGET_INPUT, {})
    chosen = (parent.get("selected_option") or {}).get("value") or parent.get("value") or ""
    return str(text).strip(), str(chosen).strip()
