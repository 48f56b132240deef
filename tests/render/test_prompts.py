"""Stage prompts: one per stage, each offering a form, a reply, a command."""

from __future__ import annotations

from typing import Any

import pytest

from bot.domain import commands as c
from bot.domain.model import Stage
from bot.render.ids import ActionId, Ref
from bot.render.prompts import prompt, prompts_for
from tests.builders import run, workshop_at
from tests.render.checks import sendable
from tests.render.test_board import elements, shown


def picker_options(blocks: list[dict[str, Any]]) -> list[tuple[str, Ref]]:
    """(label, ref) of each option of the prompt's "Add … under…" select."""
    (select,) = [e for e in elements(blocks) if e["action_id"] == ActionId.PICK_ADD_PARENT]
    options = select.get("options") or [o for g in select["option_groups"] for o in g["options"]]
    return [(o["text"]["text"], Ref.loads(o["value"])) for o in options]


def test_the_tasks_stage_has_one_prompt_listing_every_activity() -> None:
    w = workshop_at(Stage.TASKS)
    w = run(w, c.AddTask(activity_id="A3", text="View real-time map"), "UBEN")
    ((anchor, message),) = prompts_for(w, Stage.TASKS)
    assert anchor is None
    text = shown(sendable(message).blocks)
    assert (
        "*Reply in this thread*, one task per line; starting with where it goes: "
        "`A2: Pick a driver`" in text
    )
    assert "A line with only an id (`A2`) puts the lines after it under that one" in text
    assert "`/storymap add A2 &lt;task&gt;`" in text
    assert "*A2* “Assign driver”: _none yet_" in text
    assert "*A3* “Track delivery”: T1 “View real-time map”" in text
    assert picker_options(message.blocks) == [
        (
            f"{a.id} · {a.text}" + ("" if a.id == "A3" else " (no tasks yet)"),
            Ref(number=w.number, anchor=a.id, stage=Stage.TASKS),
        )
        for a in w.activities
    ]
    assert message.text == "Tasks: reply with one per line, e.g. A2: Pick a driver."


def test_the_stories_stage_has_one_prompt_listing_every_task_under_its_activity() -> None:
    w = workshop_at(Stage.STORIES)
    ((anchor, message),) = prompts_for(w, Stage.STORIES)
    assert anchor is None
    text = shown(sendable(message).blocks)
    assert "_In A3 “Track delivery”:_\n• *T3* “View real-time map”: _none yet_" in text
    assert "`T3: See the driver on a map`" in text
    assert "`/storymap add T2 &lt;story&gt;`" in text
    labels = [label for label, ref in picker_options(message.blocks)]
    assert labels == [f"{t.id} · {t.text} (no stories yet)" for t in w.tasks]


def test_with_one_parent_the_prompt_says_no_id_is_needed() -> None:
    w = run(workshop_at(Stage.ACTIVITIES), c.AddActivity(text="Track delivery"), "UBEN")
    w = run(w, c.Next())
    text = shown(prompt(w, Stage.TASKS, None).blocks)
    assert "they go under A1 (the only one, so no id is needed)" in text


def test_a_long_map_is_listed_up_to_a_budget_with_a_count_of_the_rest() -> None:
    w = workshop_at(Stage.ACTIVITIES)
    for n in range(1, 21):
        w = run(w, c.AddActivity(text=f"Activity {n}"), "UBEN")
    w = run(w, c.Next())
    for a in w.activities:
        for n in range(5):
            w = run(w, c.AddTask(activity_id=a.id, text=f"Task {n} of {a.id} " + "x" * 50), "UBEN")
    text = shown(sendable(prompt(w, Stage.TASKS, None)).blocks)
    listed = [line for line in text.splitlines() if line.startswith("*A")]
    assert 0 < len(listed) < 20
    assert f"… and {20 - len(listed)} more activities: the board shows them all." in text
    # Each activity's line is capped too, with a count of its tasks left out.
    assert "… and 1 more" in listed[0]


def test_per_parent_prompts_of_older_workshops_still_render() -> None:
    w = workshop_at(Stage.STORIES)
    tasks = prompt(w, Stage.TASKS, "A2")
    assert "*Tasks under A2 “Assign driver”*" in shown(sendable(tasks).blocks)
    add, _menu = elements(tasks.blocks)
    assert Ref.loads(add["value"]) == Ref(number=w.number, anchor="A2", stage=Stage.TASKS)
    stories = shown(prompt(w, Stage.STORIES, "T3").blocks)
    assert "*Story cards under T3 “View real-time map”* (in A3 “Track delivery”)" in stories


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


def test_finished_workshops_have_no_prompts() -> None:
    assert prompts_for(workshop_at(Stage.PUBLISHED), Stage.PUBLISHED) == []
    with pytest.raises(ValueError, match="no prompts"):
        prompt(workshop_at(Stage.CANCELLED), Stage.CANCELLED, None)


def test_the_prompt_of_a_removed_item_says_so_without_buttons() -> None:
    w = workshop_at(Stage.STORIES)
    for stage, gone in ((Stage.TASKS, "A9"), (Stage.STORIES, "T99")):
        message = sendable(prompt(w, stage, gone))
        assert message.text == f"{gone} was removed from the map."
        assert f"*{gone}* was removed from the map" in shown(message.blocks)
        assert elements(message.blocks) == []
