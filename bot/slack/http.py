"""HTTP mode: Slack posts to ``POST /slack/events``; ``GET /healthz`` for load balancers.

Served by waitress (a production WSGI server), not Bolt's development server.

``GET /metrics`` answers the bot's metrics in Prometheus' text format (``bot.metrics``):
the gates below and Bolt's answer count each request by kind and outcome, and time the
ones Bolt answers.

``/healthz`` answers 200 when the store accepts a write (a ``SET`` with a short expiry
on one health key), else 503, so an orchestrator stops routing to a replica that cannot
save anything: a store that is down, frozen, full (``maxmemory`` with ``noeviction``) or
read-only all answer 503, where a ``PING`` would pass for the last two.

Every request to ``/slack/events`` passes these gates, in this order, before Bolt sees
anything of it:

1. size: ``Content-Length`` is required (411) and at most ``MAX_BODY`` (413); an
   oversized body is never read. waitress is given the same limit
   (``max_request_body_size``), so it refuses such a body before buffering it;
   Slack's SSL check (a form with ``ssl_check=1``, which Slack may send unsigned) is
   answered 200 here and does nothing, as Bolt would answer it;
2. signature: the body must be UTF-8, as Slack's always is (400); then slack_sdk's
   ``SignatureVerifier`` checks it against ``X-Slack-Signature`` and
   ``X-Slack-Request-Timestamp`` (Slack's 5-minute window). Missing headers, a
   non-numeric timestamp, a wrong signature or a stale request: 401;
3. shape: the body must parse as Slack sends it (a JSON object, a form whose
   ``payload`` is a JSON object, or a slash command's form) and carry the fields Bolt
   and the listeners read (``bot.slack.shapes``), else 400. Only Slack can sign, so
   this guards against a Slack change or a leaked secret, not against strangers; it
   keeps Bolt and the listeners from failing with a 500 and a traceback. (Socket Mode
   payloads come over Slack's own authenticated connection and skip these gates.)

With many workspaces (Slack's OAuth install), ``GET /slack/install`` and
``GET /slack/oauth_redirect`` go straight to Bolt's OAuth flow: no body, and no
signature (a browser sends them); Bolt checks the one-time ``state`` against its
cookie and the store. Their answers (HTML pages, redirects, cookies) are passed on as
Bolt gives them, and counted as kind ``other``.

A refused request is logged in one line (the reason and the peer's address), never
with its body: a body can carry a ``response_url``, usable by anyone for 30 minutes.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable
from typing import Any, Final
from urllib.parse import parse_qsl

import redis
from redis.exceptions import RedisClusterException
from slack_bolt import App, BoltContext, BoltRequest
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_bolt.adapter.wsgi.http_response import WsgiHttpResponse
from slack_bolt.request.internals import build_context
from slack_sdk.signature import SignatureVerifier
from waitress.server import BaseWSGIServer, MultiSocketServer, create_server

from bot.metrics import CONTENT_TYPE, Metrics, bolt_outcome, refusal_outcome, request_kind
from bot.slack.shapes import malformed
from bot.store import RedisClient
from bot.store.keys import HEALTH_KEY

log = logging.getLogger(__name__)

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

#: The largest request body accepted, in bytes (1 MiB). Slack's largest payloads are
#: modal submissions: the whole view (at most 100 blocks) and the state of its inputs
#: (at most 3,000 characters each), URL-encoded in a form. storymap's largest modal has
#: a few inputs, so its submissions are tens of kilobytes; 1 MiB leaves room for that
#: many times over and keeps what one request can make a replica buffer small.
MAX_BODY: Final = 1024 * 1024

HEALTH_TTL_MS: Final = 10_000


class Refused(Exception):
    """A request to ``/slack/events`` that does not reach Bolt: HTTP status and reason."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def _respond(start_response: StartResponse, status: str, body: dict[str, Any]) -> list[bytes]:
    payload = json.dumps(body).encode()
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))]
    )
    return [payload]


def healthy(client: RedisClient) -> bool:
    """True when the store takes a write now (down, frozen, full or read-only: False)."""
    try:
        return bool(client.set(HEALTH_KEY, b"1", px=HEALTH_TTL_MS))
    except (redis.RedisError, RedisClusterException):
        return False


