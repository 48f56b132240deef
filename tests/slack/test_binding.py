"""Sealed form metadata: only the bot's own seal, for the person it was opened for."""

from __future__ import annotations

from bot.render.ids import Ref
from bot.slack.binding import form_key, seal, unseal

KEY = form_key("signing-secret")
REF = Ref(number=3, anchor="A1").in_channel("C1")


def test_a_sealed_ref_comes_back_for_its_person() -> None:
    assert unseal(KEY, "U1", seal(KEY, "U1", REF.dumps())) == REF


def test_another_person_another_key_or_an_edit_breaks_the_seal() -> None:
    sealed = seal(KEY, "U1", REF.dumps())
    mac, _, body = sealed.partition(".")
    assert unseal(KEY, "U2", sealed) is None
    assert unseal(form_key("other-secret"), "U1", sealed) is None
    assert unseal(KEY, "U1", f"{mac}.{body.replace('C1', 'C2')}") is None
    assert unseal(KEY, "U1", REF.dumps()) is None  # unsealed metadata


def test_a_seal_over_text_that_is_no_ref_or_names_no_channel_is_refused() -> None:
    assert unseal(KEY, "U1", seal(KEY, "U1", "not json")) is None
    assert unseal(KEY, "U1", seal(KEY, "U1", Ref(number=1).dumps())) is None
