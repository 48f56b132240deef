"""Effects of the Slack side that change no workshop state, and the outbox's full union.

The domain's effects say what changed; these say what one person should see (an
ephemeral notice, a reaction acknowledging their thread reply, a modal to open). Both
travel through the same outbox, so listeners never call the Web API.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, TypeAdapter

from bot.domain.effects import (
    Announce,
    DeadlineSet,
    OpenStage,
    PostMap,
    RefreshBoard,
    RefreshCard,
)
from bot.domain.model import Frozen
from bot.slack.scheduler import Job


class Notify(Frozen):
    """An ephemeral message to one person in the channel (or in a thread)."""

    kind: Literal["notify"] = "notify"
    user: str
    text: str
    thread_ts: str | None = None


class React(Frozen):
    """Add a reaction to a message, e.g. to acknowledge a thread reply."""

    kind: Literal["react"] = "react"
    ts: str
    name: str


class OpenModal(Frozen):
    kind: Literal["open_modal"] = "open_modal"
    trigger_id: str
    view: dict[str, Any]


class Welcome(Frozen):
    """Where to tell the facilitator if the bot cannot post in the channel at all."""

    kind: Literal["welcome"] = "welcome"
    response_url: str
    user: str


class ResolveDeadline(Frozen):
    """Read a deadline typed by the facilitator in their time zone, then set it."""

    kind: Literal["resolve_deadline"] = "resolve_deadline"
    user: str
    text: str
    auto: bool = False


class RunJob(Frozen):
    """A due job claimed by the scheduler (reminders, time's up, digest)."""

    kind: Literal["run_job"] = "run_job"
    job: Job


OutboxEffect = Annotated[
    RefreshBoard
    | OpenStage
    | RefreshCard
    | Announce
    | PostMap
    | Notify
    | React
    | OpenModal
    | Welcome
    | DeadlineSet
    | ResolveDeadline
    | RunJob,
    Field(discriminator="kind"),
]

OUTBOX_EFFECTS: TypeAdapter[list[OutboxEffect]] = TypeAdapter(list[OutboxEffect])