def read_body(environ: dict[str, Any]) -> bytes:
    """The request body, read only when ``Content-Length`` announces at most ``MAX_BODY``."""
    announced = environ.get("CONTENT_LENGTH") or ""
    if not announced.isdigit():
        raise Refused(411, "no valid Content-Length")
    length = int(announced)
    if length > MAX_BODY:
        raise Refused(413, f"body of {length} bytes exceeds {MAX_BODY}")
    body: bytes = environ["wsgi.input"].read(length) if length else b""
    if len(body) != length:
        raise Refused(400, "body shorter than its Content-Length")
    return body


def form_of(text: str) -> list[tuple[str, str]] | None:
    """A form body's fields, in order (None for a body starting with ``{``: JSON)."""
    if text.startswith("{"):
        return None
    return parse_qsl(text, keep_blank_values=True)


def is_ssl_check(text: str, form: list[tuple[str, str]] | None) -> bool:
    """A form with ``ssl_check=1`` (in a form every value is percent-encoded, so no
    user text can make one; a JSON body, where ``&`` stands as typed, never is one)."""
    if form is None or text.lstrip().startswith("{"):
        return False
    return ("ssl_check", "1") in form


def verify(verifier: SignatureVerifier, headers: dict[str, Any], body: str) -> None:
    timestamp = headers.get("x-slack-request-timestamp")
    signature = headers.get("x-slack-signature")
    if not isinstance(timestamp, str) or not isinstance(signature, str):
        raise Refused(401, "unsigned (no signature or timestamp header)")
    if not (timestamp.isascii() and timestamp.isdigit()):
        raise Refused(401, "non-numeric timestamp")
    if not signature.isascii():  # hmac.compare_digest refuses other text with a TypeError
        raise Refused(401, "bad or stale signature")
    if not verifier.is_valid(body, timestamp, signature):
        raise Refused(401, "bad or stale signature")


def parse(text: str, content_type: str, form: list[tuple[str, str]] | None) -> dict[str, Any]:
    """The payload as Slack sends it: a JSON object, ``payload=<JSON object>``, or a form
    (``form``: the body's fields, read once by ``form_of``).

    Stricter than Bolt's own parsing (which this mirrors), so that anything Bolt would
    fail on is refused here with a 400 instead.
    """
    try:
        if content_type.startswith("application/json") or form is None:
            parsed: Any = json.loads(text)
        else:
            fields = dict(form)
            parsed = json.loads(fields["payload"]) if "payload" in fields else fields
    except ValueError as problem:
        raise Refused(400, f"body is not valid JSON ({type(problem).__name__})") from None
    if not isinstance(parsed, dict):
        raise Refused(400, f"payload is a JSON {type(parsed).__name__}, not an object")
    return parsed


def bolt_request(
    text: str, payload: dict[str, Any], query: str, headers: dict[str, Any]
) -> BoltRequest:
    """Bolt's request, with the payload as parsed here (Bolt does not parse it again).

    Bolt would take any form body containing the word "payload" for an interactive
    payload, so a slash command such as ``/storymap add payload checks`` would reach it
    empty; the raw body is kept for Bolt's own signature check.
    """
    request = BoltRequest(body="", query=query, headers=headers)
    request.raw_body = text
    request.body = payload
    request.context = build_context(BoltContext({}), payload)
    return request


