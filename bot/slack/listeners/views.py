"""Modal submissions: persona, items (one per line), release slices, and the forms that
shape the map (rename, split, move, order the backbone, remove, confirm a removal), and
"Add to story map" (one item made from a message, ``bot.slack.listeners.shortcuts``).

Each makes one service call; a refusal is shown under the form's field
(``response_action: errors``) and changes nothing. An edit form that is accepted closes
and tells the person what it did, as an ephemeral notice. Removing an item with
something under it turns the form into the question of what would go
(``response_action: update``), whose submission removes them; a refused or stale
question is replaced by why, since it has no field to show it under.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.domain import commands as c
from bot.domain.errors import Rejected
from bot.domain.fair import parse_span
from bot.render import edits, modals
from bot.render.autopilot import PLAN_BLOCK, parse_plan_submission
from bot.render.from_message import TAKES, parse_from_message
from bot.render.ids import (
    DEADLINE_BLOCK,
    ITEM_BLOCK,
    ITEMS_BLOCK,
    PERSONA_BLOCK,
    TARGET_BLOCK,
    TEXT_BLOCK,
    CallbackId,
    Edit,
    Ref,
    release_name_block,
)
from bot.service import Batch, item_command
from bot.slack.binding import seal, unseal
from bot.slack.deps import Deps
from bot.slack.listeners.actions import one_of

EMPTY = "Write at least one item, one per line."
NO_WORDS = "Write the new words."
NO_ID_OR_WORDS = "Write the item's id and its new words."
NO_PARTS = "Write the parts, one per line."
NO_TARGET = "Choose where to move it."
NO_ORDER = "Write the activity ids in the order they happen, e.g. A2 A1 A3."
NO_ITEM = "Write the id of the item to remove, e.g. S12."
NO_PARENT = "Choose where it goes."


FORGED = (
    "This form could not be verified, so nothing was changed. Open it again from the "
    "workshop's board."
)


def stale(number: int) -> str:
    return (
        f"This form belongs to workshop #{number}, which has ended in this channel, so "
        "nothing was changed. Open the form again from the current board."
    )


def _bound(
    deps: Deps,
    ack: Ack,
    body: dict[str, Any],
    block: str | None,
) -> tuple[str, str, Ref] | None:
    """The submission's workshop, or None after showing why the form cannot be used
    (under ``block``; a form without a field, ``None``, is replaced by the reason).

    The form must carry its seal for this person (``bot.slack.binding``), and the
    workshop it was opened on must still be the channel's running one.
    """
    user = body["user"]["id"]
    ref = unseal(deps.form_key, user, body["view"].get("private_metadata", ""))
    if ref is None or ref.channel is None:
        _refuse(ack, block, FORGED)
        return None
    team_id = body["team"]["id"] if body.get("team") else body["user"]["team_id"]
    if not deps.service.is_running(team_id, ref.channel, ref.number):
        _refuse(ack, block, stale(ref.number))
        return None
    return team_id, ref.channel, ref


def _refuse(ack: Ack, block: str | None, text: str) -> None:
    if block is None:
        ack(response_action="update", view=edits.notice_modal("Nothing changed", text))
    else:
        ack(response_action="errors", errors={block: text})


def set_deadline(deps: Deps, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    """The deadline form: read in the facilitator's time zone now (cached, or one quick
    ``users.info``) and set in one service call; a time that cannot be read, or a
    refusal, is shown on the form."""
    bound = _bound(deps, ack, body, DEADLINE_BLOCK)
    if bound is None:
        return
    team_id, channel_id, ref = bound
    user = body["user"]["id"]
    text, auto = modals.parse_deadline_submission(body["view"]["state"]["values"])
    if not text:
        ack(response_action="errors", errors={DEADLINE_BLOCK: "Say when, e.g. tomorrow 17:00."})
        return
    reply = deps.service.set_deadline(
        team_id,
        channel_id,
        user,
        text,
        auto=auto,
        zone=lambda: deps.time_zone(client, team_id, user),
    )
    if not reply.ok:
        ack(response_action="errors", errors={DEADLINE_BLOCK: reply.text})
        return
    ack()
    deps.notify(team_id, channel_id, ref.number, user, reply.text)


def plan(deps: Deps, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    """ "Plan the workshop": the span is read here; a span that cannot be read, or a
    refusal, is shown on the form."""
    bound = _bound(deps, ack, body, PLAN_BLOCK)
    if bound is None:
        return
    team_id, channel_id, ref = bound
    user = body["user"]["id"]
    try:
        days = parse_span(parse_plan_submission(body["view"]["state"]["values"]))
    except Rejected as unreadable:
        ack(response_action="errors", errors={PLAN_BLOCK: unreadable.message})
        return
    reply = deps.service.handle(team_id, channel_id, user, c.PlanSchedule(days=days))
    if not reply.ok:
        ack(response_action="errors", errors={PLAN_BLOCK: reply.text})
        return
    ack()
    deps.notify(team_id, channel_id, ref.number, user, reply.text)


def persona(deps: Deps, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    bound = _bound(deps, ack, body, PERSONA_BLOCK)
    if bound is None:
        return
    team_id, channel_id, _ = bound
    text = modals.parse_persona_submission(body["view"]["state"]["values"])
    reply = deps.service.handle(team_id, channel_id, body["user"]["id"], c.SetPersona(text=text))
    if reply.ok:
        ack()
    else:
        ack(response_action="errors", errors={PERSONA_BLOCK: reply.text})


def add_items(deps: Deps, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    bound = _bound(deps, ack, body, ITEMS_BLOCK)
    if bound is None:
        return
    team_id, channel_id, ref = bound
    user = body["user"]["id"]
    lines = modals.parse_items_submission(body["view"]["state"]["values"])
    if not lines:
        ack(response_action="errors", errors={ITEMS_BLOCK: EMPTY})
        return
    batch = Batch(lines=[(line, item_command(ref.anchor, line)) for line in lines])
    reply = deps.service.handle_batch(team_id, channel_id, user, batch)
    if not reply.ok:
        ack(response_action="errors", errors={ITEMS_BLOCK: reply.text})
        return
    ack()
    if reply.refused and reply.workshop is not None:
        deps.notify(team_id, channel_id, reply.workshop.number, user, reply.text)


def slicing(deps: Deps, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    bound = _bound(deps, ack, body, release_name_block(1))
    if bound is None:
        return
    team_id, channel_id, _ = bound
    try:
        plans = modals.parse_slicing_submission(body["view"]["state"]["values"])
    except modals.InvalidSubmission as invalid:
        ack(response_action="errors", errors=invalid.errors)
        return
    command = c.SetSlices(
        slices=tuple(
            c.SlicePlan(name=name, story_ids=tuple(ids), outcome=outcome)
            for name, ids, outcome in plans
        )
    )
    reply = deps.service.handle(team_id, channel_id, body["user"]["id"], command)
    if reply.ok:
        ack()
    else:
        ack(response_action="errors", errors={release_name_block(1): reply.text})


def _edit(
    deps: Deps, ack: Ack, body: dict[str, Any], block: str, make: Callable[[Ref], c.Command | str]
) -> None:
    """One edit form: ``make`` turns the form's ``Ref`` into the command, or into what
    is missing from the form (shown under ``block``); the reply is told on success."""
    bound = _bound(deps, ack, body, block)
    if bound is None:
        return
    team_id, channel_id, ref = bound
    user = body["user"]["id"]
    command = make(ref)
    if isinstance(command, str):
        ack(response_action="errors", errors={block: command})
        return
    reply = deps.service.handle(team_id, channel_id, user, command)
    if isinstance(reply.confirm, c.Remove):
        asked = Ref(number=ref.number, anchor=reply.confirm.item_id, edit=Edit.REMOVE)
        view = edits.confirm_remove_modal(channel_id, asked, reply.text)
        view["private_metadata"] = seal(deps.form_key, user, view["private_metadata"])
        ack(response_action="update", view=view)
        return
    if not reply.ok:
        ack(response_action="errors", errors={block: reply.text})
        return
    ack()
    deps.notify(team_id, channel_id, ref.number, user, reply.text)


def _values(body: dict[str, Any]) -> Any:
    return body["view"]["state"]["values"]


def rename(deps: Deps, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    text = edits.parse_text(_values(body))
    _edit(
        deps,
        ack,
        body,
        TEXT_BLOCK,
        lambda ref: c.Rename(item_id=ref.anchor or "", text=text) if text else NO_WORDS,
    )


def split(deps: Deps, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    parts = tuple(edits.parse_parts(_values(body)))
    _edit(
        deps,
        ack,
        body,
        TEXT_BLOCK,
        lambda ref: c.Split(story_id=ref.anchor or "", texts=parts) if parts else NO_PARTS,
    )


def move(deps: Deps, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    to = edits.parse_target(_values(body))
    _edit(
        deps,
        ack,
        body,
        TARGET_BLOCK,
        lambda ref: c.Move(item_id=ref.anchor or "", to_id=to) if to else NO_TARGET,
    )


def order_backbone(deps: Deps, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    ids = edits.parse_order(_values(body))
    _edit(
        deps,
        ack,
        body,
        TEXT_BLOCK,
        lambda _: c.OrderActivities(activity_ids=ids) if ids else NO_ORDER,
    )


def rename_any(deps: Deps, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    item, text = edits.parse_item(_values(body)), edits.parse_text(_values(body))
    _edit(
        deps,
        ack,
        body,
        ITEM_BLOCK,
        lambda _: c.Rename(item_id=item, text=text) if item and text else NO_ID_OR_WORDS,
    )


def remove_any(deps: Deps, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    item = edits.parse_item(_values(body))
    _edit(deps, ack, body, ITEM_BLOCK, lambda _: c.Remove(item_id=item) if item else NO_ITEM)


def confirm_remove(deps: Deps, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    """The question of what would go, answered: remove the item and what is under it."""
    bound = _bound(deps, ack, body, None)
    if bound is None:
        return
    team_id, channel_id, ref = bound
    user = body["user"]["id"]
    command = c.Remove(item_id=ref.anchor or "", confirmed=True)
    reply = deps.service.handle(team_id, channel_id, user, command)
    if not reply.ok:
        ack(response_action="update", view=edits.notice_modal("Nothing removed", reply.text))
        return
    ack()
    deps.notify(team_id, channel_id, ref.number, user, reply.text)


def from_message(deps: Deps, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    """ "Add to story map": one item of the stage the form was opened in, linked to the
    message; refusals (the stage moved on, a duplicate, a parent gone) under the field."""
    bound = _bound(deps, ack, body, TEXT_BLOCK)
    if bound is None:
        return
    team_id, channel_id, ref = bound
    text, parent = parse_from_message(_values(body))
    kind = TAKES.get(ref.stage) if ref.stage is not None else None
    if not text or kind is None:
        ack(response_action="errors", errors={TEXT_BLOCK: NO_WORDS})
        return
    command: c.Command
    if kind == "activity":
        command = c.AddActivity(text=text, link=ref.link)
    elif not parent:
        ack(response_action="errors", errors={TARGET_BLOCK: NO_PARENT})
        return
    elif kind == "task":
        command = c.AddTask(activity_id=parent, text=text, link=ref.link)
    else:
        command = c.AddStory(task_id=parent, text=text, link=ref.link)
    user = body["user"]["id"]
    reply = deps.service.handle(team_id, channel_id, user, command)
    if not reply.ok:
        ack(response_action="errors", errors={TEXT_BLOCK: reply.text})
        return
    ack()
    deps.notify(team_id, channel_id, ref.number, user, reply.text)


Submitted = Callable[[Deps, Ack, dict[str, Any], WebClient], None]
#: What each form's submission does.
SUBMISSIONS: Final[dict[str, Submitted]] = {
    CallbackId.PERSONA: persona,
    CallbackId.ADD_ITEMS: add_items,
    CallbackId.DEADLINE: set_deadline,
    CallbackId.SLICING: slicing,
    CallbackId.RENAME: rename,
    CallbackId.SPLIT: split,
    CallbackId.MOVE: move,
    CallbackId.ORDER_BACKBONE: order_backbone,
    CallbackId.RENAME_ANY: rename_any,
    CallbackId.REMOVE_ANY: remove_any,
    CallbackId.CONFIRM_REMOVE: confirm_remove,
    CallbackId.FROM_MESSAGE: from_message,
    CallbackId.PLAN: plan,
}


def register(app: App, deps: Deps) -> None:
    # One Bolt listener for every form (a request is matched against each listener).
    @app.view(one_of(SUBMISSIONS))
    def submitted(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        SUBMISSIONS[body["view"]["callback_id"]](deps, ack, body, client)
