"""Block Kit validation as Slack's Web API applies it to messages and modals.

Validation is done by slack_sdk's own models; this module adds only what they leave out.

Rules kept:
- every block parses with ``slack_sdk.models.blocks.Block.parse`` into a known block type,
  and ``to_dict()`` succeeds (the SDK runs its validators recursively: text lengths such as
  3,000 per section and 150 per header, 75 per button label, element counts, required
  fields); a view must build as ``slack_sdk.models.views.View`` the same way;
- nothing sent is lost in that round trip: a property the SDK model does not know, a
  ``null``, an element of unknown type, or a value the SDK had to coerce (a bare string
  where a text object is required) is rejected, as Slack rejects such payloads;
- plain_text-only fields refuse ``mrkdwn``: header text, button text, input label and
  hint, every placeholder, option text in selects and overflow menus, confirm dialog
  title/confirm/deny, modal title/submit/close (the SDK accepts these, Slack does not);
- ``block_id`` is unique within a message or view, ``action_id`` within an actions block;
- a message has at most ``SlackLimits.message_blocks`` blocks and at most
  ``SlackLimits.block_text_chars`` characters of block text (every ``"text"`` string in
  the tree, counted) -> ``msg_blocks_too_long``; a modal has at most ``modal_blocks``;
- a modal has a title, and has ``submit`` whenever it holds an input block;
- a Home tab view (``check_home``) has type ``home`` and at most ``modal_blocks`` blocks;
- the rules slack_sdk's models leave out (element types per block, option sizes,
  overflow menus of 2 to 5 options, initial options among the options, field sizes,
  emoji names, ``external_id``) are in ``blockrules``.

Errors carry Slack's ``response_metadata.messages`` form:
``"[ERROR] <message> [json-pointer:/blocks/0/text/text]"``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from slacksim import blockrules
from slacksim.limits import SlackLimits

JsonDict = dict[str, Any]

_PARSE_ERRORS = (TypeError, ValueError, KeyError, AttributeError, SlackObjectFormationError)

_PLAIN_TEXT_FIELDS: Mapping[str, tuple[str, ...]] = {
    "header": ("text",),
    "button": ("text",),
    "input": ("label", "hint"),
    "modal": ("title", "submit", "close"),
}
_OPTION_MENUS = frozenset(
    {"static_select", "multi_static_select", "overflow", "external_select", "multi_external_select"}
)


@dataclass(frozen=True)
class Problem:
    """One validation failure, located by a JSON pointer into the request."""

    pointer: str
    message: str

    def render(self) -> str:
        return f"[ERROR] {self.message} [json-pointer:{self.pointer}]"


class BlockKitError(Exception):
    """A payload Slack would refuse; ``code`` is the Web API error string."""

    def __init__(self, code: str, problems: Sequence[Problem]) -> None:
        first_per_pointer = {p.pointer: p for p in reversed(problems)}
        self.problems = tuple(p for p in problems if first_per_pointer[p.pointer] is p)
        self.code = code
        super().__init__(code, self.messages())

    def messages(self) -> list[str]:
        return [p.render() for p in self.problems]


def decode_json_arg(value: object) -> object:
    """Form-encoded calls carry ``blocks``/``view`` as JSON strings; JSON calls as values."""
    if isinstance(value, str):
        return json.loads(value)
    return value


def check_message_blocks(blocks: object, limits: SlackLimits) -> list[JsonDict]:
    """Validate a message's blocks; return them, or raise :class:`BlockKitError`."""
    if not isinstance(blocks, list) or not all(isinstance(b, dict) for b in blocks):
        raise BlockKitError("invalid_blocks_format", [Problem("/blocks", "must be an array")])
    problems = list(_blocks_problems(blocks, "/blocks"))
    if len(blocks) > limits.message_blocks:
        problems.append(
            Problem("/blocks", f"must contain no more than {limits.message_blocks} items")
        )
    if problems:
        raise BlockKitError("invalid_blocks", problems)
    chars = text_chars(blocks)
    if chars > limits.block_text_chars:
        message = f"block text is {chars} characters, more than {limits.block_text_chars}"
        raise BlockKitError("msg_blocks_too_long", [Problem("/blocks", message)])
    return blocks


