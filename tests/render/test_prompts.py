"""Stage prompts: one per thing to fill in, each offering the button, a reply, a command."""

from __future__ import annotations

import pytest

from bot.domain.model import Stage
from bot.render.ids import ActionId, Ref
from bot.render.prompts import prompt, prompts_for
from tests.builders import workshop_at
from tests.render.checks import sendable
from tests.render.test_board import elements, shown


def test_the_tasks_stage_has_one_prompt_per_activity() -> None:
    w = workshop_at(Stage.TASKS)
    prompts = prompts_for(w, Stage.TASKS)
    assert [anchor for anchor, _ in prompts] == ["A1", "A2", "A3", "A4"]
    message = dict(prompts)["A2"]
    text = shown(sendable(message).blocks)
    assert "*Tasks under A2 “Assign driver”*" in text
    assert "*or simply reply in this thread, one task per line*" in text
    assert "`/storymap add A2 &lt;task&gt;`" in text
    add, _menu = elements(message.blocks)
    assert add["action_id"] == ActionId.OPEN_ADD_MODAL
    assert Ref.loads(add["value"]) == Ref(number=w.number, anchor="A2", stage=Stage.TASKS)
    assert message.text == "Tasks under A2 “Assign driver”: reply, one per line."


def test_the_stories_stage_has_one_prompt_per_task() -> None:
    w = workshop_at(Stage.STORIES)
    prompts = dict(prompts_for(w, Stage.STORIES))
    assert list(prompts) == [t.id for t in w.tasks]
    text = shown(prompts["T3"].blocks)
    assert "*Story cards under T3 “View real-time map”* (in A3 “Track delivery”)" in text
    assert "one story per line" in text
    assert "`/storymap add T3 &lt;story&gt;`" in text


@pytest.mark.parametrize(
    ("stage", "action", "words"),
    [
        (Stage.PERSONA, ActionId.OPEN_PERSONA_MODAL, "`/storymap persona &lt;who&gt;`"),
        (Stage.ACTIVITIES, ActionId.OPEN_ADD_MODAL, "one activity per line"),
        (Stage.SLICING, ActionId.OPEN_SLICING_MODAL, "`/storymap slice &lt;name&gt; ="),
    ],
)
def test_single_prompts_offer_the_button_and_the_command(
    stage: Stage, action: ActionId, words: str
) -> None:
    ((anchor, message),) = prompts_for(workshop_at(stage), stage)
    assert anchor is None
    assert words in shown(sendable(message).blocks)
    assert [e["action_id"] for e in elements(message.blocks)] == [action]


def test_the_voting_prompt_explains_emoji_and_budget_and_the_cards_follow() -> None:
    w = workshop_at(Stage.VOTING)
    (first, message), *cards = prompts_for(w, Stage.VOTING)
    assert first is None
    text = shown(message.blocks)
    assert "react with :+1:" in text
    assert "*3 votes*" in text
    assert [anchor for anchor, _ in cards] == [s.id for s in w.stories]


def test_finished_workshops_have_no_prompts_and_item_prompts_need_their_item() -> None:
    assert prompts_for(workshop_at(Stage.PUBLISHED), Stage.PUBLISHED) == []
    with pytest.raises(ValueError, match="anchor"):
        prompt(workshop_at(Stage.TASKS), Stage.TASKS, None)
    with pytest.raises(ValueError, match="no prompts"):
        prompt(workshop_at(Stage.CANCELLED), Stage.CANCELLED, None)


def test_the_prompt_of_a_removed_item_says_so_without_buttons() -> None:
    w = workshop_at(Stage.STORIES)
    for stage, gone in ((Stage.TASKS, "A9"), (Stage.STORIES, "T99")):
        message = sendable(prompt(w, stage, gone))
        assert message.text == f"{gone} was removed from the map."
        assert f"*{gone}* was removed from the map" in shown(message.blocks)
        assert elements(message.blocks) == []
