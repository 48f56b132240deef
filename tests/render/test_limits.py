"""``check_message`` and ``check_view`` refuse what Slack would refuse, and say where."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.limits import SlackLimitError, block_text_chars, check_message, check_view


def section(text: str, **extra: Any) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}, **extra}


def refused_message(blocks: list[dict[str, Any]], text: str | None = None) -> str:
    with pytest.raises(SlackLimitError) as err:
        check_message(blocks, text)
    return str(err.value)


def modal(blocks: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Title"},
        "submit": {"type": "plain_text", "text": "Save"},
        "blocks": blocks,
        **extra,
    }


def text_input(**element: Any) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": "b",
        "label": {"type": "plain_text", "text": "Label"},
        "element": {"type": "plain_text_input", "action_id": "a", **element},
    }


def test_a_plain_message_passes() -> None:
    check_message([section("hello")], "hello")


@pytest.mark.parametrize(
    ("blocks", "text", "expected"),
    [
        ([section("x")] * 51, "t", "1 to 50 blocks"),
        ([], "t", "1 to 50 blocks"),
        ([section("x" * 2500)] * 5, "t", "12500 characters of block text"),
        ([section("x" * 3001)], "t", "3000"),
        ([{"type": "header", "text": {"type": "mrkdwn", "text": "h"}}], "t", "plain_text"),
        ([{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}], "t", "150"),
        ([section("a", block_id="x"), section("b", block_id="x")], "t", "duplicate 'x'"),
        ([{"type": "context", "elements": [{"type": "mrkdwn", "text": "c" * 2001}]}], "t", "2000"),
        ([section("a", colour="red")], "t", "does not give back"),
        ([{"type": "nonsense"}], "t", "unknown block type"),
        ([section("a")], "", "/text"),
    ],
)
def test_messages_slack_would_refuse(
    blocks: list[dict[str, Any]], text: str, expected: str
) -> None:
    assert expected in refused_message(blocks, text)


def test_a_button_label_over_75_and_duplicate_action_ids_are_refused() -> None:
    def button(label: str) -> dict[str, Any]:
        return {"type": "button", "action_id": "go", "text": {"type": "plain_text", "text": label}}

    assert "75" in refused_message([{"type": "actions", "elements": [button("b" * 76)]}])
    twice = {"type": "actions", "elements": [button("a"), button("b")]}
    assert "duplicate action_id" in refused_message([twice])


def test_block_text_is_counted_as_slack_counts_it() -> None:
    blocks = [section("abc"), {"type": "context", "elements": [{"type": "mrkdwn", "text": "de"}]}]
    assert block_text_chars(blocks) == 5


def test_a_modal_passes_and_its_limits_are_enforced() -> None:
    check_view(modal([text_input(initial_value="hi", max_length=10)]))
    too_long_title = modal([section("x")], title={"type": "plain_text", "text": "t" * 25})
    no_submit = {k: v for k, v in modal([text_input()]).items() if k != "submit"}
    cases = [
        (too_long_title, "title"),
        (no_submit, "submit"),
        (modal([section("x")] * 101), "1 to 100 blocks"),
        (modal([text_input(initial_value="x" * 11, max_length=10)]), "max_length"),
        (modal([section("x")], type="home"), "modal"),
    ]
    for view, expected in cases:
        with pytest.raises(SlackLimitError, match=expected):
            check_view(view)


def select(groups: int, per_group: int, initial: str | None = None) -> dict[str, Any]:
    def option(n: int) -> dict[str, Any]:
        return {"text": {"type": "plain_text", "text": f"S{n}"}, "value": f"S{n}"}

    element: dict[str, Any] = {
        "type": "multi_static_select",
        "action_id": "a",
        "option_groups": [
            {
                "label": {"type": "plain_text", "text": f"G{g}"},
                "options": [option(g * per_group + n) for n in range(per_group)],
            }
            for g in range(groups)
        ],
    }
    if initial is not None:
        element["initial_options"] = [
            {"text": {"type": "plain_text", "text": initial}, "value": initial}
        ]
    return {
        "type": "input",
        "block_id": "b",
        "label": {"type": "plain_text", "text": "L"},
        "element": element,
    }


def test_selects_offer_at_most_100_options_and_only_known_initial_options() -> None:
    check_view(modal([select(2, 50, initial="S60")]))
    with pytest.raises(SlackLimitError, match="is not an option"):
        check_view(modal([select(2, 50, initial="S999")]))
    # Each group is within the SDK's 100, the select as a whole is not.
    with pytest.raises(SlackLimitError, match="102 options"):
        check_view(modal([select(2, 51)]))
