"""Assertions shared by the render tests: what is sent passes Slack's checks."""

from __future__ import annotations

from typing import Any

from bot.domain.model import Stage, Workshop
from bot.render import edits
from bot.render.board import board
from bot.render.cards import story_card
from bot.render.ids import ACTIVITIES_ANCHOR, Ref
from bot.render.map import published_map
from bot.render.message import Message
from bot.render.modals import add_items_modal, persona_modal, slicing_modal
from bot.render.prompts import prompts_for
from bot.render.status import help_message, status
from tests.support.limits import check_message, check_view


def sendable(m: Message) -> Message:
    check_message(m.blocks, m.text)
    return m


def everything(w: Workshop) -> tuple[list[Message], list[dict[str, Any]]]:
    """Every message and modal the renderer can produce for ``w`` (all checked)."""
    messages = [board(w), status(w, "UBEN"), help_message(), *published_map(w)]
    messages.extend(m for _, m in prompts_for(w, w.stage))
    messages.extend(story_card(w, s.id) for s in w.stories)
    ref = Ref(number=w.number, stage=w.stage)
    views = [persona_modal(w, ref)]
    anchors = [ACTIVITIES_ANCHOR, *(a.id for a in w.activities), *(t.id for t in w.tasks)]
    views.extend(add_items_modal(w, ref.model_copy(update={"anchor": a})) for a in anchors)
    if w.stage in (Stage.SLICING, Stage.PUBLISHED):
        views.append(slicing_modal(w, ref))
    movable = [*(t.id for t in w.tasks), *(s.id for s in w.stories)]
    items = [*(a.id for a in w.activities), *movable]
    views.extend(edits.rename_modal(w, ref.model_copy(update={"anchor": i})) for i in items)
    views.extend(edits.move_modal(w, ref.model_copy(update={"anchor": i})) for i in movable)
    views.extend(edits.split_modal(w, ref.model_copy(update={"anchor": s.id})) for s in w.stories)
    views.extend([edits.order_modal(w, ref), edits.rename_any_modal(w, ref)])
    views.append(edits.remove_any_modal(w, ref))
    views.append(edits.confirm_remove_modal(w.channel_id, ref, "A1 and 3 tasks would go."))
    for m in messages:
        sendable(m)
    for view in views:
        check_view(view)
    return messages, views
