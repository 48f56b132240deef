"""Filling modal inputs as the Slack client does (pure: no server involved)."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk.models.blocks import (
    CheckboxesElement,
    InputBlock,
    NumberInputElement,
    Option,
    PlainTextInputElement,
    StaticSelectElement,
    UserSelectElement,
)

from slacksim import ModalInputError
from slacksim.modal_values import fill_state

SIZES = [Option(value="s", text="Small"), Option(value="l", text="Large")]


def view(*inputs: InputBlock) -> dict[str, Any]:
    return {"type": "modal", "blocks": [i.to_dict() for i in inputs], "state": {"values": {}}}


def text_input(block_id: str = "story", optional: bool = False, **options: Any) -> InputBlock:
    return InputBlock(
        block_id=block_id,
        label="Story",
        element=PlainTextInputElement(action_id="text", **options),
        optional=optional,
    )


def test_values_by_block_id_or_action_id_in_slack_shapes() -> None:
    modal = view(
        text_input(),
        InputBlock(
            block_id="size",
            label="Size",
            element=StaticSelectElement(action_id="pick", options=SIZES),
        ),
        InputBlock(
            block_id="tags",
            label="Tags",
            element=CheckboxesElement(action_id="check", options=SIZES),
        ),
        InputBlock(
            block_id="votes",
            label="Votes",
            element=NumberInputElement(action_id="n", is_decimal_allowed=False),
        ),
        InputBlock(block_id="who", label="Who", element=UserSelectElement(action_id="u")),
    )
    state = fill_state(
        modal,
        {"story": "View map", "pick": "Large", "tags": ["s", "Large"], "votes": 3, "u": "U_ANA"},
    )
    assert state["story"] == {"text": {"type": "plain_text_input", "value": "View map"}}
    assert state["size"]["pick"]["selected_option"]["value"] == "l"
    assert [o["value"] for o in state["tags"]["check"]["selected_options"]] == ["s", "l"]
    assert state["votes"] == {"n": {"type": "number_input", "value": "3"}}
    assert state["who"] == {"u": {"type": "users_select", "selected_user": "U_ANA"}}


def test_initial_and_previous_values_are_kept() -> None:
    modal = view(
        text_input(initial_value="draft"),
        InputBlock(
            block_id="size",
            label="Size",
            element=StaticSelectElement(action_id="pick", options=SIZES, initial_option=SIZES[0]),
        ),
    )
    state = fill_state(modal, {})
    assert state["story"]["text"]["value"] == "draft"
    assert state["size"]["pick"]["selected_option"]["value"] == "s"
    modal["state"] = {"values": {"story": {"text": {"type": "plain_text_input", "value": "typed"}}}}
    assert fill_state(modal, {})["story"]["text"]["value"] == "typed"


@pytest.mark.parametrize(
    ("modal", "values", "message"),
    [
        pytest.param(view(text_input()), {}, "This field is required.", id="required"),
        pytest.param(view(text_input(max_length=5)), {"story": "too long"}, "at most 5", id="max"),
        pytest.param(view(text_input(min_length=3)), {"story": "ab"}, "at least 3", id="min"),
        pytest.param(
            view(
                InputBlock(
                    block_id="n",
                    label="N",
                    element=NumberInputElement(action_id="n", is_decimal_allowed=False),
                )
            ),
            {"n": "1.5"},
            "whole number",
            id="integer",
        ),
    ],
)
def test_the_client_refuses_to_submit(
    modal: dict[str, Any], values: dict[str, object], message: str
) -> None:
    with pytest.raises(ModalInputError) as refused:
        fill_state(modal, values)
    assert list(refused.value.errors) == [modal["blocks"][0]["block_id"]]
    assert message in next(iter(refused.value.errors.values()))


def test_optional_inputs_may_stay_empty() -> None:
    state = fill_state(view(text_input(optional=True)), {})
    assert state["story"]["text"]["value"] is None


def test_test_mistakes_are_reported() -> None:
    sizes = view(
        InputBlock(
            block_id="size",
            label="Size",
            element=StaticSelectElement(action_id="pick", options=SIZES),
        )
    )
    with pytest.raises(ModalInputError, match="not offered"):
        fill_state(sizes, {"size": "Huge"})
    with pytest.raises(ModalInputError, match="no input for"):
        fill_state(sizes, {"size": "s", "colour": "red"})
