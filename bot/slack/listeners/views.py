"""Modal submissions: persona, items (one per line), release slices."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.domain import commands as c
from bot.render import modals
from bot.render.ids import (
    DEADLINE_BLOCK,
    ITEMS_BLOCK,
    PERSONA_BLOCK,
    CallbackId,
    Ref,
    release_name_block,
)
from bot.service import Batch, item_command
from bot.slack.binding import unseal
from bot.slack.deps import Deps
from bot.slack.listeners.actions import one_of

EMPTY = "Write at least one item, one per line."


FORGED = (
    "This form could not be verified, so nothing was changed. Open it again from the "
    "workshop's board."
)


def stale(number: int) -> str:
    return (
        f"This form belongs to workshop #{number}, which has ended in this channel, so "
        "nothing was added. Open the form again from the current board."
    )


def _bound(
    deps: Deps,
    ack: Ack,
    body: dict[str, Any],
    block: str,
) -> tuple[str, str, Ref] | None:
    """The submission's workshop, or None after showing why the form cannot be used.

    The form must carry its seal for this person (``bot.slack.binding``), and the
    workshop it was opened on must still be the channel's running one.
    """
    user = body["user"]["id"]
    ref = unseal(deps.form_key, user, body["view"].get("private_metadata", ""))
    if ref is None or ref.channel is None:
        ack(response_action="errors", errors={block: FORGED})
        return None
    team_id = body["team"]["id"] if body.get("team") else body["user"]["team_id"]
    if not deps.service.is_running(team_id, ref.channel, ref.number):
        ack(response_action="errors", errors={block: stale(ref.number)})
        return None
    return team_id, ref.channel, ref


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
        slices=tuple(c.SlicePlan(name=name, story_ids=tuple(ids)) for name, ids in plans)
    )
    reply = deps.service.handle(team_id, channel_id, body["user"]["id"], command)
    if reply.ok:
        ack()
    else:
        ack(response_action="errors", errors={release_name_block(1): reply.text})


Submitted = Callable[[Deps, Ack, dict[str, Any], WebClient], None]
#: What each form's submission does.
SUBMISSIONS: Final[dict[str, Submitted]] = {
    CallbackId.PERSONA: persona,
    CallbackId.ADD_ITEMS: add_items,
    CallbackId.DEADLINE: set_deadline,
    CallbackId.SLICING: slicing,
}


def register(app: App, deps: Deps) -> None:
    # One Bolt listener for every form (a request is matched against each listener).
    @app.view(one_of(SUBMISSIONS))
    def submitted(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        SUBMISSIONS[body["view"]["callback_id"]](deps, ack, body, client)
