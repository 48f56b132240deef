"""The vote script with a cap per card, against the real server (and the cluster): numbered
ballots, votes given back when a story goes, data saved before caps existed, and no
interleaving of several replicas' votes putting anyone over the budget or the cap."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.domain import commands as c
from bot.domain.effects import OpenStage, RefreshBoard, RefreshCard
from bot.domain.machine import Outcome, apply
from bot.domain.model import Stage, VotingMode, Workshop
from bot.store.client import RedisClient, client_from_url
from bot.store.keys import Keys
from bot.store.workshops import WorkshopStore
from tests.builders import FACILITATOR, PARTICIPANTS, T0, workshop_at

pytestmark = pytest.mark.store
BEN, CHLOE = PARTICIPANTS[0], PARTICIPANTS[1]


def act(command: c.Command, actor: str = FACILITATOR) -> Callable[[Workshop | None], Outcome]:
    return lambda state: apply(state, command, actor, T0)


def seed_blind(store: WorkshopStore, team_id: str, channel: str, budget: int, cap: int) -> Workshop:
    """The seed workshop at voting, blind, with ``budget`` votes and ``cap`` per card."""
    seed = workshop_at(Stage.VOTING)
    target = seed.model_copy(
        update={
            "team_id": team_id,
            "channel_id": channel,
            "votes": {},
            "settings": seed.settings.model_copy(
                update={
                    "voting_mode": VotingMode.BLIND,
                    "vote_budget": budget,
                    "vote_cap": cap,
                }
            ),
        }
    )
    step = store.update(
        team_id,
        channel,
        lambda _: Outcome(target, (OpenStage(stage=Stage.VOTING), RefreshBoard()), ""),
    )
    assert step.outcome is not None
    return step.outcome.state


def members(client: RedisClient, key: str) -> set[str]:
    return {m.decode() if isinstance(m, bytes) else m for m in client.smembers(key)}


def used(client: RedisClient, keys: Keys, voter: str) -> int:
    return int(client.hget(keys.used, voter) or 0)


def test_a_voter_holds_numbered_ballots_up_to_the_cap(
    redis_client: RedisClient, team_id: str
) -> None:
    store = WorkshopStore(redis_client)
    w = seed_blind(store, team_id, "CCAP", budget=3, cap=2)
    keys = Keys(team_id, "CCAP")

    def vote(story: str, cast: bool = True) -> str:
        effects = (RefreshCard(story_id=story), RefreshBoard())
        result = store.vote(team_id, "CCAP", w.number, story, BEN, cast=cast, effects=effects)
        return f"{result.code}:{result.detail}:{result.on_card}"

    assert vote("S1") == "ok:1:1"
    assert vote("S1") == "ok:2:2"
    assert vote("S1") == "over_cap:2:0"
    assert vote("S2") == "ok:3:1"
    assert vote("S3") == "over_budget:3:0"
    assert members(redis_client, keys.ballots) == {"S1|UBEN", "S1|UBEN|2", "S2|UBEN"}
    loaded = store.load(team_id, "CCAP")
    assert loaded is not None
    assert loaded.votes == {"S1": (BEN, BEN), "S2": (BEN,)}
    # A take-back removes the highest-numbered ballot.
    assert vote("S1", cast=False) == "ok:2:1"
    assert members(redis_client, keys.ballots) == {"S1|UBEN", "S2|UBEN"}
    assert vote("S1", cast=False) == "ok:1:0"
    assert vote("S1", cast=False) == "not_voted::0"
    assert used(redis_client, keys, BEN) == 1
    meta = store.meta(team_id, "CCAP")
    assert meta is not None
    assert (meta.cap, meta.mode, meta.budget) == (2, VotingMode.BLIND, 3)


def test_a_removed_story_gives_every_ballot_on_it_back(
    redis_client: RedisClient, team_id: str
) -> None:
    store = WorkshopStore(redis_client)
    w = seed_blind(store, team_id, "CGONE", budget=3, cap=3)
    keys = Keys(team_id, "CGONE")
    for voter in (BEN, BEN, BEN, CHLOE):
        assert store.vote(team_id, "CGONE", w.number, "S1", voter, cast=True).code == "ok"
    assert store.vote(team_id, "CGONE", w.number, "S2", CHLOE, cast=True).code == "ok"
    step = store.update(team_id, "CGONE", act(c.Remove(item_id="S1", confirmed=True)))
    assert step.outcome is not None
    assert members(redis_client, keys.ballots) == {"S2|UCHLOE"}
    assert (used(redis_client, keys, BEN), used(redis_client, keys, CHLOE)) == (0, 1)
    loaded = store.load(team_id, "CGONE")
    assert loaded is not None
    assert loaded.votes == {"S2": (CHLOE,)}
    # BEN has all three votes back.
    for story in ("S2", "S3", "S4"):
        assert store.vote(team_id, "CGONE", w.number, story, BEN, cast=True).code == "ok"


def test_meta_and_ballots_saved_before_caps_existed_still_count(
    redis_client: RedisClient, team_id: str
) -> None:
    store = WorkshopStore(redis_client)
    w = seed_blind(store, team_id, "COLD", budget=3, cap=1)
    keys = Keys(team_id, "COLD")
    # As a workshop saved before modes and caps: no cap or mode in its meta, and a
    # ballot as every ballot was then ("<story>|<voter>": one vote).
    redis_client.hdel(keys.meta, "cap", "mode")
    assert store.vote(team_id, "COLD", w.number, "S1", BEN, cast=True).code == "ok"
    assert members(redis_client, keys.ballots) == {"S1|UBEN"}
    assert store.vote(team_id, "COLD", w.number, "S1", BEN, cast=True).code == "already"
    meta = store.meta(team_id, "COLD")
    assert meta is not None
    assert (meta.cap, meta.mode) == (1, VotingMode.EMOJI)
    loaded = store.load(team_id, "COLD")
    assert loaded is not None
    assert loaded.votes == {"S1": (BEN,)}
    assert store.vote(team_id, "COLD", w.number, "S1", BEN, cast=False).code == "ok"
    assert used(redis_client, keys, BEN) == 0


VOTERS = (BEN, CHLOE)
STORIES = ("S1", "S2", "S3")
REPLICAS = 3
#: (voter, story, cast?): casts twice as likely as take-backs, so caps and budgets fill.
op = st.tuples(
    st.sampled_from(VOTERS), st.sampled_from(STORIES), st.sampled_from((True, True, False))
)
plans = st.lists(st.lists(op, min_size=1, max_size=25), min_size=REPLICAS, max_size=REPLICAS)


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(budget=st.integers(1, 5), cap=st.integers(1, 5), plan=plans)
def test_no_interleaving_of_replicas_voting_puts_anyone_over_the_budget_or_the_cap(
    store_url: str, team_id: str, budget: int, cap: int, plan: list[list[tuple[str, str, bool]]]
) -> None:
    cap = min(cap, budget)
    channel = f"CP{uuid.uuid4().hex[:8]}"
    seeder = WorkshopStore(client_from_url(store_url))
    w = seed_blind(seeder, team_id, channel, budget, cap)
    replicas = [WorkshopStore(client_from_url(store_url)) for _ in range(REPLICAS)]
    go = threading.Barrier(REPLICAS)
    results: list[list[tuple[str, bool, str, int]]] = [[] for _ in range(REPLICAS)]

    def replica(n: int) -> None:
        go.wait()
        for voter, story, cast in plan[n]:
            result = replicas[n].vote(team_id, channel, w.number, story, voter, cast=cast)
            results[n].append((voter, cast, result.code, result.on_card))

    threads = [threading.Thread(target=replica, args=(n,)) for n in range(REPLICAS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    client = client_from_url(store_url)
    keys = Keys(team_id, channel)
    ballots = members(client, keys.ballots)
    per_card: Counter[tuple[str, str]] = Counter()
    for member in ballots:
        story, voter = member.split("|")[:2]
        per_card[story, voter] += 1
    for (story, voter), n in per_card.items():
        assert n <= cap
        # Numbered 1..n: a voter's n votes on a story are its first n ballots.
        wanted = {f"{story}|{voter}", *(f"{story}|{voter}|{k}" for k in range(2, n + 1))}
        assert {m for m in ballots if m.split("|")[:2] == [story, voter]} == wanted
    counted: Counter[str] = Counter()
    for outcomes in results:
        for voter, cast, code, on_card in outcomes:
            assert code in ("ok", "over_budget", "over_cap", "already", "not_voted"), code
            if code == "ok":
                counted[voter] += 1 if cast else -1
                assert 0 <= on_card <= cap
    for voter in VOTERS:
        held = sum(n for (_, v), n in per_card.items() if v == voter)
        assert held == used(client, keys, voter) == counted[voter]
        assert 0 <= held <= budget
    loaded = seeder.load(team_id, channel)
    assert loaded is not None
    for voter in VOTERS:
        assert loaded.votes_used(voter) == counted[voter]
