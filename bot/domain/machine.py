"""The workshop state machine: everything that decides what a command does lives here.

``apply(state, command, actor, now)`` returns the new state, the effects to perform in
Slack and a short reply for the actor, or raises ``Rejected`` with a message for the
actor and changes nothing. No I/O, no clock: ``now`` is given.

The table ``ROWS`` is literal: one row per command kind, with the stages where it
applies, who may give it, its handler and the stage it leads to (the style of h11's
``_state.py``). ``TRANSITIONS``, ``FACILITATOR_ONLY`` and the "not now" refusals are
derived from it, and ``apply`` checks that a handler lands where its row says.
Shaping the map (rename, remove, move, order, split, undo, reply edits) is decided in
``bot.domain.shaping``; the history that ``undo`` reads, in ``bot.domain.history``.
Rules kept here, from the seed:
- the persona is a hard gate: no leaving the persona stage without one;
- leaving activities needs an activity; leaving tasks needs a task under every
  activity; leaving stories needs a story under every task (the message names the
  empty ones);
- only the facilitator moves stages, slices, publishes, cancels, reorders and sets the
  vote budget; ``back`` reopens the previous stage and keeps everything;
- text is normalised (``bot.domain.text.normalise``), empty or over-long text refused,
  duplicates under the same parent refused (after normalising, case-insensitive);
- a workshop holds at most ``MAX_ITEMS`` activities, tasks and stories; one more is
  refused with a message naming the limit;
- user text in a reply or refusal is escaped for Slack (``quoted``, ``escape``): it is
  shown as typed and never becomes a link or a mention; a refusal that lists items
  names at most ``NAMED_ITEMS`` of them and counts the rest;
- dot voting: at most ``vote_cap`` votes per person per story (1 unless the facilitator
  raised it, which only blind voting allows), at most ``vote_budget`` per person, only in
  the voting stage; taking a vote back frees it; the voting mode (emoji or blind) is
  chosen before voting opens and before any vote; in blind voting, closing or reopening
  voting refreshes every card (its count is revealed, or hidden again);
- slices are ordered (first defined is Release 1), a story is in at most one slice,
  publishing needs a slice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final, Literal

from bot.domain import commands as c
from bot.domain import fair, history, schedule, shaping
from bot.domain.effects import (
    Announce,
    DeadlineSet,
    Effect,
    OpenStage,
    PlanTheSchedule,
    PostMap,
    PostPicture,
    ProposePlan,
    RefreshBoard,
    RefreshCard,
    RefreshPrompts,
)
from bot.domain.errors import NeedsConfirmation, Rejected
from bot.domain.model import (
    MAX_VOTE_BUDGET,
    STAGE_ORDER,
    Activity,
    Change,
    Deadline,
    Persona,
    ReleaseSlice,
    Stage,
    Story,
    Task,
    VotingMode,
    Workshop,
)
from bot.domain.outcome import Outcome, shown_id
from bot.domain.proposal import proposed_slices
from bot.domain.skeleton import skeleton_gaps
from bot.domain.text import (
    LIMITS,
    MAX_ITEMS,
    clean,
    escape,
    listed,
    normalise,
    normalise_id,
    quoted,
    same_text,
)

Handler = Callable[[Workshop, Any, str, datetime], Outcome]

NO_WORKSHOP: Final = (
    "No workshop is running in this channel. Start one with `/storymap start [title]`."
)
DEFAULT_TITLE: Final = "Story map"


# ----- helpers ----------------------------------------------------------------------


def _contributed(w: Workshop, actor: str) -> tuple[str, ...]:
    return w.participants if actor in w.participants else (*w.participants, actor)


def _credit(w: Workshop, actor: str) -> dict[str, Any]:
    """The updates that record ``actor`` as a contributor, overall and to this stage."""
    stage_list = w.contributors.get(w.stage, ())
    if actor not in stage_list:
        stage_list = (*stage_list, actor)
    return {
        "participants": _contributed(w, actor),
        "contributors": {**w.contributors, w.stage: stage_list},
    }


def _changed(w: Workshop, reply: str, *effects: Effect, **update: Any) -> Outcome:
    return Outcome(w.model_copy(update=update), (*effects, RefreshBoard()), reply)


def _require_id(raw: str, kind: str) -> str:
    item_id = normalise_id(raw)
    if item_id is None or item_id[0] != kind:
        noun = {"A": "an activity", "T": "a task", "S": "a story"}[kind]
        raise Rejected(f"{shown_id(raw)} is not {noun} id; they look like {kind}1.")
    return item_id


def _existing_activity(w: Workshop, raw: str) -> Activity:
    item_id = _require_id(raw, "A")
    found = w.activity(item_id)
    if found is None:
        raise Rejected(f"{item_id} does not exist in this workshop.")
    return found


def _existing_task(w: Workshop, raw: str) -> Task:
    item_id = _require_id(raw, "T")
    found = w.task(item_id)
    if found is None:
        raise Rejected(f"{item_id} does not exist in this workshop.")
    return found


def _existing_story(w: Workshop, raw: str) -> Story:
    item_id = _require_id(raw, "S")
    found = w.story(item_id)
    if found is None:
        raise Rejected(f"{item_id} does not exist in this workshop.")
    return found


def _room_for(
    kind: str, items: tuple[Activity, ...] | tuple[Task, ...] | tuple[Story, ...]
) -> None:
    """Refuse one more item of ``kind`` when the workshop holds the most it can."""
    limit = MAX_ITEMS[kind]
    if len(items) >= limit:
        many = {"activity": "activities", "task": "tasks", "story": "stories"}[kind]
        raise Rejected(
            f"This map already has {limit} {many}, the most a workshop can hold; "
            f"nothing was added. Merge or reword existing {many} instead."
        )


def _refuse_duplicate(text: str, siblings: Iterable[Activity | Task | Story], where: str) -> None:
    for item in siblings:
        if same_text(item.text, text):
            raise Rejected(f"{quoted(text)} is already on the map {where} as {item.id}.")


def _names(items: Iterable[Activity | Task]) -> str:
    """``A1 “Plan”, A2 “Track”``; past ``NAMED_ITEMS``, the rest counted."""
    return listed([f"{i.id} {quoted(i.text)}" for i in items])


def _stories_exist(w: Workshop, raw_ids: Iterable[str]) -> tuple[str, ...]:
    ids: list[str] = []
    for raw in raw_ids:
        story = _existing_story(w, raw)
        if story.id in ids:
            raise Rejected(f"{story.id} is listed twice.")
        ids.append(story.id)
    return tuple(ids)


def _release_label(w: Workshop, index: int) -> str:
    return f"Release {index + 1} {quoted(w.slices[index].name)}"


# ----- vote messages (shared with the store's atomic vote path) --------------------


def already_voted(story_id: str) -> str:
    return f"You already voted for {story_id}."


def over_budget(budget: int, story_id: str, *, blind: bool = False) -> str:
    how = "Unvote on a card" if blind else "remove a reaction"
    return f"You have used your {budget} votes. Take one back ({how}) to vote for {story_id}."


def over_cap(cap: int, story_id: str) -> str:
    return (
        f"You already have {cap} votes on {story_id}, the most one person may put on one "
        "card. Vote for another story, or take one back with Unvote."
    )


def vote_refused_at_cap(story_id: str, cap: int) -> str:
    """The refusal when the voter is at the cap: ``already_voted`` for a cap of 1."""
    return already_voted(story_id) if cap == 1 else over_cap(cap, story_id)


def nothing_to_take_back(story_id: str) -> str:
    return f"You have no vote on {story_id} to take back."


def _on_card(on_card: int | None) -> str:
    return "" if on_card is None else f" ({on_card} of yours on it)"


def vote_counted(story_id: str, used: int, budget: int, on_card: int | None = None) -> str:
    """``on_card``: the voter's votes on the story now, said when given (blind voting,
    where the card does not show it)."""
    return f"Vote counted for {story_id}{_on_card(on_card)}; {budget - used} of {budget} left."


def vote_taken_back(story_id: str, used: int, budget: int, on_card: int | None = None) -> str:
    return f"Vote on {story_id} taken back{_on_card(on_card)}; {budget - used} of {budget} left."


# ----- start --------------------------------------------------------------------------


def start(command: c.Start, actor: str, now: datetime) -> Outcome:
    title = (
        clean(command.title, "title", "`/storymap start Delivery tracking`")
        if normalise(command.title)
        else DEFAULT_TITLE
    )
    planned: tuple[Effect, ...] = ()
    then = "First, who is the persona?"
    if command.over is not None:
        fair.check_days(command.over, fair.SCHEDULED)
        planned = (PlanTheSchedule(days=command.over),)
        then = (
            f"It runs itself over {command.over} working days: the schedule follows in the "
            "board's thread. First, who is the persona?"
        )
    workshop = Workshop(
        team_id=command.team_id,
        channel_id=command.channel_id,
        title=title,
        facilitator=actor,
        stage=Stage.PERSONA,
        created_at=now,
        updated_at=now,
    )
    return Outcome(
        workshop,
        (OpenStage(stage=Stage.PERSONA), RefreshBoard(), *planned),
        f"Workshop {quoted(title)} started: you facilitate. {then}",
    )


# ----- handlers -----------------------------------------------------------------------


def _set_persona(w: Workshop, cmd: c.SetPersona, actor: str, now: datetime) -> Outcome:
    if w.stage is not Stage.PERSONA and actor != w.facilitator:
        raise Rejected(
            f"Only <@{w.facilitator}> (facilitator) can replace the persona after the "
            "persona stage."
        )
    text = clean(
        cmd.text, "persona", "`/storymap persona Operations Manager at a logistics company`"
    )
    verb = "replaced" if w.persona else "set"
    return _changed(
        w,
        f"Persona {verb}: {escape(text)}",
        persona=Persona(text=text, author=actor, set_at=now),
        **_credit(w, actor),
    )


def _add_activity(w: Workshop, cmd: c.AddActivity, actor: str, now: datetime) -> Outcome:
    text = clean(cmd.text, "activity", "`/storymap add Plan shipment`")
    _refuse_duplicate(text, w.activities, "in the backbone")
    _room_for("activity", w.activities)
    number = w.counters.A + 1
    activity = Activity(
        id=f"A{number}",
        text=text,
        author=actor,
        created_at=now,
        source=cmd.source,
        link=cmd.link,
    )
    return _changed(
        w,
        f"Added {activity.id} {quoted(text)} to the backbone.",
        activities=(*w.activities, activity),
        counters=w.counters.model_copy(update={"A": number}),
        **_credit(w, actor),
    )


def _add_task(w: Workshop, cmd: c.AddTask, actor: str, now: datetime) -> Outcome:
    activity = _existing_activity(w, cmd.activity_id)
    text = clean(cmd.text, "task", f"`/storymap add {activity.id} View real-time map`")
    _refuse_duplicate(text, w.tasks_of(activity.id), f"under {activity.id}")
    _room_for("task", w.tasks)
    number = w.counters.T + 1
    task = Task(
        id=f"T{number}",
        activity_id=activity.id,
        text=text,
        author=actor,
        created_at=now,
        source=cmd.source,
        link=cmd.link,
    )
    return _changed(
        w,
        f"Added {task.id} {quoted(text)} under {activity.id} {quoted(activity.text)}.",
        RefreshPrompts(anchors=(activity.id,)),
        tasks=(*w.tasks, task),
        counters=w.counters.model_copy(update={"T": number}),
        **_credit(w, actor),
    )


def _add_story(w: Workshop, cmd: c.AddStory, actor: str, now: datetime) -> Outcome:
    task = _existing_task(w, cmd.task_id)
    text = clean(cmd.text, "story", f"`/storymap add {task.id} See the driver on a map`")
    _refuse_duplicate(text, w.stories_of(task.id), f"under {task.id}")
    _room_for("story", w.stories)
    number = w.counters.S + 1
    story = Story(
        id=f"S{number}",
        task_id=task.id,
        text=text,
        author=actor,
        created_at=now,
        source=cmd.source,
        link=cmd.link,
    )
    return _changed(
        w,
        f"Added {story.id} {quoted(text)} under {task.id} {quoted(task.text)}.",
        RefreshPrompts(anchors=(task.id,)),
        stories=(*w.stories, story),
        counters=w.counters.model_copy(update={"S": number}),
        **_credit(w, actor),
    )


@dataclass(frozen=True)
class Blocked:
    """Why the current stage cannot be left yet, and who can fix it: the authors of
    the empty activities (tasks stage) or tasks (stories stage), in map order."""

    message: str
    authors: tuple[str, ...] = ()


def blocked(w: Workshop) -> Blocked | None:
    """What keeps the workshop in its stage (the seed's gates), if anything."""
    if w.stage is Stage.PERSONA and w.persona is None:
        return Blocked(
            "Add a persona first: the seed's rule is no map without one, or people argue "
            "about whose workflow comes first. Use `/storymap persona &lt;who&gt;`, e.g. "
            "`/storymap persona Operations Manager at a logistics company`."
        )
    if w.stage is Stage.ACTIVITIES and not w.activities:
        return Blocked(
            "Add at least one backbone activity first, e.g. `/storymap add Plan shipment`."
        )
    if w.stage is Stage.TASKS:
        empty = [a for a in w.activities if not w.tasks_of(a.id)]
        if empty:
            return Blocked(
                f"Every activity needs a task before stories. Still empty: {_names(empty)}. "
                f"Add one with `/storymap add {empty[0].id} &lt;task&gt;`.",
                _authors(empty),
            )
    if w.stage is Stage.STORIES:
        empty_tasks = [t for t in w.tasks if not w.stories_of(t.id)]
        if empty_tasks:
            return Blocked(
                f"Every task needs a story before voting. Still empty: {_names(empty_tasks)}. "
                f"Add one with `/storymap add {empty_tasks[0].id} &lt;story&gt;`.",
                _authors(empty_tasks),
            )
    return None


def _authors(items: Iterable[Activity | Task]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(item.author for item in items))


def _gate(w: Workshop) -> None:
    """Refuse to leave the current stage while its work is missing."""
    found = blocked(w)
    if found is not None:
        raise Rejected(found.message)


def _move(
    w: Workshop, to: Stage, actor: str, now: datetime, *, by_deadline: bool = False
) -> Outcome:
    update, timed = schedule.entering(w, to, now)
    said = (
        f"Time's up for *{w.stage.label}*: the workshop moves on to *{to.label}* by itself."
        if by_deadline
        else f"<@{actor}> moved the workshop to *{to.label}*."
    )
    effects: tuple[Effect, ...] = (OpenStage(stage=to), Announce(text=said), *timed)
    if to is Stage.SLICING and w.schedule is not None:
        # A workshop that runs itself proposes its release plan for the facilitator to
        # approve (slices already drawn are kept, and proposed as they are).
        if not w.slices:
            update["slices"] = proposed_slices(w)
        effects = (*effects, ProposePlan())
    moved = _changed(w, f"The workshop is now at {to.label}.", *effects, stage=to, **update)
    if moved.state.counts_hidden == w.counts_hidden:
        return moved
    # Blind voting closed (every count revealed at once) or reopened (hidden again):
    # every card shows it, with the board.
    cards = tuple(RefreshCard(story_id=s.id) for s in w.stories)
    revealed = " Every story's votes are revealed." if w.counts_hidden else ""
    return Outcome(moved.state, (*cards, *moved.effects), moved.reply + revealed)


def _moved_already(w: Workshop, seen: Stage | None) -> None:
    if seen is not None and seen is not w.stage:
        raise Rejected(f"The workshop has already moved on: it is at {w.stage.label} now.")


def _next(w: Workshop, cmd: c.Next, actor: str, now: datetime) -> Outcome:
    _moved_already(w, cmd.seen_stage)
    _gate(w)
    to = STAGE_ORDER[STAGE_ORDER.index(w.stage) + 1]
    return _move(w, to, actor, now, by_deadline=cmd.by_deadline)


def _back(w: Workshop, cmd: c.Back, actor: str, now: datetime) -> Outcome:
    _moved_already(w, cmd.seen_stage)
    return _move(w, STAGE_ORDER[STAGE_ORDER.index(w.stage) - 1], actor, now)


def _cast_vote(w: Workshop, cmd: c.CastVote, actor: str, now: datetime) -> Outcome:
    """The reference model of the store's vote script (``bot.store.scripts.VOTE``), which
    decides live votes atomically: same checks, same order, same messages. The race
    test replays the script's answers through this handler and must agree."""
    story = _existing_story(w, cmd.story_id)
    voters = w.votes.get(story.id, ())
    cap = w.settings.vote_cap
    if voters.count(actor) >= cap:
        raise Rejected(vote_refused_at_cap(story.id, cap))
    budget = w.settings.vote_budget
    blind = w.settings.voting_mode is VotingMode.BLIND
    if w.votes_used(actor) >= budget:
        raise Rejected(over_budget(budget, story.id, blind=blind))
    votes = {**w.votes, story.id: tuple(sorted((*voters, actor)))}
    on_card = voters.count(actor) + 1 if blind else None
    return _changed(
        w,
        vote_counted(story.id, w.votes_used(actor) + 1, budget, on_card),
        RefreshCard(story_id=story.id),
        votes=votes,
        participants=_contributed(w, actor),
    )


def _withdraw_vote(w: Workshop, cmd: c.WithdrawVote, actor: str, now: datetime) -> Outcome:
    story = _existing_story(w, cmd.story_id)
    voters = w.votes.get(story.id, ())
    if actor not in voters:
        raise Rejected(nothing_to_take_back(story.id))
    at = voters.index(actor)
    remaining = voters[:at] + voters[at + 1 :]  # one of the actor's votes goes
    votes = {k: v for k, v in w.votes.items() if k != story.id}
    if remaining:
        votes[story.id] = remaining
    blind = w.settings.voting_mode is VotingMode.BLIND
    on_card = remaining.count(actor) if blind else None
    return _changed(
        w,
        vote_taken_back(story.id, w.votes_used(actor) - 1, w.settings.vote_budget, on_card),
        RefreshCard(story_id=story.id),
        votes=votes,
    )


def _set_vote_budget(w: Workshop, cmd: c.SetVoteBudget, actor: str, now: datetime) -> Outcome:
    if not 1 <= cmd.budget <= MAX_VOTE_BUDGET:
        raise Rejected(f"The vote budget must be a whole number from 1 to {MAX_VOTE_BUDGET}.")
    cap = w.settings.vote_cap if cmd.cap is None else cmd.cap
    if cmd.cap is not None:
        if not 1 <= cmd.cap <= cmd.budget:
            raise Rejected(
                f"The cap per card must be a whole number from 1 to the budget ({cmd.budget})."
            )
        if cmd.cap > 1 and w.settings.voting_mode is VotingMode.EMOJI:
            raise Rejected(
                "In emoji voting one reaction is one vote, so a person has at most one vote "
                "per card. Choose blind voting first (`/storymap voting blind`) to allow "
                "more."
            )
    for voter in sorted({v for voters in w.votes.values() for v in voters}):
        used = w.votes_used(voter)
        if used > cmd.budget:
            raise Rejected(f"<@{voter}> already has {used} votes; the budget cannot go below that.")
    for story_id, voters in sorted(w.votes.items()):
        most = max(voters.count(v) for v in voters)
        if most > cap:
            raise Rejected(
                f"Someone already has {most} votes on {story_id}; the cap cannot go below that."
            )
    per_card = f" At most {cap} of them on one card." if cap > 1 else ""
    return _changed(
        w,
        f"Everyone now has {cmd.budget} votes.{per_card}",
        settings=w.settings.model_copy(update={"vote_budget": cmd.budget, "vote_cap": cap}),
    )


def _set_voting_mode(w: Workshop, cmd: c.SetVotingMode, actor: str, now: datetime) -> Outcome:
    if w.votes and cmd.mode is not w.settings.voting_mode:
        raise Rejected(
            "Votes have been cast already, so the voting mode stays "
            f"{w.settings.voting_mode.value}."
        )
    update: dict[str, object] = {"voting_mode": cmd.mode}
    if cmd.mode is VotingMode.BLIND:
        reply = (
            "Blind voting: each story card gets Vote / Unvote buttons, and the counts stay "
            "hidden from everyone until you close voting with `/storymap next`."
        )
    else:
        reply = f"Emoji voting: react with :{w.settings.vote_emoji}: on a story card to vote."
        if w.settings.vote_cap > 1:
            update["vote_cap"] = 1
            reply += " One reaction is one vote, so the cap per card is back to 1."
    return _changed(w, reply, settings=w.settings.model_copy(update=update))


def _order_stories(w: Workshop, cmd: c.OrderStories, actor: str, now: datetime) -> Outcome:
    task = _existing_task(w, cmd.task_id)
    ids = _stories_exist(w, cmd.story_ids)
    for sid in ids:
        story = w.story(sid)
        if story is not None and story.task_id != task.id:
            raise Rejected(f"{sid} is not under {task.id}; it belongs to {story.task_id}.")
    order = {k: v for k, v in w.story_order.items() if k != task.id}
    if ids:
        order[task.id] = ids
    shown = " > ".join(
        s.id for s in Workshop.prioritised(w.model_copy(update={"story_order": order}), task.id)
    )
    during = (
        " Votes stay as they are; this changes the priority everyone sees."
        if w.stage is Stage.VOTING
        else ""
    )
    return _changed(w, f"Priority under {task.id}: {shown}.{during}", story_order=order)


def _define_slice(w: Workshop, cmd: c.DefineSlice, actor: str, now: datetime) -> Outcome:
    name = clean(cmd.name, "release", "`/storymap slice View map + ETA = S1 S4`")
    position = next((n for n, r in enumerate(w.slices) if same_text(r.name, name)), None)
    outcome = _outcome(cmd.outcome)
    ids = _stories_exist(w, cmd.story_ids)
    if not ids and outcome:
        if position is None:
            raise Rejected(
                f"There is no release named {quoted(name)} yet; give it its stories too: "
                f"`/storymap slice {name} = S1 S4 -- {outcome}`."
            )
        slices = tuple(
            r.model_copy(update={"outcome": outcome}) if n == position else r
            for n, r in enumerate(w.slices)
        )
        return _changed(
            w,
            f"{_release_label(w, position)} is for: {quoted(outcome)}.",
            slices=slices,
        )
    if not ids:
        if position is None:
            raise Rejected(f"There is no release named {quoted(name)} to remove.")
        return _changed(
            w,
            f"Removed {_release_label(w, position)}.",
            slices=tuple(r for n, r in enumerate(w.slices) if n != position),
        )
    for sid in ids:
        holder = w.slice_of(sid)
        if holder is not None and holder != position:
            raise Rejected(
                f"{sid} is already in {_release_label(w, holder)}. Redefine that release "
                "without it first."
            )
    if cmd.outcome is None and position is not None:
        outcome = w.slices[position].outcome  # redefining its stories keeps what it is for
    release = ReleaseSlice(name=name, story_ids=ids, outcome=outcome)
    if position is None:
        slices = (*w.slices, release)
        label = f"Release {len(slices)}"
    else:
        slices = tuple(release if n == position else r for n, r in enumerate(w.slices))
        label = f"Release {position + 1}"
    why = f" For: {quoted(outcome)}." if outcome else ""
    return _changed(w, f"{label} {quoted(name)}: {' '.join(ids)}.{why}", slices=slices)


def _outcome(text: str | None) -> str:
    """A release's outcome, cleaned (empty when none is given)."""
    if text is None or not normalise(text):
        return ""
    return clean(text, "outcome", "`-- Ops managers see where each truck is`")


def _set_slices(w: Workshop, cmd: c.SetSlices, actor: str, now: datetime) -> Outcome:
    slices: list[ReleaseSlice] = []
    seen: dict[str, str] = {}
    for plan in cmd.slices:
        name = clean(plan.name, "release", "View map + ETA")
        if any(same_text(r.name, name) for r in slices):
            raise Rejected(f"Two releases are named {quoted(name)}; give each its own name.")
        ids = _stories_exist(w, plan.story_ids)
        if not ids:
            raise Rejected(f"Release {quoted(name)} has no stories; pick at least one.")
        for sid in ids:
            if sid in seen:
                raise Rejected(
                    f"{sid} is in both {quoted(seen[sid])} and {quoted(name)}; "
                    "a story belongs to one release."
                )
            seen[sid] = name
        slices.append(ReleaseSlice(name=name, story_ids=ids, outcome=_outcome(plan.outcome)))
    return _changed(w, f"{len(slices)} release slices saved.", slices=tuple(slices))


def _publish(w: Workshop, cmd: c.Publish, actor: str, now: datetime) -> Outcome:
    if not w.slices:
        raise Rejected(
            "Draw at least one release slice before publishing, e.g. "
            "`/storymap slice View map + ETA = S1 S4`."
        )
    gaps = skeleton_gaps(w)
    if gaps and not cmd.confirmed:
        named = listed([f"{a.id} {quoted(a.text)}" for a in gaps])
        raise NeedsConfirmation(
            f"Release 1 {quoted(w.slices[0].name)} has no story under {named}. A first "
            "release that touches every activity of the backbone (a walking skeleton) "
            "lets people use the product end to end. Add a story from each to Release 1, "
            "or publish anyway: the map will show the gap.",
            c.Publish(confirmed=True),
        )
    changes = changelog(w)
    again = w.published_at_change is not None
    return _changed(
        w,
        "Published again: the pinned map is updated, and what changed is in its thread."
        if again
        else "Published: the map is posted and pinned in the channel.",
        PostMap(changes=changes),
        PostPicture(),
        Announce(text=f"<@{actor}> published the map{' again' if again else ''}."),
        stage=Stage.PUBLISHED,
        deadline=None,
        # The publish's own entry: what changes after it goes in the next changelog.
        published_at_change=w.changes_made + 1,
    )


def _cancel(w: Workshop, cmd: c.Cancel, actor: str, now: datetime) -> Outcome:
    return _changed(
        w,
        f"Workshop {quoted(w.title)} cancelled. Everything added stays in the history.",
        Announce(text=f"<@{actor}> cancelled the workshop."),
        stage=Stage.CANCELLED,
        deadline=None,
    )


MAX_DEADLINE_DAYS: Final = 90


def _set_deadline(w: Workshop, cmd: c.SetDeadline, actor: str, now: datetime) -> Outcome:
    if cmd.at <= now:
        raise Rejected("That deadline is already past; pick a time ahead, e.g. `tomorrow 17:00`.")
    if cmd.at > now + timedelta(days=MAX_DEADLINE_DAYS):
        raise Rejected(f"A deadline can be at most {MAX_DEADLINE_DAYS} days ahead.")
    deadline = Deadline(stage=w.stage, at=cmd.at, auto=cmd.auto, set_by=actor)
    then = "the workshop moves on by itself if it can" if cmd.auto else "you get a reminder"
    return _changed(
        w,
        f"Deadline set for {w.stage.label}: at that time {then}.",
        DeadlineSet(stage=w.stage, at=cmd.at),
        deadline=deadline,
    )


def _clear_deadline(w: Workshop, cmd: c.ClearDeadline, actor: str, now: datetime) -> Outcome:
    if w.deadline is None:
        raise Rejected(f"{w.stage.label} has no deadline to clear.")
    return _changed(w, f"Deadline for {w.stage.label} cleared.", deadline=None)


def _mute(w: Workshop, cmd: c.Mute, actor: str, now: datetime) -> Outcome:
    if cmd.on:
        muted = w.muted if actor in w.muted else (*w.muted, actor)
        reply = "No more reminders for you in this workshop. `/storymap unmute` to undo."
    else:
        muted = tuple(u for u in w.muted if u != actor)
        reply = "Reminders are back on for you in this workshop."
    return Outcome(w.model_copy(update={"muted": muted}), (), reply)


# ----- reopening and the changelog ---------------------------------------------------

#: Kinds recorded in the history but never taken back by ``undo``.
_NOT_UNDONE: Final = frozenset(
    {
        "next",
        "back",
        "publish",
        "reopen",
        "cancel",
        "undo",
        "set_deadline",
        "clear_deadline",
        "set_voting_mode",
        "set_schedule",
        "schedule_stage",
        "clear_schedule",
        "extend_deadline",
    }
)
#: Kinds that leave no history entry: votes (the store's script counts them, see
#: ``_cast_vote``), a person's own reminder setting, and asking for a schedule (the
#: schedule itself is recorded when it is set).
_NOT_RECORDED: Final = frozenset({"cast_vote", "withdraw_vote", "mute", "plan_schedule"})


def _reopen(w: Workshop, cmd: c.Reopen, actor: str, now: datetime) -> Outcome:
    return _changed(
        w,
        f"The map is open again at {Stage.SLICING.label}. Change what you need, then "
        "`/storymap publish` updates the pinned map in place.",
        Announce(text=f"<@{actor}> reopened the map for changes."),
        stage=Stage.SLICING,
    )


def changelog(w: Workshop) -> tuple[str, ...]:
    """What changed on the map since it was last published (empty the first time).
    The lines name no one: a mention in the map's thread would notify everyone named."""
    if w.published_at_change is None:
        return ()
    return tuple(
        e.summary
        for e in w.history
        if e.seq > w.published_at_change and (e.undoable or e.kind == "undo")
    )


# ----- the table ----------------------------------------------------------------------

Who = Literal["anyone", "facilitator", "author"]
#: A row's resulting stage: a stage, the next or previous one, or None (stays).
To = Stage | Literal["+1", "-1"] | None


@dataclass(frozen=True)
class Row:
    """One command: where it applies, who may give it, what decides it, where it leads.

    ``who``: ``facilitator`` is checked before the handler runs; ``author`` (the item's
    author or the facilitator) by the handler, which knows the item; ``anyone`` may.
    ``lead`` starts the refusal given in any other stage ("Story cards are added").
    ``action`` names it in a facilitator-only refusal ("move to the next stage").
    """

    kind: str
    stages: tuple[Stage, ...]
    who: Who
    handler: Handler
    to: To
    lead: str
    action: str = ""


_S = Stage
_OPEN = STAGE_ORDER
_MAPPED = STAGE_ORDER[1:]  # from the backbone on: there are items to shape
_UP_TO_VOTING = STAGE_ORDER[: STAGE_ORDER.index(Stage.VOTING) + 1]
_BEFORE_VOTING = STAGE_ORDER[: STAGE_ORDER.index(Stage.VOTING)]

# fmt: off
ROWS: Final[tuple[Row, ...]] = (
    # kind              stages                            who            handler            to
    Row("set_persona",      _OPEN,                            "anyone",      _set_persona,      None,  "The persona is set"),  # noqa: E501
    Row("add_activity",     (_S.ACTIVITIES,),                 "anyone",      _add_activity,     None,  "Backbone activities are added"),  # noqa: E501
    Row("add_task",         (_S.TASKS,),                      "anyone",      _add_task,         None,  "Tasks are added"),  # noqa: E501
    Row("add_story",        (_S.STORIES,),                    "anyone",      _add_story,        None,  "Story cards are added"),  # noqa: E501
    Row("rename",           _MAPPED,                          "author",      shaping.rename,    None,  "Items are renamed"),  # noqa: E501
    Row("remove",           _MAPPED,                          "author",      shaping.remove,    None,  "Items are removed"),  # noqa: E501
    Row("move",             _MAPPED[1:],                      "author",      shaping.move,      None,  "Items are moved"),  # noqa: E501
    Row("split",            (_S.STORIES, _S.SLICING),         "author",      shaping.split,     None,  "Stories are split"),  # noqa: E501
    Row("order_activities", _MAPPED,                          "facilitator", shaping.order_activities, None, "The backbone is ordered", "order the backbone"),  # noqa: E501
    Row("order_tasks",      _MAPPED[1:],                      "facilitator", shaping.order_tasks, None, "Tasks are ordered", "order tasks"),  # noqa: E501
    Row("order_stories",    (_S.STORIES, _S.VOTING, _S.SLICING), "facilitator", _order_stories, None, "Stories are reordered", "reorder stories"),  # noqa: E501
    Row("edit_reply",       _MAPPED,                          "author",      shaping.edit_reply, None, "Edited replies rename items"),  # noqa: E501
    Row("delete_reply",     _MAPPED,                          "author",      shaping.delete_reply, None, "Deleted replies remove items"),  # noqa: E501
    Row("undo",             _OPEN,                            "anyone",      shaping.undo,      None,  "Changes are undone"),  # noqa: E501
    Row("next",             _OPEN[:-1],                       "facilitator", _next,             "+1",  "", "move to the next stage"),  # noqa: E501
    Row("back",             _OPEN[1:],                        "facilitator", _back,             "-1",  "", "go back a stage"),  # noqa: E501
    Row("cast_vote",        (_S.VOTING,),                     "anyone",      _cast_vote,        None,  "Votes count only"),  # noqa: E501
    Row("withdraw_vote",    (_S.VOTING,),                     "anyone",      _withdraw_vote,    None,  "Votes can be taken back only"),  # noqa: E501
    Row("set_vote_budget",  _UP_TO_VOTING,                    "facilitator", _set_vote_budget,  None,  "The vote budget is set", "change the vote budget"),  # noqa: E501
    Row("set_voting_mode",  _BEFORE_VOTING,                   "facilitator", _set_voting_mode,  None,  "The voting mode is chosen", "choose the voting mode"),  # noqa: E501
    Row("define_slice",     (_S.SLICING,),                    "facilitator", _define_slice,     None,  "Release slices are drawn", "draw release slices"),  # noqa: E501
    Row("set_slices",       (_S.SLICING,),                    "facilitator", _set_slices,       None,  "Release slices are drawn", "draw release slices"),  # noqa: E501
    Row("publish",          (_S.SLICING,),                    "facilitator", _publish,          _S.PUBLISHED, "The map is published from", "publish the map"),  # noqa: E501
    Row("reopen",           (_S.PUBLISHED,),                  "facilitator", _reopen,           _S.SLICING, "A map is reopened", "reopen the map"),  # noqa: E501
    Row("set_deadline",     _OPEN,                            "facilitator", _set_deadline,     None,  "Deadlines are set", "set deadlines"),  # noqa: E501
    Row("clear_deadline",   _OPEN,                            "facilitator", _clear_deadline,   None,  "Deadlines are cleared", "clear deadlines"),  # noqa: E501
    Row("mute",             _OPEN,                            "anyone",      _mute,             None,  "Reminders are muted"),  # noqa: E501
    Row("cancel",           _OPEN,                            "facilitator", _cancel,           _S.CANCELLED, "A workshop is cancelled", "cancel the workshop"),  # noqa: E501
    Row("plan_schedule",    _UP_TO_VOTING,                    "facilitator", schedule.plan,     None,  "A workshop is planned", "plan the workshop"),  # noqa: E501
    Row("set_schedule",     _UP_TO_VOTING,                    "facilitator", schedule.set_schedule, None, "A workshop is planned", "plan the workshop"),  # noqa: E501
    Row("schedule_stage",   _UP_TO_VOTING,                    "facilitator", schedule.schedule_stage, None, "Scheduled deadlines are changed", "change the schedule"),  # noqa: E501
    Row("clear_schedule",   _OPEN,                            "facilitator", schedule.clear_schedule, None, "The schedule is turned off", "turn the schedule off"),  # noqa: E501
    Row("extend_deadline",  _UP_TO_VOTING,                    "facilitator", schedule.extend,   None,  "Scheduled deadlines are moved", "move the deadline"),  # noqa: E501
)
# fmt: on

ROW: Final[dict[str, Row]] = {row.kind: row for row in ROWS}
TRANSITIONS: Final[dict[tuple[Stage, str], Handler]] = {
    (stage, row.kind): row.handler for row in ROWS for stage in row.stages
}
#: Commands only the facilitator may give, with how the refusal names the action.
FACILITATOR_ONLY: Final[dict[str, str]] = {
    row.kind: row.action for row in ROWS if row.who == "facilitator"
}


def _stages(stages: tuple[Stage, ...]) -> str:
    labels = [s.label for s in stages]
    if len(labels) == 1:
        return f"the {labels[0]} stage"
    return f"the {', '.join(labels[:-1])} or {labels[-1]} stages"


def not_now(stage: Stage, kind: str) -> str:
    """Why ``kind`` is refused in ``stage``, from its row in the table."""
    if kind == "next":
        return "This is the last stage: publish the map with `/storymap publish`."
    if kind == "back":
        return "This is the first stage; there is nothing to go back to."
    if kind == "set_vote_budget":
        return "The vote budget is fixed once voting is over."
    if kind == "set_voting_mode":
        return f"The voting mode is fixed once voting has opened; the workshop is at {stage.label}."
    if kind == "reopen":
        return f"Only a published map can be reopened; the workshop is at {stage.label}."
    row = ROW[kind]
    where = f"{row.lead} in {_stages(row.stages)}; the workshop is at {stage.label}."
    if STAGE_ORDER.index(row.stages[0]) < STAGE_ORDER.index(stage):
        return f"{where} The facilitator can reopen it with `/storymap back`."
    return f"{where} The facilitator moves on with `/storymap next`."


def facilitator_only(state: Workshop, kind: str, actor: str) -> str | None:
    """Why ``actor`` may not run a ``kind`` command, if only the facilitator may."""
    if kind in FACILITATOR_ONLY and actor != state.facilitator:
        return f"Only <@{state.facilitator}> (facilitator) can {FACILITATOR_ONLY[kind]}."
    return None


def _lands(row: Row, before: Stage, after: Stage) -> bool:
    """Whether ``after`` is where ``row`` says a change from ``before`` leads."""
    if row.to is None:
        return after is before
    if row.to == "+1":
        return after is STAGE_ORDER[STAGE_ORDER.index(before) + 1]
    if row.to == "-1":
        return after is STAGE_ORDER[STAGE_ORDER.index(before) - 1]
    return after is row.to


def apply(state: Workshop | None, command: c.Command, actor: str, now: datetime) -> Outcome:
    """Decide ``command`` by ``actor`` at ``now``; raise ``Rejected`` to refuse it."""
    if isinstance(command, c.Start):
        if state is not None and state.stage.is_open:
            raise Rejected(
                f"A workshop is already running here: {quoted(state.title)}, facilitated by "
                f"<@{state.facilitator}>. It must be published or cancelled before a new one."
            )
        return start(command, actor, now)
    if state is None:
        raise Rejected(NO_WORKSHOP)
    if not state.stage.is_open and not (
        isinstance(command, c.Reopen) and state.stage is Stage.PUBLISHED
    ):
        raise Rejected(
            f"This workshop has ended ({state.stage.value}). Start a new one with "
            "`/storymap start [title]`."
        )
    refusal = facilitator_only(state, command.kind, actor)
    if refusal is not None:
        raise Rejected(refusal)
    row = ROW[command.kind]
    if state.stage not in row.stages:
        raise Rejected(not_now(state.stage, command.kind))
    outcome = row.handler(state, command, actor, now)
    if not _lands(row, state.stage, outcome.state.stage):  # pragma: no cover - a bug
        raise AssertionError(f"{command.kind} led to {outcome.state.stage}, not {row.to}")
    after = outcome.state.model_copy(update={"updated_at": now})
    if command.kind not in _NOT_RECORDED:
        after = history.record(
            state,
            after,
            actor=actor,
            kind=command.kind,
            summary=_summary(command.kind, outcome.reply),
            now=now,
            undoable=command.kind not in _NOT_UNDONE,
        )
    effects = outcome.effects
    if command.kind in _RESHAPING and after.changes_made > state.changes_made:
        anchors = _prompts_showing(state, after, after.history[-1])
        if anchors:
            effects = (*effects, RefreshPrompts(anchors=anchors))
    return Outcome(after, effects, outcome.reply)


#: Kinds that can change what a stage's prompts show of items already there (a prompt
#: names its activity or task and lists what is under it).
_RESHAPING: Final = frozenset(
    {
        "rename",
        "remove",
        "move",
        "split",
        "undo",
        "edit_reply",
        "delete_reply",
        "order_tasks",
        "order_activities",
    }
)


def _prompts_showing(before: Workshop, after: Workshop, entry: Change) -> tuple[str, ...]:
    """The prompts (``RefreshPrompts`` anchors) that show what ``entry`` changed: a
    changed item's own prompt (it names the item) and its parent's (it lists it), before
    and after; for an item that only changed places, its parent's if its list's order
    changed."""
    anchors: set[str] = set()
    for item_id in (*entry.before, *entry.places):
        if item_id[:1] not in ("A", "T", "S") or not item_id[1:].isdigit():
            continue
        changed = item_id in entry.before
        for w in (before, after):
            own, parent = _anchors(w, item_id)
            if changed and own is not None:
                anchors.add(own)
            if parent is not None and (
                changed or _children(before, parent) != _children(after, parent)
            ):
                anchors.add(parent)
    return tuple(sorted(anchors))


def _anchors(w: Workshop, item_id: str) -> tuple[str | None, str | None]:
    """(the prompt naming the item, the prompt listing it) as anchors, if it is in ``w``."""
    item = w.activity(item_id) or w.task(item_id) or w.story(item_id)
    if isinstance(item, Activity):
        return item.id, "-"
    if isinstance(item, Task):
        return item.id, item.activity_id
    if isinstance(item, Story):
        return None, item.task_id
    return None, None


def _children(w: Workshop, anchor: str) -> tuple[str, ...]:
    if anchor == "-":
        return tuple(a.id for a in w.activities)
    if anchor.startswith("A"):
        return tuple(t.id for t in w.tasks_of(anchor))
    return tuple(s.id for s in w.stories_of(anchor))


def _summary(kind: str, reply: str) -> str:
    """The history's words for a change: the first line of the actor's reply."""
    first = reply.split("\n", 1)[0]
    return first if len(first) <= 300 else first[:299] + "…"


__all__ = [
    "FACILITATOR_ONLY",
    "LIMITS",
    "NO_WORKSHOP",
    "ROWS",
    "TRANSITIONS",
    "Outcome",
    "apply",
    "changelog",
    "facilitator_only",
    "not_now",
    "shown_id",
]
