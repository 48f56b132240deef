"""The record of one request "Slack" sent to the bot, and what came of it.

Rules kept: a delivery keeps the exact bytes and headers sent (so a retry can resend
them and a test can verify the signature), the bot's answer (status 0 when it timed
out), how long it took, what Slack displayed because of the ack (``shown``), and the
Slack-side error the ack caused, if any (``ack_error``: ``operation_timeout``,
``dispatch_failed``, ``invalid_blocks``, ``invalid_errors``...). A request sent over
Socket Mode keeps its HTTP-equivalent body, no signature headers, and its ``envelope_id``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from slacksim.state import Ephemeral, Message


@dataclass(frozen=True)
class Delivery:
    kind: str
    url: str
    request_body: bytes
    request_headers: Mapping[str, str]
    status: int
    response_headers: Mapping[str, str]
    response_body: bytes
    elapsed: float
    timed_out: bool
    event_id: str | None = None
    ack_error: str | None = None
    shown: Ephemeral | Message | None = None
    envelope_id: str | None = None

    @property
    def ok(self) -> bool:
        """The bot answered 200 in time and Slack accepted the answer."""
        return self.status == 200 and not self.timed_out and self.ack_error is None

    @property
    def text(self) -> str:
        return self.response_body.decode(errors="replace")

    def json(self) -> Any:
        return json.loads(self.response_body)