def check_modal(view: object, limits: SlackLimits) -> JsonDict:
    """Validate a modal view; return it, or raise :class:`BlockKitError` (``invalid_arguments``)."""
    return _check_view(view, limits, "modal")


def check_home(view: object, limits: SlackLimits) -> JsonDict:
    """Validate a Home tab view (``views.publish``): ``type`` ``home``, a non-empty list of
    blocks, at most ``SlackLimits.modal_blocks`` of them (Slack allows 100 in a Home tab
    as in a modal), each valid; no title or submit is needed. Return it, or raise
    :class:`BlockKitError` (``invalid_arguments``)."""
    return _check_view(view, limits, "home")


def _check_view(view: object, limits: SlackLimits, kind: Literal["modal", "home"]) -> JsonDict:
    """The checks a modal and a Home tab share; a modal alone needs a title, a submit
    button beside inputs, and plain_text in its own title/submit/close."""
    if not isinstance(view, dict):
        raise BlockKitError("invalid_arguments", [Problem("/view", "must be an object")])
    modal = kind == "modal"
    problems: list[Problem] = []
    if view.get("type") != kind:
        problems.append(Problem("/view/type", f'must be "{kind}"'))
    if modal and "title" not in view:
        problems.append(Problem("/view/title", "is required"))
    blocks = view.get("blocks")
    if not isinstance(blocks, list) or not blocks or not all(isinstance(b, dict) for b in blocks):
        problems.append(Problem("/view/blocks", "must be a non-empty array of objects"))
        raise BlockKitError("invalid_arguments", problems)
    if len(blocks) > limits.modal_blocks:
        problems.append(
            Problem("/view/blocks", f"must contain no more than {limits.modal_blocks} items")
        )
    if modal and "submit" not in view and any(b.get("type") == "input" for b in blocks):
        problems.append(Problem("/view/submit", "is required when blocks contain an input"))
    outer = {k: v for k, v in view.items() if k != "blocks"}
    if modal:
        problems.extend(_plain_text_problems(outer, "/view"))
    block_problems = list(_blocks_problems(blocks, "/view/blocks"))
    problems.extend(block_problems)
    if not block_problems:
        # The View model validates the view's own fields; with valid blocks only, so its
        # first-error-wins exception cannot mask a block problem reported above.
        try:
            kept = View(**view).to_dict()
        except _PARSE_ERRORS as exc:
            problems.append(Problem("/view", str(exc)))
        else:
            problems.extend(_lost(outer, {k: v for k, v in kept.items() if k != "blocks"}, "/view"))
    problems.extend(Problem(where, reason) for where, reason in blockrules.view_problems(view))
    if problems:
        raise BlockKitError("invalid_arguments", problems)
    return view


def text_chars(node: object) -> int:
    """Characters of every ``"text"`` string anywhere in ``node``."""
    if isinstance(node, dict):
        return sum(
            len(value) if key == "text" and isinstance(value, str) else text_chars(value)
            for key, value in node.items()
        )
    if isinstance(node, list):
        return sum(text_chars(item) for item in node)
    return 0


def _blocks_problems(blocks: list[JsonDict], pointer: str) -> Iterator[Problem]:
    seen_block_ids: set[str] = set()
    for index, block in enumerate(blocks):
        here = f"{pointer}/{index}"
        yield from _block_problems(block, here)
        block_id = block.get("block_id")
        if isinstance(block_id, str):
            if block_id in seen_block_ids:
                yield Problem(f"{here}/block_id", f"duplicate block_id {block_id!r}")
            seen_block_ids.add(block_id)


def _block_problems(block: JsonDict, pointer: str) -> Iterator[Problem]:
    try:
        parsed = Block.parse(block)
        if parsed is None:
            yield Problem(f"{pointer}/type", f"unknown block type {block.get('type')!r}")
            return
        kept = parsed.to_dict()
    except _PARSE_ERRORS as exc:
        yield Problem(pointer, str(exc))
        return
    yield from _lost(block, kept, pointer)
    yield from _plain_text_problems(block, pointer)
    for where, reason in blockrules.block_problems(block, pointer):
        yield Problem(where, reason)
    if block.get("type") == "actions":
        yield from _duplicate_action_ids(block.get("elements"), f"{pointer}/elements")


