"""1. Ack latency at a steady offered load: the bot against a bare Bolt app.

Four kinds of request, each sent open-loop at ``rate`` requests per second for
``seconds`` (after ``warmup`` seconds that are not counted) to the bare app and to the
bot, in alternating rounds, with identical bodies:

- ``/storymap status`` (a read and a rendered answer) and ``/storymap add T# ...`` (a
  real compare-and-set write) in workshops at the stories stage, spread over several
  channels so no workshop grows unrealistically during the run;
- a click on the board's "Status" button;
- a ``reaction_added`` vote on a story card, by many distinct people with the default
  budget of 3 votes, each casting 4 so a quarter are refused over budget; the store is
  checked afterwards (counted + refused == sent).

Goals: the bot within 1.5x of bare Bolt at p50 and within 2x at p99.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks import load
from benchmarks.cpu import cpu_seconds
from benchmarks.report import Row, Section, at_most, markdown_table, ms, times, turns
from benchmarks.stack import SECRET, Service, Stack, Store
from benchmarks.stats import Latency, ratio
from benchmarks.votes import BUDGET, VOTES_PER_VOTER, VoteCount, count_votes, vote_plan
from benchmarks.workshop import Workshop, add_people

P50_GOAL = 1.5
P99_GOAL = 2.0
VOTE_STORIES = 50
LATE = 0.010  # a request sent this long after its due time counts as a late start


@dataclass(frozen=True)
class Settings:
    rate: float
    seconds: float
    warmup: float
    threads: int
    channels: int
    rounds: int  # bare and bot alternate, each sending 1/rounds of the requests per round

    @property
    def per_kind(self) -> int:
        return math.ceil(self.rate * (self.seconds + self.warmup))

    @property
    def warmup_count(self) -> int:
        return math.ceil(self.rate * self.warmup)


FULL = Settings(rate=100, seconds=8, warmup=1, threads=8, channels=8, rounds=4)
QUICK = Settings(rate=100, seconds=1.5, warmup=0.5, threads=8, channels=4, rounds=1)


@dataclass(frozen=True)
class Measured:
    latency: Latency
    failed: int
    late: int  # requests sent more than LATE after their due time
    cpu_ms: float  # server-side CPU per request (bot: bot process + store)
    sent: list[int]  # indices of the requests sent, warm-up included
    p50_by_round: list[float]  # ms


@dataclass
class Setup:
    commands: list[Workshop]
    votes: Workshop
    people: list[str]
    voters: list[str]


def _prepare(stack: Stack, settings: Settings) -> Setup:
    sim = stack.sim
    with stack.setting_up():
        people = add_people(sim, "0PPL", 20)
        voters = add_people(sim, "0VTR", math.ceil(settings.per_kind / VOTES_PER_VOTER))
        commands = []
        for k in range(settings.channels):
            workshop = Workshop.open(stack, f"#commands-{k}", people)
            workshop.to_stories(activities=4, tasks_per_activity=2, stories=16)
            commands.append(workshop)
        votes = Workshop.open(stack, "#votes", voters)
        votes.to_stories(activities=5, tasks_per_activity=2, stories=VOTE_STORIES)
        votes.to_voting(VOTE_STORIES)
    return Setup(commands, votes, people, voters)


def _label(i: int, settings: Settings, kind: str) -> str:
    return "warmup" if i < settings.warmup_count else kind


def _requests(setup: Setup, settings: Settings) -> dict[str, list[load.Request]]:
    n, people, channels = settings.per_kind, setup.people, setup.commands
    status = [
        channels[i % len(channels)].slash_request(
            people[i % len(people)], "status", _label(i, settings, "slash status")
        )
        for i in range(n)
    ]
    add = [
        channels[i % len(channels)].slash_request(
            people[i % len(people)],
            f"add T{i // len(channels) % 8 + 1} Benchmark story {i}",
            _label(i, settings, "slash add"),
        )
        for i in range(n)
    ]
    boards = [c.board_ts for c in channels]
    click = [
        channels[i % len(channels)].click_request(
            people[i % len(people)],
            boards[i % len(channels)],
            "Status",
            _label(i, settings, "click Status"),
        )
        for i in range(n)
    ]
    return {
        "slash status": status,
        "slash add": add,
        "click Status": click,
        "reaction vote": _vote_requests(setup, settings),
    }


def _vote_requests(setup: Setup, settings: Settings) -> list[load.Request]:
    cards = setup.votes.cards()
    pairs = vote_plan(setup.voters, VOTE_STORIES, VOTES_PER_VOTER)[: settings.per_kind]
    return [
        setup.votes.reaction_request(voter, cards[story], _label(i, settings, "reaction vote"))
        for i, (voter, story) in enumerate(pairs)
    ]


@dataclass
class _Tally:
    """One side's samples of one kind, added up over the rounds."""

    latencies: list[float] = field(default_factory=list)
    rounds: list[float] = field(default_factory=list)  # p50 of each round, ms
    failed: int = 0
    late: int = 0
    cpu_seconds: float = 0.0
    requests: int = 0
    sent: list[int] = field(default_factory=list)  # indices into the kind's requests

    def measured(self) -> Measured:
        return Measured(
            latency=Latency.of(self.latencies),
            failed=self.failed,
            late=self.late,
            cpu_ms=self.cpu_seconds / max(1, self.requests) * 1000,
            sent=self.sent,
            p50_by_round=self.rounds,
        )


