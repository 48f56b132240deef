"""Every (stage, command) pair of the transition table, legal and illegal, message checked.

The expectations below are written from the product rules, independently of the
machine's own table, so a wrong table entry fails here.
"""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest

from bot.domain import commands as c
from bot.domain.errors import Rejected
from bot.domain.machine import TRANSITIONS, apply
from bot.domain.model import STAGE_ORDER, Stage, VotingMode, Workshop
from tests.builders import FACILITATOR, T0, workshop_at

OPEN = set(STAGE_ORDER)
PRE_VOTING_AND_VOTING = {Stage.PERSONA, Stage.ACTIVITIES, Stage.TASKS, Stage.STORIES, Stage.VOTING}

COMMANDS: dict[str, c.Command] = {
    "start": c.Start(team_id="T1", channel_id="C1", title="Another map"),
    "set_persona": c.SetPersona(text="Dispatcher at a courier firm"),
    "add_activity": c.AddActivity(text="Invoice customer"),
    "add_task": c.AddTask(activity_id="A1", text="Choose a carrier"),
    "add_story": c.AddStory(task_id="T1", text="Autocomplete addresses"),
    "next": c.Next(),
    "back": c.Back(),
    "cast_vote": c.CastVote(story_id="S1"),
    "withdraw_vote": c.WithdrawVote(story_id="S3"),
    "set_vote_budget": c.SetVoteBudget(budget=5),
    "order_stories": c.OrderStories(task_id="T3", story_ids=("S3",)),
    "define_slice": c.DefineSlice(name="Delay alerts", story_ids=("S5",)),
    "set_slices": c.SetSlices(
        slices=(
            c.SlicePlan(name="View map + ETA", story_ids=("S3", "S4")),
            c.SlicePlan(name="Delay alerts", story_ids=("S5",)),
        )
    ),
    "set_deadline": c.SetDeadline(at=T0 + timedelta(days=1), auto=True),
    "clear_deadline": c.ClearDeadline(),
    "mute": c.Mute(),
    "publish": c.Publish(confirmed=True),
    "cancel": c.Cancel(),
    "rename": c.Rename(item_id="A1", text="Plan the shipment"),
    "remove": c.Remove(item_id="A1", confirmed=True),
    "move": c.Move(item_id="T1", to_id="A2"),
    "split": c.Split(story_id="S1", texts=("Type the pickup address", "Pick the drop-off")),
    "order_activities": c.OrderActivities(activity_ids=("A2",)),
    "order_tasks": c.OrderTasks(activity_id="A3", task_ids=("T4",)),
    "undo": c.Undo(),
    "edit_reply": c.EditReply(source="1700000000.000100", lines=("Reworded by its author",)),
    "delete_reply": c.DeleteReply(source="1700000000.000100"),
    "reopen": c.Reopen(),
    "set_voting_mode": c.SetVotingMode(mode=VotingMode.BLIND),
    "plan_schedule": c.PlanSchedule(days=10),
    "set_schedule": c.SetSchedule(
        days=10, zones=(("Europe/Berlin", 2),), facilitator_tz="America/Los_Angeles"
    ),
    "schedule_stage": c.ScheduleStage(stage=Stage.VOTING, at=T0 + timedelta(days=30)),
    "clear_schedule": c.ClearSchedule(),
    "extend_deadline": c.ExtendDeadline(),
}
SHAPING = {
    "rename",
    "remove",
    "move",
    "split",
    "order_activities",
    "order_tasks",
    "order_stories",
    "undo",
    "edit_reply",
    "delete_reply",
}
MAPPED = OPEN - {Stage.PERSONA}
FROM_TASKS = MAPPED - {Stage.ACTIVITIES}

