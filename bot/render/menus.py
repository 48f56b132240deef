"""Overflow menus that shape the map, and the "Remove them" confirmation.

Rules kept:
- a story card offers Rename, Split, Move and Remove for its story; a tasks prompt
  Rename and Remove for its activity; a stories prompt Rename, Move and Remove for its
  task; the board Rename an item…, Remove an item… (once there are items), Order the
  backbone… (two activities or more), Undo my last change and History (a menu only when
  at least two options apply: Slack wants 2 to 5);
- every option's value is a ``Ref`` with the workshop number, the item (``anchor``) and
  what to do (``edit``), far below the 150 characters Slack allows an option value;
- an option is offered only in the stages the machine's transition table allows its
  command (``TRANSITIONS``: no split during voting); an option ending in "…" opens a
  form, the others act at once. The menus are shown to everyone while the workshop is
  open: the machine decides who may do what, and a refusal comes back as an ephemeral
  message or on the form;
- a refusal that asks to confirm is shown with its text and a danger "Remove them"
  button whose value names the workshop and the item, or for a publish whose Release 1
  misses activities a "Publish anyway" button (``confirmation``).
"""

from __future__ import annotations

from typing import Final

from slack_sdk.models.blocks import Block, Option, OverflowMenuElement, PlainTextObject

from bot.domain import commands as c
from bot.domain.machine import TRANSITIONS
from bot.domain.model import Activity, Story, Task, Workshop
from bot.render.blocks import actions, button, sections
from bot.render.ids import ActionId, Edit, Ref
from bot.render.message import Message, message
from bot.render.text import clip

#: Slack's limits for an overflow menu: 2 to 5 options of at most 75 characters.
MIN_OPTIONS: Final = 2
MAX_OPTIONS: Final = 5
OPTION_CHARS: Final = 75
CONFIRM_BLOCK: Final = "confirm"
CONFIRM_LABEL: Final = "Remove them"
PUBLISH_ANYWAY_LABEL: Final = "Publish anyway"

Choice = tuple[str, Edit, str | None]


#: The command kind each option gives, to offer it only in the stages it applies to
#: (History changes nothing: it is offered while the workshop is open).
KINDS: Final[dict[Edit, str]] = {
    Edit.RENAME: "rename",
    Edit.SPLIT: "split",
    Edit.MOVE: "move",
    Edit.REMOVE: "remove",
    Edit.ORDER_BACKBONE: "order_activities",
    Edit.RENAME_ANY: "rename",
    Edit.REMOVE_ANY: "remove",
    Edit.UNDO: "undo",
}


def _overflow(w: Workshop, choices: list[Choice]) -> OverflowMenuElement | None:
    choices = [
        (label, edit, anchor)
        for label, edit, anchor in choices
        if edit not in KINDS or (w.stage, KINDS[edit]) in TRANSITIONS
    ]
    if not w.stage.is_open or len(choices) < MIN_OPTIONS:
        return None
    ref = Ref(number=w.number, stage=w.stage)
    options = [
        Option(
            text=PlainTextObject(text=clip(label, OPTION_CHARS)),
            value=ref.model_copy(update={"anchor": anchor, "edit": edit}).dumps(),
        )
        for label, edit, anchor in choices[:MAX_OPTIONS]
    ]
    return OverflowMenuElement(action_id=ActionId.EDIT_MENU.value, options=options)


def card_menu(w: Workshop, story: Story) -> OverflowMenuElement | None:
    """Rename, Split, Move, Remove for the story of a card."""
    return _overflow(
        w,
        [
            (f"Rename {story.id}…", Edit.RENAME, story.id),
            (f"Split {story.id}…", Edit.SPLIT, story.id),
            (f"Move {story.id} to another task…", Edit.MOVE, story.id),
            (f"Remove {story.id}", Edit.REMOVE, story.id),
        ],
    )


def item_menu(w: Workshop, item: Activity | Task) -> OverflowMenuElement | None:
    """For a prompt's item: Rename, Move (a task), Remove."""
    choices: list[Choice] = [(f"Rename {item.id}…", Edit.RENAME, item.id)]
    if isinstance(item, Task):
        choices.append((f"Move {item.id} to another activity…", Edit.MOVE, item.id))
    choices.append((f"Remove {item.id}", Edit.REMOVE, item.id))
    return _overflow(w, choices)


def board_menu(w: Workshop) -> OverflowMenuElement | None:
    """The board's menu: the options that apply to ``w`` now."""
    choices: list[Choice] = []
    if w.activities:
        choices.append(("Rename an item…", Edit.RENAME_ANY, None))
        choices.append(("Remove an item…", Edit.REMOVE_ANY, None))
    if len(w.activities) > 1:
        choices.append(("Order the backbone…", Edit.ORDER_BACKBONE, None))
    choices.append(("Undo my last change", Edit.UNDO, None))
    choices.append(("History", Edit.HISTORY, None))
    return _overflow(w, choices)


def confirm_ref(number: int, command: c.Command) -> Ref | None:
    """The "Remove them" button's value for ``command``; None when it is not a removal."""
    if isinstance(command, c.Remove):
        return Ref(number=number, anchor=command.item_id, edit=Edit.REMOVE)
    return None


def confirmation(text: str, number: int, command: c.Command) -> Message:
    """``text`` (what would happen) and the button that confirms it: "Remove them" for a
    removal, "Publish anyway" for a publish."""
    blocks: list[Block] = [*sections(text)]
    ref = confirm_ref(number, command)
    if ref is not None:
        yes = button(CONFIRM_LABEL, ActionId.CONFIRM_REMOVE, ref, "danger")
        blocks.append(actions(CONFIRM_BLOCK, [yes]))
    elif isinstance(command, c.Publish):
        anyway = button(
            PUBLISH_ANYWAY_LABEL, ActionId.PUBLISH_ANYWAY, Ref(number=number), "primary"
        )
        blocks.append(actions(CONFIRM_BLOCK, [anyway]))
    return message(text, blocks)
