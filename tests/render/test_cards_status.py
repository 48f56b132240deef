"""Story cards, the ephemeral status, help, and the ids shared with the listeners."""

from __future__ import annotations

import pytest

from bot.domain import commands as c
from bot.domain.model import Stage
from bot.render.cards import story_card
from bot.render.ids import ActionId, CallbackId, Ref
from bot.render.status import help_message, status
from bot.render.text import TIMES, escape
from tests.builders import PARTICIPANTS, run, workshop_at
from tests.render.checks import sendable
from tests.render.test_board import shown

BEN, CHLOE, DEV, EMI = PARTICIPANTS


def test_a_story_card_shows_id_place_votes_and_how_to_vote() -> None:
    w = workshop_at(Stage.VOTING)
    w = run(w, c.CastVote(story_id="S3"), BEN)
    w = run(w, c.CastVote(story_id="S3"), CHLOE)
    card = sendable(story_card(w, "S3"))
    text = shown(card.blocks)
    assert "*S3* · Story for View real-time map" in text
    assert "Under T3 “View real-time map” · A3 “Track delivery”" in text
    assert f":+1: {TIMES} 2" in text
    assert "React with :+1: to vote" in text
    assert card.text == "S3 · Story for View real-time map (2 votes)"


def test_a_card_after_voting_says_voting_is_closed() -> None:
    text = shown(story_card(workshop_at(Stage.SLICING), "S3").blocks)
    assert "Voting is closed." in text
    assert "React" not in text
    with pytest.raises(ValueError, match="S99"):
        story_card(workshop_at(Stage.SLICING), "S99")


def test_status_shows_your_votes_left_and_what_next_needs() -> None:
    w = run(workshop_at(Stage.VOTING), c.CastVote(story_id="S1"), BEN)
    text = shown(sendable(status(w, BEN)).blocks)
    assert "is at *Voting*" in text
    assert "Your votes: 2 of 3 left (1 used)." in text
    assert "Your votes: 3 of 3 left" in shown(status(w, EMI).blocks)
    tasks = shown(status(workshop_at(Stage.TASKS), BEN).blocks)
    assert "Still without tasks: A1 “Plan shipment”" in tasks
    assert "Your votes" not in tasks
    assert "Ready to publish" not in shown(status(workshop_at(Stage.SLICING), BEN).blocks)


def test_help_lists_the_whole_text_interface() -> None:
    text = shown(sendable(help_message()).blocks)
    for command in (
        "start [title]",
        "persona <text>",
        "add <text>",
        "add <A#> <text>",
        "add <T#> <text>",
        "next | back",
        "slice <name> = <S#> ... -- <outcome>",
        "publish [anyway]",
        "status",
        "cancel",
        "help",
        "budget <n>",
        "order <T#> <S#> ...",
        "rename <A#|T#|S#> <text>",
        "remove <A#|T#|S#>",
        "move <S#> <T#>",
        "move <T#> <A#>",
        "order <A#> <A#> ...",
        "order <A#> <T#> ...",
        "split <S#> <text> | <text> ...",
        "undo",
        "history",
        "export jira | markdown | json",
        "reopen",
    ):
        assert f"`/storymap {escape(command)}`" in text, command


def test_refs_are_small_json_that_round_trips() -> None:
    ref = Ref(number=3, anchor="T12", stage=Stage.STORIES)
    assert ref.dumps() == '{"number":3,"anchor":"T12","stage":"stories"}'
    assert Ref.loads(ref.dumps()) == ref
    assert Ref(number=1).dumps() == '{"number":1}'


def test_ids_are_distinct_and_namespaced() -> None:
    values = [a.value for a in ActionId] + [c.value for c in CallbackId]
    assert len(values) == len(set(values))
    assert all(v.startswith("storymap.") for v in values)
