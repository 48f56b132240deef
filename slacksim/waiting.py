"""Waiting for the bot, which acts on Slack asynchronously after it acks.

Rules kept: ``wait_for`` polls a predicate (every 20 ms by default) until it returns
something truthy, and returns that value; ``settle`` waits until no Web API request is
in flight and none arrived for ``quiet`` seconds. Both raise :class:`WaitTimeout` (an
``AssertionError``, so pytest reports it as a failed expectation) when time runs out.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from slacksim.errors import WaitTimeout
from slacksim.state import Workspace

T = TypeVar("T")


def wait_for(
    predicate: Callable[[], T],
    timeout: float = 10.0,
    interval: float = 0.02,
    message: str | None = None,
) -> T:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            name = getattr(predicate, "__name__", repr(predicate))
            raise WaitTimeout(message or f"{name} did not hold within {timeout} s")
        time.sleep(interval)


def settle(workspace: Workspace, quiet: float = 0.3, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        now = time.monotonic()
        with workspace.lock:
            idle_for = now - workspace.last_activity
            busy = workspace.in_flight > 0
        if not busy and idle_for >= quiet:
            return
        if now >= deadline:
            raise WaitTimeout(f"the bot kept calling the Web API for more than {timeout} s")
        time.sleep(min(0.02, max(0.001, quiet - idle_for)))
