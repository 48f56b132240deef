"""5. Idle cost, and the request path, with thousands of channels that once held a workshop.

What a long-running install accumulates: channels whose workshop ended (each with its
archive, message refs, counters and an emptied outbox, listed in the team's channel set)
plus 100 active workshops where nothing is happening. With 0, 1,000 and 10,000 such
channels and 1, then 3, ``storymap run`` replicas (HTTP mode against the simulator), once
they have settled: the Redis commands per second (``INFO stats`` deltas, the measuring
``INFO`` calls taken out) and the replicas' CPU (``/proc``) over a few seconds of nothing.
Goal: the same within 10% at 0 and at 10,000 channels.

Then, at the largest count, one replica: ``/storymap start`` in a new channel until the
first ``chat.postMessage`` reaches the simulator (goal p99 < 1.5 s), and a click on a
board's "Set persona" until its ``views.open`` reaches the simulator (goal p99 < 300 ms),
both timed on the simulator's clock from the moment it sends the request.

Rules kept: the history is made by the code that makes it in production: each channel's
workshop is started and cancelled through ``WorkshopService`` (in this process, which is
fast) while the setup replica's real dispatchers perform the effects against the
simulator (board, prompt, notice, board edit), so the keys left behind are those of a
real history; seeding ends only when the ready index of the team is empty.
"""

from __future__ import annotations

import contextlib
import itertools
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from benchmarks.cpu import cpu_seconds, thread_cpu_seconds
from benchmarks.report import Row, Section, at_most, markdown_table
from benchmarks.stack import Service, Stack, Store, stop_all
from benchmarks.stats import Latency
from benchmarks.workshop import FACILITATOR, Workshop, add_people
from bot.domain import commands as c
from bot.service import WorkshopService
from bot.store.client import RedisClient
from bot.store.due import DueIndex, Ready
from bot.store.workshops import Keys, WorkshopStore, team_channels_key
from slacksim import SimulatorError

#: Idle cost may differ by at most this much between no history and the most.
FLAT = 0.10
START_P99_GOAL_MS = 1500.0
FORM_P99_GOAL_MS = 300.0
FORM_BUTTON = "Set persona"
TITLE = "5. Idle cost and a long history"


@dataclass(frozen=True)
class Settings:
    counts: tuple[int, ...]  # channels that once held a workshop, increasing (and 0)
    replicas: tuple[int, ...]
    active: int  # active workshops where nothing happens
    settle: float  # seconds after the replicas are up before measuring
    seconds: float  # measured idle time
    starts: int  # new channels started at the largest count
    clicks: int  # form-opening clicks at the largest count
    gap: float  # seconds between two timed requests


FULL = Settings(
    counts=(1_000, 10_000),
    replicas=(1, 3),
    active=100,
    settle=5.0,
    seconds=20.0,
    starts=40,
    clicks=50,
    gap=0.5,
)
QUICK = Settings(
    counts=(300,),
    replicas=(1, 3),
    active=10,
    settle=3.0,
    seconds=3.0,
    starts=8,
    clicks=10,
    gap=0.3,
)


# ----- seeding --------------------------------------------------------------------------


def ready_members(client: RedisClient, team_id: str) -> int:
    """Lanes of ``team_id`` in the ready index (one replica with a bot token: per team)."""
    index = DueIndex(client, "ready", per_team=True)
    return index.size(index.shard(team_id, ""))


def evening_zone(now: datetime) -> str:
    """A time zone where it is about 21:00 at ``now``: a workshop's first digest (the
    facilitator's next 09:00) is about 12 hours away, never inside a measurement."""
    offset = (21 - now.astimezone(UTC).hour + 12) % 24 - 12  # -12 .. +11 hours
    # The Etc zones' signs are inverted: Etc/GMT-5 is five hours ahead of UTC.
    return "Etc/GMT" if offset == 0 else f"Etc/GMT{-offset:+d}"


