"""Voting modes: blind voting (buttons, counts hidden until voting closes) and the cap of
one person's votes on one card, decided by the pure machine."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain import commands as c
from bot.domain.effects import RefreshBoard, RefreshCard, VotesReturned
from bot.domain.errors import Rejected
from bot.domain.machine import apply
from bot.domain.model import Stage, VotingMode, Workshop
from bot.render.board import board
from bot.render.cards import story_card, vote_returned
from bot.render.exports import json_export
from bot.render.prompts import prompts_for
from bot.render.status import status_text
from bot.render.text import TIMES
from tests.builders import FACILITATOR, PARTICIPANTS, T0, Clock, run, workshop_at

BEN, CHLOE = PARTICIPANTS[0], PARTICIPANTS[1]


def stories_done() -> Workshop:
    """The seed workshop at the story cards stage, with a story under every task."""
    return run(workshop_at(Stage.VOTING), c.Back())


def blind_voting(budget: int = 5, cap: int = 2) -> Workshop:
    """The seed workshop in blind voting with ``budget`` votes, ``cap`` per card."""
    clock = Clock()
    w = run(stories_done(), c.SetVotingMode(mode=VotingMode.BLIND), clock=clock)
    w = run(w, c.SetVoteBudget(budget=budget, cap=cap), clock=clock)
    return run(w, c.Next(), clock=clock)


def refused(w: Workshop, command: c.Command, actor: str = FACILITATOR) -> str:
    with pytest.raises(Rejected) as refusal:
        apply(w, command, actor, T0)
    return refusal.value.message


def shown(w: Workshop, *messages: object) -> str:
    return "\n".join(str(m) for m in messages)


def test_emoji_is_the_default_and_blind_is_chosen_by_the_facilitator_before_voting() -> None:
    w = workshop_at(Stage.STORIES)
    assert w.settings.voting_mode is VotingMode.EMOJI
    assert (
        refused(w, c.SetVotingMode(mode=VotingMode.BLIND), BEN)
        == "Only <@UANA> (facilitator) can choose the voting mode."
    )
    out = apply(w, c.SetVotingMode(mode=VotingMode.BLIND), FACILITATOR, T0)
    assert out.state.settings.voting_mode is VotingMode.BLIND
    assert "hidden from everyone until you close voting" in out.reply
    assert RefreshBoard() in out.effects
    voting = workshop_at(Stage.VOTING)
    assert refused(voting, c.SetVotingMode(mode=VotingMode.BLIND)) == (
        "The voting mode is fixed once voting has opened; the workshop is at Voting."
    )
    assert "fixed once voting has opened" in refused(
        workshop_at(Stage.SLICING), c.SetVotingMode(mode=VotingMode.EMOJI)
    )


def test_the_mode_cannot_change_once_votes_are_cast_even_after_going_back() -> None:
    w = run(workshop_at(Stage.VOTING), c.CastVote(story_id="S1"), BEN)
    back = run(w, c.Back())
    assert back.stage is Stage.STORIES
    assert refused(back, c.SetVotingMode(mode=VotingMode.BLIND)) == (
        "Votes have been cast already, so the voting mode stays emoji."
    )
    # Choosing the mode it already has changes nothing and is not refused.
    assert run(back, c.SetVotingMode(mode=VotingMode.EMOJI)).settings == back.settings


def test_a_cap_above_one_needs_blind_voting_and_going_back_to_emoji_resets_it() -> None:
    w = workshop_at(Stage.STORIES)
    assert "In emoji voting one reaction is one vote" in refused(
        w, c.SetVoteBudget(budget=5, cap=2)
    )
    assert "from 1 to the budget (5)" in refused(w, c.SetVoteBudget(budget=5, cap=6))
    assert "from 1 to the budget (5)" in refused(w, c.SetVoteBudget(budget=5, cap=0))
    blind = run(w, c.SetVotingMode(mode=VotingMode.BLIND))
    capped = apply(blind, c.SetVoteBudget(budget=5, cap=2), FACILITATOR, T0)
    assert (capped.state.settings.vote_budget, capped.state.settings.vote_cap) == (5, 2)
    assert capped.reply == "Everyone now has 5 votes. At most 2 of them on one card."
    # The budget alone keeps the cap.
    assert run(capped.state, c.SetVoteBudget(budget=4)).settings.vote_cap == 2
    emoji = apply(capped.state, c.SetVotingMode(mode=VotingMode.EMOJI), FACILITATOR, T0)
    assert emoji.state.settings.vote_cap == 1
    assert "the cap per card is back to 1" in emoji.reply


def test_blind_votes_up_to_the_cap_then_refused_with_the_reason() -> None:
    w = blind_voting(budget=3, cap=2)
    first = apply(w, c.CastVote(story_id="S1"), BEN, T0)
    assert first.reply == "Vote counted for S1 (1 of yours on it); 2 of 3 left."
    assert RefreshCard(story_id="S1") in first.effects
    second = apply(first.state, c.CastVote(story_id="S1"), BEN, T0)
    assert second.reply == "Vote counted for S1 (2 of yours on it); 1 of 3 left."
    assert second.state.votes == {"S1": (BEN, BEN)}
    assert second.state.votes_used(BEN) == 2
    assert second.state.votes_on("S1", BEN) == 2
    assert refused(second.state, c.CastVote(story_id="S1"), BEN) == (
        "You already have 2 votes on S1, the most one person may put on one card. Vote for "
        "another story, or take one back with Unvote."
    )
    third = run(second.state, c.CastVote(story_id="S2"), BEN)
    assert refused(third, c.CastVote(story_id="S3"), BEN) == (
        "You have used your 3 votes. Take one back (Unvote on a card) to vote for S3."
    )
    back = apply(third, c.WithdrawVote(story_id="S1"), BEN, T0)
    assert back.reply == "Vote on S1 taken back (1 of yours on it); 1 of 3 left."
    assert back.state.votes == {"S1": (BEN,), "S2": (BEN,)}
    assert refused(back.state, c.CastVote(story_id="S99"), BEN) == (
        "S99 does not exist in this workshop."
    )


def test_counts_are_hidden_from_everyone_until_voting_closes_then_revealed_at_once() -> None:
    w = run(stories_done(), c.AddStory(task_id="T1", text="Paste an address"), BEN)
    w = run(w, c.SetVotingMode(mode=VotingMode.BLIND))
    w = run(w, c.SetVoteBudget(budget=5, cap=2))
    w = run(w, c.Next())
    new = w.stories[-1].id  # under T1, after S1
    for voter in (BEN, BEN, CHLOE):
        w = run(w, c.CastVote(story_id=new), voter)
    w = run(w, c.CastVote(story_id="S2"), CHLOE)
    assert w.counts_hidden
    assert (w.vote_count(new), w.total_votes) == (0, 0)
    # The priority does not follow the hidden votes (it would give them away).
    assert [s.id for s in w.prioritised("T1")] == ["S1", new]
    for viewer in (FACILITATOR, BEN, CHLOE):
        text = shown(w, status_text(w, viewer))
        assert "votes hidden until voting closes" in text
        assert "vote cast" not in text
        assert "votes cast" not in text
    card = story_card(w, new)
    assert "Votes are hidden until the facilitator closes voting." in str(card.blocks)
    assert "vote" not in card.text.lower()
    assert [
        e["text"]["text"] for b in card.blocks if b["type"] == "actions" for e in b["elements"]
    ] == ["Vote", "Unvote"]
    assert "votes hidden until voting closes" in str(board(w).blocks)
    assert json.loads(json_export(w))["votes"] == {}
    # Own votes stay visible to their owner.
    assert "Your votes: 3 of 5 left (2 used)." in status_text(w, BEN)

    closed = apply(w, c.Next(), FACILITATOR, T0)
    assert not closed.state.counts_hidden
    refreshed = [e for e in closed.effects if isinstance(e, RefreshCard)]
    assert sorted(e.story_id for e in refreshed) == sorted(s.id for s in w.stories)
    assert RefreshBoard() in closed.effects
    assert "Every story's votes are revealed." in closed.reply
    after = closed.state
    assert (after.vote_count(new), after.vote_count("S2"), after.total_votes) == (3, 1, 4)
    assert [s.id for s in after.prioritised("T1")] == [new, "S1"]
    assert "4 votes cast" in str(board(after).blocks)
    revealed = story_card(after, new)
    assert "3 votes" in str(revealed.blocks)
    assert "Voting is closed." in str(revealed.blocks)
    assert not [b for b in revealed.blocks if b["type"] == "actions"]
    # Going back to voting hides them again, on every card.
    reopened = apply(after, c.Back(), FACILITATOR, T0)
    assert reopened.state.counts_hidden
    assert len([e for e in reopened.effects if isinstance(e, RefreshCard)]) == len(w.stories)


def test_emoji_voting_is_unchanged_counts_show_and_stage_moves_refresh_no_card() -> None:
    w = run(workshop_at(Stage.VOTING), c.CastVote(story_id="S1"), BEN)
    assert not w.counts_hidden
    assert w.vote_count("S1") == 1
    assert f":+1: {TIMES} 1" in str(story_card(w, "S1").blocks)
    assert "1 vote cast" in str(board(w).blocks)
    closed = apply(w, c.Next(), FACILITATOR, T0)
    assert not [e for e in closed.effects if isinstance(e, RefreshCard)]
    assert "revealed" not in closed.reply


def test_a_removed_story_returns_every_vote_on_it_and_says_no_count_while_hidden() -> None:
    w = blind_voting()
    for voter in (BEN, BEN, CHLOE):
        w = run(w, c.CastVote(story_id="S2"), voter)
    out = apply(w, c.Remove(item_id="S2", confirmed=True), FACILITATOR, T0)
    (returned,) = [e for e in out.effects if isinstance(e, VotesReturned)]
    assert returned.voters == (BEN, BEN, CHLOE)
    assert out.state.votes == {}
    assert (out.state.votes_used(BEN), out.state.votes_used(CHLOE)) == (0, 0)
    assert "3 votes" not in out.reply
    assert "The votes on it went back to their voters." in out.reply


def test_the_voting_prompt_and_a_returned_vote_speak_of_blind_voting_and_counts() -> None:
    w = blind_voting(budget=5, cap=2)
    prompt = next(m for anchor, m in prompts_for(w, Stage.VOTING) if anchor is None)
    assert prompt.text == "Voting is open, blind: press Vote on the cards, 5 votes each."
    assert "at most 2 on one card" in str(prompt.blocks)
    assert "react" not in str(prompt.blocks)
    assert vote_returned("S2", "Track", voting=True, count=2) == (
        "Your 2 votes on S2 “Track” came back to you: it was removed from the map. You can "
        "cast them on other stories."
    )


def test_a_split_story_returns_all_its_votes() -> None:
    w = blind_voting()
    w = run(w, c.CastVote(story_id="S1"), BEN)
    w = run(w, c.CastVote(story_id="S1"), BEN)
    w = run(w, c.Next())  # splitting is for stories and slicing, not during voting
    out = apply(w, c.Split(story_id="S1", texts=("One half", "Other half")), FACILITATOR, T0)
    (returned,) = [e for e in out.effects if isinstance(e, VotesReturned)]
    assert returned.voters == (BEN, BEN)
    assert out.state.votes_used(BEN) == 0


def test_undo_restores_budget_and_cap_unless_votes_cast_since_exceed_them() -> None:
    w = run(stories_done(), c.SetVotingMode(mode=VotingMode.BLIND))
    capped = run(w, c.SetVoteBudget(budget=5, cap=3))
    assert capped.history[-1].before["budget"] == "3"
    undone = run(capped, c.Undo())
    assert (undone.settings.vote_budget, undone.settings.vote_cap) == (3, 1)
    # A cap recorded in the history comes back with its budget.
    again = run(capped, c.SetVoteBudget(budget=4, cap=2))
    assert again.history[-1].before["budget"] == "5 cap 3"
    assert (run(again, c.Undo()).settings.vote_budget, run(again, c.Undo()).settings.vote_cap) == (
        5,
        3,
    )
    # Votes cast since: undoing "5 votes, 3 per card" would leave BEN with 2 votes on S1
    # at a cap of 1. Refused, and nothing changes.
    voting = run(capped, c.Next())
    voting = run(voting, c.CastVote(story_id="S1"), BEN)
    voting = run(voting, c.CastVote(story_id="S1"), BEN)
    assert refused(voting, c.Undo()) == (
        "Cannot undo #26 (Everyone now has 5 votes. At most 3 of them on one card.): votes "
        "cast since would exceed a budget of 3 or 1 per card. Take votes back first."
    )
    # Once the votes are back within it, the undo goes through.
    voting = run(voting, c.WithdrawVote(story_id="S1"), BEN)
    assert run(voting, c.Undo()).settings.vote_cap == 1


def test_the_cap_cannot_go_below_votes_already_on_a_card() -> None:
    w = blind_voting(budget=5, cap=3)
    for _ in range(3):
        w = run(w, c.CastVote(story_id="S1"), BEN)
    assert refused(w, c.SetVoteBudget(budget=5, cap=2)) == (
        "Someone already has 3 votes on S1; the cap cannot go below that."
    )


def test_an_old_document_without_a_voting_mode_or_cap_reads_as_emoji_with_a_cap_of_one() -> None:
    w = run(workshop_at(Stage.VOTING), c.CastVote(story_id="S1"), BEN)
    raw = w.model_dump(mode="json")
    raw["settings"] = {"vote_budget": 3, "vote_emoji": "+1"}  # as saved before modes existed
    old = Workshop.model_validate(raw)
    assert (old.settings.voting_mode, old.settings.vote_cap) == (VotingMode.EMOJI, 1)
    assert old.votes == {"S1": (BEN,)}
    assert refused(old, c.CastVote(story_id="S1"), BEN) == "You already voted for S1."


VOTERS = (BEN, CHLOE, "UDEV")
vote_ops = st.lists(
    st.tuples(
        st.sampled_from(VOTERS),
        st.sampled_from(("S1", "S2", "S3", "S9")),
        st.booleans(),
    ),
    max_size=60,
)


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 6), st.integers(1, 6), vote_ops)
def test_no_interleaving_of_blind_votes_puts_anyone_over_the_budget_or_the_cap(
    budget: int, cap: int, ops: list[tuple[str, str, bool]]
) -> None:
    cap = min(cap, budget)
    w = blind_voting(budget=budget, cap=cap)
    for voter, story, cast in ops:
        command = c.CastVote(story_id=story) if cast else c.WithdrawVote(story_id=story)
        before = w.votes_used(voter)
        try:
            w = apply(w, command, voter, T0).state
        except Rejected:
            continue
        assert w.votes_used(voter) == before + (1 if cast else -1)
        for who in VOTERS:
            assert 0 <= w.votes_used(who) <= budget
            for voters in w.votes.values():
                assert voters.count(who) <= cap
        for story_id, voters in w.votes.items():
            assert voters
            assert list(voters) == sorted(voters)
            assert w.story(story_id) is not None
