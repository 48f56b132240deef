"""4. Size: rendering and splitting the published map, up to the largest a workshop holds.

A workshop holds at most ``MAX_ITEMS["story"]`` stories (200; see README's limits), so
the sizes are a quarter, half and all of that.

Each workshop is built only through the pure machine (``bot.domain.machine.apply``), as
people would build it: a persona, 10 activities of 5 tasks, the stories spread evenly,
votes on a fifth of the stories, and releases holding half of them; then published.
``published_map`` (render, Block Kit validation, split into messages) is timed in this
process, best and median of several runs after one unmeasured run.

Goals: the time grows linearly with the stories; the largest map under 250 ms.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from benchmarks.report import Row, Section, at_most, markdown_table, ms
from bot.domain import commands as c
from bot.domain.machine import apply
from bot.domain.model import Workshop
from bot.domain.text import MAX_ITEMS
from bot.render.map import published_map

SIZES = (MAX_ITEMS["story"] // 4, MAX_ITEMS["story"] // 2, MAX_ITEMS["story"])
GOAL_MS = 250.0
LINEAR_SLACK = 1.5  # per-story cost at the largest size at most this times the middle's
ACTIVITIES = 10
TASKS_PER_ACTIVITY = 5
BUDGET = 20


class _Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


def grown(stories: int) -> Workshop:
    """A published workshop with ``stories`` stories, votes and releases."""
    clock = _Clock()
    w: Workshop | None = None

    def do(command: c.Command, actor: str = "UFACIL") -> None:
        nonlocal w
        w = apply(w, command, actor, clock()).state

    do(c.Start(team_id="T1", channel_id="C1", title="Delivery tracking at scale"))
    do(c.SetPersona(text="Operations Manager at a logistics company"))
    do(c.Next())
    for a in range(1, ACTIVITIES + 1):
        do(c.AddActivity(text=f"Activity {a}: plan and follow shipments"), "UBEN")
    do(c.Next())
    for a in range(1, ACTIVITIES + 1):
        for t in range(1, TASKS_PER_ACTIVITY + 1):
            do(c.AddTask(activity_id=f"A{a}", text=f"Task {t} of activity {a}"), "UCHLOE")
    do(c.Next())
    tasks = ACTIVITIES * TASKS_PER_ACTIVITY
    for n in range(stories):
        text = f"Story {n + 1}: as an operations manager I see where truck {n} is"
        do(c.AddStory(task_id=f"T{n % tasks + 1}", text=text), "UDEV")
    do(c.SetVoteBudget(budget=BUDGET))
    do(c.Next())
    for vote, n in enumerate(range(0, stories, 5)):
        do(c.CastVote(story_id=f"S{n + 1}"), f"UVOTER{vote // BUDGET}")
    do(c.Next())
    half = [f"S{n + 1}" for n in range(stories // 2)]
    for r in range(4):
        do(c.DefineSlice(name=f"Release {r + 1}", story_ids=tuple(half[r::4])))
    do(c.Publish(confirmed=True))
    assert w is not None
    return w


@dataclass(frozen=True)
class Timing:
    stories: int
    messages: int
    best_ms: float
    median_ms: float

    @property
    def per_story_us(self) -> float:
        """From the best run: the least disturbed by anything else on the machine."""
        return self.best_ms * 1000 / self.stories


def measure(stories: int, runs: int) -> Timing:
    w = grown(stories)
    messages = len(published_map(w))
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        published_map(w)
        seconds.append(time.perf_counter() - started)
    return Timing(stories, messages, min(seconds) * 1000, statistics.median(seconds) * 1000)


def run(quick: bool) -> Section:
    timings = [measure(n, 3 if quick else 7) for n in SIZES]
    middle, largest = timings[-2], timings[-1]
    growth = largest.per_story_us / middle.per_story_us
    section = Section("4. Size: published map")
    section.rows = [
        Row(
            f"{t.stories:,} stories: render + split",
            f"{ms(t.median_ms)}, {t.messages} messages",
            goal=f"< {GOAL_MS:g} ms" if t is largest else "",
            met=at_most(t.median_ms, GOAL_MS) if t is largest else None,
        )
        for t in timings
    ]
    section.rows.append(
        Row(
            f"per-story cost {largest.stories:,} vs {middle.stories:,}",
            f"{growth:.2f}x",
            goal=f"linear (<= {LINEAR_SLACK}x)",
            met=growth <= LINEAR_SLACK,
        )
    )
    section.details = [
        f"{ACTIVITIES} activities of {TASKS_PER_ACTIVITY} tasks, the stories spread evenly, "
        "a vote on every fifth story, four releases holding half of the stories; median "
        f"and best of {3 if quick else 7} runs in one process (no HTTP, no store); the goal "
        "is judged on the median, linearity on the best runs' cost per story.",
        "",
        *markdown_table(
            ("stories", "messages", "median", "best", "per story (best)"),
            [
                (
                    f"{t.stories:,}",
                    f"{t.messages}",
                    ms(t.median_ms),
                    ms(t.best_ms),
                    f"{t.per_story_us:.1f} µs",
                )
                for t in timings
            ],
        ),
    ]
    return section