def add_facilitator(stack: Stack) -> None:
    """The facilitator of every workshop of the benchmark, in ``evening_zone``."""
    with contextlib.suppress(SimulatorError):  # added already
        stack.sim.add_user(FACILITATOR, "facilitator", tz=evening_zone(datetime.now(UTC)))


def _boards_posted(client: RedisClient, team_id: str, channels: list[str]) -> bool:
    with client.pipeline(transaction=False) as pipe:
        for channel in channels:
            pipe.hexists(Keys(team_id, channel).refs(1), "board")
        return all(pipe.execute())


def seed_history(
    stack: Stack, count: int, *, first: int = 0, batch: int = 500, timeout: float = 600
) -> list[str]:
    """``count`` channels (``#history-<first>``...) whose workshop was started, its
    board posted, and then cancelled, every effect performed by a setup replica; returns
    their ids once the team's ready index is empty (every effect performed, every
    coalesced edit made). Each keeps what such a history keeps: the archive, the refs of
    its messages, its counters, its emptied outbox, and its first digest job (dropped
    unrun when it comes due, the workshop being over)."""
    sim, client = stack.sim, stack.store.client
    service = WorkshopService(WorkshopStore(client, ready=Ready(client, per_team=True)))
    channels: list[str] = []
    add_facilitator(stack)
    with stack.setting_up(settle_timeout=timeout):
        for low in range(first, first + count, batch):
            started = []
            for n in range(low, min(low + batch, first + count)):
                channel = sim.add_channel(f"#history-{n}", members=[FACILITATOR]).id
                title = f"Sprint {n}"
                _apply(
                    service,
                    stack.team_id,
                    channel,
                    c.Start(team_id=stack.team_id, channel_id=channel, title=title),
                )
                started.append(channel)
            # Cancelled once its board is out, as a workshop that ran for a while.
            sim.wait_for(
                partial(_boards_posted, client, stack.team_id, started),
                timeout=timeout,
                message="the seeded workshops' boards",
            )
            for channel in started:
                _apply(service, stack.team_id, channel, c.Cancel())
            channels += started
        sim.wait_for(
            lambda: ready_members(client, stack.team_id) == 0,
            timeout=timeout,
            message="the seeded channels' effects performed",
        )
    return channels


def _apply(service: WorkshopService, team_id: str, channel: str, command: c.Command) -> None:
    reply = service.handle(team_id, channel, FACILITATOR, command)
    if not reply.ok:
        raise RuntimeError(f"seeding {channel}: {reply.text}")


# ----- measuring idle cost --------------------------------------------------------------


@dataclass(frozen=True)
class Reading:
    """The store's command counters and the replicas' CPU at one moment."""

    at: float  # time.monotonic()
    total: int  # INFO stats total_commands_processed
    by_command: dict[str, int]  # INFO commandstats calls per command
    cpu: float  # CPU seconds of the measured processes


#: INFO calls a pair of readings adds to the later one's counters (see ``read``).
OWN_COMMANDS = 2


def read(client: RedisClient, pids: list[int]) -> Reading:
    """Read ``INFO commandstats`` then ``INFO stats``. A command is counted once it has
    run, so between two readings the later one's total counts the earlier one's
    ``INFO stats`` and its own ``INFO commandstats``, and its per-command calls the
    earlier one's two: ``OWN_COMMANDS`` either way."""
    stats = client.info("commandstats")
    total = int(client.info("stats")["total_commands_processed"])
    calls = {
        str(name).removeprefix("cmdstat_"): int(value["calls"])
        for name, value in stats.items()
        if isinstance(value, dict)
    }
    return Reading(time.monotonic(), total, calls, sum(replica_cpu(p) for p in pids))


def replica_cpu(pid: int) -> float:
    """CPU seconds of a replica: per thread to the nanosecond where the kernel keeps it
    (an idle replica uses a few clock ticks in ten seconds), else from the ticks."""
    fine = thread_cpu_seconds(pid)
    return cpu_seconds(pid) if fine is None else fine


