"""The published map as a picture (PNG) and in words (its alt text).

``render_map`` draws the 2-D story map (see ``layout`` for the rules and
docs/decisions/0010-the-map-picture.md for the choices); ``alt_text`` says the same map
in words for screen readers; ``layout`` is the model both tests and the drawing use.
"""

from __future__ import annotations

from bot.domain.model import Workshop
from bot.render.picture.alt import ALT_TEXT_LIMIT, alt_text
from bot.render.picture.draw import png
from bot.render.picture.layout import MapLayout, layout


def render_map(w: Workshop) -> bytes:
    """``w``'s map as PNG bytes; the same map gives the same bytes."""
    return png(layout(w))


__all__ = ["ALT_TEXT_LIMIT", "MapLayout", "alt_text", "layout", "render_map"]
