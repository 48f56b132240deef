"""The HTTP edge, probed as an attacker or a replaying proxy would: the real Bolt app
behind the real waitress server, raw requests signed (or not) as Slack signs them."""

from __future__ import annotations

import json
import logging
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass
from http.client import HTTPConnection
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest

from bot.slack.app import NOT_INSTALLED
from bot.slack.http import MAX_BODY, wsgi_app
from bot.store.keys import replay_key
from slacksim.signing import signed_headers
from tests.e2e.conftest import SECRET, Workspace

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
#: Text that must never reach the log: it stands for a body, and for its response_url.
SECRET_URL = "https://hooks.slack.example/commands/T1/123/never-log-me"


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    elapsed: float

    def json(self) -> Any:
        return json.loads(self.body)


def send(base: str, body: bytes, headers: Mapping[str, str]) -> Answer:
    parts = urlsplit(base)
    connection = HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
    started = time.perf_counter()
    try:
        connection.request("POST", "/slack/events", body=body, headers=dict(headers))
        response = connection.getresponse()
        return Answer(response.status, response.read(), time.perf_counter() - started)
    finally:
        connection.close()


def slash_form(ws: Workspace, text: str, *, team_id: str | None = None) -> bytes:
    return urlencode(
        {
            "team_id": team_id or ws.team_id,
            "channel_id": ws.channel,
            "channel_name": "delivery",
            "user_id": "U_ANA",
            "user_name": "ana",
            "command": "/storymap",
            "text": text,
            "response_url": SECRET_URL,
            "trigger_id": "1.2.never-log-me",
        }
    ).encode()


def assert_quiet(caplog: pytest.LogCaptureFixture, *, before: int, most: int) -> None:
    """No body, response_url or traceback in the log, and at most ``most`` new characters."""
    text = caplog.text
    assert "never-log-me" not in text
    assert "Traceback" not in text
    assert all(record.exc_info is None for record in caplog.records)
    assert len(text) - before <= most, text[before:]


