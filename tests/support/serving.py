"""Waiting for a ``storymap run`` process started by a test to serve."""

from __future__ import annotations

import time
import urllib.error
import urllib.request


def wait_healthy(base: str, timeout: float = 30.0) -> bool:
    """Poll ``<base>/healthz`` until it answers 2xx; whether it did within ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=1):  # noqa: S310
                return True
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.1)
    return False
