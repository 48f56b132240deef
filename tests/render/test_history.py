"""``/storymap history``: the last changes, newest first, who, what, when."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.domain.model import Change, Stage, Workshop
from bot.render.history import SHOWN, SUMMARY_CHARS, history, shortened
from tests.builders import T0, workshop_at
from tests.render.checks import sendable
from tests.render.test_board import shown


def _with(*changes: Change) -> Workshop:
    return workshop_at(Stage.TASKS).model_copy(update={"history": changes})


def _change(
    seq: int,
    summary: str,
    actor: str = "UBEN",
    undone_by: int | None = None,
    undoable: bool = True,
) -> Change:
    at = T0 + timedelta(minutes=seq)
    return Change(
        seq=seq,
        actor=actor,
        at=at,
        kind="rename",
        summary=summary,
        undoable=undoable,
        undone_by=undone_by,
    )


def test_the_newest_change_comes_first_with_who_what_when_and_its_number() -> None:
    w = _with(
        _change(1, "added A1 “Plan shipment”", "UANA"),
        _change(2, "renamed A1 “Plan shipment” to “Plan shipments”"),
    )
    answer = sendable(history(w))
    text = shown(answer.blocks)
    lines = text.split("\n")
    assert lines[0] == "2 changes to *“Delivery tracking”*, newest first:"
    unix = int((T0 + timedelta(minutes=2)).timestamp())
    assert lines[1].startswith(f"*#2* <@UBEN>, <!date^{unix}^{{date_short_pretty}} at {{time}}|")
    assert lines[1].endswith(">: renamed A1 “Plan shipment” to “Plan shipments”")
    assert lines[2].startswith("*#1* <@UANA>, <!date^")
    assert lines[2].endswith(">: added A1 “Plan shipment”")
    assert len(lines) == 3
    assert answer.text == text


def test_an_undone_change_says_which_undo_took_it_back() -> None:
    w = _with(
        _change(1, "added S4 “See the ETA”", undone_by=2),
        _change(2, "undid #1", undoable=False),
    )
    lines = shown(history(w).blocks).split("\n")
    assert lines[1].endswith(">: undid #1")
    assert lines[2].endswith(">: added S4 “See the ETA” _(undone by #2)_")


def test_only_the_last_twenty_are_listed() -> None:
    w = _with(*(_change(n, f"change number {n}") for n in range(1, 31)))
    text = shown(sendable(history(w)).blocks)
    lines = text.split("\n")
    assert lines[0] == f"The last {SHOWN} of 30 changes to *“Delivery tracking”*, newest first:"
    numbers = [int(m) for m in re.findall(r"^\*#(\d+)\*", text, re.MULTILINE)]
    assert numbers == list(range(30, 10, -1))


def test_an_empty_history_answers_with_a_friendly_line() -> None:
    answer = sendable(history(_with()))
    assert answer.text.startswith("Nothing has changed in *“Delivery tracking”* yet.")
    assert "`/storymap history` lists each change" in shown(answer.blocks)


def test_twenty_long_summaries_still_fit_in_one_message() -> None:
    long = "renamed S1 to “" + "&amp; " * 2000 + "”"
    w = _with(*(_change(n, long) for n in range(1, 21)))
    text = shown(sendable(history(w)).blocks)
    assert text.count("…") == 20


def test_a_long_summary_is_never_cut_inside_an_entity_or_a_token() -> None:
    assert shortened("short & sweet") == "short & sweet"
    assert shortened("a  b\nc") == "a b c"
    entity = "x" * 7 + "&amp;tail"
    assert shortened(entity, 10) == "xxxxxxx…"
    token = "moved by <@UBEN123456> today"
    assert shortened(token, 15) == "moved by…"
    cut = shortened("word " * 200)
    assert len(cut) <= SUMMARY_CHARS
    assert cut.endswith("…")
