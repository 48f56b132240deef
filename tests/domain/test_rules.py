"""The seed's rules, one by one, with the messages users see."""

from __future__ import annotations

import pytest

from bot.domain import commands as c
from bot.domain.effects import DeadlineSet, OpenStage, PostMap, RefreshBoard, RefreshCard
from bot.domain.errors import Rejected
from bot.domain.machine import apply
from bot.domain.model import Stage
from tests.builders import FACILITATOR, PARTICIPANTS, T0, workshop_at

BEN, CHLOE, DEV, EMI = PARTICIPANTS


def refused(state: object, command: c.Command, actor: str = FACILITATOR) -> str:
    with pytest.raises(Rejected) as err:
        apply(state, command, actor, T0)  # type: ignore[arg-type]
    return err.value.message


# ----- gates -----------------------------------------------------------------------


def test_persona_is_a_hard_gate() -> None:
    message = refused(workshop_at(Stage.PERSONA), c.Next())
    assert message.startswith("Add a persona first")
    assert "/storymap persona" in message


def test_activities_gate() -> None:
    assert "at least one backbone activity" in refused(workshop_at(Stage.ACTIVITIES), c.Next())


def test_tasks_gate_names_the_empty_activities() -> None:
    w = workshop_at(Stage.TASKS)
    w = apply(w, c.AddTask(activity_id="A1", text="Enter pickup"), BEN, T0).state
    message = refused(w, c.Next())
    assert message == (
        "Every activity needs a task before stories. Still empty: A2 “Assign driver”, "
        "A3 “Track delivery”, A4 “Resolve issues”. Add one with `/storymap add A2 &lt;task&gt;`."
    )


def test_stories_gate_names_the_empty_tasks() -> None:
    w = workshop_at(Stage.STORIES)
    for task in w.tasks[:-1]:
        w = apply(w, c.AddStory(task_id=task.id, text="a story"), BEN, T0).state
    message = refused(w, c.Next())
    assert message.startswith(
        "Every task needs a story before voting. Still empty: T7 “Log an incident”."
    )


def test_next_opens_the_stage_and_back_keeps_everything() -> None:
    w = workshop_at(Stage.STORIES)
    before = (w.activities, w.tasks, w.stories, w.persona)
    back = apply(w, c.Back(), FACILITATOR, T0)
    assert back.state.stage is Stage.TASKS
    assert (
        back.state.activities,
        back.state.tasks,
        back.state.stories,
        back.state.persona,
    ) == before
    assert OpenStage(stage=Stage.TASKS) in back.effects
    forward = apply(back.state, c.Next(), FACILITATOR, T0)
    assert forward.state.stage is Stage.STORIES
    assert RefreshBoard() in forward.effects


# ----- who may do what --------------------------------------------------------------


@pytest.mark.parametrize(
    ("stage", "command", "action"),
    [
        (Stage.PERSONA, c.Next(), "move to the next stage"),
        (Stage.TASKS, c.Back(), "go back a stage"),
        (Stage.SLICING, c.DefineSlice(name="R1", story_ids=("S1",)), "draw release slices"),
        (Stage.SLICING, c.SetSlices(slices=()), "draw release slices"),
        (Stage.SLICING, c.Publish(confirmed=True), "publish the map"),
        (Stage.VOTING, c.Cancel(), "cancel the workshop"),
        (Stage.VOTING, c.SetVoteBudget(budget=4), "change the vote budget"),
        (Stage.VOTING, c.OrderStories(task_id="T1", story_ids=("S1",)), "reorder stories"),
    ],
)
def test_only_the_facilitator(stage: Stage, command: c.Command, action: str) -> None:
    assert refused(workshop_at(stage), command, BEN) == f"Only <@UANA> (facilitator) can {action}."


