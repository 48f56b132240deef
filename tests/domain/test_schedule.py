"""A workshop that runs itself: the schedule's rules in the machine.

The team: the facilitator in Los Angeles, two in Berlin, one in Bangalore. T0 (builders)
is Tuesday 24 November 2026, 09:00 UTC. Fair times come from ``bot.domain.fair`` (its
own tests check the choice); here the machine's use of them is checked.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain import commands as c
from bot.domain import fair
from bot.domain.effects import Announce, DeadlineSet, OpenStage, PlanTheSchedule, ProposePlan
from bot.domain.errors import Rejected
from bot.domain.machine import apply, blocked
from bot.domain.model import Stage, Workshop
from bot.domain.proposal import proposed_slices
from tests.builders import FACILITATOR, T0, run, workshop_at

ZONES = (("America/Los_Angeles", 1), ("Asia/Kolkata", 1), ("Europe/Berlin", 2))
LA = "America/Los_Angeles"
PLAN = c.SetSchedule(days=10, zones=ZONES, facilitator_tz=LA)


def planned(stage: Stage = Stage.PERSONA, at: datetime = T0) -> Workshop:
    return apply(workshop_at(stage), PLAN, FACILITATOR, at).state


def refused(w: Workshop, command: c.Command, now: datetime = T0) -> str:
    with pytest.raises(Rejected) as refusal:
        apply(w, command, FACILITATOR, now)
    return refusal.value.message


def test_start_over_two_weeks_asks_for_the_schedule_and_says_so() -> None:
    start = c.Start(team_id="T1", channel_id="C1", title="Delivery tracking", over=10)
    outcome = apply(None, start, FACILITATOR, T0)
    assert PlanTheSchedule(days=10) in outcome.effects
    assert "runs itself over 10 working days" in outcome.reply
    assert outcome.state.schedule is None  # set once the members' zones are read


def test_a_schedule_shorter_than_a_day_per_stage_is_refused_at_the_start() -> None:
    start = c.Start(team_id="T1", channel_id="C1", over=3)
    with pytest.raises(Rejected, match="needs a working day for each of its 5 stages"):
        apply(None, start, FACILITATOR, T0)


def test_the_schedule_gives_every_stage_a_fair_deadline_and_the_current_one_is_auto() -> None:
    outcome = apply(workshop_at(Stage.PERSONA), PLAN, FACILITATOR, T0)
    w = outcome.state
    assert w.schedule is not None
    expected = fair.spread(T0, 10, ZONES, LA)
    assert tuple(w.schedule.deadlines.values()) == expected
    assert list(w.schedule.deadlines) == list(fair.SCHEDULED)
    assert w.deadline is not None
    assert (w.deadline.stage, w.deadline.at, w.deadline.auto) == (Stage.PERSONA, expected[0], True)
    # The deadline's jobs are scheduled; its line is the plan's, said once.
    assert DeadlineSet(stage=Stage.PERSONA, at=expected[0], announced=True) in outcome.effects
    said = [e for e in outcome.effects if isinstance(e, Announce)]
    assert len(said) == 1
    assert said[0].text.count("<!date^") == 5
    assert "proposed to <@UANA> to approve" in said[0].text


def test_a_schedule_planned_later_spreads_only_the_stages_left() -> None:
    w = planned(Stage.TASKS)
    assert w.schedule is not None
    assert list(w.schedule.deadlines) == [Stage.TASKS, Stage.STORIES, Stage.VOTING]
    assert tuple(w.schedule.deadlines.values()) == fair.spread(
        T0, 10, ZONES, LA, stages=(Stage.TASKS, Stage.STORIES, Stage.VOTING)
    )
    assert w.deadline is not None
    assert w.deadline.stage is Stage.TASKS


def test_entering_a_scheduled_stage_takes_its_deadline() -> None:
    w = run(planned(), c.SetPersona(text="Ops manager"))
    outcome = apply(w, c.Next(), FACILITATOR, T0 + timedelta(hours=1))
    assert w.schedule is not None
    at = w.schedule.deadlines[Stage.ACTIVITIES]
    assert outcome.state.deadline is not None
    assert (outcome.state.deadline.stage, outcome.state.deadline.at) == (Stage.ACTIVITIES, at)
    assert outcome.state.deadline.auto
    assert DeadlineSet(stage=Stage.ACTIVITIES, at=at) in outcome.effects


def test_a_stage_entered_after_its_scheduled_deadline_gets_the_next_working_days() -> None:
    w = run(planned(), c.SetPersona(text="Ops manager"))
    assert w.schedule is not None
    late = w.schedule.deadlines[Stage.ACTIVITIES] + timedelta(minutes=5)
    moved = apply(w, c.Next(), FACILITATOR, late).state
    assert moved.deadline is not None
    assert moved.schedule is not None
    assert moved.deadline.at == fair.next_working_fair_time(late, ZONES, LA)
    # The later deadlines stay after it.
    ats = list(moved.schedule.deadlines.values())
    assert ats == sorted(ats)
    assert len(set(ats)) == len(ats)


def test_a_move_by_the_deadline_says_so_a_move_by_the_facilitator_names_them() -> None:
    w = run(planned(), c.SetPersona(text="Ops manager"))
    by_deadline = apply(w, c.Next(by_deadline=True), FACILITATOR, T0).effects
    by_hand = apply(w, c.Next(), FACILITATOR, T0).effects
    assert (
        Announce(
            text="Time's up for *Persona*: the workshop moves on to *Backbone activities* "
            "by itself."
        )
        in by_deadline
    )
    assert Announce(text="<@UANA> moved the workshop to *Backbone activities*.") in by_hand


def test_voting_closes_into_a_proposed_plan_only_on_a_schedule() -> None:
    w = planned(Stage.VOTING)
    w = run(w, c.CastVote(story_id="S4"), "UBEN")
    outcome = apply(w, c.Next(by_deadline=True), FACILITATOR, T0)
    assert outcome.state.stage is Stage.SLICING
    assert outcome.state.slices == proposed_slices(outcome.state)
    assert outcome.state.slices
    assert ProposePlan() in outcome.effects
    assert OpenStage(stage=Stage.SLICING) in outcome.effects
    unplanned = apply(workshop_at(Stage.VOTING), c.Next(), FACILITATOR, T0)
    assert unplanned.state.slices == ()
    assert ProposePlan() not in unplanned.effects


def test_a_stuck_stage_moves_one_working_day_and_the_later_ones_with_it() -> None:
    w = planned(Stage.TASKS)
    assert w.schedule is not None
    assert w.deadline is not None
    before = dict(w.schedule.deadlines)
    outcome = apply(w, c.ExtendDeadline(stage=Stage.TASKS, at=w.deadline.at), FACILITATOR, T0)
    moved = outcome.state
    assert moved.deadline is not None
    assert moved.schedule is not None
    assert moved.deadline.extended
    assert moved.deadline.at == fair.next_working_fair_time(before[Stage.TASKS], ZONES, LA)
    for stage in (Stage.STORIES, Stage.VOTING):
        assert moved.schedule.deadlines[stage] == fair.next_working_fair_time(
            before[stage], ZONES, LA
        )
    assert DeadlineSet(stage=Stage.TASKS, at=moved.deadline.at, announced=True) in outcome.effects
    assert "one more working day" in next(
        e.text for e in outcome.effects if isinstance(e, Announce)
    )


def test_an_extension_for_a_deadline_that_changed_meanwhile_changes_nothing() -> None:
    w = planned(Stage.TASKS)
    stale = c.ExtendDeadline(stage=Stage.TASKS, at=T0 + timedelta(days=1))
    assert refused(w, stale) == "The deadline for Tasks was changed meanwhile."
    moved_on = c.ExtendDeadline(stage=Stage.PERSONA)
    assert refused(w, moved_on) == "The workshop has already moved on: it is at Tasks now."
    assert refused(workshop_at(Stage.TASKS), c.ExtendDeadline()).startswith(
        "This workshop has no schedule."
    )


def test_one_stage_of_the_schedule_moves_between_its_neighbours_only() -> None:
    w = planned(Stage.ACTIVITIES)
    assert w.schedule is not None
    tasks, stories = w.schedule.deadlines[Stage.TASKS], w.schedule.deadlines[Stage.STORIES]
    later = tasks + timedelta(hours=2)
    moved = apply(w, c.ScheduleStage(stage=Stage.TASKS, at=later), FACILITATOR, T0).state
    assert moved.schedule is not None
    assert moved.schedule.deadlines[Stage.TASKS] == later
    assert moved.deadline == w.deadline  # not the current stage's
    assert refused(w, c.ScheduleStage(stage=Stage.TASKS, at=stories)).startswith(
        "Tasks must end before Story cards"
    )
    first = w.schedule.deadlines[Stage.ACTIVITIES]
    assert refused(w, c.ScheduleStage(stage=Stage.TASKS, at=first)).startswith(
        "Tasks must end after Backbone activities"
    )
    assert refused(w, c.ScheduleStage(stage=Stage.PERSONA, at=later)) == (
        "Persona has no deadline in the schedule; these do: Backbone activities, Tasks, "
        "Story cards, Voting."
    )
    past = datetime(2026, 11, 1, tzinfo=UTC)
    assert refused(w, c.ScheduleStage(stage=Stage.TASKS, at=past)).startswith("That time is")


def test_moving_the_current_stages_deadline_moves_the_deadline_too() -> None:
    w = planned(Stage.ACTIVITIES)
    at = T0 + timedelta(hours=5)
    moved = apply(w, c.ScheduleStage(stage=Stage.ACTIVITIES, at=at), FACILITATOR, T0).state
    assert moved.deadline is not None
    assert (moved.deadline.at, moved.deadline.auto) == (at, True)


def test_turning_the_schedule_off_clears_the_deadline_and_nothing_else() -> None:
    w = planned(Stage.TASKS)
    off = apply(w, c.ClearSchedule(), FACILITATOR, T0).state
    assert off.schedule is None
    assert off.deadline is None
    assert off.activities == w.activities
    assert off.stage is Stage.TASKS
    assert refused(off, c.ClearSchedule()).startswith("This workshop has no schedule.")


def test_what_blocks_a_stage_names_the_authors_of_the_empty_items() -> None:
    w = workshop_at(Stage.TASKS)  # activities by UBEN, no tasks yet
    found = blocked(w)
    assert found is not None
    assert found.authors == ("UBEN",)
    assert "Still empty: A1 “Plan shipment”" in found.message
    persona = blocked(workshop_at(Stage.PERSONA))
    assert persona is not None
    assert persona.authors == ()
    assert persona.message.startswith("Add a persona first")
    assert blocked(workshop_at(Stage.VOTING)) is None
