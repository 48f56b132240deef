"""Block Kit rules Slack enforces: each one accepted at its bound and refused past it,
with Slack's error and a pointer to the offending part."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from slacksim import SlackSimulator
from slacksim.blockkit import BlockKitError, check_message_blocks, check_modal
from slacksim.limits import SlackLimits

LIMITS = SlackLimits()
Json = dict[str, Any]


def plain(text: str) -> Json:
    return {"type": "plain_text", "text": text}


def mrkdwn(text: str) -> Json:
    return {"type": "mrkdwn", "text": text}


def button(**extra: Any) -> Json:
    return {"type": "button", "text": plain("Go"), "action_id": "go", **extra}


def option(text: str = "One", value: str = "1", **extra: Any) -> Json:
    return {"text": plain(text), "value": value, **extra}


def options(count: int) -> list[Json]:
    return [option(f"Option {n}", str(n)) for n in range(count)]


def select(**extra: Any) -> Json:
    return {
        "type": "static_select",
        "action_id": "pick",
        "placeholder": plain("Pick"),
        "options": options(3),
        **extra,
    }


def actions(*elements: Json) -> Json:
    return {"type": "actions", "elements": list(elements)}


def section(**extra: Any) -> Json:
    return {"type": "section", "text": mrkdwn("Text"), **extra}


def rich_emoji(name: str) -> Json:
    return {
        "type": "rich_text",
        "elements": [{"type": "rich_text_section", "elements": [{"type": "emoji", "name": name}]}],
    }


IMAGE = {"type": "image", "image_url": "https://x.example/a.png", "alt_text": "a"}
TEXT_INPUT = {"type": "plain_text_input", "action_id": "typed"}
DATETIME = {"type": "datetimepicker", "action_id": "when"}

# (rule, accepted blocks, refused blocks, json pointer of the refusal, words of the reason)
MESSAGE_RULES: list[tuple[str, list[Json], list[Json], str, str]] = [
    (
        "actions take interactive elements only",
        [
            actions(
                button(), select(), {"type": "overflow", "action_id": "o", "options": options(2)}
            )
        ],
        [actions(button(), IMAGE)],
        "/blocks/0/elements/1",
        "failed to match all allowed schemas",
    ),
    (
        "actions take no text input",
        [actions(DATETIME)],
        [actions(TEXT_INPUT)],
        "/blocks/0/elements/0",
        "'plain_text_input'",
    ),
    (
        "context takes images and text objects only",
        [{"type": "context", "elements": [IMAGE, mrkdwn("a"), plain("b")]}],
        [{"type": "context", "elements": [mrkdwn("a"), button()]}],
        "/blocks/0/elements/1",
        "a context block does not take 'button'",
    ),
    (
        "context holds at most 10 elements",
        [{"type": "context", "elements": [mrkdwn("a")] * 10}],
        [{"type": "context", "elements": [mrkdwn("a")] * 11}],
        "/blocks/0",
        "cannot exceed 10",
    ),
    (
        "a section accessory is not a text input",
        [section(accessory=IMAGE), section(accessory=select())],
        [section(accessory=TEXT_INPUT)],
        "/blocks/0/accessory",
        "a section accessory does not take 'plain_text_input'",
    ),
    (
        "a section accessory is not a date-time picker",
        [section(accessory={"type": "datepicker", "action_id": "d"})],
        [section(accessory=DATETIME)],
        "/blocks/0/accessory",
        "failed to match all allowed schemas",
    ),
    (
        "action_id is unique within its block",
        [actions(button()), actions(button())],
        [actions(button(), button())],
        "/blocks/0/elements/1/action_id",
        "duplicate action_id",
    ),
    (
        "block_id is unique within the message",
        [{"type": "divider", "block_id": "a"}, {"type": "divider", "block_id": "b"}],
        [{"type": "divider", "block_id": "a"}, {"type": "divider", "block_id": "a"}],
        "/blocks/1/block_id",
        "duplicate block_id",
    ),
    (
        "action_id is at most 255 characters",
        [actions(button(action_id="a" * 255))],
        [actions(button(action_id="a" * 256))],
        "/blocks/0",
        "cannot exceed 255",
    ),
    (
        "block_id is at most 255 characters",
        [{"type": "divider", "block_id": "b" * 255}],
        [{"type": "divider", "block_id": "b" * 256}],
        "/blocks/0",
        "cannot exceed 255",
    ),
    (
        "a button value is at most 2,000 characters",
        [actions(button(value="v" * 2000))],
        [actions(button(value="v" * 2001))],
        "/blocks/0",
        "cannot exceed 2000",
    ),
    (
        "a url is at most 3,000 characters",
        [actions(button(url="https://x.example/" + "a" * 2982))],
        [actions(button(url="https://x.example/" + "a" * 2983))],
        "/blocks/0",
        "cannot exceed 3000",
    ),
    (
        "an overflow menu has at least 2 options",
        [actions({"type": "overflow", "action_id": "o", "options": options(2)})],
        [actions({"type": "overflow", "action_id": "o", "options": options(1)})],
        "/blocks/0/elements/0/options",
        "must have between 2 and 5 items",
    ),
    (
        "an overflow menu has at most 5 options",
        [actions({"type": "overflow", "action_id": "o", "options": options(5)})],
        [actions({"type": "overflow", "action_id": "o", "options": options(6)})],
        "/blocks/0",
        "between 1 and 5",
    ),
    (
        "a static select has at most 100 options",
        [actions(select(options=options(100)))],
        [actions(select(options=options(101)))],
        "/blocks/0",
        "cannot exceed 100",
    ),
    (
        "option text is at most 75 characters",
        [actions(select(options=[option("t" * 75)]))],
        [actions(select(options=[option("t" * 76)]))],
        "/blocks/0/elements/0/options/0/text/text",
        "must be less than 76 characters",
    ),
    (
        "option text in a section's overflow too",
        [section(accessory={"type": "overflow", "action_id": "o", "options": options(2)})],
        [
            section(
                accessory={
                    "type": "overflow",
                    "action_id": "o",
                    "options": [option("t" * 76), option()],
                }
            )
        ],
        "/blocks/0/accessory/options/0/text/text",
        "must be less than 76 characters",
    ),
    (
        "option value is at most 150 characters",
        [actions(select(options=[option(value="v" * 150)]))],
        [actions(select(options=[option(value="v" * 151)]))],
        "/blocks/0/elements/0/options/0/value",
        "must be less than 151 characters",
    ),
    (
        "option description is at most 75 characters",
        [actions(select(options=[option(description=plain("d" * 75))]))],
        [actions(select(options=[option(description=plain("d" * 76))]))],
        "/blocks/0/elements/0/options/0/description/text",
        "must be less than 76 characters",
    ),
    (
        "a select's initial option is one of its options",
        [actions(select(initial_option=option("Option 1", "1")))],
        [actions(select(initial_option=option("Option 9", "9")))],
        "/blocks/0/elements/0/initial_option",
        "must match one of the options",
    ),
    (
        "a section field is at most 2,000 characters",
        [{"type": "section", "fields": [mrkdwn("f" * 2000)]}],
        [{"type": "section", "fields": [mrkdwn("f"), mrkdwn("f" * 2001)]}],
        "/blocks/0/fields/1/text",
        "must be less than 2001 characters",
    ),
    (
        "an emoji element names an emoji",
        [rich_emoji("white_check_mark"), rich_emoji("+1::skin-tone-3")],
        [rich_emoji("White Check Mark")],
        "/blocks/0/elements/0/elements/0/name",
        "is not a valid emoji name",
    ),
]


@pytest.mark.parametrize(
    ("accepted", "refused", "pointer", "reason"),
    [rule[1:] for rule in MESSAGE_RULES],
    ids=[rule[0] for rule in MESSAGE_RULES],
)
def test_message_rule(accepted: list[Json], refused: list[Json], pointer: str, reason: str) -> None:
    assert check_message_blocks(accepted, LIMITS) == accepted
    with pytest.raises(BlockKitError) as caught:
        check_message_blocks(refused, LIMITS)
    assert caught.value.code == "invalid_blocks"
    found = [p for p in caught.value.problems if p.pointer == pointer]
    assert found, caught.value.messages()
    assert reason in found[0].message


def modal(**extra: Any) -> Json:
    return {"type": "modal", "title": plain("Add tasks"), "blocks": [section()], **extra}


# (rule, accepted view, refused view, words of the reason)
VIEW_RULES: list[tuple[str, Json, Json, str]] = [
    (
        "title is at most 24 characters",
        modal(title=plain("t" * 24)),
        modal(title=plain("t" * 25)),
        "24",
    ),
    (
        "private_metadata is at most 3,000 characters",
        modal(private_metadata="m" * 3000),
        modal(private_metadata="m" * 3001),
        "cannot exceed 3000",
    ),
    (
        "callback_id is at most 255 characters",
        modal(callback_id="c" * 255),
        modal(callback_id="c" * 256),
        "cannot exceed 255",
    ),
    (
        "external_id is at most 255 characters",
        modal(external_id="e" * 255),
        modal(external_id="e" * 256),
        "must be less than 256 characters",
    ),
    (
        "blocks in a modal follow the same element rules",
        modal(blocks=[actions(button())]),
        modal(blocks=[actions(IMAGE)]),
        "an actions block does not take 'image'",
    ),
]


@pytest.mark.parametrize(
    ("accepted", "refused", "reason"),
    [rule[1:] for rule in VIEW_RULES],
    ids=[rule[0] for rule in VIEW_RULES],
)
def test_view_rule(accepted: Json, refused: Json, reason: str) -> None:
    assert check_modal(accepted, LIMITS) == accepted
    with pytest.raises(BlockKitError) as caught:
        check_modal(refused, LIMITS)
    assert caught.value.code == "invalid_arguments"
    assert any(reason in m for m in caught.value.messages()), caught.value.messages()


def test_the_web_api_answers_invalid_blocks_with_the_reason(
    sim: SlackSimulator, client: WebClient, team: str
) -> None:
    with pytest.raises(SlackApiError) as caught:
        client.chat_postMessage(channel=team, text="menu", blocks=[actions(button(), IMAGE)])
    assert caught.value.response.data == {
        "ok": False,
        "error": "invalid_blocks",
        "response_metadata": {
            "messages": [
                "[ERROR] failed to match all allowed schemas (an actions block does not take "
                "'image' elements) [json-pointer:/blocks/0/elements/1]"
            ]
        },
    }
    assert sim.messages("team") == []
