"""Fuzzing the bot's edge over real HTTP: whatever arrives, nothing breaks or leaks.

Arbitrary unsigned and signed bodies, headers, payload shapes and user text, sent to the
real Bolt app behind its real HTTP server (one per module, with its dispatcher posting
to the simulator). For every request:

- never a 5xx, never a traceback in the log;
- an unsigned or badly signed request is refused (4xx) and changes nothing;
- a signed request changes no channel other than the one its payload names (a second
  channel's workshop is watched, and payloads name it in metadata and button values);

and after all of it, no message the simulator recorded holds a live Slack token that
came from user text, and Slack refused no call for its content.
"""

from __future__ import annotations

import http.client
import json
import logging
import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
import redis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.domain.model import Workshop
from bot.render.ids import ActionId, CallbackId, Ref
from bot.slack.budget import SlackBudget
from bot.slack.main import Bot
from bot.store.keys import Keys
from slacksim import ApiCall, RateLimits, SlackSimulator
from slacksim.signing import signed_headers

pytestmark = [pytest.mark.store, pytest.mark.slow]

SECRET = "fuzz-signing-secret"
TOKEN = "xoxb-fuzz-token"
USERS = ("U_ANA", "U_BEN", "U_CHLOE")
FUZZ = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)
#: Refusals that are about the request, not about what the bot sent.
ALLOWED_API_ERRORS = frozenset(
    {
        "invalid_trigger_id",
        "expired_trigger_id",
        "exchanged_trigger_id",
        "already_reacted",
        "already_pinned",
        "message_not_found",
        "no_reaction",
    }
)