#: kind -> stages where it is legal (from PRODUCT.md and the issue, not from the code).
LEGAL: dict[str, set[Stage]] = {
    "start": {Stage.PUBLISHED, Stage.CANCELLED},
    "set_persona": OPEN,
    "add_activity": {Stage.ACTIVITIES},
    "add_task": {Stage.TASKS},
    "add_story": {Stage.STORIES},
    "next": OPEN - {Stage.SLICING},
    "back": OPEN - {Stage.PERSONA},
    "cast_vote": {Stage.VOTING},
    "withdraw_vote": {Stage.VOTING},
    "set_vote_budget": PRE_VOTING_AND_VOTING,
    "set_voting_mode": PRE_VOTING_AND_VOTING - {Stage.VOTING},
    "order_stories": {Stage.STORIES, Stage.VOTING, Stage.SLICING},
    "define_slice": {Stage.SLICING},
    "set_slices": {Stage.SLICING},
    "publish": {Stage.SLICING},
    "set_deadline": OPEN,
    "clear_deadline": OPEN,
    "mute": OPEN,
    "cancel": OPEN,
    "rename": MAPPED,
    "remove": MAPPED,
    "move": FROM_TASKS,
    "split": {Stage.STORIES, Stage.SLICING},
    "order_activities": MAPPED,
    "order_tasks": FROM_TASKS,
    "undo": OPEN,
    "edit_reply": MAPPED,
    "delete_reply": MAPPED,
    "reopen": {Stage.PUBLISHED},
    "plan_schedule": PRE_VOTING_AND_VOTING,
    "set_schedule": PRE_VOTING_AND_VOTING,
    "schedule_stage": PRE_VOTING_AND_VOTING,
    "extend_deadline": PRE_VOTING_AND_VOTING,
    "clear_schedule": OPEN,
}
#: Commands that need a schedule to act on.
ON_A_SCHEDULE = {"schedule_stage", "extend_deadline", "clear_schedule"}

UP_TO_VOTING = "Persona, Backbone activities, Tasks, Story cards or Voting"
HOME = {
    "add_activity": ("Backbone activities are added", "Backbone activities"),
    "add_task": ("Tasks are added", "Tasks"),
    "add_story": ("Story cards are added", "Story cards"),
    "cast_vote": ("Votes count only", "Voting"),
    "withdraw_vote": ("Votes can be taken back only", "Voting"),
    "define_slice": ("Release slices are drawn", "Release slices"),
    "set_slices": ("Release slices are drawn", "Release slices"),
    "publish": ("The map is published from", "Release slices"),
    "order_stories": ("Stories are reordered", "Story cards, Voting or Release slices"),
    "rename": (
        "Items are renamed",
        "Backbone activities, Tasks, Story cards, Voting or Release slices",
    ),
    "remove": (
        "Items are removed",
        "Backbone activities, Tasks, Story cards, Voting or Release slices",
    ),
    "edit_reply": (
        "Edited replies rename items",
        "Backbone activities, Tasks, Story cards, Voting or Release slices",
    ),
    "delete_reply": (
        "Deleted replies remove items",
        "Backbone activities, Tasks, Story cards, Voting or Release slices",
    ),
    "order_activities": (
        "The backbone is ordered",
        "Backbone activities, Tasks, Story cards, Voting or Release slices",
    ),
    "move": ("Items are moved", "Tasks, Story cards, Voting or Release slices"),
    "order_tasks": ("Tasks are ordered", "Tasks, Story cards, Voting or Release slices"),
    "split": ("Stories are split", "Story cards or Release slices"),
    "plan_schedule": ("A workshop is planned", UP_TO_VOTING),
    "set_schedule": ("A workshop is planned", UP_TO_VOTING),
    "schedule_stage": ("Scheduled deadlines are changed", UP_TO_VOTING),
    "extend_deadline": ("Scheduled deadlines are moved", UP_TO_VOTING),
}
STAGE_NAMES = {
    Stage.PERSONA: "Persona",
    Stage.ACTIVITIES: "Backbone activities",
    Stage.TASKS: "Tasks",
    Stage.STORIES: "Story cards",
    Stage.VOTING: "Voting",
    Stage.SLICING: "Release slices",
}


def expected_refusal(stage: Stage, kind: str) -> str:
    if kind == "start":
        return "A workshop is already running here: “Delivery tracking”, facilitated by <@UANA>."
    if stage in (Stage.PUBLISHED, Stage.CANCELLED):
        return f"This workshop has ended ({stage.value})."
    if kind == "next":
        return "This is the last stage: publish the map with `/storymap publish`."
    if kind == "back":
        return "This is the first stage; there is nothing to go back to."
    if kind == "set_vote_budget":
        return "The vote budget is fixed once voting is over."
    if kind == "set_voting_mode":
        return (
            "The voting mode is fixed once voting has opened; the workshop is at "
            f"{STAGE_NAMES[stage]}."
        )
    if kind == "reopen":
        return f"Only a published map can be reopened; the workshop is at {STAGE_NAMES[stage]}."
    lead, home = HOME[kind]
    stages = "stages" if " or " in home else "stage"
    text = f"{lead} in the {home} {stages}; the workshop is at {STAGE_NAMES[stage]}."
    first = home.split(",")[0].split(" or ")[0]
    home_stage = next(s for s, n in STAGE_NAMES.items() if n == first)
    if STAGE_ORDER.index(home_stage) < STAGE_ORDER.index(stage):
        return text + " The facilitator can reopen it with `/storymap back`."
    return text + " The facilitator moves on with `/storymap next`."


