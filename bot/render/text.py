"""Text helpers for Slack: escaping, mentions, and cutting text to Slack's sizes.

Rules kept:
- every piece of user text shown in a message or modal goes through ``escape``, the
  one escaping path of ``bot.domain.text`` that the machine's replies use too: Slack
  reads ``<...>`` as mentions and links, so an escaped ``<!channel>``, ``<!here>`` or
  ``<@U123>`` typed by someone is shown as typed and pings nobody. Only the three
  characters Slack reserves are replaced; nothing else is changed;
- ``chunks`` never drops text: it cuts at line boundaries, a line longer than the limit
  at a space, and only a line without spaces mid-word; never inside an ``&amp;`` entity;
- ``clip`` is for labels (buttons, options, headers) whose full text is shown elsewhere;
  content (the map, cards, prompts) is split, never clipped.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Final

from bot.domain.text import escape, quoted

#: Slack's limit on a section's text.
SECTION_CHARS: Final = 3000
#: Spelled by name: linters read the sign as a letter x, but it is the "times" sign.
TIMES: Final = "\N{MULTIPLICATION SIGN}"

_ENTITY_MAX: Final = len("&amp;")

__all__ = [
    "SECTION_CHARS",
    "TIMES",
    "capped_join",
    "chunks",
    "clip",
    "escape",
    "mention",
    "plural",
    "quoted",
    "split_line",
]


def mention(user_id: str) -> str:
    return f"<@{user_id}>"


def file_stem(title: str) -> str:
    """``storymap-<title slug>``, the start of a file's name: the title's letters and
    digits (accents dropped, other scripts left out) in lower case, joined by hyphens;
    ``storymap-map`` when none are left."""
    plain = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = "-".join(re.findall(r"[a-z0-9]+", plain.lower()))[:60].strip("-")
    return f"storymap-{slug or 'map'}"


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    return f"{count} {noun if count == 1 else (nouns or noun + 's')}"


def clip(text: str, limit: int) -> str:
    """Escape ``text`` and shorten it to ``limit`` characters with an ellipsis if needed."""
    escaped = escape(text)
    if len(escaped) <= limit:
        return escaped
    return escaped[: _safe_cut(escaped, limit - 1)].rstrip() + "…"


def capped_join(items: Iterable[str], sep: str, budget: int) -> str:
    """Join ``items`` while they fit in ``budget`` characters, then say how many are left out.

    For summaries (the board, status), where the full list lives elsewhere.
    """
    pending = list(items)
    kept: list[str] = []
    used = 0
    for n, item in enumerate(pending):
        cost = len(item) + (len(sep) if kept else 0)
        if kept and used + cost > budget:
            return sep.join(kept) + f"{sep}… and {len(pending) - n} more"
        kept.append(item)
        used += cost
    return sep.join(kept)


def chunks(text: str, limit: int = SECTION_CHARS) -> list[str]:
    """Cut ``text`` into pieces of at most ``limit`` characters, at line boundaries."""
    if len(text) <= limit:
        return [text] if text.strip() else []
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    for line in text.split("\n"):
        for part in split_line(line, limit):
            cost = len(part) + (1 if current else 0)
            if current and size + cost > limit:
                pieces.append("\n".join(current))
                current, size = [], 0
                cost = len(part)
            current.append(part)
            size += cost
    if current:
        pieces.append("\n".join(current))
    # Slack refuses an empty text object; blank stretches are dropped, text never is.
    return [p for p in pieces if p.strip()]


def split_line(line: str, limit: int = SECTION_CHARS) -> list[str]:
    """``line`` in pieces of at most ``limit`` characters, cut at spaces where possible."""
    parts: list[str] = []
    while len(line) > limit:
        cut = line.rfind(" ", 0, limit + 1)
        if cut <= 0:
            # A limit shorter than an entity could leave nothing to cut; never loop on it.
            cut = _safe_cut(line, limit) or limit
            parts.append(line[:cut])
            line = line[cut:]
        else:
            parts.append(line[:cut])
            line = line[cut + 1 :]
    parts.append(line)
    return parts


def _safe_cut(text: str, at: int) -> int:
    """An index at or before ``at`` that does not fall inside an escaped entity."""
    start = text.rfind("&", max(0, at - _ENTITY_MAX + 1), at)
    if start >= 0 and ";" not in text[start:at]:
        return start
    return at