@dataclass(frozen=True)
class Idle:
    channels: int
    replicas: int
    seconds: float
    commands_per_second: float
    cpu_percent: float  # of one core, all replicas together
    top: list[tuple[str, float]]  # the busiest commands, per second
    cpu_seconds: tuple[float, ...] = ()  # CPU % of each second of the measurement
    beside: int = 0  # the history's size in the turn it was measured in


def idle_cost(
    before: Reading,
    after: Reading,
    channels: int,
    replicas: int,
    cpu_by_second: tuple[float, ...] = (),
) -> Idle:
    """Commands per second and CPU between two readings, the readings' own INFO calls
    taken out."""
    seconds = after.at - before.at
    commands = after.total - before.total - OWN_COMMANDS
    by_command = {
        name: calls - before.by_command.get(name, 0) for name, calls in after.by_command.items()
    }
    by_command["info"] = by_command.get("info", 0) - OWN_COMMANDS
    busiest = sorted(((n, k / seconds) for n, k in by_command.items() if k > 0), key=_rate)
    return Idle(
        channels=channels,
        replicas=replicas,
        seconds=seconds,
        commands_per_second=commands / seconds,
        cpu_percent=(after.cpu - before.cpu) / seconds * 100,
        top=busiest[:4],
        cpu_seconds=cpu_by_second,
    )


def _rate(item: tuple[str, float]) -> float:
    return -item[1]


def _measure_idle(stack: Stack, settings: Settings, channels: int, replicas: int) -> Idle:
    services = [stack.bot() for _ in range(replicas)]
    try:
        time.sleep(settings.settle)
        pids = [s.pid for s in services]
        before = read(stack.store.client, pids)
        cpu = [(before.at, before.cpu)]
        for n in range(1, math.ceil(settings.seconds) + 1):
            time.sleep(max(0.0, before.at + min(n, settings.seconds) - time.monotonic()))
            cpu.append((time.monotonic(), sum(replica_cpu(p) for p in pids)))
        after = read(stack.store.client, pids)
    finally:
        _stop(stack, services)
    by_second = tuple((c1 - c0) / (t1 - t0) * 100 for (t0, c0), (t1, c1) in itertools.pairwise(cpu))
    return idle_cost(before, after, channels, replicas, by_second)


def _stop(stack: Stack, services: list[Service]) -> None:
    stop_all(services)
    stack.services = [s for s in stack.services if s not in services]


# ----- the request path with a long history --------------------------------------------


@dataclass
class Paths:
    starts: dict[int, list[float]] = field(default_factory=dict)  # by channels known
    forms: list[float] = field(default_factory=list)  # seconds
    missing: list[str] = field(default_factory=list)


def _first_call(stack: Stack, method: str, since: int, channel: str | None) -> float | None:
    """When the first successful ``method`` call after api_log position ``since`` arrived."""
    for call in stack.sim.api_log[since:]:
        wanted = channel is None or call.args.get("channel") == channel
        if call.method == method and wanted and call.status == 200 and call.response.get("ok"):
            return call.at
    return None


def _timed(
    stack: Stack, method: str, channel: str | None, send: Callable[[], None]
) -> float | None:
    """Seconds from sending a request to the first ``method`` call (in ``channel``)
    reaching the simulator; None when none came within 10 s."""
    since = len(stack.sim.api_log)
    sent = time.time()  # the clock of ApiCall.at
    send()
    try:
        at = stack.sim.wait_for(lambda: _first_call(stack, method, since, channel), timeout=10)
    except AssertionError:
        return None
    return None if at is None else at - sent


def _replica(stack: Stack, settings: Settings) -> Service:
    service = stack.bot()
    stack.sim.set_bot_endpoint(service.events_url)
    time.sleep(settings.settle)
    return service


