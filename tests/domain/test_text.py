"""Normalising user text: what is stored and compared, and what counts as content."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain import commands as c
from bot.domain.errors import Rejected
from bot.domain.machine import apply
from bot.domain.model import Stage
from bot.domain.text import LIMITS, clean, listed, normalise, normalise_id, same_text
from tests.builders import FACILITATOR, T0, workshop_at
from tests.domain.test_rules import refused

BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
CONTROLS = "".join(chr(n) for n in range(32)) + "\x7f" + "".join(chr(n) for n in range(0x80, 0xA0))

#: Text with everything that must not survive mixed in.
hostile_text = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from(BIDI + ZERO_WIDTH + CONTROLS + "e\u0301\U0001f469\U0001f4bb\ufe0f "),
    ),
    max_size=60,
)


def invisible(ch: str) -> bool:
    return unicodedata.category(ch) in ("Cc", "Cs") or (
        unicodedata.category(ch) == "Cf"
        and ch != "\u200d"
        and not "\U000e0020" <= ch <= "\U000e007f"
    )


@given(hostile_text)
def test_normalise_is_idempotent(text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once


@given(hostile_text)
def test_normalised_text_has_no_controls_bidi_or_zero_width_characters(text: str) -> None:
    out = normalise(text)
    assert not any(invisible(ch) for ch in out), ascii(out)
    assert not set(out) & set(BIDI + CONTROLS + "\u200b\u200c\u2060\ufeff")
    assert out == out.strip()
    assert "  " not in out
    assert unicodedata.is_normalized("NFC", out)


@given(hostile_text)
def test_a_zero_width_joiner_survives_only_inside_an_emoji(text: str) -> None:
    out = normalise(text)
    for n, ch in enumerate(out):
        if ch == "\u200d":
            assert 0 < n < len(out) - 1
            assert unicodedata.category(out[n + 1]) == "So"


@given(hostile_text)
def test_limits_are_measured_after_normalising(text: str) -> None:
    padded = f"\u200b{BIDI}{text}\u202e\ufeff"
    size = len(normalise(text))
    if 0 < size <= LIMITS["activity"]:
        assert clean(padded, "activity", "e.g.") == normalise(text)
    else:
        with pytest.raises(Rejected):
            clean(padded, "activity", "e.g.")


def test_the_probes_text() -> None:
    assert normalise("Plan\u200bshipment") == "Plan shipment"
    assert normalise("\u202eSHIP\u202c now\x00\x1b[31m") == "SHIP now[31m"
    assert normalise("Cafe\u0301\u00ad") == "Café"
    assert normalise("  line\r\nbreak\tand\u2028more ") == "line break and more"
    # Emoji sequences keep their joiners; a stray joiner is dropped.
    assert normalise("\U0001f469\u200d\U0001f4bb dev") == "\U0001f469\u200d\U0001f4bb dev"
    assert normalise("\U0001f3f3\ufe0f\u200d\U0001f308") == "\U0001f3f3\ufe0f\u200d\U0001f308"
    assert normalise("a\u200db\u200d") == "ab"
    assert normalise("\ud800lone") == "lone"


def test_plan_zero_width_shipment_duplicates_plan_shipment() -> None:
    assert same_text("Plan\u200bshipment", "plan shipment")
    assert same_text("Plan\u2060 shipment\ufeff", "PLAN SHIPMENT")
    w = apply(workshop_at(Stage.ACTIVITIES), c.AddActivity(text="Plan shipment"), "UBEN", T0).state
    message = refused(w, c.AddActivity(text="Plan\u200bshipment"))
    assert message == "“Plan shipment” is already on the map in the backbone as A1."


@pytest.mark.parametrize("text", ["\u200b\u200c\u200d", "\ufeff\u2060", "\u202e\u202c", "\x00\x1b"])
def test_a_persona_of_only_invisible_characters_is_empty(text: str) -> None:
    w = workshop_at(Stage.PERSONA)
    assert w.persona is None
    assert refused(w, c.SetPersona(text=text)).startswith("The persona needs some text")
    # The gate still holds: there is no persona.
    assert refused(w, c.Next()).startswith("Add a persona first")


def test_stored_text_is_normalised() -> None:
    w = workshop_at(Stage.ACTIVITIES)
    out = apply(w, c.AddActivity(text="\u202eRoute\u200btrucks\x1b"), FACILITATOR, T0)
    assert out.state.activities[-1].text == "Route trucks"
    title = apply(None, c.Start(team_id="T", channel_id="C", title="\u200b\ufeff"), "U", T0)
    assert title.state.title == "Story map"


def test_ids_read_through_invisible_characters() -> None:
    assert normalise_id("\u200bs3\u202e") == "S3"
    assert normalise_id("S\u200b3") is None


def test_listed_names_the_first_ten_and_counts_the_rest() -> None:
    names = [f"T{n}" for n in range(1, 29)]
    assert listed(names) == ", ".join(names[:10]) + ", and 18 more"
    assert listed(names[:10]) == ", ".join(names[:10])
