"""What the benchmarks run against: the store, a simulated Slack, bot and bare processes.

Rules kept:
- the store is ``REDIS_URL`` when set, else an embedded server in a temporary dir; every
  simulator gets a team id of its own, and leaving a ``Stack`` stops its processes and
  deletes that team's keys (and its shards of the due-time indexes), so a later
  benchmark's dispatchers never find an earlier one's leftovers;
- the measured bot is ``storymap run`` in HTTP mode, a process of its own, exactly as
  deployed; the bare app (``benchmarks.bare``) is served by the same waitress setup
  through the same WSGI adapter; both talk to the simulator's Web API and are reached
  on loopback ports only;
- setup (``setting_up``) is done by an in-process replica whose Web API budget is
  unlimited, against a simulator without rate limits, so a stage's postings take
  seconds, not a minute at Slack's pace; when it ends that replica is stopped, its
  channel leases are released, and Slack's limits are back for the measurement;
- a process that does not answer ``/healthz`` in time is an error that shows its log.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import redis

from bot.slack.budget import SlackBudget
from bot.slack.main import Bot
from bot.store.embedded import EmbeddedServer
from bot.store.keys import team_channels_key
from slacksim import RateLimits, SlackSimulator

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-signing-secret"  # noqa: S105 - simulated workspace, public
TOKEN = "xoxb-bench-token"  # noqa: S105 - simulated workspace, public
_CHILD_DROPS = ("SLACK_APP_TOKEN", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_API_URL")


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Store:
    url: str
    client: redis.Redis
    pid: int | None  # the embedded server's, for CPU readings; None for REDIS_URL

    def version(self) -> str:
        info = self.client.info("server")
        name = "valkey" if "valkey_version" in info else "redis"
        return f"{name} {info.get('valkey_version') or info.get('redis_version')}"


@contextlib.contextmanager
def open_store(data_dir: Path) -> Iterator[Store]:
    url = os.environ.get("REDIS_URL", "")
    if url:
        client = redis.Redis.from_url(url)
        try:
            yield Store(url, client, None)
        finally:
            client.close()
        return
    with EmbeddedServer(data_dir) as server:
        client = redis.Redis.from_url(server.url)
        try:
            yield Store(server.url, client, server.pid)
        finally:
            client.close()


@dataclass
class Service:
    """One server process (a bot replica or a bare app) on a loopback port."""

    name: str
    process: subprocess.Popen[bytes]
    base: str
    log: Path

    @property
    def events_url(self) -> str:
        return f"{self.base}/slack/events"

    @property
    def pid(self) -> int:
        return self.process.pid

    def wait_healthy(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                with urllib.request.urlopen(f"{self.base}/healthz", timeout=1):  # noqa: S310
                    return
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.05)
        tail = self.log.read_text(errors="replace")[-3000:]
        raise RuntimeError(f"{self.name} did not come up at {self.base}:\n{tail}")


def stop_all(services: list[Service], grace: float = 3.0) -> None:
    """SIGTERM every service, then SIGKILL whatever is still running after ``grace``
    seconds: nothing is measured after a benchmark, and a replica with a backlog of Web
    API calls can take its dispatchers' whole join timeout to stop."""
    running = [s for s in services if s.process.poll() is None]
    for service in running:
        service.process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + grace
    for service in running:
        try:
            service.process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            service.process.kill()
            service.process.wait()


class Stack:
    """A simulator and the processes of one benchmark; stopped and cleaned on exit."""

    def __init__(self, store: Store, logs: Path, name: str) -> None:
        self.store = store
        self.logs = logs
        self.name = name
        self.team_id = f"TB{secrets.token_hex(4).upper()}"
        self.sim = SlackSimulator(
            signing_secret=SECRET,
            bot_token=TOKEN,
            team_id=self.team_id,
            rate_limits=RateLimits.slack(),
        )
        self.services: list[Service] = []

    def __enter__(self) -> Stack:
        self.sim.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        stop_all(self.services)
        self.sim.close()
        self._forget_team()

    def bot(self) -> Service:
        """A ``storymap run`` replica in HTTP mode."""
        return self._start("bot", [sys.executable, "-m", "bot.cli", "run"])

    def bare(self) -> Service:
        """A bare Bolt app that only acks, behind the same HTTP stack."""
        return self._start("bare", [sys.executable, "-m", "benchmarks.bare"])

    @contextlib.contextmanager
    def setting_up(self, settle_timeout: float = 60) -> Iterator[None]:
        """Drive the simulator's users against an unpaced in-process replica; on exit,
        wait for its postings, stop it and restore Slack's limits."""
        client = redis.Redis.from_url(self.store.url)
        bot = Bot(
            client,
            token=TOKEN,
            signing_secret=SECRET,
            api_url=self.sim.api_url,
            budget=SlackBudget.unlimited(client),
        )
        self.sim.rate_limits = RateLimits.disabled()
        self.sim.set_bot_endpoint(bot.start_http() + "/slack/events")
        try:
            yield
            self.sim.settle(quiet=0.5, timeout=settle_timeout)
        finally:
            bot.stop()
            client.close()
        self._release_leases()
        self.sim.rate_limits = RateLimits.slack()

    def _release_leases(self) -> None:
        """Drop the stopped setup replica's channel leases (``bot.slack.dispatcher``), as
        a graceful shutdown could: otherwise a measured replica could not serve those
        channels until they ran out, up to 5 s into the measurement."""
        client = self.store.client
        leases = list(client.scan_iter(match=f"storymap:{{{self.team_id}:*:lease:*", count=1000))
        if leases:
            client.delete(*leases)

    def _start(self, kind: str, command: list[str]) -> Service:
        port = free_port()
        name = f"{self.name}-{kind}{sum(1 for s in self.services if kind in s.name) + 1}"
        env = {k: v for k, v in os.environ.items() if k not in _CHILD_DROPS}
        env.update(
            SLACK_BOT_TOKEN=TOKEN,
            SLACK_SIGNING_SECRET=SECRET,
            SLACK_API_URL=self.sim.api_url,
            REDIS_URL=self.store.url,
            PORT=str(port),
        )
        log = self.logs / f"{name}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
            )
        service = Service(name, process, f"http://127.0.0.1:{port}", log)
        self.services.append(service)
        service.wait_healthy()
        return service

    def _forget_team(self) -> None:
        client = self.store.client
        prefix = f"storymap:{{{self.team_id}:"
        keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
        for start in range(0, len(keys), 500):
            client.delete(*keys[start : start + 500])
        # The team's own keys: its channel list, and its shards of the due-time indexes.
        client.delete(
            team_channels_key(self.team_id),
            *(
                f"storymap:{{{index}:team:{self.team_id}}}:{part}"
                for index in ("ready", "jobs")
                for part in ("due", "gen", "wake")
            ),
        )
        # The bot's Web API budgets are per workspace but not keyed by team: a later
        # benchmark must start with full buckets, as a fresh install would.
        for pattern in ("storymap:rate:*", "storymap:pause:*"):
            stale = list(client.scan_iter(match=pattern, count=1000))
            if stale:
                client.delete(*stale)
