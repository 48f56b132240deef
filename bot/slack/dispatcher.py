"""The outbox dispatcher: read each channel's effect stream, perform, acknowledge.

Runs in a background thread of every bot process (a consumer group shares the work).
Rules this module keeps:
- an entry is acknowledged only after its effects were performed, or after it failed
  ``MAX_ATTEMPTS`` times (then it is logged as dead; nothing is retried forever);
- entries read together for one channel are performed together, so a burst of votes
  becomes one board edit;
- the dispatcher never changes workshop state itself, except cancelling a workshop the
  bot cannot post for (through the service, like a person would).
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections import defaultdict
from typing import Any, Final, cast

import redis
from slack_sdk.errors import SlackApiError

from bot.slack.notices import OUTBOX_EFFECTS, OutboxEffect
from bot.slack.performer import Performer
from bot.slack.refs import Refs
from bot.store.workshops import CHANNELS_KEY, Keys, WorkshopStore, decode_entry

log = logging.getLogger(__name__)

GROUP: Final = "dispatch"
MAX_ATTEMPTS: Final = 5


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


class Dispatcher:
    def __init__(
        self,
        client: redis.Redis,
        store: WorkshopStore,
        performer: Performer,
        *,
        consumer: str | None = None,
        block_ms: int = 200,
        teams: frozenset[str] | None = None,
        lane: str = "outbox",
    ) -> None:
        """``teams``: only these workspaces' channels (None: all of them). ``lane``: the
        stream to serve, ``outbox`` or ``urgent`` (each lane has its own thread, so a
        modal never waits behind a stage's postings)."""
        self._redis = client
        self._store = store
        self._performer = performer
        self.consumer = consumer or f"{socket.gethostname()}-{id(self):x}"
        self._block_ms = block_ms
        self._teams = teams
        self._lane = lane
        self._groups: set[str] = set()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # ----- lifecycle --------------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self.run_forever, name=f"dispatcher-{self._lane}", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def run_forever(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except redis.RedisError as failure:
                if self._stop.is_set():
                    return
                log.warning("dispatcher: storage unavailable (%s); retrying", failure)
                self._stop.wait(1.0)
            except Exception:
                # A bug in one batch must not stop every later effect of every channel.
                log.exception("dispatcher: unexpected failure; carrying on")
                self._stop.wait(1.0)

    # ----- one round --------------------------------------------------------------

    def _streams(self) -> dict[str, str]:
        streams: dict[str, str] = {}
        for raw in self._redis.smembers(CHANNELS_KEY):
            team_id, _, channel_id = _text(raw).partition(":")
            if self._teams is not None and team_id not in self._teams:
                continue
            stream = getattr(Keys(team_id, channel_id), self._lane)
            if stream not in self._groups:
                try:
                    self._redis.xgroup_create(stream, GROUP, id="0", mkstream=True)
                except redis.ResponseError as exists:
                    if "BUSYGROUP" not in str(exists):
                        raise
                self._groups.add(stream)
            streams[stream] = ">"
        return streams

    def run_once(self) -> int:
        """Perform what is waiting (blocking up to ``block_ms``); return entries handled."""
        streams = self._streams()
        if not streams:
            self._stop.wait(self._block_ms / 1000)
            return 0
        replies = cast(
            "list[tuple[bytes, list[Any]]] | None",
            self._redis.xreadgroup(
                GROUP, self.consumer, cast("Any", streams), count=500, block=self._block_ms
            ),
        )
        handled = 0
        for stream, entries in replies or []:
            handled += self._handle_stream(_text(stream), entries)
        return handled

    def _handle_stream(self, stream: str, entries: list[Any]) -> int:
        tag = stream[stream.index("{") + 1 : stream.index("}")]
        team_id, _, channel_id = tag.partition(":")
        batches: dict[int, list[OutboxEffect]] = defaultdict(list)
        ids: dict[int, list[bytes]] = defaultdict(list)
        for entry_id, fields in entries:
            number, raw = decode_entry(fields)
            batches[number].extend(OUTBOX_EFFECTS.validate_python(raw))
            ids[number].append(entry_id)
        for number, effects in batches.items():
            self._perform(team_id, channel_id, number, effects)
            self._redis.xack(stream, GROUP, *ids[number])
        return len(entries)

    def _perform(
        self, team_id: str, channel_id: str, number: int, effects: list[OutboxEffect]
    ) -> None:
        for attempt in range(1, MAX_ATTEMPTS + 1):
            workshop = self._store.get(team_id, channel_id, number)
            if workshop is None:
                log.warning("dispatcher: workshop %s of %s:%s is gone", number, team_id, channel_id)
                return
            try:
                self._performer.perform(
                    workshop, Refs(self._redis, team_id, channel_id, number), effects
                )
                return
            except SlackApiError as failure:
                log.warning(
                    "dispatcher: %s (attempt %d of %d)",
                    failure.response.get("error"),
                    attempt,
                    MAX_ATTEMPTS,
                )
                time.sleep(min(2.0, 0.1 * 2**attempt))
        log.error("dispatcher: gave up on %d effects for %s:%s", len(effects), team_id, channel_id)