def _starts(stack: Stack, settings: Settings, known: int, paths: Paths) -> None:
    """Time ``/storymap start`` in new channels, then cancel those workshops (their
    channels join the history, as they would)."""
    sim = stack.sim
    timed = paths.starts.setdefault(known, [])
    channels = []
    service = _replica(stack, settings)
    try:
        for n in range(settings.starts):
            channel = sim.add_channel(f"#new-{known}-{n}", members=[FACILITATOR]).id
            channels.append(channel)

            def start(channel: str = channel) -> None:
                delivery = sim.user(FACILITATOR).slash(channel, "/storymap", "start New work")
                if not delivery.ok:
                    raise RuntimeError(f"/storymap start: {delivery.status} {delivery.text}")

            took = _timed(stack, "chat.postMessage", channel, start)
            timed.append(took) if took is not None else paths.missing.append(channel)
            time.sleep(settings.gap)
        for channel in channels:
            delivery = sim.user(FACILITATOR).slash(channel, "/storymap", "cancel")
            if not delivery.ok:
                raise RuntimeError(f"/storymap cancel: {delivery.status} {delivery.text}")
        sim.wait_for(
            lambda: ready_members(stack.store.client, stack.team_id) == 0,
            timeout=120,
            message="the timed workshops' effects performed",
        )
    finally:
        _stop(stack, [service])


def _forms(
    stack: Stack, settings: Settings, active: list[Workshop], clickers: list[str], paths: Paths
) -> None:
    sim = stack.sim
    service = _replica(stack, settings)
    try:
        for n, user in enumerate(clickers):
            workshop = active[n % len(active)]

            def click(workshop: Workshop = workshop, user: str = user) -> None:
                delivery = sim.user(user).click(
                    workshop.channel, workshop.board_ts, label=FORM_BUTTON
                )
                if not delivery.ok:
                    raise RuntimeError(f"click: {delivery.status} {delivery.text}")

            took = _timed(stack, "views.open", None, click)
            paths.forms.append(took) if took is not None else paths.missing.append(user)
            time.sleep(settings.gap)
    finally:
        _stop(stack, [service])


# ----- the benchmark --------------------------------------------------------------------


def _quiet_workshops(stack: Stack, settings: Settings) -> tuple[list[Workshop], list[str]]:
    """The active workshops where nothing happens, and the people who may click."""
    add_facilitator(stack)
    with stack.setting_up():
        clickers = add_people(stack.sim, "0CLK", settings.clicks)
        active = []
        for n in range(settings.active):
            workshop = Workshop.open(stack, f"#active-{n}", clickers)
            workshop.slash("start Quiet workshop", "Workshop")
            active.append(workshop)
    return active, clickers


def run(store: Store, logs: Path, quick: bool) -> Section:
    """Two workspaces with the same quiet workshops, one also holding the history: at
    each count their idle costs are measured in turns (no history, history, history,
    no history for 1 then 3 replicas), so a change in the machine's background load
    falls on both."""
    settings = QUICK if quick else FULL
    results: list[Idle] = []
    seeding: list[tuple[int, float]] = []
    with Stack(store, logs, "idle-none") as none, Stack(store, logs, "idle") as stack:
        _quiet_workshops(none, settings)
        active, clickers = _quiet_workshops(stack, settings)
        seeded = 0
        paths = Paths()
        for count in settings.counts:
            known = _history(stack, settings)
            began = time.monotonic()
            seed_history(stack, count - known, first=seeded)
            seeding.append((count - known, time.monotonic() - began))
            seeded += count - known
            for replicas in settings.replicas:
                turns = [(none, 0), (stack, count)]
                for where, channels in turns if replicas == settings.replicas[0] else turns[::-1]:
                    print(f"  idle: {channels} channels, {replicas} replicas", flush=True)
                    measured = _measure_idle(where, settings, channels, replicas)
                    results.append(replace(measured, beside=count))
            print(f"  /storymap start at {count} channels", flush=True)
            _starts(stack, settings, count, paths)
        print("  /storymap start at 0 channels, forms", flush=True)
        _starts(none, settings, 0, paths)
        _forms(stack, settings, active, clickers, paths)
    return _section(settings, results, paths, seeding)


