"""Shaping the map after things were added: rename, remove, move, order, split, undo,
and the thread replies that are edited or deleted.

Handlers here have the machine's signature ``(state, command, actor, now) -> Outcome``
and are listed in ``bot.domain.machine.TRANSITIONS``. Rules kept here:
- the author of an item or the facilitator may rename, remove, move or split it;
- removing an activity or a task that has children asks to confirm
  (``NeedsConfirmation``) and then removes them too;
- a removed story leaves the facilitator's priority lists and the release slices (a
  release left empty goes), and its votes go back to the voters (``VotesReturned``);
- a split story goes; its parts get new ids, in its place, in its release;
- ids are never reused: removed ids stay gone, new ones come from the counters.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Final

from bot.domain import commands as c
from bot.domain import history
from bot.domain.effects import Effect, RefreshBoard, RefreshCard, VotesReturned
from bot.domain.errors import NeedsConfirmation, Rejected
from bot.domain.model import Activity, Item, Stage, Story, Task, Workshop
from bot.domain.outcome import Outcome, shown_id
from bot.domain.text import MAX_ITEMS, clean, listed, normalise_id, quoted, same_text

#: Said (and recognised by the Slack side) when an edited or deleted message added nothing.
NOTHING_FROM_REPLY: Final = "That message added nothing to the map."

_NOUN: Final = {"A": "activity", "T": "task", "S": "story"}
_CARDS_FROM: Final = (Stage.VOTING, Stage.SLICING)


def outcome(w: Workshop, reply: str, *effects: Effect) -> Outcome:
    return Outcome(w, (*effects, RefreshBoard()), reply)


def find(w: Workshop, raw: str) -> Item:
    """The activity, task or story ``raw`` names, or a refusal saying why not."""
    item_id = normalise_id(raw)
    if item_id is None:
        raise Rejected(f"{shown_id(raw)} is not an item id; they look like A1, T2 or S3.")
    found: Item | None = (
        w.activity(item_id)
        if item_id[0] == "A"
        else w.task(item_id)
        if item_id[0] == "T"
        else w.story(item_id)
    )
    if found is None:
        raise Rejected(f"{item_id} does not exist in this workshop.")
    return found


def may_change(w: Workshop, item: Item, actor: str, verb: str) -> None:
    if actor not in (item.author, w.facilitator):
        raise Rejected(
            f"Only <@{item.author}> (who added {item.id}) or <@{w.facilitator}> "
            f"(facilitator) can {verb} it."
        )


def _siblings(w: Workshop, item: Item) -> tuple[Item, ...]:
    if isinstance(item, Activity):
        return w.activities
    if isinstance(item, Task):
        return w.tasks_of(item.activity_id)
    return w.stories_of(item.task_id)


def _where(item: Item) -> str:
    if isinstance(item, Activity):
        return "in the backbone"
    return f"under {item.activity_id if isinstance(item, Task) else item.task_id}"


def _replace(w: Workshop, item: Item) -> Workshop:
    if isinstance(item, Activity):
        return w.model_copy(
            update={"activities": tuple(item if a.id == item.id else a for a in w.activities)}
        )
    if isinstance(item, Task):
        return w.model_copy(
            update={"tasks": tuple(item if t.id == item.id else t for t in w.tasks)}
        )
    return w.model_copy(
        update={"stories": tuple(item if s.id == item.id else s for s in w.stories)}
    )


def _card(w: Workshop, *story_ids: str) -> tuple[Effect, ...]:
    """Card refreshes for these stories, when cards exist (voting on)."""
    return tuple(RefreshCard(story_id=s) for s in story_ids) if w.stage in _CARDS_FROM else ()


def renamed(w: Workshop, item: Item, raw_text: str, actor: str) -> tuple[Workshop, str]:
    """``w`` with ``item`` saying ``raw_text`` (cleaned, checked), and the reply."""
    may_change(w, item, actor, "rename")
    kind = _NOUN[item.id[0]]
    text = clean(raw_text, kind, f"`/storymap rename {item.id} <new words>`")
    if text == item.text:
        raise Rejected(f"{item.id} already says {quoted(text)}.")
    others = [i for i in _siblings(w, item) if i.id != item.id]
    for other in others:
        if same_text(other.text, text):
            raise Rejected(f"{quoted(text)} is already on the map {_where(item)} as {other.id}.")
    changed = _replace(w, item.model_copy(update={"text": text}))
    return changed, f"Renamed {item.id} {quoted(item.text)} to {quoted(text)}."


def rename(w: Workshop, cmd: c.Rename, actor: str, now: datetime) -> Outcome:
    item = find(w, cmd.item_id)
    changed, reply = renamed(w, item, cmd.text, actor)
    return outcome(changed, reply, *_card(w, item.id) if isinstance(item, Story) else ())


# ----- removing -------------------------------------------------------------------------


def without(w: Workshop, ids: Iterable[str]) -> tuple[Workshop, tuple[Effect, ...]]:
    """``w`` without these items and everything under them; the effects that follow
    (cards of removed stories, votes given back)."""
    gone = set(ids)
    gone |= {t.id for t in w.tasks if t.activity_id in gone}
    gone |= {s.id for s in w.stories if s.task_id in gone}
    stories = [s for s in w.stories if s.id in gone]
    effects: list[Effect] = []
    for story in stories:
        voters = w.votes.get(story.id, ())
        if voters:
            effects.append(VotesReturned(story_id=story.id, text=story.text, voters=voters))
    effects.extend(_card(w, *(s.id for s in stories)))
    order = {
        k: tuple(i for i in v if i not in gone) for k, v in w.story_order.items() if k not in gone
    }
    slices = tuple(
        r.model_copy(update={"story_ids": tuple(i for i in r.story_ids if i not in gone)})
        for r in w.slices
    )
    changed = w.model_copy(
        update={
            "activities": tuple(a for a in w.activities if a.id not in gone),
            "tasks": tuple(t for t in w.tasks if t.id not in gone),
            "stories": tuple(s for s in w.stories if s.id not in gone),
            "votes": {k: v for k, v in w.votes.items() if k not in gone},
            "story_order": {k: v for k, v in order.items() if v},
            "slices": tuple(r for r in slices if r.story_ids),
        }
    )
    return changed, tuple(effects)


def _children(w: Workshop, item: Item) -> tuple[tuple[Task, ...], tuple[Story, ...]]:
    if isinstance(item, Activity):
        tasks = w.tasks_of(item.id)
        return tasks, tuple(s for t in tasks for s in w.stories_of(t.id))
    if isinstance(item, Task):
        return (), w.stories_of(item.id)
    return (), ()


def _count(n: int, noun: str, plural: str) -> str:
    return f"{n} {noun if n == 1 else plural}"


def remove(w: Workshop, cmd: c.Remove, actor: str, now: datetime) -> Outcome:
    item = find(w, cmd.item_id)
    may_change(w, item, actor, "remove")
    tasks, stories = _children(w, item)
    under = [
        p
        for p in (
            _count(len(tasks), "task", "tasks") if tasks else "",
            _count(len(stories), "story", "stories") if stories else "",
        )
        if p
    ]
    if under and not cmd.confirmed:
        raise NeedsConfirmation(
            f"{item.id} {quoted(item.text)} has {' and '.join(under)} under it. Remove "
            f"{item.id} and {'it' if len(tasks) + len(stories) == 1 else 'all of them'}?",
            c.Remove(item_id=item.id, confirmed=True),
        )
    changed, effects = without(w, [item.id])
    also = f" with {' and '.join(under)} under it" if under else ""
    returned = sum(len(e.voters) for e in effects if isinstance(e, VotesReturned))
    votes = f" {_count(returned, 'vote', 'votes')} went back to the voters." if returned else ""
    if returned and w.counts_hidden:  # blind voting: no count before voting closes
        votes = " The votes on it went back to their voters."
    return outcome(changed, f"Removed {item.id} {quoted(item.text)}{also}.{votes}", *effects)


# ----- moving and ordering ----------------------------------------------------------------


def move(w: Workshop, cmd: c.Move, actor: str, now: datetime) -> Outcome:
    item = find(w, cmd.item_id)
    if isinstance(item, Activity):
        raise Rejected(
            f"Activities are not moved under anything; change the backbone's order with "
            f"`/storymap order {item.id} ...` (the activities left to right)."
        )
    wanted = "T" if isinstance(item, Story) else "A"
    to_id = normalise_id(cmd.to_id)
    if to_id is None or to_id[0] != wanted:
        noun = "a task (T1)" if wanted == "T" else "an activity (A1)"
        raise Rejected(
            f"A {_NOUN[item.id[0]]} moves under {noun}: `/storymap move {item.id} {wanted}2`."
        )
    may_change(w, item, actor, "move")
    parent = find(w, to_id)
    current = item.task_id if isinstance(item, Story) else item.activity_id
    if parent.id == current:
        raise Rejected(f"{item.id} is already under {parent.id}.")
    for sibling in w.stories_of(parent.id) if isinstance(item, Story) else w.tasks_of(parent.id):
        if same_text(sibling.text, item.text):
            raise Rejected(f"{quoted(item.text)} is already under {parent.id} as {sibling.id}.")
    reply = (
        f"Moved {item.id} {quoted(item.text)} from {current} to {parent.id} {quoted(parent.text)}."
    )
    if isinstance(item, Story):
        moved_story = item.model_copy(update={"task_id": parent.id})
        order = {k: tuple(i for i in v if i != item.id) for k, v in w.story_order.items()}
        changed = _replace(w, moved_story).model_copy(
            update={"story_order": {k: v for k, v in order.items() if v}}
        )
        return outcome(changed, f"{reply} Its votes stay with it.", *_card(w, item.id))
    moved_task = item.model_copy(update={"activity_id": parent.id})
    # Last under its new activity, left to right.
    tasks = (*(t for t in w.tasks if t.id != item.id), moved_task)
    return outcome(w.model_copy(update={"tasks": tasks}), reply)


def _ordered(
    items: tuple[Activity, ...] | tuple[Task, ...], ids: tuple[str, ...]
) -> tuple[str, ...]:
    listed_ids = [i for i in ids if any(x.id == i for x in items)]
    return (*listed_ids, *(x.id for x in items if x.id not in listed_ids))


def _distinct(raw_ids: Iterable[str], kind: str) -> tuple[str, ...]:
    out: list[str] = []
    for raw in raw_ids:
        item_id = normalise_id(raw)
        if item_id is None or item_id[0] != kind:
            raise Rejected(
                f"{shown_id(raw)} is not {'an activity' if kind == 'A' else 'a task'} id; "
                f"they look like {kind}1."
            )
        if item_id in out:
            raise Rejected(f"{item_id} is listed twice.")
        out.append(item_id)
    if not out:
        raise Rejected("Name them in the order you want, e.g. `/storymap order A2 A1 A3`.")
    return tuple(out)


def order_activities(w: Workshop, cmd: c.OrderActivities, actor: str, now: datetime) -> Outcome:
    ids = _distinct(cmd.activity_ids, "A")
    for item_id in ids:
        find(w, item_id)
    order = _ordered(w.activities, ids)
    activities = tuple(next(a for a in w.activities if a.id == i) for i in order)
    if activities == w.activities:
        raise Rejected(f"The backbone already reads {' > '.join(order)}.")
    return outcome(
        w.model_copy(update={"activities": activities}),
        f"Backbone, left to right: {' > '.join(order)}.",
    )


def order_tasks(w: Workshop, cmd: c.OrderTasks, actor: str, now: datetime) -> Outcome:
    activity = find(w, cmd.activity_id)
    if not isinstance(activity, Activity):
        raise Rejected("Give an activity first, then its tasks: `/storymap order A1 T3 T2`.")
    ids = _distinct(cmd.task_ids, "T")
    under = w.tasks_of(activity.id)
    for item_id in ids:
        task = find(w, item_id)
        if isinstance(task, Task) and task.activity_id != activity.id:
            raise Rejected(
                f"{task.id} is not under {activity.id}; it belongs to {task.activity_id}."
            )
    order = _ordered(under, ids)
    wanted = iter(order)
    by_id = {t.id: t for t in w.tasks}
    tasks = tuple(by_id[next(wanted)] if t.activity_id == activity.id else t for t in w.tasks)
    if tasks == w.tasks:
        raise Rejected(f"The tasks under {activity.id} already read {' > '.join(order)}.")
    return outcome(
        w.model_copy(update={"tasks": tasks}),
        f"Tasks under {activity.id}, left to right: {' > '.join(order)}.",
    )


# ----- splitting --------------------------------------------------------------------------


def split(w: Workshop, cmd: c.Split, actor: str, now: datetime) -> Outcome:
    item = find(w, cmd.story_id)
    if not isinstance(item, Story):
        raise Rejected(f"Only a story splits into smaller ones; {item.id} is not a story.")
    may_change(w, item, actor, "split")
    example = f"`/storymap split {item.id} first part | second part`"
    texts = [clean(t, "story", example) for t in cmd.texts if t.strip()]
    if len(texts) < 2:
        raise Rejected(f"A split needs at least two parts, separated by `|`: {example}.")
    others = [s for s in w.stories_of(item.task_id) if s.id != item.id]
    for n, text in enumerate(texts):
        if any(same_text(text, t) for t in texts[:n]):
            raise Rejected(f"{quoted(text)} is given twice; each part needs its own words.")
        for other in others:
            if same_text(other.text, text):
                raise Rejected(f"{quoted(text)} is already under {item.task_id} as {other.id}.")
    if len(w.stories) - 1 + len(texts) > MAX_ITEMS["story"]:
        raise Rejected(
            f"This map can hold {MAX_ITEMS['story']} stories; splitting {item.id} into "
            f"{len(texts)} would pass that. Nothing was split."
        )
    first = w.counters.S + 1
    parts = tuple(
        Story(
            id=f"S{first + n}",
            task_id=item.task_id,
            text=text,
            author=actor,
            created_at=now,
            link=item.link,
        )
        for n, text in enumerate(texts)
    )
    new_ids = tuple(p.id for p in parts)

    def in_place(ids: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(x for i in ids for x in (new_ids if i == item.id else (i,)))

    stories = tuple(x for s in w.stories for x in (parts if s.id == item.id else (s,)))
    voters = w.votes.get(item.id, ())
    effects: list[Effect] = []
    if voters:
        effects.append(VotesReturned(story_id=item.id, text=item.text, voters=voters))
    changed = w.model_copy(
        update={
            "stories": stories,
            "counters": w.counters.model_copy(update={"S": first + len(parts) - 1}),
            "votes": {k: v for k, v in w.votes.items() if k != item.id},
            "story_order": {k: in_place(v) for k, v in w.story_order.items()},
            "slices": tuple(
                r.model_copy(update={"story_ids": in_place(r.story_ids)}) for r in w.slices
            ),
        }
    )
    names = listed([f"{p.id} {quoted(p.text)}" for p in parts])
    return outcome(
        changed, f"Split {item.id} {quoted(item.text)} into {names}.", *effects, *_card(w, item.id)
    )


# ----- undo -------------------------------------------------------------------------------


def undo(w: Workshop, cmd: c.Undo, actor: str, now: datetime) -> Outcome:
    entry = history.target(w, actor)
    history.check(w, entry)
    restored = history.restore(w, entry)
    before_ids = {s.id for s in w.stories}
    after_ids = {s.id for s in restored.stories}
    taken = before_ids - after_ids
    effects: list[Effect] = []
    for story_id in sorted(taken):
        voters = w.votes.get(story_id, ())
        story = w.story(story_id)
        if voters and story is not None:
            effects.append(VotesReturned(story_id=story_id, text=story.text, voters=voters))
    restored = restored.model_copy(
        update={
            "votes": {k: v for k, v in w.votes.items() if k in after_ids},
            "history": tuple(
                e.model_copy(update={"undone_by": w.changes_made + 1}) if e.seq == entry.seq else e
                for e in w.history
            ),
        }
    )
    touched = sorted((before_ids | after_ids) & {k for k in entry.before if k.startswith("S")})
    return outcome(restored, f"Undone #{entry.seq}: {entry.summary}", *effects, *_card(w, *touched))


# ----- thread replies ---------------------------------------------------------------------


def _from_reply(w: Workshop, source: str) -> tuple[Item, ...]:
    items: list[Item] = [a for a in w.activities if a.source == source]
    items.extend(t for t in w.tasks if t.source == source)
    items.extend(s for s in w.stories if s.source == source)
    return tuple(items)


def edit_reply(w: Workshop, cmd: c.EditReply, actor: str, now: datetime) -> Outcome:
    items = _from_reply(w, cmd.source)
    if not items:
        raise Rejected(NOTHING_FROM_REPLY)
    lines = [line for line in cmd.lines if line.strip()]
    if len(lines) != len(items):
        ids = " ".join(i.id for i in items)
        raise Rejected(
            f"Your edited reply has {_count(len(lines), 'line', 'lines')} but it added "
            f"{_count(len(items), 'item', 'items')} ({ids}), so nothing was changed. "
            f"Rename one with `/storymap rename {items[0].id} <new words>`, or add more "
            "in a new reply."
        )
    changed = w
    replies: list[str] = []
    cards: list[str] = []
    for item, line in zip(items, lines, strict=True):
        current = find(changed, item.id)
        if same_text(current.text, line) and current.text == " ".join(line.split()):
            continue
        changed, reply = renamed(changed, current, line, actor)
        replies.append(reply)
        if isinstance(current, Story):
            cards.append(current.id)
    if not replies:
        raise Rejected("Your edit changed nothing on the map.")
    return outcome(changed, "\n".join(replies), *_card(w, *cards))


def delete_reply(w: Workshop, cmd: c.DeleteReply, actor: str, now: datetime) -> Outcome:
    items = _from_reply(w, cmd.source)
    if not items:
        raise Rejected(NOTHING_FROM_REPLY)
    for item in items:
        may_change(w, item, actor, "remove")
        tasks, stories = _children(w, item)
        below = [t.id for t in tasks if t.source != cmd.source]
        below += [s.id for s in stories if s.source != cmd.source]
        if below:
            raise Rejected(
                f"Your deleted reply added {item.id} {quoted(item.text)}, which has "
                f"{' '.join(below)} under it now, so it stays. Remove it with "
                f"`/storymap remove {item.id}` if it should go."
            )
    changed, effects = without(w, [i.id for i in items])
    names = listed([f"{i.id} {quoted(i.text)}" for i in items])
    return outcome(changed, f"Your reply was deleted, so {names} left the map.", *effects)
