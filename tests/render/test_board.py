"""The board: progress, what to do now, backbone, counts, and the stage's buttons."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from bot.domain import commands as c
from bot.domain.machine import apply
from bot.domain.model import Stage
from bot.render.board import board
from bot.render.controls import MAX_OPTIONS
from bot.render.ids import ACTIVITIES_ANCHOR, ActionId, Ref
from tests.builders import FACILITATOR, T0, run, workshop_at
from tests.render.checks import sendable
from tests.render.factory import grown

NAV = {
    ActionId.NEXT_STAGE,
    ActionId.BACK_STAGE,
    ActionId.SHOW_STATUS,
    ActionId.OPEN_DEADLINE_MODAL,
    ActionId.CANCEL,
    ActionId.EDIT_MENU,
}


def elements(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for b in blocks if b["type"] == "actions" for e in b["elements"]]


def shown(blocks: list[dict[str, Any]]) -> str:
    out = []
    for b in blocks:
        if "text" in b:
            out.append(b["text"]["text"])
        out.extend(e["text"] for e in b.get("elements", []) if e.get("type") == "mrkdwn")
    return "\n".join(out)


#: "Plan the workshop": offered up to voting, while the workshop has no schedule.
PLAN = ActionId.OPEN_PLAN_MODAL


@pytest.mark.parametrize(
    ("stage", "actions"),
    [
        (
            Stage.PERSONA,
            {ActionId.OPEN_PERSONA_MODAL, PLAN} | NAV - {ActionId.BACK_STAGE},
        ),
        (Stage.ACTIVITIES, {ActionId.OPEN_ADD_MODAL, PLAN} | NAV),
        (Stage.TASKS, {ActionId.PICK_ADD_PARENT, PLAN} | NAV),
        (Stage.STORIES, {ActionId.PICK_ADD_PARENT, PLAN} | NAV),
        (Stage.VOTING, {PLAN} | NAV),
        (
            Stage.SLICING,
            {ActionId.OPEN_SLICING_MODAL, ActionId.PUBLISH} | NAV - {ActionId.NEXT_STAGE},
        ),
        (Stage.PUBLISHED, set()),
        (Stage.CANCELLED, set()),
    ],
)
def test_each_stage_offers_its_next_step(stage: Stage, actions: set[ActionId]) -> None:
    w = workshop_at(stage)
    blocks = sendable(board(w)).blocks
    found = elements(blocks)
    assert {e["action_id"] for e in found} == actions
    for e in found:
        if e["type"] == "button":
            ref = Ref.loads(e["value"])
            assert (ref.number, ref.stage) == (w.number, stage)
    assert blocks[0] == {"type": "header", "text": {"type": "plain_text", "text": w.title}}


def test_a_planned_workshop_offers_no_plan_button() -> None:
    at = datetime(2026, 11, 24, 9, tzinfo=UTC)
    plan = c.SetSchedule(days=10, zones=(("Europe/Berlin", 1),), facilitator_tz="Europe/Berlin")
    w = apply(workshop_at(Stage.TASKS), plan, "UANA", at).state
    ids = {e["action_id"] for e in elements(sendable(board(w)).blocks)}
    assert ActionId.OPEN_PLAN_MODAL not in ids
    assert ActionId.NEXT_STAGE in ids


def test_the_board_shows_progress_backbone_and_counts() -> None:
    text = shown(board(workshop_at(Stage.TASKS)).blocks)
    assert "✓ Persona → ✓ Activities → ● *Tasks* → Stories → Voting → Slices" in text
    assert "*Backbone:* A1 Plan shipment → A2 Assign driver → A3 Track delivery" in text
    assert "Facilitated by <@UANA>" in text
    assert "4 activities · 0 tasks · 0 stories · 0 votes cast · 2 participants" in text
    assert "*What steps make up each activity?*" in text
    assert "Still without tasks: A1 “Plan shipment”, A2 “Assign driver”" in text


def test_the_persona_stage_asks_who_the_map_is_for_and_has_no_backbone() -> None:
    text = shown(board(workshop_at(Stage.PERSONA)).blocks)
    assert "*Who is the map for?*" in text
    assert "Still missing: a persona." in text
    assert "Backbone" not in text


def test_the_stories_stage_names_tasks_still_empty() -> None:
    w = run(workshop_at(Stage.STORIES), c.AddStory(task_id="T1", text="Pick a date"), "UDEV")
    text = shown(board(w).blocks)
    assert "Still without stories: T2 “Pick an available driver”" in text
    assert "T1 “Enter" not in text


def test_the_activities_button_adds_to_the_backbone() -> None:
    (add,) = [
        e
        for e in elements(board(workshop_at(Stage.ACTIVITIES)).blocks)
        if e["action_id"] == ActionId.OPEN_ADD_MODAL
    ]
    assert Ref.loads(add["value"]).anchor == ACTIVITIES_ANCHOR


def test_the_stories_picker_groups_tasks_by_activity() -> None:
    (picker,) = [
        e
        for e in elements(board(workshop_at(Stage.STORIES)).blocks)
        if e["action_id"] == ActionId.PICK_ADD_PARENT
    ]
    groups = picker["option_groups"]
    assert [g["label"]["text"] for g in groups] == [
        "A1 · Plan shipment",
        "A2 · Assign driver",
        "A3 · Track delivery",
        "A4 · Resolve issues",
    ]
    third = [Ref.loads(o["value"]).anchor for o in groups[2]["options"]]
    assert third == ["T3", "T4", "T5", "T6"]
    assert (
        groups[0]["options"][0]["text"]["text"] == "T1 · Enter pickup and drop-off (no stories yet)"
    )


def test_a_board_with_many_tasks_caps_its_lists_and_picker() -> None:
    w = grown(Stage.STORIES, activities=12, tasks_per_activity=10, stories=1)
    m = sendable(board(w))
    (picker,) = [e for e in elements(m.blocks) if e["action_id"] == ActionId.PICK_ADD_PARENT]
    assert len(picker["options"]) == MAX_OPTIONS
    # T1 has a story, so the tasks still without one come first.
    assert Ref.loads(picker["options"][0]["value"]).anchor == "T2"
    text = shown(m.blocks)
    assert "… and " in text
    assert "The list shows 100 of 120" in text


def test_publish_asks_for_confirmation_and_is_primary_once_there_is_a_slice() -> None:
    w = workshop_at(Stage.SLICING)
    (publish,) = [e for e in elements(board(w).blocks) if e["action_id"] == ActionId.PUBLISH]
    assert "style" not in publish
    assert publish["confirm"]["title"]["text"] == "Publish the map?"
    w = run(w, c.DefineSlice(name="First", story_ids=("S1",)))
    (publish,) = [e for e in elements(board(w).blocks) if e["action_id"] == ActionId.PUBLISH]
    assert publish["style"] == "primary"


def test_finished_boards_say_final_words() -> None:
    assert "published and pinned" in shown(board(workshop_at(Stage.PUBLISHED)).blocks)
    assert "cancelled" in shown(board(workshop_at(Stage.CANCELLED)).blocks)


def test_the_board_shows_the_release_slices_in_order() -> None:
    w = workshop_at(Stage.SLICING)
    for name, ids in (("View map + ETA", ("S3", "S4")), ("Delay <alerts>", ("S5",))):
        w = apply(w, c.DefineSlice(name=name, story_ids=ids), FACILITATOR, T0).state
    shown = str(board(w).blocks)
    first = shown.index("── Release 1: View map + ETA ── S3 S4")
    assert shown.index("── Release 2: Delay &lt;alerts&gt; ── S5") > first
