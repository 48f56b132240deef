"""The workshop's history: what each change did, and how ``undo`` takes one back.

The map is seen as *slots*, each with a value that a change may alter:

- ``persona``; each item by its id (``A3``, ``T7``, ``S12``: its JSON, parent included);
- the order of each list: ``backbone`` (the activities), ``tasks:A1`` (the tasks under
  A1), ``stories:T2`` (the stories under T2, in the order they were added);
- ``priority:T2`` (the facilitator's order of T2's stories), ``slices``, ``budget``
  (the vote budget, with the cap per card when it is above 1: ``5 cap 2``).

``record`` compares the state before and after a change and keeps, for each slot that
changed, its value before and a digest of its value after. A list's order is recorded
only when items in it changed places, not when one was added or removed (its position
is kept in ``places`` instead), so two people adding items do not block each other's
undo.

``undo`` restores the ``before`` values of one change when every slot it changed still
has the value it left (the digest matches); otherwise it refuses, naming the later
change that touched the slot. An item an undo would take away must have no tasks or
stories under it and be in no release; an item it would bring back needs its parent.
Votes are not part of the map's slots: a removed story's votes went back to the voters
(who were told) and an undo does not take them again; an undo that would put back a
budget or cap the votes cast since exceed is refused. Id counters only grow: an undone
add leaves its id unused forever.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import datetime
from typing import Final, TypeVar

from bot.domain.errors import Rejected
from bot.domain.model import (
    HISTORY_KEPT,
    Activity,
    Change,
    Persona,
    ReleaseSlice,
    Story,
    Task,
    Workshop,
)

Slots = dict[str, str]

#: The lists whose order is a slot, by the kind of item they hold.
_LISTS: Final = ("backbone", "tasks:", "stories:")


def digest(value: str | None) -> str | None:
    """A short fingerprint of a slot's value (None stays None: the slot is empty)."""
    if value is None:
        return None
    return hashlib.blake2b(value.encode(), digest_size=8).hexdigest()


def _ids(items: Iterable[Activity | Task | Story]) -> str:
    return " ".join(i.id for i in items)


def _groups(w: Workshop) -> dict[str, str]:
    """The order slots: each list's ids, space-separated (empty lists left out)."""
    groups: dict[str, list[str]] = {}
    if w.activities:
        groups["backbone"] = [a.id for a in w.activities]
    for t in w.tasks:
        groups.setdefault(f"tasks:{t.activity_id}", []).append(t.id)
    for s in w.stories:
        groups.setdefault(f"stories:{s.task_id}", []).append(s.id)
    return {name: " ".join(ids) for name, ids in groups.items()}


def _values(w: Workshop) -> Slots:
    """Every slot but the items' (those are compared by identity first: cheap)."""
    slots = dict(_groups(w))
    if w.persona is not None:
        slots["persona"] = w.persona.model_dump_json()
    for task_id, order in w.story_order.items():
        slots[f"priority:{task_id}"] = " ".join(order)
    if w.slices:
        slots["slices"] = json.dumps([r.model_dump(mode="json") for r in w.slices])
    slots["budget"] = _budget_slot(w.settings.vote_budget, w.settings.vote_cap)
    return slots


def _budget_slot(budget: int, cap: int) -> str:
    """The ``budget`` slot: ``"5"``, or ``"5 cap 2"`` with a cap per card above 1 (so a
    slot recorded before caps existed reads the same)."""
    return str(budget) if cap == 1 else f"{budget} cap {cap}"


def _budget_of(value: str) -> tuple[int, int]:
    """(budget, cap) from a ``budget`` slot's value."""
    budget, _, cap = value.partition(" cap ")
    return int(budget), int(cap or 1)


def _items(w: Workshop) -> dict[str, Activity | Task | Story]:
    items: dict[str, Activity | Task | Story] = {a.id: a for a in w.activities}
    items.update({t.id: t for t in w.tasks})
    items.update({s.id: s for s in w.stories})
    return items


def _reordered(before: str | None, after: str | None) -> bool:
    """Whether the ids both lists hold are in a different order (not just added/removed)."""
    old, new = (before or "").split(), (after or "").split()
    common = set(old) & set(new)
    return [i for i in old if i in common] != [i for i in new if i in common]


_LIST_KINDS: Final = ("activities", "tasks", "stories")
Listed = Activity | Task | Story


