"""What people ask the workshop to do, as typed values.

Listeners turn Slack payloads (slash command text, button clicks, modal submissions,
thread replies, reactions) into one of these; ``bot.domain.machine.apply`` decides.
Commands carry raw user text: trimming and limits are the machine's rules.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field

from bot.domain.model import Frozen, Stage, VotingMode


class Start(Frozen):
    kind: Literal["start"] = "start"
    team_id: str
    channel_id: str
    title: str = ""
    #: ``start <title> over 2 weeks``: the working days to plan the workshop over.
    over: int | None = None


class SetPersona(Frozen):
    kind: Literal["set_persona"] = "set_persona"
    text: str


class AddActivity(Frozen):
    kind: Literal["add_activity"] = "add_activity"
    text: str
    #: The ``ts`` of the thread reply that added it, if it came from one: editing or
    #: deleting that reply later renames or removes what it added.
    source: str | None = None
    #: The permalink of the Slack message it was made from ("Add to story map").
    link: str | None = None


class AddTask(Frozen):
    kind: Literal["add_task"] = "add_task"
    activity_id: str
    text: str
    source: str | None = None
    link: str | None = None


class AddStory(Frozen):
    kind: Literal["add_story"] = "add_story"
    task_id: str
    text: str
    source: str | None = None
    link: str | None = None


class Next(Frozen):
    kind: Literal["next"] = "next"
    #: The stage the person saw when they asked (a button on a board): guards against a
    #: double click or a stale board skipping a stage.
    seen_stage: Stage | None = None
    #: Moved by the stage's deadline (``auto``), not by a person.
    by_deadline: bool = False


class Back(Frozen):
    kind: Literal["back"] = "back"
    seen_stage: Stage | None = None


class CastVote(Frozen):
    kind: Literal["cast_vote"] = "cast_vote"
    story_id: str


class WithdrawVote(Frozen):
    kind: Literal["withdraw_vote"] = "withdraw_vote"
    story_id: str


class SetVoteBudget(Frozen):
    kind: Literal["set_vote_budget"] = "set_vote_budget"
    budget: int
    #: The most votes one person may put on one story; None keeps the current cap.
    cap: int | None = None


class SetVotingMode(Frozen):
    """Emoji reactions or blind voting (Vote / Unvote buttons, counts hidden)."""

    kind: Literal["set_voting_mode"] = "set_voting_mode"
    mode: VotingMode


class OrderStories(Frozen):
    """The facilitator's priority override: these stories first, in this order."""

    kind: Literal["order_stories"] = "order_stories"
    task_id: str
    story_ids: tuple[str, ...]


class DefineSlice(Frozen):
    """Define, redefine (same name) or, with no stories, remove one release slice.

    ``outcome``: what the release is for; None keeps the release's outcome. With no
    stories and an outcome, only an existing release's outcome changes.
    """

    kind: Literal["define_slice"] = "define_slice"
    name: str
    story_ids: tuple[str, ...]
    outcome: str | None = None


class SlicePlan(Frozen):
    name: str
    story_ids: tuple[str, ...]
    outcome: str = ""


class SetSlices(Frozen):
    """Replace every release slice at once (the slicing modal)."""

    kind: Literal["set_slices"] = "set_slices"
    slices: tuple[SlicePlan, ...]


class SetDeadline(Frozen):
    """The current stage's deadline, already read in the facilitator's time zone."""

    kind: Literal["set_deadline"] = "set_deadline"
    at: datetime
    auto: bool = False


class ClearDeadline(Frozen):
    kind: Literal["clear_deadline"] = "clear_deadline"


class Mute(Frozen):
    """No more reminders for me in this workshop (``on=False``: reminders again)."""

    kind: Literal["mute"] = "mute"
    on: bool = True


class Rename(Frozen):
    """New words for an activity, task or story (``item_id`` as typed)."""

    kind: Literal["rename"] = "rename"
    item_id: str
    text: str


class Remove(Frozen):
    """Take an item off the map. An activity or task with children is removed with
    them only once ``confirmed`` (the first ask answers with what would go)."""

    kind: Literal["remove"] = "remove"
    item_id: str
    confirmed: bool = False


class Move(Frozen):
    """A story to another task, or a task to another activity (ids as typed)."""

    kind: Literal["move"] = "move"
    item_id: str
    to_id: str


