"""Reactions through the service: which ones are votes, in one read and one script."""

from __future__ import annotations

import pytest
import redis

from bot.domain import commands as c
from bot.service import WorkshopService
from bot.slack.refs import Refs
from bot.store.workshops import WorkshopStore
from tests.test_service import C, walk_to_voting

pytestmark = pytest.mark.store


def posted(client: redis.Redis, team: str, number: int, cards: dict[str, str]) -> None:
    """Record story cards as the dispatcher does once it posted them (ts per story)."""
    refs = Refs(client, team, C, number)
    for story_id, ts in cards.items():
        refs.set(f"card:{story_id}", ts)
    refs.set("board", f"{number}.000001")


def test_a_voting_emoji_on_a_story_card_is_a_vote(redis_client: redis.Redis, team_id: str) -> None:
    service = WorkshopService(WorkshopStore(redis_client))
    walk_to_voting(service, team_id)
    posted(redis_client, team_id, 1, {"S1": "1.000100", "S2": "1.000200"})
    reply = service.react(team_id, C, "UCHLOE", "1.000200", "+1", cast=True, delivery_id="Ev1")
    assert reply is not None
    assert (reply.ok, reply.number) == (True, 1)
    assert "S2" in reply.text
    again = service.react(team_id, C, "UCHLOE", "1.000200", "+1", cast=True, delivery_id="Ev1")
    assert again is not None
    assert again.duplicate
    over = service.react(team_id, C, "UCHLOE", "1.000100", "+1", cast=True, delivery_id="Ev2")
    assert over is not None
    assert (over.ok, over.number) == (False, 1)
    assert "1 vote" in over.text
    back = service.react(team_id, C, "UCHLOE", "1.000200", "+1", cast=False, delivery_id="Ev3")
    assert back is not None
    assert back.ok
    workshop = service.store.load(team_id, C)
    assert workshop is not None
    assert workshop.votes == {}


def test_other_reactions_are_not_votes_and_change_nothing(
    redis_client: redis.Redis, team_id: str
) -> None:
    service = WorkshopService(WorkshopStore(redis_client))
    assert service.react(team_id, C, "UBEN", "1.000100", "+1", cast=True) is None  # no workshop
    walk_to_voting(service, team_id)
    posted(redis_client, team_id, 1, {"S1": "1.000100"})
    assert service.react(team_id, C, "UBEN", "1.000100", "tada", cast=True) is None
    assert service.react(team_id, C, "UBEN", "1.000001", "+1", cast=True) is None  # the board
    assert service.react(team_id, C, "UBEN", "9.999999", "+1", cast=True) is None  # not ours
    workshop = service.store.load(team_id, C)
    assert workshop is not None
    assert workshop.votes == {}


def test_a_card_of_an_earlier_workshop_is_not_a_vote_in_the_next_one(
    redis_client: redis.Redis, team_id: str
) -> None:
    """The store guesses the channel's workshop number from its last read; after a new
    workshop started, the old card's ts is looked up in the new workshop, not the old."""
    service = WorkshopService(WorkshopStore(redis_client))
    walk_to_voting(service, team_id)
    posted(redis_client, team_id, 1, {"S1": "1.000100"})
    first = service.react(team_id, C, "UBEN", "1.000100", "+1", cast=True)
    assert first is not None
    assert first.ok
    assert service.handle(team_id, C, "UANA", c.Cancel()).ok
    walk_to_voting(service, team_id)
    posted(redis_client, team_id, 2, {"S1": "2.000100"})
    assert service.react(team_id, C, "UDEV", "1.000100", "+1", cast=True) is None
    second = service.react(team_id, C, "UDEV", "2.000100", "+1", cast=True)
    assert second is not None
    assert (second.ok, second.number) == (True, 2)
    workshop = service.store.load(team_id, C)
    assert workshop is not None
    assert (workshop.number, workshop.votes) == (2, {"S1": ("UDEV",)})


def test_a_reply_in_a_prompts_thread_adds_its_lines_and_elsewhere_nothing(
    redis_client: redis.Redis, team_id: str
) -> None:
    service = WorkshopService(WorkshopStore(redis_client))
    service.handle(team_id, C, "UANA", c.Start(team_id=team_id, channel_id=C))
    refs = Refs(redis_client, team_id, C, 1)
    refs.set("prompt:persona:-", "1.000010")
    refs.set("prompt:activities:-", "1.000020")
    persona = service.reply_in_thread(team_id, C, "UBEN", "1.000010", ["Ops", "manager"])
    assert persona is not None
    assert (persona.ok, persona.number) == (True, 1)
    assert service.handle(team_id, C, "UANA", c.Next()).ok
    lines = ["Plan shipment", "Plan shipment", "Track delivery"]
    added = service.reply_in_thread(team_id, C, "UBEN", "1.000020", lines, delivery_id="Ev9")
    assert added is not None
    assert (added.ok, added.number) == (True, 1)
    assert [line for line, _ in added.refused] == ["Plan shipment"]
    again = service.reply_in_thread(team_id, C, "UBEN", "1.000020", lines, delivery_id="Ev9")
    assert again is not None
    assert again.duplicate
    assert service.reply_in_thread(team_id, C, "UBEN", "1.000099", ["Resolve"]) is None
    workshop = service.store.load(team_id, C)
    assert workshop is not None
    assert workshop.persona is not None
    assert workshop.persona.text == "Ops manager"
    assert [a.text for a in workshop.activities] == ["Plan shipment", "Track delivery"]
