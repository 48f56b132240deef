"""Votes of stories that leave the map go back to their voters, and a published workshop
can be reopened with its items, votes and refs, on one server and on a cluster.

The decisions here are written out (a story dropped, a stage changed) so that what is
checked is the store's part: what one save writes around the document.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.domain import commands as c
from bot.domain.effects import PostMap, RefreshCard, VotesReturned
from bot.domain.errors import Rejected
from bot.domain.machine import Outcome
from bot.domain.model import Stage, Workshop
from bot.service import WorkshopService
from bot.slack.refs import Refs
from bot.store.client import RedisClient
from bot.store.keys import Keys
from bot.store.workshops import WorkshopStore
from tests.builders import FACILITATOR, Clock
from tests.store.test_workshops import CHANNEL, act, outbox, seed_at, start

pytestmark = pytest.mark.store


def members(client: RedisClient, key: str) -> set[str]:
    return {m.decode() if isinstance(m, bytes) else str(m) for m in client.smembers(key)}


def used(client: RedisClient, team_id: str) -> dict[str, int]:
    raw = client.hgetall(Keys(team_id, CHANNEL).used)
    return {(k.decode() if isinstance(k, bytes) else k): int(v) for k, v in raw.items()}


def without(story_id: str) -> Callable[[Workshop | None], Outcome]:
    """The decision removing ``story_id``: the story leaves, its votes go back."""

    def decide(w: Workshop | None) -> Outcome:
        assert w is not None
        story = w.story(story_id)
        assert story is not None
        voters = w.votes.get(story_id, ())
        state = w.model_copy(
            update={
                "stories": tuple(s for s in w.stories if s.id != story_id),
                "votes": {k: v for k, v in w.votes.items() if k != story_id},
            }
        )
        effects = (VotesReturned(story_id=story_id, text=story.text, voters=voters),)
        return Outcome(state, (*effects, RefreshCard(story_id=story_id)), f"{story_id} removed.")

    return decide


def reopen(w: Workshop | None) -> Outcome:
    """What the machine decides on ``Reopen``: only a published workshop, to slicing."""
    if w is None or w.stage is not Stage.PUBLISHED:
        raise Rejected("Only a published workshop can be reopened.")
    return Outcome(w.model_copy(update={"stage": Stage.SLICING}), (), "Reopened.")


def test_a_removed_storys_votes_go_back_and_can_be_cast_again(
    redis_client: RedisClient, team_id: str
) -> None:
    store = WorkshopStore(redis_client)
    w = seed_at(store, team_id, Stage.VOTING)
    keys = Keys(team_id, CHANNEL)
    budget = w.settings.vote_budget

    def vote(story_id: str, voter: str) -> str:
        return store.vote(team_id, CHANNEL, w.number, story_id, voter, cast=True).code

    # Ben spends his whole budget, one vote on S1; Chloe votes on S1 and S2.
    ben_stories = [s.id for s in w.stories[:budget]]
    assert "S1" in ben_stories
    assert [vote(sid, "UBEN") for sid in ben_stories] == ["ok"] * budget
    assert vote("S1", "UCHLOE") == "ok"
    assert vote("S2", "UCHLOE") == "ok"
    spare = w.stories[budget].id
    assert vote(spare, "UBEN") == "over_budget"

    step = store.update(team_id, CHANNEL, without("S1"))
    assert step.outcome is not None
    # One step took the story and its ballots out, and gave each voter one vote back.
    assert "S1" not in members(redis_client, keys.stories)
    assert not {b for b in members(redis_client, keys.ballots) if b.startswith("S1|")}
    assert used(redis_client, team_id) == {"UBEN": budget - 1, "UCHLOE": 1}
    loaded = store.load(team_id, CHANNEL)
    assert loaded is not None
    assert loaded == step.outcome.state
    assert "S1" not in loaded.votes
    assert loaded.votes_used("UBEN") == budget - 1
    assert outbox(redis_client, team_id)[-1][1] == [
        VotesReturned(story_id="S1", text=w.stories[0].text, voters=("UBEN", "UCHLOE")),
        RefreshCard(story_id="S1"),
    ]
    # The vote came back: Ben casts it elsewhere, up to his budget and no further.
    assert vote(spare, "UBEN") == "ok"
    assert vote(w.stories[budget + 1].id, "UBEN") == "over_budget"
    # A vote on the removed story is refused: it is not in the workshop any more.
    assert vote("S1", "UDEV") == "no_story"
    assert store.vote(team_id, CHANNEL, w.number, "S1", "UCHLOE", cast=False).code == "no_story"


def test_a_save_never_adds_votes_and_an_unchanged_save_keeps_them(
    redis_client: RedisClient, team_id: str
) -> None:
    store = WorkshopStore(redis_client)
    w = seed_at(store, team_id, Stage.VOTING)
    assert store.vote(team_id, CHANNEL, w.number, "S2", "UBEN", cast=True).code == "ok"

    def add_vote(state: Workshop | None) -> Outcome:
        assert state is not None
        votes = {**state.votes, "S3": ("UBEN",)}
        return Outcome(state.model_copy(update={"votes": votes}), (), "")

    with pytest.raises(ValueError, match="votes are cast only through"):
        store.update(team_id, CHANNEL, add_vote)
    store.update(team_id, CHANNEL, act(c.SetPersona(text="Dispatcher")))
    loaded = store.load(team_id, CHANNEL)
    assert loaded is not None
    assert loaded.votes == {"S2": ("UBEN",)}
    assert used(redis_client, team_id) == {"UBEN": 1}


def publish_with_votes(store: WorkshopStore, team_id: str) -> Workshop:
    w = seed_at(store, team_id, Stage.VOTING)
    for story_id, voter in (("S3", "UBEN"), ("S3", "UCHLOE"), ("S5", "UBEN")):
        assert store.vote(team_id, CHANNEL, w.number, story_id, voter, cast=True).code == "ok"
    store.update(team_id, CHANNEL, act(c.Next()))
    store.update(team_id, CHANNEL, act(c.DefineSlice(name="View map + ETA", story_ids=("S3",))))
    step = store.update(team_id, CHANNEL, act(c.Publish(confirmed=True)))
    assert step.outcome is not None
    return step.outcome.state


def test_a_published_workshop_reopens_with_its_items_votes_and_refs(
    redis_client: RedisClient, team_id: str
) -> None:
    store = WorkshopStore(redis_client)
    keys = Keys(team_id, CHANNEL)
    published = publish_with_votes(store, team_id)
    refs = keys.refs(published.number)
    redis_client.hset(refs, mapping={"map:0": "1700000000.000100", "pinned": "1700000000.000100"})
    redis_client.expire(refs, store.retention_seconds)
    # Without ``archived`` a decision sees no workshop, as before.
    seen: list[Workshop | None] = []

    def look(w: Workshop | None) -> Outcome:
        seen.append(w)
        raise Rejected("just looking")

    with pytest.raises(Rejected):
        store.update(team_id, CHANNEL, look)
    assert seen == [None]

    step = store.update(team_id, CHANNEL, reopen, archived=True)
    assert step.outcome is not None
    reopened = step.outcome.state
    assert (reopened.number, reopened.stage) == (published.number, Stage.SLICING)
    assert reopened.version == published.version + 1
    loaded = store.load(team_id, CHANNEL)
    assert loaded == reopened
    assert loaded.stories == published.stories
    assert loaded.tasks == published.tasks
    assert loaded.slices == published.slices
    assert loaded.votes == {"S3": ("UBEN", "UCHLOE"), "S5": ("UBEN",)}
    # The hot paths' structures are back: meta, stories, ballots, budgets used.
    meta = store.meta(team_id, CHANNEL)
    assert meta is not None
    assert (meta.number, meta.stage) == (published.number, Stage.SLICING)
    assert members(redis_client, keys.stories) == {s.id for s in published.stories}
    assert members(redis_client, keys.ballots) == {"S3|UBEN", "S3|UCHLOE", "S5|UBEN"}
    assert used(redis_client, team_id) == {"UBEN": 2, "UCHLOE": 1}
    # The refs no longer expire (the pinned map stays known); the archive entry is gone,
    # so the workshop is read as the active one, not as a finished one.
    assert redis_client.ttl(refs) == -1
    assert redis_client.hget(refs, "pinned") == b"1700000000.000100"
    assert store.history(team_id, CHANNEL) == []
    assert store.get(team_id, CHANNEL, published.number) == loaded

    # Published again: archived again, its refs expiring again, with the same votes.
    again = store.update(team_id, CHANNEL, act(c.Publish(confirmed=True)))
    assert again.outcome is not None
    (finished,) = store.history(team_id, CHANNEL)
    assert (finished.number, finished.stage) == (published.number, Stage.PUBLISHED)
    assert finished.votes == loaded.votes
    assert store.load(team_id, CHANNEL) is None
    assert 0 < redis_client.ttl(refs) <= store.retention_seconds


def test_reopen_decides_on_the_latest_workshop_only(
    redis_client: RedisClient, team_id: str
) -> None:
    store = WorkshopStore(redis_client)
    published = publish_with_votes(store, team_id)
    # A second workshop started meanwhile: it is the one decided on, and refused.
    second = start(store, team_id)
    assert second.number == published.number + 1
    with pytest.raises(Rejected):
        store.update(team_id, CHANNEL, reopen, archived=True)
    assert store.load(team_id, CHANNEL) == second
    # Cancelled, it is the latest finished one: still refused; the first stays archived.
    store.update(team_id, CHANNEL, act(c.Cancel()))
    with pytest.raises(Rejected):
        store.update(team_id, CHANNEL, reopen, archived=True)
    assert store.load(team_id, CHANNEL) is None
    assert [w.number for w in store.history(team_id, CHANNEL)] == [1, 2]


def test_a_channel_without_workshops_has_nothing_to_reopen(
    redis_client: RedisClient, team_id: str
) -> None:
    store = WorkshopStore(redis_client)
    with pytest.raises(Rejected):
        store.update(team_id, CHANNEL, reopen, archived=True)
    assert store.load(team_id, CHANNEL) is None


# ----- through the service, with the machine's decisions --------------------------------


def test_removing_a_voted_story_through_the_service_gives_the_votes_back(
    redis_client: RedisClient, team_id: str
) -> None:
    store = WorkshopStore(redis_client)
    service = WorkshopService(store, Clock())
    w = seed_at(store, team_id, Stage.VOTING)
    assert service.handle(team_id, CHANNEL, FACILITATOR, c.SetVoteBudget(budget=1)).ok
    assert service.handle(team_id, CHANNEL, "UBEN", c.CastVote(story_id="S1")).ok
    assert not service.handle(team_id, CHANNEL, "UBEN", c.CastVote(story_id="S2")).ok
    removed = service.handle(team_id, CHANNEL, FACILITATOR, c.Remove(item_id="S1"))
    assert removed.ok, removed.text
    (_, effects), *_ = reversed(outbox(redis_client, team_id))
    text = w.stories[0].text
    assert VotesReturned(story_id="S1", text=text, voters=("UBEN",)) in effects
    assert used(redis_client, team_id) == {"UBEN": 0}
    again = service.handle(team_id, CHANNEL, "UBEN", c.CastVote(story_id="S2"))
    assert again.ok, again.text
    refused = service.handle(team_id, CHANNEL, "UCHLOE", c.CastVote(story_id="S1"))
    assert (refused.ok, refused.text) == (False, "S1 does not exist in this workshop.")


def test_reopen_through_the_service_then_publish_again_with_a_changelog(
    redis_client: RedisClient, team_id: str
) -> None:
    store = WorkshopStore(redis_client)
    service = WorkshopService(store, Clock())
    published = publish_with_votes(store, team_id)
    assert not service.handle(team_id, CHANNEL, "UBEN", c.Reopen()).ok  # facilitator only
    reply = service.handle(team_id, CHANNEL, FACILITATOR, c.Reopen())
    assert reply.ok, reply.text
    loaded = store.load(team_id, CHANNEL)
    assert loaded is not None
    assert (loaded.number, loaded.stage) == (published.number, Stage.SLICING)
    assert loaded.votes == published.votes
    renamed = service.handle(team_id, CHANNEL, FACILITATOR, c.Rename(item_id="S3", text="Live map"))
    assert renamed.ok, renamed.text
    again = service.handle(team_id, CHANNEL, FACILITATOR, c.Publish(confirmed=True))
    assert again.ok, again.text
    (_, effects), *_ = reversed(outbox(redis_client, team_id))
    (post,) = [e for e in effects if isinstance(e, PostMap)]
    assert any("Live map" in line for line in post.changes)
    (finished,) = store.history(team_id, CHANNEL)
    assert finished.story("S3") is not None
    assert finished.votes == published.votes


def test_reopen_through_the_service_is_refused_once_another_workshop_started(
    redis_client: RedisClient, team_id: str
) -> None:
    store = WorkshopStore(redis_client)
    service = WorkshopService(store, Clock())
    publish_with_votes(store, team_id)
    second = start(store, team_id)
    refused = service.handle(team_id, CHANNEL, FACILITATOR, c.Reopen())
    assert not refused.ok
    assert store.load(team_id, CHANNEL) == second
    assert service.handle(team_id, CHANNEL, FACILITATOR, c.Cancel()).ok
    refused = service.handle(team_id, CHANNEL, FACILITATOR, c.Reopen())
    assert not refused.ok
    assert "ended (cancelled)" in refused.text
    assert store.load(team_id, CHANNEL) is None


def test_a_late_retain_does_not_expire_a_reopened_workshops_refs(
    redis_client: RedisClient, team_id: str
) -> None:
    """The dispatcher lets a finished workshop's refs expire after performing its last
    effects; one that read the workshop finished just before it was reopened must not."""
    store = WorkshopStore(redis_client)
    published = publish_with_votes(store, team_id)
    refs = Refs(redis_client, team_id, CHANNEL, published.number)
    refs.set("map:0", "1700000000.000100")
    redis_client.persist(refs.key)
    refs.retain(3600)
    assert 0 < redis_client.ttl(refs.key) <= 3600
    store.update(team_id, CHANNEL, reopen, archived=True)
    assert redis_client.ttl(refs.key) == -1
    refs.retain(3600)  # a dispatcher still holding the finished workshop
    assert redis_client.ttl(refs.key) == -1
