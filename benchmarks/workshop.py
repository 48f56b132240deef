"""Setting up workshops through the simulator, and the requests the benchmarks replay.

Setup goes through the front door: people type ``/storymap ...`` in a channel through
the simulator's driver and the bot answers over HTTP, so the state the benchmarks hit
is exactly what a real workshop would have. Where the bot's messages are comes from the
bot's own index of them (``bot.slack.refs``).

The replayed requests are built with the simulator's payload builders (``payloads``)
from the simulated workspace's users, channels and messages, so they are the bytes Slack
would send; the load generator signs them when it sends them.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import time
from dataclasses import dataclass
from urllib.parse import urlencode

from benchmarks.load import Request
from benchmarks.stack import Stack
from bot.slack.refs import Refs, prompt_name
from bot.store.keys import Keys
from slacksim import SimulatorError, SlackSimulator
from slacksim import payloads as p
from slacksim.finders import find_button
from slacksim.webapi.shapes import message_json

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
FACILITATOR = "U0FACIL001"
_events = itertools.count(1)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def add_people(sim: SlackSimulator, prefix: str, count: int) -> list[str]:
    """``count`` users ``U<prefix><n>``; ids unique within the simulator."""
    ids = [f"U{prefix}{n:06d}" for n in range(1, count + 1)]
    for user_id in ids:
        sim.add_user(user_id, user_id.lower())
    return ids


@dataclass
class Workshop:
    """One channel with a workshop, driven by its facilitator through slash commands."""

    stack: Stack
    channel: str
    refs: Refs

    @classmethod
    def open(cls, stack: Stack, name: str, members: list[str]) -> Workshop:
        sim = stack.sim
        with contextlib.suppress(SimulatorError):  # the first workshop added them
            sim.add_user(FACILITATOR, "facilitator")
        channel = sim.add_channel(name, members=[FACILITATOR, *members]).id
        refs = Refs(stack.store.client, stack.team_id, channel, 1)
        return cls(stack, channel, refs)

    def slash(self, text: str, expect: str, user: str = FACILITATOR) -> None:
        delivery = self.stack.sim.user(user).slash(self.channel, "/storymap", text)
        shown = delivery.shown.text if delivery.shown is not None else ""
        if not delivery.ok or not shown.startswith(expect):
            raise RuntimeError(f"/storymap {text}: {delivery.status} {shown or delivery.text}")

    def to_stories(self, activities: int, tasks_per_activity: int, stories: int) -> None:
        """Start, persona, backbone, tasks, and ``stories`` stories spread over the tasks."""
        self.slash("start Benchmark workshop", "Workshop")
        self.slash("persona Operations Manager at a logistics company", "Persona")
        self.slash("next", "The workshop is now")
        for a in range(1, activities + 1):
            self.slash(f"add Activity {a}", "Added")
        self.slash("next", "The workshop is now")
        for a in range(1, activities + 1):
            for t in range(1, tasks_per_activity + 1):
                self.slash(f"add A{a} Task {t} of activity {a}", "Added")
        self.slash("next", "The workshop is now")
        tasks = activities * tasks_per_activity
        for n in range(stories):
            self.slash(f"add T{n % tasks + 1} Story {n + 1}", "Added")

    def to_voting(self, stories: int, budget: int | None = None, timeout: float = 60) -> None:
        """Open voting and wait until every story card is posted."""
        if budget is not None:
            self.slash(f"budget {budget}", "Everyone now has")
        self.slash("next", "The workshop is now")
        self.stack.sim.wait_for(
            lambda: all(self.refs.get(f"card:S{n}") for n in range(1, stories + 1)),
            timeout=timeout,
            message=f"{stories} story cards",
        )

    def cards(self) -> dict[str, str]:
        """Story id -> ts of its card."""
        raw = self.stack.store.client.hgetall(self.refs.key)
        named = {_text(k): _text(v) for k, v in raw.items()}
        return {k.removeprefix("card:"): v for k, v in named.items() if k.startswith("card:")}

    @property
    def board_ts(self) -> str:
        ts = self.refs.get("board")
        if ts is None:
            raise RuntimeError("the board was never posted")
        return ts

    @property
    def voting_thread(self) -> str | None:
        return self.refs.get(prompt_name("voting", None))

    @property
    def keys(self) -> Keys:
        return Keys(self.stack.team_id, self.channel)

    # ----- requests to replay -------------------------------------------------------

    def slash_request(self, user: str, text: str, label: str) -> Request:
        sim = self.stack.sim
        with sim.workspace.lock:
            who = sim.workspace.user(user)
            where = sim.workspace.channel(self.channel)
        form = p.slash_command(
            sim.identity,
            who,
            where,
            "/storymap",
            text,
            response_url=sim.issue_response_url(self.channel, user),
            trigger_id=sim.issue_trigger(user),
        )
        return Request(urlencode(form), FORM, label)

    def click_request(self, user: str, message_ts: str, button: str, label: str) -> Request:
        sim = self.stack.sim
        with sim.workspace.lock:
            workspace = sim.workspace
            who, where = workspace.user(user), workspace.channel(self.channel)
            message = workspace.message(where.id, message_ts)
            if message is None:
                raise RuntimeError(f"no message {message_ts}")
            found = find_button(message.blocks, button, f"message {message_ts}")
            shown = message_json(workspace, message)
        payload = p.message_block_actions(
            sim.identity,
            who,
            where,
            message_ts=message_ts,
            message=shown,
            action=p.button_action(found.element, found.block_id),
            trigger_id=sim.issue_trigger(user),
            response_url=sim.issue_response_url(self.channel, user, message_ts),
        )
        return Request(urlencode({"payload": json.dumps(payload)}), FORM, label)

    def reaction_request(self, user: str, card_ts: str, label: str, emoji: str = "+1") -> Request:
        sim = self.stack.sim
        with sim.workspace.lock:
            who = sim.workspace.user(user)
            where = sim.workspace.channel(self.channel)
        event = p.reaction_event(
            "reaction_added",
            user=who,
            reaction=emoji,
            item_user=sim.identity.bot_user_id,
            channel=where,
            ts=card_ts,
            event_ts=f"{time.time():.6f}",
        )
        event_id = f"Ev{self.stack.team_id[2:]}{next(_events):08d}"
        envelope = p.event_callback(sim.identity, event, event_id)
        return Request(json.dumps(envelope), JSON, label)
