"""A workshop that runs itself, end to end, on a fake clock over three replicas.

The team is in Los Angeles (the facilitator), Berlin, Kolkata and Auckland. Planned at
Monday 30 November 2026, 16:00 UTC over 2 weeks, every deadline falls at 08:00 UTC: 09:00
in Berlin, 13:30 in Kolkata, 21:00 in Auckland, midnight in Los Angeles. A stage whose
work is there moves on by itself at its deadline; one whose work is missing gets one
more working day and the people who can fix it are told, then the facilitator is asked;
the persona is never skipped; every job runs once across replicas and after a restart.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

import pytest
import redis

from bot.domain.model import Stage, Workshop
from bot.domain.when import WorkingHours
from bot.slack.main import Bot
from slacksim import Message, RateLimits, SlackSimulator
from tests.e2e.conftest import PEOPLE, FakeClock, clocked_bots
from tests.e2e.test_time_zones import START
from tests.support.pacing import QUICK
from tests.support.stopping import stop_promptly

pytestmark = [pytest.mark.store, pytest.mark.slow]

FACILITATOR = "U_ANA"
OTHERS = tuple(u for u in PEOPLE if u != FACILITATOR)
#: Where the schedule planned at ``START`` over 2 weeks puts each stage's deadline.
PLANNED = {
    Stage.PERSONA: datetime(2026, 12, 1, 8, 0, tzinfo=UTC),
    Stage.ACTIVITIES: datetime(2026, 12, 2, 8, 0, tzinfo=UTC),
    Stage.TASKS: datetime(2026, 12, 4, 8, 0, tzinfo=UTC),  # a Friday
    Stage.STORIES: datetime(2026, 12, 9, 8, 0, tzinfo=UTC),
    Stage.VOTING: datetime(2026, 12, 14, 8, 0, tzinfo=UTC),
}
PAST: Final = timedelta(minutes=1)


@dataclass
class World:
    sim: SlackSimulator
    clock: FakeClock
    bots: list[Bot]
    channel: str
    redis_url: str

    @property
    def team(self) -> str:
        return self.sim.identity.team_id

    def workshop(self) -> Workshop:
        found = self.bots[0].store.load(self.team, self.channel)
        assert found is not None
        return found

    def board(self) -> Message:
        found = self.sim.wait_for(
            lambda: self.sim.bot_messages(self.channel)[:1] or None, message="the board"
        )
        assert found is not None
        return found[0]

    def thread(self) -> list[str]:
        return [m.text for m in self.sim.replies(self.channel, self.board().ts) if m.is_bot]

    def in_thread(self, text: str) -> int:
        return sum(text in t for t in self.thread())

    def dms(self, user: str) -> list[Message]:
        return [m for m in self.sim.messages(user) if m.is_bot]

    def dm_counts(self) -> dict[str, int]:
        return {u: len(self.dms(u)) for u in PEOPLE}

    def wait(self, what: Callable[[], object], message: str, timeout: float = 20) -> None:
        self.sim.wait_for(lambda: what() or None, timeout=timeout, message=message)

    def wait_dm(self, user: str) -> None:
        self.wait(lambda: self.dms(user), f"a direct message to {user}")

    def advance(self, to: datetime) -> None:
        """Move the clock; every replica races for the due jobs; wait for quiet."""
        self.clock.set(to)
        for bot in self.bots:
            bot.scheduler.run_once()
        self.sim.settle(quiet=1.5, timeout=30)

    def at_stage(self, stage: Stage, message: str) -> None:
        self.wait(lambda: self.workshop().stage is stage, message)

    def prompt(self, contains: str) -> Message:
        def find() -> Message | None:
            hits = [m for m in self.sim.messages(self.channel) if m.is_bot and contains in m.text]
            return hits[-1] if hits else None

        found = self.sim.wait_for(find, message=f"the prompt {contains!r}")
        assert found is not None
        return found

    def reply(self, user: str, contains: str, text: str) -> None:
        """``user`` replies in the thread of the prompt saying ``contains``; wait for ✅."""
        prompt = self.prompt(contains)
        sent = self.sim.user(user).reply(self.channel, prompt.ts, text)
        assert sent.ok
        self.wait(
            lambda: any(
                m.user == user and "white_check_mark" in m.reactions
                for m in self.sim.replies(self.channel, prompt.ts)
            ),
            "the bot's ✅ on the reply",
            timeout=30,
        )

    def start_scheduled(self) -> None:
        assert (
            self.sim.user(FACILITATOR)
            .slash(self.channel, "/storymap", "start Delivery tracking over 2 weeks")
            .ok
        )
        self.wait(
            lambda: self.in_thread("The plan, over 10 working days"),
            "the schedule in the board's thread",
        )
        schedule = self.workshop().schedule
        assert schedule is not None
        assert schedule.deadlines == PLANNED


def said(m: Message) -> str:
    """All a message says: its text and its blocks."""
    return f"{m.text} {m.blocks}"


@pytest.fixture
def world(redis_url: str) -> Iterator[World]:
    team_id = f"TAP{uuid.uuid4().hex[:8].upper()}"
    clock = FakeClock(START)
    with SlackSimulator(team_id=team_id, rate_limits=RateLimits.slack(rate_scale=QUICK)) as sim:
        for user_id, (name, tz) in PEOPLE.items():
            sim.add_user(user_id, name, tz=tz)
        channel = sim.add_channel("#delivery", members=list(PEOPLE)).id
        clients = [redis.Redis.from_url(redis_url) for _ in range(3)]
        w = World(sim, clock, clocked_bots(sim, clock, clients), channel, redis_url)
        try:
            yield w
        finally:
            for bot in w.bots:
                stop_promptly(bot)
            for client in clients:
                client.close()


def to_tasks(w: World) -> None:
    """A scheduled workshop at Tasks, its persona by Ben, its backbone by Dev alone."""
    w.start_scheduled()
    w.reply("U_BEN", "Who is this story map for?", "Operations Manager at a logistics company")
    w.advance(PLANNED[Stage.PERSONA] + PAST)
    w.at_stage(Stage.ACTIVITIES, "the persona stage moving on by itself")
    w.wait(lambda: "Backbone" in w.board().text, "the board at Backbone activities")
    w.reply("U_DEV", "Backbone activities: reply", "Plan shipment\nAssign driver\nTrack delivery")
    w.advance(PLANNED[Stage.ACTIVITIES] + PAST)
    w.at_stage(Stage.TASKS, "the activities stage moving on by itself")


def test_a_stage_stuck_at_its_deadline_gets_a_day_then_the_facilitator_is_asked(
    world: World,
) -> None:
    w = world
    to_tasks(w)
    # Ben adds a task under the first activity only; Emi mutes the workshop.
    w.reply("U_BEN", "Tasks: reply with", "A1: Enter pickup and drop-off")
    assert w.sim.user("U_EMI").slash(w.channel, "/storymap", "mute").ok
    w.wait(lambda: "U_EMI" in w.workshop().muted, "Emi muted")
    before = w.dm_counts()

    # Friday 08:01 UTC: 13:31 in Kolkata, 21:01 in Auckland.
    w.advance(PLANNED[Stage.TASKS] + PAST)
    moved = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)  # Monday, the next working day
    w.wait(
        lambda: (d := w.workshop().deadline) is not None and d.at == moved and d.extended,
        "the tasks deadline moved one working day",
    )
    assert w.workshop().stage is Stage.TASKS
    w.wait(lambda: w.in_thread("gets one more working day"), "the move said in the thread")
    token = f"<!date^{int(moved.timestamp())}^"
    w.wait(lambda: token in str(w.board().blocks), "the board showing the moved deadline")
    # Chloe has not contributed to tasks, and it is her working time: told now.
    w.wait(lambda: len(w.dms("U_CHLOE")) > before["U_CHLOE"], "Chloe told")
    chloe = said(w.dms("U_CHLOE")[-1])
    assert "Assign driver" in chloe
    assert "Track delivery" in chloe
    assert "Nothing from you in this stage yet" in chloe
    w.sim.settle(quiet=1.5, timeout=30)
    # Ben contributed and wrote no empty activity; Emi muted; Dev is asleep; Ana is asked
    # only later.
    after = w.dm_counts()
    assert {u: after[u] - before[u] for u in PEOPLE} == {
        "U_ANA": 0,
        "U_BEN": 0,
        "U_CHLOE": 1,
        "U_DEV": 0,
        "U_EMI": 0,
    }
    # Dev, the author of the empty activities, hears at his Monday 09:00 (Sunday 20:00
    # UTC), with what is missing.
    monday = datetime(2026, 12, 6, 20, 0, tzinfo=UTC)
    assert WorkingHours().contains(monday, PEOPLE["U_DEV"][1])
    assert not WorkingHours().contains(PLANNED[Stage.TASKS] + PAST, PEOPLE["U_DEV"][1])
    w.advance(monday)
    w.wait(
        lambda: any(
            "Assign driver" in said(m) and "Track delivery" in said(m)
            for m in w.dms("U_DEV")[before["U_DEV"] :]
        ),
        "Dev told what is missing, in his working hours",
    )
    w.sim.settle(quiet=1.5, timeout=30)
    # One word that morning: what is missing, not a plain reminder besides.
    assert len(w.dms("U_DEV")) == before["U_DEV"] + 1
    assert "You added one of them" in said(w.dms("U_DEV")[-1])
    assert not w.dms("U_EMI")[before["U_EMI"] :]
    assert not w.dms("U_BEN")[before["U_BEN"] :]

    # Still stuck at the moved deadline: the facilitator is asked, nobody else hears.
    quiet = w.dm_counts()
    w.advance(moved + PAST)
    w.wait(lambda: len(w.dms(FACILITATOR)) > quiet[FACILITATOR], "the facilitator asked")
    w.sim.settle(quiet=1.5, timeout=30)
    asked = w.dms(FACILITATOR)[-1]
    assert "One more working day" in str(asked.blocks)
    assert "Next stage →" in str(asked.blocks)
    assert {u: n - quiet[u] for u, n in w.dm_counts().items()} == {
        "U_ANA": 1,
        "U_BEN": 0,
        "U_CHLOE": 0,
        "U_DEV": 0,
        "U_EMI": 0,
    }
    assert w.workshop().stage is Stage.TASKS
    # "One more working day", clicked in the direct message, moves the deadline again.
    w.sim.user(FACILITATOR).click(FACILITATOR, asked.ts, label="One more working day")
    again = datetime(2026, 12, 8, 8, 0, tzinfo=UTC)
    w.wait(
        lambda: (d := w.workshop().deadline) is not None and d.at == again,
        "the deadline moved again",
    )
    # The gap is filled; at the deadline the workshop moves on by itself.
    w.reply("U_DEV", "Tasks: reply with", "A2: See available drivers\nA3: View real-time map")
    w.advance(again + PAST)
    w.at_stage(Stage.STORIES, "the tasks stage moving on by itself")
    w.wait(lambda: "Story cards" in w.board().text, "the board at Story cards")


def test_no_persona_no_advance(world: World) -> None:
    w = world
    w.start_scheduled()
    # Tuesday 08:01 UTC: 09:01 in Berlin, 13:31 in Kolkata, 21:01 in Auckland.
    w.advance(PLANNED[Stage.PERSONA] + PAST)
    moved = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
    w.wait(
        lambda: (d := w.workshop().deadline) is not None and d.at == moved and d.extended,
        "the persona's deadline moved one working day",
    )
    assert w.workshop().stage is Stage.PERSONA
    for user in ("U_BEN", "U_CHLOE", "U_EMI"):
        w.wait_dm(user)
    # Dev hears at his Wednesday 09:00 (Tuesday 20:00 UTC), before the moved deadline.
    w.advance(datetime(2026, 12, 1, 20, 0, tzinfo=UTC))
    w.wait(lambda: w.dms("U_DEV"), "Dev told in his working hours")
    w.sim.settle(quiet=1.5, timeout=30)
    # Everyone who has not contributed is told once, what is missing: not the facilitator.
    assert w.dm_counts() == {"U_ANA": 0, "U_BEN": 1, "U_CHLOE": 1, "U_DEV": 1, "U_EMI": 1}
    for user in OTHERS:
        assert "Add a persona first" in said(w.dms(user)[0])
        assert "Set persona" in said(w.dms(user)[0])

    # Still no persona at the moved deadline: the facilitator is asked, nobody else.
    w.advance(moved + PAST)
    w.wait(lambda: w.dms(FACILITATOR), "the facilitator asked")
    w.sim.settle(quiet=1.5, timeout=30)
    assert w.dm_counts() == {"U_ANA": 1, "U_BEN": 1, "U_CHLOE": 1, "U_DEV": 1, "U_EMI": 1}
    asked = w.dms(FACILITATOR)[0]
    assert "Add a persona first" in said(asked)
    # "Next stage →" from the question is refused: no persona, no advance.
    w.sim.user(FACILITATOR).click(FACILITATOR, asked.ts, label="Next stage →")
    w.wait(
        lambda: any("Add a persona first" in e.text for e in w.sim.ephemerals(FACILITATOR)),
        "the refusal shown to the facilitator",
    )
    # Days later, nothing has moved it on, and nobody heard more.
    w.advance(datetime(2026, 12, 4, 8, 1, tzinfo=UTC))
    assert w.workshop().stage is Stage.PERSONA
    assert w.dm_counts() == {"U_ANA": 1, "U_BEN": 1, "U_CHLOE": 1, "U_DEV": 1, "U_EMI": 1}
    assert w.in_thread("Time's up for") == 0


def test_jobs_fire_once_across_replicas_and_survive_a_restart(world: World) -> None:
    w = world
    w.start_scheduled()
    w.reply("U_BEN", "Who is this story map for?", "Operations Manager at a logistics company")
    w.advance(PLANNED[Stage.PERSONA] + PAST)
    w.at_stage(Stage.ACTIVITIES, "the persona stage moving on by itself")
    # No activity at its deadline: one more working day, each person told once.
    w.advance(PLANNED[Stage.ACTIVITIES] + PAST)
    w.wait(lambda: w.in_thread("gets one more working day"), "the activities' extra day")
    for user in ("U_BEN", "U_CHLOE", "U_EMI"):  # in their working hours; Dev is not
        w.wait_dm(user)
    w.sim.settle(quiet=1.5, timeout=30)
    assert w.dm_counts() == {"U_ANA": 0, "U_BEN": 1, "U_CHLOE": 1, "U_DEV": 0, "U_EMI": 1}
    assert w.in_thread("gets one more working day") == 1
    deadline = w.workshop().deadline
    assert deadline is not None
    assert deadline.extended
    w.wait(
        lambda: any(
            job.kind == "deadline" and job.due == deadline.at
            for job, _ in w.bots[0].scheduler.pending(w.team, w.channel)
        ),
        "the moved deadline's job scheduled",
    )

    # Every replica stops; new ones start on the same Redis.
    for bot in w.bots:
        stop_promptly(bot)
    clients = [redis.Redis.from_url(w.redis_url) for _ in range(3)]
    try:
        w.bots = clocked_bots(w.sim, w.clock, clients)
        w.reply("U_CHLOE", "Backbone activities: reply", "Plan shipment\nTrack delivery")
        w.advance(deadline.at + PAST)
        w.at_stage(Stage.TASKS, "the activities stage moving on after the restart")
        w.wait(lambda: "Tasks" in w.board().text, "the board at Tasks")
        w.sim.settle(quiet=1.5, timeout=30)
        # Each stage's move said once, across three replicas and a restart.
        assert w.in_thread(f"Time's up for *{Stage.PERSONA.label}*") == 1
        assert w.in_thread(f"Time's up for *{Stage.ACTIVITIES.label}*") == 1
        assert w.in_thread("gets one more working day") == 1
        # Nobody heard anything twice (Dev's word waits for his working hours).
        assert w.dm_counts() == {"U_ANA": 0, "U_BEN": 1, "U_CHLOE": 1, "U_DEV": 0, "U_EMI": 1}
    finally:
        for bot in w.bots:
            stop_promptly(bot)
        w.bots = []
        for client in clients:
            client.close()


def token(at: datetime) -> str:
    return f"<!date^{int(at.timestamp())}^"


def test_the_schedule_shown_changed_and_turned_off(world: World) -> None:
    w = world
    ana = w.sim.user(FACILITATOR)
    w.start_scheduled()
    shown = ana.slash(w.channel, "/storymap", "schedule").shown
    assert shown is not None
    lines = shown.text.splitlines()
    for stage, at in PLANNED.items():
        assert any(stage.label in line and token(at) in line for line in lines), stage
    assert shown.text.count("<!date^") == len(PLANNED)

    # Voting before the stories' deadline is out of order: refused, nothing changes.
    refused = ana.slash(w.channel, "/storymap", "schedule voting friday 17:00").shown
    assert refused is not None
    assert f"must end after {Stage.STORIES.label}" in refused.text
    assert token(PLANNED[Stage.STORIES]) in refused.text
    schedule = w.workshop().schedule
    assert schedule is not None
    assert schedule.deadlines == PLANNED
    # 2026-12-11 17:00 in Los Angeles (PST) is 01:00 UTC on the 12th.
    voting = datetime(2026, 12, 12, 1, 0, tzinfo=UTC)
    moved = ana.slash(w.channel, "/storymap", "schedule voting 2026-12-11 17:00").shown
    assert moved is not None
    assert "is moved" in moved.text
    schedule = w.workshop().schedule
    assert schedule is not None
    assert schedule.deadlines == {**PLANNED, Stage.VOTING: voting}
    w.wait(lambda: w.in_thread(token(voting)), "the move said in the board's thread")
    shown = ana.slash(w.channel, "/storymap", "schedule").shown
    assert shown is not None
    assert f"{Stage.VOTING.label}: {token(voting)}" in shown.text

    # The current stage's deadline moved: the board shows the new one.
    w.wait(lambda: token(PLANNED[Stage.PERSONA]) in str(w.board().blocks), "the deadline")
    persona = datetime(2026, 12, 1, 17, 0, tzinfo=UTC)  # 09:00 in Los Angeles
    assert ana.slash(w.channel, "/storymap", "schedule persona 2026-12-01 09:00").ok
    w.wait(lambda: token(persona) in str(w.board().blocks), "the board's moved deadline")

    # Off: the board's deadline goes, and nothing moves by itself any more.
    assert ana.slash(w.channel, "/storymap", "schedule off").ok
    w.wait(lambda: w.in_thread("turned the schedule off"), "the schedule off, said")
    w.wait(lambda: "Deadline:" not in str(w.board().blocks), "the board without a deadline")
    assert w.workshop().schedule is None
    w.reply("U_BEN", "Who is this story map for?", "Operations Manager at a logistics company")
    w.advance(persona + PAST)
    w.advance(PLANNED[Stage.ACTIVITIES] + PAST)
    assert w.workshop().stage is Stage.PERSONA
    assert w.in_thread("Time's up for") == 0
    assert not any("Time's up" in e.text for e in w.sim.ephemerals(FACILITATOR))


def test_the_boards_plan_the_workshop_form(world: World) -> None:
    w = world
    ana = w.sim.user(FACILITATOR)
    assert ana.slash(w.channel, "/storymap", "start Delivery tracking").ok
    w.wait(lambda: "Plan the workshop" in str(w.board().blocks), "the board's plan button")

    ana.click(w.channel, w.board().ts, label="Plan the workshop")
    w.wait(lambda: w.sim.modal(FACILITATOR), "the plan form")
    assert ana.submit_modal({"plan_span": "3 days"}).ok
    form = w.sim.modal(FACILITATOR)
    assert form is not None
    assert set(form.errors) == {"plan_span"}
    assert "3" in form.errors["plan_span"]
    assert w.workshop().schedule is None

    assert ana.submit_modal({"plan_span": "2 weeks"}).ok
    w.wait(lambda: w.in_thread("The plan, over 10 working days"), "the plan in the thread")
    schedule = w.workshop().schedule
    assert schedule is not None
    assert schedule.deadlines == PLANNED
    w.wait(
        lambda: (
            "Plan the workshop" not in str(w.board().blocks)
            and token(PLANNED[Stage.PERSONA]) in str(w.board().blocks)
        ),
        "the board with its deadline and without the plan button",
    )


def test_an_author_who_added_a_task_hears_what_is_missing_in_their_hours(world: World) -> None:
    """Dev wrote the empty activities and added a task elsewhere: no reminder is his any
    more, but the word of what is missing, held back to his working hours, still is."""
    w = world
    to_tasks(w)
    w.reply("U_DEV", "Tasks: reply with", "A1: Choose a delivery window")
    w.advance(PLANNED[Stage.TASKS] + PAST)  # 21:01 on Friday in Auckland
    w.wait(lambda: (d := w.workshop().deadline) is not None and d.extended, "the extra day")
    for user in ("U_BEN", "U_CHLOE", "U_EMI"):
        w.wait_dm(user)
    w.sim.settle(quiet=1.5, timeout=30)
    assert w.dm_counts() == {"U_ANA": 0, "U_BEN": 1, "U_CHLOE": 1, "U_DEV": 0, "U_EMI": 1}
    w.advance(datetime(2026, 12, 6, 20, 0, tzinfo=UTC))  # his Monday 09:00
    w.wait_dm("U_DEV")
    w.sim.settle(quiet=1.5, timeout=30)
    assert len(w.dms("U_DEV")) == 1
    told = said(w.dms("U_DEV")[0])
    assert "Assign driver" in told
    assert "Track delivery" in told
    assert "You added one of them" in told
