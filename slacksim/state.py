"""The simulated workspace's state: who exists, what was said, what is open.

Rules kept:
- one re-entrant lock (``Workspace.lock``) guards everything; the Web API server, the
  driver and test helpers all take it, so every read or change is atomic;
- messages live per channel keyed by ``ts``; insertion order is ``ts`` order because
  timestamps are strictly increasing (see ``ids``). A thread reply is a message whose
  ``thread_ts`` names its parent; the parent's own ``thread_ts`` stays ``None``;
- an edit never loses the previous version: it is pushed onto ``Message.history``;
- a deleted message stays in the store with ``deleted=True`` (Slack keeps a tombstone
  while a thread hangs off it); lookups for the Web API treat it as absent;
- reactions keep, per emoji name, the users in the order they reacted; pins keep, per
  channel, pinned ``ts`` -> pin time in pin order (``Message.pinned_by`` mirrors it);
- each user has a stack of open modal views (at most ``SlackLimits.view_stack_depth``);
- each user has at most one published Home tab view (``Workspace.homes``), replaced whole
  by every ``views.publish`` (same view id, new hash);
- a file exists from ``files.getUploadURLExternal`` on (``Workspace.files``, by id): its
  bytes arrive at its upload URL, ``files.completeUploadExternal`` completes it once and
  shares it (a message carrying it, in the channel or a thread) or leaves it private;
- every Web API call is logged with its arguments (minus the token), status and response,
  and counted per method, as is every refusal for rate limiting; response URL posts are
  counted under ``"response_url"``; tracebacks of simulator bugs go to ``server_errors``.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

JsonDict = dict[str, Any]


@dataclass(frozen=True)
class Identity:
    """The workspace and the bot installed in it."""

    team_id: str
    team_domain: str
    team_name: str
    bot_user_id: str
    bot_id: str
    app_id: str
    bot_name: str
    bot_token: str
    verification_token: str


@dataclass
class User:
    id: str
    name: str
    real_name: str
    display_name: str
    tz: str
    tz_offset: int
    is_bot: bool = False
    #: The custom status (``profile.status_*``); ``status_expiration`` 0: never expires.
    status_emoji: str = ""
    status_text: str = ""
    status_expiration: int = 0
    #: ``users.getPresence``: "active" or "away".
    presence: str = "active"
    #: ``dnd.info``: a scheduled do-not-disturb window (``dnd_enabled``) and a snooze.
    dnd_enabled: bool = False
    next_dnd_start_ts: int = 1
    next_dnd_end_ts: int = 1
    snooze_endtime: int | None = None


@dataclass
class Channel:
    id: str
    name: str
    members: list[str]
    bot_member: bool
    is_private: bool
    created: int


@dataclass
class Revision:
    """A message's content before an edit replaced it."""

    text: str
    blocks: list[JsonDict]
    edited_ts: str


@dataclass
class Message:
    channel: str
    ts: str
    user: str
    text: str
    blocks: list[JsonDict]
    thread_ts: str | None = None
    is_bot: bool = False
    reply_broadcast: bool = False
    files: list[JsonDict] = field(default_factory=list)
    metadata: JsonDict | None = None
    history: list[Revision] = field(default_factory=list)
    reactions: dict[str, list[str]] = field(default_factory=dict)
    pinned_by: str | None = None
    deleted: bool = False

    @property
    def edit_count(self) -> int:
        return len(self.history)

    @property
    def is_reply(self) -> bool:
        return self.thread_ts is not None

    @property
    def pinned(self) -> bool:
        return self.pinned_by is not None


@dataclass
class Ephemeral:
    """A message only ``user`` sees; ``source`` says how the bot produced it."""

    channel: str
    ts: str
    user: str
    text: str
    blocks: list[JsonDict]
    source: str
    thread_ts: str | None = None
    deleted: bool = False


@dataclass
class OpenView:
    """A modal open for ``user``; ``view`` is the full view as Slack returns it."""

    user: str
    view: JsonDict
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return str(self.view["id"])

    @property
    def hash(self) -> str:
        return str(self.view["hash"])

    @property
    def callback_id(self) -> str:
        return str(self.view.get("callback_id", ""))

    @property
    def private_metadata(self) -> str:
        return str(self.view.get("private_metadata", ""))

    @property
    def external_id(self) -> str:
        return str(self.view.get("external_id", ""))


@dataclass
class Trigger:
    id: str
    user: str
    issued_at: float
    exchanged: bool = False


@dataclass
class ResponseUrl:
    """Where a slash command or a click may answer; ``message_ts`` is the clicked message."""

    id: str
    channel: str
    user: str
    issued_at: float
    message_ts: str | None = None
    message_is_ephemeral: bool = False
    uses: int = 0