def prepared(stage: Stage, kind: str) -> Workshop:
    if kind == "next" and stage in LEGAL["next"]:
        # The stage with its work done: the next stage's workshop, one step back.
        following = STAGE_ORDER[STAGE_ORDER.index(stage) + 1]
        return apply(workshop_at(following), c.Back(), FACILITATOR, T0).state
    w = workshop_at(stage)
    if kind in SHAPING and stage in (Stage.ACTIVITIES, Stage.TASKS, Stage.STORIES):
        # The stage with its items in: the next stage's workshop, one step back.
        following = STAGE_ORDER[STAGE_ORDER.index(stage) + 1]
        w = apply(workshop_at(following), c.Back(), FACILITATOR, T0).state
    if kind == "withdraw_vote" and stage is Stage.VOTING:
        w = apply(w, c.CastVote(story_id="S3"), FACILITATOR, T0).state
    if kind == "clear_deadline" and stage.is_open:
        w = apply(w, COMMANDS["set_deadline"], FACILITATOR, T0).state
    if kind == "publish" and stage is Stage.SLICING:
        w = apply(w, COMMANDS["define_slice"], FACILITATOR, T0).state
    if kind == "undo" and stage.is_open:
        w = apply(w, c.SetPersona(text="Courier dispatcher"), FACILITATOR, T0).state
    if kind in ("edit_reply", "delete_reply"):
        w = _from_a_reply(w)
    if kind in ON_A_SCHEDULE and stage.is_open:
        w = _scheduled(stage)
    if kind == "reopen" and stage is Stage.PUBLISHED:
        slicing = workshop_at(Stage.SLICING)
        w = apply(slicing, COMMANDS["define_slice"], FACILITATOR, T0).state
        w = apply(w, c.Publish(confirmed=True), FACILITATOR, T0).state
    return w


def _scheduled(stage: Stage) -> Workshop:
    """The workshop at ``stage`` with a schedule (planned before slicing, for slicing)."""
    planned_at = Stage.VOTING if stage is Stage.SLICING else stage
    w = apply(workshop_at(planned_at), COMMANDS["set_schedule"], FACILITATOR, T0).state
    return apply(w, c.Next(), FACILITATOR, T0).state if stage is Stage.SLICING else w


def _from_a_reply(w: Workshop) -> Workshop:
    """``w`` as if its newest item of the deepest kind came from a thread reply."""
    source = "1700000000.000100"
    if w.stories:
        last = w.stories[-1].model_copy(update={"source": source})
        return w.model_copy(update={"stories": (*w.stories[:-1], last)})
    if w.tasks:
        task = w.tasks[-1].model_copy(update={"source": source})
        return w.model_copy(update={"tasks": (*w.tasks[:-1], task)})
    if w.activities:
        activity = w.activities[-1].model_copy(update={"source": source})
        return w.model_copy(update={"activities": (*w.activities[:-1], activity)})
    return w


PAIRS = list(itertools.product(list(Stage), list(COMMANDS)))


def test_the_table_covers_exactly_the_legal_pairs() -> None:
    legal = {(stage, kind) for kind, stages in LEGAL.items() for stage in stages if kind != "start"}
    assert set(TRANSITIONS) == legal


def test_every_command_kind_is_exercised() -> None:
    assert {t.model_fields["kind"].default for t in c.COMMAND_TYPES} == set(COMMANDS)


@pytest.mark.parametrize(("stage", "kind"), PAIRS, ids=[f"{s.value}-{k}" for s, k in PAIRS])
def test_pair(stage: Stage, kind: str) -> None:
    state = prepared(stage, kind)
    command = COMMANDS[kind]
    if stage in LEGAL[kind]:
        outcome = apply(state, command, FACILITATOR, T0)
        assert outcome.state != state
        assert outcome.reply
        # Every change tells Slack something, except muting: a private preference.
        assert bool(outcome.effects) == (kind != "mute")
    else:
        with pytest.raises(Rejected) as refused:
            apply(state, command, FACILITATOR, T0)
        assert refused.value.message.startswith(expected_refusal(stage, kind))


@pytest.mark.parametrize("kind", sorted(COMMANDS))
def test_without_a_workshop_only_start_is_possible(kind: str) -> None:
    if kind == "start":
        assert apply(None, COMMANDS[kind], FACILITATOR, T0).state.stage is Stage.PERSONA
        return
    with pytest.raises(Rejected, match="No workshop is running in this channel"):
        apply(None, COMMANDS[kind], FACILITATOR, T0)
