"""What every Web API method handler receives, and how it reports an error.

Rules kept:
- a handler gets an :class:`ApiContext` (workspace, limits, id source, public URL) and the
  call's :class:`Args`, and returns the success body without ``"ok"``; it reports a Slack
  error by raising :class:`ApiError` with Slack's error string;
- arguments arrive as form fields (always strings) or JSON values; :class:`Args` reads
  both the same way: ``"true"``/``"1"``/``true`` are true, empty strings count as absent,
  and JSON-typed arguments (``blocks``, ``view``) may be JSON strings or values.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from slacksim.blockkit import decode_json_arg
from slacksim.ids import IdFactory
from slacksim.limits import SlackLimits
from slacksim.state import Workspace

JsonDict = dict[str, Any]


class ApiError(Exception):
    """A Slack Web API error: ``{"ok": false, "error": code}`` (plus metadata messages)."""

    def __init__(self, code: str, messages: Sequence[str] = ()) -> None:
        super().__init__(code)
        self.code = code
        self.messages = list(messages)

    def body(self) -> JsonDict:
        body: JsonDict = {"ok": False, "error": self.code}
        if self.messages:
            body["response_metadata"] = {"messages": self.messages}
        return body


@dataclass(frozen=True)
class ApiContext:
    workspace: Workspace
    limits: SlackLimits
    ids: IdFactory
    public_url: str

    @staticmethod
    def now() -> float:
        return time.monotonic()


class Args:
    """Read-only access to a call's arguments, whatever their encoding."""

    def __init__(self, values: Mapping[str, object]) -> None:
        self._values = dict(values)

    def as_dict(self) -> JsonDict:
        return dict(self._values)

    def get_str(self, name: str) -> str | None:
        value = self._values.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, str | int | float):
            return str(value)
        return json.dumps(value)

    def get_bool(self, name: str) -> bool:
        value = self._values.get(name)
        if isinstance(value, bool):
            return value
        return str(value).lower() in {"1", "true"}

    def get_int(self, name: str, default: int) -> int:
        text = self.get_str(name)
        if text is None:
            return default
        try:
            return int(text)
        except ValueError as exc:
            raise ApiError("invalid_arguments", [f"[ERROR] {name} must be a number"]) from exc

    def get_json(self, name: str, error_code: str) -> object | None:
        value = self._values.get(name)
        if value is None or value == "":
            return None
        try:
            return decode_json_arg(value)
        except json.JSONDecodeError as exc:
            raise ApiError(error_code, [f"[ERROR] {name} is not valid JSON"]) from exc
