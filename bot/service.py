"""The one entry point listeners and the command line call: decide and save, atomically.

``WorkshopService.handle`` takes a typed command from a person in a channel and returns
a ``Reply`` to show them. Votes go through the store's Lua script; everything else
through one compare-and-set step. Effects are appended to the outbox in that same step:
nothing here talks to Slack.

A batch (one thread reply or form submission, one item per line) has at most
``MAX_LINES`` lines: a longer one is refused whole, saying the limit, and changes
nothing. Within the limit, each line is decided on its own; the refused ones are named
(the first ``NAMED_ITEMS`` of them, then a count), never dropped silently; the accepted
ones likewise, so a reply stays far under Slack's message size.

``set_deadline`` reads the time the facilitator typed on their own wall clock and sets
it, in one call: the zone is asked of the caller (``zone``; reading it is the Slack
side's business) only once the person may set the deadline, and a zone the caller could
not read means UTC, said in the reply.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import cast

from pydantic import BaseModel

from bot.domain import commands as c
from bot.domain.effects import Effect, RefreshBoard, RefreshCard
from bot.domain.errors import NeedsConfirmation, Rejected
from bot.domain.machine import (
    NO_WORKSHOP,
    Outcome,
    already_voted,
    apply,
    facilitator_only,
    not_now,
    nothing_to_take_back,
    over_budget,
    shown_id,
    vote_counted,
    vote_refused_at_cap,
    vote_taken_back,
)
from bot.domain.model import Item, Stage, VotingMode, Workshop
from bot.domain.text import MAX_LINES, NAMED_ITEMS, normalise_id, quoted
from bot.domain.when import parse_when, slack_date
from bot.render.ids import ACTIVITIES_ANCHOR
from bot.render.parented import how_to_place, parse_parented, stage_kind
from bot.store.workshops import Meta, WorkshopStore

#: Said when a deadline was read as UTC because the person's time zone could not be read.
UTC_FALLBACK = (
    "(Slack did not tell me your time zone just now, so I read the time as UTC; set it "
    "again to read it in your own.)"
)


#: A vote held back longer than a writer may hold votes (it never should be).
BUSY = "The map is being changed right now; nothing was counted. Vote again in a moment."


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Reply:
    """What the actor is told. ``ok`` is False for a refusal (nothing changed)."""

    ok: bool
    text: str
    duplicate: bool = False
    workshop: Workshop | None = None
    #: For a batch of lines: the ones refused, with why (the rest were saved).
    refused: tuple[tuple[str, str], ...] = field(default=())
    #: For a vote, a thread reply or a refusal asking to confirm: the number of the
    #: workshop it was decided in.
    number: int | None = None
    #: For a refusal that asks to confirm (removing an item with children): the same
    #: request marked as confirmed, for the person to send with one click.
    confirm: c.Command | None = None


@dataclass(frozen=True)
class Batch:
    """Several commands from one message (one item per line), saved in one step."""

    lines: Sequence[tuple[str, c.Command]]


class WorkshopService:
    def __init__(self, store: WorkshopStore, clock: Callable[[], datetime] = utc_now) -> None:
        self.store = store
        self._clock = clock

    # ----- reading (one call per request, like the changes) ---------------------------

    def current(self, team_id: str, channel_id: str) -> Workshop | None:
        """The channel's running workshop, with its votes (``/storymap status``)."""
        return self.store.load(team_id, channel_id)

    def latest(self, team_id: str, channel_id: str) -> Workshop | None:
        """The running workshop, or else the channel's last one if it finished and is
        still kept (``/storymap history`` after publishing)."""
        return self.store.latest(team_id, channel_id)

    def clicked(
        self, team_id: str, channel_id: str, number: int
    ) -> tuple[Workshop | None, Workshop | None]:
        """A button of workshop ``number`` was clicked: (the workshop, if it is the one
        running), else (None, the finished workshop ``number``, if it is kept)."""
        running = self.store.load(team_id, channel_id)
        if running is not None and running.number == number:
            return running, None
        return None, self.store.get(team_id, channel_id, number)

    def is_running(self, team_id: str, channel_id: str, number: int) -> bool:
        """Whether workshop ``number`` is the channel's running one (a form submitted)."""
        meta = self.store.meta(team_id, channel_id)
        return meta is not None and meta.number == number

    # ----- changing -------------------------------------------------------------------

    def handle(
        self,
        team_id: str,
        channel_id: str,
        actor: str,
        command: c.Command,
        *,
        delivery_id: str | None = None,
        extra_effects: Sequence[BaseModel] = (),
    ) -> Reply:
        """Decide and save ``command``; ``extra_effects`` go to the outbox with the change."""
        if isinstance(command, c.CastVote | c.WithdrawVote):
            return self._vote(team_id, channel_id, actor, command, delivery_id)
        now = self._clock()
        seen: list[int] = []

        def decide(state: Workshop | None) -> Outcome:
            if state is not None:
                seen.append(state.number)
            return apply(state, command, actor, now)

        try:
            step = self.store.update(
                team_id,
                channel_id,
                decide,
                delivery_id=delivery_id,
                extra_effects=extra_effects,
                # Reopening decides on the channel's latest published workshop, archived.
                archived=isinstance(command, c.Reopen),
            )
        except NeedsConfirmation as ask:
            confirmed = cast(c.Command, ask.command)
            number = seen[-1] if seen else None
            return Reply(ok=False, text=ask.message, number=number, confirm=confirmed)
        except Rejected as refusal:
            return Reply(ok=False, text=refusal.message)
        if step.outcome is None:
            return Reply(ok=True, text="Already done.", duplicate=True)
        return Reply(ok=True, text=step.outcome.reply, workshop=step.outcome.state)

    def set_deadline(
        self,
        team_id: str,
        channel_id: str,
        actor: str,
        text: str,
        *,
        auto: bool,
        zone: Callable[[], str | None],
    ) -> Reply:
        """Set the current stage's deadline to ``text`` read in ``actor``'s time zone.

        ``zone`` gives the zone's IANA name, or None when it could not be read (then the
        text is read as UTC and the reply says so); it is called only for a facilitator
        of a running workshop. A time that cannot be read is refused, changing nothing.
        """
        return self._at_time(
            team_id,
            channel_id,
            actor,
            text,
            zone=zone,
            command=lambda at: c.SetDeadline(at=at, auto=auto),
        )

    def schedule_stage(
        self,
        team_id: str,
        channel_id: str,
        actor: str,
        stage: Stage,
        text: str,
        *,
        zone: Callable[[], str | None],
    ) -> Reply:
        """Move ``stage``'s scheduled deadline to ``text``, read as ``set_deadline`` reads."""
        return self._at_time(
            team_id,
            channel_id,
            actor,
            text,
            zone=zone,
            command=lambda at: c.ScheduleStage(stage=stage, at=at),
        )

    def _at_time(
        self,
        team_id: str,
        channel_id: str,
        actor: str,
        text: str,
        *,
        zone: Callable[[], str | None],
        command: Callable[[datetime], c.Command],
    ) -> Reply:
        workshop = self.store.load(team_id, channel_id)
        if workshop is None:
            return Reply(ok=False, text=NO_WORKSHOP)
        refusal = facilitator_only(workshop, command(self._clock()).kind, actor)
        if refusal is not None:
            return Reply(ok=False, text=refusal)
        tz = zone()
        note = "" if tz is not None else f" {UTC_FALLBACK}"
        try:
            at = parse_when(text, tz or "UTC", self._clock())
        except Rejected as unreadable:
            return Reply(ok=False, text=unreadable.message + note)
        reply = self.handle(team_id, channel_id, actor, command(at))
        if not reply.ok:
            return reply
        return replace(reply, text=f"{reply.text} ({slack_date(at)}){note}")

    def handle_batch(
        self,
        team_id: str,
        channel_id: str,
        actor: str,
        batch: Batch,
        *,
        delivery_id: str | None = None,
        extra_effects: Sequence[BaseModel] = (),
    ) -> Reply:
        """Apply each line's command in order; keep the accepted ones, explain the others."""
        if len(batch.lines) > MAX_LINES:
            return Reply(ok=False, text=too_many_lines(len(batch.lines)))
        now = self._clock()
        refused: list[tuple[str, str]] = []
        replies: list[str] = []

        def decide(state: Workshop | None) -> Outcome:
            refused.clear()
            replies.clear()
            effects: list[Effect] = []
            for line, command in batch.lines:
                try:
                    outcome = apply(state, command, actor, now)
                except Rejected as refusal:
                    refused.append((line, refusal.message))
                    continue
                state = outcome.state
                replies.append(outcome.reply)
                effects.extend(e for e in outcome.effects if e not in effects)
            if not replies:
                raise Rejected("Nothing was added.")
            if state is None:  # only reachable if no line was accepted, handled above
                raise Rejected(NO_WORKSHOP)
            return Outcome(state, tuple(effects), _accepted(replies))

        try:
            step = self.store.update(
                team_id, channel_id, decide, delivery_id=delivery_id, extra_effects=extra_effects
            )
        except Rejected:
            return Reply(ok=False, text=_refusals(refused), refused=tuple(refused))
        if step.outcome is None:
            return Reply(ok=True, text="Already done.", duplicate=True)
        text = step.outcome.reply + (f"\n{_refusals(refused)}" if refused else "")
        return Reply(ok=True, text=text, workshop=step.outcome.state, refused=tuple(refused))

    def reply_in_thread(
        self,
        team_id: str,
        channel_id: str,
        actor: str,
        thread_ts: str,
        lines: Sequence[str],
        *,
        source: str | None = None,
        delivery_id: str | None = None,
        extra_effects: Sequence[BaseModel] = (),
    ) -> Reply | None:
        """``lines`` replied in the thread of the message ``thread_ts``: items for the
        stage its prompt asks for (the persona's prompt takes all lines as one persona),
        saved as a batch; None when the thread is not one of the workshop's prompts.

        ``source`` is the reply's own ``ts``: each item it adds remembers it, so editing
        or deleting the reply later renames or removes them (``edit_reply``,
        ``delete_reply``). The reply's ``number`` is the workshop's.
        """
        meta, about = self.store.message(team_id, channel_id, thread_ts)
        if meta is None or about is None or not about.startswith("prompt:"):
            return None
        _, stage, anchor = about.split(":", 2)
        kind = stage_kind(stage)
        unplaced: list[str] = []
        if stage == Stage.PERSONA.value:
            persona = " ".join(lines)
            batch = Batch(lines=[(persona, c.SetPersona(text=persona))])
        elif kind is not None and anchor == "-":
            parents = _parents(self.store.load(team_id, channel_id), kind)
            parsed = parse_parented(lines, kind, parents)
            unplaced = parsed.unplaced
            if not parsed.placed:
                return Reply(ok=False, text=how_to_place(unplaced, kind), number=meta.number)
            batch = Batch(
                lines=[
                    (line, item_command(parent, text, source=source))
                    for parent, text, line in parsed.placed
                ]
            )
        else:
            parent = None if anchor == "-" else anchor
            batch = Batch(
                lines=[(line, item_command(parent, line, source=source)) for line in lines]
            )
        reply = self.handle_batch(
            team_id,
            channel_id,
            actor,
            batch,
            delivery_id=delivery_id,
            extra_effects=extra_effects,
        )
        if unplaced and kind is not None and not reply.duplicate:
            told = tuple((line, NO_PARENT) for line in unplaced)
            text = f"{reply.text}\n{how_to_place(unplaced, kind)}"
            reply = replace(reply, text=text, refused=(*reply.refused, *told))
        return replace(reply, number=meta.number)

    def edit_reply(
        self,
        team_id: str,
        channel_id: str,
        actor: str,
        thread_ts: str,
        source_ts: str,
        *,
        lines: Sequence[str],
        delivery_id: str | None = None,
    ) -> Reply | None:
        """The reply ``source_ts`` in the thread of ``thread_ts`` was edited to ``lines``:
        the items it added are renamed, one per line, when the counts match (else the
        machine changes nothing and says why). None, with nothing done, when that reply
        added no item of the running workshop (see ``_added_by``).
        """
        found = self._added_by(team_id, channel_id, thread_ts, source_ts)
        if found is None:
            return None
        workshop, about = found
        _, stage, anchor = about.split(":", 2)
        kind = stage_kind(stage)
        if kind is not None and anchor == "-":
            # What each line adds, without the ids saying where (``A2: ``, or ``A2`` alone).
            parsed = parse_parented(lines, kind, _parents(workshop, kind))
            lines = [text for _, text, _ in parsed.placed]
        command = c.EditReply(source=source_ts, lines=tuple(lines))
        reply = self.handle(team_id, channel_id, actor, command, delivery_id=delivery_id)
        return replace(reply, number=workshop.number)

    def delete_reply(
        self,
        team_id: str,
        channel_id: str,
        actor: str,
        thread_ts: str,
        source_ts: str,
        *,
        delivery_id: str | None = None,
    ) -> Reply | None:
        """The reply ``source_ts`` in the thread of ``thread_ts`` was deleted: the items
        it added are removed, if the stage still allows it. None, with nothing done, when
        that reply added no item of the running workshop (see ``_added_by``).
        """
        found = self._added_by(team_id, channel_id, thread_ts, source_ts)
        if found is None:
            return None
        command = c.DeleteReply(source=source_ts)
        reply = self.handle(team_id, channel_id, actor, command, delivery_id=delivery_id)
        return replace(reply, number=found[0].number)

    def _added_by(
        self, team_id: str, channel_id: str, thread_ts: str, source_ts: str
    ) -> tuple[Workshop, str] | None:
        """The running workshop and what ``thread_ts`` is (``prompt:tasks:-``...) if any
        of its items came from the reply ``source_ts``, else None.

        People edit and delete messages that have nothing to do with the map; those are
        passed over quietly and cheaply: first one round trip asks whether ``thread_ts``
        is one of the workshop's prompts (only replies there add items), and only then
        is the workshop read to look for items with that source.
        """
        meta, about = self.store.message(team_id, channel_id, thread_ts)
        if meta is None or about is None or not about.startswith("prompt:"):
            return None
        workshop = self.store.load(team_id, channel_id)
        if workshop is None or workshop.number != meta.number:
            return None
        items: tuple[Item, ...] = (*workshop.activities, *workshop.tasks, *workshop.stories)
        if not any(item.source == source_ts for item in items):
            return None
        return workshop, about

    def react(
        self,
        team_id: str,
        channel_id: str,
        actor: str,
        message_ts: str,
        emoji: str,
        *,
        cast: bool,
        delivery_id: str | None = None,
    ) -> Reply | None:
        """A reaction ``emoji`` added (``cast``) or removed on the message ``message_ts``:
        a vote when it is the workshop's voting emoji on one of its story cards, else
        None (nothing happened, nothing to say).

        Reads the workshop's meta and what the message is in one round trip, then votes
        in one script; the reply's ``number`` is the workshop's.
        """
        meta, about = self.store.message(team_id, channel_id, message_ts)
        if meta is None or emoji != meta.emoji or about is None or not about.startswith("card:"):
            return None
        if meta.mode is VotingMode.BLIND:  # blind voting counts the cards' buttons only
            return None
        story_id = about.removeprefix("card:")
        command = c.CastVote(story_id=story_id) if cast else c.WithdrawVote(story_id=story_id)
        return self._vote(team_id, channel_id, actor, command, delivery_id, meta=meta)

    def button_vote(
        self,
        team_id: str,
        channel_id: str,
        actor: str,
        number: int,
        story_id: str,
        *,
        cast: bool,
        delivery_id: str | None = None,
    ) -> Reply:
        """A click on a story card's Vote (``cast``) or Unvote button, for workshop
        ``number`` (the card's): counted by the same script as every vote. The reply, for
        the voter alone, says their votes left and their votes on that card."""
        meta = self.store.meta(team_id, channel_id)
        if meta is None or meta.number != number:
            return Reply(ok=False, text="That card belongs to a workshop that is not running.")
        if meta.mode is not VotingMode.BLIND:
            return Reply(
                ok=False,
                text=f"This workshop votes with reactions: react with :{meta.emoji}: on the card.",
                number=number,
            )
        command = c.CastVote(story_id=story_id) if cast else c.WithdrawVote(story_id=story_id)
        return self._vote(team_id, channel_id, actor, command, delivery_id, meta=meta)

    def _vote(
        self,
        team_id: str,
        channel_id: str,
        actor: str,
        command: c.CastVote | c.WithdrawVote,
        delivery_id: str | None,
        *,
        meta: Meta | None = None,
    ) -> Reply:
        # No document read on the hot path: the meta hash has what a vote needs.
        meta = meta or self.store.meta(team_id, channel_id)
        if meta is None:
            return Reply(ok=False, text=NO_WORKSHOP)
        story_id = normalise_id(command.story_id)
        if story_id is None or not story_id.startswith("S"):
            return Reply(
                ok=False, text=f"{shown_id(command.story_id)} is not a story id; they look like S1."
            )
        # The script decides everything that can race or repeat: the delivery, the
        # stage, the story, the budget.
        cast = isinstance(command, c.CastVote)
        number = meta.number
        result = self.store.vote(
            team_id,
            channel_id,
            number,
            story_id,
            actor,
            cast=cast,
            delivery_id=delivery_id,
            effects=(RefreshCard(story_id=story_id), RefreshBoard()),
        )
        blind = meta.mode is VotingMode.BLIND
        match result.code:
            case "ok":
                used = int(result.detail)
                made = vote_counted if cast else vote_taken_back
                on_card = result.on_card if blind else None
                text = made(story_id, used, meta.budget, on_card)
                return Reply(ok=True, text=text, number=number)
            case "duplicate":
                return Reply(ok=True, text="Already done.", duplicate=True, number=number)
            case "over_budget":
                text = over_budget(int(result.detail), story_id, blind=blind)
            case "already":
                text = already_voted(story_id)
            case "over_cap":
                text = vote_refused_at_cap(story_id, int(result.detail or 1))
            case "not_voted":
                text = nothing_to_take_back(story_id)
            case "not_voting":
                text = not_now(Stage(result.detail), command.kind)
            case "no_story":
                text = f"{story_id} does not exist in this workshop."
            case "busy":
                text = BUSY
            case _:
                text = NO_WORKSHOP
        return Reply(ok=False, text=text, number=number)


