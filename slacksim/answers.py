"""An HTTP answer as the simulator's server writes it, independent of the server class.

Rules kept: JSON answers are UTF-8 ``application/json; charset=utf-8``; every answer has
an explicit status, headers and a byte body.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class HttpAnswer:
    status: int
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def json(
        cls, status: int, payload: Mapping[str, Any], headers: Mapping[str, str] | None = None
    ) -> HttpAnswer:
        return cls(
            status=status,
            body=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json; charset=utf-8", **(headers or {})},
        )

    @classmethod
    def text(cls, status: int, text: str) -> HttpAnswer:
        return cls(status=status, body=text.encode(), headers={"Content-Type": "text/plain"})
