"""The small forms that shape the map, opened from the overflow menus (``bot.render.menus``).

Rules kept:
- each form is about one item (``Ref.anchor``) and carries its ``Ref`` with the channel
  as ``private_metadata`` like every modal (``bot.render.modals``); the board's "Rename
  an item…" and "Remove an item…" forms ask for the id instead;
- a form is pre-filled with what it changes: rename with the item's current words (raw,
  never escaped: they are handed back to be edited), split with the story's words to
  break into lines, order with the backbone's ids in their current order;
- move offers the other tasks (for a story) or activities (for a task) in a select when
  there are 1 to 100 of them (Slack's most), else a field for the id;
- parsers check shape only: ids, lengths and who may are the machine's to refuse, and
  the listener shows its refusal under the field (``response_action: errors``).
"""

from __future__ import annotations

import re
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
from slack_sdk.models.views import View

from bot.domain.model import Activity, Item, Story, Task, Workshop
from bot.domain.text import LIMITS
from bot.render.blocks import context, modal, section, sections
from bot.render.ids import (
    ITEM_BLOCK,
    ITEM_INPUT,
    TARGET_BLOCK,
    TARGET_INPUT,
    TEXT_BLOCK,
    TEXT_INPUT,
    CallbackId,
    Ref,
)
from bot.render.index import index
from bot.render.submissions import Values, split_items
from bot.render.text import capped_join, clip, escape, quoted

#: Slack's most for a plain-text input, options in a select, and an option's text.
INPUT_CHARS: Final = 3000
MAX_OPTIONS: Final = 100
OPTION_CHARS: Final = 75
TITLE_CHARS: Final = 24
#: Characters of the backbone listed in the order form.
BACKBONE_BUDGET: Final = 1500
_IDS: Final = re.compile(r"[\s,;>→]+")


def _item(w: Workshop, item_id: str | None) -> Item:
    ix = index(w)
    found = ix.activity_by_id.get(item_id or "") or ix.task_by_id.get(item_id or "")
    item = found or ix.story_by_id.get(item_id or "")
    if item is None:
        raise ValueError(f"{item_id!r} is not an item of this workshop")
    return item


def _kind(item: Item) -> str:
    if isinstance(item, Activity):
        return "activity"
    return "task" if isinstance(item, Task) else "story"


def _form(
    w: Workshop, ref: Ref, callback: CallbackId, title: str, *, submit: str, blocks: list[Block]
) -> dict[str, Any]:
    metadata = ref.in_channel(w.channel_id)
    return modal(callback, clip(title, TITLE_CHARS), submit, metadata, blocks)


def _text_input(
    label: str, initial: str | None, limit: int, *, multiline: bool = False, hint: str | None = None
) -> InputBlock:
    field = PlainTextInputElement(
        action_id=TEXT_INPUT, initial_value=initial, max_length=limit, multiline=multiline
    )
    return InputBlock(
        block_id=TEXT_BLOCK,
        label=PlainTextObject(text=label),
        element=field,
        hint=PlainTextObject(text=hint) if hint else None,
    )


def _id_input(example: str) -> InputBlock:
    field = PlainTextInputElement(
        action_id=ITEM_INPUT, max_length=12, placeholder=PlainTextObject(text=example)
    )
    return InputBlock(block_id=ITEM_BLOCK, label=PlainTextObject(text="Item id"), element=field)


def rename_modal(w: Workshop, ref: Ref) -> dict[str, Any]:
    """New words for the activity, task or story ``ref.anchor``, pre-filled."""
    item = _item(w, ref.anchor)
    kind = _kind(item)
    blocks: list[Block] = [
        context(f"{item.id} {quoted(item.text)}: new words for this {kind}."),
        _text_input("New words", item.text, LIMITS[kind]),
    ]
    return _form(w, ref, CallbackId.RENAME, f"Rename {item.id}", submit="Rename", blocks=blocks)


def split_modal(w: Workshop, ref: Ref) -> dict[str, Any]:
    """Story ``ref.anchor`` in several parts, one per line, pre-filled with its words."""
    story = _item(w, ref.anchor)
    if not isinstance(story, Story):
        raise ValueError(f"{story.id} is not a story: only stories are split")
    hint = (
        f"Each line becomes a new story under the same task, with a new id; {story.id} goes "
        "and its votes go back to the voters."
    )
    blocks: list[Block] = [
        context(f"Split {story.id} {quoted(story.text)} into smaller stories."),
        _text_input("Parts, one per line", story.text, INPUT_CHARS, multiline=True, hint=hint),
    ]
    return _form(w, ref, CallbackId.SPLIT, f"Split {story.id}", submit="Split", blocks=blocks)


