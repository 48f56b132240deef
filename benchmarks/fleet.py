"""6. A fleet: many workspaces voting at once on three replicas, under Slack's limits.

``SlackCloud`` plays Slack with ``workspaces`` workspaces (200; 20 with ``--quick``),
each with ``CHANNELS`` channels and ``VOTERS`` voters plus a facilitator; every
workspace installs the app through the real OAuth redirect (install page, authorize,
``oauth.v2.access``). Three ``storymap run`` replicas in OAuth mode (``SLACK_CLIENT_ID``
and ``SLACK_CLIENT_SECRET``, no bot token) share the store; Slack sends each request to
one URL, so a load balancer's round robin is played by the simulator: each workspace
sends its requests to the three replicas in turn.

Rules kept:
- setup is not measured but takes the real path: the installs through the redirect, and
  every workshop driven to voting by slash commands through the simulator's users,
  served by an in-process replica in OAuth mode whose Web API budget is unlimited,
  against workspaces without rate limits; that replica is stopped, its channel leases
  and the budget keys are deleted, and Slack's limits are on before the replicas start;
- the measured part: every voter votes (``reaction_added`` through the driver) on
  ``VOTES_EACH`` distinct story cards in every channel, the default budget, so every vote
  must count; votes are sent closed-loop by ``THREADS`` threads, all channels' first
  votes before any channel's second, and so on; a delivery that fails is resent as
  Slack's retry (``X-Slack-Retry-Num``), at most three times;
- checked afterwards: each channel's ballots in the store equal the votes sent there
  (voter and story, exactly); no Web API call named a channel with another workspace's
  token (``wrong_token_calls``); HTTP 429 answers during the measurement; and for each
  channel the time from its last vote's ack to the board's first edit showing the final
  count (from the simulator's log of ``chat.update`` calls; 0 when the board was right
  before that ack), waiting at most ``bound`` seconds; each channel's last vote and its
  workspace's edits are written to ``timeline.json`` beside the replicas' logs (kept
  with ``--keep``), to read why a board was late.

Goals: every vote counted, no call with another workspace's token, 0 HTTP 429, every
board right within 2 s of its last vote.
"""

from __future__ import annotations

import inspect
import json
import math
import os
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import redis

from benchmarks.cpu import cpu_seconds
from benchmarks.report import Row, Section, markdown_table
from benchmarks.stack import ROOT, SECRET, Service, Store, free_port, stop_all
from benchmarks.stats import Latency
from bot.render.text import plural
from bot.slack.budget import SLACK_ALLOWANCES, SlackBudget
from bot.slack.dispatcher import Dispatcher
from bot.slack.main import Bot, OAuthConfig
from bot.slack.refs import Refs
from bot.store.workshops import WorkshopStore
from slacksim import ApiCall, RateLimits, SlackCloud, SlackSimulator
from slacksim.delivery import Delivery

T = TypeVar("T")
TITLE = "6. A fleet of workspaces"
CLIENT_ID = "4321.8765"
CLIENT_SECRET = "bench-client-secret"  # noqa: S105 - simulated app, public
CHANNELS = 5
VOTERS = 4
STORIES = 4
VOTES_EACH = 3  # the default budget: every vote counts
REPLICAS = 3
THREADS = 24
SETUP_THREADS = 12
RETRIES = 3
BOARD_GOAL = 2.0
FACILITATOR = "U0FACIL001"
#: Worker threads of each replica's dispatcher (its default; ``storymap run`` keeps it).
WORKERS = int(inspect.signature(Dispatcher).parameters["threads"].default)
BUCKET = SLACK_ALLOWANCES["chat.update"].capacity
REFILL = SLACK_ALLOWANCES["chat.update"].per_second * 60
SETUP_ROLE = "setup"
_CHILD_DROPS = (
    "SLACK_APP_TOKEN",
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_API_URL",
    "SLACK_CLIENT_ID",
    "SLACK_CLIENT_SECRET",
    "SLACK_REDIRECT_URI",
    "SLACK_TOKEN_KEY",
)


