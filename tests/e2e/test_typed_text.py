"""Text as people type it, through the real app: Slack's tokens in a thread reply are
stored as typed, shown escaped, and a reply over the line limit changes nothing."""

from __future__ import annotations

import json

import pytest

from bot.domain.text import MAX_LINES
from slacksim import Message
from tests.e2e.conftest import Workspace
from tests.e2e.test_workshop import ephemeral_texts, walk_to

pytestmark = [pytest.mark.store, pytest.mark.slow]


def activities_prompt(ws: Workspace) -> Message:
    sim = ws.sim
    prompt = sim.wait_for(
        lambda: next(
            (m for m in sim.bot_messages(ws.channel) if "reply, one per line" in m.text), None
        ),
        message="the activities prompt",
    )
    assert prompt is not None
    return prompt


def test_links_and_mentions_in_a_thread_reply_are_stored_as_typed(workspace: Workspace) -> None:
    sim = workspace.sim
    walk_to(workspace, "activities")
    prompt = activities_prompt(workspace)
    # As Slack formats the message of someone who typed the three lines.
    typed = (
        "Reset <https://evil.example/login|your password>\n"
        "Call <@U_BEN|ben> in <#C1|ops> &amp; tell <!here>\n"
        "Read <https://docs.example>"
    )
    delivery = sim.user("U_CHLOE").reply(workspace.channel, prompt.ts, typed)
    assert delivery.ok
    sim.settle()
    workshop = workspace.bot.store.load(workspace.team_id, workspace.channel)
    assert workshop is not None
    assert [a.text for a in workshop.activities] == [
        "Reset your password (https://evil.example/login)",
        "Call @ben in #ops & tell @here",
        "Read https://docs.example",
    ]
    # A duplicate, refused in the thread: the quoted text links and pings nobody.
    again = sim.user("U_CHLOE").reply(
        workspace.channel, prompt.ts, "Call <@U_BEN|ben> in <#C1|ops> &amp; tell <!here>"
    )
    assert again.ok
    sim.wait_for(
        lambda: any("already on the map" in t for t in ephemeral_texts(sim, "U_CHLOE")),
        message="the duplicate refused",
    )
    refusal = next(t for t in ephemeral_texts(sim, "U_CHLOE") if "already on the map" in t)
    assert "“Call @ben in #ops &amp; tell @here” is already on the map" in refusal
    sim.settle(quiet=1.0)
    for message in sim.messages(workspace.channel, include_replies=True):
        if message.is_bot:
            raw = json.dumps([message.text, message.blocks])
            assert "<https://evil" not in raw
            assert "<!here>" not in raw


def test_a_reply_over_the_line_limit_adds_nothing_and_says_why(workspace: Workspace) -> None:
    sim = workspace.sim
    walk_to(workspace, "activities")
    prompt = activities_prompt(workspace)
    lines = "\n".join(f"Step {n}" for n in range(MAX_LINES * 10))
    assert sim.user("U_CHLOE").reply(workspace.channel, prompt.ts, lines).ok
    sim.wait_for(
        lambda: any(f"at most {MAX_LINES} items" in t for t in ephemeral_texts(sim, "U_CHLOE")),
        message="the line limit explained",
    )
    workshop = workspace.bot.store.load(workspace.team_id, workspace.channel)
    assert workshop is not None
    assert workshop.activities == ()
