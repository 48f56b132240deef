"""Identifiers the simulated workspace hands out.

Rules kept:
- message timestamps are ``"<seconds>.<6 digits>"`` strings taken from the wall clock and
  strictly increasing across the whole workspace: two messages never share a ``ts``, even
  when posted within the same microsecond, and string order equals time order;
- object ids start with Slack's type letter (``C`` channel, ``U`` user, ``V`` view,
  ``Ev`` event...), are upper-case alphanumerics and are never reused;
- trigger ids have Slack's shape ``"<digits>.<digits>.<hex>"``;
- every generator is safe to call from many threads at once.
"""

from __future__ import annotations

import itertools
import secrets
import threading
import time


class IdFactory:
    """Thread-safe source of timestamps, ids, trigger ids and view hashes."""

    def __init__(self, first: int = 1) -> None:
        """``first``: the first number handed out (workspaces sharing one Slack start
        far apart, so their ids never collide)."""
        self._lock = threading.Lock()
        self._last_micros = 0
        self._counter = itertools.count(first)

    def ts(self) -> str:
        """A fresh message timestamp, strictly greater than every earlier one."""
        with self._lock:
            micros = max(time.time_ns() // 1000, self._last_micros + 1)
            self._last_micros = micros
        seconds, fraction = divmod(micros, 1_000_000)
        return f"{seconds}.{fraction:06d}"

    def object_id(self, prefix: str) -> str:
        """A never-reused id such as ``V0000000007``."""
        with self._lock:
            number = next(self._counter)
        return f"{prefix}{number:010d}"

    def trigger_id(self) -> str:
        """A trigger id in Slack's ``"132456.7890123.abcdef"`` shape."""
        with self._lock:
            number = next(self._counter)
        return f"{number}.{int(time.time())}.{secrets.token_hex(16)}"

    def view_hash(self) -> str:
        """A view hash in Slack's ``"156772938.1827394"`` shape; unique per call."""
        with self._lock:
            number = next(self._counter)
        return f"{int(time.time())}.{number:07d}"

    def secret(self) -> str:
        """An unguessable token for response URLs."""
        return secrets.token_urlsafe(18)
