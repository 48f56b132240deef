"""``SlackSimulator``: one local Slack workspace, its Web API server and its users.

Rules kept:
- the server binds 127.0.0.1 on a free port at construction; ``start()`` (or entering the
  context manager) serves, ``close()`` (or leaving it) stops; ``api_url`` ends with ``/``
  so ``WebClient(base_url=sim.api_url)`` works unchanged;
- users and channels are set up by the test (``add_user``, ``add_channel``); the bot is
  in a channel only when ``bot_member`` says so or ``invite_bot`` is called;
- everything handed out for reading (messages, ephemerals, modals, the call log) is a
  deep copy taken under the workspace lock: consistent, and never mutated behind the
  test's back;
- rate limits and content limits are set at construction; rate limits may be swapped
  later (``rate_limits`` setter), which refills every bucket;
- ``apps.connections.open`` (with ``app_token``) and the Socket Mode WebSocket are served
  by ``socket_mode``; once the app connects that way the driver delivers over it;
- a user's published Home tab is read with ``home`` (the view) and ``home_transcript``
  (as text); ``driver.open_home``/``click_home`` act on it;
- files: ``files.getUploadURLExternal`` hands out an upload URL on this server
  (``slacksim.uploads``), ``files.completeUploadExternal`` shares the file
  (``slacksim.webapi.files``); ``files``/``file`` read them back, bytes included;
- people's custom status, presence and do-not-disturb are set by the test
  (``set_status``, ``set_presence``, ``set_dnd``) and read by the bot through
  ``users.info``, ``users.getPresence`` and ``dnd.info``; expiry and snoozes follow the
  workspace's clock (``set_clock``; the wall clock until set);
- faults are planned by the test: ``fail`` answers the next calls of a method with an
  HTTP error or a Slack error, ``archive_channel`` makes writes answer ``is_archived``
  (see ``slacksim.faults``).
"""

from __future__ import annotations

import copy
import datetime as dt
import itertools
import time
from collections.abc import Callable, Iterable, Mapping
from types import TracebackType
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from slacksim.answers import HttpAnswer
from slacksim.driver import Driver
from slacksim.errors import SimulatorError
from slacksim.faults import Faults
from slacksim.gateway import WebApiGateway
from slacksim.ids import IdFactory
from slacksim.limits import SlackLimits
from slacksim.mrkdwn import LiveTokenError, Token, check_no_live_user_tokens, message_tokens
from slacksim.ratelimit import RateLimiter, RateLimits
from slacksim.response_url import ResponseUrlEndpoint
from slacksim.server import SimulatorServer
from slacksim.socket_mode import METHOD as CONNECTIONS_OPEN
from slacksim.socket_mode import SocketModeServer
from slacksim.state import (
    ApiCall,
    Channel,
    Ephemeral,
    Identity,
    Message,
    OpenView,
    UploadedFile,
    User,
    Workspace,
)
from slacksim.transcript import (
    channel_transcript,
    home_transcript,
    modal_transcript,
    workspace_names,
)
from slacksim.uploads import UploadEndpoint
from slacksim.user_driver import UserDriver
from slacksim.waiting import settle, wait_for
from slacksim.webapi.context import ApiContext
from slacksim.webapi.files import UPLOAD_PATH

T = TypeVar("T")


