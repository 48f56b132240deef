"""The release plan a workshop that runs itself proposes when voting closes.

Rules this module keeps:
- Release 1 is a walking skeleton: the top story of every task, so every activity that
  has stories is covered and the product works end to end, however thinly;
- a task's stories are ranked by votes, most first, ties broken by the map's priority
  order (``Workshop.prioritised``: the facilitator's order, then creation);
- Release 2, 3, ... are the next rows down the map: each task's next story in that
  ranking, taken only while it has votes, so a release holds what people voted for and
  stories nobody voted for stay below the lines;
- no story is in two releases; stories keep the map's order (activity, task) within a
  release; at most ``MAX_PROPOSED`` releases;
- every release's outcome is left empty, for the team to fill in; Release 1 is called
  ``SKELETON``, the others by their most-voted story (ties: map order), shortened to the
  release name's limit.
"""

from __future__ import annotations

from typing import Final

from bot.domain.model import ReleaseSlice, Story, Workshop
from bot.domain.text import LIMITS

SKELETON: Final = "Walking skeleton"
#: The most releases proposed (the slicing form shows more, for the facilitator's own).
MAX_PROPOSED: Final = 5


def ranked(w: Workshop, task_id: str) -> tuple[Story, ...]:
    """The task's stories, most votes first, ties in the map's priority order."""
    order = w.prioritised(task_id)
    place = {s.id: n for n, s in enumerate(order)}
    return tuple(sorted(order, key=lambda s: (-w.vote_count(s.id), place[s.id])))


def proposed_slices(w: Workshop) -> tuple[ReleaseSlice, ...]:
    """Release 1 as a walking skeleton, then the next rows of voted stories."""
    tasks = [t for a in w.activities for t in w.tasks_of(a.id)]
    rows = {t.id: ranked(w, t.id) for t in tasks}
    releases: list[ReleaseSlice] = []
    for depth in range(max((len(r) for r in rows.values()), default=0)):
        picked = [
            rows[t.id][depth]
            for t in tasks
            if depth < len(rows[t.id]) and (depth == 0 or w.vote_count(rows[t.id][depth].id))
        ]
        if not picked or len(releases) == MAX_PROPOSED:
            break
        releases.append(
            ReleaseSlice(
                name=SKELETON if depth == 0 else _named(w, picked),
                story_ids=tuple(s.id for s in picked),
            )
        )
    return tuple(releases)


def _named(w: Workshop, stories: list[Story]) -> str:
    top = max(stories, key=lambda s: w.vote_count(s.id))  # max keeps the first of equals
    limit = LIMITS["release"]
    return top.text if len(top.text) <= limit else top.text[: limit - 1].rstrip() + "…"
