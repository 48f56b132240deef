"""Replies to the tasks and stories prompts: each line's parent, from its id or the last
id-only line."""

from __future__ import annotations

from bot.render.parented import how_to_place, parse_parented


def test_a_prefixed_line_goes_under_its_id_with_or_without_a_colon() -> None:
    parsed = parse_parented(["A2: Pick a driver", "a3 See ETA", "A4 : Log it"], "A", ["A1", "A2"])
    assert parsed.placed == [
        ("A2", "Pick a driver", "A2: Pick a driver"),
        ("A3", "See ETA", "a3 See ETA"),
        ("A4", "Log it", "A4 : Log it"),
    ]
    assert parsed.unplaced == []


def test_an_id_alone_puts_the_lines_after_it_under_it_until_the_next() -> None:
    lines = ["T3", "Zoom in", "Pan", "T4:", "Share", "T5: Alert", "Snooze"]
    parsed = parse_parented(lines, "T", ["T3", "T4", "T5"])
    assert [(parent, text) for parent, text, _ in parsed.placed] == [
        ("T3", "Zoom in"),
        ("T3", "Pan"),
        ("T4", "Share"),
        ("T5", "Alert"),
        ("T4", "Snooze"),  # a prefixed line does not change where later lines go
    ]


def test_lines_with_no_parent_before_them_are_kept_apart_word_for_word() -> None:
    parsed = parse_parented(["Pick a driver", "A2", "See drivers"], "A", ["A1", "A2"])
    assert parsed.unplaced == ["Pick a driver"]
    assert parsed.placed == [("A2", "See drivers", "See drivers")]


def test_with_exactly_one_parent_no_prefix_is_needed() -> None:
    parsed = parse_parented(["View map", "A1: See ETA"], "A", ["A1"])
    assert [(p, t) for p, t, _ in parsed.placed] == [("A1", "View map"), ("A1", "See ETA")]
    assert parse_parented(["View map"], "A", []).unplaced == ["View map"]


def test_only_ids_of_the_parents_kind_or_shape_are_prefixes() -> None:
    lines = ["T3: not a parent in the tasks stage", "Assign driver", "A2B plan", "A 2 trucks"]
    parsed = parse_parented(lines, "A", ["A1", "A2"])
    assert parsed.placed == []
    assert parsed.unplaced == lines


def test_the_author_is_shown_the_lines_back_and_how_to_write_them() -> None:
    told = how_to_place(["Pick a <driver>", "Zoom"], "A")
    assert "> Pick a &lt;driver&gt;\n> Zoom" in told
    assert "`A2: Pick a driver`" in told
    assert "(`A2`)" in told
