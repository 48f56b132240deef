"""Board and prompt buttons: open a modal, or move the workshop along; the menus that
shape the map.

A button that opens a form is acknowledged at once and the form opened right after, in
this process (a Bolt lazy listener), never through the outbox (``bot.slack.forms``).
An overflow menu's option (``ActionId.EDIT_MENU``) is acknowledged the same way, since
it may open a form: its ``Ref.edit`` says which (``EDIT_FORMS``), or what it runs at
once (remove, undo, history), the answer going to the chooser as an ephemeral notice.
A removal the machine wants confirmed opens a form saying what would go (ephemeral
notices carry text only); submitting it removes them (``bot.slack.listeners.views``).
The "Remove them" button shown with the same question after a slash command removes
them with one click, if its workshop is still the one running.
Blind voting's Vote / Unvote buttons on a story card are counted like reactions, by the
store's vote script alone (no document read); the voter is always told the outcome.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Final

from pydantic import ValidationError
from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.domain import commands as c
from bot.domain.model import Stage, Workshop
from bot.render import edits, modals
from bot.render.autopilot import plan_modal
from bot.render.history import history_text
from bot.render.ids import ActionId, Edit, Ref
from bot.render.menus import confirmation
from bot.render.message import Message
from bot.render.status import status_text
from bot.service import Reply
from bot.slack import forms
from bot.slack.binding import seal
from bot.slack.deps import Deps
from bot.slack.refs import prompt_name

log = logging.getLogger(__name__)

STALE = "That button belongs to an earlier workshop in this channel."
GONE = "{item} is no longer on the map, so there is nothing to change."
#: Where ``acknowledge`` notes when a click arrived (``time.monotonic``), for the form's
#: lazy listener to know how much of the trigger's life is left.
RECEIVED = "storymap_received_at"

#: Makes a form for a click's workshop and button.
Build = Callable[[Workshop, Ref], dict[str, Any]]


@dataclass(frozen=True)
class Click:
    """A click on one of the bot's buttons, with the running workshop it is about."""

    team_id: str
    channel_id: str
    user: str
    ref: Ref
    delivery: str
    workshop: Workshop


def _where(body: dict[str, Any], ref: Ref) -> str | None:
    """The channel a click is about; None when the button names another channel than
    the one it was clicked in (a button is bound to its channel; only a reminder's
    button, in a direct message, names the channel it is about)."""
    clicked_in = (body.get("channel") or {}).get("id")
    if clicked_in and not clicked_in.startswith("D"):
        if ref.channel not in (None, clicked_in):
            log.warning("a button of %s was clicked in %s: ignored", ref.channel, clicked_in)
            return None
        return str(clicked_in)
    return ref.channel


def clicked(deps: Deps, body: dict[str, Any]) -> Click | None:
    """The click, or None when its workshop is not the one running now (the clicker is
    told when it is an earlier workshop of this channel)."""
    action = body["actions"][0]
    raw = action.get("value") or (action.get("selected_option") or {}).get("value", "")
    try:
        ref = Ref.loads(raw)
    except ValidationError:
        log.warning("a click with a value that is not the bot's: ignored")
        return None
    channel_id = _where(body, ref)
    if channel_id is None:
        return None
    team_id = body["team"]["id"] if body.get("team") else body["user"]["team_id"]
    user = body["user"]["id"]
    workshop, finished = deps.service.clicked(team_id, channel_id, ref.number)
    if workshop is None:
        if finished is not None:
            deps.notify(team_id, channel_id, finished.number, user, STALE)
        return None
    delivery = f"action:{action.get('action_ts', '')}:{user}"
    return Click(team_id, channel_id, user, ref, delivery, workshop)


def open_form(
    deps: Deps, client: WebClient, body: dict[str, Any], context: BoltContext, build: Build
) -> None:
    """Open the form ``build`` makes for the click, in this process, right after the ack.

    Never through the outbox: the click's ``trigger_id`` lives 3 seconds. When Slack
    does not open it (``bot.slack.forms.open_form``), the clicker is told to click again.
    """
    click = clicked(deps, body)
    if click is None:
        return
    show_form(deps, client, body, context, click=click, view=build(click.workshop, click.ref))


