"""Fonts for the map picture: which bundled font draws each character, and how wide text is.

The fonts ship with the package (``fonts/``, each with its licence file), so the picture
looks the same wherever the bot runs. Each character is drawn by the first font of a
chain that has a glyph for it (read from the font's ``cmap`` with fontTools):

1. DejaVu Sans (regular or bold): Latin with its accents, Greek, Cyrillic, Armenian,
   Georgian, Hebrew, Arabic, and many symbols;
2. Droid Sans Fallback: Chinese and Japanese (kana and kanji);
3. NanumSquare: Korean (all 11,172 Hangul syllables; Droid Sans Fallback has three);
4. Noto Color Emoji: emoji, in colour (pictographs from U+1F000 on, and any character
   followed by U+FE0F, go to it first);
5. no font: the character is drawn as the replacement mark (U+FFFD) and counted in
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
    HANGUL = "NanumSquareR.ttf"
    EMOJI = "NotoColorEmoji.ttf"


#: Noto Color Emoji holds bitmaps drawn at this size only; they are scaled to the text.
EMOJI_PPEM: Final = 109


#: The fonts tried, in order, for text set in each style.
CHAINS: Final[dict[Face, tuple[Face, ...]]] = {
    Face.REGULAR: (Face.REGULAR, Face.CJK, Face.HANGUL, Face.EMOJI),
    Face.BOLD: (Face.BOLD, Face.REGULAR, Face.CJK, Face.HANGUL, Face.EMOJI),
}


@cache
def coverage(face: Face) -> frozenset[int]:
    """The code points ``face`` has a glyph for."""
    with TTFont(FONT_DIR / face.value, lazy=True) as font:
        cmap = font.getBestCmap() or {}
        return frozenset(cmap)


@cache
def font(face: Face, size: int) -> ImageFont.FreeTypeFont:
    """``face`` at ``size`` pixels (the emoji font only at ``EMOJI_PPEM``: see ``advance``)."""
    size = EMOJI_PPEM if face is Face.EMOJI else size
    return ImageFont.truetype(
        str(FONT_DIR / face.value), size, layout_engine=ImageFont.Layout.BASIC
    )


@lru_cache(maxsize=65536)
def _char(face: Face, size: int, ch: str) -> float:
    return font(face, size).getlength(ch)


def advance(face: Face, size: int, text: str) -> float:
    """How far the pen moves drawing ``text`` in ``face`` at ``size`` pixels: the sum of
    its characters' advances. FreeType's hinting makes measuring a word cost as much as
    drawing it, so characters are measured once each; the sum leaves out kerning, which
    in DejaVu Sans narrows a pair like "To" by at most a fifth of a pixel, so text
    measured this way is never wider than drawn."""
    if face is Face.EMOJI:
        return sum(_char(face, size, ch) for ch in text) * size / EMOJI_PPEM
    return sum(_char(face, size, ch) for ch in text)


@dataclass(frozen=True)
class Run:
    """Characters drawn with one font; ``missing``: how many no bundled font could draw."""

    face: Face
    text: str
    missing: int = 0


#: From here on, code points are pictographs: drawn in colour when the emoji font has them
#: (DejaVu Sans has a few, in outline).
PICTOGRAPHS: Final = 0x1F000


@lru_cache(maxsize=4096)
def face_for(ch: str, style: Face, emoji: bool = False) -> Face | None:
    """The first face of ``style``'s chain that draws ``ch``; ``emoji``: it asks for its
    emoji form (a U+FE0F follows), so the emoji font goes first."""
    code = ord(ch)
    if (emoji or code >= PICTOGRAPHS) and code in coverage(Face.EMOJI):
        return Face.EMOJI
    for face in CHAINS[style]:
        if code in coverage(face):
            return face
    return None


@lru_cache(maxsize=65536)
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

    for n, ch in enumerate(text):
        if ch in INVISIBLE:
            continue
        found = face_for(ch, style, text[n + 1 : n + 2] == "\ufe0f")
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
def word_width(word: str, style: Face, size: int) -> float:
    return sum(advance(r.face, size, r.text) for r in runs(word, style))


def width(text: str, style: Face, size: int) -> float:
    """How wide ``text`` is drawn in ``style`` at ``size`` pixels, fallbacks included:
    word by word, as ``draw`` places them."""
    words = text.split(" ")
    space = advance(style, size, " ")
    return sum(word_width(w, style, size) for w in words) + space * (len(words) - 1)


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
    # Runs of spaces are one (the domain stores text so); a no-break space stays in its word.
    for token in _tokens(" ".join(part for part in text.split(" ") if part)):
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


def census(text: str) -> tuple[int, int]:
    """How many characters of ``text`` no bundled font can draw, and how many are drawn
    as colour emoji."""
    found = runs(text, Face.REGULAR)
    return sum(r.missing for r in found), sum(len(r.text) for r in found if r.face is Face.EMOJI)
