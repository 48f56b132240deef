"""Votes as the latency and throughput benchmarks cast them, and the store's account of them.

Rules kept: every voter votes on distinct stories, ``VOTES_PER_VOTER`` of them with the
default budget of ``BUDGET``, so exactly ``BUDGET`` of each voter's votes can count and
the rest are refused over budget, whatever order they arrive in; the store is asked, per
delivery, whether the vote script saw it (its dedupe mark), and how many ballots there
are, so a vote that was lost or counted twice shows.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from benchmarks.load import Request
from benchmarks.stack import Store
from benchmarks.workshop import Workshop

BUDGET = 3  # the workshop's default
VOTES_PER_VOTER = 4


def vote_plan(voters: list[str], stories: int, per_voter: int) -> list[tuple[str, str]]:
    """(voter, story id) pairs: each voter on ``per_voter`` distinct stories, a voter's
    votes about 25 requests apart, so over-budget refusals are spread over the run."""
    pairs: list[tuple[str, str]] = []
    for block in range(0, len(voters), 25):
        group = voters[block : block + 25]
        for j in range(per_voter):
            for v, voter in enumerate(group, start=block):
                pairs.append((voter, f"S{(v * 7 + j * 13) % stories + 1}"))
    return pairs


@dataclass(frozen=True)
class VoteCount:
    sent: int
    processed: int  # deliveries the vote script saw (its dedupe mark is set)
    counted: int
    expected: int

    @property
    def refused(self) -> int:
        return self.processed - self.counted

    @property
    def accounted(self) -> bool:
        return self.processed == self.sent and self.counted == self.expected

    @classmethod
    def total(cls, counts: Iterable[VoteCount]) -> VoteCount:
        every = list(counts)
        return cls(
            sent=sum(c.sent for c in every),
            processed=sum(c.processed for c in every),
            counted=sum(c.counted for c in every),
            expected=sum(c.expected for c in every),
        )


def count_votes(store: Store, workshop: Workshop, requests: list[Request]) -> VoteCount:
    """What the store says about the votes ``requests`` carried."""
    client = store.client
    events = [json.loads(r.body) for r in requests]
    with client.pipeline(transaction=False) as pipe:
        for event in events:
            pipe.exists(workshop.keys.seen(event["event_id"]))
        processed = sum(pipe.execute())
    per_voter = Counter(e["event"]["user"] for e in events)
    return VoteCount(
        sent=len(requests),
        processed=processed,
        counted=int(client.scard(workshop.keys.ballots)),
        expected=sum(min(n, BUDGET) for n in per_voter.values()),
    )
