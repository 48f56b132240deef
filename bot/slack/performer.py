"""Turn a batch of outbox effects into Web API calls, rendering the latest state.

Rules this module keeps:
- rendering always uses the workshop as it is now, so however many refreshes were
  queued, a message converges on the current state with one edit;
- a refresh only marks the message dirty (a sorted set per channel, scored by when it
  may next be edited); ``flush`` edits each dirty message at most once per
  ``edit_interval`` however many votes arrive, the board before the cards, and within
  the method's shared budget (``SlackBudget``), keeping a reserve for the board;
- every call takes its token from the shared budget first; a 429 pauses the method for
  every replica and the call is retried after ``Retry-After``;
- every call acts for the workspace of the batch (``perform``) or of the channel
  (``flush``): it uses that workspace's client (``TeamClients``) and its budget and
  pauses (``SlackBudget.for_team``); a workspace with no installation raises
  ``Uninstalled`` from ``perform`` (its effects are dropped) and is skipped by ``flush``;
  one that leaves while its batch is under way raises it before the next call, and a
  token Slack no longer accepts (``TOKEN_GONE``) drops the cached client and raises it
  too;
- the board is posted before anything else the first time, so prompts and cards follow
  it in the channel; what was posted is recorded in ``Refs`` and never posted twice;
- story cards are posted in the thread of the voting prompt, each its own message, so
  reactions on them are votes without flooding the channel.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Final, cast

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot.domain import commands as c
from bot.domain.effects import (
    Announce,
    DeadlineSet,
    OpenStage,
    PostMap,
    RefreshBoard,
    RefreshCard,
)
from bot.domain.model import Stage, Workshop
from bot.domain.when import slack_date
from bot.logs import context
from bot.metrics import Metrics
from bot.render.board import board
from bot.render.cards import story_card
from bot.render.map import published_map
from bot.render.message import Message
from bot.render.prompts import prompts_for
from bot.service import WorkshopService, utc_now
from bot.slack.budget import SlackBudget
from bot.slack.clients import TeamClients, Uninstalled
from bot.slack.jobs import JobRunner
from bot.slack.notices import (
    Notify,
    OutboxEffect,
    React,
    Retired,
    RunJob,
    Welcome,
)
from bot.slack.refs import PINNED, Refs, prompt_name
from bot.slack.scheduler import Scheduler
from bot.store import RedisClient, scripts
from bot.store.keys import Keys
from bot.store.outbox import DONE_TTL_SECONDS

log = logging.getLogger(__name__)

#: Errors meaning the bot cannot post in the channel at all.
CANNOT_POST = frozenset({"not_in_channel", "channel_not_found", "is_archived"})
#: Errors meaning the workspace's token is gone (uninstalled, revoked).
TOKEN_GONE = frozenset({"token_revoked", "account_inactive", "invalid_auth", "not_authed"})
#: Errors that a retry cannot fix: the effect is dropped with a log line.
PERMANENT = frozenset(
    {
        "already_reacted",
        "already_pinned",
        "message_not_found",
        "cant_update_message",
        "user_not_in_channel",
    }
)


#: Told when a deadline queued by an earlier version is dropped (``Retired``).
RESET: Final = "Your deadline was not set while the bot was being updated; set it again."

#: Effects of the urgent lane (see ``WorkshopStore.enqueue``).
URGENT: Final = (Notify, Retired)


def dirty_key(team_id: str, channel_id: str) -> str:
    return Keys(team_id, channel_id).dirty


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


class PostingElsewhere(Exception):
    """Another dispatcher kept posting this message; try the entry again later (this is
    not a failed attempt)."""


class CannotPost(Exception):
    """The bot cannot post in the channel (not a member, gone, or archived)."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


#: What the person who started a workshop is told when nothing can be posted, per error.
CANNOT_POST_WHY: Final = {
    "not_in_channel": (
        "I'm not a member of this channel, so I can't post the workshop here. Invite me "
        "with `/invite @storymap`, then run `/storymap start` again."
    ),
    "channel_not_found": (
        "I can't see this channel (it is private and I'm not in it, or it is gone), so I "
        "can't post the workshop here. Invite me with `/invite @storymap`, then run "
        "`/storymap start` again."
    ),
    "is_archived": (
        "This channel is archived, so I can't post the workshop here. Unarchive it, or "
        "run `/storymap start` in another channel."
    ),
}

