"""The published map as a picture (PNG) and in words (its alt text).

``render_map`` draws the 2-D story map (see ``layout`` for the rules and
docs/decisions/0010-the-map-picture.md for the choices); ``alt_text`` says the same map
in words for screen readers; ``layout`` is the model both tests and the drawing use.
"""

from __future__ import annotations

from bot.domain.model import Workshop
from bot.render.picture import draw, glyphs
from bot.render.picture.alt import ALT_TEXT_LIMIT, alt_text
from bot.render.picture.draw import png
from bot.render.picture.layout import MapLayout, layout


def render_map(w: Workshop) -> bytes:
    """``w``'s map as PNG bytes; the same map gives the same bytes."""
    return png(layout(w))


def forget_text() -> None:
    """Empty the caches of measured and drawn text (the fonts stay loaded): the next
    render starts as a map with words never drawn before would (benchmarks)."""
    for cached in (
        glyphs.word_width,
        glyphs._char,
        glyphs.face_for,
        glyphs.runs,
        draw.word_mask,
        draw.emoji_image,
    ):
        cached.cache_clear()


__all__ = ["ALT_TEXT_LIMIT", "MapLayout", "alt_text", "forget_text", "layout", "render_map"]
