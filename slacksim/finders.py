"""Finding what a user would click, by what they see.

Rules kept: a button is found by its visible label (the ``text.text`` of a button in an
actions block or a section accessory), compared exactly after trimming; an ambiguous
label picks the first in reading order (Slack users click what they see first); a
missing label raises :class:`SimulatorError` listing the labels that are there. An
option of an overflow menu or a static select (in an actions block or a section
accessory, in option groups too) is found the same way, by its visible text.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from slacksim.errors import SimulatorError

JsonDict = dict[str, Any]


@dataclass(frozen=True)
class FoundButton:
    block_id: str
    element: JsonDict

    @property
    def label(self) -> str:
        return str(self.element["text"]["text"])


def buttons(blocks: list[JsonDict]) -> Iterator[FoundButton]:
    for block in blocks:
        candidates: list[Any] = []
        if block.get("type") == "actions":
            candidates += list(block.get("elements") or [])
        if isinstance(block.get("accessory"), dict):
            candidates.append(block["accessory"])
        for element in candidates:
            if isinstance(element, dict) and element.get("type") == "button":
                yield FoundButton(block_id=str(block.get("block_id", "")), element=element)


def find_button(blocks: list[JsonDict], label: str, where: str) -> FoundButton:
    wanted = label.strip()
    found = list(buttons(blocks))
    for button in found:
        if button.label.strip() == wanted:
            return button
    labels = ", ".join(repr(b.label) for b in found) or "none"
    raise SimulatorError(f"no button {label!r} in {where}; buttons there: {labels}")


#: Menus a user opens and chooses one option of, in a message.
MENUS = frozenset({"overflow", "static_select"})


@dataclass(frozen=True)
class FoundOption:
    block_id: str
    element: JsonDict
    option: JsonDict

    @property
    def label(self) -> str:
        return str(self.option["text"]["text"])


def options(blocks: list[JsonDict]) -> Iterator[FoundOption]:
    for block in blocks:
        candidates: list[Any] = []
        if block.get("type") == "actions":
            candidates += list(block.get("elements") or [])
        if isinstance(block.get("accessory"), dict):
            candidates.append(block["accessory"])
        for element in candidates:
            if not isinstance(element, dict) or element.get("type") not in MENUS:
                continue
            listed = list(element.get("options") or [])
            for group in element.get("option_groups") or []:
                listed += list(group.get("options") or [])
            for option in listed:
                yield FoundOption(str(block.get("block_id", "")), element, option)


def find_option(blocks: list[JsonDict], label: str, where: str) -> FoundOption:
    wanted = label.strip()
    found = list(options(blocks))
    for option in found:
        if option.label.strip() == wanted:
            return option
    labels = ", ".join(repr(o.label) for o in found) or "none"
    raise SimulatorError(f"no menu option {label!r} in {where}; options there: {labels}")
