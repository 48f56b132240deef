"""The service's vote paths per voting mode, against the real store: a card's buttons
count only in blind voting, reactions only in emoji voting, and every refusal says why."""

from __future__ import annotations

import pytest
import redis

from bot.domain import commands as c
from bot.domain.model import VotingMode
from bot.service import WorkshopService
from bot.store.keys import Keys
from bot.store.workshops import WorkshopStore
from tests.support.walks import walk_to_voting

pytestmark = pytest.mark.store
C = "CVOTING"


def test_blind_voting_counts_the_buttons_and_ignores_reactions(
    redis_client: redis.Redis, team_id: str
) -> None:
    service = WorkshopService(WorkshopStore(redis_client))
    number = walk_to_voting(
        service,
        team_id,
        C,
        c.SetVotingMode(mode=VotingMode.BLIND),
        c.SetVoteBudget(budget=2, cap=2),
    )
    cast = service.button_vote(team_id, C, "UDEV", number, "S1", cast=True, delivery_id="a1")
    assert (cast.ok, cast.text) == (True, "Vote counted for S1 (1 of yours on it); 1 of 2 left.")
    again = service.button_vote(team_id, C, "UDEV", number, "S1", cast=True, delivery_id="a1")
    assert again.duplicate
    typed = service.handle(team_id, C, "UDEV", c.CastVote(story_id="S1"))
    assert typed.text == "Vote counted for S1 (2 of yours on it); 0 of 2 left."
    over = service.button_vote(team_id, C, "UDEV", number, "S2", cast=True)
    assert (over.ok, over.text) == (
        False,
        "You have used your 2 votes. Take one back (Unvote on a card) to vote for S2.",
    )
    capped = service.button_vote(team_id, C, "UBEN", number, "S1", cast=True)
    assert capped.ok
    capped = service.button_vote(team_id, C, "UBEN", number, "S1", cast=True)
    assert capped.ok
    capped = service.button_vote(team_id, C, "UBEN", number, "S1", cast=True)
    assert not capped.ok
    assert capped.text.startswith("You already have 2 votes on S1")
    gone = service.button_vote(team_id, C, "UBEN", number, "S9", cast=True)
    assert (gone.ok, gone.text) == (False, "S9 does not exist in this workshop.")
    stale = service.button_vote(team_id, C, "UBEN", number + 1, "S1", cast=True)
    assert not stale.ok
    assert "not running" in stale.text
    # A reaction on a card is no vote in blind voting: nothing said, nothing counted.
    workshop = service.store.load(team_id, C)
    assert workshop is not None
    redis_client.hset(Keys(team_id, C).refs(number), "ts:1.0", "card:S2")  # S2's card
    assert service.react(team_id, C, "UEMI", "1.0", "+1", cast=True) is None
    after = service.store.load(team_id, C)
    assert after is not None
    assert after.votes == workshop.votes == {"S1": ("UBEN", "UBEN", "UDEV", "UDEV")}


def test_emoji_voting_refuses_a_button_vote_and_says_how_to_vote(
    redis_client: redis.Redis, team_id: str
) -> None:
    service = WorkshopService(WorkshopStore(redis_client))
    number = walk_to_voting(service, team_id, C)
    reply = service.button_vote(team_id, C, "UDEV", number, "S1", cast=True)
    assert (reply.ok, reply.text) == (
        False,
        "This workshop votes with reactions: react with :+1: on the card.",
    )
    workshop = service.store.load(team_id, C)
    assert workshop is not None
    assert workshop.votes == {}
