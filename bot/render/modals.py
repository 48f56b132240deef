"""The modals: set the persona, add items (activities, tasks, stories), draw release slices.

Rules kept:
- every modal has a ``CallbackId``, its ``Ref`` as ``private_metadata`` with the
  workshop's channel (a submission does not say where the form was opened; the workshop
  number guards against a form opened on an earlier workshop) and a title of at most
  24 characters;
- the add-items modal takes many items at once, one per line, in one multiline input;
  its context names the parent, and it lists what is already there so people do not
  add duplicates (the machine refuses them anyway);
- input limits match the domain's (``bot.domain.text.LIMITS``) where one input is one
  item, so Slack stops an over-long persona before it is sent;
- the slicing modal lives in ``bot.render.slicing`` and the submission parsers in
  ``bot.render.submissions``; both are re-exported here for the listeners.
"""

from __future__ import annotations

from typing import Any, Final

from slack_sdk.models.blocks import (
    Block,
    CheckboxesElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    PlainTextObject,
)

from bot.domain.model import Workshop
from bot.domain.text import LIMITS
from bot.render.blocks import context, modal, section
from bot.render.ids import (
    ACTIVITIES_ANCHOR,
    AUTO_BLOCK,
    AUTO_INPUT,
    DEADLINE_BLOCK,
    DEADLINE_INPUT,
    ITEMS_BLOCK,
    ITEMS_INPUT,
    PERSONA_BLOCK,
    PERSONA_INPUT,
    CallbackId,
    Ref,
)
from bot.render.index import index
from bot.render.slicing import slicing_modal
from bot.render.submissions import (
    InvalidSubmission,
    parse_items_submission,
    parse_persona_submission,
    parse_slicing_submission,
)
from bot.render.text import capped_join, escape, quoted

#: Slack's most for a plain-text input.
INPUT_CHARS: Final = 3000
EXISTING_BUDGET: Final = 1500

__all__ = [
    "InvalidSubmission",
    "add_items_modal",
    "deadline_modal",
    "parse_deadline_submission",
    "parse_items_submission",
    "parse_persona_submission",
    "parse_slicing_submission",
    "persona_modal",
    "slicing_modal",
]


def persona_modal(w: Workshop, ref: Ref) -> dict[str, Any]:
    """The persona form, pre-filled with the current persona when there is one.

    It takes the workshop like the other modals, so a listener opens any of them alike.
    """
    field = PlainTextInputElement(
        action_id=PERSONA_INPUT,
        # The raw text, not escaped: it is handed back to be edited, never parsed as markup.
        initial_value=w.persona.text if w.persona else None,
        max_length=LIMITS["persona"],
        placeholder=PlainTextObject(text="Operations Manager at a logistics company"),
    )
    blocks: list[Block] = [
        section(
            "*Who is this map for?* One persona anchors the whole map: every activity, task "
            "and story is something this person does or needs."
        ),
        InputBlock(block_id=PERSONA_BLOCK, label=PlainTextObject(text="Persona"), element=field),
    ]
    return modal(CallbackId.PERSONA, "Persona", "Save", ref.in_channel(w.channel_id), blocks)


def add_items_modal(w: Workshop, ref: Ref) -> dict[str, Any]:
    """Add activities (anchor ``"activities"``), tasks (an activity id) or stories (a task id)."""
    ix = index(w)
    anchor = ref.anchor or ""
    if anchor == ACTIVITIES_ANCHOR:
        nouns, kind = "activities", "activity"
        parent = f"Backbone of {quoted(w.title)}, left to right in the order they happen."
        existing = [f"{a.id} {quoted(a.text)}" for a in w.activities]
        example = "e.g. Plan shipment"
    elif anchor in ix.activity_by_id:
        activity = ix.activity_by_id[anchor]
        nouns, kind = "tasks", "task"
        parent = f"Steps of {activity.id} {quoted(activity.text)}."
        existing = [f"{t.id} {quoted(t.text)}" for t in ix.tasks_of.get(anchor, [])]
        example = "e.g. View real-time map"
    elif anchor in ix.task_by_id:
        task = ix.task_by_id[anchor]
        activity_name = ix.activity_by_id.get(task.activity_id)
        nouns, kind = "stories", "story"
        parent = f"Story cards under {task.id} {quoted(task.text)}"
        if activity_name is not None:
            parent += f" (in {activity_name.id} {quoted(activity_name.text)})"
        parent += ", most important first."
        existing = [f"{s.id} {quoted(s.text)}" for s in ix.stories_of.get(anchor, [])]
        example = "e.g. See the driver on a map"
    else:
        raise ValueError(f"nothing to add under {anchor!r} in this workshop")
    field = PlainTextInputElement(
        action_id=ITEMS_INPUT,
        multiline=True,
        max_length=INPUT_CHARS,
        placeholder=PlainTextObject(text=example),
    )
    blocks: list[Block] = [
        context(parent),
        InputBlock(
            block_id=ITEMS_BLOCK,
            label=PlainTextObject(text=f"{nouns.capitalize()}, one per line"),
            hint=PlainTextObject(
                text=f"Each line becomes one {kind} (at most {LIMITS[kind]} characters)."
            ),
            element=field,
        ),
    ]
    if existing:
        blocks.append(context("Already here: " + capped_join(existing, ", ", EXISTING_BUDGET)))
    if w.persona is not None:
        blocks.append(context(f"Persona: {escape(w.persona.text)}"))
    metadata = ref.in_channel(w.channel_id)
    return modal(CallbackId.ADD_ITEMS, f"Add {nouns}", "Add", metadata, blocks)


def deadline_modal(w: Workshop, ref: Ref) -> dict[str, Any]:
    """The current stage's deadline, typed in the facilitator's own words and time."""
    when = PlainTextInputElement(
        action_id=DEADLINE_INPUT,
        max_length=80,
        placeholder=PlainTextObject(text="tomorrow 17:00"),
    )
    auto = CheckboxesElement(
        action_id=AUTO_INPUT,
        options=[
            Option(
                text=PlainTextObject(
                    text="Move on by itself at the deadline if the stage is ready"
                ),
                value="auto",
            )
        ],
    )
    blocks: list[Block] = [
        section(
            f"*Deadline for {w.stage.label}.* Read in your time zone; everyone sees it in "
            "theirs. E.g. `tomorrow 17:00`, `friday 12:00`, `in 2 days`, `2026-12-01 17:00`."
        ),
        InputBlock(block_id=DEADLINE_BLOCK, label=PlainTextObject(text="When"), element=when),
        InputBlock(
            block_id=AUTO_BLOCK,
            label=PlainTextObject(text="At the deadline"),
            element=auto,
            optional=True,
        ),
    ]
    return modal(CallbackId.DEADLINE, "Deadline", "Set", ref.in_channel(w.channel_id), blocks)


def parse_deadline_submission(values: dict[str, Any]) -> tuple[str, bool]:
    """(the typed time, whether the workshop should move on by itself)."""
    text = str(values.get(DEADLINE_BLOCK, {}).get(DEADLINE_INPUT, {}).get("value") or "")
    chosen = values.get(AUTO_BLOCK, {}).get(AUTO_INPUT, {}).get("selected_options") or []
    return text.strip(), any(o.get("value") == "auto" for o in chosen)
