"""Several processes on one workshop: nothing lost, no vote over budget, same as sequential.

8 processes x 500 operations: 200 story adds each (compare-and-set), then 300 vote
operations each (the Lua script), mixed with the facilitator's reorderings (compare-and-set
again, racing the votes). Each process votes as its own participants, so a sequential
replay of every process's log through the pure machine must reproduce each answer and
the final votes exactly. A second test makes 8 processes vote as the *same* person at
once: exactly the budget gets through.
"""

from __future__ import annotations

import multiprocessing
import random
import time
from collections.abc import Callable

import pytest

from bot.domain import commands as c
from bot.domain.effects import RefreshBoard, RefreshCard
from bot.domain.errors import Rejected
from bot.domain.machine import Outcome, apply
from bot.domain.model import Stage, Workshop
from bot.store.client import RedisClient, client_from_url
from bot.store.keys import Keys
from bot.store.workshops import WorkshopStore
from tests.builders import FACILITATOR, T0, workshop_at
from tests.render.factory import no_item_limits

pytestmark = [pytest.mark.store, pytest.mark.slow]
CHANNEL = "CRACE"
PROCESSES = 8
ADDS = 200
VOTE_OPS = 300
SPAWN = multiprocessing.get_context("spawn")

VoteLog = list[tuple[str, str, str, str]]  # (voter, story, "cast"|"withdraw", code)


def act(command: c.Command, actor: str) -> Callable[[Workshop | None], Outcome]:
    return lambda state: apply(state, command, actor, T0)


def _add_stories(store_url: str, team_id: str, worker: int) -> int:
    store = WorkshopStore(client_from_url(store_url))
    with no_item_limits():  # the race is the subject here, not the item limits
        _add_each(store, team_id, worker)
    return ADDS


def _add_each(store: WorkshopStore, team_id: str, worker: int) -> None:
    for n in range(ADDS):
        task = f"T{1 + (worker + n) % 7}"
        command = c.AddStory(task_id=task, text=f"story {worker}-{n}")
        store.update(
            team_id, CHANNEL, act(command, f"UADD{worker}"), delivery_id=f"add-{worker}-{n}"
        )
        if n % 10 == 0:  # a retried delivery: must change nothing
            assert store.update(
                team_id, CHANNEL, act(command, f"UADD{worker}"), delivery_id=f"add-{worker}-{n}"
            ).duplicate


def _vote(store_url: str, team_id: str, worker: int, number: int, stories: int) -> VoteLog:
    store = WorkshopStore(client_from_url(store_url))
    rng = random.Random(worker)
    log: VoteLog = []
    for n in range(VOTE_OPS):
        if n % 10 == 9:
            task = f"T{rng.randint(1, 7)}"
            try:
                story = store.load(team_id, CHANNEL).stories_of(task)[-1].id  # type: ignore[union-attr]
                store.update(
                    team_id,
                    CHANNEL,
                    act(c.OrderStories(task_id=task, story_ids=(story,)), FACILITATOR),
                )
            except Rejected as refusal:  # pragma: no cover - would fail the replay below
                raise AssertionError(refusal.message) from refusal
            continue
        voter = f"UV{worker}x{rng.randint(0, 4)}"
        story = f"S{rng.randint(1, min(stories, 30))}"
        cast = rng.random() < 0.7
        result = store.vote(
            team_id,
            CHANNEL,
            number,
            story,
            voter,
            cast=cast,
            delivery_id=f"vote-{worker}-{n}",
            effects=(RefreshCard(story_id=story), RefreshBoard()),
        )
        log.append((voter, story, "cast" if cast else "withdraw", result.code))
    return log


def _same_voter(store_url: str, team_id: str, story: str, number: int, go: float) -> str:
    store = WorkshopStore(client_from_url(store_url))
    time.sleep(max(0.0, go - time.time()))
    return store.vote(team_id, CHANNEL, number, story, "USAME", cast=True).code


