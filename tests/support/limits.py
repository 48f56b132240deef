"""Slack's rules for what the renderer sends, checked before anything leaves the process.

Rules kept (each failure is one line in ``SlackLimitError.problems``, with a JSON
pointer to the offending place):
- every block parses with slack_sdk's ``Block.parse`` and its ``to_dict()`` (which runs the
  SDK's validators: 3,000 per section text, 150 per header, 75 per button label, option
  counts...) gives back exactly what was built: nothing unknown, nothing dropped;
- fields Slack accepts only as ``plain_text`` are plain text (headers, buttons, options,
  option group labels, placeholders, input labels and hints, confirm dialogs, modal
  title/submit/close): the SDK lets mrkdwn through there, Slack does not;
- a context element has at most 2,000 characters; ``block_id`` is unique in a message or
  view and ``action_id`` unique within an actions block;
- a select offers at most 100 options in all (also across option groups), and its
  initial options are among them; a text input's initial value fits its ``max_length``;
- a message has 1 to 50 blocks and at most 12,000 characters of block text, counted as
  Slack does: every ``"text"`` string in the tree; its fallback ``text`` is non-empty and
  under Slack's 40,000; a view is a modal with a title, 1 to 100 blocks, ``submit``
  whenever it has inputs, and passes ``View.to_dict()`` (24-character title and buttons,
  3,000 of private_metadata).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Final

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

MESSAGE_BLOCKS: Final = 50
VIEW_BLOCKS: Final = 100
BLOCK_TEXT_CHARS: Final = 12_000
FALLBACK_CHARS: Final = 40_000
CONTEXT_ELEMENT_CHARS: Final = 2000
SELECT_OPTIONS: Final = 100

_SDK_ERRORS = (SlackObjectFormationError, TypeError, ValueError, KeyError, AttributeError)
#: Per object ``type``, the fields Slack only accepts as plain text.
_PLAIN_ONLY: Final[dict[str, tuple[str, ...]]] = {
    "header": ("text",),
    "button": ("text",),
    "input": ("label", "hint"),
    "modal": ("title", "submit", "close"),
}
_CONFIRM_FIELDS: Final = ("title", "text", "confirm", "deny")

JsonDict = dict[str, Any]


class SlackLimitError(ValueError):
    """Something Slack would refuse; ``problems`` says what and where."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("Slack would refuse this:\n" + "\n".join(self.problems))


def check_message(blocks: Sequence[Mapping[str, Any]], text: str | None = None) -> None:
    """Raise ``SlackLimitError`` unless ``blocks`` (and the fallback ``text``) are sendable."""
    problems = list(_blocks_problems(blocks, "/blocks", MESSAGE_BLOCKS))
    chars = block_text_chars(blocks)
    if chars > BLOCK_TEXT_CHARS:
        problems.append(f"/blocks: {chars} characters of block text, over {BLOCK_TEXT_CHARS}")
    if text is not None and not 0 < len(text) <= FALLBACK_CHARS:
        problems.append(f"/text: must have 1 to {FALLBACK_CHARS} characters, has {len(text)}")
    if problems:
        raise SlackLimitError(problems)


def check_view(view: Mapping[str, Any]) -> None:
    """Raise ``SlackLimitError`` unless ``view`` is a modal Slack accepts."""
    problems: list[str] = []
    if view.get("type") != "modal":
        problems.append('/view/type: must be "modal"')
    if "title" not in view:
        problems.append("/view/title: is required")
    blocks = view.get("blocks")
    if not isinstance(blocks, list):
        raise SlackLimitError([*problems, "/view/blocks: must be a list"])
    problems.extend(_blocks_problems(blocks, "/view/blocks", VIEW_BLOCKS))
    if "submit" not in view and any(b.get("type") == "input" for b in blocks):
        problems.append("/view/submit: is required when the view has inputs")
    outer = {k: v for k, v in view.items() if k != "blocks"}
    problems.extend(_plain_text_problems(outer, "/view"))
    try:
        View(**view).to_dict()
    except _SDK_ERRORS as exc:
        problems.append(f"/view: {exc}")
    if problems:
        raise SlackLimitError(problems)


def block_text_chars(node: object) -> int:
    """Characters of every ``"text"`` string in ``node``, the way Slack counts block text."""
    if isinstance(node, Mapping):
        return sum(
            len(value) if key == "text" and isinstance(value, str) else block_text_chars(value)
            for key, value in node.items()
        )
    if isinstance(node, list | tuple):
        return sum(block_text_chars(item) for item in node)
    return 0


