"""An async workshop across four time zones, driven by a fake clock (no sleeping on it).

Three replicas share one Redis and one clock: reminders go once, only to people who have
not contributed, only in their own working hours; the deadline with ``auto`` moves the
workshop on by itself; the daily digest is posted once; jobs survive a restart.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.when import WorkingHours
from bot.slack.main import Bot
from slacksim import SlackSimulator
from tests.e2e.conftest import PEOPLE, ClockedWorld, clocked_world

pytestmark = [pytest.mark.store, pytest.mark.slow]

#: Monday 30 November 2026, 16:00 UTC: 08:00 in Los Angeles, 17:00 in Berlin, 21:30 in
#: Kolkata, Tuesday 05:00 in Auckland.
START = datetime(2026, 11, 30, 16, 0, tzinfo=UTC)


@pytest.fixture
def world(redis_url: str) -> Iterator[ClockedWorld]:
    """``PEOPLE`` (ana facilitates) and three replicas behind the simulator."""
    with clocked_world(
        redis_url, people=PEOPLE, start=START, team_prefix="TTZ", replicas=3
    ) as world:
        yield world


def dms(sim: SlackSimulator, user: str) -> list[str]:
    return [m.text for m in sim.messages(user) if m.is_bot]


def test_reminders_deadlines_and_digests_across_time_zones(world: ClockedWorld) -> None:
    sim, clock, bots, channel = world.sim, world.clock, world.bots, world.channel
    ana = sim.user("U_ANA")
    assert ana.slash(channel, "/storymap", "start Delivery tracking").ok
    assert sim.user("U_BEN").slash(channel, "/storymap", "persona Operations Manager").ok
    assert ana.slash(channel, "/storymap", "next").ok
    assert sim.user("U_BEN").slash(channel, "/storymap", "add Plan shipment").ok
    # Wednesday 12:00 in Los Angeles is 20:00 UTC.
    set_it = ana.slash(channel, "/storymap", "deadline wednesday 12:00 auto")
    # Read in ana's time zone while the command waits: the answer is the ack.
    assert set_it.shown is not None
    deadline = datetime(2026, 12, 2, 20, 0, tzinfo=UTC)
    assert set_it.shown.text.startswith("Deadline set")
    assert f"<!date^{int(deadline.timestamp())}^" in set_it.shown.text
    store = bots[0].store
    workshop = store.load(sim.identity.team_id, channel)
    assert workshop is not None
    assert workshop.deadline is not None
    assert workshop.deadline.at == deadline
    token = f"<!date^{int(deadline.timestamp())}^"
    sim.wait_for(
        lambda: any(token in str(m.blocks) for m in sim.bot_messages(channel)[:1]),
        timeout=20,
        message="the board showing the deadline in each reader's time",
    )

    sent_at: dict[str, list[datetime]] = {user: [] for user in PEOPLE}

    def advance(to: datetime, *, expect: tuple[str, int] | None = None) -> None:
        """Move the clock; wait for ``expect`` (someone's DM count) or for quiet."""
        clock.set(to)
        # Every replica's scheduler races for the due jobs (its thread does the same
        # every half second).
        for bot in bots:
            bot.scheduler.run_once()
        if expect is not None:
            user, count = expect
            sim.wait_for(lambda: len(dms(sim, user)) >= count, timeout=20, message=str(expect))
        sim.settle(quiet=2.5, timeout=30)
        for user in PEOPLE:
            while len(sent_at[user]) < len(dms(sim, user)):
                sent_at[user].append(to)

    def digests() -> list[str]:
        board = sim.bot_messages(channel)[0]
        return [m.text for m in sim.replies(channel, board.ts) if "Since the last" in m.text]

    advance(datetime(2026, 12, 1, 17, 0, tzinfo=UTC))  # ana's Tuesday 09:00: a digest
    # The digest says what changed up to when it is posted: wait for it before anything
    # else changes (a slow dispatcher would otherwise fold Wednesday's news into it).
    sim.wait_for(lambda: len(digests()) >= 1, timeout=30, message="Tuesday's digest")
    advance(deadline - timedelta(hours=24), expect=("U_DEV", 1))  # Auckland is at 09:00
    assert len(dms(sim, "U_DEV")) == 1
    assert dms(sim, "U_CHLOE") == []  # 01:30 in Kolkata: she hears at her 09:00
    advance(datetime(2026, 12, 2, 3, 30, tzinfo=UTC), expect=("U_CHLOE", 1))  # Kolkata 09:00
    assert len(dms(sim, "U_CHLOE")) == 1
    # Chloe contributes from her reminder: she gets no more reminders.
    assert sim.user("U_CHLOE").slash(channel, "/storymap", "add Track delivery").ok
    advance(datetime(2026, 12, 2, 8, 0, tzinfo=UTC), expect=("U_EMI", 1))  # Berlin 09:00
    assert len(dms(sim, "U_EMI")) == 1
    advance(deadline - timedelta(hours=2))  # 2 h ahead: evening or night for everyone left
    advance(deadline)

    sim.wait_for(
        lambda: (
            (w := store.load(sim.identity.team_id, channel)) is not None
            and w.stage.value == "tasks"
        ),
        message="the workshop moving on by itself at the deadline",
    )
    # Only those who had not contributed, each once, never the facilitator.
    assert {u: len(dms(sim, u)) for u in PEOPLE} == {
        "U_ANA": 0,
        "U_BEN": 0,
        "U_CHLOE": 1,
        "U_DEV": 1,
        "U_EMI": 1,
    }
    hours = WorkingHours()
    for user, times in sent_at.items():
        for at in times:
            assert hours.contains(at, PEOPLE[user][1]), (user, at)
    # The reminder's button opens the right form, from the direct message.
    reminder = next(m for m in sim.messages("U_EMI") if m.is_bot)
    assert "Add activities" in str(reminder.blocks)
    # A digest each of ana's mornings with news (Tuesday, Wednesday), in the board's
    # thread, each once across three replicas.
    board = sim.bot_messages(channel)[0]
    # Posting is paced at Slack's rate behind the stage's other messages: wait for both,
    # then make sure no third one follows.
    sim.wait_for(lambda: len(digests()) >= 2, timeout=30, message="two digests")
    sim.settle(quiet=1.0, timeout=30)
    assert len(digests()) == 2
    assert "1 person joined: <@U_BEN>" in digests()[0]
    assert "1 person joined: <@U_CHLOE>" in digests()[1]
    sim.wait_for(
        lambda: [m for m in sim.replies(channel, board.ts) if "to *Tasks*" in m.text] or None,
        message="the move announced in the thread",
    )
    sim.settle(quiet=1.5)
    assert len([m for m in sim.replies(channel, board.ts) if "to *Tasks*" in m.text]) == 1


def test_jobs_survive_a_restart(world: ClockedWorld) -> None:
    sim, clock, bots, channel = world.sim, world.clock, world.bots, world.channel
    ana = sim.user("U_ANA")
    assert ana.slash(channel, "/storymap", "start Tracking").ok
    assert ana.slash(channel, "/storymap", "persona Dispatcher").ok
    assert ana.slash(channel, "/storymap", "deadline in 2 hours").ok
    sim.wait_for(lambda: any("Deadline set" in e.text for e in sim.ephemerals("U_ANA")))
    sim.wait_for(
        lambda: any(
            job.kind == "deadline"
            for job, _ in bots[0].scheduler.pending(sim.identity.team_id, channel)
        ),
        message="the deadline's jobs scheduled",
    )
    for bot in bots:
        bot.stop_dispatchers()
    fresh = Bot(
        bots[0].redis,
        token=sim.identity.bot_token,
        signing_secret=sim.driver.signing_secret,
        api_url=sim.api_url,
        clock=clock,
    )
    try:
        fresh.start_dispatchers()
        clock.set(START + timedelta(hours=2, minutes=1))
        sim.wait_for(
            lambda: any("Time's up for *Persona*" in e.text for e in sim.ephemerals("U_ANA")),
            timeout=15,
            message="the time's-up notice after a restart",
        )
    finally:
        fresh.stop_dispatchers()


def test_the_boards_deadline_button(world: ClockedWorld) -> None:
    sim, bots, channel = world.sim, world.bots, world.channel
    ana = sim.user("U_ANA")
    assert ana.slash(channel, "/storymap", "start Tracking").ok
    board = sim.wait_for(lambda: sim.bot_messages(channel) or None, message="the board")
    assert board is not None
    ana.click(channel, board[0].ts, label="Deadline")
    sim.wait_for(lambda: sim.modal("U_ANA"), message="the deadline form")
    assert ana.submit_modal({"deadline": "tomorrow 17:00", "auto": ["auto"]}).ok
    sim.wait_for(
        lambda: any("Deadline set for Persona" in e.text for e in sim.ephemerals("U_ANA")),
        message="the confirmation",
    )
    workshop = bots[0].store.load(sim.identity.team_id, channel)
    assert workshop is not None
    assert workshop.deadline is not None
    # Tomorrow 17:00 in Los Angeles (PST, UTC-8) is 01:00 UTC the day after.
    assert workshop.deadline.at == datetime(2026, 12, 2, 1, 0, tzinfo=UTC)
    assert workshop.deadline.auto
