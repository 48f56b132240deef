"""The modals: titles, parents, the slicing suggestion, and reading submissions back."""

from __future__ import annotations

from typing import Any

import pytest

from bot.domain import commands as c
from bot.domain.model import Stage
from bot.render.ids import (
    ACTIVITIES_ANCHOR,
    ITEMS_BLOCK,
    ITEMS_INPUT,
    PERSONA_BLOCK,
    PERSONA_INPUT,
    RELEASE_NAME_INPUT,
    RELEASE_OUTCOME_INPUT,
    RELEASE_STORIES_INPUT,
    CallbackId,
    Ref,
    release_name_block,
    release_outcome_block,
    release_stories_block,
)
from bot.render.modals import (
    InvalidSubmission,
    add_items_modal,
    parse_items_submission,
    parse_persona_submission,
    parse_slicing_submission,
    persona_modal,
    slicing_modal,
)
from bot.render.slicing import DEFAULT_SLOTS, MAX_SLOTS, SKELETON
from bot.render.text import TIMES
from tests.builders import SEED_PERSONA, run, workshop_at
from tests.render.factory import grown
from tests.support.limits import check_view

REF = Ref(number=7, stage=Stage.SLICING)


def submitted(view: dict[str, Any]) -> dict[str, dict[str, dict[str, Any]]]:
    """``view.state.values`` as Slack sends it when the form is saved untouched."""
    values: dict[str, dict[str, dict[str, Any]]] = {}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        element = block["element"]
        state: dict[str, Any] = {"type": element["type"]}
        if element["type"] == "multi_static_select":
            state["selected_options"] = element.get("initial_options", [])
        else:
            state["value"] = element.get("initial_value")
        values[block["block_id"]] = {element["action_id"]: state}
    return values


def inputs(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}


# ----- persona and add-items ---------------------------------------------------------


def test_persona_modal_is_prefilled_and_carries_its_ref() -> None:
    view = persona_modal(workshop_at(Stage.ACTIVITIES), REF)
    check_view(view)
    assert view["callback_id"] == CallbackId.PERSONA
    assert Ref.loads(view["private_metadata"]) == REF.in_channel("C1")
    assert inputs(view)[PERSONA_BLOCK]["initial_value"] == SEED_PERSONA
    assert (
        "initial_value" not in inputs(persona_modal(workshop_at(Stage.PERSONA), REF))[PERSONA_BLOCK]
    )


@pytest.mark.parametrize(
    ("anchor", "title", "parent"),
    [
        (ACTIVITIES_ANCHOR, "Add activities", "Backbone of “Delivery tracking”"),
        ("A2", "Add tasks", "Steps of A2 “Assign driver”"),
        ("T3", "Add stories", "under T3 “View real-time map” (in A3 “Track delivery”)"),
    ],
)
def test_add_items_modal_names_its_parent(anchor: str, title: str, parent: str) -> None:
    w = workshop_at(Stage.SLICING)
    view = add_items_modal(w, REF.model_copy(update={"anchor": anchor}))
    check_view(view)
    assert view["title"]["text"] == title
    assert view["callback_id"] == CallbackId.ADD_ITEMS
    assert Ref.loads(view["private_metadata"]).channel == "C1"
    assert parent in view["blocks"][0]["elements"][0]["text"]
    field = inputs(view)[ITEMS_BLOCK]
    assert field["multiline"] is True
    assert field["action_id"] == ITEMS_INPUT


def test_add_items_modal_refuses_an_unknown_parent() -> None:
    with pytest.raises(ValueError, match="T99"):
        add_items_modal(workshop_at(Stage.TASKS), REF.model_copy(update={"anchor": "T99"}))


# ----- slicing -----------------------------------------------------------------------


def test_slicing_modal_suggests_a_walking_skeleton_of_each_tasks_top_story() -> None:
    w = workshop_at(Stage.SLICING)
    view = slicing_modal(w, REF)
    check_view(view)
    assert view["callback_id"] == CallbackId.SLICING
    assert Ref.loads(view["private_metadata"]) == REF.in_channel("C1")
    fields = inputs(view)
    assert fields[release_name_block(1)]["initial_value"] == SKELETON
    chosen = [o["value"] for o in fields[release_stories_block(1)]["initial_options"]]
    assert chosen == [w.prioritised(t.id)[0].id for t in w.tasks]
    assert release_name_block(DEFAULT_SLOTS) in fields
    assert "initial_value" not in fields[release_name_block(2)]
    groups = fields[release_stories_block(1)]["option_groups"]
    assert [g["label"]["text"] for g in groups][:2] == ["A1 · Plan shipment", "A2 · Assign driver"]


def test_slicing_modal_prefills_the_existing_slices_in_order() -> None:
    w = workshop_at(Stage.SLICING)
    w = run(w, c.DefineSlice(name="View map + ETA", story_ids=("S3", "S4")))
    w = run(w, c.DefineSlice(name="Delay alerts", story_ids=("S5",), outcome="No surprises"))
    values = submitted(slicing_modal(w, REF))
    assert parse_slicing_submission(values) == [
        ("View map + ETA", ["S3", "S4"], ""),
        ("Delay alerts", ["S5"], "No surprises"),
    ]


def test_a_saved_untouched_suggestion_is_accepted_by_the_machine() -> None:
    w = workshop_at(Stage.SLICING)
    plans = parse_slicing_submission(submitted(slicing_modal(w, REF)))
    command = c.SetSlices(
        slices=tuple(c.SlicePlan(name=n, story_ids=tuple(ids), outcome=o) for n, ids, o in plans)
    )
    w = run(w, command)
    assert [r.name for r in w.slices] == [SKELETON]
    assert len(w.slices[0].story_ids) == len(w.tasks)