def _blocks_problems(blocks: Sequence[Mapping[str, Any]], pointer: str, most: int) -> Iterator[str]:
    if not 1 <= len(blocks) <= most:
        yield f"{pointer}: must have 1 to {most} blocks, has {len(blocks)}"
    seen: set[str] = set()
    for n, block in enumerate(blocks):
        here = f"{pointer}/{n}"
        yield from _block_problems(block, here)
        block_id = block.get("block_id")
        if isinstance(block_id, str):
            if block_id in seen:
                yield f"{here}/block_id: duplicate {block_id!r}"
            seen.add(block_id)


def _block_problems(block: Mapping[str, Any], pointer: str) -> Iterator[str]:
    try:
        parsed = Block.parse(dict(block))
        rebuilt = parsed.to_dict() if parsed is not None else None
    except _SDK_ERRORS as exc:
        yield f"{pointer}: {exc}"
        return
    if rebuilt is None:
        yield f"{pointer}/type: unknown block type {block.get('type')!r}"
        return
    if rebuilt != block:
        yield f"{pointer}: slack_sdk does not give back what was built (unknown or bad fields)"
    yield from _plain_text_problems(block, pointer)
    if block.get("type") == "context":
        for k, element in enumerate(block.get("elements", [])):
            size = len(element.get("text", ""))
            if size > CONTEXT_ELEMENT_CHARS:
                yield f"{pointer}/elements/{k}: {size} characters, over {CONTEXT_ELEMENT_CHARS}"
    if block.get("type") == "actions":
        ids = [e.get("action_id") for e in block.get("elements", []) if e.get("action_id")]
        if len(ids) != len(set(ids)):
            yield f"{pointer}/elements: duplicate action_id"
    yield from _element_problems(block, pointer)


def _element_problems(node: object, pointer: str) -> Iterator[str]:
    """Selects and text inputs anywhere below ``node``."""
    if isinstance(node, list):
        for n, item in enumerate(node):
            yield from _element_problems(item, f"{pointer}/{n}")
        return
    if not isinstance(node, Mapping):
        return
    options = _options(node)
    if len(options) > SELECT_OPTIONS:
        yield f"{pointer}: {len(options)} options, over {SELECT_OPTIONS}"
    values = {o.get("value") for o in options}
    for chosen in node.get("initial_options", []):
        if chosen not in options or chosen.get("value") not in values:
            yield f"{pointer}/initial_options: {chosen.get('value')!r} is not an option"
    initial, most = node.get("initial_value"), node.get("max_length")
    if isinstance(initial, str) and isinstance(most, int) and len(initial) > most:
        yield f"{pointer}/initial_value: {len(initial)} characters, over max_length {most}"
    for key, value in node.items():
        if isinstance(value, Mapping | list):
            yield from _element_problems(value, f"{pointer}/{key}")


def _options(node: Mapping[str, Any]) -> list[JsonDict]:
    if node.get("type") not in ("static_select", "multi_static_select"):
        return []
    flat = list(node.get("options", []))
    for group in node.get("option_groups", []):
        flat.extend(group.get("options", []))
    return flat


def _plain_text_problems(node: object, pointer: str) -> Iterator[str]:
    if isinstance(node, list):
        for n, item in enumerate(node):
            yield from _plain_text_problems(item, f"{pointer}/{n}")
        return
    if not isinstance(node, Mapping):
        return
    yield from _not_plain(node, _plain_fields(node), pointer)
    for key, value in node.items():
        if key == "confirm" and isinstance(value, Mapping):
            yield from _not_plain(value, _CONFIRM_FIELDS, f"{pointer}/confirm")
        elif isinstance(value, Mapping | list):
            yield from _plain_text_problems(value, f"{pointer}/{key}")


def _plain_fields(node: Mapping[str, Any]) -> list[str]:
    fields = list(_PLAIN_ONLY.get(node.get("type", ""), ()))
    if "placeholder" in node:
        fields.append("placeholder")
    if "value" in node and "text" in node:  # an option
        fields.append("text")
    if "options" in node and "label" in node:  # an option group
        fields.append("label")
    return fields


def _not_plain(node: Mapping[str, Any], fields: Sequence[str], pointer: str) -> Iterator[str]:
    for key in fields:
        value = node.get(key)
        if isinstance(value, Mapping) and value.get("type") != "plain_text":
            yield f"{pointer}/{key}: must be plain_text"
