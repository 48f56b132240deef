"""Reading modal submissions (``view.state.values``) back into plain values.

Rules kept:
- parsers read only the block and action ids of ``bot.render.ids``; they check shape, not
  rules: trimming, limits, duplicates and unknown ids are the machine's to refuse, with
  its own messages;
- items are one per line: lines are normalised (``bot.domain.text.normalise``), lines
  with nothing visible dropped, and a leading list marker people paste with lists
  (``-``, ``*``, ``•``, ``1.``, ``1)``) is removed;
- a release slot is kept when it has a name and stories, skipped when empty; half-filled
  slots and tokens that are not story ids raise ``InvalidSubmission``, whose ``errors``
  (block id -> message) is what Slack's ``response_action: "errors"`` shows under the
  field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

from bot.domain.text import normalise, normalise_id
from bot.render.ids import (
    ITEMS_BLOCK,
    ITEMS_INPUT,
    PERSONA_BLOCK,
    PERSONA_INPUT,
    RELEASE_NAME_INPUT,
    RELEASE_OUTCOME_INPUT,
    RELEASE_STORIES_INPUT,
    release_name_block,
    release_outcome_block,
    release_stories_block,
)

Values = Mapping[str, Mapping[str, Mapping[str, Any]]]

_MARKER: Final = re.compile(r"^(?:[-*•]|\d{1,3}[.)])\s+")
_TOKENS: Final = re.compile(r"[\s,;]+")


class InvalidSubmission(ValueError):
    """Field errors for Slack's ``response_action: "errors"``, keyed by block id."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.errors.items()))


def split_items(text: str) -> list[str]:
    """One item per line with something visible, normalised, without a list marker."""
    items = []
    for line in text.splitlines():
        item = _MARKER.sub("", normalise(line)).strip()
        if item:
            items.append(item)
    return items


def parse_persona_submission(values: Values) -> str:
    return (_text(values, PERSONA_BLOCK, PERSONA_INPUT) or "").strip()


def parse_items_submission(values: Values) -> list[str]:
    return split_items(_text(values, ITEMS_BLOCK, ITEMS_INPUT) or "")


def parse_slicing_submission(values: Values) -> list[tuple[str, list[str], str]]:
    """(name, story ids, outcome) per filled release slot, in slot order (slot 1 is
    Release 1); the outcome is empty when none was written."""
    releases: list[tuple[str, list[str], str]] = []
    errors: dict[str, str] = {}
    n = 1
    while release_name_block(n) in values or release_stories_block(n) in values:
        name_block, stories_block = release_name_block(n), release_stories_block(n)
        name = (_text(values, name_block, RELEASE_NAME_INPUT) or "").strip()
        outcome = (_text(values, release_outcome_block(n), RELEASE_OUTCOME_INPUT) or "").strip()
        ids, bad = _story_ids(values.get(stories_block, {}).get(RELEASE_STORIES_INPUT, {}))
        if bad:
            errors[stories_block] = (
                f"{', '.join(bad)}: not a story id; story ids look like S12, separated by spaces."
            )
        elif name and not ids:
            errors[stories_block] = "Pick at least one story, or clear the name to drop it."
        elif (ids or outcome) and not name:
            errors[name_block] = "Give this release a name, e.g. View map + ETA."
        elif name:
            releases.append((name, ids, outcome))
        n += 1
    if errors:
        raise InvalidSubmission(errors)
    return releases


def _text(values: Values, block: str, action: str) -> str | None:
    value = values.get(block, {}).get(action, {}).get("value")
    return value if isinstance(value, str) else None


def _story_ids(state: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """Story ids of a multi-select or a plain-text input, and the tokens that are not ids."""
    options = state.get("selected_options")
    if isinstance(options, list):
        raw = [str(o.get("value", "")) for o in options]
    else:
        raw = [t for t in _TOKENS.split(str(state.get("value") or "")) if t]
    ids: list[str] = []
    bad: list[str] = []
    for token in raw:
        story_id = normalise_id(token)
        if story_id is None or not story_id.startswith("S"):
            bad.append(token)
        elif story_id not in ids:
            ids.append(story_id)
    return ids, bad
