"""Content limits the simulated Slack enforces, with Slack's values as defaults.

Rules kept (each a field of :class:`SlackLimits`, overridable per simulator):
- a message carries at most 50 blocks, a modal at most 100 (``invalid_blocks`` /
  ``invalid_arguments``);
- message ``text`` longer than 40,000 characters is refused with ``msg_too_long``
  (Slack documents the 40,000 bound; the Web API answers ``msg_too_long``);
- the characters of every ``"text"`` string inside a message's blocks add up to at most
  12,000, else ``msg_blocks_too_long``. Slack does not publish an exact formula: its
  maintainers describe "12,000 text characters with a buffer for block containers", and
  the real error for this case is ``msg_blocks_too_long`` (not ``msg_too_long``);
- a ``trigger_id`` is good for 3 seconds and for one ``views.open``/``views.push``;
- a modal stack holds at most 3 views (``push_limit_reached``);
- a ``response_url`` accepts 5 posts within 30 minutes.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SlackLimits:
    """Size and lifetime limits; the defaults are Slack's."""

    message_blocks: int = 50
    modal_blocks: int = 100
    text_chars: int = 40_000
    block_text_chars: int = 12_000
    trigger_ttl: float = 3.0
    view_stack_depth: int = 3
    response_url_uses: int = 5
    response_url_ttl: float = 30 * 60.0
