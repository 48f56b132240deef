"""``/storymap ...``: the text interface."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.domain import commands as c
from bot.domain.machine import NO_WORKSHOP
from bot.domain.model import Workshop
from bot.domain.text import quoted
from bot.render.autopilot import schedule_view
from bot.render.exports import FORMATS
from bot.render.history import history
from bot.render.message import Message
from bot.render.status import help_message, status
from bot.slack.deps import Deps
from bot.slack.listeners.actions import confirming
from bot.slack.notices import ExportFile, Welcome
from bot.slack.textcmd import (
    DeadlineRequest,
    Export,
    Help,
    History,
    ScheduleRequest,
    ShowSchedule,
    Status,
    Usage,
    parse,
)

NOT_A_CHANNEL = (
    "Workshops run in a team channel, not in a direct message: type `/storymap start` "
    "in the channel where your team works (and `/invite @storymap` there first)."
)


def exporting(w: Workshop, name: str) -> str:
    """What the asker is told while their export is on its way."""
    return (
        f"Exporting {quoted(w.title)} as {FORMATS[name].label}: the file will be posted "
        "in this channel in a moment."
    )


def answer(
    deps: Deps,
    request: Help | Status | History | ShowSchedule,
    team_id: str,
    channel_id: str,
    user: str,
) -> Message:
    """What a question that changes nothing is answered, to the asker only."""
    if isinstance(request, Help):
        return help_message()
    # History shows the last workshop, even published; the others the running one.
    reading = deps.service.latest if isinstance(request, History) else deps.service.current
    workshop = reading(team_id, channel_id)
    if workshop is None:
        return Message(text=NO_WORKSHOP, blocks=[])
    if isinstance(request, Status):
        return status(workshop, user)
    if isinstance(request, History):
        return history(workshop)
    return Message(text=schedule_view(workshop), blocks=[])


def register(app: App, deps: Deps) -> None:
    @app.command("/storymap")
    def storymap(ack: Ack, command: dict[str, Any], client: WebClient) -> None:
        team_id, channel_id, user = command["team_id"], command["channel_id"], command["user_id"]
        if channel_id.startswith("D") or command.get("channel_name") == "directmessage":
            ack(text=NOT_A_CHANNEL)
            return
        request = parse(command.get("text", ""), team_id, channel_id)
        match request:
            case Help() | Status() | History() | ShowSchedule():
                shown = answer(deps, request, team_id, channel_id, user)
                ack(text=shown.text, blocks=shown.blocks)
            case Export(format=name):
                workshop = deps.service.latest(team_id, channel_id)
                if workshop is None:
                    ack(text=NO_WORKSHOP)
                    return
                export = ExportFile(format=name, user=user)
                deps.service.store.enqueue(team_id, channel_id, workshop.number, [export])
                ack(text=exporting(workshop, name))
            case Usage(message=message):
                ack(text=message)
            case ScheduleRequest(stage=stage, text=text):
                reply = deps.service.schedule_stage(
                    team_id,
                    channel_id,
                    user,
                    stage,
                    text,
                    zone=lambda: deps.time_zone(client, team_id, user),
                )
                ack(text=reply.text)
            case DeadlineRequest(text=text, auto=auto):
                # Read in the facilitator's time zone now (cached, or one quick
                # users.info), answered on the ack.
                reply = deps.service.set_deadline(
                    team_id,
                    channel_id,
                    user,
                    text,
                    auto=auto,
                    zone=lambda: deps.time_zone(client, team_id, user),
                )
                ack(text=reply.text)
            case _:
                extra = (
                    [Welcome(response_url=command["response_url"], user=user)]
                    if isinstance(request, c.Start) and command.get("response_url")
                    else []
                )
                reply = deps.service.handle(team_id, channel_id, user, request, extra_effects=extra)
                asked = confirming(reply)
                if asked is not None:  # the question, with the button that confirms it
                    ack(text=asked.text, blocks=asked.blocks)
                    return
                ack(text=reply.text)
