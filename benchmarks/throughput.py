"""2. Vote throughput with two replicas on one store, against two bare Bolt processes.

Two ``storymap run`` processes in HTTP mode share the store; the load generator spreads
``reaction_added`` votes evenly over both, closed-loop with ``concurrency`` requests in
flight, until all are answered or the time bound is reached. The bare baseline is two
bare Bolt processes behind the same HTTP stack, sent the same bodies. Every vote must be
accounted for: the store is checked afterwards (each delivery reached the vote script;
counted == what the budgets allow; the rest were refused).

Goal: the bot's throughput at least 60% of bare Bolt's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks import load
from benchmarks.cpu import cpu_seconds
from benchmarks.report import Row, Section, at_least, markdown_table, ms, turns
from benchmarks.stack import SECRET, Service, Stack, Store, stop_all
from benchmarks.stats import Latency, ratio
from benchmarks.votes import BUDGET, VOTES_PER_VOTER, VoteCount, count_votes, vote_plan
from benchmarks.workshop import Workshop, add_people

GOAL = 0.6
STORIES = 50
WARMUP = 100


@dataclass(frozen=True)
class Settings:
    votes: int
    max_seconds: float  # per round and side
    concurrency: int
    rounds: int  # bare and bot alternate, each sending 1/rounds of the votes per round
    workshops: int


FULL = Settings(votes=4000, max_seconds=12, concurrency=16, rounds=2, workshops=8)
QUICK = Settings(votes=600, max_seconds=5, concurrency=16, rounds=1, workshops=2)


@dataclass
class Run:
    """One side's rounds, added up."""

    answered: int = 0
    failed: int = 0
    unsent: int = 0
    wall: float = 0.0
    latencies: list[float] = field(default_factory=list)
    cpu_seconds: float = 0.0
    client_seconds: float = 0.0  # the load generator's CPU
    sent: list[int] = field(default_factory=list)  # request indices, warm-ups included
    rounds: list[float] = field(default_factory=list)  # throughput of each round

    @property
    def per_second(self) -> float:
        return self.answered / self.wall if self.wall > 0 else math.nan

    @property
    def latency(self) -> Latency:
        return Latency.of(self.latencies)

    @property
    def cpu_ms(self) -> float:
        """Server-side CPU per measured request (bot: both replicas and the store)."""
        return self.cpu_seconds / max(1, self.answered + self.failed) * 1000

    @property
    def client_ms(self) -> float:
        return self.client_seconds / max(1, self.answered + self.failed) * 1000


def _round(
    servers: list[Service],
    pids: list[int | None],
    warmup: list[tuple[int, load.Request]],
    batch: list[tuple[int, load.Request]],
    *,
    s: Settings,
    run: Run,
) -> None:
    targets = tuple(server.events_url for server in servers)

    def plan(part: list[tuple[int, load.Request]], seconds: float) -> load.Plan:
        return load.Plan(
            targets=targets,
            secret=SECRET,
            requests=tuple(r for _, r in part),
            mode="closed",
            threads=s.concurrency,
            max_seconds=seconds,
        )

    warm = load.run(plan(warmup, 10))
    readings: list[float] = []
    outcome = load.run(
        plan(batch, s.max_seconds),
        around=lambda: readings.append(sum(cpu_seconds(p) for p in pids)),
    )
    answered = [x for x in outcome.samples if x.ok]
    run.answered += len(answered)
    run.failed += outcome.failed
    run.unsent += outcome.unsent
    run.wall += outcome.wall
    run.rounds.append(len(answered) / outcome.wall if outcome.wall > 0 else math.nan)
    run.latencies += [x.latency for x in answered]
    run.cpu_seconds += readings[1] - readings[0]
    run.client_seconds += outcome.cpu_seconds
    run.sent += [warmup[x.index][0] for x in warm.samples]
    run.sent += [batch[x.index][0] for x in outcome.samples]


def _workshops(stack: Stack, settings: Settings, total: int) -> list[tuple[Workshop, list[str]]]:
    """``settings.workshops`` workshops at the voting stage, each with its own voters."""
    per_workshop = math.ceil(total / settings.workshops)
    found = []
    with stack.setting_up():
        for k in range(settings.workshops):
            voters = add_people(stack.sim, f"{k:02d}V", math.ceil(per_workshop / VOTES_PER_VOTER))
            workshop = Workshop.open(stack, f"#votes-{k}", voters)
            workshop.to_stories(activities=5, tasks_per_activity=2, stories=STORIES)
            workshop.to_voting(STORIES)
            found.append((workshop, voters))
    return found


