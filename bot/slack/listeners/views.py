"""Modal submissions: persona, items (one per line), release slices."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.domain import commands as c
from bot.render import modals
from bot.render.ids import (
    ACTIVITIES_ANCHOR,
    DEADLINE_BLOCK,
    ITEMS_BLOCK,
    PERSONA_BLOCK,
    CallbackId,
    Ref,
    release_name_block,
)
from bot.service import Batch
from bot.slack.deps import Deps
from bot.slack.notices import ResolveDeadline

EMPTY = "Write at least one item, one per line."


def _context(body: dict[str, Any]) -> tuple[str, str, Ref]:
    view = body["view"]
    ref = Ref.loads(view["private_metadata"])
    team_id = body["team"]["id"] if body.get("team") else body["user"]["team_id"]
    if ref.channel is None:
        raise ValueError("modal without a channel in its metadata")
    return team_id, ref.channel, ref


def item_command(anchor: str | None, line: str) -> c.Command:
    if anchor is None or anchor == ACTIVITIES_ANCHOR:
        return c.AddActivity(text=line)
    if anchor.startswith("A"):
        return c.AddTask(activity_id=anchor, text=line)
    return c.AddStory(task_id=anchor, text=line)


def register(app: App, deps: Deps) -> None:
    @app.view(CallbackId.PERSONA)
    def persona(ack: Ack, body: dict[str, Any]) -> None:
        team_id, channel_id, _ = _context(body)
        text = modals.parse_persona_submission(body["view"]["state"]["values"])
        reply = deps.service.handle(
            team_id, channel_id, body["user"]["id"], c.SetPersona(text=text)
        )
        if reply.ok:
            ack()
        else:
            ack(response_action="errors", errors={PERSONA_BLOCK: reply.text})

    @app.view(CallbackId.ADD_ITEMS)
    def add_items(ack: Ack, body: dict[str, Any]) -> None:
        team_id, channel_id, ref = _context(body)
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

    @app.view(CallbackId.DEADLINE)
    def deadline(ack: Ack, body: dict[str, Any]) -> None:
        team_id, channel_id, ref = _context(body)
        text, auto = modals.parse_deadline_submission(body["view"]["state"]["values"])
        if not text:
            ack(response_action="errors", errors={DEADLINE_BLOCK: "Say when, e.g. tomorrow 17:00."})
            return
        ack()
        # Read in the facilitator's time zone by the urgent lane (users.info), like the
        # slash command; the answer comes as an ephemeral message.
        deps.service.store.enqueue(
            team_id,
            channel_id,
            ref.number,
            [ResolveDeadline(user=body["user"]["id"], text=text, auto=auto)],
        )

    @app.view(CallbackId.SLICING)
    def slicing(ack: Ack, body: dict[str, Any]) -> None:
        team_id, channel_id, _ = _context(body)
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