def events(
    app: App,
    verifier: SignatureVerifier,
    environ: dict[str, Any],
    start: StartResponse,
    metrics: Metrics,
) -> Iterable[bytes]:
    """``POST /slack/events``: the gates of the module's docstring, then Bolt."""
    began = time.perf_counter()
    request = WsgiHttpRequest(environ)
    kind = "other"
    try:
        body = read_body(environ)
        try:  # slack_sdk's verifier decodes the body itself; Slack sends only UTF-8
            text: str | None = body.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        # The form is read once, for the SSL check and for the payload.
        readable = body.decode("latin-1") if text is None else text
        form = form_of(readable)
        if is_ssl_check(readable, form):
            metrics.request(kind, "ok")
            return _respond(start, "200 OK", {"ok": True})
        if text is None:
            raise Refused(400, "body is not UTF-8")
        headers = request.get_headers()
        verify(verifier, headers, text)
        payload = parse(text, str(headers.get("content-type", "")), form)
        kind = request_kind(payload)
        problem = malformed(payload)
        if problem is not None:
            raise Refused(400, problem)
        try:
            bolt = bolt_request(text, payload, request.query_string, headers)
        except (TypeError, AttributeError, KeyError, IndexError) as problem:
            # Bolt reads ids out of the payload as it builds the request's context.
            raise Refused(400, f"payload shape unreadable ({type(problem).__name__})") from None
    except Refused as refused:
        peer = environ.get("REMOTE_ADDR", "?")
        log.warning(
            "refused a request from %s: %s (%d)",
            peer,
            refused.reason,
            refused.status,
            extra={"status": refused.status},
        )
        metrics.request(kind, refusal_outcome(refused.status))
        error = {401: "invalid_signature", 411: "length_required", 413: "too_large"}
        return _respond(
            start,
            WsgiHttpResponse(refused.status).status,
            {"ok": False, "error": error.get(refused.status, "bad_request")},
        )
    try:
        answer = app.dispatch(bolt)
    except Exception:
        metrics.request(kind, "error", time.perf_counter() - began)
        raise
    metrics.request(kind, bolt_outcome(answer.status), time.perf_counter() - began)
    response = WsgiHttpResponse(answer.status, answer.headers, answer.body)
    start(response.status, response.get_headers())
    return response.get_body()


def oauth_page(
    app: App, path: str, environ: dict[str, Any], start: StartResponse, metrics: Metrics
) -> Iterable[bytes]:
    """``GET /slack/install`` or ``GET /slack/oauth_redirect``: Bolt's OAuth flow."""
    flow = app.oauth_flow
    if flow is None:  # pragma: no cover - routed here only with a flow
        raise RuntimeError("no OAuth flow")
    request = WsgiHttpRequest(environ)
    bolt = BoltRequest(body="", query=request.query_string, headers=request.get_headers())
    if path == flow.install_path:
        answer = flow.handle_installation(bolt)
    else:
        answer = flow.handle_callback(bolt)
    metrics.request("other", bolt_outcome(answer.status))
    response = WsgiHttpResponse(answer.status, answer.headers, answer.body)
    start(response.status, response.get_headers())
    return response.get_body()


def wsgi_app(
    app: App | None,
    client: RedisClient,
    *,
    signing_secret: str = "",
    metrics: Metrics | None = None,
) -> WsgiApp:
    """The bot's WSGI application; with ``app=None`` only ``/healthz`` and ``/metrics``
    (Socket Mode).

    ``signing_secret`` is required with an ``app``: requests are verified here, before
    Bolt parses them (Bolt verifies them again, harmlessly). ``metrics``: what
    ``/metrics`` exposes and requests are counted in (a fresh set when not given).
    """
    verifier = SignatureVerifier(signing_secret) if app is not None else None
    counted = metrics if metrics is not None else Metrics()

    def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "")
        if path == "/healthz" and method == "GET":
            if healthy(client):
                return _respond(start_response, "200 OK", {"ok": True})
            return _respond(
                start_response, "503 Service Unavailable", {"ok": False, "error": "storage"}
            )
        if path == "/metrics" and method == "GET":
            exposition = counted.exposition()
            start_response(
                "200 OK",
                [("Content-Type", CONTENT_TYPE), ("Content-Length", str(len(exposition)))],
            )
            return [exposition]
        flow = app.oauth_flow if app is not None else None
        if (
            method == "GET"
            and app is not None
            and flow is not None
            and path in (flow.install_path, flow.redirect_uri_path)
        ):
            return oauth_page(app, path, environ, start_response, counted)
        if path == "/slack/events" and method == "POST" and app and verifier:
            return events(app, verifier, environ, start_response, counted)
        return _respond(start_response, "404 Not Found", {"ok": False, "error": "not_found"})

    return application


def http_server(
    application: WsgiApp, *, host: str, port: int, threads: int = 8
) -> MultiSocketServer | BaseWSGIServer:
    """A waitress server for ``application`` that refuses bodies over ``MAX_BODY`` itself."""
    return create_server(
        application, host=host, port=port, threads=threads, max_request_body_size=MAX_BODY
    )
