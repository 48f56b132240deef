"""Reminders and time away, driven by a fake clock shared by the bot and the simulator.

ben (Berlin) is away when his reminder is due: no reminder then; he gets it at the start
of his next working hours if he is back by then and the deadline has not passed. emi
(Berlin, not away) gets hers as usual. ana (Los Angeles) facilitates.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from bot.slack.main import Bot
from tests.e2e.conftest import ClockedWorld, clocked_world

pytestmark = [pytest.mark.store, pytest.mark.slow]

PEOPLE = {
    "U_ANA": ("ana", "America/Los_Angeles"),  # facilitator
    "U_BEN": ("ben", "Europe/Berlin"),
    "U_EMI": ("emi", "Europe/Berlin"),
}
#: Monday 30 November 2026, 16:00 UTC: 08:00 in Los Angeles, 17:00 in Berlin.
START = datetime(2026, 11, 30, 16, 0, tzinfo=UTC)
#: Thursday 04:00 in Los Angeles: Thursday 12:00 UTC, 13:00 in Berlin.
DEADLINE = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
#: The reminder 24 hours ahead: Wednesday 12:00 in Berlin.
DAY_BEFORE = DEADLINE - timedelta(hours=24)
#: Thursday 09:00 in Berlin: ben's next working hours after Wednesday's.
THURSDAY_0900_BERLIN = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)


@dataclass
class World(ClockedWorld):
    """One bot behind the simulator, and what these tests do with it."""

    @property
    def bot(self) -> Bot:
        return self.bots[0]

    def dms(self, user: str) -> list[str]:
        return [m.text for m in self.sim.messages(user) if m.is_bot]

    def advance(self, to: datetime, *, expect: tuple[str, int] | None = None) -> None:
        """Move the clock, queue the due jobs; wait for ``expect`` (someone's DM count),
        then for quiet."""
        self.clock.set(to)
        self.bot.scheduler.run_once()
        if expect is not None:
            user, count = expect
            self.sim.wait_for(lambda: len(self.dms(user)) >= count, timeout=20, message=str(expect))
        self.sim.settle(quiet=2.0, timeout=30)

    def retries_for(self, user: str) -> list[datetime]:
        pending = self.bot.scheduler.pending(self.sim.identity.team_id, self.channel)
        return sorted(
            job.due for job, _ in pending if job.kind == "nudge_user" and job.user == user
        )

    def start_with_deadline(self) -> None:
        ana = self.sim.user("U_ANA")
        assert ana.slash(self.channel, "/storymap", "start Delivery tracking").ok
        assert ana.slash(self.channel, "/storymap", "persona Operations Manager").ok
        assert ana.slash(self.channel, "/storymap", "next").ok
        assert ana.slash(self.channel, "/storymap", "deadline thursday 04:00").ok
        store = self.bot.store
        self.sim.wait_for(
            lambda: (
                (w := store.load(self.sim.identity.team_id, self.channel)) is not None
                and w.deadline is not None
                and w.deadline.at == DEADLINE
            ),
            message="the deadline set",
        )
        self.sim.settle(quiet=1.0, timeout=30)


@pytest.fixture
def world(redis_url: str) -> Iterator[World]:
    with clocked_world(redis_url, people=PEOPLE, start=START, team_prefix="TAW") as base:
        yield World(sim=base.sim, clock=base.clock, bots=base.bots, channel=base.channel)


def test_no_reminder_while_away_then_one_when_back(world: World) -> None:
    sim = world.sim
    world.start_with_deadline()
    sim.set_status("U_BEN", emoji=":palm_tree:", text="Lisbon, back Thursday")

    world.advance(DAY_BEFORE, expect=("U_EMI", 1))
    assert len(world.dms("U_EMI")) == 1
    assert world.dms("U_BEN") == []  # away: held back ...
    # ... to the start of his next working hours, which is before the deadline.
    assert world.retries_for("U_BEN") == [THURSDAY_0900_BERLIN]

    sim.set_status("U_BEN")  # back: the status is cleared
    world.advance(THURSDAY_0900_BERLIN, expect=("U_BEN", 1))
    (reminder,) = world.dms("U_BEN")
    assert reminder.startswith("Backbone activities of")
    assert world.retries_for("U_BEN") == []
    ben = next(m for m in sim.messages("U_BEN") if m.is_bot)
    assert "Add activities" in str(ben.blocks)  # the button that opens the form

    # The reminder two hours ahead finds him reminded today already: still one.
    world.advance(DEADLINE - timedelta(hours=2), expect=("U_EMI", 2))
    assert len(world.dms("U_BEN")) == 1


def test_away_until_the_deadline_passes_means_no_reminder(world: World) -> None:
    sim = world.sim
    world.start_with_deadline()
    # Away the other way: presence away with do-not-disturb snoozed until Friday.
    friday = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)
    sim.set_presence("U_BEN", "away")
    sim.set_dnd("U_BEN", on=True, until=friday)

    world.advance(DAY_BEFORE, expect=("U_EMI", 1))
    assert world.dms("U_BEN") == []
    assert world.retries_for("U_BEN") == [THURSDAY_0900_BERLIN]

    # Still away on Thursday morning: held back again, and his next working hours
    # (Friday) are after the deadline, so nothing more is scheduled for him.
    world.advance(THURSDAY_0900_BERLIN)
    assert world.dms("U_BEN") == []
    assert world.retries_for("U_BEN") == []
    world.advance(DEADLINE - timedelta(hours=2), expect=("U_EMI", 2))
    assert world.dms("U_BEN") == []

    # Back after the deadline: nothing comes any more.
    sim.set_presence("U_BEN", "active")
    sim.set_dnd("U_BEN", on=False)
    world.advance(DEADLINE + timedelta(minutes=1))
    world.advance(friday)
    assert world.dms("U_BEN") == []
    assert len(world.dms("U_EMI")) == 2


def test_without_the_dnd_scope_away_alone_does_not_hold_a_reminder(world: World) -> None:
    """A workspace installed before ``dnd:read``: ``dnd.info`` answers missing_scope, so
    do-not-disturb counts as off and "away" alone is no reason to hold back."""
    sim = world.sim
    world.start_with_deadline()
    sim.set_presence("U_BEN", "away")
    sim.set_dnd("U_BEN", on=True, until=DEADLINE)
    sim.fail("dnd.info", error="missing_scope", times=10)
    world.advance(DAY_BEFORE, expect=("U_BEN", 1))
    assert len(world.dms("U_BEN")) == 1
    assert [c.args.get("user") for c in sim.calls_to("dnd.info")] == ["U_BEN"]
    assert world.retries_for("U_BEN") == []
