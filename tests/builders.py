"""Workshops at a given stage, built only through ``apply`` (never by hand)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.domain import commands as c
from bot.domain.machine import apply
from bot.domain.model import Stage, Workshop

FACILITATOR = "UANA"
PARTICIPANTS = ("UBEN", "UCHLOE", "UDEV", "UEMI")
T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)

SEED_PERSONA = "Operations Manager at a logistics company"
SEED_BACKBONE = ("Plan shipment", "Assign driver", "Track delivery", "Resolve issues")
SEED_TASKS = {
    "Plan shipment": ("Enter pickup and drop-off",),
    "Assign driver": ("Pick an available driver",),
    "Track delivery": (
        "View real-time map",
        "See estimated arrival time",
        "Receive delay alerts",
        "Share tracking link with customer",
    ),
    "Resolve issues": ("Log an incident",),
}


class Clock:
    """A test clock that moves one second per reading."""

    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


def run(
    state: Workshop | None, command: c.Command, actor: str = FACILITATOR, clock: Clock | None = None
) -> Workshop:
    return apply(state, command, actor, (clock or Clock())()).state


def workshop_at(stage: Stage) -> Workshop:
    """The seed's logistics workshop, walked up to ``stage`` with everything it needs."""
    clock = Clock()
    w = run(None, c.Start(team_id="T1", channel_id="C1", title="Delivery tracking"), clock=clock)
    if stage is Stage.PERSONA:
        return w
    if stage is Stage.CANCELLED:
        return run(w, c.Cancel(), clock=clock)
    w = run(w, c.SetPersona(text=SEED_PERSONA), clock=clock)
    w = run(w, c.Next(), clock=clock)
    if stage is Stage.ACTIVITIES:
        return w
    for name in SEED_BACKBONE:
        w = run(w, c.AddActivity(text=name), PARTICIPANTS[0], clock)
    w = run(w, c.Next(), clock=clock)
    if stage is Stage.TASKS:
        return w
    for activity in w.activities:
        for name in SEED_TASKS[activity.text]:
            w = run(w, c.AddTask(activity_id=activity.id, text=name), PARTICIPANTS[1], clock)
    w = run(w, c.Next(), clock=clock)
    if stage is Stage.STORIES:
        return w
    for task in w.tasks:
        w = run(w, c.AddStory(task_id=task.id, text=f"Story for {task.text}"), "UDEV", clock)
    w = run(w, c.Next(), clock=clock)
    if stage is Stage.VOTING:
        return w
    w = run(w, c.CastVote(story_id="S3"), PARTICIPANTS[2], clock)
    w = run(w, c.Next(), clock=clock)
    if stage is Stage.SLICING:
        return w
    w = run(w, c.DefineSlice(name="View map + ETA", story_ids=("S3", "S4")), clock=clock)
    assert stage is Stage.PUBLISHED
    return run(w, c.Publish(confirmed=True), clock=clock)
