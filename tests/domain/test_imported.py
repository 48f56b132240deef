"""An imported map: the stage it resumes at, and the refusal while a workshop runs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.domain.effects import Announce, OpenStage, RefreshBoard
from bot.domain.errors import Rejected
from bot.domain.imported import import_map, resumed_stage
from bot.domain.model import Stage
from tests.builders import workshop_at

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("stage", [Stage.PERSONA, Stage.TASKS, Stage.VOTING, Stage.SLICING])
def test_an_open_map_resumes_at_its_stage(stage: Stage) -> None:
    assert resumed_stage(workshop_at(stage)) is stage


def test_a_published_map_resumes_at_slicing() -> None:
    assert resumed_stage(workshop_at(Stage.PUBLISHED)) is Stage.SLICING


@pytest.mark.parametrize(
    ("reached", "resumes"),
    [
        (Stage.PERSONA, Stage.PERSONA),
        (Stage.ACTIVITIES, Stage.ACTIVITIES),
        (Stage.TASKS, Stage.TASKS),
        (Stage.STORIES, Stage.STORIES),
        (Stage.VOTING, Stage.SLICING),
    ],
)
def test_a_cancelled_map_resumes_where_work_is_missing(reached: Stage, resumes: Stage) -> None:
    cancelled = workshop_at(reached).model_copy(update={"stage": Stage.CANCELLED})
    assert resumed_stage(cancelled) is resumes


def test_import_makes_a_new_workshop_with_a_starts_effects() -> None:
    w = workshop_at(Stage.PUBLISHED)
    outcome = import_map(None, w, team_id="T2", channel_id="C2", facilitator="UZOE", now=NOW)
    state = outcome.state
    assert (state.team_id, state.channel_id, state.facilitator) == ("T2", "C2", "UZOE")
    assert (state.stage, state.updated_at, state.created_at) == (Stage.SLICING, NOW, w.created_at)
    assert outcome.effects[:2] == (OpenStage(stage=Stage.SLICING), RefreshBoard())
    assert isinstance(outcome.effects[2], Announce)
    finished = workshop_at(Stage.CANCELLED)
    assert import_map(finished, w, team_id="T1", channel_id="C1", facilitator=None, now=NOW)


def test_import_is_refused_while_a_workshop_runs() -> None:
    running = workshop_at(Stage.VOTING)
    with pytest.raises(Rejected) as refused:
        import_map(
            running,
            workshop_at(Stage.PUBLISHED),
            team_id="T1",
            channel_id="C1",
            facilitator=None,
            now=NOW,
        )
    assert (
        "C1 already has an active workshop, “Delivery tracking” at Voting" in refused.value.message
    )
