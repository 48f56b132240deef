"""Filling a modal's inputs the way the Slack client does, into ``view.state.values``.

Rules kept:
- values are addressed by ``block_id`` or ``action_id`` of an input block; a key that
  names no input raises (a test bug);
- an input left out keeps what it had, or its initial value (``initial_value``,
  ``initial_option(s)``, ``initial_date``...), else it is empty;
- selects, radio buttons and checkboxes take option ``value``s or visible option texts;
  an option that is not offered raises;
- the client refuses to send (``ModalInputError`` with per-block messages) when a
  required input is empty, a text is shorter than ``min_length`` or longer than
  ``max_length``, a number is not a number (or not an integer when decimals are not
  allowed) or out of ``min_value``/``max_value``, or more than ``max_selected_items``
  options are chosen;
- state entries have Slack's shapes: ``{"type", "value"}``, ``{"type",
  "selected_option"}``, ``{"type", "selected_options"}``, ``selected_date``,
  ``selected_time``, ``selected_user(s)``, ``selected_conversation(s)``,
  ``selected_channel(s)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from slacksim.errors import ModalInputError

JsonDict = dict[str, Any]

_TEXT_INPUTS = frozenset({"plain_text_input", "email_text_input", "url_text_input"})
_SINGLE_OPTION = frozenset({"static_select", "radio_buttons"})
_MULTI_OPTION = frozenset({"multi_static_select", "checkboxes"})
_SCALARS: Mapping[str, tuple[str, str]] = {
    "datepicker": ("selected_date", "initial_date"),
    "timepicker": ("selected_time", "initial_time"),
    "users_select": ("selected_user", "initial_user"),
    "conversations_select": ("selected_conversation", "initial_conversation"),
    "channels_select": ("selected_channel", "initial_channel"),
}
_LISTS: Mapping[str, tuple[str, str]] = {
    "multi_users_select": ("selected_users", "initial_users"),
    "multi_conversations_select": ("selected_conversations", "initial_conversations"),
    "multi_channels_select": ("selected_channels", "initial_channels"),
}

_UNSET = object()


def fill_state(view: JsonDict, values: Mapping[str, object]) -> JsonDict:
    """The view's new ``state.values``; raises :class:`ModalInputError` like the client."""
    previous: JsonDict = view.get("state", {}).get("values", {})
    remaining = dict(values)
    state: JsonDict = {}
    errors: dict[str, str] = {}
    for block in view.get("blocks", []):
        if block.get("type") != "input":
            continue
        element: JsonDict = block["element"]
        block_id, action_id = str(block["block_id"]), str(element["action_id"])
        given: object = _UNSET
        for key in (block_id, action_id):
            if key in remaining:
                given = remaining.pop(key)
                break
        kept = previous.get(block_id, {}).get(action_id)
        entry = _entry(element, given, kept)
        state[block_id] = {action_id: entry}
        error = _problem(element, entry)
        if error is None and not block.get("optional", False) and _is_empty(entry):
            error = "This field is required."
        if error is not None:
            errors[block_id] = error
    if remaining:
        inputs = [
            f"{b['block_id']}/{b['element']['action_id']}"
            for b in view.get("blocks", [])
            if b.get("type") == "input"
        ]
        raise ModalInputError(f"no input for {sorted(remaining)}; the modal has {inputs}")
    if errors:
        raise ModalInputError(f"the Slack client would not submit: {errors}", errors)
    return state


def _entry(element: JsonDict, given: object, kept: JsonDict | None) -> JsonDict:
    kind = str(element["type"])
    if given is _UNSET and kept is not None:
        return kept
    if kind in _TEXT_INPUTS or kind == "number_input":
        value = element.get("initial_value") if given is _UNSET else given
        return {"type": kind, "value": None if value in (None, "") else str(value)}
    if kind in _SINGLE_OPTION:
        if given is _UNSET:
            return {"type": kind, "selected_option": element.get("initial_option")}
        chosen = None if given is None else _option(element, str(given))
        return {"type": kind, "selected_option": chosen}
    if kind in _MULTI_OPTION:
        if given is _UNSET:
            return {"type": kind, "selected_options": list(element.get("initial_options", []))}
        wanted = [given] if isinstance(given, str) else list(_iterable(given))
        return {"type": kind, "selected_options": [_option(element, str(w)) for w in wanted]}
    if kind in _SCALARS:
        field, initial = _SCALARS[kind]
        return {"type": kind, field: element.get(initial) if given is _UNSET else given}
    if kind in _LISTS:
        field, initial = _LISTS[kind]
        picked = element.get(initial, []) if given is _UNSET else _iterable(given)
        return {"type": kind, field: picked}
    raise ModalInputError(f"the simulator cannot fill a {kind!r} input")


def _iterable(value: object) -> list[object]:
    if isinstance(value, list | tuple | set | frozenset):
        return list(value)
    raise ModalInputError(f"expected a list of choices, got {value!r}")


def _options(element: JsonDict) -> list[JsonDict]:
    found = list(element.get("options", []))
    for group in element.get("option_groups", []):
        found += list(group.get("options", []))
    return found


def _option(element: JsonDict, wanted: str) -> JsonDict:
    for option in _options(element):
        if wanted in (option.get("value"), option.get("text", {}).get("text")):
            return dict(option)
    offered = [o.get("value") for o in _options(element)]
    raise ModalInputError(
        f"option {wanted!r} is not offered by {element['action_id']!r}: {offered}"
    )


def _is_empty(entry: JsonDict) -> bool:
    return all(value in (None, "", []) for key, value in entry.items() if key != "type")


def _problem(element: JsonDict, entry: JsonDict) -> str | None:
    kind = entry["type"]
    if kind in _TEXT_INPUTS and entry["value"] is not None:
        length = len(entry["value"])
        if length < int(element.get("min_length", 0)):
            return f"Must be at least {element['min_length']} characters."
        if "max_length" in element and length > int(element["max_length"]):
            return f"Must be at most {element['max_length']} characters."
    if kind == "number_input" and entry["value"] is not None:
        return _number_problem(element, str(entry["value"]))
    limit = element.get("max_selected_items")
    if kind in _MULTI_OPTION and limit is not None and len(entry["selected_options"]) > int(limit):
        return f"Choose at most {limit}."
    return None


def _number_problem(element: JsonDict, text: str) -> str | None:
    try:
        number = Decimal(text)
    except InvalidOperation:
        return "Enter a number."
    if not element.get("is_decimal_allowed", False) and number != number.to_integral_value():
        return "Enter a whole number."
    if "min_value" in element and number < Decimal(str(element["min_value"])):
        return f"Must be at least {element['min_value']}."
    if "max_value" in element and number > Decimal(str(element["max_value"])):
        return f"Must be at most {element['max_value']}."
    return None