def move_modal(w: Workshop, ref: Ref) -> dict[str, Any]:
    """Story ``ref.anchor`` to another task, or task ``ref.anchor`` to another activity."""
    item = _item(w, ref.anchor)
    targets: list[Activity] | list[Task]
    if isinstance(item, Story):
        targets, noun = [t for t in w.tasks if t.id != item.task_id], "task"
        note = f"Move {item.id} {quoted(item.text)} under another task; its votes stay."
    elif isinstance(item, Task):
        targets, noun = [a for a in w.activities if a.id != item.activity_id], "activity"
        note = f"Move {item.id} {quoted(item.text)}, with its stories, under another activity."
    else:
        raise ValueError(f"{item.id} is an activity: order the backbone to move it")
    element: BlockElement
    if 0 < len(targets) <= MAX_OPTIONS:
        options = [
            Option(text=PlainTextObject(text=clip(f"{t.id} · {t.text}", OPTION_CHARS)), value=t.id)
            for t in targets
        ]
        element = StaticSelectElement(
            action_id=TARGET_INPUT,
            placeholder=PlainTextObject(text=f"Choose the {noun}"),
            options=options,
        )
    else:
        example = "T1" if noun == "task" else "A1"
        element = PlainTextInputElement(
            action_id=TARGET_INPUT, max_length=12, placeholder=PlainTextObject(text=example)
        )
    blocks: list[Block] = [
        context(note),
        InputBlock(
            block_id=TARGET_BLOCK, label=PlainTextObject(text=f"To {noun}"), element=element
        ),
    ]
    return _form(w, ref, CallbackId.MOVE, f"Move {item.id}", submit="Move", blocks=blocks)


def order_modal(w: Workshop, ref: Ref) -> dict[str, Any]:
    """The backbone's ids in their current order, to be written in the narrative order."""
    current = " ".join(a.id for a in w.activities)
    listed = capped_join((f"{a.id} {escape(a.text)}" for a in w.activities), " → ", BACKBONE_BUDGET)
    hint = "Left to right, in the order they happen; those left out follow in their order now."
    blocks: list[Block] = [
        *sections(f"*Backbone now:* {listed}"),
        _text_input("Activity ids, in order", current, INPUT_CHARS, hint=hint),
    ]
    return _form(
        w, ref, CallbackId.ORDER_BACKBONE, "Order the backbone", submit="Save order", blocks=blocks
    )


def rename_any_modal(w: Workshop, ref: Ref) -> dict[str, Any]:
    """The board's "Rename an item…": the id typed, then its new words."""
    blocks: list[Block] = [
        context("Any activity, task or story by its id, e.g. A2, T5 or S12."),
        _id_input("S12"),
        _text_input("New words", None, max(LIMITS.values())),
    ]
    return _form(w, ref, CallbackId.RENAME_ANY, "Rename an item", submit="Rename", blocks=blocks)


def remove_any_modal(w: Workshop, ref: Ref) -> dict[str, Any]:
    """The board's "Remove an item…": the id typed; with children, confirmed next."""
    blocks: list[Block] = [
        context(
            "Any activity, task or story by its id, e.g. A2, T5 or S12. Removing an activity "
            "or task with something under it asks first."
        ),
        _id_input("S12"),
    ]
    return _form(w, ref, CallbackId.REMOVE_ANY, "Remove an item", submit="Remove", blocks=blocks)


def notice_modal(title: str, text: str) -> dict[str, Any]:
    """A form's last word when it cannot do what it was opened for: ``text`` (escaped
    mrkdwn) and a Close button, no submit."""
    view = View(
        type="modal",
        title=PlainTextObject(text=clip(title, TITLE_CHARS)),
        close=PlainTextObject(text="Close"),
        blocks=sections(text),
    )
    built: dict[str, Any] = view.to_dict()
    return built


def confirm_remove_modal(channel_id: str, ref: Ref, question: str) -> dict[str, Any]:
    """``question`` (what would go, escaped mrkdwn); submitting removes ``ref.anchor``
    and what is under it in the workshop of ``channel_id``."""
    blocks: list[Block] = [*sections(question)]
    blocks.append(section("Submit to remove them all, or cancel to keep them."))
    title = clip(f"Remove {ref.anchor or 'item'}?", TITLE_CHARS)
    return modal(
        CallbackId.CONFIRM_REMOVE, title, "Remove them", ref.in_channel(channel_id), blocks
    )


def _value(values: Values, block: str, action: str) -> str:
    field = values.get(block, {}).get(action, {})
    chosen = field.get("selected_option") or {}
    return str(chosen.get("value") or field.get("value") or "").strip()


def parse_text(values: Values) -> str:
    """The new words (rename)."""
    return _value(values, TEXT_BLOCK, TEXT_INPUT)


def parse_parts(values: Values) -> list[str]:
    """The parts of a split, one per line (like items: ``split_items``)."""
    return split_items(_value(values, TEXT_BLOCK, TEXT_INPUT))


def parse_order(values: Values) -> tuple[str, ...]:
    """The ids written, separated by spaces, commas or arrows."""
    return tuple(t for t in _IDS.split(_value(values, TEXT_BLOCK, TEXT_INPUT)) if t)


def parse_item(values: Values) -> str:
    """The item id typed on the board's forms."""
    return _value(values, ITEM_BLOCK, ITEM_INPUT)


def parse_target(values: Values) -> str:
    """The task or activity chosen (or typed) to move to."""
    return _value(values, TARGET_BLOCK, TARGET_INPUT)
