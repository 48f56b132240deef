"""Block Kit validation properties, checked against slack_sdk's own models."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from slacksim.blockkit import BlockKitError, check_message_blocks, check_modal, text_chars
from slacksim.limits import SlackLimits

LIMITS = SlackLimits()

short_text = st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=40)

blocks_built_with_the_sdk = st.lists(
    st.one_of(
        short_text.map(lambda t: HeaderBlock(text=t)),
        short_text.map(lambda t: SectionBlock(text=MarkdownTextObject(text=t))),
        short_text.map(lambda t: ContextBlock(elements=[MarkdownTextObject(text=t)])),
        st.just(DividerBlock()),
        st.lists(short_text, min_size=1, max_size=5).map(
            lambda labels: ActionsBlock(
                elements=[
                    ButtonElement(text=label, action_id=f"a{i}") for i, label in enumerate(labels)
                ]
            )
        ),
    ),
    min_size=1,
    max_size=50,
)


@given(blocks_built_with_the_sdk)
def test_whatever_the_sdk_builds_within_limits_is_accepted(blocks: list[Any]) -> None:
    payload = [b.to_dict() for b in blocks]
    assert check_message_blocks(payload, LIMITS) == payload


@given(st.integers(min_value=1, max_value=3100))
def test_section_text_limit_is_exactly_3000(length: int) -> None:
    payload = [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * length}}]
    if length <= 3000:
        assert check_message_blocks(payload, LIMITS)
    else:
        with pytest.raises(BlockKitError) as refused:
            check_message_blocks(payload, LIMITS)
        assert refused.value.code == "invalid_blocks"


@given(st.lists(st.integers(min_value=0, max_value=3000), min_size=1, max_size=10))
def test_block_text_budget_counts_every_text(lengths: list[int]) -> None:
    payload = [
        {"type": "section", "text": {"type": "mrkdwn", "text": "x" * max(n, 1)}} for n in lengths
    ]
    total = sum(max(n, 1) for n in lengths)
    assert text_chars(payload) == total
    if total <= LIMITS.block_text_chars:
        assert check_message_blocks(payload, LIMITS)
    else:
        with pytest.raises(BlockKitError) as refused:
            check_message_blocks(payload, LIMITS)
        assert refused.value.code == "msg_blocks_too_long"


def test_problems_point_at_the_offending_property() -> None:
    payload = [
        {"type": "divider"},
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": "ok"},
            "accessory": {"type": "bogus"},
        },
    ]
    with pytest.raises(BlockKitError) as refused:
        check_message_blocks(payload, LIMITS)
    assert refused.value.messages() == [
        "[ERROR] has an unknown or unsupported type 'bogus' [json-pointer:/blocks/1/accessory]"
    ]


def test_blocks_must_be_an_array() -> None:
    with pytest.raises(BlockKitError) as refused:
        check_message_blocks({"type": "divider"}, LIMITS)
    assert refused.value.code == "invalid_blocks_format"


def test_select_options_and_placeholders_must_be_plain_text() -> None:
    mrkdwn = {"type": "mrkdwn", "text": "*x*"}
    select = {
        "type": "static_select",
        "action_id": "s",
        "placeholder": mrkdwn,
        "options": [{"text": mrkdwn, "value": "v"}],
    }
    with pytest.raises(BlockKitError) as refused:
        check_message_blocks([{"type": "actions", "elements": [select]}], LIMITS)
    pointers = {p.pointer for p in refused.value.problems}
    assert pointers == {"/blocks/0/elements/0/placeholder", "/blocks/0/elements/0/options/0/text"}


def test_a_valid_modal_passes_and_an_empty_one_does_not() -> None:
    modal = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Vote"},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Pick"}}],
    }
    assert check_modal(modal, LIMITS) is modal
    with pytest.raises(BlockKitError) as refused:
        check_modal({**modal, "blocks": []}, LIMITS)
    assert refused.value.code == "invalid_arguments"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.sampled_from(["", "x", "mrkdwn", "plain_text"]),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    "type",
                    "text",
                    "elements",
                    "accessory",
                    "fields",
                    "block_id",
                    "action_id",
                    "options",
                    "placeholder",
                    "label",
                    "element",
                    "title",
                    "blocks",
                    "value",
                ]
            ),
            inner | st.sampled_from(["section", "actions", "button", "header", "input", "context"]),
            max_size=5,
        )
    ),
    max_leaves=12,
)


def outcome(value: object, as_modal: bool) -> str:
    """``"accepted"`` (the payload comes back unchanged) or the Slack error code."""
    try:
        if as_modal:
            kept: object = check_modal(value, LIMITS)
        else:
            kept = check_message_blocks([value], LIMITS)[0]
    except BlockKitError as refused:
        return refused.code if refused.messages() else "refused without a message"
    return "accepted" if kept == value else "accepted but changed"


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_any_json_is_either_accepted_or_refused_with_a_slack_error(value: object) -> None:
    assert outcome(value, as_modal=False) in {
        "accepted",
        "invalid_blocks",
        "invalid_blocks_format",
        "msg_blocks_too_long",
    }
    assert outcome(value, as_modal=True) in {"accepted", "invalid_arguments"}
