"""Release outcomes, and the walking-skeleton warning before publishing."""

from __future__ import annotations

import pytest

from bot.domain import commands as c
from bot.domain.effects import PostMap
from bot.domain.errors import NeedsConfirmation, Rejected
from bot.domain.machine import apply
from bot.domain.model import Stage, Workshop
from tests.builders import FACILITATOR, T0, run, workshop_at

TRUCKS = "Ops managers see where each truck is"


def slicing() -> Workshop:
    return workshop_at(Stage.SLICING)


def one_per_activity(w: Workshop) -> tuple[str, ...]:
    return tuple(w.prioritised(w.tasks_of(a.id)[0].id)[0].id for a in w.activities)


def test_a_slice_carries_its_outcome_and_redefining_its_stories_keeps_it() -> None:
    w = run(slicing(), c.DefineSlice(name="Track", story_ids=("S3",), outcome=TRUCKS))
    assert w.slices[0].outcome == TRUCKS
    w = run(w, c.DefineSlice(name="track", story_ids=("S3", "S4")))
    assert (w.slices[0].story_ids, w.slices[0].outcome) == (("S3", "S4"), TRUCKS)
    w = run(w, c.DefineSlice(name="Track", story_ids=("S3",), outcome=""))
    assert w.slices[0].outcome == ""


def test_an_outcome_alone_changes_only_an_existing_releases_outcome() -> None:
    w = run(slicing(), c.DefineSlice(name="Track", story_ids=("S3", "S4")))
    outcome = apply(w, c.DefineSlice(name="Track", story_ids=(), outcome=TRUCKS), FACILITATOR, T0)
    assert outcome.state.slices[0].story_ids == ("S3", "S4")
    assert outcome.state.slices[0].outcome == TRUCKS
    assert TRUCKS in outcome.reply
    with pytest.raises(Rejected, match="no release named"):
        apply(w, c.DefineSlice(name="Later", story_ids=(), outcome=TRUCKS), FACILITATOR, T0)


def test_an_over_long_outcome_is_refused_and_the_form_keeps_outcomes() -> None:
    with pytest.raises(Rejected, match="at most 200 characters"):
        apply(
            slicing(),
            c.DefineSlice(name="Track", story_ids=("S3",), outcome="x" * 201),
            FACILITATOR,
            T0,
        )
    plans = (
        c.SlicePlan(name="Track", story_ids=("S3",), outcome=f"  {TRUCKS}  "),
        c.SlicePlan(name="Later", story_ids=("S4",)),
    )
    w = run(slicing(), c.SetSlices(slices=plans))
    assert [r.outcome for r in w.slices] == [TRUCKS, ""]


def test_publishing_a_release_1_that_misses_activities_asks_first_naming_them() -> None:
    w = run(slicing(), c.DefineSlice(name="Track", story_ids=("S3",)))
    with pytest.raises(NeedsConfirmation) as asked:
        apply(w, c.Publish(), FACILITATOR, T0)
    for activity in ("Plan shipment", "Assign driver", "Resolve issues"):
        assert activity in asked.value.message
    assert "Track delivery" not in asked.value.message
    assert asked.value.command == c.Publish(confirmed=True)
    published = apply(w, c.Publish(confirmed=True), FACILITATOR, T0)
    assert published.state.stage is Stage.PUBLISHED
    assert any(isinstance(e, PostMap) for e in published.effects)


def test_a_walking_skeleton_publishes_without_a_question() -> None:
    w = slicing()
    w = run(w, c.DefineSlice(name="Skeleton", story_ids=one_per_activity(w)))
    assert apply(w, c.Publish(), FACILITATOR, T0).state.stage is Stage.PUBLISHED
