"""Turn a batch of outbox effects into Web API calls, rendering the latest state.

The calls themselves (a client and a budget per workspace, 429s, what errors mean) are
``bot.slack.calls``; the coalesced edits of the board and the cards are
``bot.slack.refreshes``. Rules this module keeps:
- the board is posted before anything else the first time, so prompts and cards follow
  it in the channel; a stage change shows on the board before its prompts are posted;
- what was posted is recorded in ``Refs`` as soon as it is posted and never posted
  twice, and never while another dispatcher holds the claim to post it;
- an effect with a side effect a retry must not repeat (``ONCE``) is marked performed by
  its entry and index, and skipped when its entry is tried again;
- story cards are posted in the thread of the voting prompt, each its own message, so
  reactions on them are votes without flooding the channel;
- the voters of a story that left the map are each told once, in one ephemeral line in
  the voting prompt's thread, that their vote came back (each voter told is marked);
- a map published again (after a reopen) edits the messages already posted, never a
  second post or pin, and its changelog goes in the first message's thread, once;
- the map's picture is uploaded in the first map message's thread after the map is
  posted and pinned, once per published version (recorded in ``Refs``), so a retried
  entry never uploads it twice and a failed upload never holds up the text map;
- a channel the bot cannot post in is explained to the person who started the
  workshop, and the workshop is cancelled so it can be started again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Final

from slack_sdk.webhook import WebhookClient

from bot.domain import commands as c
from bot.domain.effects import (
    Announce,
    DeadlineSet,
    OpenStage,
    PlanTheSchedule,
    PostMap,
    PostPicture,
    ProposePlan,
    RefreshBoard,
    RefreshCard,
    RefreshPrompts,
    VotesReturned,
)
from bot.domain.model import Stage, Workshop
from bot.domain.when import slack_date
from bot.logs import context
from bot.metrics import Metrics
from bot.render.board import board
from bot.render.cards import vote_returned
from bot.render.exports import FORMATS
from bot.render.map import changelog, published_map, retired_page
from bot.render.message import Message
from bot.render.picture import alt_text, render_map
from bot.render.prompts import prompts_for
from bot.render.text import file_stem, mention, quoted
from bot.service import WorkshopService, utc_now
from bot.slack.budget import SlackBudget
from bot.slack.calls import Calls, CannotPost
from bot.slack.clients import TeamClients
from bot.slack.home import HomeTabs
from bot.slack.jobs import JobRunner
from bot.slack.notices import (
    ExportFile,
    Notify,
    OutboxEffect,
    React,
    Retired,
    RunJob,
    Welcome,
)
from bot.slack.refreshes import Refreshes
from bot.slack.refs import MAP_VERSION, PICTURE, PINNED, Refs, prompt_name, prompts_of
from bot.slack.scheduler import Scheduler
from bot.store import RedisClient
from bot.store.keys import Keys
from bot.store.outbox import DONE_TTL_SECONDS

log = logging.getLogger(__name__)


#: Told when a deadline queued by an earlier version is dropped (``Retired``).
RESET: Final = "Your deadline was not set while the bot was being updated; set it again."

#: The line the map's picture is posted with, in the map's thread.
PICTURE_COMMENT: Final = "A picture of the map (open it to zoom in)."

#: Effects of a change a person's Home tab shows (stage, deadline, contributions, votes).
CONCERN: Final = (RefreshBoard, OpenStage, DeadlineSet, RefreshCard, PostMap)

#: Effects of the urgent lane (see ``WorkshopStore.enqueue``).
URGENT: Final = (Notify, Retired)


class PostingElsewhere(Exception):
    """Another dispatcher kept posting this message; try the entry again later (this is
    not a failed attempt)."""


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
#: cards and the map's messages are recorded in ``Refs`` too (a map or picture effect
#: that failed half-way goes on from there); refreshes are idempotent. A parked entry's
#: notice names only the effects not marked performed (``Dispatcher._park``).
ONCE: Final = (
    PostMap,
    PostPicture,
    Announce,
    Notify,
    React,
    DeadlineSet,
    RunJob,
    Retired,
    VotesReturned,
    ExportFile,
    PlanTheSchedule,
    ProposePlan,
)


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
        #: Where Web API calls (and, by the dispatcher, parked entries) are counted.
        self.metrics = metrics if metrics is not None else Metrics()
        self.calls = Calls(clients, budget, self.metrics)
        self.refreshes = Refreshes(store, service.store, self.calls, edit_interval)
        self._service = service
        self._redis = store
        #: How long a posting claim lasts (the dispatcher sets its lease) and whose it is.
        self.claim_ms = 10_000
        self.owner = "performer"
        #: The mark of the effect being performed (None before the first): when a batch
        #: fails, the entries before this one are complete, and this one failed.
        self.performing: str | None = None
        self._clock = clock
        self.jobs = JobRunner(store, service, scheduler, self.calls.call, clock=clock)
        #: The map's picture and its alt text (``PostPicture``).
        self.picture: Callable[[Workshop], tuple[bytes, str]] = map_picture
        #: Told of every change of a workshop (before and after its effects are
        #: performed), to refresh the Home tabs it concerns (``bot.slack.home``).
        self.homes: HomeTabs | None = None

    @property
    def heartbeat(self) -> Callable[[], object]:
        """Called before every Web API call (and while waiting for one): the dispatcher
        renews its channel lease, so a long stage opening (cards at one a second) is
        never taken over halfway; it raises ``LeaseLost`` if the channel was taken."""
        return self.calls.heartbeat

    @heartbeat.setter
    def heartbeat(self, beat: Callable[[], object]) -> None:
        self.calls.heartbeat = beat

    # ----- coalesced refreshes ---------------------------------------------------------

    def flush(self, team_id: str, channel_id: str, *, board_now: bool = False) -> int:
        """Edit the channel's dirty messages that are due (``Refreshes.flush``)."""
        return self.refreshes.flush(team_id, channel_id, board_now=board_now)

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
        self.calls.act_for(w.team_id)
        concerns_people = self.homes is not None and any(isinstance(e, CONCERN) for e in effects)
        if concerns_people and self.homes is not None:
            self.homes.changed(w)
        try:
            self._perform(w, refs, effects, marks)
        except CannotPost as cannot:
            self._cannot_post(w, effects, cannot.error)
        if concerns_people and self.homes is not None:
            # Again once performed: the new prompt's link is known now.
            self.homes.changed(w)
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
            self.refreshes.mark(w, "board")
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
        if isinstance(effect, VotesReturned):
            # One line per voter, each marked: a retry tells only those not told yet.
            self._return_votes(w, refs, effect, done, index)
        else:
            self._one(w, refs, effect)
        self._mark_done(done, index)

    def _mark_done(self, done: str, field: str) -> None:
        with self._redis.pipeline(transaction=False) as pipe:
            pipe.hset(done, field, "1")
            pipe.expire(done, DONE_TTL_SECONDS)
            pipe.execute()

    def _one(self, w: Workshop, refs: Refs, effect: OutboxEffect) -> None:
        """One effect; board refreshes were handled for the whole batch."""
        match effect:
            case OpenStage(stage=stage):
                self._open_stage(w, refs, stage)
            case RefreshCard() | RefreshPrompts():
                for name in _refreshed(effect):
                    self.refreshes.mark(w, name)
            case Announce(text=text):
                self.calls.post(w.channel_id, refs.get("board"), text)
            case PostMap(changes=changes):
                self._post_map(w, refs, changes)
            case PostPicture() | ExportFile():
                self._upload(w, refs, effect)
            case VotesReturned():
                self._return_votes(w, refs, effect)
            case Notify(user=user, text=text, thread_ts=thread_ts, blocks=blocks):
                self.calls.call(
                    "chat_postEphemeral",
                    channel=w.channel_id,
                    user=user,
                    text=text,
                    thread_ts=thread_ts,
                    blocks=blocks,
                )
            case React(ts=ts, name=name):
                self.calls.call("reactions_add", channel=w.channel_id, timestamp=ts, name=name)
            case DeadlineSet():
                self._deadline_set(w, refs, effect)
            case RunJob() | PlanTheSchedule() | ProposePlan():
                self.jobs.perform(w, refs, effect)
            case Retired():
                self._retired(w, effect)

    def _deadline_set(self, w: Workshop, refs: Refs, effect: DeadlineSet) -> None:
        """Schedule the deadline's jobs; say it in the board's thread unless said already."""
        self.jobs.deadline_set(w, effect.stage, effect.at)
        if not effect.announced:
            self.calls.post(
                w.channel_id,
                refs.get("board"),
                f"Deadline for *{effect.stage.label}*: {slack_date(effect.at)}.",
            )

    def _retired(self, w: Workshop, effect: Retired) -> None:
        """An effect queued by an earlier version: a dropped deadline's owner is told."""
        if effect.kind == "resolve_deadline" and effect.user is not None:
            self.calls.call(
                "chat_postEphemeral", channel=w.channel_id, user=effect.user, text=RESET
            )
        else:
            log.info("outbox: skipped a %s effect queued by an earlier version", effect.kind)

    # ----- pieces -----------------------------------------------------------------

    def _return_votes(
        self,
        w: Workshop,
        refs: Refs,
        effect: VotesReturned,
        done: str | None = None,
        index: str = "",
    ) -> None:
        """Tell each voter, in one ephemeral line in the voting prompt's thread (in the
        channel if it is not known), that their vote came back. With ``done`` (the
        entry's marks), each voter told is marked, and one marked by an earlier attempt
        is not told again."""
        thread = refs.get(prompt_name(Stage.VOTING.value, None))
        for voter in dict.fromkeys(effect.voters):  # once each, in order
            field = f"{index}|{voter}"
            if done is not None and self._redis.hexists(done, field):
                continue
            line = vote_returned(
                effect.story_id,
                effect.text,
                voting=w.stage is Stage.VOTING,
                count=effect.voters.count(voter),
            )
            self.calls.call(
                "chat_postEphemeral", channel=w.channel_id, user=voter, text=line, thread_ts=thread
            )
            if done is not None:
                self._mark_done(done, field)

    def _post_once(
        self, w: Workshop, refs: Refs, name: str, message: Message, thread: str | None = None
    ) -> str:
        """Post ``name`` unless it was posted; never while another dispatcher posts it.

        Each message is recorded as soon as it is posted, so an entry resumed after a
        crash or a takeover goes on from the first message not recorded. Another
        dispatcher's claim is waited out (it lasts at most ``claim_ms``).
        """

        def post() -> str:
            return self.calls.post(w.channel_id, thread, message.text, message.blocks)

        return self._record_once(refs, name, post, refs.set)

    def _record_once(
        self,
        refs: Refs,
        name: str,
        produce: Callable[[], str],
        record: Callable[[str, str], None],
    ) -> str:
        """``refs.get(name)``, or ``produce()`` recorded under ``name``, under the claim
        to produce it (see ``_post_once``)."""
        waited_until = time.monotonic() + self.claim_ms / 1000 + 1
        while True:
            value = refs.get(name)
            if value is not None:
                return value
            if refs.claim(name, self.owner, self.claim_ms):
                break
            if time.monotonic() > waited_until:
                raise PostingElsewhere(name)
            self.heartbeat()
            time.sleep(min(0.2, max(0.01, refs.claim_left(name))))
        try:
            value = refs.get(name)  # produced between our look and our claim
            if value is None:
                value = produce()
                record(name, value)
        finally:
            refs.release(name, self.owner)
        return value

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

    def _post_map(self, w: Workshop, refs: Refs, changes: Sequence[str]) -> None:
        """Post the map and pin its first message; when a map was posted by an earlier
        publish, edit its messages in place instead (no new post, no second pin) and
        post ``changes`` in the first one's thread.

        ``MAP_VERSION`` says which version of the workshop the posted messages show, so
        an entry tried again (a failed pin) edits nothing twice; the changelog is posted
        once per version, like any message recorded in ``Refs``.
        """
        pages = published_map(w)
        first = refs.get("map:0")
        if first is not None and refs.get(MAP_VERSION) != str(w.version):
            self._revise_map(w, refs, pages)
        for n, message in enumerate(pages):
            ts = self._post_once(w, refs, f"map:{n}", message)
            # The pin is a step of its own: a failed pins.add is retried with the entry
            # (and the facilitator told if it never works), even though the map is posted.
            if n == 0 and refs.get(PINNED) is None:
                self.calls.call("pins_add", channel=w.channel_id, timestamp=ts)
                refs.note(PINNED, ts)
        refs.note(MAP_VERSION, str(w.version))
        self.jobs.autopilot.published(w, refs)
        if first is not None and changes:
            self._post_once(w, refs, f"changelog:{w.version}", changelog(changes), first)

    def _post_picture(self, w: Workshop, refs: Refs) -> None:
        """Upload the map's picture in the thread of the map's first message, once per
        published version (``picture:<version>`` -> the file's id). The map is posted and
        pinned first, by the ``PostMap`` before this effect, so a failed upload (retried
        with its entry) never holds up or undoes the text map."""
        first = refs.get("map:0")
        if first is None:
            raise RuntimeError("the map's first message is not posted yet")

        def upload() -> str:
            png, alt = self.picture(w)
            return self.calls.upload(
                w.channel_id,
                picture_name(w.title),
                png,
                title=f"{w.title}: the story map",
                alt_text=alt,
                thread_ts=first,
                initial_comment=PICTURE_COMMENT,
            )

        self._record_once(refs, f"{PICTURE}{w.version}", upload, refs.note)

    def _upload(self, w: Workshop, refs: Refs, effect: PostPicture | ExportFile) -> None:
        if isinstance(effect, PostPicture):
            self._post_picture(w, refs)
        else:
            self._export(w, effect.format, effect.user)

    def _export(self, w: Workshop, name: str, user: str) -> None:
        """The map as a file in the channel, saying who asked for it."""
        chosen = FORMATS[name]
        self.calls.upload(
            w.channel_id,
            chosen.filename(w),
            chosen.render(w).encode(),
            title=f"{w.title}: the story map ({chosen.label})",
            alt_text="",
            initial_comment=(
                f"{mention(user)} exported the story map {quoted(w.title)} as {chosen.label}."
            ),
        )

    def _revise_map(self, w: Workshop, refs: Refs, pages: Sequence[Message]) -> None:
        """Edit the posted map's messages to show ``pages``; one no longer needed says so
        (pages beyond those posted are posted after, by ``_post_map``)."""
        n = 0
        while (ts := refs.get(f"map:{n}")) is not None:
            message = pages[n] if n < len(pages) else retired_page()
            self.calls.call(
                "chat_update", channel=w.channel_id, ts=ts, text=message.text, blocks=message.blocks
            )
            n += 1

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


def map_picture(w: Workshop) -> tuple[bytes, str]:
    """The PNG of the map and the alt text that lists it in words."""
    return render_map(w), alt_text(w)


def picture_name(title: str) -> str:
    """``storymap-<title slug>.png`` (``file_stem``)."""
    return f"{file_stem(title)}.png"


def _refreshed(effect: RefreshCard | RefreshPrompts) -> list[str]:
    """The messages a refresh effect marks for a coalesced edit."""
    if isinstance(effect, RefreshCard):
        return [f"card:{effect.story_id}"]
    return list(dict.fromkeys(name for anchor in effect.anchors for name in prompts_of(anchor)))
