"""Three replicas of ``storymap run`` on one Redis; one is killed with SIGKILL mid-voting.

The simulator spreads Slack's requests over the replicas round-robin, as a load balancer
would, and stops sending to the killed one (its health check fails). Nothing is lost: every
vote is counted, every card and the board converge, the map is published and pinned.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import pytest
import redis

from bot.demo import PEOPLE, VOTES, Scenario
from bot.render.text import TIMES
from bot.store.workshops import WorkshopStore
from slacksim import RateLimits, SlackSimulator
from tests.support.serving import wait_healthy

pytestmark = [pytest.mark.store, pytest.mark.slow]
REPLICAS = 3


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Replicas:
    urls: list[str] = field(default_factory=list)
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    logs: list[Path] = field(default_factory=list)

    def start(self, env: dict[str, str], log_dir: Path) -> None:
        port = free_port()
        log = log_dir / f"replica-{len(self.processes)}.log"
        self.logs.append(log)
        with log.open("wb") as sink:
            process = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "run"],
                env={**env, "PORT": str(port), "STORYMAP_LOG_LEVEL": "INFO"},
                stdout=sink,
                stderr=subprocess.STDOUT,
            )
        base = f"http://127.0.0.1:{port}"
        wait_healthy(base)
        self.urls.append(f"{base}/slack/events")
        self.processes.append(process)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            process.wait(timeout=15)


@pytest.fixture
def replicas(redis_url: str, tmp_path: Path) -> Iterator[tuple[SlackSimulator, Replicas, str]]:
    team_id = f"TREP{uuid.uuid4().hex[:8].upper()}"
    with SlackSimulator(team_id=team_id, rate_limits=RateLimits.slack()) as sim:
        for user_id, (name, tz) in PEOPLE.items():
            sim.add_user(user_id, name, tz=tz)
        sim.add_channel("#delivery", members=list(PEOPLE))
        env = {
            **os.environ,
            "SLACK_BOT_TOKEN": sim.identity.bot_token,
            "SLACK_SIGNING_SECRET": sim.driver.signing_secret,
            "SLACK_API_URL": sim.api_url,
            "REDIS_URL": redis_url,
        }
        env.pop("SLACK_APP_TOKEN", None)
        group = Replicas()
        try:
            for _ in range(REPLICAS):
                group.start(env, tmp_path)
            sim.set_bot_endpoints(group.urls)
            yield sim, group, team_id
        finally:
            group.stop()
            for log in group.logs:  # shown by pytest when the test fails
                print(f"----- {log.name}\n{log.read_text(errors='replace')[-6000:]}")  # noqa: T201


def test_the_seed_workshop_survives_a_replica_killed_mid_voting(
    replicas: tuple[SlackSimulator, Replicas, str], redis_url: str
) -> None:
    sim, group, team_id = replicas
    channel = sim.channel("#delivery").id
    killed: list[int] = []

    def kill_one(cast: int) -> None:
        if cast == 6 and not killed:
            victim = cast % REPLICAS
            group.processes[victim].send_signal(signal.SIGKILL)
            group.processes[victim].wait(timeout=10)
            killed.append(victim)
            # The load balancer's health check drops the dead replica.
            sim.set_bot_endpoints(u for n, u in enumerate(group.urls) if n != victim)

    scenario = Scenario(sim, channel, on_vote=kill_one)
    scenario.run()
    assert killed, "a replica was killed during voting"

    store = WorkshopStore(redis.Redis.from_url(redis_url))
    (finished,) = store.history(team_id, channel)
    expected: dict[str, set[str]] = {}
    for voter, stories in VOTES.items():
        for text in stories:
            story = next(s for s in finished.stories if s.text == text)
            expected.setdefault(story.id, set()).add(voter)
    assert {sid: set(voters) for sid, voters in finished.votes.items()} == expected

    # Every card people voted on converged on its count: no refresh was lost with the
    # dead replica.
    ids = {story.text: story.id for story in finished.stories}
    voted_on = {ids[text]: ts for text, ts in scenario.cards.items()}

    def shows(ts: str, votes: int) -> bool:
        return f"{TIMES} {votes}" in str(sim.message(channel, ts))

    for story_id, voters in expected.items():
        sim.wait_for(
            partial(shows, voted_on[story_id], len(voters)),
            # Card edits share Slack's chat.update allowance (about 50 a minute per
            # workspace) with the board, which goes first: they converge at that pace.
            timeout=90,
            message=f"card {story_id} showing {len(voters)} votes",
        )
    assert len(sim.pinned(channel)) == 1
    assert sim.rate_limited.get("chat.update", 0) == 0


# ----- a stage opening across replicas ---------------------------------------------------


def text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def lease_holder(client: redis.Redis, team_id: str, channel: str) -> int | None:
    """The pid of the replica holding the channel's outbox lease (its consumer name is
    ``<host>-<pid>-<id>-outbox``)."""
    holder = client.get(f"storymap:{{{team_id}:{channel}}}:lease:outbox")
    return None if holder is None else int(text(holder).rsplit("-", 3)[1])


def open_voting(sim: SlackSimulator, channel: str, stories: int) -> None:
    """A workshop with ``stories`` stories under one task, moved to voting."""
    ana, ben = sim.user("U_ANA"), sim.user("U_BEN")
    for user, text in [
        (ana, "start Tracking"),
        (ben, "persona Operations Manager"),
        (ana, "next"),
        (ben, "add Track delivery"),
        (ana, "next"),
        (ben, "add A1 View real-time map"),
        (ana, "next"),
        *((ben, f"add T1 Story number {n}") for n in range(1, stories + 1)),
        (ana, "next"),
    ]:
        delivery = user.slash(channel, "/storymap", text)
        assert delivery.ok, delivery.text


def cards_posted(sim: SlackSimulator, channel: str) -> list[str]:
    """The story ids of every story card the bot posted (duplicates included)."""
    voting = next(
        (m for m in sim.bot_messages(channel) if m.text.startswith("Voting is open")), None
    )
    if voting is None:
        return []
    return [
        m.text.partition(" ")[0]
        for m in sim.replies(channel, voting.ts)
        if m.is_bot and m.text.startswith("S")
    ]


def check_every_card_once(
    sim: SlackSimulator, channel: str, client: redis.Redis, team_id: str, stories: int
) -> None:
    expected = [f"S{n}" for n in range(1, stories + 1)]
    sim.wait_for(
        lambda: len(set(cards_posted(sim, channel))) == stories,
        timeout=80,
        message=f"{stories} story cards",
    )
    sim.settle(quiet=2.5)
    posted = cards_posted(sim, channel)
    assert sorted(posted) == sorted(expected), "every card posted exactly once"
    tag = f"storymap:{{{team_id}:{channel}}}"
    assert client.xlen(f"{tag}:dead") == 0, "nothing parked"
    refs = {text(k): text(v) for k, v in client.hgetall(f"{tag}:refs:1").items()}
    for story_id in expected:
        # Votable: its card is known to the bot and lives in Slack.
        assert sim.message(channel, refs[f"card:{story_id}"]) is not None


def test_a_stage_opening_survives_its_poster_killed_and_posts_every_card_once(
    replicas: tuple[SlackSimulator, Replicas, str], redis_url: str
) -> None:
    sim, group, team_id = replicas
    channel = sim.channel("#delivery").id
    client = redis.Redis.from_url(redis_url)
    stories = 20
    open_voting(sim, channel, stories)
    sim.wait_for(lambda: len(cards_posted(sim, channel)) >= 6, timeout=40, message="6 cards")
    pid = lease_holder(client, team_id, channel)
    victim = next(n for n, p in enumerate(group.processes) if p.pid == pid)
    group.processes[victim].send_signal(signal.SIGKILL)
    group.processes[victim].wait(timeout=10)
    sim.set_bot_endpoints(u for n, u in enumerate(group.urls) if n != victim)
    assert len(set(cards_posted(sim, channel))) < stories, "killed mid-posting"

    check_every_card_once(sim, channel, client, team_id, stories)
    assert lease_holder(client, team_id, channel) != pid
    # A card posted after the takeover counts votes.
    refs = f"storymap:{{{team_id}:{channel}}}:refs:1"
    last = client.hget(refs, f"card:S{stories}")
    assert last is not None
    assert sim.user("U_CHLOE").react(channel, text(last), "+1").ok
    store = WorkshopStore(client)
    sim.wait_for(
        lambda: (
            (w := store.load(team_id, channel)) is not None and w.vote_count(f"S{stories}") == 1
        ),
        message="the vote counted",
    )


#: Cards of an opening that outlasts one lease (10 s) at Slack's pace of a card a second.
LONG_OPENING = 16


def test_a_long_opening_with_no_fault_stays_with_one_replica(
    replicas: tuple[SlackSimulator, Replicas, str], redis_url: str
) -> None:
    sim, group, team_id = replicas
    channel = sim.channel("#delivery").id
    client = redis.Redis.from_url(redis_url)
    open_voting(sim, channel, LONG_OPENING)
    holders: set[int | None] = set()

    def all_posted() -> bool:
        holders.add(lease_holder(client, team_id, channel))
        return len(set(cards_posted(sim, channel))) == LONG_OPENING

    sim.wait_for(all_posted, timeout=60, message=f"{LONG_OPENING} story cards")
    # One replica posted the whole opening, longer than a lease: its lease was renewed
    # all along (10 s each).
    assert len(holders - {None}) == 1, holders
    check_every_card_once(sim, channel, client, team_id, LONG_OPENING)
    for log in group.logs:
        text = log.read_text(errors="replace")
        assert "parked" not in text, log.name
        assert "to another replica" not in text, f"{log.name}: the lease moved mid-opening"
