"""Fixtures for the simulator's tests: a populated simulator, a WebClient pointed at it,
a real Bolt app served over WSGI (stdlib ``wsgiref``, threaded), and a plain recording
HTTP endpoint.

Every server here listens on a real 127.0.0.1 socket on a free port; nothing is mocked.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

from slacksim import SlackSimulator


@pytest.fixture
def sim() -> Iterator[SlackSimulator]:
    """ana and ben in #team (bot invited); ana alone in #lobby (bot not invited); cho."""
    with SlackSimulator() as simulator:
        simulator.add_user("U_ANA", "ana", real_name="Ana Ops", tz="Europe/Lisbon")
        simulator.add_user("U_BEN", "ben", tz="America/Los_Angeles")
        simulator.add_user("U_CHO", "cho")
        simulator.add_channel("team", ["U_ANA", "U_BEN"])
        simulator.add_channel("lobby", ["U_ANA"], bot_member=False)
        yield simulator
        assert simulator.server_errors == [], "the simulator hit a bug while serving"


@pytest.fixture
def client(sim: SlackSimulator) -> WebClient:
    return WebClient(token=sim.identity.bot_token, base_url=sim.api_url)


@pytest.fixture
def team(sim: SlackSimulator) -> str:
    return sim.channel("team").id


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


@dataclass
class BoltBot:
    """A real Bolt app behind a WSGI server; ``seen`` collects what its listeners received."""

    app: App
    url: str
    seen: list[tuple[str, object]] = field(default_factory=list)


@pytest.fixture
def bolt(sim: SlackSimulator, client: WebClient) -> Iterator[BoltBot]:
    app = App(
        client=client,
        signing_secret=sim.signing_secret,
        process_before_response=True,
        token_verification_enabled=False,
    )
    server = make_server(
        "127.0.0.1",
        0,
        SlackRequestHandler(app),
        server_class=_ThreadingWSGIServer,
        handler_class=_QuietHandler,
    )
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}/slack/events"
    sim.set_bot_endpoint(url)
    try:
        yield BoltBot(app=app, url=url)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


class RecordingEndpoint:
    """A minimal real HTTP endpoint: records requests, answers ``reply`` after ``delay``."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.reply_status = 200
        self.reply_body = b""
        self.delay = 0.0
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                endpoint.received.append(Received(self.path, dict(self.headers.items()), body))
                time.sleep(endpoint.delay)
                self.send_response(endpoint.reply_status)
                self.send_header("Content-Length", str(len(endpoint.reply_body)))
                self.end_headers()
                self.wfile.write(endpoint.reply_body)

            def log_message(self, format: str, *args: object) -> None:
                """Quiet."""

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/slack/events"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def endpoint(sim: SlackSimulator) -> Iterator[RecordingEndpoint]:
    recording = RecordingEndpoint()
    sim.set_bot_endpoint(recording.url)
    try:
        yield recording
    finally:
        recording.close()