def run(store: Store, logs: Path, quick: bool) -> Section:
    settings = QUICK if quick else FULL
    per_round = math.ceil(settings.votes / settings.rounds)
    total = settings.rounds * (WARMUP + per_round)
    with Stack(store, logs, "throughput") as stack:
        workshops = _workshops(stack, settings, total)
        queues = []
        for workshop, voters in workshops:
            cards = workshop.cards()
            queues.append(
                [
                    workshop.reaction_request(voter, cards[story], "vote")
                    for voter, story in vote_plan(voters, STORIES, VOTES_PER_VOTER)
                ]
            )
        # Round-robin over the workshops: every stretch of the run hits all of them.
        owner = [i % len(queues) for i in range(total)]
        requests = list(enumerate(queues[k][i // len(queues)] for i, k in enumerate(owner)))
        ours, theirs = Run(), Run()
        for r in range(settings.rounds):
            start = r * (WARMUP + per_round)
            warmup = requests[start : start + WARMUP]
            batch = requests[start + WARMUP : start + WARMUP + per_round]
            # Only one side's processes run at a time: an idle replica still polls.
            bares = [stack.bare(), stack.bare()]
            _round(bares, [b.pid for b in bares], warmup, batch, s=settings, run=theirs)
            stop_all(bares)
            bots = [stack.bot(), stack.bot()]
            _round(bots, [*(b.pid for b in bots), store.pid], warmup, batch, s=settings, run=ours)
            stop_all(bots)
        votes = VoteCount.total(
            count_votes(store, workshop, [requests[i][1] for i in ours.sent if owner[i] == k])
            for k, (workshop, _) in enumerate(workshops)
        )
    return _section(settings, ours, theirs, votes)


def _section(settings: Settings, ours: Run, theirs: Run, votes: VoteCount) -> Section:
    share = ratio(ours.per_second, theirs.per_second)
    section = Section("2. Vote throughput, 2 replicas")
    section.rows = [
        Row(
            "votes per second",
            f"{ours.per_second:.0f}/s",
            f"{theirs.per_second:.0f}/s",
            f"{share:.0%}",
            f">= {GOAL:.0%} of bare",
            at_least(share, GOAL),
        ),
        Row(
            "votes counted + refused == sent",
            f"{votes.counted} + {votes.refused} of {votes.sent}",
            goal="all accounted",
            met=votes.accounted and ours.failed == 0,
        ),
    ]
    detail = [
        (
            name,
            f"{r.answered}",
            f"{r.failed}",
            f"{r.unsent}",
            f"{r.per_second:.0f}/s",
            ms(r.latency.p50_ms),
            ms(r.latency.p99_ms),
            f"{r.cpu_ms:.2f}",
            f"{r.client_ms:.2f}",
        )
        for name, r in (("storymap (2 replicas)", ours), ("bare Bolt (2 processes)", theirs))
    ]
    section.details = [
        f"Closed loop, {settings.concurrency} requests in flight spread evenly over the two "
        f"processes, {settings.votes} votes per side, {turns(settings.rounds)}; each round "
        f"starts its two processes, sends {WARMUP} votes "
        f"not counted, then its share or {settings.max_seconds:g} s, whichever ends first, "
        "and stops them (an idle replica still polls the store, so the sides never run "
        f"together). The votes go round-robin to {settings.workshops} workshops with {STORIES} "
        f"story cards each (budget {BUDGET}, each voter casting {VOTES_PER_VOTER}, about "
        f"{math.ceil(settings.votes / settings.workshops)} votes per workshop); throughput is "
        "answered votes over the rounds' sending time.",
        "",
        *markdown_table(
            (
                "",
                "answered",
                "failed",
                "unsent",
                "throughput",
                "p50",
                "p99",
                "server CPU ms per request",
                "load generator CPU ms per request",
            ),
            detail,
        ),
        "",
        "Throughput per round, storymap: "
        + ", ".join(f"{r:.0f}/s" for r in ours.rounds)
        + "; bare Bolt: "
        + ", ".join(f"{r:.0f}/s" for r in theirs.rounds)
        + ".",
        "",
        f"Votes to the replicas: {votes.sent} sent (warm-up included), {votes.processed} "
        f"reached the vote script, {votes.counted} counted (expected {votes.expected}), "
        f"{votes.refused} refused (over budget).",
    ]
    return section
