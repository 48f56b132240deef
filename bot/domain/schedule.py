"""A workshop that runs itself: the schedule, its deadlines, and moving them on.

Rules this module keeps:
- ``start <title> over 2 weeks`` (or ``/storymap schedule over 2 weeks``, or the board's
  "Plan the workshop" form) plans the stages still to come, from the current one to
  voting, over that many working days (``bot.domain.fair.spread``): each deadline on a
  working day, at the time inside working hours for the most channel members;
- every scheduled deadline is ``auto``: at it, the stage moves on by itself when its
  work is there (``bot.slack.autopilot``); entering a scheduled stage takes its deadline
  from the schedule (a deadline already past, or under an hour away, moves to the next
  working day's fair time);
- a stage whose work is missing at its deadline is moved one working day
  (``ExtendDeadline``), and the later deadlines with it, so each stage keeps its share;
  a deadline is moved by itself only once, then the facilitator is asked;
- one stage's deadline can be changed (``/storymap schedule voting friday 17:00``); it
  must stay after the deadline before it and before the one after it;
- without a schedule nothing of this happens: deadlines are the facilitator's, as set.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

from bot.domain import commands as c
from bot.domain import fair
from bot.domain.effects import Announce, DeadlineSet, Effect, PlanTheSchedule, RefreshBoard
from bot.domain.errors import Rejected
from bot.domain.model import STAGE_ORDER, Deadline, Schedule, Stage, Workshop
from bot.domain.outcome import Outcome
from bot.domain.when import slack_date

#: A stage entered with less than this left before its scheduled deadline gets the next
#: working day's fair time instead.
LEAST_LEFT: Final = timedelta(hours=1)
MAX_AHEAD: Final = timedelta(days=90)


def remaining(stage: Stage) -> tuple[Stage, ...]:
    """The scheduled stages from ``stage`` on."""
    return tuple(s for s in fair.SCHEDULED if STAGE_ORDER.index(s) >= STAGE_ORDER.index(stage))


def plan(w: Workshop, cmd: c.PlanSchedule, actor: str, now: datetime) -> Outcome:
    """Check the span, then have the bot read the members' time zones (an effect)."""
    fair.check_days(cmd.days, remaining(w.stage))
    return Outcome(
        w,
        (PlanTheSchedule(days=cmd.days),),
        f"Planning the workshop over {cmd.days} working days, at times that suit the "
        "channel's members: the schedule follows in the board's thread.",
    )


def set_schedule(w: Workshop, cmd: c.SetSchedule, actor: str, now: datetime) -> Outcome:
    stages = remaining(w.stage)
    ats = fair.spread(now, cmd.days, cmd.zones, cmd.facilitator_tz, stages=stages)
    schedule = Schedule(
        days=cmd.days,
        deadlines=dict(zip(stages, ats, strict=True)),
        zones=cmd.zones,
        facilitator_tz=cmd.facilitator_tz,
        set_by=actor,
    )
    at = schedule.deadlines[w.stage]
    deadline = Deadline(stage=w.stage, at=at, auto=True, set_by=actor)
    return Outcome(
        w.model_copy(update={"schedule": schedule, "deadline": deadline}),
        (
            DeadlineSet(stage=w.stage, at=at, announced=True),
            Announce(text=plan_text(schedule)),
            RefreshBoard(),
        ),
        f"The workshop runs itself over {cmd.days} working days: the plan is in the "
        "board's thread. `/storymap schedule` shows it and changes a stage's deadline.",
    )


def plan_text(schedule: Schedule) -> str:
    """The schedule as announced: each stage's deadline, in each reader's own time."""
    lines = [
        f"*The plan, over {schedule.days} working days.* At each deadline the workshop "
        "moves on by itself when the stage's work is there (times in your own time zone):"
    ]
    lines += [f"• {stage.label}: {slack_date(at)}" for stage, at in schedule.deadlines.items()]
    lines.append(
        f"• {Stage.SLICING.label}: when voting closes, a release plan is proposed to "
        f"<@{schedule.set_by}> to approve and publish."
    )
    return "\n".join(lines)