class SlackSimulator:
    def __init__(
        self,
        *,
        signing_secret: str = "sim-signing-secret",  # noqa: S107 (simulated, public)
        bot_token: str = "xoxb-sim-bot-token",  # noqa: S107 (simulated, public)
        team_id: str = "T0SIMTEAM1",
        team_domain: str = "storymap-sim",
        team_name: str = "Storymap Simulated Workspace",
        bot_user_id: str = "U0SIMBOT01",
        bot_id: str = "B0SIMBOT01",
        app_id: str = "A0SIMAPP01",
        bot_name: str = "storymap",
        verification_token: str = "sim-verification-token",  # noqa: S107 (simulated, public)
        app_token: str = "xapp-sim-app-token",  # noqa: S107 (simulated, public)
        rate_limits: RateLimits | None = None,
        limits: SlackLimits | None = None,
        ack_timeout: float = 3.0,
        host: str = "127.0.0.1",
        port: int = 0,
        first_id: int = 1,
    ) -> None:
        """``first_id``: where this workspace's object ids start (see ``SlackCloud``)."""
        self.identity = Identity(
            team_id=team_id,
            team_domain=team_domain,
            team_name=team_name,
            bot_user_id=bot_user_id,
            bot_id=bot_id,
            app_id=app_id,
            bot_name=bot_name,
            bot_token=bot_token,
            verification_token=verification_token,
        )
        self.signing_secret = signing_secret
        self.limits = limits or SlackLimits()
        self.workspace = Workspace(self.identity)
        self.workspace.users[bot_user_id] = User(
            bot_user_id, bot_name, bot_name, bot_name, "UTC", 0, is_bot=True
        )
        self._ids = IdFactory(first_id)
        self._limiter = RateLimiter(rate_limits if rate_limits is not None else RateLimits.slack())
        self._server = SimulatorServer(host, port, self._route, self.workspace)
        self.base_url = f"http://{host}:{self._server.port}/"
        self._ctx = ApiContext(self.workspace, self.limits, self._ids, self.base_url)
        self.faults = Faults()
        self._gateway = WebApiGateway(self._ctx, self._limiter, self.faults)
        self._responses = ResponseUrlEndpoint(self._ctx)
        self._uploads = UploadEndpoint(self._ctx, self.faults)
        self._bot_endpoints: list[str] = []
        self._next_endpoint = itertools.count()
        self.socket_mode = SocketModeServer(self.workspace, app_token=app_token, host=host)
        self.driver = Driver(
            self._ctx,
            self._responses,
            signing_secret,
            self._endpoint,
            ack_timeout,
            socket=self.socket_mode,
        )
        self._started = False

    # -- lifecycle ---------------------------------------------------------------------

    def start(self) -> SlackSimulator:
        if not self._started:
            self._server.start()
            self.socket_mode.start()
            self._started = True
        return self

    def close(self) -> None:
        self.socket_mode.close()
        self._server.stop()
        self._started = False

    def __enter__(self) -> SlackSimulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def api_url(self) -> str:
        """The Web API base URL, for ``WebClient(base_url=...)`` and ``SLACK_API_URL``."""
        return f"{self.base_url}api/"

    @property
    def rate_limits(self) -> RateLimits:
        return self._limiter.limits

    @rate_limits.setter
    def rate_limits(self, limits: RateLimits) -> None:
        self._limiter.reconfigure(limits)

    def set_bot_endpoint(self, url: str) -> None:
        """The bot's ``POST /slack/events`` URL; every driver request goes there."""
        self._bot_endpoints = [url]

    def set_bot_endpoints(self, urls: Iterable[str]) -> None:
        """Several replicas behind a load balancer: requests go round-robin."""
        self._bot_endpoints = list(urls)

    def _endpoint(self) -> str | None:
        if not self._bot_endpoints:
            return None
        return self._bot_endpoints[next(self._next_endpoint) % len(self._bot_endpoints)]

    # -- setting up the workspace ----------------------------------------------------------

    def add_user(
        self,
        user_id: str,
        name: str | None = None,
        *,
        real_name: str | None = None,
        display_name: str | None = None,
        tz: str = "UTC",
    ) -> User:
        offset = dt.datetime.now(ZoneInfo(tz)).utcoffset() or dt.timedelta()
        handle = name or user_id.lower()
        user = User(
            id=user_id,
            name=handle,
            real_name=real_name or handle.title(),
            display_name=display_name if display_name is not None else handle,
            tz=tz,
            tz_offset=int(offset.total_seconds()),
        )
        with self.workspace.lock:
            if user_id in self.workspace.users:
                raise SimulatorError(f"user {user_id} exists already")
            self.workspace.users[user_id] = user
        return copy.deepcopy(user)

    def set_status(
        self,
        user: str,
        *,
        emoji: str = "",
        text: str = "",
        expiration: dt.datetime | int = 0,
    ) -> None:
        """``user``'s custom status, as ``users.info`` shows it; ``expiration`` (an aware
        time or Unix seconds, 0 for never) clears it once the clock passes it. No
        arguments: cleared."""
        stamp = int(expiration.timestamp()) if isinstance(expiration, dt.datetime) else expiration
        with self.workspace.lock:
            person = self.workspace.user(user)
            person.status_emoji, person.status_text = emoji, text
            person.status_expiration = stamp

    def set_presence(self, user: str, presence: str) -> None:
        """``"away"`` or ``"active"``, as ``users.getPresence`` answers it."""
        if presence not in {"away", "active"}:
            raise SimulatorError(f"presence is 'away' or 'active', not {presence!r}")
        with self.workspace.lock:
            self.workspace.user(user).presence = presence

    def set_dnd(
        self,
        user: str,
        *,
        on: bool,
        until: dt.datetime | None = None,
        scheduled: tuple[dt.datetime, dt.datetime] | None = None,
    ) -> None:
        """Do not disturb, as ``dnd.info`` answers it: ``on`` with ``until``, a snooze
        ending then (``snooze_enabled``/``snooze_endtime``); ``on`` with ``scheduled``,
        the scheduled window ``(start, end)`` (``dnd_enabled``, ``next_dnd_start_ts``,
        ``next_dnd_end_ts``); ``on=False`` ends both."""
        if on and (until is None) == (scheduled is None):
            raise SimulatorError("set_dnd(on=True) takes until= (a snooze) or scheduled=")
        with self.workspace.lock:
            person = self.workspace.user(user)
            if not on:
                person.snooze_endtime = None
                person.dnd_enabled = False
                person.next_dnd_start_ts = person.next_dnd_end_ts = 1
            elif until is not None:
                person.snooze_endtime = int(until.timestamp())
            elif scheduled is not None:
                start, end = scheduled
                person.dnd_enabled = True
                person.next_dnd_start_ts = int(start.timestamp())
                person.next_dnd_end_ts = int(end.timestamp())

    def set_clock(self, clock: Callable[[], float]) -> None:
        """Slack's wall clock (Unix seconds) for status expiry and snoozes (a test's fake
        clock); ``time.time`` until set."""
        with self.workspace.lock:
            self.workspace.clock = clock

    def add_channel(
        self,
        name: str,
        members: Iterable[str] = (),
        *,
        bot_member: bool = True,
        private: bool = False,
        channel_id: str | None = None,
    ) -> Channel:
        workspace = self.workspace
        with workspace.lock:
            try:
                member_ids = [workspace.user(ref).id for ref in members]
            except KeyError as exc:
                raise SimulatorError(f"add the user first: {exc}") from exc
            channel = Channel(
                id=channel_id or self._ids.object_id("G" if private else "C"),
                name=name.removeprefix("#"),
                members=member_ids,
                bot_member=bot_member,
                is_private=private,
                created=int(time.time()),
            )
            if channel.id in workspace.channels or any(
                c.name == channel.name for c in workspace.channels.values()
            ):
                raise SimulatorError(f"channel {channel.name} exists already")
            workspace.channels[channel.id] = channel
            workspace.messages[channel.id] = {}
            return copy.deepcopy(channel)

    def invite_bot(self, channel: str) -> None:
        with self.workspace.lock:
            self.workspace.channel(channel).bot_member = True

    def remove_bot(self, channel: str) -> None:
        with self.workspace.lock:
            self.workspace.channel(channel).bot_member = False

    def archive_channel(self, channel: str) -> None:
        """Archive ``channel``: every call writing into it answers ``is_archived``."""
        with self.workspace.lock:
            channel_id = self.workspace.channel(channel).id
        self.faults.archive(channel_id)

    def fail(
        self, method: str, *, status: int = 200, error: str | None = None, times: int = 1
    ) -> None:
        """Answer the next ``times`` calls of ``method`` with HTTP ``status`` and/or the
        Slack ``error`` (e.g. ``fail("pins.add", error="internal_error", times=2)``)."""
        self.faults.fail(method, status=status, error=error, times=times)

    def join(self, user: str, channel: str) -> None:
        with self.workspace.lock:
            user_id = self.workspace.user(user).id
            members = self.workspace.channel(channel).members
            if user_id not in members:
                members.append(user_id)

    # -- acting as users -----------------------------------------------------------------

    def user(self, user: str) -> UserDriver:
        return self.driver.user(user)

    def issue_response_url(
        self, channel: str, user: str, message_ts: str | None = None, ephemeral: bool = False
    ) -> str:
        """A response URL as a slash command (or a click on ``message_ts``) would carry."""
        with self.workspace.lock:
            channel_id = self.workspace.channel(channel).id
            user_id = self.workspace.user(user).id
        return self._responses.issue(channel_id, user_id, message_ts, ephemeral)

    def issue_trigger(self, user: str) -> str:
        """A trigger id as a slash command or click by ``user`` would carry."""
        return self.driver.issue_trigger(user)

    # -- reading state (deep copies) ---------------------------------------------------------

    def channel(self, channel: str) -> Channel:
        with self.workspace.lock:
            return copy.deepcopy(self.workspace.channel(channel))

    def messages(self, channel: str, *, include_replies: bool = False) -> list[Message]:
        """Live messages in ``ts`` order: top-level only unless ``include_replies``."""
        with self.workspace.lock:
            channel_id = self.workspace.channel(channel).id
            return [
                copy.deepcopy(m)
                for m in self.workspace.messages[channel_id].values()
                if not m.deleted and (include_replies or m.thread_ts is None)
            ]

    def bot_messages(self, channel: str) -> list[Message]:
        return [m for m in self.messages(channel) if m.is_bot]

    def message(self, channel: str, ts: str) -> Message | None:
        with self.workspace.lock:
            found = self.workspace.message(self.workspace.channel(channel).id, ts)
            return copy.deepcopy(found)

    def replies(self, channel: str, thread_ts: str) -> list[Message]:
        with self.workspace.lock:
            channel_id = self.workspace.channel(channel).id
            return copy.deepcopy(self.workspace.replies(channel_id, thread_ts))

    def pinned(self, channel: str) -> list[Message]:
        """Pinned messages in pin order."""
        with self.workspace.lock:
            channel_id = self.workspace.channel(channel).id
            pins = self.workspace.pins.get(channel_id, {})
            return [copy.deepcopy(self.workspace.messages[channel_id][ts]) for ts in pins]

    def files(self, channel: str | None = None) -> list[UploadedFile]:
        """Files handed out by ``files.getUploadURLExternal``, in that order: all of them,
        or those shared in ``channel``."""
        with self.workspace.lock:
            channel_id = self.workspace.channel(channel).id if channel else None
            return [
                copy.deepcopy(f)
                for f in self.workspace.files.values()
                if channel_id is None or f.channel == channel_id
            ]

    def file(self, file_id: str) -> UploadedFile:
        """One file by id (its bytes, name, title, alt text and where it was shared)."""
        with self.workspace.lock:
            found = self.workspace.files.get(file_id)
            if found is None:
                raise SimulatorError(f"no file {file_id}")
            return copy.deepcopy(found)

    def ephemerals(self, user: str, channel: str | None = None) -> list[Ephemeral]:
        with self.workspace.lock:
            user_id = self.workspace.user(user).id
            channel_id = self.workspace.channel(channel).id if channel else None
            return [
                copy.deepcopy(e)
                for e in self.workspace.ephemerals
                if e.user == user_id and not e.deleted and channel_id in (None, e.channel)
            ]

    def modal(self, user: str) -> OpenView | None:
        """The user's top modal, or ``None``."""
        with self.workspace.lock:
            return copy.deepcopy(self.workspace.top_view(self.workspace.user(user).id))

    def modals(self, user: str) -> list[OpenView]:
        with self.workspace.lock:
            user_id = self.workspace.user(user).id
            return copy.deepcopy(self.workspace.views.get(user_id, []))

    def home(self, user: str) -> dict[str, Any] | None:
        """The Home tab view last published for ``user`` (``views.publish``), or ``None``."""
        with self.workspace.lock:
            return copy.deepcopy(self.workspace.homes.get(self.workspace.user(user).id))

    def home_transcript(self, user: str, *, raw: bool = False) -> str:
        """``user``'s Home tab as they read it (``""`` when nothing was published)."""
        with self.workspace.lock:
            user_id = self.workspace.user(user).id
            view = self.workspace.homes.get(user_id)
            if view is None:
                return ""
            names = None if raw else workspace_names(self.workspace)
            return home_transcript(view, raw=raw, names=names)

    @property
    def calls(self) -> dict[str, int]:
        """Web API calls received per method, refused ones included."""
        with self.workspace.lock:
            return dict(self.workspace.calls)

    @property
    def rate_limited(self) -> dict[str, int]:
        """Calls refused with HTTP 429, per method."""
        with self.workspace.lock:
            return dict(self.workspace.rate_limited)

    @property
    def api_log(self) -> list[ApiCall]:
        with self.workspace.lock:
            return list(self.workspace.api_log)

    @property
    def server_errors(self) -> list[str]:
        """Tracebacks of simulator bugs hit while serving (should stay empty)."""
        with self.workspace.lock:
            return list(self.workspace.server_errors)

    def calls_to(self, method: str) -> list[ApiCall]:
        return [c for c in self.api_log if c.method == method]

    # -- waiting and showing ---------------------------------------------------------------

    def wait_for(
        self, predicate: Callable[[], T], timeout: float = 10.0, message: str | None = None
    ) -> T:
        return wait_for(predicate, timeout=timeout, message=message)

    def settle(self, quiet: float = 0.3, timeout: float = 10.0) -> None:
        settle(self.workspace, quiet=quiet, timeout=timeout)

    def transcript(
        self, channel: str, *, ephemerals: bool | str | Iterable[str] = False, raw: bool = False
    ) -> str:
        """The channel as a reader sees it; ``raw=True`` shows text as the bot sent it."""
        with self.workspace.lock:
            return channel_transcript(self.workspace, channel, ephemerals, raw=raw)

    def render_modal(self, user: str, *, raw: bool = False) -> str:
        with self.workspace.lock:
            top = self.workspace.top_view(self.workspace.user(user).id)
            if top is None:
                return ""
            names = None if raw else workspace_names(self.workspace)
            return modal_transcript(top, raw=raw, names=names)

    # -- live tokens (what user text must never become) ------------------------------------

    def live_tokens(self, channel: str, *, ephemerals: bool = True) -> dict[str, list[Token]]:
        """Every live mrkdwn token in the app's messages in the channel (replies included, and
        ephemerals unless told not to), by message ``ts`` in ``ts`` order; messages without
        any are left out.
        """
        found: dict[str, list[Token]] = {}
        for ts, text, blocks in self._readable_messages(channel, ephemerals):
            tokens = message_tokens(text, blocks)
            if tokens:
                found[ts] = tokens
        return found

    def check_no_live_user_tokens(
        self, channel: str, user_texts: Iterable[str], *, ephemerals: bool = True
    ) -> None:
        """Fail (``LiveTokenError``, an ``AssertionError``) if any of the app's messages in
        the channel, replies and ephemerals included, shows one of ``user_texts`` as a live link,
        mention or special, or holds a ``<word>`` Slack would drop (``slacksim.mrkdwn``)."""
        typed = list(user_texts)
        problems: list[str] = []
        for ts, text, blocks in self._readable_messages(channel, ephemerals):
            try:
                check_no_live_user_tokens(text, blocks, typed, where=f"{channel} {ts}")
            except LiveTokenError as exc:
                problems += exc.problems
        if problems:
            raise LiveTokenError(problems)

    def _readable_messages(
        self, channel: str, ephemerals: bool
    ) -> list[tuple[str, str, list[dict[str, object]]]]:
        with self.workspace.lock:
            channel_id = self.workspace.channel(channel).id
            # What the app wrote: people's own messages show their tokens as they meant.
            entries: list[Message | Ephemeral] = [
                m
                for m in self.workspace.messages[channel_id].values()
                if not m.deleted and m.is_bot
            ]
            if ephemerals:
                entries += [
                    e
                    for e in self.workspace.ephemerals
                    if e.channel == channel_id and not e.deleted
                ]
            ordered = sorted(entries, key=lambda e: e.ts)
            return [(e.ts, e.text, copy.deepcopy(e.blocks)) for e in ordered]

    # -- routing ---------------------------------------------------------------------------

    def web_api(
        self, method: str, headers: Mapping[str, str], query: str, body: bytes
    ) -> HttpAnswer:
        """One Web API call reaching this workspace from elsewhere (``SlackCloud``'s
        shared front), counted as in flight like a call to this server."""
        workspace = self.workspace
        with workspace.lock:
            workspace.in_flight += 1
            workspace.last_activity = time.monotonic()
        try:
            return self._gateway.handle(method, headers, query, body)
        finally:
            with workspace.lock:
                workspace.in_flight -= 1
                workspace.last_activity = time.monotonic()

    def _route(
        self, verb: str, path: str, query: str, headers: Mapping[str, str], body: bytes
    ) -> HttpAnswer:
        if path == f"/api/{CONNECTIONS_OPEN}":
            return self.socket_mode.connections_open(headers, query, body)
        if path.startswith("/api/"):
            return self._gateway.handle(path.removeprefix("/api/"), headers, query, body)
        if verb == "POST" and path.startswith(UPLOAD_PATH):
            return self._uploads.handle(path.removeprefix(UPLOAD_PATH), headers, body)
        if verb == "POST" and path.startswith("/response/"):
            return self._responses.handle(path.removeprefix("/response/"), headers, body)
        return HttpAnswer.text(404, "not_found")