def _list_groups(w: Workshop, kind: str) -> dict[str, str]:
    """The order slots of one kind of item: ``backbone``, ``tasks:A1``, ``stories:T2``."""
    if kind == "activities":
        return {"backbone": _ids(w.activities)} if w.activities else {}
    groups: dict[str, list[str]] = {}
    if kind == "tasks":
        for t in w.tasks:
            groups.setdefault(f"tasks:{t.activity_id}", []).append(t.id)
    else:
        for story in w.stories:
            groups.setdefault(f"stories:{story.task_id}", []).append(story.id)
    return {name: " ".join(ids) for name, ids in groups.items()}


def _scalars(w: Workshop) -> Slots:
    """The slots that are not items or lists: persona, priorities, slices, budget."""
    return {k: v for k, v in _values(w).items() if not k.startswith(_LISTS)}


def _predecessors(items: tuple[Listed, ...]) -> dict[str, str | None]:
    """Each item's id -> the id just before it in its flat list (None: it is first)."""
    out: dict[str, str | None] = {}
    previous: str | None = None
    for item in items:
        out[item.id] = previous
        previous = item.id
    return out


def diff(
    before: Workshop, after: Workshop
) -> tuple[dict[str, str | None], dict[str, str | None], dict[str, str | None]]:
    """(slot -> value before, None if empty; slot -> digest after; places) of a change.

    Only what changed is looked at closely: a list that is the same tuple is skipped,
    items are compared by identity first, and a list's order slots are only computed
    when the items both versions hold are in another order.
    """
    old: dict[str, str | None] = {}
    new: dict[str, str | None] = {}
    places: dict[str, str | None] = {}
    for kind in _LIST_KINDS:
        was_list: tuple[Listed, ...] = getattr(before, kind)
        now_list: tuple[Listed, ...] = getattr(after, kind)
        if was_list is now_list or _in_place(was_list, now_list, old, new):
            continue
        was_items = {i.id: i for i in was_list}
        now_items = {i.id: i for i in now_list}
        was_places, now_places = _predecessors(was_list), _predecessors(now_list)
        for item_id in was_items.keys() | now_items.keys():
            was, now = was_items.get(item_id), now_items.get(item_id)
            if was is not None and (now is None or was_places[item_id] != now_places[item_id]):
                places[item_id] = was_places[item_id]
            if was is now or was == now:
                continue
            old[item_id] = was.model_dump_json() if was is not None else None
            new[item_id] = digest(now.model_dump_json()) if now is not None else None
        common = was_items.keys() & now_items.keys()
        if [i.id for i in was_list if i.id in common] != [i.id for i in now_list if i.id in common]:
            _changed_slots(_list_groups(before, kind), _list_groups(after, kind), old, new)
    if (
        before.persona != after.persona
        or before.story_order != after.story_order
        or before.slices != after.slices
        or before.settings != after.settings
    ):
        _changed_slots(_scalars(before), _scalars(after), old, new)
    return dict(sorted(old.items())), dict(sorted(new.items())), dict(sorted(places.items()))


def _in_place(
    was: tuple[Listed, ...],
    now: tuple[Listed, ...],
    old: dict[str, str | None],
    new: dict[str, str | None],
) -> bool:
    """The common cases, cheaply: items appended at the end, or changed where they stand
    (same ids in the same places). Records them and says True; else records nothing."""
    if len(now) >= len(was) and now[: len(was)] == was:
        for item in now[len(was) :]:
            old[item.id] = None
            new[item.id] = digest(item.model_dump_json())
        return True
    if len(now) != len(was):
        return False
    changed = [(a, b) for a, b in zip(was, now, strict=True) if a is not b]
    if any(a.id != b.id for a, b in changed):
        return False
    for a, b in changed:
        if a != b:
            old[a.id] = a.model_dump_json()
            new[a.id] = digest(b.model_dump_json())
    return True


def _changed_slots(
    was: Slots, now: Slots, old: dict[str, str | None], new: dict[str, str | None]
) -> None:
    """Record in ``old``/``new`` the slots whose value differs (a list's: if reordered)."""
    for slot in was.keys() | now.keys():
        was_value, now_value = was.get(slot), now.get(slot)
        if was_value == now_value:
            continue
        if slot.startswith(_LISTS) and not _reordered(was_value, now_value):
            continue
        old[slot] = was_value
        new[slot] = digest(now_value)


