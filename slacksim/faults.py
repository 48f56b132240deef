"""Faults a test asks for: Web API calls answered with an HTTP error or a Slack error,
and archived channels.

Rules kept:
- ``fail(method, status=..., error=..., times=n)`` answers the next ``n`` calls of
  ``method`` with that HTTP status (500, 503...) and body ``{"ok": false, "error": ...}``;
  planned faults of one method are used in the order they were planned;
- a planned fault is used up only by a call that reached the method (authenticated, known
  method): a refused token does not consume it, and a faulted call is not rate limited;
- a channel marked archived answers every call that writes into it (``channel``, or
  ``channel_id`` for ``files.completeUploadExternal``) with ``is_archived`` (HTTP 200), as
  Slack does; reading it still works.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from typing import Any

JsonDict = dict[str, Any]

#: Methods that write into a channel: refused with ``is_archived`` once it is archived.
WRITES_TO_CHANNEL = frozenset(
    {
        "chat.postMessage",
        "chat.postEphemeral",
        "chat.update",
        "chat.delete",
        "reactions.add",
        "reactions.remove",
        "pins.add",
        "pins.remove",
        "files.completeUploadExternal",
    }
)


@dataclass(frozen=True)
class Fault:
    status: int
    error: str


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._planned: dict[str, deque[Fault]] = {}
        self._archived: set[str] = set()
        #: Faults answered so far, per method.
        self.answered: dict[str, int] = {}

    def fail(
        self, method: str, *, status: int = 200, error: str | None = None, times: int = 1
    ) -> None:
        if times < 1:
            raise ValueError("times must be at least 1")
        if status == 200 and error is None:
            raise ValueError("a fault needs an HTTP error status or a Slack error")
        code = error or ("service_unavailable" if status == 503 else "internal_error")
        with self._lock:
            self._planned.setdefault(method, deque()).extend([Fault(status, code)] * times)

    def archive(self, channel_id: str) -> None:
        with self._lock:
            self._archived.add(channel_id)

    def is_archived(self, channel_id: str) -> bool:
        with self._lock:
            return channel_id in self._archived

    def pending(self, method: str) -> int:
        """Planned faults of ``method`` not used yet."""
        with self._lock:
            return len(self._planned.get(method, ()))

    def answer(self, method: str, channel: str | None) -> tuple[int, JsonDict] | None:
        """The fault this call meets, if any: (HTTP status, body)."""
        with self._lock:
            planned = self._planned.get(method)
            if planned:
                fault = planned.popleft()
                self.answered[method] = self.answered.get(method, 0) + 1
                return fault.status, {"ok": False, "error": fault.error}
            if method in WRITES_TO_CHANNEL and channel in self._archived:
                return 200, {"ok": False, "error": "is_archived"}
        return None