#: Effects with a side effect a retry must not repeat: each is marked performed (by its
#: outbox entry and index) and skipped when its entry is tried again. Board, prompts,
#: cards and the map are recorded in ``Refs`` instead; refreshes are idempotent.
ONCE: Final = (Announce, Notify, React, DeadlineSet, RunJob, Retired)


#: Seconds after which a claimed but unfinished edit is tried again (its replica died).
RETRY_EDIT_AFTER: Final = 5.0


#: Tokens of the chat.update bucket that card edits leave for the board.
BOARD_RESERVE: Final = 5
MAX_429_RETRIES: Final = 5


class Performer:
    def __init__(
        self,
        clients: TeamClients,
        service: WorkshopService,
        store: RedisClient,
        budget: SlackBudget,
        scheduler: Scheduler,
        *,
        edit_interval: float = 1.0,
        clock: Callable[[], datetime] = utc_now,
        metrics: Metrics | None = None,
    ) -> None:
        self._clients = clients
        #: The workspace being acted for, its client and its budget (set per batch).
        self._team = ""
        self._client: WebClient | None = None
        #: Where Web API calls (and, by the dispatcher, parked entries) are counted.
        self.metrics = metrics if metrics is not None else Metrics()
        self._service = service
        self._redis = store
        self._done = store.register_script(scripts.EDIT_DONE)
        self._shared_budget = budget
        self._budget = budget
        self.edit_interval = edit_interval
        #: Called before every Web API call (and while waiting for one): the dispatcher
        #: renews its channel lease, so a long stage opening (cards at one a second) is
        #: never taken over halfway; it raises ``LeaseLost`` if the channel was taken.
        self.heartbeat: Callable[[], object] = lambda: None
        #: How long a posting claim lasts (the dispatcher sets its lease) and whose it is.
        self.claim_ms = 10_000
        self.owner = "performer"
        #: The mark of the effect being performed (None before the first): when a batch
        #: fails, the entries before this one are complete, and this one failed.
        self.performing: str | None = None
        self._clock = clock
        self.jobs = JobRunner(store, service, scheduler, self._call, clock=clock)

    def _act_for(self, team_id: str) -> None:
        """Act for ``team_id``: its client and its budget; ``Uninstalled`` if it has none."""
        client = self._clients.get(team_id)
        if client is None:
            raise Uninstalled(team_id)
        self._team, self._client = team_id, client
        self._budget = self._shared_budget.for_team(team_id)

    # ----- coalesced refreshes ---------------------------------------------------------

    def _dirty(self, w: Workshop, name: str) -> None:
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
            self._act_for(team_id)
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
            budget_wait = self._budget.try_take("chat.update", channel_id, reserve)
            if budget_wait > 0:
                self._redis.zadd(key, {member: now + budget_wait}, xx=True)
                continue
            # Not removed yet: pushed back a few seconds, so that if this replica dies
            # mid-edit another one edits it; removed after the edit unless marked again.
            seen = self._redis.hget(f"{key}:version", member)
            self._redis.zadd(key, {member: now + RETRY_EDIT_AFTER}, xx=True)
            self._redis.set(guard, "1", px=max(1, int(self.edit_interval * 1000)))
            workshop = self._service.store.get(team_id, channel_id, int(number))
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
        elif name.startswith("card:") and w.story(name.removeprefix("card:")) is not None:
            message = story_card(w, name.removeprefix("card:"))
        else:
            return
        try:
            self._send(
                "chat_update", channel=w.channel_id, ts=ts, text=message.text, blocks=message.blocks
            )
        except CannotPost:
            log.warning(
                "cannot edit %s in %s: the bot cannot post there",
                name,
                w.channel_id,
                extra=context(w.team_id, w.channel_id, w.number),
            )

    def perform(
        self,
        w: Workshop,
        refs: Refs,
        effects: Sequence[OutboxEffect],
        marks: Sequence[str] | None = None,
    ) -> None:
        """Perform ``effects``; ``marks`` (``<entry id>:<index>``, one per effect) let a
        retried entry skip the ``ONCE`` effects it already performed."""
        if marks is not None and len(marks) != len(effects):
            raise ValueError("one mark per effect")
        self.performing = None
        self._act_for(w.team_id)
        try:
            self._perform(w, refs, effects, marks)
        except CannotPost as cannot:
            self._cannot_post(w, effects, cannot.error)
        if not w.stage.is_open:
            refs.retain(self._service.store.retention_seconds)

    def _perform(
        self,
        w: Workshop,
        refs: Refs,
        effects: Sequence[OutboxEffect],
        marks: Sequence[str] | None,
    ) -> None:
        no_marks: list[str | None] = [None] * len(effects)
        marked = zip(effects, marks or no_marks, strict=True)
        if all(isinstance(e, URGENT) for e in effects):
            # The urgent lane: one person's notice; the board is not its job.
            for effect, mark in marked:
                self._once(w, refs, effect, mark)
            return
        # The board first: people see the new stage at once, even while a stage's
        # prompts and cards are still being posted at Slack's pace.
        if refs.get("board") is None:
            self._post_board(w, refs)
            if w.stage.is_open:
                self.jobs.workshop_started(w)
        elif any(isinstance(e, RefreshBoard) for e in effects):
            self._dirty(w, "board")
            if any(isinstance(e, OpenStage | PostMap) for e in effects):
                # A stage change shows on the board before its prompts and cards are
                # posted, which takes a while at Slack's pace.
                self.flush(w.team_id, w.channel_id, board_now=True)
        for effect, mark in marked:
            self._once(w, refs, effect, mark)

    def _once(self, w: Workshop, refs: Refs, effect: OutboxEffect, mark: str | None) -> None:
        """``_one``, skipped if this very effect of this entry was performed already."""
        self.performing = mark
        if mark is None or not isinstance(effect, ONCE):
            self._one(w, refs, effect)
            return
        entry_id, _, index = mark.rpartition(":")
        done = Keys(w.team_id, w.channel_id).done(entry_id)
        if self._redis.hexists(done, index):
            return
        self._one(w, refs, effect)
        with self._redis.pipeline(transaction=False) as pipe:
            pipe.hset(done, index, "1")
            pipe.expire(done, DONE_TTL_SECONDS)
            pipe.execute()

    def _one(self, w: Workshop, refs: Refs, effect: OutboxEffect) -> None:
        """One effect; board refreshes were handled for the whole batch."""
        match effect:
            case OpenStage(stage=stage):
                self._open_stage(w, refs, stage)
            case RefreshCard(story_id=story_id):
                self._dirty(w, f"card:{story_id}")
            case Announce(text=text):
                self._post(w.channel_id, refs.get("board"), text)
            case PostMap():
                self._post_map(w, refs)
            case Notify(user=user, text=text, thread_ts=thread_ts):
                self._call(
                    "chat_postEphemeral",
                    channel=w.channel_id,
                    user=user,
                    text=text,
                    thread_ts=thread_ts,
                )
            case React(ts=ts, name=name):
                self._call("reactions_add", channel=w.channel_id, timestamp=ts, name=name)
            case DeadlineSet(stage=stage, at=at):
                self.jobs.deadline_set(w, stage, at)
                self._post(
                    w.channel_id,
                    refs.get("board"),
                    f"Deadline for *{stage.label}*: {slack_date(at)}.",
                )
            case RunJob(job=job):
                self.jobs.run(w, refs, job)
            case Retired(kind="resolve_deadline", user=str(user)):
                self._call("chat_postEphemeral", channel=w.channel_id, user=user, text=RESET)
            case Retired(kind=kind):
                log.info("outbox: skipped a %s effect queued by an earlier version", kind)

    # ----- pieces -----------------------------------------------------------------

    def _call(self, method: str, **args: object) -> dict[str, object]:
        """Take the call's token from the shared budget (waiting if need be), then send."""
        channel = args.get("channel")
        self._take(method.replace("_", ".", 1), channel if isinstance(channel, str) else None)
        return self._send(method, **args)

    def _take(self, slack_method: str, channel: str | None) -> None:
        """Wait for a token of the shared budget, keeping the channel's lease meanwhile."""
        while (wait := self._budget.try_take(slack_method, channel)) > 0:
            self.heartbeat()
            time.sleep(min(wait, 1.0))

    def _send(self, method: str, **args: object) -> dict[str, object]:
        slack_method = method.replace("_", ".", 1)
        for attempt in range(MAX_429_RETRIES):
            if attempt:
                self._take(slack_method, None)
            # Renewed before every call: a dispatcher that lost the channel stops here.
            self.heartbeat()
            if self._clients.per_team and self._clients.get(self._team) is None:
                raise Uninstalled(self._team)  # left while this batch was under way
            try:
                response = getattr(self._client, method)(**args)
            except SlackApiError as failure:
                status = failure.response.status_code
                error = "http_429" if status == 429 else failure.response.get("error")
                self.metrics.slack_call(slack_method, str(error or f"http_{status}"))
                if status != 429:
                    if self._clients.per_team and failure.response.get("error") in TOKEN_GONE:
                        self._clients.invalidate(self._team)
                        raise Uninstalled(self._team) from None
                    return self._failed(method, failure)
                retry_after = float(failure.response.headers.get("Retry-After", "1"))
                log.warning("slack: %s answered 429; pausing %.1f s", slack_method, retry_after)
                self._budget.pause(slack_method, retry_after)
                continue
            except OSError:
                self.metrics.slack_call(slack_method, "unreachable")
                raise
            self.metrics.slack_call(slack_method)
            data: dict[str, object] = response.data if isinstance(response.data, dict) else {}
            return data
        raise RuntimeError(f"{slack_method} kept answering 429")

    @staticmethod
    def _failed(method: str, failure: SlackApiError) -> dict[str, object]:
        error = str(failure.response.get("error", ""))
        if error in CANNOT_POST:
            raise CannotPost(error) from failure
        if error in PERMANENT:
            log.info("slack: %s failed for good (%s); skipped", method, error)
            return {}
        raise failure

    def _post(
        self,
        channel: str,
        thread_ts: str | None,
        text: str,
        blocks: Sequence[dict[str, object]] | None = None,
    ) -> str:
        data = self._call(
            "chat_postMessage", channel=channel, text=text, blocks=blocks, thread_ts=thread_ts
        )
        return str(data["ts"])

    def _post_once(
        self, w: Workshop, refs: Refs, name: str, message: Message, thread: str | None = None
    ) -> str:
        """Post ``name`` unless it was posted; never while another dispatcher posts it.

        Each message is recorded as soon as it is posted, so an entry resumed after a
        crash or a takeover goes on from the first message not recorded. Another
        dispatcher's claim is waited out (it lasts at most ``claim_ms``).
        """
        waited_until = time.monotonic() + self.claim_ms / 1000 + 1
        while True:
            ts = refs.get(name)
            if ts is not None:
                return ts
            if refs.claim(name, self.owner, self.claim_ms):
                break
            if time.monotonic() > waited_until:
                raise PostingElsewhere(name)
            self.heartbeat()
            time.sleep(min(0.2, max(0.01, refs.claim_left(name))))
        try:
            ts = refs.get(name)  # posted between our look and our claim
            if ts is None:
                ts = self._post(w.channel_id, thread, message.text, message.blocks)
                refs.set(name, ts)
        finally:
            refs.release(name, self.owner)
        return ts

    def _post_board(self, w: Workshop, refs: Refs) -> None:
        self._post_once(w, refs, "board", board(w))

    def _open_stage(self, w: Workshop, refs: Refs, stage: Stage) -> None:
        """Post what the stage needs and was not posted yet (re-entering posts only news).

        In the voting stage the first message is the prompt and the rest are story
        cards, posted in the prompt's thread.
        """
        thread: str | None = None
        for anchor, message in prompts_for(w, stage):
            is_card = stage is Stage.VOTING and anchor is not None
            name = f"card:{anchor}" if is_card else prompt_name(stage.value, anchor)
            ts = self._post_once(w, refs, name, message, thread if is_card else None)
            if stage is Stage.VOTING and anchor is None:
                thread = ts

    def _post_map(self, w: Workshop, refs: Refs) -> None:
        for n, message in enumerate(published_map(w)):
            ts = self._post_once(w, refs, f"map:{n}", message)
            # The pin is a step of its own: a failed pins.add is retried with the entry
            # (and the facilitator told if it never works), even though the map is posted.
            if n == 0 and refs.get(PINNED) is None:
                self._call("pins_add", channel=w.channel_id, timestamp=ts)
                refs.note(PINNED, ts)

    def _cannot_post(self, w: Workshop, effects: Sequence[OutboxEffect], error: str) -> None:
        """Tell the person who started the workshop why, then cancel it so they can retry."""
        for effect in effects:
            if isinstance(effect, Welcome):
                WebhookClient(effect.response_url).send(
                    text=CANNOT_POST_WHY.get(error, CANNOT_POST_WHY["not_in_channel"]),
                    response_type="ephemeral",
                )
                if w.stage.is_open:
                    self._service.handle(w.team_id, w.channel_id, w.facilitator, c.Cancel())
                return
        log.warning(
            "cannot post in %s: Slack answered %s",
            w.channel_id,
            error,
            extra=context(w.team_id, w.channel_id, w.number, (e.kind for e in effects)),
        )
