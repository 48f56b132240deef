"""What a modal must have that a Home tab need not: the two share every other check."""

from __future__ import annotations

from typing import Any

import pytest

from slacksim.blockkit import BlockKitError, check_home, check_modal
from slacksim.limits import SlackLimits

LIMITS = SlackLimits()

INPUT = {
    "type": "input",
    "label": {"type": "plain_text", "text": "Name"},
    "element": {"type": "plain_text_input", "action_id": "name"},
}


def refused(check: Any, view: object) -> list[str]:
    with pytest.raises(BlockKitError) as failure:
        check(view, LIMITS)
    assert failure.value.code == "invalid_arguments"
    return failure.value.messages()


def test_a_home_tab_needs_no_title_and_no_submit_beside_an_input() -> None:
    view = {"type": "home", "blocks": [INPUT]}
    assert check_home(view, LIMITS) is view
    assert refused(check_modal, {**view, "type": "modal"}) == [
        "[ERROR] is required [json-pointer:/view/title]",
        "[ERROR] is required when blocks contain an input [json-pointer:/view/submit]",
    ]


def test_each_kind_refuses_the_other_and_shares_the_block_checks() -> None:
    blocks = [{"type": "section", "text": "not an object"}]
    title = {"type": "plain_text", "text": "T"}
    for check, kind, other in ((check_home, "home", "modal"), (check_modal, "modal", "home")):
        messages = refused(check, {"type": other, "title": title, "blocks": blocks})
        assert messages[0] == f'[ERROR] must be "{kind}" [json-pointer:/view/type]'
        assert any("json-pointer:/view/blocks/0" in m for m in messages[1:])
        assert refused(check, []) == ["[ERROR] must be an object [json-pointer:/view]"]
        too_many = {"type": kind, "title": title, "blocks": [INPUT] * 101, "submit": title}
        assert "[ERROR] must contain no more than 100 items [json-pointer:/view/blocks]" in (
            refused(check, too_many)
        )


def test_only_a_modal_refuses_mrkdwn_in_its_own_title() -> None:
    section = {"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}
    mrkdwn_title = {"type": "mrkdwn", "text": "*T*"}
    assert "[ERROR] must be a plain_text text object [json-pointer:/view/title]" in refused(
        check_modal, {"type": "modal", "title": mrkdwn_title, "blocks": [section]}
    )