class Captured(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def tracebacks(self) -> list[str]:
        return [
            f"{r.name}: {r.getMessage()}"
            for r in self.records
            if r.exc_info is not None or "Traceback" in r.getMessage()
        ]


#: A channel's workshop, and the id of the last entry ever queued on each lane.
Snapshot = tuple[Workshop | None, tuple[str, ...]]


@dataclass
class Edge:
    sim: SlackSimulator
    bot: Bot
    client: redis.Redis
    team_id: str
    channel: str
    other: str
    host: str
    port: int
    log: Captured
    #: Every piece of user text sent, for the live-token check at the end.
    typed: list[str] = field(default_factory=list)

    def send(self, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=10)
        try:
            connection.request("POST", "/slack/events", body=body, headers=headers)
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def signed(self, body: bytes, content_type: str) -> tuple[int, bytes]:
        return self.send(body, signed_headers(SECRET, body, content_type))

    def form(self, fields: dict[str, str]) -> tuple[int, bytes]:
        return self.signed(urlencode(fields).encode(), "application/x-www-form-urlencoded")

    def payload(self, payload: object) -> tuple[int, bytes]:
        return self.form({"payload": json.dumps(payload)})

    def event(self, event: object) -> tuple[int, bytes]:
        body = {
            "token": "x",
            "team_id": self.team_id,
            "api_app_id": "A_FUZZ",
            "type": "event_callback",
            "event_id": f"Ev{uuid.uuid4().hex[:10].upper()}",
            "event_time": int(time.time()),
            "event": event,
        }
        return self.signed(json.dumps(body).encode(), "application/json")

    def snapshot(self, channel: str) -> Snapshot:
        """The channel's workshop and the id of the last entry ever queued on each lane
        (performed entries leave their stream, so its length would move on its own)."""
        keys = Keys(self.team_id, channel)
        last = []
        for stream in (keys.outbox, keys.urgent):
            try:
                info = self.client.xinfo_stream(stream)
            except redis.ResponseError:  # nothing ever queued there
                last.append("-")
                continue
            raw = info["last-generated-id"]
            last.append(raw.decode() if isinstance(raw, bytes) else str(raw))
        return self.bot.service.store.load(self.team_id, channel), tuple(last)


@pytest.fixture(scope="module")
def edge(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[Edge]:
    redis_url: str = request.getfixturevalue("redis_url")
    team_id = f"T{uuid.uuid4().hex[:10].upper()}"
    captured = Captured()
    root = logging.getLogger()
    root.addHandler(captured)
    with SlackSimulator(
        signing_secret=SECRET,
        bot_token=TOKEN,
        team_id=team_id,
        rate_limits=RateLimits.disabled(),
    ) as sim:
        for user in USERS:
            sim.add_user(user, user.removeprefix("U_").lower(), tz="Europe/Berlin")
        channel = sim.add_channel("#fuzz", members=list(USERS)).id
        other = sim.add_channel("#watched", members=list(USERS)).id
        client = redis.Redis.from_url(redis_url)
        bot = Bot(
            client,
            token=TOKEN,
            signing_secret=SECRET,
            api_url=sim.api_url,
            teams=frozenset({team_id}),
            budget=SlackBudget.unlimited(client),
        )
        url = urlsplit(bot.start_http())
        sim.set_bot_endpoint(f"{url.scheme}://{url.netloc}/slack/events")
        for where in (channel, other):
            for user, text in [
                ("U_ANA", "start Fuzzed"),
                ("U_BEN", "persona Operations Manager"),
                ("U_ANA", "next"),
                ("U_BEN", "add Plan shipment"),
                ("U_ANA", "next"),
                ("U_BEN", "add A1 Enter addresses"),
                ("U_ANA", "next"),
            ]:
                assert sim.user(user).slash(where, "/storymap", text).ok
        sim.settle(quiet=0.5, timeout=30)
        try:
            yield Edge(
                sim=sim,
                bot=bot,
                client=client,
                team_id=team_id,
                channel=channel,
                other=other,
                host=str(url.hostname),
                port=int(url.port or 80),
                log=captured,
            )
        finally:
            bot.stop()
            client.close()
            root.removeHandler(captured)


# ----- strategies ----------------------------------------------------------------------

#: Text with Slack's markup characters and tokens mixed in.
MARKUP = st.sampled_from(
    [
        "<!channel>",
        "<!here>",
        "<!everyone>",
        "<@U_NOBODY>",
        "<@U_BEN|ben>",
        "<#C123|general>",
        "<!subteam^S123|devs>",
        "<https://evil.example/login|Reset your password>",
        "<mailto:a@b.example>",
        "<!date^1700000000^{date}|x>",
        "&amp;",
        "&lt;",
        "<",
        ">",
        "&",
        "|",
        "*bold*",
        "`code`",
        "\u200b",
        "\u202e",
        "\x00",
        "\x1b[31m",
        "\n",
        "S1",
        "T1",
        "A1",
    ]
)
USER_TEXT = st.lists(st.one_of(MARKUP, st.text(max_size=12)), max_size=8).map("".join)
JSON_LEAF = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=30))
JSON = st.recursive(
    JSON_LEAF,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)
#: What an HTTP client can send as a header value (no line breaks or controls).
HEADER_TEXT = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"),
    max_size=70,
)
CONTENT_TYPES = st.sampled_from(
    ["application/json", "application/x-www-form-urlencoded", "text/plain", "", "multipart/x"]
)


def ref_values(edge: Edge) -> st.SearchStrategy[str]:
    """Button values and form metadata: well-formed Refs (also naming the watched
    channel), sealed-looking strings, and garbage."""
    refs = st.builds(
        Ref,
        number=st.integers(min_value=-1, max_value=3),
        anchor=st.one_of(st.none(), st.sampled_from(["activities", "A1", "T1", "S1", "A9"])),
        channel=st.one_of(st.none(), st.just(edge.other), st.just(edge.channel)),
    ).map(Ref.dumps)
    sealed = st.tuples(st.text(alphabet="0123456789abcdef", max_size=32), refs).map(
        lambda pair: f"{pair[0]}.{pair[1]}"
    )
    return st.one_of(refs, sealed, st.text(max_size=40))


# ----- checks --------------------------------------------------------------------------


def unchanged_elsewhere(edge: Edge, before: Snapshot) -> None:
    assert edge.snapshot(edge.other) == before, "a request changed the watched channel"