def _history(stack: Stack, settings: Settings) -> int:
    """Channels of the team that held a workshop: all it knows but the quiet ones."""
    return int(stack.store.client.scard(team_channels_key(stack.team_id))) - settings.active


def _percent(value: float) -> str:
    return f"{value:.2f}%"


def _spread(values: tuple[float, ...]) -> str:
    return f"{min(values):.2f}-{max(values):.2f}%" if values else "n/a"


def _change(ours: float, base: float) -> float:
    if base == 0:
        return 0.0 if ours == 0 else math.inf
    return ours / base - 1


def _section(
    settings: Settings,
    results: list[Idle],
    paths: Paths,
    seeding: list[tuple[int, float]],
) -> Section:
    most = settings.counts[-1]
    section = Section(TITLE)
    by = {(r.channels, r.beside, r.replicas): r for r in results}
    for replicas in settings.replicas:
        base, top = by[(0, most, replicas)], by[(most, most, replicas)]
        for label, ours, theirs, fmt in (
            ("Redis commands/s", top.commands_per_second, base.commands_per_second, "{:.1f}"),
            ("replica CPU", top.cpu_percent, base.cpu_percent, "{:.2f}%"),
        ):
            change = _change(ours, theirs)
            section.rows.append(
                Row(
                    f"idle {label}, {replicas} replica(s), {most:,} vs 0 channels",
                    f"{fmt.format(ours)} vs {fmt.format(theirs)}",
                    ratio=f"{change:+.0%}" if math.isfinite(change) else "n/a",
                    goal=f"within {FLAT:.0%}",
                    met=abs(change) <= FLAT if math.isfinite(change) else False,
                )
            )
    starts, forms = Latency.of(paths.starts.get(most, [])), Latency.of(paths.forms)
    section.rows += [
        Row(
            "/storymap start -> first message p99",
            f"{starts.p99_ms / 1000:.2f} s",
            goal=f"< {START_P99_GOAL_MS / 1000:g} s",
            met=at_most(starts.p99_ms, START_P99_GOAL_MS),
        ),
        Row(
            f"click {FORM_BUTTON} -> views.open p99",
            f"{forms.p99_ms:.0f} ms",
            goal=f"< {FORM_P99_GOAL_MS:g} ms",
            met=at_most(forms.p99_ms, FORM_P99_GOAL_MS),
        ),
    ]
    table = [
        (
            f"{r.channels:,}" if r.channels else f"0 (beside {r.beside:,})",
            str(r.replicas),
            f"{r.commands_per_second:.1f}",
            _percent(r.cpu_percent),
            _percent(r.cpu_percent / r.replicas),
            _spread(r.cpu_seconds),
            ", ".join(f"{n} {k:.1f}" for n, k in r.top) or "none",
        )
        for r in results
    ]
    why = []
    for known in (0, *settings.counts):
        idle = by.get((known, most if known == 0 else known, settings.replicas[0]))
        taken = Latency.of(paths.starts.get(known, []))
        if idle is not None:
            why.append(
                (
                    f"{known:,}",
                    f"{idle.commands_per_second:.1f}",
                    _percent(idle.cpu_percent),
                    f"{taken.p50_ms:.0f} ms (p99 {taken.p99_ms:.0f} ms)",
                )
            )
    section.details = [
        f"With {settings.replicas[0]} replica, as the table that set the goals was "
        "measured (the row for 0 is the workspace without history, measured beside the "
        f"{most:,}):",
        "",
        *markdown_table(
            (
                "channels known",
                "Redis commands/s while idle",
                "replica CPU while idle",
                "`/storymap start` in a new channel -> first message, p50",
            ),
            why,
        ),
        "",
        f"Two workspaces, each holding {settings.active} active workshops where nothing "
        "happens (started through the simulator's slash command: board and persona prompt "
        "posted, first digest scheduled). One of them also holds the history, grown to "
        "each count: channels whose workshop was started, its board posted, then "
        "cancelled, each keeping what such a history keeps (archive, message refs, "
        "counters, an emptied outbox stream, its id in the team's channel set, its first "
        "digest job, due about 12 hours later and dropped unrun then). The history is "
        "made by `WorkshopService` in the benchmark's process with a setup replica's "
        "dispatchers performing the effects against the simulator, and seeding ends when "
        "the team's ready index is empty; "
        + "; ".join(f"{n:,} more channels took {s:.0f} s" for n, s in seeding)
        + ". At each count the two workspaces are measured in turns: without history "
        "then with it for 1 replica, with it then without it for 3, so a change in the "
        "machine's background load falls on both sides; the goal compares the largest "
        "count with the workspace without history measured beside it.",
        "",
        f"Each time, 1 or 3 `storymap run` replicas (HTTP mode, one process each) start, get "
        f"{settings.settle:g} s to settle, and nothing happens for {settings.seconds:g} s: "
        "commands/s is the store's `total_commands_processed` delta over that time minus "
        f"the {OWN_COMMANDS} `INFO` calls of the measurement; CPU is the replica "
        "processes' threads' time on a core from the scheduler's "
        "`/proc/<pid>/task/*/schedstat` (nanoseconds; the 10 ms ticks of "
        "`/proc/<pid>/stat` are too coarse for an idle process), as a share of one core. "
        "Commands run inside Lua scripts count as commands, as `INFO` counts them. "
        '"Each second" is the lowest and highest CPU of any one second of the '
        "measurement: what a fraction of a percent of one core moves by on its own. The "
        "machine has two cores shared with other work (see the last line).",
        "",
        *markdown_table(
            (
                "channels known",
                "replicas",
                "Redis commands/s while idle",
                "replica CPU while idle (all)",
                "per replica",
                "each second (all)",
                "busiest commands/s",
            ),
            table,
        ),
        "",
        f"Requests, one replica at a time: after each count's idle turns, "
        f"{settings.starts} `/storymap start` in new channels, {settings.gap:g} s apart, "
        "each timed from the simulator sending the slash command to the simulator "
        "receiving the channel's first `chat.postMessage` (those workshops are then "
        "cancelled: their channels count in the history from then on); the same in the "
        f"workspace without history, after its last idle turn; then, at {most:,} "
        f"channels, {settings.clicks} clicks on the "
        f"{FORM_BUTTON} button of the active workshops' boards (a distinct person each), "
        "timed from the simulator sending the click to it receiving `views.open`. "
        "Slack's default rate limits are on.",
        "",
        *markdown_table(
            ("request", "n", "p50", "p99", "max", "goal"),
            [
                (
                    f"/storymap start -> first message, {most:,} channels",
                    str(starts.count),
                    f"{starts.p50_ms:.0f} ms",
                    f"{starts.p99_ms:.0f} ms",
                    f"{starts.max_ms:.0f} ms",
                    f"p99 < {START_P99_GOAL_MS:.0f} ms",
                ),
                (
                    f"click {FORM_BUTTON} -> views.open",
                    str(forms.count),
                    f"{forms.p50_ms:.0f} ms",
                    f"{forms.p99_ms:.0f} ms",
                    f"{forms.max_ms:.0f} ms",
                    f"p99 < {FORM_P99_GOAL_MS:.0f} ms",
                ),
            ],
        ),
    ]
    if paths.missing:
        section.details += [
            "",
            f"No Web API call within 10 s for: {', '.join(paths.missing)} (not in the "
            "percentiles).",
        ]
    return section