def test_slicing_modal_lists_stories_in_priority_order() -> None:
    w = workshop_at(Stage.VOTING)
    w = run(w, c.CastVote(story_id="S7"), "UBEN")
    w = run(w, c.Next())
    listing = slicing_modal(w, REF)["blocks"][1]["text"]["text"]
    assert listing.index("▸ _T3 · View real-time map_") < listing.index("S3 · ")
    assert f"S7 · Story for Log an incident · :+1: {TIMES} 1" in listing


def test_over_100_stories_use_a_text_input_of_ids() -> None:
    w = grown(Stage.SLICING, activities=3, tasks_per_activity=4, stories=130)
    view = slicing_modal(w, REF)
    check_view(view)
    field = inputs(view)[release_stories_block(1)]
    assert field["type"] == "plain_text_input"
    assert field["initial_value"] == " ".join(w.prioritised(t.id)[0].id for t in w.tasks)
    assert parse_slicing_submission(submitted(view))[0][1] == field["initial_value"].split()


def test_a_huge_map_keeps_the_modal_within_limits_and_says_what_is_not_listed() -> None:
    w = grown(Stage.SLICING, activities=10, tasks_per_activity=10, stories=2000)
    view = slicing_modal(w, REF)
    check_view(view)
    notes = [e["text"] for b in view["blocks"] if b["type"] == "context" for e in b["elements"]]
    assert any("more stories not listed here" in n for n in notes)


# ----- parsers -----------------------------------------------------------------------


def test_items_are_one_per_line_trimmed_without_empty_lines_or_list_markers() -> None:
    text = "  Plan shipment \n\n- Assign driver\n• Track delivery\n2) Resolve issues\n3D view\n  "
    values = {ITEMS_BLOCK: {ITEMS_INPUT: {"type": "plain_text_input", "value": text}}}
    assert parse_items_submission(values) == [
        "Plan shipment",
        "Assign driver",
        "Track delivery",
        "Resolve issues",
        "3D view",
    ]
    assert parse_items_submission({}) == []


def test_persona_submission_is_trimmed() -> None:
    values = {PERSONA_BLOCK: {PERSONA_INPUT: {"type": "plain_text_input", "value": " Ops "}}}
    assert parse_persona_submission(values) == "Ops"
    assert parse_persona_submission({}) == ""


def slot(n: int, name: str | None, stories: Any) -> dict[str, dict[str, dict[str, Any]]]:
    state: dict[str, Any]
    if isinstance(stories, list):
        options = [{"value": s, "text": {"type": "plain_text", "text": s}} for s in stories]
        state = {"type": "multi_static_select", "selected_options": options}
    else:
        state = {"type": "plain_text_input", "value": stories}
    return {
        release_name_block(n): {RELEASE_NAME_INPUT: {"type": "plain_text_input", "value": name}},
        release_stories_block(n): {RELEASE_STORIES_INPUT: state},
    }


def test_slicing_submission_reads_selects_and_typed_ids_and_skips_empty_slots() -> None:
    values = {
        **slot(1, " View map + ETA ", ["S3", "S4"]),
        **slot(2, None, None),
        **slot(3, "Delay alerts", "s5, S9  S5"),
        **slot(4, "", []),
    }
    values[release_outcome_block(3)] = {
        RELEASE_OUTCOME_INPUT: {"type": "plain_text_input", "value": " Drivers stop calling "}
    }
    assert parse_slicing_submission(values) == [
        ("View map + ETA", ["S3", "S4"], ""),
        ("Delay alerts", ["S5", "S9"], "Drivers stop calling"),
    ]


def test_half_filled_slots_and_bad_ids_are_field_errors() -> None:
    values = {
        **slot(1, "Named only", []),
        **slot(2, None, ["S1"]),
        **slot(3, "Typo", "S1 T3 banana"),
    }
    values[release_outcome_block(4)] = {
        RELEASE_OUTCOME_INPUT: {"type": "plain_text_input", "value": "An outcome alone"}
    }
    values[release_name_block(4)] = {RELEASE_NAME_INPUT: {"type": "plain_text_input"}}
    with pytest.raises(InvalidSubmission) as err:
        parse_slicing_submission(values)
    assert set(err.value.errors) == {
        release_stories_block(1),
        release_name_block(2),
        release_stories_block(3),
        release_name_block(4),
    }
    assert "T3, banana" in err.value.errors[release_stories_block(3)]


def test_there_is_always_an_empty_slot_for_one_more_release() -> None:
    w = workshop_at(Stage.SLICING)
    for n in range(1, 6):
        w = run(w, c.DefineSlice(name=f"Release {n}", story_ids=(f"S{n}",)))
    fields = inputs(slicing_modal(w, REF))
    assert fields[release_name_block(5)]["initial_value"] == "Release 5"
    assert "initial_value" not in fields[release_name_block(6)]
    assert release_name_block(7) not in fields


def test_more_releases_than_the_form_holds_are_warned_about() -> None:
    w = grown(Stage.SLICING, activities=1, tasks_per_activity=1, stories=MAX_SLOTS + 1)
    for story in w.stories:
        w = run(w, c.DefineSlice(name=f"Only {story.id}", story_ids=(story.id,)))
    view = slicing_modal(w, REF)
    check_view(view)
    notes = [e["text"] for b in view["blocks"] if b["type"] == "context" for e in b["elements"]]
    assert any("saving it would drop the others" in n for n in notes)