def _send(
    server: Service,
    pids: list[int | None],
    batch: list[tuple[int, load.Request]],
    settings: Settings,
    tally: _Tally,
) -> None:
    readings: list[float] = []
    plan = load.Plan(
        targets=(server.events_url,),
        secret=SECRET,
        requests=tuple(r for _, r in batch),
        mode="open",
        threads=settings.threads,
        max_seconds=len(batch) / settings.rate + 1,
        rate=settings.rate,
    )
    outcome = load.run(plan, around=lambda: readings.append(sum(cpu_seconds(p) for p in pids)))
    measured = [s for s in outcome.samples if s.label != "warmup"]
    tally.rounds.append(Latency.of([s.latency for s in measured]).p50_ms)
    tally.sent += [batch[s.index][0] for s in outcome.samples]
    for sample in measured:
        tally.latencies.append(sample.latency)
        tally.failed += not sample.ok
        tally.late += sample.started - sample.due > LATE
    tally.failed += outcome.unsent
    tally.cpu_seconds += readings[1] - readings[0]
    tally.requests += len(outcome.samples)


def _compare(
    bot: tuple[Service, list[int | None]],
    bare: tuple[Service, list[int | None]],
    requests: list[load.Request],
    settings: Settings,
) -> tuple[Measured, Measured]:
    """Bare and bot in alternating rounds, so a change in the machine's background load
    falls on both sides rather than on whichever ran second."""
    numbered = list(enumerate(requests))
    warmup, measured = numbered[: settings.warmup_count], numbered[settings.warmup_count :]
    size = math.ceil(len(measured) / settings.rounds)
    ours, theirs = _Tally(), _Tally()
    for r in range(settings.rounds):
        batch = (warmup if r == 0 else []) + measured[r * size : (r + 1) * size]
        _send(*bare, batch, settings, theirs)
        _send(*bot, batch, settings, ours)
    return ours.measured(), theirs.measured()


def run(store: Store, logs: Path, quick: bool) -> Section:
    settings = QUICK if quick else FULL
    with Stack(store, logs, "latency") as stack:
        setup = _prepare(stack, settings)
        bare, bot = stack.bare(), stack.bot()
        requests = _requests(setup, settings)
        results = {
            kind: _compare((bot, [bot.pid, store.pid]), (bare, [bare.pid]), batch, settings)
            for kind, batch in requests.items()
        }
        voted = results["reaction vote"][0].sent
        votes = count_votes(store, setup.votes, [requests["reaction vote"][i] for i in voted])
    return _section(settings, results, votes)


def _section(
    settings: Settings, results: dict[str, tuple[Measured, Measured]], votes: VoteCount
) -> Section:
    section = Section("1. Ack latency")
    for kind, (ours, theirs) in results.items():
        p50 = ratio(ours.latency.p50_ms, theirs.latency.p50_ms)
        p99 = ratio(ours.latency.p99_ms, theirs.latency.p99_ms)
        section.rows += [
            Row(
                f"{kind} p50",
                ms(ours.latency.p50_ms),
                ms(theirs.latency.p50_ms),
                times(p50),
                f"<= {P50_GOAL}x",
                at_most(p50, P50_GOAL),
            ),
            Row(
                f"{kind} p99",
                ms(ours.latency.p99_ms),
                ms(theirs.latency.p99_ms),
                times(p99),
                f"<= {P99_GOAL}x",
                at_most(p99, P99_GOAL),
            ),
        ]
    section.rows.append(
        Row(
            "votes counted + refused == sent",
            f"{votes.counted} + {votes.refused} of {votes.sent}",
            goal="all accounted",
            met=votes.accounted,
        )
    )
    detail = [
        (
            kind,
            f"{o.latency.count}",
            ms(o.latency.p50_ms),
            ms(o.latency.p99_ms),
            ms(o.latency.max_ms),
            ms(t.latency.p50_ms),
            ms(t.latency.p99_ms),
            ms(t.latency.max_ms),
            f"{o.failed} / {t.failed}",
            f"{o.late} / {t.late}",
            f"{o.cpu_ms:.2f} / {t.cpu_ms:.2f}",
        )
        for kind, (o, t) in results.items()
    ]
    section.details = [
        f"Open loop at {settings.rate:g} requests/s for {settings.seconds:g} s per kind "
        f"(after {settings.warmup:g} s of warm-up, not counted) to each side, "
        f"{turns(settings.rounds)}; {settings.threads} client threads, a new connection "
        "per request; latency is from each request's due time to the whole "
        "answer read. Server CPU counts the bot's process and the store, or the bare "
        "process, over the whole run (the bot's includes its dispatchers). Slash "
        "commands and clicks rotate over "
        f"{settings.channels} workshops at the stories stage (16 stories each); votes go "
        f"to one workshop with {VOTE_STORIES} story cards, budget {BUDGET}, each voter "
        f"casting {VOTES_PER_VOTER}.",
        "",
        *markdown_table(
            (
                "kind",
                "n",
                "bot p50",
                "bot p99",
                "bot max",
                "bare p50",
                "bare p99",
                "bare max",
                "failed bot / bare",
                "late starts bot / bare",
                "server CPU ms per request bot / bare",
            ),
            detail,
        ),
        "",
        f"Votes: {votes.sent} sent, {votes.processed} reached the vote script, "
        f"{votes.counted} counted (expected {votes.expected}), {votes.refused} refused "
        "(over budget).",
    ]
    if settings.rounds > 1:
        section.details += [
            "",
            "p50 of each round, bot / bare (each vote round lands on the ballots of the "
            "rounds before it):",
            "",
            *(
                f"- {kind}: "
                + ", ".join(
                    f"{a:.2f} / {b:.2f} ms"
                    for a, b in zip(o.p50_by_round, t.p50_by_round, strict=True)
                )
                for kind, (o, t) in results.items()
            ),
        ]
    return section