def test_anyone_sets_the_persona_in_its_stage_only_the_facilitator_later() -> None:
    w = apply(workshop_at(Stage.PERSONA), c.SetPersona(text="Dispatcher"), BEN, T0).state
    assert w.persona is not None
    assert w.persona.author == BEN
    later = workshop_at(Stage.TASKS)
    assert "can replace the persona" in refused(later, c.SetPersona(text="Driver"), BEN)
    replaced = apply(later, c.SetPersona(text="Driver"), FACILITATOR, T0)
    assert replaced.state.persona is not None
    assert replaced.state.persona.text == "Driver"
    assert replaced.reply == "Persona replaced: Driver"


def test_a_second_start_in_an_open_channel_is_refused_and_after_publishing_allowed() -> None:
    start = c.Start(team_id="T1", channel_id="C1")
    assert refused(workshop_at(Stage.VOTING), start).startswith("A workshop is already running")
    fresh = apply(workshop_at(Stage.PUBLISHED), start, BEN, T0).state
    assert fresh.facilitator == BEN
    assert fresh.title == "Story map"
    assert fresh.stage is Stage.PERSONA


# ----- text -------------------------------------------------------------------------


def test_text_is_trimmed_and_collapsed() -> None:
    w = apply(workshop_at(Stage.ACTIVITIES), c.AddActivity(text="  Plan \n  shipment "), BEN, T0)
    assert w.state.activities[0].text == "Plan shipment"
    assert w.reply == "Added A1 “Plan shipment” to the backbone."


@pytest.mark.parametrize(
    ("stage", "command", "message"),
    [
        (Stage.ACTIVITIES, c.AddActivity(text="   "), "The activity needs some text, e.g."),
        (
            Stage.ACTIVITIES,
            c.AddActivity(text="x" * 61),
            "An activity can be at most 60 characters; this one has 61.",
        ),
        (
            Stage.TASKS,
            c.AddTask(activity_id="A1", text="y" * 101),
            "at most 100 characters; this one has 101",
        ),
        (
            Stage.STORIES,
            c.AddStory(task_id="T1", text="z" * 201),
            "at most 200 characters; this one has 201",
        ),
        (Stage.PERSONA, c.SetPersona(text="p" * 201), "at most 200 characters"),
    ],
)
def test_bad_text_is_refused_with_the_limit(stage: Stage, command: c.Command, message: str) -> None:
    assert message in refused(workshop_at(stage), command, BEN)


def test_duplicates_under_the_same_parent_are_refused_case_insensitively() -> None:
    assert refused(
        workshop_at(Stage.TASKS).model_copy(update={"stage": Stage.ACTIVITIES}),
        c.AddActivity(text="PLAN SHIPMENT"),
        BEN,
    ) == ("“PLAN SHIPMENT” is already on the map in the backbone as A1.")
    stories = workshop_at(Stage.STORIES)
    w = apply(stories, c.AddStory(task_id="T1", text="Save a draft"), BEN, T0).state
    assert "under T1 as S1" in refused(w, c.AddStory(task_id="t1", text="save a DRAFT"), CHLOE)
    # The same text under another task is fine.
    assert (
        apply(w, c.AddStory(task_id="T2", text="Save a draft"), CHLOE, T0).state.stories[-1].id
        == "S2"
    )


@pytest.mark.parametrize(
    ("command", "message"),
    [
        (c.AddTask(activity_id="A9", text="Choose"), "A9 does not exist in this workshop."),
        (
            c.AddTask(activity_id="T1", text="Choose"),
            "T1 is not an activity id; they look like A1.",
        ),
        (c.AddTask(activity_id="", text="Choose"), "That is not an activity id"),
    ],
)
def test_unknown_or_wrong_ids(command: c.Command, message: str) -> None:
    assert refused(workshop_at(Stage.TASKS), command, BEN).startswith(message)


def test_ids_are_stable_and_case_insensitive() -> None:
    w = apply(
        workshop_at(Stage.TASKS), c.AddTask(activity_id="a3", text="View real-time map"), BEN, T0
    ).state
    assert (w.tasks[0].id, w.tasks[0].activity_id) == ("T1", "A3")


