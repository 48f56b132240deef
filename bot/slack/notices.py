"""Effects of the Slack side that change no workshop state, and the outbox's full union.

The domain's effects say what changed; these say what one person should see (an
ephemeral notice, a reaction acknowledging their thread reply). Both travel through the
same outbox; forms are not effects (they open in the request, ``bot.slack.forms``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from bot.domain.effects import (
    Announce,
    DeadlineSet,
    OpenStage,
    PlanTheSchedule,
    PostMap,
    PostPicture,
    ProposePlan,
    RefreshBoard,
    RefreshCard,
    RefreshPrompts,
    VotesReturned,
)
from bot.domain.model import Frozen
from bot.render.exports import ExportName
from bot.slack.scheduler import Job


class Notify(Frozen):
    """An ephemeral message to one person in the channel (or in a thread)."""

    kind: Literal["notify"] = "notify"
    user: str
    text: str
    thread_ts: str | None = None
    #: Block Kit blocks shown instead of ``text`` (which stays the notification's text),
    #: e.g. a question with the button that confirms it.
    blocks: list[dict[str, Any]] | None = None


class React(Frozen):
    """Add a reaction to a message, e.g. to acknowledge a thread reply."""

    kind: Literal["react"] = "react"
    ts: str
    name: str


class Retired(BaseModel):
    """An effect earlier versions queued on the urgent lane and this one no longer
    performs: a form to open (``open_modal``, whose trigger has long expired) or a typed
    deadline to read (``resolve_deadline``; both now happen in the request). Read so an
    entry left by a replica of the earlier version does not stop the lane; the person
    whose deadline it was is asked to set it again."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    kind: Literal["open_modal", "resolve_deadline"]
    user: str | None = None


class ExportFile(Frozen):
    """Upload the map to the channel as a file (``/storymap export``), asked by ``user``."""

    kind: Literal["export_file"] = "export_file"
    format: ExportName
    user: str


class Welcome(Frozen):
    """Where to tell the facilitator if the bot cannot post in the channel at all."""

    kind: Literal["welcome"] = "welcome"
    response_url: str
    user: str


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
    | PostPicture
    | Notify
    | React
    | Welcome
    | Retired
    | DeadlineSet
    | RunJob
    | VotesReturned
    | RefreshPrompts
    | ExportFile
    | PlanTheSchedule
    | ProposePlan,
    Field(discriminator="kind"),
]

OUTBOX_EFFECTS: TypeAdapter[list[OutboxEffect]] = TypeAdapter(list[OutboxEffect])
