"""Slack fills in the ids a payload left out; so does the simulator.

Rules kept: when a message or view is stored, every block without ``block_id`` gets a
generated one, and every interactive element without ``action_id`` (actions
elements, section accessories, input elements) gets one, so stored blocks and
interaction payloads look like Slack's. Given ids are never changed. The input is
not mutated: a deep copy is returned.
"""

from __future__ import annotations

import copy
from typing import Any

from slacksim.ids import IdFactory

JsonDict = dict[str, Any]

_INTERACTIVE = frozenset(
    {
        "button",
        "static_select",
        "multi_static_select",
        "external_select",
        "multi_external_select",
        "users_select",
        "multi_users_select",
        "conversations_select",
        "multi_conversations_select",
        "channels_select",
        "multi_channels_select",
        "overflow",
        "datepicker",
        "timepicker",
        "datetimepicker",
        "checkboxes",
        "radio_buttons",
        "plain_text_input",
        "number_input",
        "email_text_input",
        "url_text_input",
    }
)


def with_ids(blocks: list[JsonDict], ids: IdFactory) -> list[JsonDict]:
    filled = copy.deepcopy(blocks)
    for block in filled:
        block.setdefault("block_id", _short(ids))
        elements: list[Any] = []
        if block.get("type") == "actions":
            elements += list(block.get("elements") or [])
        elements += [block[k] for k in ("accessory", "element") if isinstance(block.get(k), dict)]
        for element in elements:
            if isinstance(element, dict) and str(element.get("type")) in _INTERACTIVE:
                element.setdefault("action_id", _short(ids))
    return filled


def _short(ids: IdFactory) -> str:
    return ids.object_id("sim")
