"""Draw a ``MapLayout`` with Pillow and encode it as PNG.

The PNG carries no metadata (no time, no software name), and the drawing depends only
on the layout and the bundled fonts, so the same map gives the same bytes.
"""

from __future__ import annotations

import io
from functools import lru_cache
from typing import Final

from PIL import Image, ImageColor, ImageDraw

from bot.render.picture.glyphs import EMOJI_PPEM, Face, advance, font, runs
from bot.render.picture.layout import (
    META,
    PAD,
    Box,
    MapLayout,
    Text,
    ascent,
    line_height,
)

BACKGROUND: Final = "#ffffff"
INK: Final = "#1d2733"
MUTED: Final = "#5b6673"
ACTIVITY_FILL: Final = "#1f4e79"
ACTIVITY_INK: Final = "#ffffff"
TASK_FILL: Final = "#d9e6f2"
TASK_EDGE: Final = "#a9c2da"
CARD_FILL: Final = "#fff3b0"
CARD_EDGE: Final = "#e3cc62"
CARD_META: Final = "#7a6620"
VOTED: Final = "#b35c00"
RELEASE_INK: Final = "#a23b2a"
RELEASE_LINE: Final = "#c0504d"
LOOSE_LINE: Final = "#9aa3ad"
GAP_FILL: Final = "#fdecea"
GAP_EDGE: Final = "#c62828"
GAP_INK: Final = "#b71c1c"
#: zlib level: 6 is PNG's usual; the map is mostly flat colour, so little is lost by less.
COMPRESS_LEVEL: Final = 1


Colour = tuple[int, int, int]


def _rgb(colour: str) -> Colour:
    r, g, b = ImageColor.getrgb(colour)[:3]
    return r, g, b


@lru_cache(maxsize=4096)
def glyph_mask(face: Face, size: int, ch: str) -> tuple[Image.Image, int, int]:
    """One character drawn once as a mask, with its offset from the pen (left, baseline)."""
    f = font(face, size)
    up, down = f.getmetrics()
    slack = size // 2
    mask = Image.new("L", (round(advance(face, size, ch)) + 2 * slack, up + down), 0)
    ImageDraw.Draw(mask).text((slack, up), ch, font=f, fill=255, anchor="ls")
    return mask, -slack, -up


@lru_cache(maxsize=32768)
def word_mask(face: Face, size: int, word: str) -> tuple[Image.Image, int, int]:
    """``word`` as a mask, with its offset from the pen (left, baseline).

    FreeType hints and draws each glyph afresh on every call, and that was most of the
    time spent. So each character is drawn once (``glyph_mask``), a word is put together
    from its characters at the advances ``glyphs.advance`` measures (the same glyph
    bitmaps at the same whole-pixel pen positions as Pillow's basic layout, without
    kerning, as the text is measured), and each word is put together once and pasted
    wherever it appears: a map repeats its words."""
    up, down = font(face, size).getmetrics()
    slack = size // 2
    mask = Image.new("L", (round(advance(face, size, word)) + 2 * slack, up + down), 0)
    x = 0.0
    for ch in word:
        glyph, left, top = glyph_mask(face, size, ch)
        # Solid coverage through the glyph's own: overlapping edges add up, never erase.
        mask.paste(255, (round(x) + slack + left, up + top), glyph)
        x += advance(face, size, ch)
    return mask, -slack, -up


@lru_cache(maxsize=4096)
def emoji_image(size: int, text: str) -> tuple[Image.Image, int, int]:
    """Colour emoji drawn at the font's one size, then scaled to ``size`` (cached)."""
    f = font(Face.EMOJI, size)
    left, top, right, bottom = (int(v) for v in f.getbbox(text, anchor="ls"))
    big = Image.new("RGBA", (max(1, right - left), max(1, bottom - top)), (0, 0, 0, 0))
    ImageDraw.Draw(big).text((-left, -top), text, font=f, anchor="ls", embedded_color=True)
    scale = size / EMOJI_PPEM
    small = big.resize(
        (max(1, round(big.width * scale)), max(1, round(big.height * scale))),
        Image.Resampling.LANCZOS,
    )
    return small, round(left * scale), round(top * scale)


def _line(
    image: Image.Image, x: float, baseline: int, line: str, *, style: Face, size: int, ink: Colour
) -> None:
    space = advance(style, size, " ")
    for n, word in enumerate(line.split(" ")):
        if n:
            x += space
        for run in runs(word, style):
            if run.face is Face.EMOJI:
                glyphs, left, top = emoji_image(size, run.text)
                image.paste(glyphs, (round(x) + left, baseline + top), glyphs)
            else:
                mask, left, top = word_mask(run.face, size, run.text)
                image.paste(ink, (round(x) + left, baseline + top), mask)
            x += advance(run.face, size, run.text)


def _text(image: Image.Image, text: Text, ink: str) -> None:
    colour = _rgb(ink)
    step = line_height(text.size)
    base = text.y + ascent(text.style, text.size)
    for n, line in enumerate(text.lines):
        _line(image, text.x, base + n * step, line, style=text.style, size=text.size, ink=colour)


