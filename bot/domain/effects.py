"""What should happen in Slack after a change, as data.

The machine returns effects; the outbox stores them in the same atomic step as the
state; the dispatcher turns them into Web API calls. Effects name *what* changed, not
*how* to show it, so rendering stays in one place and repeated refreshes collapse.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field

from bot.domain.model import Frozen, Stage


class RefreshBoard(Frozen):
    """The board message should show the current state."""

    kind: Literal["refresh_board"] = "refresh_board"


class OpenStage(Frozen):
    """A stage was entered: post its prompt(s) (and, for voting, the story cards)."""

    kind: Literal["open_stage"] = "open_stage"
    stage: Stage


class RefreshCard(Frozen):
    """A story card's vote count or text changed."""

    kind: Literal["refresh_card"] = "refresh_card"
    story_id: str


class Announce(Frozen):
    """A short line in the workshop thread, e.g. who moved the stage."""

    kind: Literal["announce"] = "announce"
    text: str


class DeadlineSet(Frozen):
    """Schedule the reminders and the time's-up notice of the current stage's deadline."""

    kind: Literal["deadline_set"] = "deadline_set"
    stage: Stage
    at: datetime
    #: Said already (in the schedule's announcement): no line of its own in the thread.
    announced: bool = False


class PostMap(Frozen):
    """Post the final map in the channel and pin it; when the workshop was reopened and
    published again, edit the pinned map in place instead and post ``changes`` (one
    line each, what changed since the last publish) in its thread."""

    kind: Literal["post_map"] = "post_map"
    changes: tuple[str, ...] = ()


class PostPicture(Frozen):
    """Upload a picture of the published map in the thread of the pinned map's first
    message, once per publish (a map published again after a reopen gets a new one)."""

    kind: Literal["post_picture"] = "post_picture"


class RefreshPrompts(Frozen):
    """The prompts that show these items changed, or items added under them: ``-`` is
    the backbone (its prompt lists the activities), an activity id what its tasks are
    listed in, a task id what its stories are listed in (``bot.slack.refs.prompts_of``)."""

    kind: Literal["refresh_prompts"] = "refresh_prompts"
    anchors: tuple[str, ...]


class VotesReturned(Frozen):
    """A story with votes left the map: each voter is told, in one ephemeral line, that
    their votes on it came back to them. ``voters`` has one entry per vote (a voter
    with two votes on the story is named twice)."""

    kind: Literal["votes_returned"] = "votes_returned"
    story_id: str
    text: str
    voters: tuple[str, ...]


class PlanTheSchedule(Frozen):
    """Read where the channel's members are (their time zones), then set the schedule
    over ``days`` working days (``commands.SetSchedule``) as the facilitator."""

    kind: Literal["plan_schedule"] = "plan_schedule"
    days: int


class ProposePlan(Frozen):
    """Voting closed in a workshop that runs itself: send the facilitator the proposed
    release plan (now the workshop's slices) with Approve and publish, and Edit."""

    kind: Literal["propose_plan"] = "propose_plan"


Effect = Annotated[
    RefreshBoard
    | OpenStage
    | RefreshCard
    | Announce
    | PostMap
    | PostPicture
    | DeadlineSet
    | VotesReturned
    | RefreshPrompts
    | PlanTheSchedule
    | ProposePlan,
    Field(discriminator="kind"),
]