@dataclass(frozen=True)
class Settings:
    workspaces: int
    bound: float  # seconds to wait for the boards after the last vote


FULL = Settings(workspaces=200, bound=120.0)
QUICK = Settings(workspaces=20, bound=30.0)


# ----- pure helpers ---------------------------------------------------------------------


def vote_plan(voters: Sequence[str], stories: int, each: int) -> list[tuple[str, str]]:
    """(voter, story id) pairs of one channel: voter ``v`` on ``each`` distinct stories
    starting at story ``v``, interleaved so the voters' votes alternate."""
    if each > stories:
        raise ValueError(f"{each} distinct votes need at least {each} stories, not {stories}")
    return [
        (voter, f"S{(v + j) % stories + 1}") for j in range(each) for v, voter in enumerate(voters)
    ]


def interleave(plans: Sequence[Sequence[T]]) -> list[T]:
    """Every plan's first item, then every plan's second, and so on."""
    longest = max((len(p) for p in plans), default=0)
    return [plan[i] for i in range(longest) for plan in plans if i < len(plan)]


def _cast(count: int) -> re.Pattern[str]:
    return re.compile(rf"(?<![0-9]){re.escape(plural(count, 'vote'))} cast")


def board_right_at(log: Iterable[ApiCall], board_ts: str, votes: int) -> float | None:
    """When the board first showed ``votes`` votes: the time of the earliest successful
    ``chat.update`` of the board message whose content says so (None: never)."""
    shows = _cast(votes)
    times = [
        call.at
        for call in log
        if call.method == "chat.update"
        and call.status == 200
        and call.response.get("ok")
        and str(call.args.get("ts")) == board_ts
        and shows.search(json.dumps(call.args))
    ]
    return min(times, default=None)


def settle_time(right_at: float | None, last_vote: float) -> float | None:
    """Seconds from the last vote's ack until the board was right (0 if it was already)."""
    return None if right_at is None else max(0.0, right_at - last_vote)


@dataclass(frozen=True)
class Edits:
    """The successful ``chat.update`` calls from the first vote on."""

    boards: int
    cards: int  # every other message
    during: float  # a second, fleet-wide, until the last vote's ack
    after: float  # a second, fleet-wide, from then until the last board was right
    before_last_vote: float  # mean per workspace, until its own last vote's ack


def edits(
    logs: dict[str, list[ApiCall]],
    boards: set[str],
    since: float,
    last_votes: dict[str, float],
    settled: float,
) -> Edits:
    """What ``logs`` (each workspace's calls) say about edits from ``since``:
    ``boards``: the boards' ts; ``last_votes``: each workspace's last vote ack;
    ``settled``: when the last board was right."""
    on_boards = on_cards = during = after = 0
    before: list[int] = []
    end = max(last_votes.values(), default=since)
    for team, calls in logs.items():
        mine = 0
        for call in calls:
            if call.at < since or call.method != "chat.update" or not call.response.get("ok"):
                continue
            if str(call.args.get("ts")) in boards:
                on_boards += 1
            else:
                on_cards += 1
            during += call.at <= end
            after += end < call.at <= settled
            mine += call.at <= last_votes.get(team, since)
        before.append(mine)
    return Edits(
        boards=on_boards,
        cards=on_cards,
        during=during / max(end - since, 1e-9),
        after=after / max(settled - end, 1e-9) if settled > end else math.nan,
        before_last_vote=sum(before) / max(len(before), 1),
    )


@dataclass(frozen=True)
class Tally:
    """One channel's ballots in the store against the votes sent there."""

    sent: int
    counted: int  # sent and in the store
    missing: int  # sent, not in the store
    extra: int  # in the store, never sent

    @property
    def exact(self) -> bool:
        return self.counted == self.sent and self.missing == 0 and self.extra == 0


def tally(
    store: WorkshopStore, team_id: str, channel_id: str, sent: Iterable[tuple[str, str]]
) -> Tally:
    """Compare the channel's active workshop's ballots with ``sent`` (voter, story id)."""
    planned = set(sent)
    workshop = store.load(team_id, channel_id)
    stored = (
        {(voter, story) for story, voters in workshop.votes.items() for voter in voters}
        if workshop is not None
        else set()
    )
    return Tally(
        sent=len(planned),
        counted=len(planned & stored),
        missing=len(planned - stored),
        extra=len(stored - planned),
    )


