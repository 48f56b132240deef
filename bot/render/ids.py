"""Identifiers shared by the renderer and the listeners, so neither spells them twice.

Rules kept:
- every interactive element the renderer builds carries an ``ActionId``; every modal a
  ``CallbackId``; modal inputs use the block/action id constants below, which is what the
  submission parsers read back;
- a button ``value`` or a modal's ``private_metadata`` is a ``Ref`` as compact JSON. Its
  ``number`` is the channel's workshop number: a click on a board of an earlier workshop
  must not act on the one running now. ``anchor`` says what the click is about
  (``"activities"``, an activity id, a task id). ``stage`` is the stage the board showed,
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


class CallbackId(StrEnum):
    """``callback_id`` of every modal; ``private_metadata`` holds the ``Ref``."""

    PERSONA = "storymap.persona"
    ADD_ITEMS = "storymap.add_items"
    SLICING = "storymap.slicing"
    DEADLINE = "storymap.deadline"


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

#: In the slicing modal, release ``n`` (1-based) has a name input and a stories input.
RELEASE_NAME_INPUT: Final = "release_name"
RELEASE_STORIES_INPUT: Final = "release_stories"


def release_name_block(n: int) -> str:
    return f"release_{n}_name"


def release_stories_block(n: int) -> str:
    return f"release_{n}_stories"


class Ref(Frozen):
    """What a click or a modal submission is about, small enough for a button value."""

    number: int
    anchor: str | None = None
    stage: Stage | None = None
    channel: str | None = None

    def dumps(self) -> str:
        return self.model_dump_json(exclude_none=True)

    def in_channel(self, channel_id: str) -> Ref:
        return self.model_copy(update={"channel": channel_id})

    @classmethod
    def loads(cls, raw: str) -> Ref:
        return cls.model_validate_json(raw)