def item_command(anchor: str | None, line: str, *, source: str | None = None) -> c.Command:
    """The command adding ``line`` under ``anchor``: an activity (no anchor, or the
    activities' anchor), a task under activity ``A#``, or a story under task ``T#``;
    ``source``: the ``ts`` of the thread reply it came from, if it did."""
    if anchor is None or anchor == ACTIVITIES_ANCHOR:
        return c.AddActivity(text=line, source=source)
    if anchor.startswith("A"):
        return c.AddTask(activity_id=anchor, text=line, source=source)
    return c.AddStory(task_id=anchor, text=line, source=source)


#: Why a line of a reply to the tasks or stories prompt was not added.
NO_PARENT = "it does not say where it goes"


def _parents(w: Workshop | None, kind: str) -> list[str]:
    """The ids of ``kind`` a reply to a stage's prompt may add under (activities for the
    tasks stage, tasks for the stories stage)."""
    if w is None:
        return []
    return [a.id for a in w.activities] if kind == "A" else [t.id for t in w.tasks]


def too_many_lines(count: int) -> str:
    return (
        f"That is {count} lines; one message or form adds at most {MAX_LINES} items, one "
        f"per line. Nothing was added: send them in parts of up to {MAX_LINES} lines."
    )


def _accepted(replies: Sequence[str]) -> str:
    shown = list(replies[:NAMED_ITEMS])
    if len(replies) > NAMED_ITEMS:
        more = len(replies) - NAMED_ITEMS
        shown.append(f"… and {more} more {'item' if more == 1 else 'items'} added.")
    return "\n".join(shown)


def _refusals(refused: Sequence[tuple[str, str]]) -> str:
    shown = [f"Not added: {quoted(line)}: {why}" for line, why in refused[:NAMED_ITEMS]]
    if len(refused) > NAMED_ITEMS:
        more = len(refused) - NAMED_ITEMS
        shown.append(f"… and {more} more {'line' if more == 1 else 'lines'} not added.")
    return "\n".join(shown)
