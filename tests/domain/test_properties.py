"""Invariants of the machine over random command sequences (hypothesis)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain import commands as c
from bot.domain.errors import Rejected
from bot.domain.machine import apply
from bot.domain.model import HISTORY_KEPT, Item, Stage, Workshop
from tests.builders import FACILITATOR, PARTICIPANTS, Clock, workshop_at

ACTORS = (FACILITATOR, *PARTICIPANTS)
words = st.sampled_from(["Plan", "plan", "Track", "Alert", "Share", "Map", " ETA ", "Log", ""])
ids = st.builds(
    lambda kind, n: f"{kind}{n}", st.sampled_from("ATS"), st.integers(min_value=1, max_value=9)
)
story_ids = st.builds(lambda n: f"S{n}", st.integers(min_value=1, max_value=8))

commands: st.SearchStrategy[c.Command] = st.one_of(
    st.builds(c.SetPersona, text=words),
    st.builds(c.AddActivity, text=words),
    st.builds(c.AddTask, activity_id=ids, text=words),
    st.builds(c.AddStory, task_id=ids, text=words),
    st.just(c.Next()),
    st.just(c.Next()),
    st.just(c.Back()),
    # Distinct strategy objects weigh more: one_of would merge identical ones.
    *[st.builds(c.CastVote, story_id=story_ids) for _ in range(6)],
    st.builds(c.WithdrawVote, story_id=story_ids),
    st.builds(c.SetVoteBudget, budget=st.integers(min_value=0, max_value=5)),
    st.builds(
        c.OrderStories,
        task_id=ids,
        story_ids=st.lists(story_ids, max_size=3).map(tuple),
    ),
    *[
        st.builds(
            c.DefineSlice,
            name=st.sampled_from(["R1", "r1", "R2", "R3"]),
            story_ids=st.lists(story_ids, max_size=3).map(tuple),
        )
        for _ in range(4)
    ],
    st.builds(
        c.SetSlices,
        slices=st.lists(
            st.builds(
                c.SlicePlan,
                name=st.sampled_from(["R1", "R2"]),
                story_ids=st.lists(story_ids, min_size=1, max_size=2).map(tuple),
            ),
            max_size=2,
        ).map(tuple),
    ),
    st.just(c.Publish()),
    st.just(c.Publish(confirmed=True)),
    st.just(c.Cancel()),
    # Shaping the map.
    st.builds(c.Rename, item_id=ids, text=words),
    *[st.builds(c.Remove, item_id=ids, confirmed=st.booleans()) for _ in range(2)],
    st.builds(c.Move, item_id=ids, to_id=ids),
    st.builds(
        c.OrderActivities,
        activity_ids=st.lists(
            st.builds(lambda n: f"A{n}", st.integers(min_value=1, max_value=6)), max_size=3
        ).map(tuple),
    ),
    st.builds(
        c.OrderTasks,
        activity_id=ids,
        task_ids=st.lists(
            st.builds(lambda n: f"T{n}", st.integers(min_value=1, max_value=9)), max_size=3
        ).map(tuple),
    ),
    st.builds(c.Split, story_id=story_ids, texts=st.lists(words, max_size=3).map(tuple)),
    *[st.just(c.Undo()) for _ in range(3)],
)
#: Where a sequence starts: a fresh workshop, or the seed's workshop walked to a stage,
#: so that random sequences reach voting and slicing often.
starts = st.sampled_from([Stage.PERSONA, Stage.TASKS, Stage.STORIES, Stage.VOTING, Stage.SLICING])
actors = st.sampled_from(
    (FACILITATOR, FACILITATOR, PARTICIPANTS[0], PARTICIPANTS[0], *PARTICIPANTS)
)
steps = st.tuples(starts, st.lists(st.tuples(commands, actors), min_size=10, max_size=60))
Steps = tuple[Stage, list[tuple[c.Command, str]]]
#: Voting-heavy sequences: budgets are only at stake while votes flow.
vote_commands: st.SearchStrategy[c.Command] = st.one_of(
    st.builds(c.CastVote, story_id=story_ids),
    st.builds(c.WithdrawVote, story_id=story_ids),
    st.builds(c.SetVoteBudget, budget=st.integers(min_value=1, max_value=4)),
    st.just(c.Back()),
    st.just(c.Next()),
)
voting_steps = st.tuples(
    st.just(Stage.VOTING),
    st.lists(
        st.tuples(vote_commands, st.sampled_from((FACILITATOR, *PARTICIPANTS[:2]))),
        min_size=5,
        max_size=60,
    ),
)


def play(steps: Steps) -> list[Workshop]:
    start, sequence = steps
    clock = Clock()
    w = workshop_at(start)
    history = [w]
    refusals: list[str] = []
    for command, actor in sequence:
        try:
            w = apply(w, command, actor, clock()).state
        except Rejected as refusal:
            refusals.append(refusal.message)
            continue
        history.append(w)
    assert all(refusals), "every refusal explains itself"
    return history


def item_ids(w: Workshop) -> list[str]:
    return [*(a.id for a in w.activities), *(t.id for t in w.tasks), *(s.id for s in w.stories)]


@settings(max_examples=200, deadline=None)
@given(steps)
def test_ids_are_unique_and_never_reused(sequence: Steps) -> None:
    """An id names one item for good: renamed or moved, or back after an undo, it is
    the same item (same author, same creation time), never a new one."""
    handed_out: dict[str, tuple[str, object]] = {}
    for w in play(sequence):
        assert len(item_ids(w)) == len(set(item_ids(w)))
        items: list[Item] = [*w.activities, *w.tasks, *w.stories]
        for item in items:
            born = (item.author, item.created_at)
            assert handed_out.setdefault(item.id, born) == born
        counters = {"A": w.counters.A, "T": w.counters.T, "S": w.counters.S}
        assert all(int(i[1:]) <= counters[i[0]] for i in item_ids(w))


@settings(max_examples=200, deadline=None)
@given(steps)
def test_no_orphans_and_orders_name_real_items(sequence: Steps) -> None:
    for w in play(sequence):
        activities = {a.id for a in w.activities}
        tasks = {t.id: t for t in w.tasks}
        assert all(t.activity_id in activities for t in w.tasks)
        assert all(s.task_id in tasks for s in w.stories)
        for task_id, order in w.story_order.items():
            assert task_id in tasks
            assert all(w.story(sid) is not None for sid in order)
        assert len(w.history) <= HISTORY_KEPT


def shape(w: Workshop) -> object:
    """The map itself: what an undo must give back exactly (votes and the people who
    contributed are not part of it; id counters only grow)."""
    return (
        w.persona,
        w.activities,
        w.tasks,
        w.stories,
        w.story_order,
        w.slices,
        w.settings,
        w.stage,
    )


@settings(max_examples=200, deadline=None)
@given(steps)
def test_undo_of_the_last_change_restores_the_map_exactly(sequence: Steps) -> None:
    start, commands_ = sequence
    clock = Clock()
    w = workshop_at(start)
    for command, actor in commands_:
        try:
            after = apply(w, command, actor, clock()).state
        except Rejected:
            continue
        last = after.history[-1] if after.changes_made > w.changes_made else None
        if last is not None and last.undoable:
            back = apply(after, c.Undo(), actor, clock()).state
            assert shape(back) == shape(w), command
        w = after


@settings(max_examples=200, deadline=None)
@given(st.one_of(steps, voting_steps))
def test_nobody_is_ever_over_budget_and_votes_name_real_stories(
    sequence: Steps,
) -> None:
    for w in play(sequence):
        for actor in ACTORS:
            assert 0 <= w.votes_used(actor) <= w.settings.vote_budget
        for story_id, voters in w.votes.items():
            assert w.story(story_id) is not None
            assert voters
            assert list(voters) == sorted(set(voters))


@settings(max_examples=200, deadline=None)
@given(steps)
def test_every_story_is_in_at_most_one_slice(sequence: Steps) -> None:
    for w in play(sequence):
        sliced = [sid for release in w.slices for sid in release.story_ids]
        assert len(sliced) == len(set(sliced))
        assert all(w.story(sid) is not None for sid in sliced)
        assert all(release.story_ids for release in w.slices)


@settings(max_examples=200, deadline=None)
@given(steps)
def test_priority_is_total_and_stable(sequence: Steps) -> None:
    for w in play(sequence):
        for task in w.tasks:
            ranked = w.prioritised(task.id)
            assert sorted(s.id for s in ranked) == sorted(s.id for s in w.stories_of(task.id))
            assert ranked == w.prioritised(task.id)
            chosen = [sid for sid in w.story_order.get(task.id, ()) if w.story(sid)]
            rest = [s for s in ranked if s.id not in chosen]
            assert [s.id for s in ranked[: len(chosen)]] == chosen
            counts = [w.vote_count(s.id) for s in rest]
            assert counts == sorted(counts, reverse=True)


@settings(max_examples=200, deadline=None)
@given(steps)
def test_state_round_trips_through_json(sequence: Steps) -> None:
    for w in play(sequence):
        assert Workshop.model_validate_json(w.model_dump_json()) == w
