"""One pass over a workshop that every large renderer reads from.

Rule kept: renderers never call the per-item lookups of ``Workshop`` in a loop (each is
a scan of a tuple, so the map would be quadratic in its stories). ``index`` groups tasks
by activity and stories by task once, in O(n log n) for the priority sort; the story
order is exactly ``Workshop.prioritised`` (facilitator's order, then votes descending,
then creation order), which a test keeps in step.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.model import Activity, Story, Task, Workshop


@dataclass(frozen=True)
class MapIndex:
    activity_by_id: dict[str, Activity]
    task_by_id: dict[str, Task]
    story_by_id: dict[str, Story]
    #: activity id -> its tasks, in creation order.
    tasks_of: dict[str, list[Task]]
    #: task id -> its stories, highest priority first.
    stories_of: dict[str, list[Story]]
    #: story id -> index of the release slice holding it.
    release_of: dict[str, int]


def index(w: Workshop) -> MapIndex:
    tasks_of: dict[str, list[Task]] = {a.id: [] for a in w.activities}
    for task in w.tasks:
        tasks_of.setdefault(task.activity_id, []).append(task)
    grouped: dict[str, list[Story]] = {t.id: [] for t in w.tasks}
    for story in w.stories:
        grouped.setdefault(story.task_id, []).append(story)
    story_by_id = {s.id: s for s in w.stories}
    creation = {s.id: n for n, s in enumerate(w.stories)}
    stories_of = {
        task_id: _prioritised(w, task_id, stories, story_by_id, creation)
        for task_id, stories in grouped.items()
    }
    release_of = {sid: n for n, release in enumerate(w.slices) for sid in release.story_ids}
    return MapIndex(
        activity_by_id={a.id: a for a in w.activities},
        task_by_id={t.id: t for t in w.tasks},
        story_by_id=story_by_id,
        tasks_of=tasks_of,
        stories_of=stories_of,
        release_of=release_of,
    )


def _prioritised(
    w: Workshop,
    task_id: str,
    stories: list[Story],
    known: dict[str, Story],
    creation: dict[str, int],
) -> list[Story]:
    chosen = [sid for sid in w.story_order.get(task_id, ()) if sid in known]
    rank = {sid: n for n, sid in enumerate(chosen)}
    last = len(rank)
    return sorted(
        stories,
        key=lambda s: (rank.get(s.id, last), -w.vote_count(s.id), creation[s.id]),
    )