# ----- votes ------------------------------------------------------------------------


def test_dot_voting_budget() -> None:
    w = workshop_at(Stage.VOTING)
    for sid in ("S1", "S2", "S3"):
        outcome = apply(w, c.CastVote(story_id=sid), BEN, T0)
        assert RefreshCard(story_id=sid) in outcome.effects
        w = outcome.state
    assert w.votes_used(BEN) == 3
    assert refused(w, c.CastVote(story_id="S4"), BEN) == (
        "You have used your 3 votes. Take one back (remove a reaction) to vote for S4."
    )
    assert refused(w, c.CastVote(story_id="S1"), BEN) == "You already voted for S1."
    w = apply(w, c.WithdrawVote(story_id="S2"), BEN, T0).state
    assert "S2" not in w.votes
    assert apply(w, c.CastVote(story_id="S4"), BEN, T0).state.votes["S4"] == (BEN,)
    assert refused(w, c.WithdrawVote(story_id="S5"), BEN) == "You have no vote on S5 to take back."


def test_budget_is_per_workshop_and_cannot_drop_below_votes_cast() -> None:
    w = apply(workshop_at(Stage.PERSONA), c.SetVoteBudget(budget=5), FACILITATOR, T0).state
    assert w.settings.vote_budget == 5
    assert "from 1 to 20" in refused(w, c.SetVoteBudget(budget=0))
    voting = workshop_at(Stage.VOTING)
    for sid in ("S1", "S2"):
        voting = apply(voting, c.CastVote(story_id=sid), DEV, T0).state
    assert refused(voting, c.SetVoteBudget(budget=1)) == (
        "<@UDEV> already has 2 votes; the budget cannot go below that."
    )


# ----- priority ---------------------------------------------------------------------


def test_priority_is_votes_then_creation_then_the_facilitators_order() -> None:
    w = workshop_at(Stage.STORIES)
    for text in ("Map", "ETA", "Alerts"):
        w = apply(w, c.AddStory(task_id="T3", text=text), BEN, T0).state
    for task in w.tasks:
        if not w.stories_of(task.id):
            w = apply(w, c.AddStory(task_id=task.id, text="x"), BEN, T0).state
    w = apply(w, c.Next(), FACILITATOR, T0).state
    assert [s.text for s in w.prioritised("T3")] == ["Map", "ETA", "Alerts"]
    w = apply(w, c.CastVote(story_id="S3"), BEN, T0).state
    w = apply(w, c.CastVote(story_id="S3"), CHLOE, T0).state
    w = apply(w, c.CastVote(story_id="S2"), DEV, T0).state
    assert [s.id for s in w.prioritised("T3")] == ["S3", "S2", "S1"]
    ordered = apply(w, c.OrderStories(task_id="T3", story_ids=("S1",)), FACILITATOR, T0)
    assert [s.id for s in ordered.state.prioritised("T3")] == ["S1", "S3", "S2"]
    assert ordered.reply == (
        "Priority under T3: S1 > S3 > S2. Votes stay as they are; this changes the priority "
        "everyone sees."
    )
    assert "S4 is not under T3" in refused(w, c.OrderStories(task_id="T3", story_ids=("S4",)))


# ----- slices and publishing --------------------------------------------------------