def no_tracebacks(edge: Edge) -> None:
    found = edge.log.tracebacks()
    edge.log.records.clear()
    assert found == []


_TOKEN = re.compile(r"<([^<>]*)>")


def _bot_tokens_ok(token: str, users: set[str], channels: set[str]) -> bool:
    """Tokens the bot writes itself: mentions of known people, its channels, dates."""
    if token.startswith("@"):
        return token[1:].split("|", maxsplit=1)[0] in users
    if token.startswith("#"):
        return token[1:].split("|", maxsplit=1)[0] in channels
    return token.startswith("!date^")


def _mrkdwn_texts(value: Any) -> Iterator[str]:
    """Every mrkdwn string of a message's blocks (plain_text shows markup literally)."""
    if isinstance(value, dict):
        if value.get("type") == "mrkdwn" and isinstance(value.get("text"), str):
            yield value["text"]
        for key, inner in value.items():
            if key != "text" or isinstance(inner, dict | list):
                yield from _mrkdwn_texts(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _mrkdwn_texts(inner)


def live_tokens_from_users(calls: list[ApiCall], users: set[str], channels: set[str]) -> list[str]:
    bad: list[str] = []
    for call in calls:
        if call.method not in ("chat.postMessage", "chat.update", "chat.postEphemeral"):
            continue
        texts = list(_mrkdwn_texts(call.args.get("blocks")))
        if isinstance(call.args.get("text"), str):
            texts.append(call.args["text"])
        for text in texts:
            bad.extend(
                f"{call.method}: <{token}>"
                for token in _TOKEN.findall(text)
                if not _bot_tokens_ok(token, users, channels)
            )
    return bad


# ----- the fuzz ------------------------------------------------------------------------


@FUZZ
@given(
    body=st.binary(max_size=3000),
    content_type=CONTENT_TYPES,
    timestamp=st.one_of(st.none(), st.just("now"), HEADER_TEXT),
    signature=st.one_of(st.none(), HEADER_TEXT, st.just("v0=" + "0" * 64)),
)
def test_unsigned_requests_are_refused_and_change_nothing(
    edge: Edge, body: bytes, content_type: str, timestamp: str | None, signature: str | None
) -> None:
    before = edge.snapshot(edge.channel), edge.snapshot(edge.other)
    headers = {"Content-Type": content_type} if content_type else {}
    if timestamp is not None:
        headers["X-Slack-Request-Timestamp"] = (
            str(int(time.time())) if timestamp == "now" else timestamp
        )
    if signature is not None:
        headers["X-Slack-Signature"] = signature

    status, _ = edge.send(body, headers)

    assert 400 <= status < 500
    assert (edge.snapshot(edge.channel), edge.snapshot(edge.other)) == before
    no_tracebacks(edge)


@FUZZ
@given(
    body=st.one_of(
        st.binary(max_size=2000),
        JSON.map(lambda v: json.dumps(v).encode()),
        st.dictionaries(st.text(max_size=10), st.text(max_size=40), max_size=5).map(
            lambda d: urlencode(d).encode()
        ),
        st.one_of(st.text(max_size=200), JSON.map(json.dumps)).map(
            lambda p: urlencode({"payload": p}).encode()
        ),
    ),
    content_type=CONTENT_TYPES,
)
def test_signed_garbage_never_breaks_the_app(edge: Edge, body: bytes, content_type: str) -> None:
    before = edge.snapshot(edge.other)

    status, _ = edge.signed(body, content_type)

    assert status < 500
    unchanged_elsewhere(edge, before)
    no_tracebacks(edge)


@FUZZ
@given(data=st.data())
def test_signed_payloads_of_any_shape_touch_only_their_channel(
    edge: Edge, data: st.DataObject
) -> None:
    user = data.draw(st.sampled_from(USERS))
    kind = data.draw(st.sampled_from(["slash", "action", "submission", "event"]))
    before = edge.snapshot(edge.other)
    if kind == "slash":
        status, _ = edge.form(
            {
                "team_id": edge.team_id,
                "channel_id": edge.channel,
                "channel_name": "fuzz",
                "user_id": user,
                "command": "/storymap",
                "text": data.draw(
                    st.one_of(
                        USER_TEXT,
                        st.sampled_from(
                            ["next", "back", "cancel", "status", "help", "publish", "deadline"]
                        ).flatmap(lambda verb: USER_TEXT.map(lambda t: f"{verb} {t}")),
                    )
                ),
                "response_url": edge.sim.api_url + "/response/x",
                "trigger_id": "1.2.fuzz",
            }
        )
    elif kind == "action":
        value = data.draw(ref_values(edge))
        status, _ = edge.payload(
            {
                "type": "block_actions",
                "user": {"id": user, "team_id": edge.team_id},
                "team": {"id": edge.team_id},
                "channel": {"id": edge.channel, "name": "fuzz"},
                "trigger_id": "1.2.fuzz",
                "actions": [
                    {
                        "type": "button",
                        "action_id": data.draw(
                            st.one_of(st.sampled_from(list(ActionId)), st.text(max_size=20))
                        ),
                        "block_id": "b",
                        "value": value,
                        "action_ts": str(time.time()),
                    }
                ],
            }
        )
    elif kind == "submission":
        status, _ = edge.payload(
            {
                "type": "view_submission",
                "team": {"id": edge.team_id},
                "user": {"id": user, "team_id": edge.team_id},
                "view": {
                    "id": "V1",
                    "type": "modal",
                    "callback_id": data.draw(
                        st.one_of(st.sampled_from(list(CallbackId)), st.text(max_size=20))
                    ),
                    "private_metadata": data.draw(ref_values(edge)),
                    "state": {"values": data.draw(JSON)},
                },
            }
        )
    else:
        event = data.draw(st.dictionaries(st.text(max_size=10), JSON, max_size=4))
        event.update(
            {
                "type": data.draw(
                    st.sampled_from(["message", "reaction_added", "reaction_removed", "x"])
                ),
                "channel": edge.channel,
                "user": user,
            }
        )
        status, _ = edge.event(event)

    assert status < 500
    unchanged_elsewhere(edge, before)
    no_tracebacks(edge)


@FUZZ
@given(text=USER_TEXT, how=st.sampled_from(["slash", "reply"]), user=st.sampled_from(USERS))
def test_user_text_is_stored_or_refused_without_breaking(
    edge: Edge, text: str, how: str, user: str
) -> None:
    before = edge.snapshot(edge.other)
    edge.typed.append(text)
    if how == "slash":
        delivery = edge.sim.user(user).slash(edge.channel, "/storymap", f"add T1 {text}")
    else:
        prompt = edge.sim.wait_for(
            lambda: next(
                (m for m in edge.sim.bot_messages(edge.channel) if "Story cards: reply" in m.text),
                None,
            ),
            message="the stories prompt",
        )
        assert prompt is not None
        delivery = edge.sim.user(user).reply(edge.channel, prompt.ts, text or ".")
    assert delivery.status < 500
    unchanged_elsewhere(edge, before)
    no_tracebacks(edge)


def test_after_the_fuzz_no_live_token_from_user_text_and_no_refused_call(edge: Edge) -> None:
    """Runs after the fuzz tests of this module (pytest keeps file order)."""
    edge.sim.settle(quiet=1.0, timeout=60)
    calls = edge.sim.api_log
    assert len(calls) > 20, "the fuzz above should have made the bot talk"
    users = set(edge.sim.workspace.users)
    channels = set(edge.sim.workspace.channels)
    assert live_tokens_from_users(calls, users, channels) == []
    edge.sim.check_no_live_user_tokens(edge.channel, edge.typed)
    refused = [
        f"{c.method}: {c.response.get('error')}"
        for c in calls
        if c.response.get("ok") is False and c.response.get("error") not in ALLOWED_API_ERRORS
    ]
    assert refused == []
    assert edge.sim.server_errors == []
    no_tracebacks(edge)
