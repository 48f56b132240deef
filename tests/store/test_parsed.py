"""A document is validated once per change: the store's parsed-workshop cache."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.domain import commands as c
from bot.domain.model import Stage, Workshop
from bot.service import WorkshopService
from bot.store.client import RedisClient
from bot.store.workshops import Keys, ParsedCache, WorkshopStore
from tests.builders import (
    FACILITATOR,
    PARTICIPANTS,
    SEED_BACKBONE,
    SEED_PERSONA,
    SEED_TASKS,
    T0,
    Clock,
)

pytestmark = pytest.mark.store
CHANNEL = "CPARSED"


def fresh(client: RedisClient, team_id: str) -> Workshop | None:
    """The workshop as a store that never read it parses it from Redis."""
    return WorkshopStore(client).load(team_id, CHANNEL)


def same(cached: Workshop | None, parsed: Workshop | None) -> None:
    assert cached == parsed
    if cached is not None and parsed is not None:
        assert cached.model_dump_json() == parsed.model_dump_json()


def test_every_saved_state_is_what_parsing_its_document_gives(
    redis_client: RedisClient, team_id: str
) -> None:
    """A save keeps the state it wrote for the next read; along a whole workshop (every
    kind of change, votes included) that state equals a fresh parse of the document."""
    store = WorkshopStore(redis_client)
    service = WorkshopService(store, Clock())

    def do(command: c.Command, actor: str = FACILITATOR) -> None:
        reply = service.handle(team_id, CHANNEL, actor, command)
        assert reply.ok, reply.text
        same(store.load(team_id, CHANNEL), fresh(redis_client, team_id))

    do(c.Start(team_id=team_id, channel_id=CHANNEL, title="Delivery tracking"))
    do(c.SetPersona(text=SEED_PERSONA))
    do(c.Next())
    for name in SEED_BACKBONE:
        do(c.AddActivity(text=name), PARTICIPANTS[0])
    do(c.Next())
    for number, name in enumerate(SEED_BACKBONE, start=1):
        for task in SEED_TASKS[name]:
            do(c.AddTask(activity_id=f"A{number}", text=task), PARTICIPANTS[1])
    do(c.Next())
    for story in range(1, 8):
        do(c.AddStory(task_id=f"T{story}", text=f"Story {story}"), PARTICIPANTS[2])
    do(c.AddStory(task_id="T3", text="Another story for T3"), PARTICIPANTS[3])
    do(c.SetDeadline(at=T0 + timedelta(days=1), auto=False))
    do(c.Mute(), PARTICIPANTS[0])
    do(c.SetVoteBudget(budget=4))
    do(c.Next())
    for voter, voted in ((PARTICIPANTS[0], "S1"), (PARTICIPANTS[1], "S3"), (FACILITATOR, "S3")):
        do(c.CastVote(story_id=voted), voter)
    do(c.WithdrawVote(story_id="S1"), PARTICIPANTS[0])
    do(c.OrderStories(task_id="T3", story_ids=("S8", "S3")))
    do(c.Next())
    do(c.DefineSlice(name="First release", story_ids=("S3", "S4")))
    do(c.Publish(confirmed=True))
    assert store.load(team_id, CHANNEL) is None
    do(c.Start(team_id=team_id, channel_id=CHANNEL, title="Second"))
    loaded = store.load(team_id, CHANNEL)
    assert loaded is not None
    assert loaded.number == 2
    assert loaded.votes == {}


def test_an_unchanged_document_is_parsed_once(redis_client: RedisClient, team_id: str) -> None:
    store = WorkshopStore(redis_client)
    service = WorkshopService(store, Clock())
    service.handle(team_id, CHANNEL, FACILITATOR, c.Start(team_id=team_id, channel_id=CHANNEL))
    other = WorkshopStore(redis_client)
    first = other.load(team_id, CHANNEL)
    assert first is not None
    assert other.load(team_id, CHANNEL) is first


def test_changes_by_another_replica_are_read(redis_client: RedisClient, team_id: str) -> None:
    """The cache is keyed by what Redis returns: a change or a vote made by another
    process (its own store) is seen by the next read."""
    mine, theirs = WorkshopStore(redis_client), WorkshopStore(redis_client)
    service = WorkshopService(theirs, Clock())
    service.handle(team_id, CHANNEL, FACILITATOR, c.Start(team_id=team_id, channel_id=CHANNEL))
    before = mine.load(team_id, CHANNEL)
    assert before is not None
    assert before.persona is None
    service.handle(team_id, CHANNEL, FACILITATOR, c.SetPersona(text=SEED_PERSONA))
    after = mine.load(team_id, CHANNEL)
    assert after is not None
    assert after.persona is not None
    assert after.persona.text == SEED_PERSONA
    service.handle(team_id, CHANNEL, FACILITATOR, c.Next())
    service.handle(team_id, CHANNEL, FACILITATOR, c.AddActivity(text="Plan"))
    service.handle(team_id, CHANNEL, FACILITATOR, c.Next())
    service.handle(team_id, CHANNEL, FACILITATOR, c.AddTask(activity_id="A1", text="Enter"))
    service.handle(team_id, CHANNEL, FACILITATOR, c.Next())
    service.handle(team_id, CHANNEL, FACILITATOR, c.AddStory(task_id="T1", text="Map"))
    service.handle(team_id, CHANNEL, FACILITATOR, c.Next())
    voting = mine.load(team_id, CHANNEL)
    assert voting is not None
    assert voting.stage is Stage.VOTING
    assert voting.votes == {}
    # A vote changes the ballots, not the document.
    assert service.handle(team_id, CHANNEL, "UBEN", c.CastVote(story_id="S1")).ok
    voted = mine.load(team_id, CHANNEL)
    assert voted is not None
    assert voted.votes == {"S1": ("UBEN",)}


def test_deleted_keys_and_a_restarted_counter_never_serve_the_old_workshop(
    redis_client: RedisClient, team_id: str
) -> None:
    """Keys deleted (a workspace's data purged) and a new workshop reaching the same
    ``rev`` and number: the read is of the new document, not the parsed old one."""
    store = WorkshopStore(redis_client)
    clock = Clock()
    service = WorkshopService(store, clock)
    service.handle(team_id, CHANNEL, FACILITATOR, c.Start(team_id=team_id, channel_id=CHANNEL))
    old = store.load(team_id, CHANNEL)
    keys = Keys(team_id, CHANNEL)
    rev = redis_client.get(keys.rev)
    redis_client.delete(keys.rev, keys.seq, keys.active, keys.meta, keys.stories, keys.outbox)
    start = c.Start(team_id=team_id, channel_id=CHANNEL, title="After the purge")
    service.handle(team_id, CHANNEL, "UBEN", start)
    assert redis_client.get(keys.rev) == rev
    new = store.load(team_id, CHANNEL)
    assert old is not None
    assert new is not None
    assert new.number == old.number
    assert (new.title, new.facilitator) == ("After the purge", "UBEN")


def test_the_cache_keeps_the_most_recently_used_channels() -> None:
    cache = ParsedCache(size=2)
    w = Workshop(
        team_id="T",
        channel_id="C",
        title="t",
        facilitator=FACILITATOR,
        stage=Stage.PERSONA,
        created_at=T0,
        updated_at=T0,
    )
    a, b, d = Keys("T", "A"), Keys("T", "B"), Keys("T", "D")
    cache.put(a, b"a", frozenset(), w)
    cache.put(b, b"b", frozenset(), w)
    assert cache.get(a, b"a", frozenset()) is w  # a is now the most recent
    cache.put(d, b"d", frozenset(), w)
    assert cache.get(b, b"b", frozenset()) is None
    assert cache.get(a, b"a", frozenset()) is w
    assert cache.get(a, b"other", frozenset()) is None
    assert cache.get(a, b"a", frozenset({b"S1|U"})) is None
