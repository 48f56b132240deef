"""Identifiers shared by the renderer and the listeners, so neither spells them twice.

Rules kept:
- every interactive element the renderer builds carries an ``ActionId``; every modal a
  ``CallbackId``; modal inputs use the block/action id constants below, which is what the
  submission parsers read back;
- a button ``value`` or a modal's ``private_metadata`` is a ``Ref`` as compact JSON. Its
  ``number`` is the channel's workshop number: a click on a board of an earlier workshop
  must not act on the one running now. ``anchor`` says what the click is about
  (``"activities"``, an activity id, a task id; for an edit, the item edited) and
  ``edit`` what an overflow menu's option does. ``stage`` is the stage the board showed,
  so a double click on "Next stage" or a stale board cannot skip a stage. ``channel`` is
  set in a modal's metadata: Slack's ``view_submission`` payload does not say which
  channel the form was opened from (the listener seals that metadata for the person the
  form was opened for: ``bot.slack.binding``). A button clicked in a channel acts on that
  channel only; a ``channel`` in its value must name the same one;
- all values stay far below Slack's limits (button value 2,000; option value 150;
  private_metadata 3,000; ids 255).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

from bot.domain.model import Frozen, Stage


class ActionId(StrEnum):
    """``action_id`` of every button and select the renderer builds."""

    OPEN_PERSONA_MODAL = "storymap.open_persona_modal"
    #: Button; its ``Ref.anchor`` is ``"activities"``, an activity id or a task id.
    OPEN_ADD_MODAL = "storymap.open_add_modal"
    #: Static select on the board ("Add tasks under…"); the chosen option's value is a Ref.
    PICK_ADD_PARENT = "storymap.pick_add_parent"
    NEXT_STAGE = "storymap.next_stage"
    BACK_STAGE = "storymap.back_stage"
    OPEN_SLICING_MODAL = "storymap.open_slicing_modal"
    PUBLISH = "storymap.publish"
    CANCEL = "storymap.cancel"
    SHOW_STATUS = "storymap.show_status"
    MUTE = "storymap.mute"
    OPEN_DEADLINE_MODAL = "storymap.open_deadline_modal"
    #: Overflow menu of a story card, a prompt or the board; the chosen option's value is
    #: a Ref whose ``edit`` says what to do and ``anchor`` on which item.
    EDIT_MENU = "storymap.edit_menu"
    #: "Remove them": the confirmed removal of ``Ref.anchor`` (after the first ask).
    CONFIRM_REMOVE = "storymap.confirm_remove"
    #: "Publish anyway": publish although Release 1 leaves an activity without a story.
    PUBLISH_ANYWAY = "storymap.publish_anyway"
    #: The Home tab's "Start a workshop": opens the form with a channel picker.
    HOME_START = "storymap.home_start"
    #: A Home tab button that opens a link (a prompt, the board, the map) in Slack.
    HOME_LINK = "storymap.home_link"
    #: Blind voting's buttons on a story card; ``Ref.anchor`` is the story id.
    VOTE = "storymap.vote"
    UNVOTE = "storymap.unvote"
    #: The proposed release plan's "Approve and publish" (the plan is the slices).
    APPROVE_PLAN = "storymap.approve_plan"
    #: "One more working day": the facilitator moves a scheduled deadline on.
    EXTEND_DEADLINE = "storymap.extend_deadline"
    #: The board's "Plan the workshop": opens the form that sets a schedule.
    OPEN_PLAN_MODAL = "storymap.open_plan_modal"


class CallbackId(StrEnum):
    """``callback_id`` of every modal; ``private_metadata`` holds the ``Ref``."""

    PERSONA = "storymap.persona"
    ADD_ITEMS = "storymap.add_items"
    SLICING = "storymap.slicing"
    DEADLINE = "storymap.deadline"
    RENAME = "storymap.rename"
    SPLIT = "storymap.split"
    MOVE = "storymap.move"
    ORDER_BACKBONE = "storymap.order_backbone"
    #: The board's "Rename an item…" and "Remove an item…": the item id is typed.
    RENAME_ANY = "storymap.rename_any"
    REMOVE_ANY = "storymap.remove_any"
    #: "Remove A2 and what is under it?": submitting removes them.
    CONFIRM_REMOVE = "storymap.confirm_removal"
    #: "Add to story map": one item made from a message (the message shortcut).
    FROM_MESSAGE = "storymap.from_message"
    #: The Home tab's "Start a workshop" form: a channel and a title.
    HOME_START = "storymap.home_start_form"
    #: "Plan the workshop": how many working days the workshop runs itself over.
    PLAN = "storymap.plan"


class Edit(StrEnum):
    """What an option of an overflow menu (``ActionId.EDIT_MENU``) does."""

    RENAME = "rename"
    SPLIT = "split"
    MOVE = "move"
    REMOVE = "remove"
    ORDER_BACKBONE = "order"
    RENAME_ANY = "rename_any"
    REMOVE_ANY = "remove_any"
    UNDO = "undo"
    HISTORY = "history"


#: ``callback_id`` of the message shortcut "Add to story map" (``manifest.yml``).
ADD_TO_MAP_SHORTCUT: Final = "storymap.add_to_map"

#: ``Ref.anchor`` of the add-items modal when activities are added to the backbone.
ACTIVITIES_ANCHOR: Final = "activities"

PERSONA_BLOCK: Final = "persona"
PERSONA_INPUT: Final = "persona_text"

DEADLINE_BLOCK: Final = "deadline"
DEADLINE_INPUT: Final = "deadline_text"
AUTO_BLOCK: Final = "auto"
AUTO_INPUT: Final = "auto_choice"

ITEMS_BLOCK: Final = "items"
ITEMS_INPUT: Final = "items_text"

#: The edit forms: an item id typed (board), new words or parts, a target to move to.
ITEM_BLOCK: Final = "item"
ITEM_INPUT: Final = "item_id"
TEXT_BLOCK: Final = "text"
TEXT_INPUT: Final = "text_value"
TARGET_BLOCK: Final = "target"
TARGET_INPUT: Final = "target_id"

#: The Home tab's "Start a workshop" form: the channel picked, and an optional title.
HOME_CHANNEL_BLOCK: Final = "channel"
HOME_CHANNEL_INPUT: Final = "channel_id"
HOME_TITLE_BLOCK: Final = "title"
HOME_TITLE_INPUT: Final = "title_text"

#: In the slicing modal, release ``n`` (1-based) has a name input and a stories input.
RELEASE_NAME_INPUT: Final = "release_name"
RELEASE_STORIES_INPUT: Final = "release_stories"
RELEASE_OUTCOME_INPUT: Final = "release_outcome"


def release_name_block(n: int) -> str:
    return f"release_{n}_name"


def release_stories_block(n: int) -> str:
    return f"release_{n}_stories"


def release_outcome_block(n: int) -> str:
    return f"release_{n}_outcome"


class Ref(Frozen):
    """What a click or a modal submission is about, small enough for a button value."""

    number: int
    anchor: str | None = None
    stage: Stage | None = None
    channel: str | None = None
    #: For an overflow menu's option: what it does (``anchor`` is the item it is about).
    edit: Edit | None = None
    #: For the "Add to story map" form: the permalink of the message it was opened on.
    link: str | None = None

    def dumps(self) -> str:
        return self.model_dump_json(exclude_none=True)

    def in_channel(self, channel_id: str) -> Ref:
        return self.model_copy(update={"channel": channel_id})

    @classmethod
    def loads(cls, raw: str) -> Ref:
        return cls.model_validate_json(raw)
