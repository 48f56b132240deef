"""``storymap demo --scheduled``: the seed's workshop running itself on an accelerated clock.

The facilitator starts it with a schedule (``/storymap start Delivery tracking over 2
weeks``), the team contributes as in ``storymap demo``, and time jumps from one deadline
to the next: at each, the workshop moves on by itself. When voting closes the facilitator
gets the proposed release plan in a direct message and approves it (``--edit``: fills in
the releases first, through the plan's Edit form). The facilitator's actions are counted
from what the simulator received from them: slash commands, clicks and form submissions
(a click that only opens a form is part of filling it in, not an action of its own).
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Final
from urllib.parse import parse_qs

import redis

from bot.demo import FACILITATOR, Narrator, Scenario, print_pinned, seed_channel, write_picture
from bot.render.ids import ActionId
from slacksim import Message, SlackSimulator
from slacksim.delivery import Delivery
from slacksim.render import message_lines

#: Monday 30 November 2026, 16:00 UTC: 08:00 in Los Angeles, where the facilitator is.
START: Final = datetime(2026, 11, 30, 16, 0, tzinfo=UTC)
COMMAND: Final = "start Delivery tracking over 2 weeks"
#: How far past a deadline the clock jumps (the scheduler sees the job due at once).
PAST: Final = timedelta(minutes=1)
#: Buttons whose click only opens a form (the form's submission is the action).
OPENS_A_FORM: Final = frozenset(
    {
        ActionId.OPEN_PERSONA_MODAL,
        ActionId.OPEN_ADD_MODAL,
        ActionId.PICK_ADD_PARENT,
        ActionId.OPEN_DEADLINE_MODAL,
        ActionId.OPEN_SLICING_MODAL,
        ActionId.OPEN_PLAN_MODAL,
        ActionId.EDIT_MENU,
    }
)


class Clock:
    """The time every replica reads; the scenario moves it, nobody sleeps on it."""

    def __init__(self, now: datetime = START) -> None:
        self._now = now
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self._now

    def set(self, now: datetime) -> None:
        with self._lock:
            self._now = now


class ScheduledScenario(Scenario):
    """The seed workshop started with a schedule; ``deadline()`` reads the running
    stage's deadline (where the board shows it), and time jumps past it."""

    def __init__(
        self,
        sim: SlackSimulator,
        channel: str,
        clock: Clock,
        deadline: Callable[[], datetime | None],
        narrate: Callable[[str], None] = lambda _: None,
        *,
        edit: bool = False,
    ) -> None:
        super().__init__(sim, channel, narrate)
        self.clock = clock
        self.deadline = deadline
        self.edit = edit

    def run(self) -> str:
        start = self.ana.slash(self.channel, "/storymap", COMMAND)
        if not start.ok:
            raise RuntimeError(f"/storymap start failed: {start.text}")
        self.board_ts = self.bot_message("Delivery tracking").ts
        self.bot_message("The plan, over 10 working days", thread=self.board_ts)
        for stage, expect in (
            (self.persona, "Backbone"),
            (self.activities, "Tasks"),
            (self.stories_after_tasks, "Voting"),
            (self.voting, "Release slices"),
        ):
            self.narrate(stage())
            self.time_passes(expect)
        proposal = self.proposal()
        if self.edit:
            self.fill_in(proposal)
        return self.approve(proposal)

    def stories_after_tasks(self) -> str:
        """Tasks, then (the deadline passed) story cards: one step of the loop each."""
        self.narrate(self.tasks())
        self.time_passes("Story cards")
        return self.stories()

    def time_passes(self, expect: str) -> None:
        """Jump past the running stage's deadline; the board shows ``expect`` after."""
        at = self.sim.wait_for(self.deadline, message="the stage's scheduled deadline")
        if at is None:  # wait_for raises on timeout; this keeps the type exact
            raise LookupError("no deadline")
        self.clock.set(at + PAST)
        self.sim.wait_for(
            lambda: (
                (m := self.sim.message(self.channel, self.board_ts)) is not None
                and expect in m.text
            ),
            timeout=30.0,
            message=f"the board to move on to {expect} by itself",
        )

    def proposal(self) -> Message:
        def sent() -> Message | None:
            dms = [m for m in self.sim.messages(FACILITATOR) if m.is_bot]
            return next((m for m in dms if "proposed release plan" in m.text), None)

        found = self.sim.wait_for(sent, timeout=30.0, message="the proposed release plan")
        if found is None:
            raise LookupError("the proposed release plan")
        self.narrate("voting closed: the proposal")
        return found

    def fill_in(self, proposal: Message) -> None:
        """Edit: the slicing form, pre-filled with the proposal, gets the seed's releases
        and their outcomes."""
        self.ana.click(FACILITATOR, proposal.ts, label="Edit")
        self.sim.wait_for(lambda: self.sim.modal(FACILITATOR), message="the slicing form")
        self.cards = {
            self._card_text(m): m.ts
            for m in self.sim.replies(self.channel, self.bot_message("Voting is open").ts)
        }
        self.submit_releases()

    def approve(self, proposal: Message) -> str:
        self.ana.click(FACILITATOR, proposal.ts, label="Approve and publish")
        pinned = self.sim.wait_for(
            lambda: self.sim.pinned(self.channel) or None, message="the pinned map"
        )
        self.sim.settle()
        self.narrate("published")
        return str(pinned[0].ts) if pinned else ""


