"""The walking-skeleton check names the activities Release 1 leaves without a story."""

from __future__ import annotations

from bot.domain.model import ReleaseSlice, Stage
from bot.domain.skeleton import skeleton_gaps
from tests.builders import workshop_at


def test_a_release_1_spanning_the_backbone_has_no_gap() -> None:
    w = workshop_at(Stage.SLICING)
    every = tuple(w.prioritised(w.tasks_of(a.id)[0].id)[0].id for a in w.activities)
    w = w.model_copy(update={"slices": (ReleaseSlice(name="Skeleton", story_ids=every),)})
    assert skeleton_gaps(w) == ()


def test_the_activities_release_1_misses_are_named_in_backbone_order() -> None:
    w = workshop_at(Stage.SLICING)
    a1 = w.activities[0]
    first_task = next(t for t in w.tasks if t.activity_id == a1.id)
    story = next(s for s in w.stories if s.task_id == first_task.id)
    later = next(s for s in w.stories if s.id != story.id)
    w = w.model_copy(
        update={
            "slices": (
                ReleaseSlice(name="Thin", story_ids=(story.id,)),
                ReleaseSlice(name="Rest", story_ids=(later.id,)),
            )
        }
    )
    assert [a.id for a in skeleton_gaps(w)] == [a.id for a in w.activities[1:]]


def test_no_release_yet_is_no_gap() -> None:
    assert skeleton_gaps(workshop_at(Stage.SLICING).model_copy(update={"slices": ()})) == ()
