"""Escaping and cutting text: nothing lost, nothing over Slack's limits, no broken entity."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from bot.render.text import capped_join, chunks, clip, escape, split_line

BROKEN_ENTITY = re.compile(r"&(?!amp;|lt;|gt;)")
TEXT = st.text(alphabet=st.sampled_from("ab <>&\n"), max_size=400)


def squeezed(text: str) -> str:
    return re.sub(r"\s", "", text)


@given(TEXT, st.integers(min_value=5, max_value=60))
def test_chunks_keep_every_character_within_the_limit(raw: str, limit: int) -> None:
    text = escape(raw)
    pieces = chunks(text, limit)
    assert all(0 < len(p) <= limit for p in pieces)
    assert squeezed("".join(pieces)) == squeezed(text)
    assert not any(BROKEN_ENTITY.search(p) for p in pieces)


def test_chunks_cut_at_line_boundaries_when_lines_fit() -> None:
    lines = [f"line {n} " + "x" * 50 for n in range(100)]
    pieces = chunks("\n".join(lines), 500)
    assert len(pieces) > 1
    assert "\n".join(pieces).split("\n") == lines


def test_a_line_longer_than_the_limit_is_cut_at_spaces() -> None:
    line = " → ".join(f"[Activity {n}]" for n in range(400))
    parts = split_line(line, 3000)
    assert len(parts) > 1
    assert all(len(p) <= 3000 for p in parts)
    assert " ".join(parts) == line


@given(st.text(max_size=200), st.integers(min_value=2, max_value=80))
def test_clip_fits_and_marks_what_it_shortened(raw: str, limit: int) -> None:
    out = clip(raw, limit)
    assert len(out) <= limit
    assert not BROKEN_ENTITY.search(out)
    if len(escape(raw)) <= limit:
        assert out == escape(raw)
    else:
        assert out.endswith("…")


def test_capped_join_says_how_many_are_left_out() -> None:
    items = [f"T{n} task" for n in range(100)]
    out = capped_join(items, ", ", 60)
    assert out.startswith("T0 task, T1 task")
    kept = out.split(", … and ")[0].count("task")
    assert out.endswith(f"… and {100 - kept} more")
    assert capped_join(["a", "b"], ", ", 60) == "a, b"