def _seed_tasks(store: WorkshopStore, team_id: str) -> Workshop:
    seed = workshop_at(Stage.STORIES).model_copy(update={"team_id": team_id, "channel_id": CHANNEL})
    step = store.update(team_id, CHANNEL, lambda _: Outcome(seed, (RefreshBoard(),), ""))
    assert step.outcome is not None
    return step.outcome.state


def test_eight_processes_lose_nothing_and_match_a_sequential_replay(
    redis_client: RedisClient, store_url: str, team_id: str
) -> None:
    store = WorkshopStore(redis_client)
    _seed_tasks(store, team_id)
    started = time.perf_counter()
    with SPAWN.Pool(PROCESSES) as pool:
        added = pool.starmap(_add_stories, [(store_url, team_id, w) for w in range(PROCESSES)])
        after_adds = store.load(team_id, CHANNEL)
        assert after_adds is not None
        # Nothing lost: every story once, ids unique and dense, under the task it was added to.
        assert sum(added) == len(after_adds.stories) == PROCESSES * ADDS
        assert sorted(int(s.id[1:]) for s in after_adds.stories) == list(
            range(1, PROCESSES * ADDS + 1)
        )
        expected = {
            (f"story {w}-{n}", f"T{1 + (w + n) % 7}") for w in range(PROCESSES) for n in range(ADDS)
        }
        assert {(s.text, s.task_id) for s in after_adds.stories} == expected

        voting = store.update(team_id, CHANNEL, act(c.Next(), FACILITATOR)).outcome
        assert voting is not None
        number, stories = voting.state.number, len(voting.state.stories)
        logs = pool.starmap(
            _vote, [(store_url, team_id, w, number, stories) for w in range(PROCESSES)]
        )
    elapsed = time.perf_counter() - started
    print(f"\n8 processes x 500 operations: {elapsed:.2f} s")  # noqa: T201

    final = store.load(team_id, CHANNEL)
    assert final is not None
    replay = voting.state
    for log in logs:
        for voter, story, op, code in log:
            command: c.Command = (
                c.CastVote(story_id=story) if op == "cast" else c.WithdrawVote(story_id=story)
            )
            try:
                replay = apply(replay, command, voter, T0).state
                replayed = "ok"
            except Rejected as refusal:
                replayed = refusal.message
            assert (code == "ok") == (replayed == "ok"), (voter, story, op, code, replayed)
    assert final.votes == replay.votes
    assert any(code == "over_budget" for log in logs for *_, code in log)
    raw_used = redis_client.hgetall(Keys(team_id, CHANNEL).used)
    used = {k.decode() if isinstance(k, bytes) else k: int(v) for k, v in raw_used.items()}
    for voter, count in used.items():
        assert count == final.votes_used(voter) <= final.settings.vote_budget
    assert final.stories == after_adds.stories


def test_one_person_voting_from_eight_processes_at_once_gets_exactly_the_budget(
    redis_client: RedisClient, store_url: str, team_id: str
) -> None:
    store = WorkshopStore(redis_client)
    seeded = _seed_tasks(store, team_id)
    for task in seeded.tasks:
        store.update(team_id, CHANNEL, act(c.AddStory(task_id=task.id, text="a"), "UX"))
    store.update(team_id, CHANNEL, act(c.AddStory(task_id="T1", text="b"), "UX"))
    w = store.update(team_id, CHANNEL, act(c.Next(), FACILITATOR)).outcome
    assert w is not None
    go = time.time() + 1.0
    with SPAWN.Pool(PROCESSES) as pool:
        codes = pool.starmap(
            _same_voter,
            [(store_url, team_id, f"S{n + 1}", w.state.number, go) for n in range(PROCESSES)],
        )
    assert sorted(codes) == ["ok"] * 3 + ["over_budget"] * 5
    final = store.load(team_id, CHANNEL)
    assert final is not None
    assert final.votes_used("USAME") == 3
