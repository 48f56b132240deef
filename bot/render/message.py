"""The renderer's output for a chat message, and the one place blocks become JSON.

Rules kept: ``blocks`` are built with slack_sdk's Block Kit models and turned into dicts
here with ``to_dict()``, which runs the SDK's validators (a too-long header or button
label fails at render time, not in Slack). ``text`` is the notification fallback Slack
shows in notifications and screen readers; it is mrkdwn too, so user text in it is
escaped like everywhere else.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import Block


@dataclass(frozen=True)
class Message:
    text: str
    blocks: list[dict[str, Any]]


def message(text: str, blocks: Sequence[Block]) -> Message:
    return Message(text=text, blocks=[block.to_dict() for block in blocks])
