"""Board and prompt buttons: open a modal, or move the workshop along."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.domain import commands as c
from bot.domain.model import Workshop
from bot.render import modals
from bot.render.ids import ActionId, Ref
from bot.render.status import status
from bot.slack.deps import Deps
from bot.slack.notices import OpenModal

STALE = "That button belongs to an earlier workshop in this channel."


def _context(body: dict[str, Any]) -> tuple[str, str, str, Ref, str]:
    action = body["actions"][0]
    raw = action.get("value") or action.get("selected_option", {}).get("value", "")
    ref = Ref.loads(raw)
    return (
        body["team"]["id"] if body.get("team") else body["user"]["team_id"],
        # A reminder's button is clicked in a direct message: its Ref names the channel.
        ref.channel or body["channel"]["id"],
        body["user"]["id"],
        ref,
        f"action:{action.get('action_ts', '')}:{body['user']['id']}",
    )


def _current(deps: Deps, team_id: str, channel_id: str, user: str, ref: Ref) -> Workshop | None:
    """The workshop the button was rendered for, or None (and a notice) if it is over."""
    workshop = deps.service.store.load(team_id, channel_id)
    if workshop is None or workshop.number != ref.number:
        finished = deps.service.store.get(team_id, channel_id, ref.number)
        if finished is not None:
            deps.notify(team_id, channel_id, finished.number, user, STALE)
        return None
    return workshop


def register(app: App, deps: Deps) -> None:
    def open_modal(ack: Ack, body: dict[str, Any], build: Any) -> None:
        ack()
        team_id, channel_id, user, ref, _ = _context(body)
        workshop = _current(deps, team_id, channel_id, user, ref)
        if workshop is None:
            return
        view = build(workshop, ref)
        deps.service.store.enqueue(
            team_id,
            channel_id,
            workshop.number,
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
        team_id, channel_id, user, ref, _ = _context(body)
        workshop = _current(deps, team_id, channel_id, user, ref)
        if workshop is not None:
            deps.notify(team_id, channel_id, workshop.number, user, status(workshop, user).text)

    def act(ack: Ack, body: dict[str, Any], command: c.Command) -> None:
        ack()
        team_id, channel_id, user, ref, delivery = _context(body)
        workshop = _current(deps, team_id, channel_id, user, ref)
        if workshop is None:
            return
        reply = deps.service.handle(team_id, channel_id, user, command, delivery_id=delivery)
        if not reply.ok:
            deps.notify(team_id, channel_id, workshop.number, user, reply.text)

    @app.action(ActionId.NEXT_STAGE)
    def next_stage(ack: Ack, body: dict[str, Any]) -> None:
        act(ack, body, c.Next(seen_stage=Ref.loads(body["actions"][0]["value"]).stage))

    @app.action(ActionId.BACK_STAGE)
    def back_stage(ack: Ack, body: dict[str, Any]) -> None:
        act(ack, body, c.Back(seen_stage=Ref.loads(body["actions"][0]["value"]).stage))

    @app.action(ActionId.PUBLISH)
    def publish(ack: Ack, body: dict[str, Any]) -> None:
        act(ack, body, c.Publish())

    @app.action(ActionId.MUTE)
    def mute(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        team_id, channel_id, user, ref, delivery = _context(body)
        workshop = _current(deps, team_id, channel_id, user, ref)
        if workshop is not None:
            reply = deps.service.handle(team_id, channel_id, user, c.Mute(), delivery_id=delivery)
            deps.notify(team_id, channel_id, workshop.number, user, reply.text)

    @app.action(ActionId.CANCEL)
    def cancel(ack: Ack, body: dict[str, Any]) -> None:
        act(ack, body, c.Cancel())
