"""Board and prompt buttons: open a modal, or move the workshop along."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from slack_bolt import Ack, App

from bot.domain import commands as c
from bot.domain.model import Workshop
from bot.render import modals
from bot.render.ids import ActionId, Ref
from bot.render.status import status
from bot.slack.binding import seal
from bot.slack.deps import Deps
from bot.slack.notices import OpenModal

log = logging.getLogger(__name__)

STALE = "That button belongs to an earlier workshop in this channel."


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
    workshop = deps.service.store.load(team_id, channel_id)
    if workshop is None or workshop.number != ref.number:
        finished = deps.service.store.get(team_id, channel_id, ref.number)
        if finished is not None:
            deps.notify(team_id, channel_id, finished.number, user, STALE)
        return None
    delivery = f"action:{action.get('action_ts', '')}:{user}"
    return Click(team_id, channel_id, user, ref, delivery, workshop)


def register(app: App, deps: Deps) -> None:
    def open_modal(ack: Ack, body: dict[str, Any], build: Any) -> None:
        ack()
        click = clicked(deps, body)
        if click is None:
            return
        view = build(click.workshop, click.ref)
        # Sealed for this person: the submission is checked against it (bot.slack.binding).
        view["private_metadata"] = seal(deps.form_key, click.user, view["private_metadata"])
        deps.service.store.enqueue(
            click.team_id,
            click.channel_id,
            click.workshop.number,
            [OpenModal(trigger_id=body["trigger_id"], view=view)],
        )

    @app.action(ActionId.OPEN_PERSONA_MODAL)
    def persona(ack: Ack, body: dict[str, Any]) -> None:
        open_modal(ack, body, modals.persona_modal)

    @app.action(ActionId.OPEN_ADD_MODAL)
    def add(ack: Ack, body: dict[str, Any]) -> None:
        open_modal(ack, body, modals.add_items_modal)

    @app.action(ActionId.PICK_ADD_PARENT)
    def pick(ack: Ack, body: dict[str, Any]) -> None:
        open_modal(ack, body, modals.add_items_modal)

    @app.action(ActionId.OPEN_DEADLINE_MODAL)
    def deadline(ack: Ack, body: dict[str, Any]) -> None:
        open_modal(ack, body, modals.deadline_modal)

    @app.action(ActionId.OPEN_SLICING_MODAL)
    def slicing(ack: Ack, body: dict[str, Any]) -> None:
        open_modal(ack, body, modals.slicing_modal)

    @app.action(ActionId.SHOW_STATUS)
    def show_status(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        click = clicked(deps, body)
        if click is not None:
            shown = status(click.workshop, click.user).text
            deps.notify(click.team_id, click.channel_id, click.workshop.number, click.user, shown)

    def act(
        ack: Ack, body: dict[str, Any], command: Callable[[Ref], c.Command], *, tell: bool = False
    ) -> None:
        """Run the click's ``command`` (made from the button's ``Ref``); the clicker hears
        refusals (and with ``tell``, the reply too)."""
        ack()
        click = clicked(deps, body)
        if click is None:
            return
        reply = deps.service.handle(
            click.team_id,
            click.channel_id,
            click.user,
            command(click.ref),
            delivery_id=click.delivery,
        )
        if tell or not reply.ok:
            deps.notify(
                click.team_id, click.channel_id, click.workshop.number, click.user, reply.text
            )

    @app.action(ActionId.NEXT_STAGE)
    def next_stage(ack: Ack, body: dict[str, Any]) -> None:
        act(ack, body, lambda ref: c.Next(seen_stage=ref.stage))

    @app.action(ActionId.BACK_STAGE)
    def back_stage(ack: Ack, body: dict[str, Any]) -> None:
        act(ack, body, lambda ref: c.Back(seen_stage=ref.stage))

    @app.action(ActionId.PUBLISH)
    def publish(ack: Ack, body: dict[str, Any]) -> None:
        act(ack, body, lambda _: c.Publish())

    @app.action(ActionId.MUTE)
    def mute(ack: Ack, body: dict[str, Any]) -> None:
        act(ack, body, lambda _: c.Mute(), tell=True)

    @app.action(ActionId.CANCEL)
    def cancel(ack: Ack, body: dict[str, Any]) -> None:
        act(ack, body, lambda _: c.Cancel())