def show_form(
    deps: Deps,
    client: WebClient,
    body: dict[str, Any],
    context: BoltContext,
    *,
    click: Click,
    view: dict[str, Any],
) -> None:
    """Open ``view`` for the person who clicked, sealed for them."""
    # Sealed for this person: the submission is checked against it (bot.slack.binding).
    view["private_metadata"] = seal(deps.form_key, click.user, view["private_metadata"])
    received = float(context.get(RECEIVED, 0.0)) or time.monotonic()
    failed = forms.open_form(client, body["trigger_id"], view, received)
    if failed is not None:
        deps.notify(click.team_id, click.channel_id, click.workshop.number, click.user, failed)


def tell(deps: Deps, click: Click, text: str) -> None:
    deps.notify(click.team_id, click.channel_id, click.workshop.number, click.user, text)


def chosen(deps: Deps, client: WebClient, body: dict[str, Any], context: BoltContext) -> None:
    """An option of an edit menu: open its form, or run it and tell the chooser."""
    click = clicked(deps, body)
    if click is None:
        return
    edit, item = click.ref.edit, click.ref.anchor
    if edit in EDIT_FORMS:
        try:
            view = EDIT_FORMS[edit](click.workshop, click.ref)
        except ValueError:  # removed (or changed) since the menu was shown
            tell(deps, click, GONE.format(item=item or "That item"))
            return
        show_form(deps, client, body, context, click=click, view=view)
        return
    if edit is Edit.HISTORY:  # a read: the workshop the click loaded
        tell(deps, click, history_text(click.workshop))
        return
    command: c.Command
    if edit is Edit.REMOVE and item is not None:
        command = c.Remove(item_id=item)
    elif edit is Edit.UNDO:
        command = c.Undo()
    else:
        log.warning("an edit menu option the bot does not offer (%s): ignored", edit)
        return
    reply = deps.service.handle(
        click.team_id, click.channel_id, click.user, command, delivery_id=click.delivery
    )
    if isinstance(reply.confirm, c.Remove):
        # What would go, as a form: submitting it removes them (one more click).
        ref = Ref(number=click.workshop.number, anchor=reply.confirm.item_id, edit=Edit.REMOVE)
        view = edits.confirm_remove_modal(click.channel_id, ref, reply.text)
        show_form(deps, client, body, context, click=click, view=view)
        return
    tell(deps, click, reply.text)


def confirming(reply: Reply) -> Message | None:
    """For a refusal that asks to confirm: its question with the "Remove them" button
    (``ActionId.CONFIRM_REMOVE``, bound to the workshop), to show the person."""
    if reply.confirm is None or reply.number is None:
        return None
    return confirmation(reply.text, reply.number, reply.confirm)


def acknowledge(ack: Ack, context: BoltContext) -> None:
    """A click that opens a form: acknowledged at once, noting when it arrived."""
    context[RECEIVED] = time.monotonic()
    ack()


#: The form each form-opening button opens.
FORMS: Final[dict[str, Build]] = {
    ActionId.OPEN_PERSONA_MODAL: modals.persona_modal,
    ActionId.OPEN_ADD_MODAL: modals.add_items_modal,
    ActionId.PICK_ADD_PARENT: modals.add_items_modal,
    ActionId.OPEN_DEADLINE_MODAL: modals.deadline_modal,
    ActionId.OPEN_SLICING_MODAL: modals.slicing_modal,
    ActionId.OPEN_PLAN_MODAL: plan_modal,
}
#: The form each edit menu option that needs words opens.
EDIT_FORMS: Final[dict[Edit | None, Build]] = {
    Edit.RENAME: edits.rename_modal,
    Edit.SPLIT: edits.split_modal,
    Edit.MOVE: edits.move_modal,
    Edit.ORDER_BACKBONE: edits.order_modal,
    Edit.RENAME_ANY: edits.rename_any_modal,
    Edit.REMOVE_ANY: edits.remove_any_modal,
}
#: The command each button that moves the workshop along runs, made from its ``Ref``.
COMMANDS: Final[dict[str, Callable[[Ref], c.Command]]] = {
    ActionId.NEXT_STAGE: lambda ref: c.Next(seen_stage=ref.stage),
    ActionId.BACK_STAGE: lambda ref: c.Back(seen_stage=ref.stage),
    ActionId.PUBLISH: lambda _: c.Publish(),
    ActionId.MUTE: lambda _: c.Mute(),
    ActionId.CANCEL: lambda _: c.Cancel(),
    ActionId.CONFIRM_REMOVE: lambda ref: c.Remove(item_id=ref.anchor or "", confirmed=True),
    ActionId.PUBLISH_ANYWAY: lambda _: c.Publish(confirmed=True),
    # The proposed plan is the workshop's slices: approving publishes them as they are.
    ActionId.APPROVE_PLAN: lambda _: c.Publish(confirmed=True),
    ActionId.EXTEND_DEADLINE: lambda ref: c.ExtendDeadline(stage=ref.stage),
}
#: Buttons whose reply the clicker is told even when it is not a refusal.
TOLD: Final = frozenset(
    {ActionId.MUTE, ActionId.CONFIRM_REMOVE, ActionId.APPROVE_PLAN, ActionId.EXTEND_DEADLINE}
)


