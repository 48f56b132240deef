"""Walking a workshop forward through the service, as ana (the facilitator) and ben (a
participant) would: each step must be accepted."""

from __future__ import annotations

from collections.abc import Iterable

from bot.domain import commands as c
from bot.service import WorkshopService
from tests.builders import SEED_PERSONA


def walk(
    service: WorkshopService, team: str, channel: str, steps: Iterable[tuple[str, c.Command]]
) -> None:
    """Each ``(actor, command)`` in turn; a refused step fails the test with its reply."""
    for actor, command in steps:
        reply = service.handle(team, channel, actor, command)
        assert reply.ok, reply.text


def opening(team: str, channel: str) -> list[tuple[str, c.Command]]:
    """ "Tracking" started by ana, ben's persona, and on to activities."""
    return [
        ("UANA", c.Start(team_id=team, channel_id=channel, title="Tracking")),
        ("UBEN", c.SetPersona(text=SEED_PERSONA)),
        ("UANA", c.Next()),
    ]


def walk_to_voting(service: WorkshopService, team: str, channel: str, *setup: c.Command) -> int:
    """Voting in ``channel`` on stories S1 and S2 (task T1, activity A1), ana sending
    ``setup`` (a budget, a voting mode) just before voting opens; the workshop's number."""
    walk(
        service,
        team,
        channel,
        [
            *opening(team, channel),
            ("UBEN", c.AddActivity(text="Track delivery")),
            ("UANA", c.Next()),
            ("UBEN", c.AddTask(activity_id="A1", text="View real-time map")),
            ("UANA", c.Next()),
            ("UBEN", c.AddStory(task_id="T1", text="See trucks on a map")),
            ("UBEN", c.AddStory(task_id="T1", text="Zoom to a truck")),
            *(("UANA", command) for command in setup),
            ("UANA", c.Next()),
        ],
    )
    meta = service.store.meta(team, channel)
    assert meta is not None
    return meta.number
