"""Rules for user text and ids, with the messages people see when they break them.

Limits are chosen to fit Slack's cards: an activity reads as a column header and a
button label (75 characters in Slack), a story as one line of a card section.

Rules kept:
- ``normalise`` is the one way user text is made fit to store and compare: control
  characters (C0, DEL, C1), bidi embeddings, overrides and isolates and every other
  invisible format character are removed; a zero-width space counts as a space, the
  other zero-width characters (joiner, non-joiner, word joiner, byte order mark) are
  removed, except a joiner between two emoji, which is part of the emoji; every run of
  whitespace becomes one space; the result is NFC and trimmed. It is idempotent;
- ``clean`` normalises, then refuses empty or over-long text: text of only invisible
  characters is empty, and limits are measured on the normalised text;
- ``same_text`` compares normalised, case-folded text, so "Plan\\u200bshipment"
  duplicates "Plan shipment";
- ``escape`` is the single escaping path for user text shown in Slack mrkdwn, in the
  machine's replies and refusals as in every rendered message: Slack reads ``<...>`` as
  mentions and links, so an escaped ``<!channel>``, ``<@U123>`` or ``<url|label>`` is
  shown as typed and neither pings nor links. Only the three characters Slack reserves
  are replaced. Text Slack shows as typed (an input's initial value) is never escaped.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from typing import Final

from bot.domain.errors import Rejected

LIMITS: Final[dict[str, int]] = {
    "title": 80,
    "persona": 200,
    "activity": 60,
    "task": 100,
    "story": 200,
    "release": 60,
    "outcome": 200,
}

#: How many items a workshop can hold. Activities are the map's columns; every task fits
#: in the board's "Add stories under…" picker (a Slack select offers at most 100
#: options); every story is a card posted when voting opens, at Slack's pace of about
#: one message a second, so 200 stories take a little over three minutes to post.
MAX_ITEMS: Final[dict[str, int]] = {"activity": 20, "task": 100, "story": 200}
#: How many lines one thread reply or form submission may add.
MAX_LINES: Final = 50
#: How many items a refusal names before it says how many more there are.
NAMED_ITEMS: Final = 10

_ID = re.compile(r"^([ATS])(\d{1,6})$", re.IGNORECASE)
_SPACE = re.compile(r"\s+")
_ZWJ: Final = "\u200d"
_VS16: Final = "\ufe0f"
#: Zero-width characters read as a space: a zero-width space separates words.
_AS_SPACE: Final = frozenset("\u200b")
#: Whitespace controls: they separate words like a space.
_SPACE_CONTROLS: Final = frozenset("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f\x85")
_TAG_BLACK_FLAG: Final = "\U0001f3f4"

_ESCAPES: Final = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def escape(text: str) -> str:
    """``text`` made safe for Slack mrkdwn: ``&``, ``<`` and ``>`` as entities."""
    return text.translate(_ESCAPES)


def quoted(text: str) -> str:
    """User text in curly quotes, escaped: “Assign driver”."""
    return f"“{escape(text)}”"


def _is_emoji(ch: str) -> bool:
    return unicodedata.category(ch) in ("So", "Sk")


def _strip_invisible(text: str) -> str:
    kept: list[str] = []
    for ch in text:
        if ch in _AS_SPACE or ch in _SPACE_CONTROLS:
            kept.append(" ")
            continue
        category = unicodedata.category(ch)
        if category in ("Cc", "Cs"):
            continue  # controls and lone surrogates
        if category == "Cf" and ch != _ZWJ and not _flag_tag(kept, ch):
            continue  # bidi controls, byte order mark, word joiner, soft hyphen...
        kept.append(ch)
    out: list[str] = []
    for n, ch in enumerate(kept):
        if ch == _ZWJ:
            before = kept[n - 1] if n else ""
            after = kept[n + 1] if n + 1 < len(kept) else ""
            # A joiner inside an emoji sequence (👩‍💻, 🏳️‍🌈) is part of the picture.
            if not (before and after and (_is_emoji(before) or before == _VS16)):
                continue
            if not _is_emoji(after):
                continue
        out.append(ch)
    return "".join(out)


def _flag_tag(kept: Sequence[str], ch: str) -> bool:
    """Tag characters after a black flag spell a subdivision flag (🏴 + tags)."""
    if not "\U000e0020" <= ch <= "\U000e007f" or not kept:
        return False
    return kept[-1] == _TAG_BLACK_FLAG or "\U000e0020" <= kept[-1] <= "\U000e007f"


@lru_cache(maxsize=4096)
def normalise(text: str) -> str:
    """``text`` without invisible characters, one space between words, NFC, trimmed.

    Cached: duplicate checks normalise the same stored texts again and again.
    """
    visible = _strip_invisible(text)
    return _SPACE.sub(" ", unicodedata.normalize("NFC", visible)).strip()


def clean(text: str, what: str, example: str) -> str:
    """Normalise ``text``; refuse it when nothing visible is left or it is over-long."""
    cleaned = normalise(text)
    if not cleaned:
        raise Rejected(f"The {what} needs some text, e.g. {example}.")
    limit = LIMITS[what]
    if len(cleaned) > limit:
        raise Rejected(
            f"{_article(what)} {what} can be at most {limit} characters; this one has "
            f"{len(cleaned)}. Shorten it or split it in two."
        )
    return cleaned


def _article(noun: str) -> str:
    return "An" if noun[0] in "aeiou" else "A"


def same_text(a: str, b: str) -> bool:
    return normalise(a).casefold() == normalise(b).casefold()


def normalise_id(raw: str) -> str | None:
    """``"t3"`` -> ``"T3"``; ``None`` when ``raw`` is not an item id at all."""
    match = _ID.match(normalise(raw))
    if match is None:
        return None
    return f"{match.group(1).upper()}{int(match.group(2))}"


def listed(names: Sequence[str], most: int = NAMED_ITEMS) -> str:
    """``names`` joined with commas; past ``most``, the rest counted: "…, and 18 more"."""
    if len(names) <= most:
        return ", ".join(names)
    return ", ".join(names[:most]) + f", and {len(names) - most} more"
