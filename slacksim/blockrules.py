"""Block Kit rules Slack enforces that slack_sdk's models do not check.

``blockkit`` runs these after the SDK's own validation, on blocks the SDK accepted.

Rules kept (Slack's Block Kit reference):
- which elements a block takes: an ``actions`` block takes interactive elements only
  (buttons, selects and multi-selects, overflow menus, date/time pickers, checkboxes,
  radio buttons, workflow buttons); a ``context`` block only ``image`` elements and text
  objects; a section ``accessory`` is a button, checkboxes, a date or time picker, an
  image, a select or multi-select, an overflow menu, radio buttons or a workflow button
  (no text input, no date-time picker). Slack answers "failed to match all allowed
  schemas" for the element;
- an overflow menu has 2 to 5 options (the SDK lets one through);
- an option's ``text`` and ``description`` are at most 75 characters and its ``value``
  at most 150, in every option list (``options``, ``option_groups``, initial ones);
- a static select's ``initial_option`` (checkboxes' and radio buttons'
  ``initial_options`` / ``initial_option`` too) must be one of its options;
- each of a section's ``fields`` holds at most 2,000 characters of text;
- a rich_text ``emoji`` element names an emoji: lower-case letters, digits and ``+-_'``,
  optionally ``::skin-tone-2`` to ``-6``;
- a view's ``external_id`` is at most 255 characters.

Checked by the SDK already (and covered by the simulator's tests): ``action_id`` and
``block_id`` of at most 255 characters, a button's ``value`` (2,000) and ``url`` (3,000),
at most 10 context elements, 25 actions elements, 10 section fields and 100 select
options, a modal title of at most 24 characters, ``private_metadata`` of at most 3,000
and ``callback_id`` of at most 255. ``action_id`` is unique within its block and
``block_id`` within the message or view (``blockkit``): Slack's reference scopes
``action_id`` to "the containing block", so two blocks may reuse one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, Final

JsonDict = dict[str, Any]

SELECTS: Final = frozenset(
    f"{multi}{kind}_select"
    for multi in ("", "multi_")
    for kind in ("static", "external", "users", "conversations", "channels")
)
ACTIONS_ELEMENTS: Final = SELECTS | {
    "button",
    "checkboxes",
    "datepicker",
    "datetimepicker",
    "overflow",
    "radio_buttons",
    "timepicker",
    "workflow_button",
    "rich_text_input",
}
ACCESSORY_ELEMENTS: Final = SELECTS | {
    "button",
    "checkboxes",
    "datepicker",
    "image",
    "overflow",
    "radio_buttons",
    "timepicker",
    "workflow_button",
}
CONTEXT_ELEMENTS: Final = frozenset({"image", "mrkdwn", "plain_text"})

OVERFLOW_OPTIONS: Final = (2, 5)
OPTION_TEXT_CHARS: Final = 75
OPTION_VALUE_CHARS: Final = 150
FIELD_CHARS: Final = 2000
EXTERNAL_ID_CHARS: Final = 255

_EMOJI_NAME = re.compile(r"^[a-z0-9_+'\-]+(::skin-tone-[2-6])?$")
_WITH_INITIAL = frozenset({"static_select", "multi_static_select", "checkboxes", "radio_buttons"})


def block_problems(block: JsonDict, pointer: str) -> Iterator[tuple[str, str]]:
    """``(json pointer, reason)`` for every rule above that ``block`` breaks."""
    kind = block.get("type")
    if kind == "actions":
        yield from _element_types(
            block.get("elements"), ACTIONS_ELEMENTS, "an actions block", f"{pointer}/elements"
        )
    elif kind == "context":
        yield from _element_types(
            block.get("elements"), CONTEXT_ELEMENTS, "a context block", f"{pointer}/elements"
        )
    elif kind == "section":
        accessory = block.get("accessory")
        if isinstance(accessory, dict) and accessory.get("type") not in ACCESSORY_ELEMENTS:
            yield _schema(f"{pointer}/accessory", "a section accessory", accessory)
        fields = block.get("fields")
        for index, field in enumerate(fields if isinstance(fields, list) else []):
            text = field.get("text") if isinstance(field, dict) else None
            if isinstance(text, str) and len(text) > FIELD_CHARS:
                yield f"{pointer}/fields/{index}/text", _too_long(FIELD_CHARS)
    yield from _elements(block, pointer)


def view_problems(view: JsonDict) -> Iterator[tuple[str, str]]:
    external_id = view.get("external_id")
    if isinstance(external_id, str) and len(external_id) > EXTERNAL_ID_CHARS:
        yield "/view/external_id", _too_long(EXTERNAL_ID_CHARS)


def _element_types(
    elements: object, allowed: frozenset[str], container: str, pointer: str
) -> Iterator[tuple[str, str]]:
    for index, element in enumerate(elements if isinstance(elements, list) else []):
        if isinstance(element, dict) and element.get("type") not in allowed:
            yield _schema(f"{pointer}/{index}", container, element)


def _schema(pointer: str, container: str, element: JsonDict) -> tuple[str, str]:
    return (
        pointer,
        f"failed to match all allowed schemas ({container} does not take "
        f"{element.get('type')!r} elements)",
    )


def _too_long(limit: int) -> str:
    return f"must be less than {limit + 1} characters"


def _elements(node: object, pointer: str) -> Iterator[tuple[str, str]]:
    """Per-element rules, anywhere below ``node``."""
    if isinstance(node, list):
        for index, item in enumerate(node):
            yield from _elements(item, f"{pointer}/{index}")
        return
    if not isinstance(node, dict):
        return
    kind = node.get("type")
    if kind == "overflow":
        options = node.get("options")
        count = len(options) if isinstance(options, list) else 0
        low, high = OVERFLOW_OPTIONS
        if not low <= count <= high:
            yield f"{pointer}/options", f"must have between {low} and {high} items"
    if kind == "emoji" and not _EMOJI_NAME.match(str(node.get("name", ""))):
        yield f"{pointer}/name", f"is not a valid emoji name: {node.get('name')!r}"
    if isinstance(kind, str) and ("select" in kind or kind in _WITH_INITIAL or kind == "overflow"):
        yield from _option_lists(node, pointer)
    if kind in _WITH_INITIAL:
        yield from _initial_options(node, pointer)
    for key, value in node.items():
        if isinstance(value, dict | list) and key not in ("options", "option_groups"):
            yield from _elements(value, f"{pointer}/{key}")


def _option_lists(menu: JsonDict, pointer: str) -> Iterator[tuple[str, str]]:
    for path, option in _options(menu):
        here = f"{pointer}/{path}"
        for name, limit in (("text", OPTION_TEXT_CHARS), ("description", OPTION_TEXT_CHARS)):
            text = option.get(name)
            if isinstance(text, dict) and len(str(text.get("text", ""))) > limit:
                yield f"{here}/{name}/text", _too_long(limit)
        value = option.get("value")
        if isinstance(value, str) and len(value) > OPTION_VALUE_CHARS:
            yield f"{here}/value", _too_long(OPTION_VALUE_CHARS)


def _options(menu: JsonDict) -> Iterator[tuple[str, JsonDict]]:
    lists: list[tuple[str, object]] = [("options", menu.get("options"))]
    groups = menu.get("option_groups")
    if isinstance(groups, list):
        lists += [
            (f"option_groups/{i}/options", g.get("options"))
            for i, g in enumerate(groups)
            if isinstance(g, dict)
        ]
    lists.append(("initial_options", menu.get("initial_options")))
    for path, options in lists:
        for index, option in enumerate(options if isinstance(options, list) else []):
            if isinstance(option, dict):
                yield f"{path}/{index}", option
    initial = menu.get("initial_option")
    if isinstance(initial, dict):
        yield "initial_option", initial


def _initial_options(menu: JsonDict, pointer: str) -> Iterator[tuple[str, str]]:
    offered = [
        _option_key(option) for path, option in _options(menu) if not path.startswith("initial")
    ]
    initial = menu.get("initial_option")
    chosen: list[tuple[str, object]] = [("initial_option", initial)] if initial else []
    many = menu.get("initial_options")
    chosen += [
        (f"initial_options/{i}", o) for i, o in enumerate(many if isinstance(many, list) else [])
    ]
    for path, option in chosen:
        if isinstance(option, dict) and _option_key(option) not in offered:
            yield f"{pointer}/{path}", "must match one of the options"


def _option_key(option: JsonDict) -> tuple[str, str]:
    text = option.get("text")
    label = str(text.get("text", "")) if isinstance(text, dict) else ""
    return (label, str(option.get("value", "")))
