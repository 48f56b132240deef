"""The walking-skeleton check: Release 1 should span the whole backbone.

Jeff Patton's first release is a walking skeleton: a thin slice that touches every
backbone activity, so the product works end to end, however crudely. An activity with
no story in Release 1 is a gap; the facilitator is warned before publishing (never
blocked) and the published map marks it.
"""

from __future__ import annotations

from bot.domain.model import Activity, Workshop


def skeleton_gaps(w: Workshop) -> tuple[Activity, ...]:
    """The backbone activities, in narrative order, that Release 1 gives no story (none
    when there is no release yet)."""
    if not w.slices:
        return ()
    first = set(w.slices[0].story_ids)
    activity_of = {t.id: t.activity_id for t in w.tasks}
    covered = {activity_of.get(s.task_id) for s in w.stories if s.id in first}
    return tuple(a for a in w.activities if a.id not in covered)