def record(
    before: Workshop,
    after: Workshop,
    *,
    actor: str,
    kind: str,
    summary: str,
    now: datetime,
    undoable: bool = True,
) -> Workshop:
    """``after`` with one more history entry saying what changed from ``before``."""
    old, new, places = diff(before, after)
    seq = after.changes_made + 1
    entry = Change(
        seq=seq,
        actor=actor,
        at=now,
        kind=kind,
        summary=summary,
        before=old,
        after=new,
        places=places,
        undoable=undoable and bool(old or places),
    )
    history = (*after.history, entry)[-HISTORY_KEPT:]
    return after.model_copy(update={"history": history, "changes_made": seq})


# ----- undo ---------------------------------------------------------------------------


def target(w: Workshop, actor: str) -> Change:
    """The change ``actor``'s undo takes back: their own last one still standing (the
    facilitator's: the workshop's last one)."""
    mine = actor != w.facilitator
    for entry in reversed(w.history):
        if mine and entry.actor != actor:
            continue
        if entry.undoable and entry.undone_by is None:
            return entry
    raise Rejected(
        "You have no change to the map left to undo."
        if mine
        else "There is no change to the map left to undo."
    )


def _who_touched(w: Workshop, entry: Change, slot: str) -> str:
    later = next(
        (e for e in w.history if e.seq > entry.seq and (slot in e.after or slot in e.places)),
        None,
    )
    if later is None:
        return "a later change"
    return f"#{later.seq} by <@{later.actor}> ({later.summary})"


def _slot_label(slot: str) -> str:
    if slot == "backbone":
        return "the backbone's order"
    for prefix, label in (
        ("tasks:", "the order of the tasks under "),
        ("stories:", "the stories under "),
        ("priority:", "the priority under "),
    ):
        if slot.startswith(prefix):
            return label + slot.removeprefix(prefix)
    if slot == "slices":
        return "the release slices"
    if slot == "budget":
        return "the vote budget"
    return slot


def _check_budget(w: Workshop, entry: Change) -> None:
    """Refuse to put back a budget or a cap per card that votes cast since exceed."""
    value = entry.before.get("budget")
    if not value:
        return
    budget, cap = _budget_of(value)
    for _, voters in sorted(w.votes.items()):
        for voter in sorted(set(voters)):
            if w.votes_used(voter) > budget or voters.count(voter) > cap:
                raise Rejected(
                    f"Cannot undo #{entry.seq} ({entry.summary}): votes cast since would "
                    f"exceed a budget of {budget} or {cap} per card. Take votes back first."
                )


def check(w: Workshop, entry: Change) -> None:
    """Refuse to undo ``entry`` when a later change depends on what it did."""
    current_items = _items(w)
    current_values = _values(w)
    for slot, expected in entry.after.items():
        item = current_items.get(slot)
        value = item.model_dump_json() if item is not None else current_values.get(slot)
        if digest(value) != expected:
            raise Rejected(
                f"Cannot undo #{entry.seq} ({entry.summary}): {_slot_label(slot)} changed since, "
                f"in {_who_touched(w, entry, slot)}. Undo that first."
            )
    _check_budget(w, entry)
    restored = {slot: value for slot, value in entry.before.items() if _is_item(slot)}
    for slot, value in restored.items():
        if value is None:  # the undo takes this item away
            children = (
                w.tasks_of(slot)
                if slot.startswith("A")
                else w.stories_of(slot)
                if slot.startswith("T")
                else ()
            )
            leaving = set(restored)
            left = [c.id for c in children if c.id not in leaving]
            if left:
                raise Rejected(
                    f"Cannot undo #{entry.seq} ({entry.summary}): {' '.join(left)} "
                    f"{'was' if len(left) == 1 else 'were'} added under {slot} since. Remove "
                    f"{'it' if len(left) == 1 else 'them'} first."
                )
            if (
                slot.startswith("S")
                and w.slice_of(slot) is not None
                and "slices" not in entry.before
            ):
                raise Rejected(
                    f"Cannot undo #{entry.seq} ({entry.summary}): {slot} was put in a release "
                    "since. Take it out of the release first."
                )
        else:
            parent = _parent_of(value)
            if parent is not None and parent not in current_items and restored.get(parent) is None:
                raise Rejected(
                    f"Cannot undo #{entry.seq} ({entry.summary}): {parent}, where it was, "
                    "is gone from the map."
                )