def test_slices_are_ordered_and_a_story_is_in_one_slice() -> None:
    w = workshop_at(Stage.SLICING)
    w = apply(
        w, c.DefineSlice(name="View map + ETA", story_ids=("S3", "s4")), FACILITATOR, T0
    ).state
    w = apply(w, c.DefineSlice(name="Delay alerts", story_ids=("S5",)), FACILITATOR, T0).state
    assert [r.name for r in w.slices] == ["View map + ETA", "Delay alerts"]
    assert refused(w, c.DefineSlice(name="Sharing", story_ids=("S4", "S6"))) == (
        "S4 is already in Release 1 “View map + ETA”. Redefine that release without it first."
    )
    # Redefining keeps the release's position; an empty list removes it.
    w = apply(w, c.DefineSlice(name="view MAP + eta", story_ids=("S3",)), FACILITATOR, T0).state
    assert w.slices[0].story_ids == ("S3",)
    assert w.slices[0].name == "view MAP + eta"
    w = apply(w, c.DefineSlice(name="Delay alerts", story_ids=()), FACILITATOR, T0).state
    assert [r.name for r in w.slices] == ["view MAP + eta"]
    assert "no release named" in refused(w, c.DefineSlice(name="Nope", story_ids=()))
    assert "S4 is in both" in refused(
        w,
        c.SetSlices(
            slices=(
                c.SlicePlan(name="One", story_ids=("S4",)),
                c.SlicePlan(name="Two", story_ids=("S4",)),
            )
        ),
    )


def test_publishing_needs_a_slice_and_posts_the_map() -> None:
    w = workshop_at(Stage.SLICING)
    assert refused(w, c.Publish(confirmed=True)).startswith(
        "Draw at least one release slice before publishing"
    )
    w = apply(w, c.DefineSlice(name="Walking skeleton", story_ids=("S1",)), FACILITATOR, T0).state
    published = apply(w, c.Publish(confirmed=True), FACILITATOR, T0)
    assert published.state.stage is Stage.PUBLISHED
    assert PostMap() in published.effects


def test_a_stale_next_or_back_does_not_skip_a_stage() -> None:
    w = workshop_at(Stage.TASKS)
    assert refused(w, c.Next(seen_stage=Stage.ACTIVITIES)) == (
        "The workshop has already moved on: it is at Tasks now."
    )
    assert refused(w, c.Back(seen_stage=Stage.STORIES)).startswith("The workshop has already")
    assert apply(w, c.Back(seen_stage=Stage.TASKS), FACILITATOR, T0).state.stage is Stage.ACTIVITIES


def test_deadlines_belong_to_a_stage_and_only_the_facilitator_sets_them() -> None:
    from datetime import timedelta  # noqa: PLC0415

    w = workshop_at(Stage.ACTIVITIES)
    at = T0 + timedelta(hours=30)
    assert refused(w, c.SetDeadline(at=at), BEN) == "Only <@UANA> (facilitator) can set deadlines."
    assert refused(w, c.SetDeadline(at=T0 - timedelta(minutes=1))).startswith("That deadline is")
    assert "at most 90 days" in refused(w, c.SetDeadline(at=T0 + timedelta(days=91)))
    outcome = apply(w, c.SetDeadline(at=at, auto=True), FACILITATOR, T0)
    assert outcome.state.deadline is not None
    assert (outcome.state.deadline.stage, outcome.state.deadline.auto) == (Stage.ACTIVITIES, True)
    assert DeadlineSet(stage=Stage.ACTIVITIES, at=at) in outcome.effects
    w = apply(outcome.state, c.AddActivity(text="Plan shipment"), BEN, T0).state
    moved = apply(w, c.Next(), FACILITATOR, T0).state
    assert moved.deadline is None
    assert refused(moved, c.ClearDeadline()) == "Tasks has no deadline to clear."


def test_contributions_are_counted_per_stage_and_mute_is_personal() -> None:
    w = workshop_at(Stage.STORIES)
    assert w.contributed(Stage.ACTIVITIES) == (BEN,)
    assert w.contributed(Stage.TASKS) == (CHLOE,)
    assert w.contributed(Stage.STORIES) == ()
    w = apply(w, c.AddStory(task_id="T1", text="Autocomplete"), EMI, T0).state
    assert w.contributed(Stage.STORIES) == (EMI,)
    voting = workshop_at(Stage.SLICING)
    assert voting.contributed(Stage.VOTING) == (DEV,)
    muted = apply(w, c.Mute(), DEV, T0).state
    assert muted.muted == (DEV,)
    assert apply(muted, c.Mute(on=False), DEV, T0).state.muted == ()
