"""The seed's workshop running itself, over three replicas and a fake clock.

The facilitator (Los Angeles) types ``/storymap start Delivery tracking over 2 weeks``;
the team (two in Berlin, one in Kolkata, one in Auckland) contributes as in the seed; the
clock jumps past each deadline and the workshop moves on by itself; when voting closes
the facilitator approves the proposed plan from a direct message. That is all they do.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import redis

from bot.demo import FACILITATOR, RELEASES
from bot.demo_scheduled import START, ScheduledScenario, facilitator_actions, stage_deadline
from bot.domain import fair
from bot.domain.model import Stage
from bot.domain.proposal import SKELETON
from bot.store.workshops import WorkshopStore
from tests.e2e.conftest import PEOPLE, ClockedWorld, clocked_world

pytestmark = [pytest.mark.store, pytest.mark.slow]

#: The team in the demo: Ana (LA) facilitates; Ben and Emi in Berlin, Chloe in Kolkata,
#: Dev in Auckland.
TEAM = {
    "U_ANA": ("ana", "America/Los_Angeles"),
    "U_BEN": ("ben", "Europe/Berlin"),
    "U_CHLOE": ("chloe", "Asia/Kolkata"),
    "U_DEV": ("dev", "Pacific/Auckland"),
    "U_EMI": ("emi", "Europe/Berlin"),
}


@pytest.fixture
def world(redis_url: str) -> Iterator[ClockedWorld]:
    assert set(TEAM) == set(PEOPLE)
    with clocked_world(
        redis_url, people=TEAM, start=START, team_prefix="TAUTO", replicas=3
    ) as world:
        yield world


def test_the_seed_workshop_runs_itself_to_a_pinned_map_with_one_approval(
    world: ClockedWorld, redis_url: str
) -> None:
    sim, channel = world.sim, world.channel
    store = WorkshopStore(redis.Redis.from_url(redis_url))
    team = sim.identity.team_id
    planned: dict[Stage, datetime] = {}

    def deadline() -> datetime | None:
        w = store.load(team, channel)
        if w is None or w.deadline is None:
            return None
        if w.schedule is not None and not planned:
            planned.update(w.schedule.deadlines)
        return w.deadline.at

    pinned_ts = ScheduledScenario(sim, channel, world.clock, deadline).run()

    # The facilitator did two things: started it with a schedule, approved the plan.
    assert facilitator_actions(sim.driver.deliveries) == [
        "/storymap start Delivery tracking over 2 weeks",
        "clicked “Approve and publish” in a direct message",
    ]

    # Each deadline was fair: inside working hours for the most members possible (two
    # in Berlin and one in Kolkata overlap; nobody overlaps with all of them), at the
    # facilitator-afternoon-nearest such time, spread over the working days.
    zones = fair.zones_of(tz for _, tz in TEAM.values())
    assert list(planned) == list(fair.SCHEDULED)
    assert tuple(planned.values()) == fair.spread(START, 10, zones, "America/Los_Angeles")
    for at in planned.values():
        assert fair.members_working(at, zones) == 3
        assert at.weekday() < 5

    # It moved on by itself at each deadline, once each across the three replicas.
    board = sim.messages(channel)[0]
    said = [m.text for m in sim.replies(channel, board.ts)]
    moves = [t for t in said if t.startswith("Time's up for")]
    assert [m.split("*")[1] for m in moves] == [
        "Persona",
        "Backbone activities",
        "Tasks",
        "Story cards",
        "Voting",
    ]

    # The pinned map: the proposed plan, a walking skeleton across the whole backbone.
    published = store.latest(team, channel)
    assert published is not None
    assert published.stage is Stage.PUBLISHED
    assert published.slices[0].name == SKELETON
    first = set(published.slices[0].story_ids)
    covered = {published.task(s.task_id).activity_id for s in published.stories if s.id in first}  # type: ignore[union-attr]
    assert covered == {a.id for a in published.activities}
    assert len(first) == len(published.tasks)
    pinned = sim.message(channel, pinned_ts)
    assert pinned is not None
    assert "Release 1: Walking skeleton" in pinned.text + str(pinned.blocks)

    # One proposal, in a direct message, and the time everyone saw in their own zone.
    assert len(sim.messages(FACILITATOR)) == 1
    # Published, the proposal says so, and its buttons are gone (no second approval).
    sim.wait_for(
        lambda: "is published" in sim.messages(FACILITATOR)[0].text,
        message="the proposal saying the map is published",
    )
    assert "Approve and publish" not in str(sim.messages(FACILITATOR)[0].blocks)
    plan = next(t for t in said if t.startswith("*The plan, over 10 working days.*"))
    assert plan.count("<!date^") == len(fair.SCHEDULED)
    assert world.clock() > datetime(2026, 12, 14, tzinfo=UTC)


def test_an_edit_of_the_proposal_is_what_is_published_in_three_actions(
    world: ClockedWorld, redis_url: str
) -> None:
    sim, channel = world.sim, world.channel
    client = redis.Redis.from_url(redis_url)
    store = WorkshopStore(client)
    team = sim.identity.team_id
    deadline = stage_deadline(client, team, channel)
    ScheduledScenario(sim, channel, world.clock, deadline, edit=True).run()

    assert facilitator_actions(sim.driver.deliveries) == [
        "/storymap start Delivery tracking over 2 weeks",
        "submitted the form “Release slices”",
        "clicked “Approve and publish” in a direct message",
    ]
    published = store.latest(team, channel)
    assert published is not None
    assert published.stage is Stage.PUBLISHED
    # The form opened from the proposal's Edit, and what it says is what was published.
    assert [(r.name, r.outcome) for r in published.slices] == [
        (name, outcome) for name, _, outcome in RELEASES
    ]
