"""The one-pass index orders stories exactly as ``Workshop.prioritised`` does."""

from __future__ import annotations

from bot.domain import commands as c
from bot.domain.model import Stage
from bot.render.index import index
from tests.builders import PARTICIPANTS, run
from tests.render.factory import grown
from tests.render.test_map import seed_with_priorities


def test_index_matches_prioritised_with_votes_and_a_facilitator_order() -> None:
    w = seed_with_priorities()
    ix = index(w)
    assert w.story_order, "the seed walk sets an explicit order"
    for task in w.tasks:
        assert ix.stories_of[task.id] == list(w.prioritised(task.id))
    assert ix.release_of == {"S3": 0, "S4": 0, "S5": 1, "S10": 1}


def test_index_matches_prioritised_on_a_larger_voted_map() -> None:
    w = grown(Stage.VOTING, activities=3, tasks_per_activity=3, stories=90)
    for n, voter in enumerate(PARTICIPANTS):
        for k in range(3):
            w = run(w, c.CastVote(story_id=f"S{(n * 7 + k * 13) % 90 + 1}"), voter)
    w = run(w, c.OrderStories(task_id="T2", story_ids=("S83", "S20")))
    ix = index(w)
    for task in w.tasks:
        assert ix.stories_of[task.id] == list(w.prioritised(task.id))
    assert [s.id for s in ix.stories_of["T2"][:2]] == ["S83", "S20"]
    assert [t.id for t in ix.tasks_of["A2"]] == ["T4", "T5", "T6"]
