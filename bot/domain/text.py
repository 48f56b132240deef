"""Rules for user text and ids, with the messages people see when they break them.

Limits are chosen to fit Slack's cards: an activity reads as a column header and a
button label (75 characters in Slack), a story as one line of a card section.
"""

from __future__ import annotations

import re
from typing import Final

from bot.domain.errors import Rejected

LIMITS: Final[dict[str, int]] = {
    "title": 80,
    "persona": 200,
    "activity": 60,
    "task": 100,
    "story": 200,
    "release": 60,
}

_SPACE = re.compile(r"\s+")
_ID = re.compile(r"^([ATS])(\d{1,6})$", re.IGNORECASE)


def clean(text: str, what: str, example: str) -> str:
    """Trim and collapse whitespace; refuse empty or over-long text."""
    cleaned = _SPACE.sub(" ", text).strip()
    if not cleaned:
        raise Rejected(f"The {what} needs some text, e.g. {example}.")
    limit = LIMITS[what]
    if len(cleaned) > limit:
        article = "An" if what[0] in "aeiou" else "A"
        raise Rejected(
            f"{article} {what} can be at most {limit} characters; this one has {len(cleaned)}. "
            "Shorten it or split it in two."
        )
    return cleaned


def same_text(a: str, b: str) -> bool:
    return a.casefold() == b.casefold()


def normalise_id(raw: str) -> str | None:
    """``"t3"`` -> ``"T3"``; ``None`` when ``raw`` is not an item id at all."""
    match = _ID.match(raw.strip())
    if match is None:
        return None
    return f"{match.group(1).upper()}{int(match.group(2))}"