# ----- the fleet ------------------------------------------------------------------------


@dataclass
class Channel:
    team: str
    sim: SlackSimulator
    id: str
    voters: list[str]
    board_ts: str = ""
    cards: dict[str, str] = field(default_factory=dict)  # story id -> card ts
    plan: list[tuple[str, str]] = field(default_factory=list)
    last_ack: float = 0.0


def _slash(channel: Channel, text: str, expect: str) -> None:
    delivery = channel.sim.user(FACILITATOR).slash(channel.id, "/storymap", text)
    shown = delivery.shown.text if delivery.shown is not None else ""
    if not delivery.ok or not shown.startswith(expect):
        raise RuntimeError(f"/storymap {text} in {channel.id}: {delivery.status} {shown}")


def _to_voting(channel: Channel) -> None:
    _slash(channel, "start Fleet workshop", "Workshop")
    _slash(channel, "persona Operations Manager at a logistics company", "Persona")
    _slash(channel, "next", "The workshop is now")
    _slash(channel, "add Track delivery", "Added")
    _slash(channel, "next", "The workshop is now")
    _slash(channel, "add A1 View real-time map", "Added")
    _slash(channel, "next", "The workshop is now")
    for n in range(1, STORIES + 1):
        _slash(channel, f"add T1 Story {n}", "Added")
    _slash(channel, "next", "The workshop is now")


def _wait(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.2)


