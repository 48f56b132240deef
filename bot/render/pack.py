"""Packing a long text into as many messages as it needs, never truncating it.

Rules kept:
- a page (one message) holds at most ``max_blocks`` blocks and ``max_chars`` characters
  of block text; a section at most 3,000 characters;
- text comes as paragraphs of lines; a paragraph starts a new section, and a section or
  page is closed at a line boundary when the next line would not fit (a line longer than
  a section is first cut at spaces by ``split_line``), so every line lands somewhere, in
  order, whole when it can be;
- the work is linear in the text: each line is looked at once.
"""

from __future__ import annotations

from collections.abc import Iterable

from slack_sdk.models.blocks import Block

from bot.render.blocks import section
from bot.render.text import SECTION_CHARS, split_line


class Pager:
    def __init__(self, max_blocks: int, max_chars: int) -> None:
        self.max_blocks = max_blocks
        self.max_chars = max_chars
        self._pages: list[list[Block]] = [[]]
        self._chars = 0
        self._lines: list[str] = []
        self._size = 0

    def block(self, block: Block, chars: int) -> None:
        """Place a whole block (header, context, divider) carrying ``chars`` of text."""
        self._flush()
        self._place(block, chars)

    def paragraph(self, lines: Iterable[str]) -> None:
        """Lines that belong together; they start a new section."""
        self._flush()
        for line in lines:
            for piece in split_line(line, SECTION_CHARS):
                self._line(piece)
        self._flush()

    def pages(self) -> list[list[Block]]:
        self._flush()
        return [page for page in self._pages if page]

    def _line(self, line: str) -> None:
        cost = len(line) + (1 if self._lines else 0)
        room = min(SECTION_CHARS, self.max_chars - self._chars)
        if self._lines and self._size + cost > room:
            self._flush()
            cost = len(line)
        if not self._lines and (
            cost > self.max_chars - self._chars or len(self._pages[-1]) >= self.max_blocks
        ):
            self._new_page()
        self._lines.append(line)
        self._size += cost

    def _flush(self) -> None:
        if not self._lines:
            return
        text = "\n".join(self._lines)
        self._lines, self._size = [], 0
        if text.strip():
            self._place(section(text), len(text))

    def _place(self, block: Block, chars: int) -> None:
        page = self._pages[-1]
        if page and (len(page) >= self.max_blocks or self._chars + chars > self.max_chars):
            self._new_page()
        self._pages[-1].append(block)
        self._chars += chars

    def _new_page(self) -> None:
        if self._pages[-1]:
            self._pages.append([])
        self._chars = 0
