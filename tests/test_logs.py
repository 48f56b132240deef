"""The log formats: JSON lines with known fields only, tokens redacted in both formats."""

from __future__ import annotations

import json
import logging
import sys

import pytest

from bot.config import ConfigError, LogSettings, load
from bot.logs import JsonFormatter, TextFormatter, context, formatter, redact


def record(msg: str, *args: object, **extra: object) -> logging.LogRecord:
    made = logging.LogRecord("bot.slack.dispatcher", logging.WARNING, __file__, 1, msg, args, None)
    made.__dict__.update(extra)
    return made


def test_a_json_line_has_the_known_fields_and_nothing_else() -> None:
    line = JsonFormatter().format(
        record(
            "effects for %s failed (%s)",
            "T1:C1",
            "boom",
            **context("T1", "C1", 3, ["open_stage", "refresh_board", "open_stage"]),
            user_text="a story nobody should see in a log",
            token="xoxb-1-2-secret",
        )
    )
    parsed = json.loads(line)
    assert set(parsed) == {
        "time",
        "level",
        "logger",
        "message",
        "team",
        "channel",
        "workshop",
        "effect",
    }
    assert parsed["message"] == "effects for T1:C1 failed (boom)"
    assert (parsed["level"], parsed["logger"]) == ("WARNING", "bot.slack.dispatcher")
    assert (parsed["team"], parsed["channel"], parsed["workshop"]) == ("T1", "C1", 3)
    assert parsed["effect"] == "open_stage,refresh_board"
    assert parsed["time"].endswith("+00:00")
    assert "nobody should see" not in line
    assert "secret" not in line


def test_a_token_in_an_argument_is_redacted_in_both_formats() -> None:
    for made in (JsonFormatter(), TextFormatter()):
        line = made.format(record("calling with %s and %s", "xoxb-123-456-abcDEF", "xapp-1-A1-9"))
        assert "123-456-abcDEF" not in line
        assert "xoxb-[redacted]" in line
        assert "xapp-[redacted]" in line
    assert redact("ids T1 C1 U1 stay") == "ids T1 C1 U1 stay"


def test_an_exception_is_one_field_of_the_same_line() -> None:
    try:
        raise RuntimeError("token xoxp-9-9-leaked")
    except RuntimeError:
        failed = record("dispatcher: unexpected failure")
        failed.exc_info = sys.exc_info()
    line = JsonFormatter().format(failed)
    assert "\n" not in line
    parsed = json.loads(line)
    assert set(parsed) == {"time", "level", "logger", "message", "exception"}
    assert "RuntimeError" in parsed["exception"]
    assert "xoxp-[redacted]" in parsed["exception"]
    assert "9-9-leaked" not in line


def test_log_format_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LOG_FORMAT", raising=False)
    assert isinstance(formatter(load(LogSettings)), TextFormatter)
    monkeypatch.setenv("LOG_FORMAT", "JSON")
    assert isinstance(formatter(load(LogSettings)), JsonFormatter)
    monkeypatch.setenv("LOG_FORMAT", "yaml")
    with pytest.raises(ConfigError) as bad:
        load(LogSettings)
    assert str(bad.value).startswith("LOG_FORMAT is malformed: expected text")
