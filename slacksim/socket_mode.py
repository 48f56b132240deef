"""Socket Mode: ``apps.connections.open`` and the WebSocket Slack delivers requests over.

Rules kept (Slack's Socket Mode protocol, as the ``slack_sdk`` clients speak it):
- ``apps.connections.open`` takes the app-level token (``xapp-...``) from
  ``Authorization: Bearer`` or a ``token`` argument: none -> ``not_authed``, another kind
  of token (``xoxb-...``) -> ``not_allowed_token_type``, an unknown app token ->
  ``invalid_auth``; success is ``{"ok": true, "url": "ws://<host>:<port>/link/?ticket=...
  &app_id=..."}``; the call is counted and logged like any Web API call;
- a ticket opens one connection, once; a connection without a valid ticket is refused
  with HTTP 401 during the handshake;
- on connect Slack sends ``{"type": "hello", "num_connections": n, "debug_info": {...},
  "connection_info": {"app_id": ...}}``; WebSocket pings are answered with pongs (the
  library does it) and the server pings too;
- every request goes out as an envelope ``{"envelope_id", "type", "payload",
  "accepts_response_payload", "retry_attempt", "retry_reason"}`` on one open connection
  (round-robin over several), and counts as answered when the app sends ``{"envelope_id":
  ..., "payload": {...}}`` back within the ack timeout; the ack's payload is what an HTTP
  app would put in its response body (``apply_slash_ack``/``apply_submission_ack`` read
  it the same way); ``accepts_response_payload`` is true for slash commands and view
  submissions, the requests whose answer Slack shows;
- an ``events_api`` envelope not acknowledged in time is sent again as a new envelope
  with ``retry_attempt`` one higher and ``retry_reason`` ``"timeout"``, up to
  ``max_retries`` times; slash commands and interactions are not resent (the user sees
  Slack's timeout error instead);
- ``disconnect(reason)`` sends ``{"type": "disconnect", "reason": ...}`` to every open
  connection, delivers nothing more on them, and closes them after ``grace`` seconds
  unless the app closes them first; an app that was ever connected is waited for (up to
  the ack timeout) while it reconnects, rather than its request being dropped;
- connection events are logged (INFO) under ``slacksim.socket_mode``, nothing else;
- payloads are built by ``payloads`` exactly as for HTTP: the same form fields, the same
  interaction JSON, the same ``event_callback`` body, without signature headers.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlsplit

from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.sync.server import Server, ServerConnection, serve

from slacksim.answers import HttpAnswer
from slacksim.delivery import Delivery
from slacksim.errors import SimulatorError
from slacksim.state import ApiCall, Workspace
from slacksim.transport import HttpResult

JsonDict = dict[str, Any]

METHOD = "apps.connections.open"

#: Driver request kind -> (envelope type, accepts_response_payload).
ENVELOPE_TYPES: Mapping[str, tuple[str, bool]] = {
    "slash_command": ("slash_commands", True),
    "block_actions": ("interactive", False),
    "view_submission": ("interactive", True),
    "view_closed": ("interactive", False),
    "message_action": ("interactive", False),
    "event_callback": ("events_api", False),
}


@dataclass(frozen=True)
class SocketEnvelope:
    """One envelope sent to the app, and what came back (``acked``, ``ack_payload``)."""

    envelope_id: str
    type: str
    payload: JsonDict
    accepts_response_payload: bool
    retry_attempt: int
    retry_reason: str
    connection: int
    acked: bool
    ack_payload: JsonDict | None
    elapsed: float


@dataclass
class _Link:
    """One open WebSocket connection."""

    number: int
    connection: ServerConnection
    retiring: bool = False
    send_lock: threading.Lock = field(default_factory=threading.Lock)

    def send(self, message: JsonDict) -> bool:
        try:
            with self.send_lock:
                self.connection.send(json.dumps(message))
        except ConnectionClosed:
            return False
        return True


@dataclass
class _Pending:
    done: threading.Event = field(default_factory=threading.Event)
    payload: JsonDict | None = None


class SocketModeServer:
    """The Socket Mode side of a simulated Slack: tickets, connections, envelopes."""

    def __init__(
        self,
        workspace: Workspace,
        *,
        app_token: str,
        host: str = "127.0.0.1",
        max_retries: int = 3,
        redelivery_delay: float = 0.0,
        grace: float = 10.0,
    ) -> None:
        self.workspace = workspace
        self.app_token = app_token
        self.max_retries = max_retries
        self.redelivery_delay = redelivery_delay
        self.grace = grace
        self._host = host
        self._lock = threading.Condition()
        self._tickets: set[str] = set()
        self._links: list[_Link] = []
        self._pending: dict[str, _Pending] = {}
        self._envelopes: list[SocketEnvelope] = []
        self._numbers = itertools.count(1)
        self._turn = itertools.count()
        self._opened = 0
        self._closing = threading.Event()
        self._server: Server = serve(
            self._serve_link,
            host,
            0,
            process_request=self._check_ticket,
            compression=None,
            ping_interval=20,
            max_size=2**20,
            logger=logging.getLogger(__name__),
        )
        self.port = int(self._server.socket.getsockname()[1])
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever, name="socket-mode", daemon=True
            )
            self._thread.start()

    def close(self) -> None:
        """Close every connection and stop serving; safe to call twice."""
        self._closing.set()
        with self._lock:
            self._lock.notify_all()
        if self._thread is None:
            # Never served: shutdown() would wait for serve_forever() to end.
            self._server.socket.close()
            for end in ("shutdown_watcher", "shutdown_notifier"):  # its wake-up socketpair
                pair_end = getattr(self._server, end, None)
                if pair_end is not None:
                    pair_end.close()
            return
        self._server.shutdown()
        self._thread.join(timeout=5)
        self._thread = None

    # -- reading -----------------------------------------------------------------------

    @property
    def connected(self) -> int:
        """Open connections that take envelopes (not told to disconnect)."""
        with self._lock:
            return sum(1 for link in self._links if not link.retiring)

    @property
    def open_connections(self) -> int:
        """Open connections, those told to disconnect included."""
        with self._lock:
            return len(self._links)

    @property
    def connections_opened(self) -> int:
        """Connections opened since the start, reconnections included."""
        with self._lock:
            return self._opened

    @property
    def in_use(self) -> bool:
        """The app has connected in Socket Mode: requests go over the socket from now on."""
        with self._lock:
            return self._opened > 0

    @property
    def envelopes(self) -> list[SocketEnvelope]:
        with self._lock:
            return list(self._envelopes)

    def wait_connected(self, count: int = 1, timeout: float = 10.0) -> None:
        """Wait until ``count`` connections take envelopes."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while sum(1 for link in self._links if not link.retiring) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise SimulatorError(f"no {count} Socket Mode connection(s) in {timeout} s")
                self._lock.wait(left)

    # -- the Web API method ------------------------------------------------------------

    def connections_open(self, headers: Mapping[str, str], query: str, body: bytes) -> HttpAnswer:
        token = _token(headers, query, body)
        if token is None:
            response: JsonDict = {"ok": False, "error": "not_authed"}
        elif not token.startswith("xapp-"):
            response = {"ok": False, "error": "not_allowed_token_type"}
        elif token != self.app_token:
            response = {"ok": False, "error": "invalid_auth"}
        else:
            ticket = uuid.uuid4().hex
            with self._lock:
                self._tickets.add(ticket)
            app_id = self.workspace.identity.app_id
            url = f"ws://{self._host}:{self.port}/link/?ticket={ticket}&app_id={app_id}"
            response = {"ok": True, "url": url}
        with self.workspace.lock:
            self.workspace.calls[METHOD] += 1
            self.workspace.api_log.append(ApiCall(METHOD, {}, 200, response, time.time()))
        return HttpAnswer.json(200, response)

    # -- acting as Slack ---------------------------------------------------------------

    def disconnect(self, reason: str = "refresh_requested") -> int:
        """Tell every open connection to reconnect (``refresh_requested``) or that it is
        about to close (``warning``); return how many were told."""
        with self._lock:
            links = [link for link in self._links if not link.retiring]
            for link in links:
                link.retiring = True
            self._lock.notify_all()
        debug_info = {"host": "applink-sim", "approximate_connection_time": 18060}
        for link in links:
            link.send({"type": "disconnect", "reason": reason, "debug_info": debug_info})
            timer = threading.Timer(self.grace, link.connection.close)
            timer.daemon = True
            timer.start()
        return len(links)

    def deliver(
        self,
        envelope_type: str,
        payload: JsonDict,
        *,
        accepts_response_payload: bool,
        timeout: float,
        retry_attempt: int = 0,
        retry_reason: str = "",
    ) -> SocketEnvelope:
        """Send one envelope and wait for its ack; an unacknowledged event is resent later."""
        sent = self._attempt(
            envelope_type=envelope_type,
            payload=payload,
            accepts=accepts_response_payload,
            timeout=timeout,
            retry_attempt=retry_attempt,
            retry_reason=retry_reason,
        )
        if not sent.acked and envelope_type == "events_api" and retry_attempt < self.max_retries:
            threading.Thread(
                target=self._redeliver,
                args=(sent, timeout),
                name="socket-mode-redelivery",
                daemon=True,
            ).start()
        return sent

    def exchange(
        self,
        kind: str,
        body: bytes,
        content_type: str,
        *,
        timeout: float,
        retry_num: int | None = None,
        retry_reason: str | None = None,
    ) -> tuple[Delivery, HttpResult]:
        """The driver's request (``kind``, HTTP body) sent as an envelope; the ack read as
        the HTTP answer it stands for: 200 with the ack's payload, or a timeout."""
        if kind not in ENVELOPE_TYPES:
            raise SimulatorError(f"Slack sends no {kind} request in Socket Mode")
        envelope_type, accepts = ENVELOPE_TYPES[kind]
        sent = self.deliver(
            envelope_type,
            _payload(kind, body),
            accepts_response_payload=accepts,
            timeout=timeout,
            retry_attempt=retry_num or 0,
            retry_reason=retry_reason or "",
        )
        answer = json.dumps(sent.ack_payload).encode() if sent.ack_payload else b""
        result = HttpResult(
            status=200 if sent.acked else 0,
            headers={"content-type": "application/json"} if answer else {},
            body=answer,
            elapsed=sent.elapsed,
            timed_out=not sent.acked,
        )
        delivery = Delivery(
            kind=kind,
            url=f"ws://{self._host}:{self.port}/link/#{sent.connection}",
            request_body=body,
            request_headers={"Content-Type": content_type},
            status=result.status,
            response_headers=result.headers,
            response_body=result.body,
            elapsed=result.elapsed,
            timed_out=result.timed_out,
            envelope_id=sent.envelope_id,
        )
        return delivery, result

    # -- internals -----------------------------------------------------------------------

    def _attempt(
        self,
        *,
        envelope_type: str,
        payload: JsonDict,
        accepts: bool,
        timeout: float,
        retry_attempt: int,
        retry_reason: str,
    ) -> SocketEnvelope:
        envelope_id = str(uuid.uuid4())
        envelope = {
            "envelope_id": envelope_id,
            "type": envelope_type,
            "payload": payload,
            "accepts_response_payload": accepts,
            "retry_attempt": retry_attempt,
            "retry_reason": retry_reason,
        }
        pending = _Pending()
        started = time.monotonic()
        deadline = started + timeout
        link = self._next_link(deadline)
        sent = False
        if link is not None:
            with self._lock:
                self._pending[envelope_id] = pending
            sent = link.send(envelope)
        acked = sent and pending.done.wait(max(0.0, deadline - time.monotonic()))
        with self._lock:
            self._pending.pop(envelope_id, None)
            record = SocketEnvelope(
                envelope_id=envelope_id,
                type=envelope_type,
                payload=payload,
                accepts_response_payload=accepts,
                retry_attempt=retry_attempt,
                retry_reason=retry_reason,
                connection=link.number if link is not None else 0,
                acked=acked,
                ack_payload=pending.payload if acked else None,
                elapsed=time.monotonic() - started,
            )
            self._envelopes.append(record)
        return record

    def _redeliver(self, first: SocketEnvelope, timeout: float) -> None:
        attempt = first
        while not attempt.acked and attempt.retry_attempt < self.max_retries:
            if self._closing.wait(self.redelivery_delay):
                return
            attempt = self._attempt(
                envelope_type=first.type,
                payload=first.payload,
                accepts=first.accepts_response_payload,
                timeout=timeout,
                retry_attempt=attempt.retry_attempt + 1,
                retry_reason="timeout",
            )

    def _next_link(self, deadline: float) -> _Link | None:
        """An open connection, in turn; while the app reconnects, wait for one."""
        with self._lock:
            while not self._closing.is_set():
                open_links = [link for link in self._links if not link.retiring]
                if open_links:
                    return open_links[next(self._turn) % len(open_links)]
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._lock.wait(left)
        return None

    def _check_ticket(self, connection: ServerConnection, request: Request) -> Response | None:
        parts = urlsplit(request.path)
        tickets = parse_qs(parts.query).get("ticket", [])
        with self._lock:
            if parts.path == "/link/" and len(tickets) == 1 and tickets[0] in self._tickets:
                self._tickets.discard(tickets[0])
                return None
        return connection.respond(HTTPStatus.UNAUTHORIZED, "invalid or used ticket\n")

    def _serve_link(self, connection: ServerConnection) -> None:
        link = _Link(next(self._numbers), connection)
        hello = {
            "type": "hello",
            "num_connections": 0,
            "debug_info": {
                "host": "applink-sim",
                "build_number": 1,
                "approximate_connection_time": 18060,
            },
            "connection_info": {"app_id": self.workspace.identity.app_id},
        }
        # Counted from now on, but hello is the first message: any envelope or disconnect
        # for this link waits for the send lock until hello has gone out.
        with link.send_lock:
            with self._lock:
                hello["num_connections"] = 1 + sum(1 for k in self._links if not k.retiring)
                self._links.append(link)
                self._opened += 1
                self._lock.notify_all()
            with contextlib.suppress(ConnectionClosed):
                connection.send(json.dumps(hello))
        try:
            for message in connection:
                self._on_message(message)
        except ConnectionClosed:
            pass
        finally:
            with self._lock:
                self._links.remove(link)
                self._lock.notify_all()

    def _on_message(self, message: str | bytes) -> None:
        try:
            decoded = json.loads(message)
        except (json.JSONDecodeError, UnicodeDecodeError):
            return
        if not isinstance(decoded, dict) or not isinstance(decoded.get("envelope_id"), str):
            return
        with self._lock:
            pending = self._pending.get(decoded["envelope_id"])
        if pending is None or pending.done.is_set():
            return  # late, repeated or unknown: Slack ignores it
        payload = decoded.get("payload")
        pending.payload = payload if isinstance(payload, dict) else None
        pending.done.set()


def _payload(kind: str, body: bytes) -> JsonDict:
    """The envelope's payload: what the HTTP body carries, decoded."""
    if kind == "slash_command":
        return dict(parse_qsl(body.decode(), keep_blank_values=True))
    if kind == "event_callback":
        decoded: JsonDict = json.loads(body)
        return decoded
    form = dict(parse_qsl(body.decode(), keep_blank_values=True))
    interaction: JsonDict = json.loads(form["payload"])
    return interaction


def _token(headers: Mapping[str, str], query: str, body: bytes) -> str | None:
    scheme, _, credentials = headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return credentials.strip()
    args = dict(parse_qsl(query))
    if headers.get("content-type", "").startswith("application/json"):
        try:
            decoded = json.loads(body or b"{}")
        except (json.JSONDecodeError, UnicodeDecodeError):
            decoded = {}
        if isinstance(decoded, dict):
            args.update({k: str(v) for k, v in decoded.items()})
    else:
        args.update(parse_qsl(body.decode(errors="replace")))
    return args.get("token") or None