@lru_cache(maxsize=1024)
def _tile(w: int, h: int, fill: str, edge: str | None, radius: int) -> Image.Image:
    tile = Image.new("RGB", (w, h), BACKGROUND)
    ImageDraw.Draw(tile).rounded_rectangle(
        (0, 0, w - 1, h - 1), radius=radius, fill=fill, outline=edge, width=1 if edge else 0
    )
    return tile


def _rect(image: Image.Image, box: Box, fill: str, edge: str | None, radius: int) -> None:
    """A rounded box: drawn once per size and colour, then pasted (cards share sizes)."""
    image.paste(_tile(box.w, box.h, fill, edge, radius), (box.x, box.y))


def _backbone(image: Image.Image, draw: ImageDraw.ImageDraw, layout: MapLayout) -> None:
    for activity in layout.activities:
        _rect(image, activity.box, ACTIVITY_FILL, None, 8)
        _text(image, activity.text, ACTIVITY_INK)
        if activity.stripe is not None:
            stripe = activity.stripe
            draw.rectangle(
                (stripe.x + 4, stripe.y, stripe.right - 5, stripe.bottom - 1), fill=GAP_EDGE
            )
    for task in layout.tasks:
        _rect(image, task.box, TASK_FILL, TASK_EDGE, 6)
        _text(image, task.text, INK)


def _releases(image: Image.Image, draw: ImageDraw.ImageDraw, layout: MapLayout) -> None:
    for line in layout.releases:
        _text(image, line.label, RELEASE_INK if line.index is not None else MUTED)
        if line.outcome is not None:
            _text(image, line.outcome, INK)
        if line.index is None:
            for x in range(line.x0, line.x1, 16):
                draw.line((x, line.y, min(x + 9, line.x1), line.y), fill=LOOSE_LINE, width=2)
        else:
            draw.line((line.x0, line.y, line.x1, line.y), fill=RELEASE_LINE, width=3)
    for gap in layout.gaps:
        _rect(image, gap.box, GAP_FILL, GAP_EDGE, 6)
        _text(image, gap.text, GAP_INK)


def picture(layout: MapLayout) -> Image.Image:
    image = Image.new("RGB", (layout.width, layout.height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    heading = layout.heading
    _text(image, heading.title, INK)
    if heading.persona is not None:
        _text(image, heading.persona, MUTED)
    _text(image, heading.summary, MUTED)
    _backbone(image, draw, layout)
    _releases(image, draw, layout)
    voted, unvoted = _rgb(VOTED), _rgb(CARD_META)
    for card in layout.stories:
        _rect(image, card.box, CARD_FILL, CARD_EDGE, 4)
        _text(image, card.text, INK)
        baseline = card.box.bottom - PAD - line_height(META) + ascent(Face.REGULAR, META)
        _line(
            image,
            card.box.x + PAD,
            baseline,
            card.meta,
            style=Face.REGULAR,
            size=META,
            ink=voted if card.votes else unvoted,
        )
    if layout.empty is not None:
        _text(image, layout.empty, MUTED)
    if layout.note is not None:
        _text(image, layout.note, GAP_INK)
    return image


#: Each text colour on each background it is drawn on: the palette holds the steps between.
PAIRS: Final = (
    (BACKGROUND, INK),
    (BACKGROUND, MUTED),
    (BACKGROUND, RELEASE_INK),
    (BACKGROUND, GAP_INK),
    (ACTIVITY_FILL, ACTIVITY_INK),
    (GAP_FILL, GAP_INK),
    (TASK_FILL, INK),
    (CARD_FILL, INK),
    (CARD_FILL, CARD_META),
    (CARD_FILL, VOTED),
)
FLAT: Final = (TASK_EDGE, CARD_EDGE, RELEASE_LINE, LOOSE_LINE, GAP_EDGE)
#: Blend steps per pair: 16 shades of antialiasing, as many as the eye tells apart here.
STEPS: Final = 16


def _palette() -> Image.Image:
    """Every colour the picture draws without emoji: the flat ones and each text colour's
    blend into its background (antialiased edges)."""
    colours: list[Colour] = [_rgb(c) for c in FLAT]
    for back, ink in PAIRS:
        b, i = _rgb(back), _rgb(ink)
        for n in range(STEPS + 1):
            t = n / STEPS
            shade = tuple(round(bb + (ii - bb) * t) for bb, ii in zip(b, i, strict=True))
            if shade not in colours:
                colours.append((shade[0], shade[1], shade[2]))
    palette = Image.new("P", (1, 1))
    flat = [v for c in colours for v in c]
    palette.putpalette(flat + flat[:3] * (256 - len(colours)))
    return palette


PALETTE: Final = _palette()


def png(layout: MapLayout) -> bytes:
    """The picture as PNG. Without emoji it is drawn only in the palette's colours, so it
    is stored as an indexed PNG: a third of the bytes to compress, and much faster."""
    image = picture(layout)
    if not layout.emoji:
        image = image.quantize(palette=PALETTE, dither=Image.Dither.NONE)
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=COMPRESS_LEVEL)
    return out.getvalue()
