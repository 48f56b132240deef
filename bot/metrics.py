"""What ``GET /metrics`` exposes, in Prometheus' text format (``prometheus-client``).

Rules this module keeps:

- every ``Metrics`` has its own registry (never the library's global one), so one
  process can hold several bots (tests do) and each counts only its own work;
- the request path only increments counters and observes the histogram (in memory,
  about a microsecond each): nothing on it reads or writes the store for metrics;
- what lives in the store (outbox depth, the oldest entry's age, active workshops) is
  read at scrape time by a collector added with ``add_collector`` (see
  ``bot.store.gauges``), never on the request path;
- label values come from small, known sets: request kinds and outcomes below, Web API
  method names, and Slack's error codes, cut to ``_MAX_LABEL`` characters of
  ``[a-z0-9_.]`` so a surprising answer cannot create a label of any size.

Each replica exposes its own counters; Prometheus sums them across replicas.
"""

from __future__ import annotations

import re
from typing import Final

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.registry import Collector

#: Content type of the text exposition format.
CONTENT_TYPE: Final = "text/plain; version=0.0.4; charset=utf-8"

#: Request kinds (``other``: URL verification, Slack's SSL check, and any request
#: refused before its payload was read).
KINDS: Final = ("command", "block_actions", "view_submission", "event", "other")
#: Outcomes: Bolt answered 2xx/3xx (``ok``), 404 (``unhandled``: no listener) or
#: anything else (``error``); or a gate refused it (``refused_*``).
OUTCOMES: Final = (
    "ok",
    "unhandled",
    "error",
    "refused_size",
    "refused_signature",
    "refused_shape",
)
#: Seconds: from a millisecond to Slack's 3-second acknowledgement deadline.
ACK_BUCKETS: Final = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0)

_MAX_LABEL: Final = 40
_UNSAFE: Final = re.compile(r"[^a-z0-9_.]")


def refusal_outcome(status: int) -> str:
    """The outcome of a request a gate refused with HTTP ``status``."""
    if status in (411, 413):
        return "refused_size"
    if status == 401:
        return "refused_signature"
    return "refused_shape"


def bolt_outcome(status: int) -> str:
    """The outcome of a request Bolt answered with HTTP ``status``."""
    if status < 400:
        return "ok"
    return "unhandled" if status == 404 else "error"


def request_kind(payload: dict[str, object]) -> str:
    """The kind of a parsed Slack payload (one of ``KINDS``)."""
    if "command" in payload:
        return "command"
    kind = payload.get("type")
    if kind == "event_callback":
        return "event"
    if kind in ("block_actions", "view_submission"):
        return str(kind)
    return "other"


def _label(value: str) -> str:
    return _UNSAFE.sub("_", value.lower())[:_MAX_LABEL] or "unknown"


class Metrics:
    """One bot's counters, histogram and scrape-time collectors, in its own registry."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "storymap_requests",
            "Requests to /slack/events, by kind and outcome (HTTP mode).",
            ["kind", "outcome"],
            registry=self.registry,
        )
        self.ack_seconds = Histogram(
            "storymap_ack_seconds",
            "Seconds from receiving a request to Bolt's answer (the acknowledgement), "
            "by kind; requests the gates refused are not included.",
            ["kind"],
            buckets=ACK_BUCKETS,
            registry=self.registry,
        )
        self.slack_calls = Counter(
            "storymap_slack_calls",
            "Web API calls made by the outbox performer, by method and result (ok, "
            "Slack's error code, or http_429).",
            ["method", "error"],
            registry=self.registry,
        )
        self.slack_429 = Counter(
            "storymap_slack_rate_limited",
            "Web API calls Slack answered with HTTP 429 (rate limited), by method.",
            ["method"],
            registry=self.registry,
        )
        self.dead_letters = Counter(
            "storymap_dead_letters",
            "Outbox entries parked in a dead-letter stream after failing for good, by lane.",
            ["lane"],
            registry=self.registry,
        )
        # Every known label pair starts at 0, so a rate() has a series from the start;
        # the children are kept at hand, which halves the cost of counting a request.
        self._timed = {kind: self.ack_seconds.labels(kind) for kind in KINDS}
        self._counted = {
            (kind, outcome): self.requests.labels(kind, outcome)
            for kind in KINDS
            for outcome in OUTCOMES
        }

    def request(self, kind: str, outcome: str, seconds: float | None = None) -> None:
        """Count one request; ``seconds``: how long Bolt took to answer it."""
        counted = self._counted.get((kind, outcome))
        (counted or self.requests.labels(kind, outcome)).inc()
        if seconds is not None:
            timed = self._timed.get(kind)
            (timed or self.ack_seconds.labels(kind)).observe(seconds)

    def slack_call(self, method: str, error: str = "ok") -> None:
        """Count one Web API call (``method`` as Slack names it, e.g. ``chat.update``)."""
        self.slack_calls.labels(method, _label(error)).inc()
        if error == "http_429":
            self.slack_429.labels(method).inc()

    def parked(self, lane: str) -> None:
        self.dead_letters.labels(lane).inc()

    def add_collector(self, collector: Collector) -> None:
        """Add what is read at scrape time (the store's gauges)."""
        self.registry.register(collector)

    def exposition(self) -> bytes:
        """Every metric, in Prometheus' text format."""
        return generate_latest(self.registry)
