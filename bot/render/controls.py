"""The board's buttons and parent picker, per stage.

Rules kept:
- each open stage offers its next step first (Set persona, Add activities, Add tasks
  under…, Add stories under…, Draw release slices, Publish), then ← Back / Next stage →,
  Status, Deadline and Cancel, and last the menu that shapes the map (rename, remove,
  order the backbone, undo: ``bot.render.menus``); a published or cancelled workshop
  offers nothing;
- the machine decides who may do what (only the facilitator moves stages): the buttons
  are shown to everyone and a refusal comes back as an ephemeral message;
- Publish and Cancel ask for confirmation, because neither can be undone;
- "Add tasks under…" / "Add stories under…" is a select: grouped by activity when
  everything fits, else the parents still without children first, capped at Slack's 100
  options and at ``PICKER_CHARS`` of option text (which counts towards the message's
  12,000), with a note; the stage's prompt in the board's thread carries the same
  select, and a reply there can name any parent by its id.
"""

from __future__ import annotations

from typing import Any, Final

from slack_sdk.models.blocks import (
    Block,
    InteractiveElement,
    Option,
    OptionGroup,
    PlainTextObject,
    StaticSelectElement,
)

from bot.domain.model import STAGE_ORDER, Activity, Stage, Task, Workshop
from bot.render.blocks import actions, button, context
from bot.render.ids import ACTIVITIES_ANCHOR, ActionId, Ref
from bot.render.index import MapIndex
from bot.render.menus import board_menu
from bot.render.text import clip

#: Slack's limits for a select: options, and characters of an option's text.
MAX_OPTIONS: Final = 100
OPTION_CHARS: Final = 75
#: Option text the picker may add to the board: Slack counts it in the message's 12,000.
PICKER_CHARS: Final = 4000

#: The stages a schedule can still be planned from (the ones up to voting).
PLANNABLE: Final = STAGE_ORDER[: STAGE_ORDER.index(Stage.VOTING) + 1]

ADD_BLOCK: Final = "board_add"
NAV_BLOCK: Final = "board_nav"


def board_controls(w: Workshop, ix: MapIndex) -> list[Block]:
    if not w.stage.is_open:
        return []
    ref = Ref(number=w.number, stage=w.stage)
    blocks: list[Block] = []
    first: list[InteractiveElement] = []
    if w.stage is Stage.PERSONA:
        label = "Change persona" if w.persona else "Set persona"
        first.append(button(label, ActionId.OPEN_PERSONA_MODAL, ref, "primary"))
    elif w.stage is Stage.ACTIVITIES:
        add = ref.model_copy(update={"anchor": ACTIVITIES_ANCHOR})
        first.append(button("Add activities", ActionId.OPEN_ADD_MODAL, add, "primary"))
    elif w.stage in (Stage.TASKS, Stage.STORIES):
        blocks.extend(parent_picker(w, ix, ref))
    elif w.stage is Stage.SLICING:
        first.append(button("Draw release slices", ActionId.OPEN_SLICING_MODAL, ref, "primary"))
        first.append(
            button(
                "Publish",
                ActionId.PUBLISH,
                ref,
                "primary" if w.slices else None,
                ("Publish the map?", "The map is posted and pinned in the channel.", "Publish"),
            )
        )
    menu = board_menu(w)
    blocks.append(actions(NAV_BLOCK, [*first, *_navigation(w, ref), *([menu] if menu else [])]))
    return blocks


def _navigation(w: Workshop, ref: Ref) -> list[InteractiveElement]:
    nav: list[InteractiveElement] = []
    if w.stage is not Stage.PERSONA:
        nav.append(button("← Back", ActionId.BACK_STAGE, ref))
    if w.stage is not Stage.SLICING:
        nav.append(button("Next stage →", ActionId.NEXT_STAGE, ref))
    nav.append(button("Status", ActionId.SHOW_STATUS, ref))
    nav.append(button("Deadline", ActionId.OPEN_DEADLINE_MODAL, ref))
    if w.schedule is None and w.stage in PLANNABLE:
        nav.append(button("Plan the workshop", ActionId.OPEN_PLAN_MODAL, ref))
    question = "Everything added stays in the history, but nothing is published."
    nav.append(
        button(
            "Cancel workshop",
            ActionId.CANCEL,
            ref,
            "danger",
            ("Cancel the workshop?", question, "Cancel workshop"),
        )
    )
    return nav


def parent_picker(w: Workshop, ix: MapIndex, ref: Ref, block_id: str = ADD_BLOCK) -> list[Block]:
    """The select of activities (tasks stage) or tasks (stories stage) to add under;
    the stage is ``ref.stage`` (the workshop's when unset), in block ``block_id``."""
    stage = ref.stage or w.stage
    parents: list[Activity] | list[Task]
    if stage is Stage.TASKS:
        parents, noun, empty = list(w.activities), "tasks", "no tasks yet"
        bare = {a.id for a in w.activities if not ix.tasks_of.get(a.id)}
    else:
        parents, noun, empty = list(w.tasks), "stories", "no stories yet"
        bare = {t.id for t in w.tasks if not ix.stories_of.get(t.id)}
    if not parents:
        return []
    labels = {}
    for item in parents:
        suffix = f" ({empty})" if item.id in bare else ""
        labels[item.id] = clip(f"{item.id} · {item.text}", OPTION_CHARS - len(suffix)) + suffix

    def option(item_id: str) -> Option:
        value = ref.model_copy(update={"anchor": item_id}).dumps()
        return Option(text=PlainTextObject(text=labels[item_id]), value=value)

    def select(**choices: Any) -> list[Block]:
        placeholder = PlainTextObject(text=f"Add {noun} under…")
        picker = StaticSelectElement(
            action_id=ActionId.PICK_ADD_PARENT.value, placeholder=placeholder, **choices
        )
        return [actions(block_id, [picker])]

    used = sum(len(label) for label in labels.values())
    if len(parents) <= MAX_OPTIONS and used <= PICKER_CHARS:
        if stage is Stage.STORIES:
            heads = {
                a.id: clip(f"{a.id} · {a.text}", OPTION_CHARS)
                for a in w.activities
                if ix.tasks_of.get(a.id)
            }
            if used + sum(len(head) for head in heads.values()) <= PICKER_CHARS:
                groups = [
                    OptionGroup(
                        label=PlainTextObject(text=head),
                        options=[option(t.id) for t in ix.tasks_of[activity_id]],
                    )
                    for activity_id, head in heads.items()
                ]
                return select(option_groups=groups)
        return select(options=[option(p.id) for p in parents])
    # Too many to offer: those still empty first (the gate waits for them), within budget.
    first = [p.id for p in parents if p.id in bare] + [p.id for p in parents if p.id not in bare]
    shown: list[Option] = []
    used = 0
    for item_id in first:
        if len(shown) == MAX_OPTIONS or used + len(labels[item_id]) > PICKER_CHARS:
            break
        shown.append(option(item_id))
        used += len(labels[item_id])
    note = (
        f"The list shows {len(shown)} of {len(parents)}, those without {noun} first; "
        "a reply to the stage's prompt can name any of them by its id."
    )
    return [*select(options=shown), context(note)]