def _parent_of(value: str) -> str | None:
    data = json.loads(value)
    parent = data.get("activity_id") or data.get("task_id")
    return str(parent) if parent else None


T = TypeVar("T", Activity, Task, Story)


def _put_back(
    items: tuple[T, ...], chosen: dict[str, T | None], places: dict[str, str | None]
) -> tuple[T, ...]:
    """``items`` with the chosen ids replaced or taken away, and the items that have a
    place put back right after the item they followed (first when they followed none,
    last when that one is gone)."""
    present = {x.id for x in items}
    placed = {i for i in places if i in present or chosen.get(i) is not None}
    values = {i.id: i for i in items}
    values.update({k: v for k, v in chosen.items() if v is not None})
    result = [values[i.id] for i in items if i.id not in placed and chosen.get(i.id, i) is not None]
    pending = [i for i in places if i in placed]
    while pending:
        ids = [x.id for x in result]
        ready = next(
            (
                i
                for i in pending
                if places[i] is None or places[i] in ids or places[i] not in pending
            ),
            pending[0],
        )
        pending.remove(ready)
        after = places[ready]
        index = 0 if after is None else ids.index(after) + 1 if after in ids else len(result)
        result.insert(index, values[ready])
    return tuple(result)


def _reorder(items: tuple[T, ...], ids: list[str]) -> tuple[T, ...]:
    """``items`` with those named in ``ids`` put in that order, in the places they hold."""
    present = {i.id for i in items}
    wanted = iter([i for i in ids if i in present])
    members = {i for i in ids if i in present}
    by_id = {i.id: i for i in items}
    return tuple(by_id[next(wanted)] if i.id in members else i for i in items)


def _is_item(slot: str) -> bool:
    return slot[:1] in "ATS" and slot[1:].isdigit()


def _settings_update(w: Workshop, before: dict[str, str | None]) -> dict[str, object]:
    """The non-item slots' values put back: persona, priorities, slices, budget."""
    update: dict[str, object] = {}
    story_order = dict(w.story_order)
    for slot, value in before.items():
        if slot == "persona":
            update["persona"] = Persona.model_validate_json(value) if value else None
        elif slot.startswith("priority:"):
            task_id = slot.removeprefix("priority:")
            if value:
                story_order[task_id] = tuple(value.split())
            else:
                story_order.pop(task_id, None)
        elif slot == "slices":
            update["slices"] = (
                tuple(ReleaseSlice.model_validate(r) for r in json.loads(value)) if value else ()
            )
        elif slot == "budget" and value:
            budget, cap = _budget_of(value)
            update["settings"] = w.settings.model_copy(
                update={"vote_budget": budget, "vote_cap": cap}
            )
    update["story_order"] = story_order
    return update


def restore(w: Workshop, entry: Change) -> Workshop:
    """``w`` with ``entry``'s ``before`` values put back (``check`` it first)."""
    items = {slot: value for slot, value in entry.before.items() if _is_item(slot)}
    places = entry.places
    activities = _put_back(
        w.activities,
        {
            k: Activity.model_validate_json(v) if v else None
            for k, v in items.items()
            if k[0] == "A"
        },
        {k: v for k, v in places.items() if k[0] == "A"},
    )
    tasks = _put_back(
        w.tasks,
        {k: Task.model_validate_json(v) if v else None for k, v in items.items() if k[0] == "T"},
        {k: v for k, v in places.items() if k[0] == "T"},
    )
    stories = _put_back(
        w.stories,
        {k: Story.model_validate_json(v) if v else None for k, v in items.items() if k[0] == "S"},
        {k: v for k, v in places.items() if k[0] == "S"},
    )
    for slot, value in entry.before.items():
        if slot == "backbone" and value:
            activities = _reorder(activities, value.split())
        elif slot.startswith("tasks:") and value:
            tasks = _reorder(tasks, value.split())
        elif slot.startswith("stories:") and value:
            stories = _reorder(stories, value.split())
    update = _settings_update(w, entry.before)
    live = {s.id for s in stories}
    order = update.pop("story_order")
    assert isinstance(order, dict)
    story_order = {k: tuple(i for i in v if i in live) for k, v in order.items()}
    return w.model_copy(
        update={
            **update,
            "activities": activities,
            "tasks": tasks,
            "stories": stories,
            "story_order": {k: v for k, v in story_order.items() if v},
        }
    )
