"""Fonts for the map picture: which bundled font draws each character, and how wide text is.

The fonts ship with the package (``fonts/``, each with its licence file), so the picture
looks the same wherever the bot runs. Each character is drawn by the first font of a
chain that has a glyph for it (read from the font's ``cmap`` with fontTools):

1. DejaVu Sans (regular or bold): Latin with its accents, Greek, Cyrillic, Armenian,
   Georgian, Hebrew, Arabic, and many symbols;
2. Droid Sans Fallback: Chinese, Japanese (kana) and Korean (Hangul), and most emoji in
   outline;
3. no font: the character is drawn as the replacement mark (U+FFFD) and counted in
   ``Run``'s ``missing``, so the picture can say that some characters could not be drawn
   (the alt text always carries the full text).

Invisible joiners and variation selectors (U+200D, U+FE0E, U+FE0F) are not drawn: they
change how a neighbour looks, which this renderer does not do, and drawing them as a
mark would be wrong. Text is laid out with Pillow's basic layout (no shaping), so the
picture is the same on every machine whatever libraqm it has.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from functools import cache, lru_cache
from pathlib import Path
from typing import Final

from fontTools.ttLib import TTFont
from PIL import ImageFont

FONT_DIR: Final = Path(__file__).with_name("fonts")
REPLACEMENT: Final = "\ufffd"
#: Characters that shape a neighbour and have no glyph of their own here.
INVISIBLE: Final = frozenset("\u200d\ufe0e\ufe0f")


class Face(StrEnum):
    """A bundled font file."""

    REGULAR = "DejaVuSans.ttf"
    BOLD = "DejaVuSans-Bold.ttf"
    CJK = "DroidSansFallbackFull.ttf"


#: The fonts tried, in order, for text set in each style.
CHAINS: Final[dict[Face, tuple[Face, ...]]] = {
    Face.REGULAR: (Face.REGULAR, Face.CJK),
    Face.BOLD: (Face.BOLD, Face.REGULAR, Face.CJK),
}


@cache
def coverage(face: Face) -> frozenset[int]:
    """The code points ``face`` has a glyph for."""
    with TTFont(FONT_DIR / face.value, lazy=True) as font:
        cmap = font.getBestCmap() or {}
        return frozenset(cmap)


@cache
def font(face: Face, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(
        str(FONT_DIR / face.value), size, layout_engine=ImageFont.Layout.BASIC
    )


@dataclass(frozen=True)
class Run:
    """Characters drawn with one font; ``missing``: how many no bundled font could draw."""

    face: Face
    text: str
    missing: int = 0


@lru_cache(maxsize=4096)
def face_for(ch: str, style: Face) -> Face | None:
    code = ord(ch)
    for face in CHAINS[style]:
        if code in coverage(face):
            return face
    return None


def runs(text: str, style: Face) -> tuple[Run, ...]:
    """``text`` cut into runs of one font each, in order (see the module's chain)."""
    out: list[Run] = []
    face: Face | None = None
    chars: list[str] = []
    missing = 0

    def flush() -> None:
        nonlocal chars, missing
        if chars and face is not None:
            out.append(Run(face, "".join(chars), missing))
        chars, missing = [], 0

    for ch in text:
        if ch in INVISIBLE:
            continue
        found = face_for(ch, style)
        drawn, lost = (ch, 0) if found is not None else (REPLACEMENT, 1)
        found = found or style
        if found is not face:
            flush()
            face = found
        chars.append(drawn)
        missing += lost
    flush()
    return tuple(out)


@lru_cache(maxsize=65536)
def width(text: str, style: Face, size: int) -> float:
    """How wide ``text`` is drawn in ``style`` at ``size`` pixels, fallbacks included."""
    return sum(font(r.face, size).getlength(r.text) for r in runs(text, style))


def _breaks_anywhere(ch: str) -> bool:
    """CJK ideographs, kana and Hangul syllables: a line may break before any of them."""
    name = unicodedata.name(ch, "")
    return name.startswith(("CJK ", "HIRAGANA", "KATAKANA", "HANGUL", "FULLWIDTH"))


def _tokens(text: str) -> list[str]:
    """Words with the space that follows them; each CJK character is a word of its own."""
    tokens: list[str] = []
    current = ""
    for ch in text:
        if ch == " ":
            current += ch
            tokens.append(current)
            current = ""
        elif _breaks_anywhere(ch):
            if current:
                tokens.append(current)
            tokens.append(ch)
            current = ""
        else:
            current += ch
    if current:
        tokens.append(current)
    return tokens


def wrap(text: str, style: Face, size: int, max_width: float) -> tuple[str, ...]:
    """``text`` in lines no wider than ``max_width``; nothing is dropped. A word wider than
    a line is cut between characters."""
    lines: list[str] = []
    line = ""
    for token in _tokens(" ".join(text.split())):
        candidate = line + token
        if width(candidate.rstrip(" "), style, size) <= max_width:
            line = candidate
            continue
        if line:
            lines.append(line.rstrip(" "))
            line = ""
        rest = token
        while width(rest.rstrip(" "), style, size) > max_width:
            cut = _fit(rest, style, size, max_width)
            lines.append(rest[:cut])
            rest = rest[cut:]
        line = rest
    if line.strip(" ") or not lines:
        lines.append(line.rstrip(" "))
    return tuple(lines)


def _fit(token: str, style: Face, size: int, max_width: float) -> int:
    """The most leading characters of ``token`` that fit (at least one)."""
    cut = 1
    while cut < len(token) and width(token[: cut + 1], style, size) <= max_width:
        cut += 1
    return cut


def missing(text: str, style: Face = Face.REGULAR) -> int:
    """How many characters of ``text`` no bundled font can draw."""
    return sum(r.missing for r in runs(text, style))
