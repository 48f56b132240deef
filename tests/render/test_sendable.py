"""Every renderer, on the seed's workshop at every stage, produces what Slack accepts."""

from __future__ import annotations

import pytest

from bot.domain.model import Stage
from tests.builders import workshop_at
from tests.render.checks import everything
from tests.render.factory import grown, worst_case


@pytest.mark.parametrize("stage", list(Stage))
def test_every_message_and_modal_passes_slack_checks(stage: Stage) -> None:
    messages, views = everything(workshop_at(stage))
    assert len(messages) >= 4
    assert views
    assert all(m.text.strip() for m in messages)


@pytest.mark.parametrize("stage", [Stage.STORIES, Stage.VOTING, Stage.SLICING])
def test_larger_maps_pass_slack_checks(stage: Stage) -> None:
    everything(grown(stage, activities=12, tasks_per_activity=9, stories=150))


@pytest.mark.parametrize("stage", [Stage.STORIES, Stage.VOTING, Stage.SLICING, Stage.PUBLISHED])
def test_longest_texts_that_grow_when_escaped_still_fit(stage: Stage) -> None:
    messages, _ = everything(worst_case(stage))
    sections = [b["text"]["text"] for m in messages for b in m.blocks if b["type"] == "section"]
    assert any("&amp;" * 190 in text for text in sections)
