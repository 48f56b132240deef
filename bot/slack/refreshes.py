"""Coalesced refreshes: the board, story cards and prompts edited at most once a second.

Rules this module keeps:
- rendering always uses the workshop as it is now, so however many refreshes were
  queued, a message converges on the current state with one edit;
- a refresh only marks the message dirty (``mark``: a sorted set per channel, scored by
  when it may next be edited); ``flush`` edits each dirty message at most once per
  ``edit_interval`` however many votes arrive, the board before the cards, and within
  the method's shared budget (``SlackBudget``), keeping a reserve for the board;
- an edit claimed by a replica that dies is tried again after ``RETRY_EDIT_AFTER``; a
  mark made while an edit was rendered is not cleared by it.
"""

from __future__ import annotations

import logging
import time
from typing import Final, cast

from bot.domain.model import Stage, Workshop
from bot.logs import context
from bot.render.board import board
from bot.render.cards import removed_card, story_card
from bot.render.prompts import prompt
from bot.slack.calls import Calls, CannotPost
from bot.slack.clients import Uninstalled
from bot.slack.refs import Refs
from bot.store import RedisClient, scripts
from bot.store.keys import Keys
from bot.store.workshops import WorkshopStore

log = logging.getLogger(__name__)

#: Seconds after which a claimed but unfinished edit is tried again (its replica died).
RETRY_EDIT_AFTER: Final = 5.0
#: Tokens of the chat.update bucket that card edits leave for the board.
BOARD_RESERVE: Final = 5


def dirty_key(team_id: str, channel_id: str) -> str:
    return Keys(team_id, channel_id).dirty


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


class Refreshes:
    def __init__(
        self, client: RedisClient, store: WorkshopStore, calls: Calls, edit_interval: float
    ) -> None:
        self._redis = client
        self._store = store
        self._calls = calls
        self.edit_interval = edit_interval
        self._done = client.register_script(scripts.EDIT_DONE)

    def mark(self, w: Workshop, name: str) -> None:
        """Mark a message for a refresh; the earliest due time wins (``ZADD NX``), and the
        mark's version moves on so an edit rendered before it does not clear it."""
        key = dirty_key(w.team_id, w.channel_id)
        member = f"{w.number}|{name}"
        with self._redis.pipeline(transaction=False) as pipe:
            pipe.zadd(key, {member: time.time()}, nx=True)
            pipe.hincrby(f"{key}:version", member, 1)
            pipe.execute()

    def flush(self, team_id: str, channel_id: str, *, board_now: bool = False) -> int:
        """Edit the dirty messages that are due; return how many were edited.

        ``board_now``: the board is edited in this call even if it was edited less than
        ``edit_interval`` ago (waiting out the rest of the interval, never skipping it).
        """
        try:
            self._calls.act_for(team_id)
            return self._flush(team_id, channel_id, board_now)
        except Uninstalled:
            return 0  # its data goes with the uninstall

    def _flush(self, team_id: str, channel_id: str, board_now: bool) -> int:
        key = dirty_key(team_id, channel_id)
        now = time.time()
        due = [_text(m) for m in cast("list[bytes]", self._redis.zrangebyscore(key, "-inf", now))]
        # The board first: it is what everyone looks at, and it has a budget reserve.
        due.sort(key=lambda member: not member.endswith("|board"))
        edited = 0
        for member in due:
            number, _, name = member.partition("|")
            guard = f"{key}:edited:{member}"
            wait = self._redis.pttl(guard)
            if board_now and name == "board" and isinstance(wait, int) and wait > 0:
                time.sleep(wait / 1000)
                wait = 0
            if isinstance(wait, int) and wait > 0:
                self._redis.zadd(key, {member: now + wait / 1000}, xx=True)
                continue
            reserve = 0 if name == "board" else BOARD_RESERVE
            budget_wait = self._calls.budget.try_take("chat.update", channel_id, reserve)
            if budget_wait > 0:
                self._redis.zadd(key, {member: now + budget_wait}, xx=True)
                continue
            # Not removed yet: pushed back a few seconds, so that if this replica dies
            # mid-edit another one edits it; removed after the edit unless marked again.
            seen = self._redis.hget(f"{key}:version", member)
            self._redis.zadd(key, {member: now + RETRY_EDIT_AFTER}, xx=True)
            self._redis.set(guard, "1", px=max(1, int(self.edit_interval * 1000)))
            workshop = self._store.get(team_id, channel_id, int(number))
            if workshop is not None:
                self._edit(workshop, Refs(self._redis, team_id, channel_id, int(number)), name)
                edited += 1
            self._done(
                keys=[key, f"{key}:version"], args=[member, seen or 0, now + self.edit_interval]
            )
        return edited

    def _edit(self, w: Workshop, refs: Refs, name: str) -> None:
        ts = refs.get(name)
        if ts is None:
            return
        if name == "board":
            message = board(w)
        elif name.startswith("card:"):
            story_id = name.removeprefix("card:")
            # A card whose story left the map says so rather than showing stale votes.
            found = w.story(story_id) is not None
            message = story_card(w, story_id) if found else removed_card(story_id)
        elif name.startswith("prompt:"):
            _, stage, anchor = name.split(":", 2)
            message = prompt(w, Stage(stage), None if anchor == "-" else anchor)
        else:
            return
        try:
            self._calls.send(
                "chat_update", channel=w.channel_id, ts=ts, text=message.text, blocks=message.blocks
            )
        except CannotPost:
            log.warning(
                "cannot edit %s in %s: the bot cannot post there",
                name,
                w.channel_id,
                extra=context(w.team_id, w.channel_id, w.number),
            )