def test_unsigned_and_garbage_requests_get_4xx_and_one_quiet_line_each(
    workspace: Workspace, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    base = workspace.bot.url
    body = slash_form(workspace, "start Unsigned")
    signed = signed_headers(SECRET, body, FORM)
    unsigned = {"Content-Type": FORM}
    cases: list[tuple[str, bytes, dict[str, str], int]] = [
        ("no signature headers", body, unsigned, 401),
        ("wrong signature", body, {**signed, "X-Slack-Signature": "v0=" + "0" * 64}, 401),
        ("late but genuine", body, signed_headers(SECRET, body, FORM, timestamp=0), 401),
        ("timestamp not a number", body, {**signed, "X-Slack-Request-Timestamp": "soon"}, 401),
    ]
    garbage: list[tuple[str, bytes, str]] = [
        ("invalid JSON", b'{"never-log-me": ', JSON),
        ("a JSON list", b'["never-log-me"]', JSON),
        ("not UTF-8", b"\xff\xfenever-log-me\xc3", FORM),
        ("payload= not JSON", b"payload=never-log-me", FORM),
        ("payload= a JSON string", b"payload=%22never-log-me%22", FORM),
        ("unsigned invalid JSON", b'{"never-log-me": ', JSON),
    ]
    for name, raw, content_type in garbage:
        headers = (
            {"Content-Type": content_type}
            if name.startswith("unsigned")
            else signed_headers(SECRET, raw, content_type)
        )
        cases.append((name, raw, headers, 401 if name.startswith("unsigned") else 400))

    for name, raw, headers, status in cases:
        before = len(caplog.text)
        answer = send(base, raw, headers)
        assert answer.status == status, name
        assert answer.json()["ok"] is False, name
        assert_quiet(caplog, before=before, most=200)
        assert "refused a request" in caplog.text[before:], name
    # Nothing of it reached the store.
    assert workspace.bot.store.load(workspace.team_id, workspace.channel) is None


def test_a_huge_unsigned_post_is_refused_unread_and_logs_nothing_of_it(
    workspace: Workspace, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    before = len(caplog.text)
    parts = urlsplit(workspace.bot.url)
    size = 10 * 1024 * 1024
    started = time.perf_counter()
    with socket.create_connection((parts.hostname or "", parts.port or 0), timeout=5) as raw:
        raw.sendall(
            b"POST /slack/events HTTP/1.1\r\nHost: bot\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {size}\r\n\r\n".encode()
        )
        chunk = b"x" * 65536
        try:
            for _ in range(size // len(chunk)):
                raw.sendall(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused before all of it was sent: what we want
        answer = raw.recv(4096)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:100]
    assert time.perf_counter() - started < 3
    assert_quiet(caplog, before=before, most=300)


def test_the_application_itself_refuses_an_oversized_body_without_reading_it(
    workspace: Workspace,
) -> None:
    """Behind a server that lets a large body through, the WSGI app still refuses it."""

    class Unreadable:
        def read(self, size: int = -1) -> bytes:
            raise AssertionError("the body was read")

    statuses: list[str] = []
    app = wsgi_app(workspace.bot.app, workspace.bot.redis, signing_secret=SECRET)
    environ = {
        "PATH_INFO": "/slack/events",
        "REQUEST_METHOD": "POST",
        "CONTENT_LENGTH": str(MAX_BODY + 1),
        "CONTENT_TYPE": JSON,
        "wsgi.input": Unreadable(),
    }
    body = b"".join(app(environ, lambda status, headers: statuses.append(status)))
    assert statuses == ["413 Request Entity Too Large"]
    assert json.loads(body) == {"ok": False, "error": "too_large"}
    statuses.clear()
    b"".join(app({**environ, "CONTENT_LENGTH": ""}, lambda s, h: statuses.append(s)))
    assert statuses == ["411 Length Required"]


def test_another_workspace_is_told_storymap_is_not_installed_and_changes_nothing(
    workspace: Workspace,
) -> None:
    base, other = workspace.bot.url, "TOTHERTEAM1"
    redis = workspace.bot.redis
    body = slash_form(workspace, "start Elsewhere", team_id=other)
    headers = signed_headers(SECRET, body, FORM)
    answer = send(base, body, headers)
    assert answer.status == 200
    assert answer.json() == {"response_type": "ephemeral", "text": NOT_INSTALLED}

    event = {
        "team_id": other,
        "api_app_id": "A1",
        "type": "event_callback",
        "event_id": "EvOTHER1",
        "event_time": int(time.time()),
        "authorizations": [{"team_id": other, "user_id": "U_BOT", "is_bot": True}],
        "event": {
            "type": "message",
            "user": "U_ANA",
            "channel": workspace.channel,
            "text": "Dispatcher",
            "ts": "1700000000.000200",
            "thread_ts": "1700000000.000100",
        },
    }
    raw = json.dumps(event).encode()
    delivered = send(base, raw, signed_headers(SECRET, raw, JSON))
    assert (delivered.status, delivered.body) == (200, b"")

    assert workspace.bot.store.load(other, workspace.channel) is None
    assert list(redis.scan_iter(match=f"*{other}*")) == []
    assert not redis.exists(replay_key(headers["X-Slack-Signature"]))
    # The installed workspace is served as before.
    own = workspace.sim.user("U_ANA").slash(workspace.channel, "/storymap", "start Here")
    assert own.ok
    assert own.shown is not None
    assert own.shown.text.startswith("Workshop “Here” started")


def test_a_replayed_slash_command_runs_once(workspace: Workspace) -> None:
    ws, ana = workspace, workspace.sim.user("U_ANA")
    for text in ("start Tracking", "persona Dispatcher", "next", "add Plan shipment", "next"):
        delivery = ana.slash(ws.channel, "/storymap", text)
        assert delivery.ok, (text, delivery.text)
    before = ws.bot.store.load(ws.team_id, ws.channel)
    assert before is not None
    back = ana.slash(ws.channel, "/storymap", "back")
    assert back.ok
    once = ws.bot.store.load(ws.team_id, ws.channel)
    assert once is not None
    assert once.stage != before.stage

    replayed = send(ws.bot.url, back.request_body, back.request_headers)
    assert (replayed.status, replayed.body) == (200, b"")
    after = ws.bot.store.load(ws.team_id, ws.channel)
    assert after is not None
    assert after.stage == once.stage, "the replay went back a second stage"
    ttl = ws.bot.redis.ttl(replay_key(back.request_headers["X-Slack-Signature"]))
    assert 6 * 60 <= ttl <= 11 * 60
    # The same words, sent afresh (a new timestamp, so a new signature), do run.
    again = ana.slash(ws.channel, "/storymap", "back")
    assert again.ok
    assert again.text != ""


def test_a_slash_command_naming_the_word_payload_reaches_its_listener(
    workspace: Workspace,
) -> None:
    ws, ana = workspace, workspace.sim.user("U_ANA")
    for text in ("start Tracking", "persona Dispatcher", "next"):
        assert ana.slash(ws.channel, "/storymap", text).ok
    added = ana.slash(ws.channel, "/storymap", "add Check payload weight")
    assert added.ok, added.text
    workshop = ws.bot.store.load(ws.team_id, ws.channel)
    assert workshop is not None
    assert [a.text for a in workshop.activities] == ["Check payload weight"]


def test_signed_form_fields_are_read_as_slack_sends_them(workspace: Workspace) -> None:
    """A signed request the app understands passes every gate (sanity check of the raw path)."""
    body = slash_form(workspace, "help")
    answer = send(workspace.bot.url, body, signed_headers(SECRET, body, FORM))
    assert answer.status == 200
    assert "/storymap" in answer.json()["text"]
    assert dict(parse_qsl(body.decode()))["text"] == "help"


def test_signed_payloads_lacking_what_slack_always_sends_get_400_not_500(
    workspace: Workspace, caplog: pytest.LogCaptureFixture
) -> None:
    """Bolt itself fails on these (KeyError in its own middleware): a 500 and a traceback."""
    caplog.set_level(logging.INFO)
    team, channel, user = workspace.team_id, workspace.channel, {"id": "U_ANA"}
    shapes: list[dict[str, Any]] = [
        {"type": "block_actions", "team": {"id": team}, "user": user, "actions": []},
        {"type": "block_actions", "team": {"id": team}, "user": user, "actions": [{}]},
        {"type": "view_submission", "team": {"id": team}, "user": user, "view": {"id": "V1"}},
        {
            "type": "view_submission",
            "team": {"id": team},
            "user": user,
            "view": {"id": "V1", "callback_id": "storymap.persona", "state": {"values": {}}},
        },
        {"type": "event_callback", "team_id": team, "event": "never-log-me"},
        {"type": ["never-log-me"], "team_id": team},
        {"team_id": team, "authorizations": "never-log-me"},
    ]
    bodies = [(json.dumps(shape).encode(), JSON) for shape in shapes]
    bodies += [(urlencode({"payload": json.dumps(shape)}).encode(), FORM) for shape in shapes]
    bodies.append((urlencode({"team_id": team, "command": "/storymap"}).encode(), FORM))
    bodies.append(
        (urlencode({"team_id": team, "command": "/storymap", "channel_id": channel}).encode(), FORM)
    )
    for body, content_type in bodies:
        before = len(caplog.text)
        answer = send(workspace.bot.url, body, signed_headers(SECRET, body, content_type))
        assert answer.status == 400, body
        assert_quiet(caplog, before=before, most=200)


def test_slacks_ssl_check_is_answered_and_does_nothing(
    workspace: Workspace, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    before = len(caplog.text)
    answer = send(workspace.bot.url, b"ssl_check=1&token=never-log-me", {"Content-Type": FORM})
    assert answer.status == 200
    assert_quiet(caplog, before=before, most=0)
    # A JSON body naming it is no SSL check: unsigned, it is refused.
    raw = b'{"text": "a&ssl_check=1&b"}'
    assert send(workspace.bot.url, raw, {"Content-Type": JSON}).status == 401
