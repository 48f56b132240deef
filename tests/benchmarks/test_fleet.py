"""The fleet benchmark's own arithmetic: its vote plan, the board's settle time from the
simulator's log, and its tally of the store's ballots (against a real store)."""

from __future__ import annotations

import json

import pytest

from benchmarks.fleet import (
    board_right_at,
    edits,
    interleave,
    settle_time,
    tally,
    vote_plan,
)
from bot.domain.effects import OpenStage
from bot.domain.machine import Outcome
from bot.domain.model import Stage
from bot.store.client import RedisClient
from bot.store.workshops import WorkshopStore
from slacksim import ApiCall
from tests.builders import workshop_at

CHANNEL = "CFLEET"
BOARD = "1700000000.000100"


def test_each_voter_votes_on_distinct_stories_within_the_plan() -> None:
    plan = vote_plan(["UA", "UB", "UC", "UD"], stories=4, each=3)
    assert len(plan) == 12
    assert len(set(plan)) == 12  # no voter twice on one story
    for voter in ("UA", "UB", "UC", "UD"):
        assert len([s for v, s in plan if v == voter]) == 3
    assert [v for v, _ in plan[:4]] == ["UA", "UB", "UC", "UD"]  # voters alternate
    with pytest.raises(ValueError, match="distinct"):
        vote_plan(["UA"], stories=2, each=3)


def test_interleave_takes_every_plan_in_turn() -> None:
    assert interleave([[1, 2, 3], [10], [20, 21]]) == [1, 10, 20, 2, 21, 3]
    assert interleave([]) == []


def _update(ts: str, votes: str, at: float, *, status: int = 200) -> ApiCall:
    blocks = json.dumps([{"type": "context", "elements": [{"text": f"{votes} cast"}]}])
    ok = status == 200
    return ApiCall(
        "chat.update",
        {"channel": CHANNEL, "ts": ts, "blocks": blocks},
        status,
        {"ok": ok} if ok else {"ok": False, "error": "ratelimited"},
        at,
    )


def test_the_board_is_right_at_its_first_successful_edit_showing_the_count() -> None:
    log = [
        _update("1700000000.000200", "12 votes", 1.0),  # a card, not the board
        _update(BOARD, "12 votes", 2.0, status=429),  # refused: never shown
        _update(BOARD, "112 votes", 2.5),  # another count that ends the same way
        _update(BOARD, "11 votes", 3.0),
        _update(BOARD, "12 votes", 4.0),
        _update(BOARD, "12 votes", 5.0),
    ]
    assert board_right_at(log, BOARD, 12) == 4.0
    assert board_right_at(log, BOARD, 1) is None
    assert board_right_at([_update(BOARD, "1 vote", 1.5)], BOARD, 1) == 1.5
    assert settle_time(4.0, 3.25) == 0.75
    assert settle_time(4.0, 9.0) == 0.0  # right before the last vote's ack
    assert settle_time(None, 3.0) is None


def test_edits_are_counted_from_the_first_vote_fleet_wide_and_per_workspace() -> None:
    card = "1700000000.000200"
    logs = {
        "TA": [
            _update(BOARD, "1 vote", 0.5),  # before the votes: not counted
            _update(BOARD, "2 votes", 1.0),
            _update(card, "2 votes", 1.5),
            _update(card, "2 votes", 2.0, status=429),  # refused: not an edit
            _update(BOARD, "3 votes", 4.0),  # after TA's last vote, before TB's
        ],
        "TB": [_update("1700000000.000900", "1 vote", 6.0)],
    }
    e = edits(logs, {BOARD}, since=1.0, last_votes={"TA": 3.0, "TB": 5.0}, settled=9.0)
    assert (e.boards, e.cards) == (2, 2)
    assert e.during == 3 / 4  # 3 edits from 1.0 to the last vote, 5.0
    assert e.after == 1 / 4  # 1 edit from 5.0 to 9.0
    assert e.before_last_vote == 1.0  # TA: 2 by 3.0; TB: 0 by 5.0


@pytest.mark.store
def test_the_tally_compares_the_store_ballots_with_the_votes_sent(
    redis_client: RedisClient, team_id: str
) -> None:
    store = WorkshopStore(redis_client)
    seeded = workshop_at(Stage.VOTING).model_copy(
        update={"team_id": team_id, "channel_id": CHANNEL, "votes": {}}
    )
    step = store.update(
        team_id, CHANNEL, lambda _: Outcome(seeded, (OpenStage(stage=Stage.VOTING),), "")
    )
    assert step.outcome is not None
    number = step.outcome.state.number
    for voter, story in (("UBEN", "S1"), ("UBEN", "S2"), ("UDEV", "S1")):
        assert store.vote(team_id, CHANNEL, number, story, voter, cast=True).code == "ok"

    exact = tally(store, team_id, CHANNEL, [("UBEN", "S1"), ("UBEN", "S2"), ("UDEV", "S1")])
    assert (exact.sent, exact.counted, exact.missing, exact.extra) == (3, 3, 0, 0)
    assert exact.exact

    off = tally(store, team_id, CHANNEL, [("UBEN", "S1"), ("UBEN", "S2"), ("UEMI", "S3")])
    assert (off.sent, off.counted, off.missing, off.extra) == (3, 2, 1, 1)
    assert not off.exact

    nothing = tally(store, team_id, "CNOWORKSHOP", [("UBEN", "S1")])
    assert (nothing.counted, nothing.missing, nothing.extra) == (0, 1, 0)
