"""Slack's rate limits refilled faster, on both sides, for runs whose subject is not pacing.

Rules kept:
- ``QUICK`` is how many times as fast the buckets refill in the end-to-end workspace by
  default: the simulator's (``RateLimits.slack(rate_scale=QUICK)``) and the bot's own
  (``quickened_budget``). Capacities stay as they are, so the bot still waits on its
  buckets and still must keep under the simulator's; only the waits are shorter.
- The bot's allowances are its real ones (``SLACK_ALLOWANCES``, ``POST_PER_CHANNEL``)
  with each refill rate multiplied: the same margin under Slack's limits, scaled.
- Tests that check pacing itself (edits a second apart, 429s, Retry-After) keep Slack's
  real rates: the ``slack_pacing`` marker (``tests/e2e/conftest.py``).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Final

from bot.slack.budget import POST_PER_CHANNEL, SLACK_ALLOWANCES, Allowance, SlackBudget
from bot.store import RedisClient
from slacksim import RateLimits

QUICK: Final = 5.0


def quickened_budget(client: RedisClient, team: str, rate_scale: float) -> SlackBudget:
    """The bot's budget for ``team`` with every refill ``rate_scale`` times as fast."""

    def quicker(allowance: Allowance) -> Allowance:
        return replace(allowance, per_second=allowance.per_second * rate_scale)

    return SlackBudget(
        client,
        {method: quicker(a) for method, a in SLACK_ALLOWANCES.items()},
        quicker(POST_PER_CHANNEL),
        team=team,
    )


def quickened_limits(rate_scale: float) -> RateLimits:
    """The simulator's Slack limits with every refill ``rate_scale`` times as fast."""
    return RateLimits.slack(rate_scale=rate_scale)
