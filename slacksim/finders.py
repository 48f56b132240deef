"""Finding what a user would click, by what they see.

Rules kept: a button is found by its visible label (the ``text.text`` of a button in an
actions block or a section accessory), compared exactly after trimming; an ambiguous
label picks the first in reading order (Slack users click what they see first); a
missing label raises :class:`SimulatorError` listing the labels that are there.
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
