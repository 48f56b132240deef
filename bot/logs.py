"""Log lines: readable text (the default) or one JSON object per line (``LOG_FORMAT=json``).

A JSON line has ``time`` (UTC, ISO 8601), ``level``, ``logger`` and ``message``, then,
when the call site knows them (``extra=``): ``team``, ``channel``, ``workshop`` (its
number), ``effect`` (the effect kinds of an outbox entry, comma-separated) and
``status`` (the HTTP status of a refused request); and ``exception`` (the traceback)
for a failure logged with one. No other attribute of a record is written, so nothing a
call site or a library attaches to a record leaks into the line.

In both formats, anything shaped like a Slack token (``xoxb-...``, ``xapp-...`` and the
other ``xox?-`` kinds) is replaced by its prefix and ``[redacted]`` before the line is
written: log messages name ids, never tokens, and this holds even for a library's line.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Final

from bot.config import LogSettings

#: Record attributes a JSON line carries besides time, level, logger and message.
CONTEXT_FIELDS: Final = ("team", "channel", "workshop", "effect", "status")
TEXT_FORMAT: Final = "%(asctime)s %(levelname)s %(name)s: %(message)s"

_TOKEN: Final = re.compile(r"\b(xox[a-z]|xapp)-[A-Za-z0-9-]+")


def redact(text: str) -> str:
    """``text`` with every Slack-token-shaped word replaced by ``<prefix>-[redacted]``."""
    return _TOKEN.sub(r"\1-[redacted]", text)


class TextFormatter(logging.Formatter):
    """The readable format, with tokens redacted."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object per record: the fields of the module's docstring, nothing else."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        for name in CONTEXT_FIELDS:
            value = record.__dict__.get(name)
            if isinstance(value, str | int) and not isinstance(value, bool):
                line[name] = redact(value) if isinstance(value, str) else value
        if record.exc_info:
            line["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False)


def formatter(settings: LogSettings) -> logging.Formatter:
    return JsonFormatter() if settings.log_format == "json" else TextFormatter()


def configure_logging(settings: LogSettings) -> None:
    """Log to stderr at ``STORYMAP_LOG_LEVEL`` in ``LOG_FORMAT`` (the process's root logger)."""
    handler = logging.StreamHandler()
    handler.setFormatter(formatter(settings))
    logging.basicConfig(level=settings.log_level, handlers=[handler])


def context(
    team: str, channel: str, workshop: int | None = None, effects: Iterable[str] = ()
) -> dict[str, object]:
    """``extra=`` for a log call about a channel (and a workshop, and effect kinds)."""
    known: dict[str, object] = {"team": team, "channel": channel}
    if workshop is not None:
        known["workshop"] = workshop
    kinds = ",".join(dict.fromkeys(effects))
    if kinds:
        known["effect"] = kinds
    return known
