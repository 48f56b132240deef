"""Budgets and 429 pauses are per workspace: one workspace's pause holds no other."""

from __future__ import annotations

import pytest

from bot.slack.budget import Allowance, SlackBudget
from bot.store.client import RedisClient

pytestmark = pytest.mark.store


def test_a_pause_and_an_empty_bucket_hold_only_their_workspace(
    redis_client: RedisClient, team_id: str
) -> None:
    shared = SlackBudget(redis_client, {"chat.update": Allowance(capacity=1, per_second=0.01)})
    alpha, bravo = shared.for_team(team_id + "A"), shared.for_team(team_id + "B")
    assert shared.for_team(team_id + "A") is alpha

    alpha.pause("pins.add", 30)
    assert alpha.try_take("pins.add") > 25
    assert bravo.try_take("pins.add") == 0

    assert alpha.try_take("chat.update") == 0
    assert alpha.try_take("chat.update") > 0  # alpha's one token is spent
    assert bravo.try_take("chat.update") == 0  # bravo has its own bucket


def test_a_budget_for_its_own_team_is_itself(redis_client: RedisClient, team_id: str) -> None:
    """One bot token: the budget built for the token's workspace keeps its keys."""
    own = SlackBudget(redis_client, team=team_id)
    assert own.for_team(team_id) is own
    own.pause("chat.update", 5)
    assert redis_client.pttl(f"storymap:{team_id}:pause:chat.update") > 0