def stage_deadline(
    client: redis.Redis, team_id: str, channel_id: str
) -> Callable[[], datetime | None]:
    """A reader of the channel's running stage's deadline, as its board shows it."""
    from bot.store.workshops import WorkshopStore  # noqa: PLC0415 - the store when it runs

    store = WorkshopStore(client)

    def deadline() -> datetime | None:
        w = store.load(team_id, channel_id)
        return w.deadline.at if w is not None and w.deadline is not None else None

    return deadline


def facilitator_actions(deliveries: list[Delivery], user: str = FACILITATOR) -> list[str]:
    """What ``user`` did, in order: each slash command, click and form submission
    (clicks that only open a form left out: their form's submission counts)."""
    done: list[str] = []
    for delivery in deliveries:
        said = _action(delivery, user)
        if said is not None:
            done.append(said)
    return done


def _action(delivery: Delivery, user: str) -> str | None:
    form = parse_qs(delivery.request_body.decode())
    if delivery.kind == "slash_command":
        if form.get("user_id", [""])[0] != user:
            return None
        return f"{form['command'][0]} {form.get('text', [''])[0]}".strip()
    if delivery.kind not in ("block_actions", "view_submission"):
        return None
    payload: dict[str, Any] = json.loads(form["payload"][0])
    if payload.get("user", {}).get("id") != user:
        return None
    if delivery.kind == "view_submission":
        return f"submitted the form “{payload['view']['title']['text']}”"
    action = payload["actions"][0]
    if action.get("action_id") in OPENS_A_FORM:
        return None
    where = (
        "in a direct message" if payload.get("channel", {}).get("id", "").startswith("D") else ""
    )
    label = action.get("text", {}).get("text", action.get("action_id", ""))
    return f"clicked “{label}” {where}".strip()


def main(*, edit: bool = False) -> int:
    """Run it: the channel as it goes, the facilitator's actions, the pinned map."""
    clock = Clock()
    with seed_channel(clock) as (sim, channel, client):
        team = sim.identity.team_id
        deadline = stage_deadline(client, team, channel)

        def heading(stage: str) -> str:
            return f"#delivery-team after {stage} ({clock():%a %d %b %H:%M} UTC)"

        narrate = Narrator(sim, channel, heading)
        ScheduledScenario(sim, channel, clock, deadline, narrate, edit=edit).run()
        picture = write_picture(client, team, channel)
        board = sim.messages(channel)[0]
        print("\n===== the board's thread: the plan, and the workshop moving itself on =====")
        for reply in sim.replies(channel, board.ts):
            print("\n".join(message_lines(reply.text, reply.blocks)))
        print("\n===== the facilitator's direct messages from the bot =====")
        for dm in sim.messages(FACILITATOR):
            print("\n".join(message_lines(dm.text, dm.blocks)))
        actions = facilitator_actions(sim.driver.deliveries)
        print(f"\n===== the facilitator's actions: {len(actions)} =====")
        for n, action in enumerate(actions, start=1):
            print(f"{n}. {action}")
        print_pinned(sim, channel, picture)
    return 0


if __name__ == "__main__":
    sys.exit(main(edit="--edit" in sys.argv))