def _duplicate_action_ids(elements: object, pointer: str) -> Iterator[Problem]:
    if not isinstance(elements, list):
        return
    seen: set[str] = set()
    for index, element in enumerate(elements):
        action_id = element.get("action_id") if isinstance(element, dict) else None
        if isinstance(action_id, str):
            if action_id in seen:
                yield Problem(f"{pointer}/{index}/action_id", f"duplicate action_id {action_id!r}")
            seen.add(action_id)


def _lost(sent: object, kept: object, pointer: str) -> Iterator[Problem]:
    """Where the SDK's round trip dropped or changed something that was sent."""
    if isinstance(sent, dict):
        if not isinstance(kept, dict):
            yield Problem(pointer, "must be " + _kind(kept))
            return
        for key, value in sent.items():
            if key not in kept:
                yield Problem(f"{pointer}/{key}", _dropped(value))
            else:
                yield from _lost(value, kept[key], f"{pointer}/{key}")
    elif isinstance(sent, list):
        if not isinstance(kept, list) or len(kept) != len(sent):
            yield Problem(pointer, "contains an item of an unknown or invalid type")
            return
        for index, (item, kept_item) in enumerate(zip(sent, kept, strict=True)):
            yield from _lost(item, kept_item, f"{pointer}/{index}")
    elif sent != kept:
        yield Problem(pointer, "must be " + _kind(kept))


def _dropped(value: object) -> str:
    if value is None:
        return "must not be null"
    if isinstance(value, dict) and "type" in value:
        return f"has an unknown or unsupported type {value['type']!r}"
    return "is not a supported property"


def _kind(value: object) -> str:
    if value is None:
        return "of a known type (Slack dropped it)"
    if isinstance(value, dict):
        return "an object" + (f" of type {value['type']!r}" if "type" in value else "")
    if isinstance(value, list):
        return "an array"
    return f"a valid value (Slack understood {value!r})"


def _plain_text_problems(node: object, pointer: str) -> Iterator[Problem]:
    if isinstance(node, list):
        for index, item in enumerate(node):
            yield from _plain_text_problems(item, f"{pointer}/{index}")
        return
    if not isinstance(node, dict):
        return
    raw_kind = node.get("type")
    kind = raw_kind if isinstance(raw_kind, str) else ""
    fields = [*_PLAIN_TEXT_FIELDS.get(kind, ()), "placeholder"]
    for name in fields:
        yield from _require_plain_text(node, name, pointer)
    confirm = node.get("confirm")
    if isinstance(confirm, dict):
        for name in ("title", "confirm", "deny"):
            yield from _require_plain_text(confirm, name, f"{pointer}/confirm")
    if kind in _OPTION_MENUS:
        yield from _option_texts(node, pointer)
    for key, value in node.items():
        if isinstance(value, dict | list) and key != "confirm":
            yield from _plain_text_problems(value, f"{pointer}/{key}")


def _option_texts(menu: JsonDict, pointer: str) -> Iterator[Problem]:
    lists: list[tuple[str, object]] = [("options", menu.get("options"))]
    groups = menu.get("option_groups")
    if isinstance(groups, list):
        lists += [
            (f"option_groups/{i}/options", g.get("options"))
            for i, g in enumerate(groups)
            if isinstance(g, dict)
        ]
    lists += [("initial_options", menu.get("initial_options"))]
    for path, options in lists:
        if isinstance(options, list):
            for index, option in enumerate(options):
                if isinstance(option, dict):
                    yield from _require_plain_text(option, "text", f"{pointer}/{path}/{index}")
    initial = menu.get("initial_option")
    if isinstance(initial, dict):
        yield from _require_plain_text(initial, "text", f"{pointer}/initial_option")


def _require_plain_text(node: JsonDict, name: str, pointer: str) -> Iterator[Problem]:
    value = node.get(name)
    if value is None:
        return
    if not isinstance(value, dict) or value.get("type") != "plain_text":
        yield Problem(f"{pointer}/{name}", "must be a plain_text text object")
