"""The workshop store against a real Redis-protocol server."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest
from pydantic import TypeAdapter

from bot.domain import commands as c
from bot.domain.effects import Effect, OpenStage, RefreshBoard, RefreshCard
from bot.domain.errors import Rejected
from bot.domain.machine import Outcome, apply
from bot.domain.model import Stage, Workshop
from bot.store.client import RedisClient, client_from_url
from bot.store.keys import Keys, team_channels_key
from bot.store.workshops import (
    CONFLICTS_BEFORE_WRITER_FIRST,
    FIRST_PAUSE_SECONDS,
    MAX_PAUSE_SECONDS,
    WorkshopStore,
    conflict_pause,
    decode_entry,
)
from tests.builders import FACILITATOR, PARTICIPANTS, T0, workshop_at

pytestmark = pytest.mark.store
EFFECTS = TypeAdapter(list[Effect])
CHANNEL = "CSTORE"


def act(command: c.Command, actor: str = FACILITATOR) -> Callable[[Workshop | None], Outcome]:
    return lambda state: apply(state, command, actor, T0)


def start(store: WorkshopStore, team_id: str) -> Workshop:
    step = store.update(team_id, CHANNEL, act(c.Start(team_id=team_id, channel_id=CHANNEL)))
    assert step.outcome is not None
    return step.outcome.state


def seed_at(store: WorkshopStore, team_id: str, stage: Stage) -> Workshop:
    """Save the seed workshop at ``stage`` (votes excluded: they go through the script)."""
    target = workshop_at(stage).model_copy(
        update={"team_id": team_id, "channel_id": CHANNEL, "votes": {}}
    )
    step = store.update(
        team_id, CHANNEL, lambda _: Outcome(target, (OpenStage(stage=stage), RefreshBoard()), "")
    )
    assert step.outcome is not None
    return step.outcome.state


def outbox(client: RedisClient, team_id: str) -> list[tuple[int, list[Effect]]]:
    entries = client.xrange(Keys(team_id, CHANNEL).outbox) or []
    decoded = [decode_entry(fields or {}) for _, fields in entries]
    return [(number, EFFECTS.validate_python(effects)) for number, effects in decoded]


def test_a_change_is_saved_with_its_effects_and_a_new_version(
    redis_client: RedisClient, team_id: str
) -> None:
    store = WorkshopStore(redis_client)
    assert store.load(team_id, CHANNEL) is None
    first = start(store, team_id)
    assert (first.number, first.version, first.stage) == (1, 1, Stage.PERSONA)
    step = store.update(team_id, CHANNEL, act(c.SetPersona(text="Dispatcher")))
    assert step.outcome is not None
    loaded = store.load(team_id, CHANNEL)
    assert loaded == step.outcome.state
    assert loaded is not None
    assert loaded.version == 2
    assert loaded.persona is not None
    assert loaded.persona.text == "Dispatcher"
    assert outbox(redis_client, team_id) == [
        (1, [OpenStage(stage=Stage.PERSONA), RefreshBoard()]),
        (1, [RefreshBoard()]),
    ]
    assert redis_client.sismember(team_channels_key(team_id), CHANNEL)


def test_a_refusal_writes_nothing(redis_client: RedisClient, team_id: str) -> None:
    store = WorkshopStore(redis_client)
    before = start(store, team_id)
    with pytest.raises(Rejected, match="Add a persona first"):
        store.update(team_id, CHANNEL, act(c.Next()))
    assert store.load(team_id, CHANNEL) == before
    assert len(outbox(redis_client, team_id)) == 1


def test_compare_and_set_conflict_is_retried_on_fresh_state(
    redis_client: RedisClient, store_url: str, team_id: str
) -> None:
    store = WorkshopStore(redis_client)
    start(store, team_id)
    store.update(team_id, CHANNEL, act(c.SetPersona(text="Dispatcher")))
    store.update(team_id, CHANNEL, act(c.Next()))
    rival = WorkshopStore(client_from_url(store_url))
    seen_by_decide: list[int] = []

    def decide(state: Workshop | None) -> Outcome:
        assert state is not None
        seen_by_decide.append(len(state.activities))
        if len(seen_by_decide) == 1:
            # Another replica saves between our read and our write.
            rival.update(team_id, CHANNEL, act(c.AddActivity(text="Plan shipment"), "UBEN"))
        return apply(state, c.AddActivity(text="Track delivery"), "UCHLOE", T0)

    step = store.update(team_id, CHANNEL, decide)
    assert seen_by_decide == [0, 1]
    assert step.outcome is not None
    final = store.load(team_id, CHANNEL)
    assert final is not None
    assert [(a.id, a.text) for a in final.activities] == [
        ("A1", "Plan shipment"),
        ("A2", "Track delivery"),
    ]
    assert final.version == 5


def test_a_writer_that_keeps_losing_pauses_a_growing_random_while_between_tries(
    redis_client: RedisClient, store_url: str, team_id: str
) -> None:
    store = WorkshopStore(redis_client)
    start(store, team_id)
    rival = WorkshopStore(client_from_url(store_url))
    pauses: list[float] = []
    store._pause = pauses.append  # record instead of sleeping: the subject is the spacing
    tries: list[int] = []

    def decide(state: Workshop | None) -> Outcome:
        tries.append(1)
        if len(tries) <= 6:  # another replica wins the first six rounds
            rival.update(team_id, CHANNEL, act(c.SetPersona(text=f"Rival {len(tries)}")))
        return apply(state, c.SetPersona(text="Dispatcher"), FACILITATOR, T0)

    assert store.update(team_id, CHANNEL, decide).outcome is not None
    assert len(pauses) == 6  # one pause per lost round, none after the win
    ceilings = [min(MAX_PAUSE_SECONDS, FIRST_PAUSE_SECONDS * 2**n) for n in range(6)]
    assert all(0 <= p <= top for p, top in zip(pauses, ceilings, strict=True))
    assert max(pauses) > FIRST_PAUSE_SECONDS  # the ceiling grew past the first one
    final = store.load(team_id, CHANNEL)
    assert final is not None
    assert final.persona is not None
    assert final.persona.text == "Dispatcher"


def test_a_writer_losing_round_after_round_holds_votes_back_until_it_lands(
    redis_client: RedisClient, store_url: str, team_id: str
) -> None:
    store = WorkshopStore(redis_client)
    start(store, team_id)
    store._pause = lambda _: None  # the subject is the hold, not the spacing
    rival = WorkshopStore(client_from_url(store_url))
    writing = Keys(team_id, CHANNEL).writing
    held: list[bool] = []

    def decide(state: Workshop | None) -> Outcome:
        held.append(bool(redis_client.exists(writing)))
        if len(held) <= CONFLICTS_BEFORE_WRITER_FIRST + 1:  # rivals win these rounds
            rival.update(team_id, CHANNEL, act(c.SetPersona(text=f"Rival {len(held)}")))
        return apply(state, c.SetPersona(text="Dispatcher"), FACILITATOR, T0)

    assert store.update(team_id, CHANNEL, decide).outcome is not None
    # Not held while it merely lost a few rounds; held from then on, released once saved.
    assert held[:CONFLICTS_BEFORE_WRITER_FIRST] == [False] * CONFLICTS_BEFORE_WRITER_FIRST
    assert all(held[CONFLICTS_BEFORE_WRITER_FIRST:])
    assert not redis_client.exists(writing)


def test_while_one_writer_goes_first_another_writers_save_waits(
    redis_client: RedisClient, store_url: str, team_id: str
) -> None:
    store = WorkshopStore(redis_client)
    start(store, team_id)
    rival = WorkshopStore(client_from_url(store_url))
    writing = Keys(team_id, CHANNEL).writing
    redis_client.set(writing, "another writer's token", px=300)
    tries: list[int] = []

    def decide(state: Workshop | None) -> Outcome:
        tries.append(1)
        return apply(state, c.SetPersona(text="Dispatcher"), FACILITATOR, T0)

    assert rival.update(team_id, CHANNEL, decide).outcome is not None
    # Refused while the hold lasted (each round a conflict), saved once it ran out.
    assert len(tries) > 1
    assert redis_client.get(writing) is None


def test_a_vote_held_back_by_a_writer_waits_then_counts_or_says_so(
    redis_client: RedisClient, team_id: str
) -> None:
    store = WorkshopStore(redis_client)
    w = seed_at(store, team_id, Stage.VOTING)
    writing = Keys(team_id, CHANNEL).writing
    redis_client.set(writing, "1", px=60)  # a writer's hold, ending in 60 ms
    assert store.vote(team_id, CHANNEL, w.number, "S1", "UBEN", cast=True).code == "ok"
    redis_client.set(writing, "1", px=5_000)  # a hold that outlasts the wait
    late = store.vote(team_id, CHANNEL, w.number, "S2", "UBEN", cast=True)
    assert late.code == "busy"
    redis_client.delete(writing)
    final = store.load(team_id, CHANNEL)
    assert final is not None
    assert final.votes == {"S1": ("UBEN",)}
    assert redis_client.hget(Keys(team_id, CHANNEL).used, "UBEN") in (b"1", "1")


def test_conflict_pauses_are_random_under_a_doubling_capped_ceiling() -> None:
    rng = random.Random(7)
    for attempt in range(40):
        ceiling = min(MAX_PAUSE_SECONDS, FIRST_PAUSE_SECONDS * 2**attempt)
        draws = [conflict_pause(attempt, rng) for _ in range(50)]
        assert all(0 <= d <= ceiling for d in draws)
        assert len(set(draws)) > 1  # jittered, not lockstep
    assert max(conflict_pause(99, rng) for _ in range(200)) > MAX_PAUSE_SECONDS / 2


def test_a_vote_between_read_and_write_makes_the_document_writer_decide_again(
    redis_client: RedisClient, team_id: str
) -> None:
    store = WorkshopStore(redis_client)
    w = seed_at(store, team_id, Stage.VOTING)
    for story in ("S1", "S2"):
        assert store.vote(team_id, CHANNEL, w.number, story, "UBEN", cast=True).code == "ok"
    seen_by_decide: list[int] = []

    def lower_the_budget(state: Workshop | None) -> Outcome:
        assert state is not None
        seen_by_decide.append(state.votes_used("UBEN"))
        if len(seen_by_decide) == 1:
            # Ben votes a third time after we read 2 votes, before we write budget 2.
            assert store.vote(team_id, CHANNEL, w.number, "S3", "UBEN", cast=True).code == "ok"
        return apply(state, c.SetVoteBudget(budget=2), FACILITATOR, T0)

    with pytest.raises(Rejected, match="already has 3 votes"):
        store.update(team_id, CHANNEL, lower_the_budget)
    assert seen_by_decide == [2, 3]
    loaded = store.load(team_id, CHANNEL)
    assert loaded is not None
    assert (loaded.settings.vote_budget, loaded.votes_used("UBEN")) == (3, 3)


def test_the_same_delivery_twice_changes_nothing(redis_client: RedisClient, team_id: str) -> None:
    store = WorkshopStore(redis_client)
    seed_at(store, team_id, Stage.ACTIVITIES)
    add = act(c.AddActivity(text="Plan shipment"), "UBEN")
    first = store.update(team_id, CHANNEL, add, delivery_id="Ev1")
    again = store.update(team_id, CHANNEL, add, delivery_id="Ev1")
    assert first.outcome is not None
    assert (again.outcome, again.duplicate) == (None, True)
    loaded = store.load(team_id, CHANNEL)
    assert loaded == first.outcome.state
    assert len(outbox(redis_client, team_id)) == 2
    ttl = redis_client.ttl(Keys(team_id, CHANNEL).seen("Ev1"))
    assert 600 <= ttl <= 15 * 60
    # A refused delivery is marked too: its retry is not refused a second time.
    with pytest.raises(Rejected):
        store.update(
            team_id, CHANNEL, act(c.AddTask(activity_id="A1", text="x")), delivery_id="Ev2"
        )
    assert store.update(team_id, CHANNEL, add, delivery_id="Ev2").duplicate


def test_votes_follow_the_rules_atomically(redis_client: RedisClient, team_id: str) -> None:
    store = WorkshopStore(redis_client)
    w = seed_at(store, team_id, Stage.VOTING)
    ben = PARTICIPANTS[0]

    def vote(story: str, cast: bool = True, voter: str = ben, delivery: str | None = None) -> str:
        effects = (RefreshCard(story_id=story), RefreshBoard())
        result = store.vote(
            team_id,
            CHANNEL,
            w.number,
            story,
            voter,
            cast=cast,
            delivery_id=delivery,
            effects=effects,
        )
        return f"{result.code}:{result.detail}"

    assert [vote(s) for s in ("S1", "S2", "S3", "S4")] == ["ok:1", "ok:2", "ok:3", "over_budget:3"]
    assert vote("S1") == "already:"
    assert vote("S99") == "no_story:"
    assert vote("S4", cast=False) == "not_voted:"
    assert vote("S2", cast=False) == "ok:2"
    assert vote("S4", delivery="Ev9") == "ok:3"
    assert vote("S4", cast=False, delivery="Ev9") == "duplicate:"
    loaded = store.load(team_id, CHANNEL)
    assert loaded is not None
    assert loaded.votes == {"S1": (ben,), "S3": (ben,), "S4": (ben,)}
    assert loaded.votes_used(ben) == 3
    # Only successful votes reach the outbox: 1 start + 5 changes.
    assert len(outbox(redis_client, team_id)) == 6
    assert store.vote(team_id, CHANNEL, w.number + 1, "S1", "UX", cast=True).code == "no_workshop"
    store.update(team_id, CHANNEL, act(c.Next()))
    assert vote("S5") == "not_voting:slicing"


def test_votes_cannot_be_changed_by_a_document_write(
    redis_client: RedisClient, team_id: str
) -> None:
    store = WorkshopStore(redis_client)
    seed_at(store, team_id, Stage.VOTING)
    with pytest.raises(ValueError, match="votes are cast only through"):
        store.update(team_id, CHANNEL, act(c.CastVote(story_id="S1"), "UBEN"))


def test_a_finished_workshop_goes_to_history_and_the_channel_can_start_again(
    redis_client: RedisClient, team_id: str
) -> None:
    store = WorkshopStore(redis_client)
    w = seed_at(store, team_id, Stage.VOTING)
    assert store.vote(team_id, CHANNEL, w.number, "S3", "UBEN", cast=True).code == "ok"
    store.update(team_id, CHANNEL, act(c.Next()))
    store.update(team_id, CHANNEL, act(c.DefineSlice(name="View map + ETA", story_ids=("S3",))))
    step = store.update(team_id, CHANNEL, act(c.Publish(confirmed=True)))
    assert step.outcome is not None
    assert store.load(team_id, CHANNEL) is None
    (finished,) = store.history(team_id, CHANNEL)
    assert finished.stage is Stage.PUBLISHED
    assert finished.votes == {"S3": ("UBEN",)}
    assert store.get(team_id, CHANNEL, 1) == finished
    second = start(store, team_id)
    assert (second.number, second.votes, second.stories) == (2, {}, ())
    assert store.get(team_id, CHANNEL, 2) == second
