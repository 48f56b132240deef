"""The menus that shape the map (cards, prompts, board), their forms and the confirmation."""

from __future__ import annotations

from typing import Any

import pytest

from bot.domain import commands as c
from bot.domain.model import Stage
from bot.render import edits
from bot.render.board import board
from bot.render.cards import story_card
from bot.render.ids import (
    ITEM_BLOCK,
    ITEM_INPUT,
    TARGET_BLOCK,
    TARGET_INPUT,
    TEXT_BLOCK,
    TEXT_INPUT,
    ActionId,
    CallbackId,
    Edit,
    Ref,
)
from bot.render.menus import CONFIRM_LABEL, confirmation
from bot.render.prompts import prompt
from tests.builders import run, workshop_at
from tests.render.checks import sendable
from tests.render.factory import grown
from tests.render.test_board import shown
from tests.support.limits import check_view


def menus(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found = [b["accessory"] for b in blocks if "accessory" in b]
    found += [e for b in blocks if b["type"] == "actions" for e in b["elements"]]
    return [m for m in found if m["type"] == "overflow"]


def options(blocks: list[dict[str, Any]]) -> list[tuple[str, Ref]]:
    (menu,) = menus(blocks)
    assert menu["action_id"] == ActionId.EDIT_MENU
    return [(o["text"]["text"], Ref.loads(o["value"])) for o in menu["options"]]


def test_a_story_card_offers_rename_split_move_and_remove_for_its_story() -> None:
    w = workshop_at(Stage.SLICING)
    card = sendable(story_card(w, "S3"))
    ref = Ref(number=w.number, stage=Stage.SLICING, anchor="S3")
    assert options(card.blocks) == [
        ("Rename S3…", ref.model_copy(update={"edit": Edit.RENAME})),
        ("Split S3…", ref.model_copy(update={"edit": Edit.SPLIT})),
        ("Move S3 to another task…", ref.model_copy(update={"edit": Edit.MOVE})),
        ("Remove S3", ref.model_copy(update={"edit": Edit.REMOVE})),
    ]
    # The menu sits on the card's first section, beside the story.
    assert card.blocks[0]["accessory"]["type"] == "overflow"


def test_a_menu_offers_only_what_the_stage_allows() -> None:
    # Stories are not split while people vote on them (the machine's table says so).
    voting = [label for label, _ in options(story_card(workshop_at(Stage.VOTING), "S3").blocks)]
    assert voting == ["Rename S3…", "Move S3 to another task…", "Remove S3"]
    # Tasks are not moved while activities are still being written.
    w = run(workshop_at(Stage.ACTIVITIES), c.AddActivity(text="Plan shipment"))
    w = run(w, c.AddActivity(text="Track delivery"))
    assert [label for label, _ in options(board(w).blocks)] == [
        "Rename an item…",
        "Remove an item…",
        "Order the backbone…",
        "Undo my last change",
        "History",
    ]


def test_a_published_workshop_shows_no_menus() -> None:
    w = workshop_at(Stage.PUBLISHED)
    assert menus(story_card(w, "S3").blocks) == []
    assert menus(board(w).blocks) == []


def test_per_parent_prompts_offer_a_menu_for_their_activity_or_task() -> None:
    """The prompts of a workshop begun with one prompt per activity (task)."""
    tasks = prompt(workshop_at(Stage.TASKS), Stage.TASKS, "A2")
    assert [(label, ref.edit, ref.anchor) for label, ref in options(tasks.blocks)] == [
        ("Rename A2…", Edit.RENAME, "A2"),
        ("Remove A2", Edit.REMOVE, "A2"),
    ]
    stories = prompt(workshop_at(Stage.STORIES), Stage.STORIES, "T3")
    assert [(label, ref.edit) for label, ref in options(stories.blocks)] == [
        ("Rename T3…", Edit.RENAME),
        ("Move T3 to another activity…", Edit.MOVE),
        ("Remove T3", Edit.REMOVE),
    ]


def test_the_board_menu_offers_what_applies() -> None:
    w = workshop_at(Stage.STORIES)
    labels = [label for label, _ in options(sendable(board(w)).blocks)]
    assert labels == [
        "Rename an item…",
        "Remove an item…",
        "Order the backbone…",
        "Undo my last change",
        "History",
    ]
    # One activity: nothing to order yet; no items at all: undo and history only.
    one = run(workshop_at(Stage.ACTIVITIES), c.AddActivity(text="Plan shipment"))
    assert "Order the backbone…" not in [label for label, _ in options(board(one).blocks)]
    persona = [label for label, _ in options(board(workshop_at(Stage.PERSONA)).blocks)]
    assert persona == ["Undo my last change", "History"]


def test_the_rename_form_is_prefilled_with_the_raw_words() -> None:
    w = run(workshop_at(Stage.STORIES), c.AddStory(task_id="T1", text="Pick <b> & go"))
    story = w.stories[-1]
    view = edits.rename_modal(w, Ref(number=w.number, anchor=story.id))
    check_view(view)
    assert view["callback_id"] == CallbackId.RENAME
    assert view["title"]["text"] == f"Rename {story.id}"
    (field,) = [b for b in view["blocks"] if b["type"] == "input"]
    assert field["block_id"] == TEXT_BLOCK
    assert field["element"]["initial_value"] == "Pick <b> & go"
    assert field["element"]["max_length"] == 200
    assert Ref.loads(view["private_metadata"]).channel == w.channel_id


def test_the_move_form_offers_the_other_tasks_or_a_field_when_there_are_too_many() -> None:
    w = workshop_at(Stage.VOTING)
    view = edits.move_modal(w, Ref(number=w.number, anchor="S3"))
    check_view(view)
    (field,) = [b for b in view["blocks"] if b["type"] == "input"]
    assert field["block_id"] == TARGET_BLOCK
    offered = [o["value"] for o in field["element"]["options"]]
    story = next(s for s in w.stories if s.id == "S3")
    assert story.task_id not in offered
    assert sorted(offered) == sorted(t.id for t in w.tasks if t.id != story.task_id)
    task_move = edits.move_modal(w, Ref(number=w.number, anchor="T1"))
    (field,) = [b for b in task_move["blocks"] if b["type"] == "input"]
    assert [o["value"] for o in field["element"]["options"]] == ["A2", "A3", "A4"]
    big = grown(Stage.STORIES, activities=12, tasks_per_activity=10, stories=12)
    typed = edits.move_modal(big, Ref(number=big.number, anchor=big.stories[0].id))
    check_view(typed)
    (field,) = [b for b in typed["blocks"] if b["type"] == "input"]
    assert field["element"]["type"] == "plain_text_input"


def test_an_activity_is_not_moved_and_a_task_not_split_by_form() -> None:
    w = workshop_at(Stage.STORIES)
    with pytest.raises(ValueError, match="A1"):
        edits.move_modal(w, Ref(number=w.number, anchor="A1"))
    with pytest.raises(ValueError, match="T1"):
        edits.split_modal(w, Ref(number=w.number, anchor="T1"))
    with pytest.raises(ValueError, match="S99"):
        edits.rename_modal(w, Ref(number=w.number, anchor="S99"))


def test_the_order_form_holds_the_backbone_in_its_current_order() -> None:
    w = workshop_at(Stage.TASKS)
    view = edits.order_modal(w, Ref(number=w.number))
    check_view(view)
    (field,) = [b for b in view["blocks"] if b["type"] == "input"]
    assert field["element"]["initial_value"] == "A1 A2 A3 A4"
    assert "A1 Plan shipment → A2 Assign driver" in shown(view["blocks"])


@pytest.mark.parametrize(
    ("typed", "ids"),
    [("A3 A1 A2", ("A3", "A1", "A2")), (" a2, A1 → A3\n", ("a2", "A1", "A3")), ("", ())],
)
def test_the_order_is_read_back_as_ids(typed: str, ids: tuple[str, ...]) -> None:
    values = {TEXT_BLOCK: {TEXT_INPUT: {"type": "plain_text_input", "value": typed}}}
    assert edits.parse_order(values) == ids


def test_submissions_are_read_back() -> None:
    values: dict[str, dict[str, dict[str, Any]]] = {
        TEXT_BLOCK: {TEXT_INPUT: {"type": "plain_text_input", "value": "- one\n\n2) two \n"}},
        ITEM_BLOCK: {ITEM_INPUT: {"type": "plain_text_input", "value": " s12 "}},
        TARGET_BLOCK: {TARGET_INPUT: {"type": "static_select", "selected_option": {"value": "T4"}}},
    }
    assert edits.parse_parts(values) == ["one", "two"]
    assert edits.parse_item(values) == "s12"
    assert edits.parse_target(values) == "T4"
    typed = {TARGET_BLOCK: {TARGET_INPUT: {"type": "plain_text_input", "value": "T9"}}}
    assert edits.parse_target(typed) == "T9"
    assert edits.parse_text({}) == ""


def test_the_confirmation_carries_a_danger_button_bound_to_the_workshop_and_item() -> None:
    asked = sendable(confirmation("A2 and its 3 tasks would go.", 4, c.Remove(item_id="A2")))
    assert asked.text == "A2 and its 3 tasks would go."
    (row,) = [b for b in asked.blocks if b["type"] == "actions"]
    (yes,) = row["elements"]
    assert (yes["text"]["text"], yes["style"]) == (CONFIRM_LABEL, "danger")
    assert yes["action_id"] == ActionId.CONFIRM_REMOVE
    assert Ref.loads(yes["value"]) == Ref(number=4, anchor="A2", edit=Edit.REMOVE)
    # Anything else is only said.
    other = confirmation("Sure?", 4, c.Undo())
    assert [b["type"] for b in other.blocks] == ["section"]


def test_the_confirmation_form_says_what_would_go() -> None:
    ref = Ref(number=3, anchor="A2", edit=Edit.REMOVE)
    view = edits.confirm_remove_modal("C1", ref, "A2 *Plan* and 2 tasks would go.")
    check_view(view)
    assert view["callback_id"] == CallbackId.CONFIRM_REMOVE
    assert (view["title"]["text"], view["submit"]["text"]) == ("Remove A2?", "Remove them")
    assert "A2 *Plan* and 2 tasks would go." in shown(view["blocks"])
    assert Ref.loads(view["private_metadata"]) == ref.in_channel("C1")
