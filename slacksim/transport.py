"""One HTTP POST from "Slack" to the bot, with Slack's patience.

Rules kept: Slack waits a bounded time for the bot's answer (3 s for commands,
interactions and events); when it runs out the request counts as timed out (status 0,
``timed_out=True``), which the caller records rather than raises. A bot that refuses
the connection raises :class:`BotUnreachable`: a test bug, not a Slack situation.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from http.client import HTTPConnection, HTTPSConnection
from urllib.parse import urlsplit

from slacksim.errors import BotUnreachable


@dataclass(frozen=True)
class HttpResult:
    status: int
    headers: Mapping[str, str]
    body: bytes
    elapsed: float
    timed_out: bool


def post(url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> HttpResult:
    parts = urlsplit(url)
    connection_class = HTTPSConnection if parts.scheme == "https" else HTTPConnection
    connection = connection_class(parts.hostname or "127.0.0.1", parts.port, timeout=timeout)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    started = time.perf_counter()
    try:
        connection.request("POST", path, body=body, headers=dict(headers))
        response = connection.getresponse()
        data = response.read()
        return HttpResult(
            status=response.status,
            headers={k.lower(): v for k, v in response.getheaders()},
            body=data,
            elapsed=time.perf_counter() - started,
            timed_out=False,
        )
    except TimeoutError:
        return HttpResult(0, {}, b"", time.perf_counter() - started, timed_out=True)
    except ConnectionError as exc:
        raise BotUnreachable(f"nothing answers at {url}: {exc}") from exc
    finally:
        connection.close()
