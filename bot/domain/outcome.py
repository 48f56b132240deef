"""What deciding a command gives: the new state, the effects, the actor's reply."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from bot.domain.effects import Effect
from bot.domain.model import Workshop
from bot.domain.text import escape, normalise


@dataclass(frozen=True)
class Outcome:
    state: Workshop
    effects: tuple[Effect, ...]
    #: What the actor is told (ephemeral in Slack, a line on the command line).
    reply: str


#: How much of a mistyped id a refusal repeats.
_SHOWN_ID_CHARS: Final = 20


def shown_id(raw: str) -> str:
    """A mistyped id as the refusal repeats it: normalised, shortened, escaped."""
    text = normalise(raw)
    if len(text) > _SHOWN_ID_CHARS:
        text = text[: _SHOWN_ID_CHARS - 1] + "…"
    return escape(text) or "That"