def one_of(ids: Iterable[str]) -> re.Pattern[str]:
    """A constraint matching exactly these ids: one Bolt listener for several buttons,
    so a request is matched against a few listeners rather than one per button."""
    return re.compile("^(?:" + "|".join(re.escape(i) for i in ids) + ")$")


def action_id(body: dict[str, Any]) -> str:
    return str(body["actions"][0]["action_id"])


def show_status(deps: Deps, body: dict[str, Any]) -> None:
    click = clicked(deps, body)
    if click is not None:
        shown = status_text(click.workshop, click.user)
        deps.notify(click.team_id, click.channel_id, click.workshop.number, click.user, shown)


def act(deps: Deps, body: dict[str, Any]) -> None:
    """Run the button's command (made from its ``Ref``); the clicker hears refusals (and
    for the ``TOLD`` buttons, the reply too)."""
    click = clicked(deps, body)
    if click is None:
        return
    name = action_id(body)
    reply = deps.service.handle(
        click.team_id,
        click.channel_id,
        click.user,
        COMMANDS[name](click.ref),
        delivery_id=click.delivery,
    )
    asked = confirming(reply)
    if asked is not None:  # the question, with the button that confirms it
        number = click.workshop.number
        deps.notify(
            click.team_id, click.channel_id, number, click.user, asked.text, blocks=asked.blocks
        )
    elif name in TOLD or not reply.ok:
        deps.notify(click.team_id, click.channel_id, click.workshop.number, click.user, reply.text)


def vote_clicked(deps: Deps, body: dict[str, Any]) -> None:
    """A click on a card's Vote or Unvote (blind voting): counted, and the voter told, in
    the voting thread, what happened (their votes left and on that card, or why not)."""
    action = body["actions"][0]
    try:
        ref = Ref.loads(action.get("value") or "")
    except ValidationError:
        log.warning("a click with a value that is not the bot's: ignored")
        return
    channel_id = _where(body, ref)
    if channel_id is None or ref.anchor is None:
        return
    team_id = body["team"]["id"] if body.get("team") else body["user"]["team_id"]
    user = body["user"]["id"]
    reply = deps.service.button_vote(
        team_id,
        channel_id,
        user,
        ref.number,
        ref.anchor,
        cast=action_id(body) == ActionId.VOTE,
        delivery_id=f"action:{action.get('action_ts', '')}:{user}",
    )
    if reply.duplicate:
        return
    thread = deps.refs(team_id, channel_id, ref.number).get(prompt_name(Stage.VOTING.value, None))
    deps.notify(team_id, channel_id, ref.number, user, reply.text, thread_ts=thread)


def register(app: App, deps: Deps) -> None:
    def open_the_form(body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        open_form(deps, client, body, context, FORMS[action_id(body)])

    # Lazy listener: Bolt runs it on its listener executor after ``acknowledge`` has
    # answered (with process_before_response, as soon as the ack function returns), in
    # this process.
    app.action(one_of(FORMS))(ack=acknowledge, lazy=[open_the_form])

    def edit_chosen(body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        chosen(deps, client, body, context)

    app.action(ActionId.EDIT_MENU.value)(ack=acknowledge, lazy=[edit_chosen])

    @app.action(one_of([ActionId.VOTE, ActionId.UNVOTE]))
    def vote_button(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        vote_clicked(deps, body)

    @app.action(one_of([*COMMANDS, ActionId.SHOW_STATUS]))
    def button(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        if action_id(body) == ActionId.SHOW_STATUS:
            show_status(deps, body)
        else:
            act(deps, body)