class OrderActivities(Frozen):
    """The backbone's narrative order: these activities first, left to right."""

    kind: Literal["order_activities"] = "order_activities"
    activity_ids: tuple[str, ...]


class OrderTasks(Frozen):
    """The tasks under one activity, left to right: these first."""

    kind: Literal["order_tasks"] = "order_tasks"
    activity_id: str
    task_ids: tuple[str, ...]


class Split(Frozen):
    """One story into several: new ids for each part; the original goes."""

    kind: Literal["split"] = "split"
    story_id: str
    texts: tuple[str, ...]


class Undo(Frozen):
    """Take back the actor's own last change (the facilitator: the workshop's last)."""

    kind: Literal["undo"] = "undo"


class Reopen(Frozen):
    """Facilitator, after publishing: back to slicing; publishing again revises the map."""

    kind: Literal["reopen"] = "reopen"


class EditReply(Frozen):
    """A thread reply that added items was edited: ``lines`` are its new lines."""

    kind: Literal["edit_reply"] = "edit_reply"
    source: str
    lines: tuple[str, ...]


class DeleteReply(Frozen):
    """A thread reply that added items was deleted."""

    kind: Literal["delete_reply"] = "delete_reply"
    source: str


class Publish(Frozen):
    """``confirmed``: publish even though Release 1 leaves an activity without a story."""

    kind: Literal["publish"] = "publish"
    confirmed: bool = False


class Cancel(Frozen):
    kind: Literal["cancel"] = "cancel"


class PlanSchedule(Frozen):
    """Plan the workshop to run itself over ``days`` working days: the bot reads where
    the channel's members are, then sets the schedule (``SetSchedule``)."""

    kind: Literal["plan_schedule"] = "plan_schedule"
    days: int


class SetSchedule(Frozen):
    """The schedule, planned from the members' time zones (read from Slack)."""

    kind: Literal["set_schedule"] = "set_schedule"
    days: int
    zones: tuple[tuple[str, int], ...]
    facilitator_tz: str


class ScheduleStage(Frozen):
    """Move one scheduled stage's deadline (``/storymap schedule voting friday 17:00``)."""

    kind: Literal["schedule_stage"] = "schedule_stage"
    stage: Stage
    at: datetime


class ClearSchedule(Frozen):
    kind: Literal["clear_schedule"] = "clear_schedule"


class ExtendDeadline(Frozen):
    """Move the current stage's deadline, and the later scheduled ones, one working day.

    ``stage`` and ``at``: what the asker saw (the stage, and the deadline a job was for),
    so a stale click or job changes nothing."""

    kind: Literal["extend_deadline"] = "extend_deadline"
    stage: Stage | None = None
    at: datetime | None = None


Command = Annotated[
    Start
    | SetPersona
    | AddActivity
    | AddTask
    | AddStory
    | Next
    | Back
    | CastVote
    | WithdrawVote
    | SetVoteBudget
    | OrderStories
    | DefineSlice
    | SetSlices
    | SetDeadline
    | ClearDeadline
    | Mute
    | Rename
    | Remove
    | Move
    | OrderActivities
    | OrderTasks
    | Split
    | Undo
    | Reopen
    | EditReply
    | DeleteReply
    | Publish
    | Cancel
    | SetVotingMode
    | PlanSchedule
    | SetSchedule
    | ScheduleStage
    | ClearSchedule
    | ExtendDeadline,
    Field(discriminator="kind"),
]

#: Every command type, for the transition table's completeness checks.
COMMAND_TYPES: tuple[type[Frozen], ...] = (
    Start,
    SetPersona,
    AddActivity,
    AddTask,
    AddStory,
    Next,
    Back,
    CastVote,
    WithdrawVote,
    SetVoteBudget,
    OrderStories,
    DefineSlice,
    SetSlices,
    SetDeadline,
    ClearDeadline,
    Mute,
    Rename,
    Remove,
    Move,
    OrderActivities,
    OrderTasks,
    Split,
    Undo,
    Reopen,
    EditReply,
    DeleteReply,
    Publish,
    Cancel,
    SetVotingMode,
    PlanSchedule,
    SetSchedule,
    ScheduleStage,
    ClearSchedule,
    ExtendDeadline,
)