@dataclass
class UploadedFile:
    """A file from ``files.getUploadURLExternal`` on: declared, uploaded, completed.

    ``content`` is ``None`` until bytes reach the upload URL; ``completed`` is set by
    ``files.completeUploadExternal``, and ``channel``/``message_ts`` say where it was
    shared (both ``None`` for a private file)."""

    id: str
    filename: str
    length: int
    upload_key: str
    alt_txt: str | None = None
    snippet_type: str | None = None
    content: bytes | None = None
    title: str | None = None
    completed: bool = False
    channel: str | None = None
    thread_ts: str | None = None
    message_ts: str | None = None
    created: int = 0


@dataclass(frozen=True)
class ApiCall:
    method: str
    args: JsonDict
    status: int
    response: JsonDict
    at: float


class Workspace:
    """All mutable state of one simulated Slack workspace."""

    def __init__(self, identity: Identity) -> None:
        self.identity = identity
        self.lock = threading.RLock()
        self.users: dict[str, User] = {}
        self.channels: dict[str, Channel] = {}
        self.messages: dict[str, dict[str, Message]] = {}
        self.pins: dict[str, dict[str, int]] = {}
        self.ephemerals: list[Ephemeral] = []
        self.views: dict[str, list[OpenView]] = {}
        self.triggers: dict[str, Trigger] = {}
        self.response_urls: dict[str, ResponseUrl] = {}
        self.files: dict[str, UploadedFile] = {}
        #: Each user's published Home tab (``views.publish``), the full view as stored.
        self.homes: dict[str, JsonDict] = {}
        self.api_log: list[ApiCall] = []
        self.calls: Counter[str] = Counter()
        self.rate_limited: Counter[str] = Counter()
        self.server_errors: list[str] = []
        self.in_flight = 0
        self.last_activity = time.monotonic()
        #: Slack's wall clock (Unix seconds): what expires statuses and ends snoozes.
        self.clock: Callable[[], float] = time.time

    # -- lookups (callers hold the lock) ------------------------------------------------

    def channel(self, ref: str) -> Channel:
        """A channel by id, ``name`` or ``#name``; ``KeyError`` when there is none.

        A user id names the bot's direct-message channel with that user, opened on first
        use, as ``chat.postMessage`` with ``channel=<user id>`` does in Slack.
        """
        if ref in self.channels:
            return self.channels[ref]
        name = ref.removeprefix("#")
        for channel in self.channels.values():
            if channel.name == name:
                return channel
        if ref in self.users:
            return self._direct_messages(ref)
        raise KeyError(f"no channel {ref!r}")

    def _direct_messages(self, user_id: str) -> Channel:
        channel_id = f"D{user_id.removeprefix('U')}"
        if channel_id not in self.channels:
            self.channels[channel_id] = Channel(
                id=channel_id,
                name=f"dm-{user_id.lower()}",
                members=[user_id],
                bot_member=True,
                is_private=True,
                created=int(time.time()),
            )
            self.messages[channel_id] = {}
        return self.channels[channel_id]

    def user(self, ref: str) -> User:
        """A user by id or name; ``KeyError`` when there is none."""
        if ref in self.users:
            return self.users[ref]
        name = ref.removeprefix("@")
        for user in self.users.values():
            if user.name == name:
                return user
        raise KeyError(f"no user {ref!r}")

    def is_member(self, channel: Channel, user_id: str) -> bool:
        if user_id == self.identity.bot_user_id:
            return channel.bot_member
        return user_id in channel.members

    def message(self, channel_id: str, ts: str) -> Message | None:
        """The live (not deleted) message at ``ts``, top-level or reply."""
        found = self.messages.get(channel_id, {}).get(ts)
        return None if found is None or found.deleted else found

    def add_message(self, message: Message) -> None:
        self.messages.setdefault(message.channel, {})[message.ts] = message

    def replies(self, channel_id: str, thread_ts: str) -> list[Message]:
        return [
            m
            for m in self.messages.get(channel_id, {}).values()
            if m.thread_ts == thread_ts and not m.deleted
        ]

    def display_name(self, user_id: str) -> str:
        if user_id == self.identity.bot_user_id:
            return self.identity.bot_name
        found = self.users.get(user_id)
        return found.name if found else user_id

    def find_view(self, view_id: str | None, external_id: str | None) -> OpenView | None:
        for stack in self.views.values():
            for view in stack:
                if view_id and view.id == view_id:
                    return view
                if external_id and view.external_id == external_id:
                    return view
        return None

    def top_view(self, user_id: str) -> OpenView | None:
        stack = self.views.get(user_id)
        return stack[-1] if stack else None