class Fleet:
    """The cloud, its workspaces and channels, the replicas; cleaned up on exit."""

    def __init__(self, store: Store, logs: Path, workspaces: int) -> None:
        self.store = store
        self.logs = logs
        self.prefix = f"TF{secrets.token_hex(3).upper()}"
        self.teams = [f"{self.prefix}{n:04d}" for n in range(workspaces)]
        self.cloud = SlackCloud(
            signing_secret=SECRET,
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            rate_limits=RateLimits.disabled(),
        )
        self.channels: list[Channel] = []
        self.replicas: list[Service] = []

    def __enter__(self) -> Fleet:
        self.cloud.start()
        for n, team in enumerate(self.teams):
            sim = self.cloud.add_workspace(team)
            sim.add_user(FACILITATOR, "facilitator")
            voters = [f"U{n:04d}V{v}" for v in range(VOTERS)]
            for voter in voters:
                sim.add_user(voter, voter.lower())
            for c in range(CHANNELS):
                made = sim.add_channel(f"#fleet-{c}", members=[FACILITATOR, *voters])
                self.channels.append(Channel(team, sim, made.id, voters))
        return self

    def __exit__(self, *_: object) -> None:
        stop_all(self.replicas)
        self.cloud.close()
        self._forget()

    # -- setup -------------------------------------------------------------------------

    def set_up(self) -> None:
        """Install every workspace and drive every channel to voting (not measured)."""
        setup = self._process(0, [sys.executable, "-m", "benchmarks.fleet"], SETUP_ROLE)
        self.cloud.set_app_url(setup.base)
        client = self.store.client
        try:
            with ThreadPoolExecutor(SETUP_THREADS) as pool:
                for page in pool.map(self.cloud.install, self.teams):
                    if page.status != 200 or "Thank you" not in page.body:
                        raise RuntimeError(f"install answered {page.status}: {page.body[:300]}")
                list(pool.map(_to_voting, self.channels))
            for channel in self.channels:
                refs = Refs(client, channel.team, channel.id, 1)

                def posted(refs: Refs = refs) -> bool:
                    return all(refs.get(f"card:S{n}") for n in range(1, STORIES + 1))

                _wait(posted, 120, f"the story cards in {channel.id}")
                channel.board_ts = refs.get("board") or ""
                channel.cards = {
                    f"S{n}": refs.get(f"card:S{n}") or "" for n in range(1, STORIES + 1)
                }
                channel.plan = vote_plan(channel.voters, STORIES, VOTES_EACH)
            for sim in self.cloud.workspaces():
                sim.settle(quiet=0.5, timeout=60)
        finally:
            stop_all([setup], grace=10)
        self._delete(f"storymap:{{{self.prefix}*:lease:*", "storymap:rate:*", "storymap:pause:*")
        for sim in self.cloud.workspaces():
            sim.rate_limits = RateLimits.slack()

    def start_replicas(self) -> None:
        for n in range(1, REPLICAS + 1):
            self._replica(n)
        urls = [r.events_url for r in self.replicas]
        for sim in self.cloud.workspaces():
            sim.set_bot_endpoints(urls)

    def _replica(self, n: int) -> Service:
        return self._process(n, [sys.executable, "-m", "bot.cli", "run"], "")

    def _process(self, n: int, command: list[str], role: str) -> Service:
        """Replica ``n`` (0: the setup replica), in OAuth mode on a loopback port."""
        port = free_port()
        env = {k: v for k, v in os.environ.items() if k not in _CHILD_DROPS}
        env.update(
            SLACK_CLIENT_ID=CLIENT_ID,
            SLACK_CLIENT_SECRET=CLIENT_SECRET,
            SLACK_SIGNING_SECRET=SECRET,
            SLACK_API_URL=self.cloud.api_url,
            REDIS_URL=self.store.url,
            PORT=str(port),
            FLEET_ROLE=role,
        )
        name = f"fleet-replica{n}" if n else "fleet-setup"
        log = self.logs / f"{name}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
            )
        service = Service(name, process, f"http://127.0.0.1:{port}", log)
        if n:
            self.replicas.append(service)
        try:
            service.wait_healthy()
        except RuntimeError:
            stop_all([service])
            raise
        return service

    # -- the measured part -------------------------------------------------------------

    def vote(self) -> Votes:
        """Every channel's plan, interleaved, closed-loop on ``THREADS`` threads."""
        work = interleave(
            [[(ch, voter, story) for voter, story in ch.plan] for ch in self.channels]
        )
        lock = threading.Lock()
        acks: list[float] = []
        failed: list[str] = []
        retried = 0
        cursor = iter(work)

        def worker() -> None:
            nonlocal retried
            while True:
                with lock:
                    item = next(cursor, None)
                if item is None:
                    return
                ch, voter, story = item
                began = time.monotonic()
                delivery = ch.sim.user(voter).react(ch.id, ch.cards[story], "+1")
                attempt = 0
                while not delivery.ok and attempt < RETRIES:
                    attempt += 1
                    delivery = _retry(ch.sim, delivery, attempt)
                took = time.monotonic() - began
                now = time.time()
                with lock:
                    retried += attempt
                    if delivery.ok:
                        acks.append(took)
                        ch.last_ack = max(ch.last_ack, now)
                    else:
                        failed.append(f"{ch.id} {voter} {story}: {delivery.status}")

        started = time.monotonic()
        threads = [threading.Thread(target=worker) for _ in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return Votes(len(work), acks, failed, retried, time.monotonic() - started)

    def wait_for_boards(self, bound: float) -> None:
        """Until every board shows its final count, at most ``bound`` s after the votes."""
        pending = list(self.channels)
        deadline = time.monotonic() + bound
        while pending and time.monotonic() < deadline:
            pending = [ch for ch in pending if not _board_shows(ch)]
            time.sleep(0.25)

    # -- cleanup -----------------------------------------------------------------------

    def _delete(self, *patterns: str) -> None:
        client = self.store.client
        for pattern in patterns:
            keys = list(client.scan_iter(match=pattern, count=1000))
            for start in range(0, len(keys), 500):
                client.delete(*keys[start : start + 500])

    def _forget(self) -> None:
        """Every key naming this run's workspaces, and the Web API budget keys."""
        self._delete(f"*{self.prefix}*", "storymap:rate:*", "storymap:pause:*")


def _retry(sim: SlackSimulator, delivery: Delivery, attempt: int) -> Delivery:
    reason = "http_timeout" if delivery.timed_out else "http_error"
    return sim.driver.retry(delivery, retry_num=attempt, reason=reason)


def _board_shows(ch: Channel) -> bool:
    board = ch.sim.message(ch.id, ch.board_ts)
    return board is not None and bool(_cast(len(ch.plan)).search(json.dumps(board.blocks)))


@dataclass(frozen=True)
class Votes:
    sent: int
    acks: list[float]  # seconds from the first send to the ack, retries included
    failed: list[str]
    retried: int
    seconds: float


# ----- the run ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    workspaces: int
    channels: int
    votes: Votes
    tallies: list[Tally]
    wrong_token: int
    limited: dict[str, int]  # 429 answers per method during the measurement
    api_errors: dict[str, int]  # other failed calls during the measurement, per error
    settles: list[float | None]  # per channel
    edits: Edits
    setup_seconds: float
    cpu: dict[str, float]  # CPU seconds during the measured part
    wall: float  # seconds of the measured part (votes and the wait for the boards)
    bound: float


@contextmanager
def _cpu(pids: dict[str, list[int | None]], into: dict[str, float]) -> Iterator[None]:
    def read() -> dict[str, float]:
        ours = os.times()
        readings = {name: sum(cpu_seconds(p) for p in group) for name, group in pids.items()}
        return {**readings, "benchmark process (simulator, driver)": ours.user + ours.system}

    before = read()
    yield
    after = read()
    into.update({name: after[name] - before[name] for name in after})


def _timeline(fleet: Fleet, logs: dict[str, list[ApiCall]], since: float) -> list[object]:
    """Each channel's last vote and its workspace's chat.update calls (for ``--keep``)."""
    boards = {ch.board_ts for ch in fleet.channels}
    return [
        {
            "team": ch.team,
            "channel": ch.id,
            "last_vote": ch.last_ack - since,
            "edits": [
                [
                    round(call.at - since, 3),
                    str(call.args.get("channel")),
                    str(call.args.get("ts")) in boards,
                ]
                for call in logs[ch.team]
                if call.at >= since and call.method == "chat.update" and call.response.get("ok")
            ],
            "right": (board_right_at(logs[ch.team], ch.board_ts, len(ch.plan)) or since) - since,
        }
        for ch in fleet.channels
    ]


def measure(store: Store, logs: Path, settings: Settings) -> Figures:
    began = time.monotonic()
    with Fleet(store, logs, settings.workspaces) as fleet:
        fleet.set_up()
        fleet.start_replicas()
        setup = time.monotonic() - began
        since = time.time()
        cpu: dict[str, float] = {}
        pids: dict[str, list[int | None]] = {
            f"{REPLICAS} replicas": [r.pid for r in fleet.replicas],
            "store": [store.pid],
        }
        measured = time.monotonic()
        with _cpu(pids, cpu):
            votes = fleet.vote()
            fleet.wait_for_boards(settings.bound)
        wall = time.monotonic() - measured
        stores = WorkshopStore(store.client)
        tallies = [tally(stores, ch.team, ch.id, ch.plan) for ch in fleet.channels]
        logs_by_team = {sim.identity.team_id: sim.api_log for sim in fleet.cloud.workspaces()}
        settles = [
            settle_time(
                board_right_at(logs_by_team[ch.team], ch.board_ts, len(ch.plan)), ch.last_ack
            )
            for ch in fleet.channels
        ]
        limited: dict[str, int] = {}
        errors: dict[str, int] = {}
        for call in fleet.cloud.calls:
            if call.at < since or call.error is None:
                continue
            if call.error == "http_429":
                limited[call.method] = limited.get(call.method, 0) + 1
            else:
                key = f"{call.method} {call.error}"
                errors[key] = errors.get(key, 0) + 1
        boards = {ch.board_ts: ch.team for ch in fleet.channels}
        last_votes: dict[str, float] = {}
        for ch in fleet.channels:
            last_votes[ch.team] = max(last_votes.get(ch.team, 0.0), ch.last_ack)
        rights = [
            r
            for r in (
                board_right_at(logs_by_team[ch.team], ch.board_ts, len(ch.plan))
                for ch in fleet.channels
            )
            if r is not None
        ]
        edited = edits(logs_by_team, set(boards), since, last_votes, max(rights, default=since))
        (logs / "timeline.json").write_text(json.dumps(_timeline(fleet, logs_by_team, since)))
        wrong = len(fleet.cloud.wrong_token_calls())
        channels = len(fleet.channels)
    return Figures(
        settings.workspaces,
        channels,
        votes,
        tallies,
        wrong,
        limited,
        errors,
        settles,
        edited,
        setup,
        cpu,
        wall,
        settings.bound,
    )


def run(store: Store, logs: Path, quick: bool) -> Section:
    return section(measure(store, logs, QUICK if quick else FULL))


def _s(value: float) -> str:
    return f"{value / 1000:.2f} s"


def section(f: Figures) -> Section:
    total = Tally(
        sent=sum(t.sent for t in f.tallies),
        counted=sum(t.counted for t in f.tallies),
        missing=sum(t.missing for t in f.tallies),
        extra=sum(t.extra for t in f.tallies),
    )
    inexact = sum(1 for t in f.tallies if not t.exact)
    known = [s for s in f.settles if s is not None]
    never = len(f.settles) - len(known)
    board = Latency.of(known)
    within = sum(1 for s in known if s <= BOARD_GOAL)
    refused = sum(f.limited.values())
    ack = Latency.of(f.votes.acks)
    e = f.edits
    rate = f.votes.sent / max(f.votes.seconds, 1e-9)
    shape = f"{f.workspaces} workspaces x {CHANNELS} channels"
    result = Section(f"{TITLE} ({shape}, {REPLICAS} replicas)")
    result.rows = [
        Row(
            "votes counted (store == sent)",
            f"{total.counted} of {total.sent}",
            goal="all",
            met=total.exact and total.sent == f.votes.sent and not f.votes.failed,
        ),
        Row(
            "calls with another workspace's token",
            f"{f.wrong_token}",
            goal="0",
            met=not f.wrong_token,
        ),
        Row("HTTP 429 answers", f"{refused}", goal="0", met=refused == 0),
        Row(
            "last vote -> board right, p50 / p99 / max",
            (f"{_s(board.p50_ms)} / {_s(board.p99_ms)} / {_s(board.max_ms)}" if known else "n/a")
            + (f", {never} never within {f.bound:g} s" if never else ""),
            goal=f"all <= {BOARD_GOAL:g} s",
            met=never == 0 and within == len(f.settles),
        ),
    ]
    limited = ", ".join(f"{m} {n}" for m, n in sorted(f.limited.items())) or "none"
    errors = ", ".join(f"{m} {n}" for m, n in sorted(f.api_errors.items())) or "none"
    cpu = ", ".join(f"{name} {sec:.0f} s" for name, sec in f.cpu.items())
    result.details = [
        f"{f.workspaces} workspaces, each installed through the OAuth redirect, with "
        f"{CHANNELS} channels of {VOTERS} voters and a facilitator; each channel's "
        f"workshop at voting with {STORIES} story cards. {REPLICAS} `storymap run` "
        "replicas in OAuth mode on one store; each workspace sends its requests to the "
        "replicas in turn (a load balancer's round robin). Each voter casts "
        f"{VOTES_EACH} votes (the default budget) on distinct cards in each channel, "
        f"{f.votes.sent} `reaction_added` deliveries in all, sent closed-loop by "
        f"{THREADS} threads, every channel's n-th vote before any channel's (n+1)-th. "
        "Slack's default rate limits are on in every workspace while votes are sent.",
        "",
        *markdown_table(
            ("figure", "value"),
            [
                ("setup (installs, workshops to voting; not measured)", f"{f.setup_seconds:.0f} s"),
                (
                    "votes sent / acked / failed after retries",
                    f"{f.votes.sent} / {len(f.votes.acks)} / {len(f.votes.failed)}",
                ),
                ("Slack retries needed", f"{f.votes.retried}"),
                (
                    "sending took, rate",
                    f"{f.votes.seconds:.1f} s, {rate:.0f} votes/s",
                ),
                (
                    "vote ack (retries included) p50 / p99 / max",
                    f"{ack.p50_ms:.0f} / {ack.p99_ms:.0f} / {ack.max_ms:.0f} ms",
                ),
                (
                    "ballots: counted / missing / never sent",
                    f"{total.counted} / {total.missing} / {total.extra}",
                ),
                ("channels whose ballots differ from the votes sent", f"{inexact} of {f.channels}"),
                ("calls naming a channel with another workspace's token", f"{f.wrong_token}"),
                ("429 answers during the measurement", limited),
                ("other failed Web API calls during the measurement", errors),
                (
                    f"boards right within {BOARD_GOAL:g} s of their last vote",
                    f"{within} of {f.channels}",
                ),
                (
                    "last vote -> board right, p50 / p99 / max",
                    f"{_s(board.p50_ms)} / {_s(board.p99_ms)} / {_s(board.max_ms)}"
                    if known
                    else "n/a",
                ),
                (f"boards not right {f.bound:g} s after the votes", f"{never}"),
                (
                    "chat.update from the first vote on: boards / cards",
                    f"{e.boards} / {e.cards}",
                ),
                (
                    "chat.update a second, fleet-wide: while votes came in / after, "
                    "until the last board was right",
                    f"{e.during:.0f} / {e.after:.0f}",
                ),
                (
                    "chat.update a workspace made before its last vote (mean; the bot's "
                    f"bucket holds {BUCKET:g}, refilled at {REFILL:g} a minute)",
                    f"{e.before_last_vote:.1f}",
                ),
                (f"CPU during the measured part ({f.wall:.0f} s)", cpu),
            ],
        ),
    ]
    if f.votes.failed:
        result.details += ["", "First failed votes: " + "; ".join(f.votes.failed[:5])]
    used = sum(f.cpu.values()) / max(f.wall, 1e-9)
    if within < len(f.settles) and refused == 0 and e.before_last_vote < BUCKET:
        result.details += [
            "",
            "Why boards were late: not Slack's limits (no 429; a workspace had made "
            f"{e.before_last_vote:.0f} edits on average by its last vote, fewer than its "
            f"bucket holds, {BUCKET:g}), but how many edits the fleet made a second: "
            f"{e.during:.0f} while votes came in, {e.after:.0f} after. Each replica serves "
            f"channels on {WORKERS} dispatcher threads, each waiting on one Web API call at "
            f"a time, so the fleet has {WORKERS * REPLICAS} calls in flight at most, each "
            "slowed by the CPU the benchmark's processes (the replicas, the store, and the "
            f"simulated Slack with its driver) took: {used:.1f} cores on average during "
            f"the measured part, on a machine of {os.cpu_count()} shared with other work. "
            f"When the votes end, {f.channels} boards and their cards are stale at once; a "
            "replica edits a channel's board and then its due cards in one pass, so the "
            "last boards wait behind other channels' card edits.",
        ]
    return result


def setup_replica() -> int:
    """The setup replica (``FLEET_ROLE=setup python -m benchmarks.fleet``): a replica in
    OAuth mode with an unlimited Web API budget, in a process of its own (the benchmark's
    own process holds every workspace's sockets, past what waitress's ``select`` takes),
    serving until SIGTERM."""
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    bot = Bot(
        client,
        token="",
        signing_secret=SECRET,
        api_url=os.environ["SLACK_API_URL"],
        budget=SlackBudget.unlimited(client),
        oauth=OAuthConfig(client_id=CLIENT_ID, client_secret=CLIENT_SECRET),
    )
    bot.start_http(port=int(os.environ["PORT"]), threads=16)
    stopped.wait()
    bot.stop()
    client.close()
    return 0


if __name__ == "__main__":
    if os.environ.get("FLEET_ROLE") != SETUP_ROLE:
        sys.exit("run the fleet benchmark with: python -m benchmarks fleet [--quick]")
    sys.exit(setup_replica())