def schedule_stage(w: Workshop, cmd: c.ScheduleStage, actor: str, now: datetime) -> Outcome:
    schedule = _schedule(w)
    if cmd.stage not in schedule.deadlines:
        shown = ", ".join(s.label for s in schedule.deadlines)
        raise Rejected(f"{cmd.stage.label} has no deadline in the schedule; these do: {shown}.")
    if STAGE_ORDER.index(cmd.stage) < STAGE_ORDER.index(w.stage):
        raise Rejected(f"{cmd.stage.label} is over: the workshop is at {w.stage.label}.")
    if cmd.at <= now:
        raise Rejected("That time is already past; pick a time ahead, e.g. `friday 17:00`.")
    if cmd.at > now + MAX_AHEAD:
        raise Rejected("A deadline can be at most 90 days ahead.")
    stages = [s for s in schedule.deadlines if STAGE_ORDER.index(s) >= STAGE_ORDER.index(w.stage)]
    k = stages.index(cmd.stage)
    before = stages[k - 1] if k else None
    after = stages[k + 1] if k + 1 < len(stages) else None
    if before is not None and cmd.at <= schedule.deadlines[before]:
        raise Rejected(
            f"{cmd.stage.label} must end after {before.label}, which ends "
            f"{slack_date(schedule.deadlines[before])}."
        )
    if after is not None and cmd.at >= schedule.deadlines[after]:
        raise Rejected(
            f"{cmd.stage.label} must end before {after.label}, which ends "
            f"{slack_date(schedule.deadlines[after])}."
        )
    deadlines = {**schedule.deadlines, cmd.stage: cmd.at}
    update: dict[str, object] = {"schedule": schedule.model_copy(update={"deadlines": deadlines})}
    said = Announce(
        text=f"<@{actor}> moved the deadline of *{cmd.stage.label}* to {slack_date(cmd.at)}."
    )
    effects: tuple[Effect, ...] = (said,)
    if cmd.stage is w.stage:
        update["deadline"] = Deadline(stage=w.stage, at=cmd.at, auto=True, set_by=actor)
        effects = (DeadlineSet(stage=w.stage, at=cmd.at, announced=True), said)
    return Outcome(
        w.model_copy(update=update),
        (*effects, RefreshBoard()),
        f"The schedule's deadline for {cmd.stage.label} is moved.",
    )


def clear_schedule(w: Workshop, cmd: c.ClearSchedule, actor: str, now: datetime) -> Outcome:
    _schedule(w)
    return Outcome(
        w.model_copy(update={"schedule": None, "deadline": None}),
        (
            Announce(
                text=f"<@{actor}> turned the schedule off: the facilitator moves the stages on."
            ),
            RefreshBoard(),
        ),
        "The schedule is off: the workshop moves on only when you say `/storymap next`.",
    )


def extend(w: Workshop, cmd: c.ExtendDeadline, actor: str, now: datetime) -> Outcome:
    schedule = _schedule(w)
    deadline = w.deadline
    if deadline is None or deadline.stage is not w.stage:
        raise Rejected(f"{w.stage.label} has no deadline to move.")
    if cmd.stage is not None and cmd.stage is not w.stage:
        raise Rejected(f"The workshop has already moved on: it is at {w.stage.label} now.")
    if cmd.at is not None and cmd.at != deadline.at:
        raise Rejected(f"The deadline for {w.stage.label} was changed meanwhile.")
    moved: dict[Stage, datetime] = {}
    last = max(deadline.at, now)
    for stage in remaining(w.stage):
        old = schedule.deadlines.get(stage, deadline.at if stage is w.stage else None)
        if old is None:
            continue
        last = fair.next_working_fair_time(max(old, last), schedule.zones, schedule.facilitator_tz)
        moved[stage] = last
    at = moved[w.stage]
    later = " and the later stages' deadlines with it" if len(moved) > 1 else ""
    return Outcome(
        w.model_copy(
            update={
                "schedule": schedule.model_copy(
                    update={"deadlines": {**schedule.deadlines, **moved}}
                ),
                "deadline": deadline.model_copy(update={"at": at, "extended": True}),
            }
        ),
        (
            DeadlineSet(stage=w.stage, at=at, announced=True),
            Announce(
                text=f"*{w.stage.label}* gets one more working day: its deadline moves to "
                f"{slack_date(at)}{later}."
            ),
            RefreshBoard(),
        ),
        f"The deadline for {w.stage.label} moves to {slack_date(at)}{later}.",
    )


def entering(
    w: Workshop, stage: Stage, now: datetime
) -> tuple[dict[str, object], tuple[Effect, ...]]:
    """What entering ``stage`` takes from the schedule: its deadline (``auto``), and the
    schedule as it will be; no deadline without a schedule for the stage."""
    schedule = w.schedule
    if schedule is None or stage not in schedule.deadlines:
        return {"deadline": None}, ()
    at = schedule.deadlines[stage]
    deadlines = dict(schedule.deadlines)
    if at < now + LEAST_LEFT:
        at = fair.next_working_fair_time(now, schedule.zones, schedule.facilitator_tz)
        deadlines[stage] = at
        # The later deadlines stay after it, a working day apart at least.
        for later in remaining(stage)[1:]:
            if later in deadlines and deadlines[later] <= at:
                at = fair.next_working_fair_time(at, schedule.zones, schedule.facilitator_tz)
                deadlines[later] = at
    due = deadlines[stage]
    return (
        {
            "deadline": Deadline(stage=stage, at=due, auto=True, set_by=schedule.set_by),
            "schedule": schedule.model_copy(update={"deadlines": deadlines}),
        },
        (DeadlineSet(stage=stage, at=due),),
    )


def _schedule(w: Workshop) -> Schedule:
    if w.schedule is None:
        raise Rejected(
            "This workshop has no schedule. Plan one with `/storymap schedule over 2 weeks`."
        )
    return w.schedule
