"""The proposed release plan: a walking skeleton, then the next rows of voted stories.

Seed (tests.builders) at voting: A1 (T1), A2 (T2), A3 (T3 T4 T5 T6), A4 (T7), one story
per task S1..S7; more stories are added here, then votes cast, then voting closed.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain import commands as c
from bot.domain.model import Stage, Workshop
from bot.domain.proposal import MAX_PROPOSED, SKELETON, proposed_slices, ranked
from bot.domain.skeleton import skeleton_gaps
from tests.builders import Clock, run, workshop_at

VOTERS = ("UBEN", "UCHLOE", "UDEV", "UEMI", "UFAY", "UGUS")


def with_extra_stories(extra: dict[str, int]) -> Workshop:
    """Voting, after adding ``extra[task]`` more stories under each task (story stage)."""
    clock = Clock()
    w = run(workshop_at(Stage.VOTING), c.Back(), clock=clock)
    for task_id, count in extra.items():
        for n in range(count):
            w = run(w, c.AddStory(task_id=task_id, text=f"{task_id} more {n}"), "UDEV", clock)
    return run(w, c.Next(), clock=clock)


def closed(w: Workshop, votes: dict[str, int]) -> Workshop:
    """Cast ``votes[story]`` votes (each by another voter), then close voting."""
    clock = Clock()
    w = run(w, c.SetVoteBudget(budget=20), clock=clock)
    for story_id, count in votes.items():
        for voter in VOTERS[:count]:
            w = run(w, c.CastVote(story_id=story_id), voter, clock)
    return run(w, c.Next(), clock=clock)


def test_release_1_is_each_tasks_top_voted_story_then_the_next_voted_row() -> None:
    # T3 gets S8 and S9, T1 gets S10: S1 (T1) 0 votes, S10 (T1) 2 votes; S3 (T3) 1,
    # S8 (T3) 3, S9 (T3) 1; S7 (T7) 1.
    w = with_extra_stories({"T3": 2, "T1": 1})
    w = closed(w, {"S10": 2, "S3": 1, "S8": 3, "S9": 1, "S7": 1})
    plan = proposed_slices(w)
    assert plan[0].name == SKELETON
    # One per task, in map order: T1 S10, T2 S2, T3 S8, T4 S4, T5 S5, T6 S6, T7 S7.
    assert plan[0].story_ids == ("S10", "S2", "S8", "S4", "S5", "S6", "S7")
    # The next row: only stories with votes (T1's S1 has none), ties (S3, S9: one vote
    # each) in the map's priority order (S3 was added first).
    assert plan[1].story_ids == ("S3",)
    assert plan[2].story_ids == ("S9",)
    assert len(plan) == 3
    assert all(r.outcome == "" for r in plan)
    assert plan[1].name == "Story for View real-time map"


def test_the_skeleton_covers_every_activity_and_publishing_it_needs_no_anyway() -> None:
    w = closed(with_extra_stories({"T4": 1}), {"S8": 2})
    plan = proposed_slices(w)
    activity_of = {t.id: t.activity_id for t in w.tasks}
    covered = {activity_of[s.task_id] for s in w.stories if s.id in plan[0].story_ids}
    assert covered == {a.id for a in w.activities}
    assert skeleton_gaps(w.model_copy(update={"slices": plan})) == ()


def test_ties_in_votes_follow_the_facilitators_order() -> None:
    w = with_extra_stories({"T3": 1})  # S8 under T3
    w = run(w, c.OrderStories(task_id="T3", story_ids=("S8", "S3")))
    w = closed(w, {"S3": 1, "S8": 1})
    assert [s.id for s in ranked(w, "T3")] == ["S8", "S3"]
    assert proposed_slices(w)[0].story_ids[2] == "S8"


def test_a_workshop_without_stories_proposes_nothing() -> None:
    w = workshop_at(Stage.TASKS)
    assert proposed_slices(w) == ()


@settings(max_examples=150, deadline=None)
@given(
    extra=st.dictionaries(st.sampled_from(["T1", "T2", "T3", "T7"]), st.integers(0, 3)),
    votes=st.lists(st.integers(0, 3), min_size=19, max_size=19),
)
def test_no_story_twice_every_activity_covered_and_only_voted_stories_after_release_1(
    extra: dict[str, int], votes: list[int]
) -> None:
    w = with_extra_stories(extra)
    ids = [s.id for s in w.stories]
    w = closed(w, {sid: n for sid, n in zip(ids, votes, strict=False) if n})
    plan = proposed_slices(w)
    placed = [sid for r in plan for sid in r.story_ids]
    assert len(placed) == len(set(placed))
    assert skeleton_gaps(w.model_copy(update={"slices": plan})) == ()
    assert len(plan) <= MAX_PROPOSED
    for release in plan[1:]:
        assert all(w.vote_count(sid) > 0 for sid in release.story_ids)
    # Release 1 holds each task's top story: none left out has more votes.
    for task in w.tasks:
        top = [sid for sid in plan[0].story_ids if w.story(sid).task_id == task.id]  # type: ignore[union-attr]
        assert len(top) == 1
        assert all(w.vote_count(s.id) <= w.vote_count(top[0]) for s in w.stories_of(task.id))
