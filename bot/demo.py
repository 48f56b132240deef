"""``storymap demo``: the seed's logistics workshop, start to finish, in the Slack simulator.

Everything is real except Slack: the Bolt app behind its HTTP server, the store on an
embedded Redis-compatible server, the outbox dispatcher. Five people in four time zones
act through the simulator's driver exactly as they would in Slack: a slash command,
thread replies (one item per line), a modal, emoji reactions on story cards, the slicing
form, the publish button. The same scenario is the end-to-end test's.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import redis

from slacksim import Ephemeral, Message, RateLimits, SlackSimulator
from slacksim.render import message_lines

PERSONA = "Operations Manager at a logistics company"
BACKBONE = ("Plan shipment", "Assign driver", "Track delivery", "Resolve issues")
TASKS = {
    "Plan shipment": ("Enter pickup and drop-off", "Choose a delivery window"),
    "Assign driver": ("See available drivers",),
    "Track delivery": (
        "View real-time map",
        "See estimated arrival time",
        "Receive delay alerts",
        "Share tracking link with customer",
    ),
    "Resolve issues": ("Log an incident",),
}
STORIES = {
    "Enter pickup and drop-off": ("Type an address with autocomplete",),
    "Choose a delivery window": ("Pick a two-hour window",),
    "See available drivers": ("List drivers near the pickup",),
    "View real-time map": ("See the truck move on a map", "Zoom to one truck"),
    "See estimated arrival time": ("Show ETA on the shipment", "Recalculate ETA with traffic"),
    "Receive delay alerts": ("Alert me when ETA slips 15 minutes",),
    "Share tracking link with customer": ("Copy a public tracking link",),
    "Log an incident": ("Record a damaged parcel",),
}
#: Who reacts :+1: on which story (by text); four participants, three votes each.
VOTES = {
    "U_BEN": (
        "See the truck move on a map",
        "Show ETA on the shipment",
        "Alert me when ETA slips 15 minutes",
    ),
    "U_CHLOE": (
        "See the truck move on a map",
        "Show ETA on the shipment",
        "Copy a public tracking link",
    ),
    "U_DEV": (
        "See the truck move on a map",
        "Recalculate ETA with traffic",
        "Alert me when ETA slips 15 minutes",
    ),
    "U_EMI": (
        "Show ETA on the shipment",
        "Zoom to one truck",
        "Alert me when ETA slips 15 minutes",
    ),
}
RELEASES = (
    (
        "View map + ETA",
        ("See the truck move on a map", "Show ETA on the shipment"),
        "Ops managers answer 'where is my truck?' without calling the driver",
    ),
    (
        "Delay alerts",
        ("Alert me when ETA slips 15 minutes",),
        "Ops managers hear of a late truck before the customer does",
    ),
    ("Shareable tracking link", ("Copy a public tracking link",), ""),
)
#: The seed's Release 1 tracks deliveries only: publishing warns that it is not a walking
#: skeleton (no story under the other activities), and the facilitator publishes anyway.
PEOPLE = {
    "U_ANA": ("ana", "America/Los_Angeles"),
    "U_BEN": ("ben", "Europe/Berlin"),
    "U_CHLOE": ("chloe", "Asia/Kolkata"),
    "U_DEV": ("dev", "Pacific/Auckland"),
    "U_EMI": ("emi", "Europe/Berlin"),
}
FACILITATOR = "U_ANA"
#: Where ``storymap demo`` leaves the published map's picture: the system's temporary
#: directory, which is always writable (the current one may not be, in a container).
PICTURE = Path(tempfile.gettempdir()) / "storymap-demo-map.png"


def write_picture(client: redis.Redis, team_id: str, channel: str, path: Path = PICTURE) -> Path:
    """Draw the channel's last workshop (the published map) to ``path``."""
    from bot.render.picture import render_map  # noqa: PLC0415 - Pillow only when drawing
    from bot.store.workshops import WorkshopStore  # noqa: PLC0415

    workshop = WorkshopStore(client).latest(team_id, channel)
    if workshop is None:
        raise LookupError(f"no workshop in {team_id}/{channel} to draw")
    path.write_bytes(render_map(workshop))
    return path


class Scenario:
    """Drives the seed workshop in ``channel``; ``narrate`` hears each stage as it ends."""

    def __init__(
        self,
        sim: SlackSimulator,
        channel: str,
        narrate: Callable[[str], None] = lambda _: None,
        on_vote: Callable[[int], None] = lambda _: None,
    ) -> None:
        """``on_vote`` is called after each reaction vote with how many were cast so far."""
        self.sim = sim
        self.on_vote = on_vote
        self.channel = channel
        self.narrate = narrate
        self.ana = sim.user(FACILITATOR)
        self.board_ts = ""
        self.cards: dict[str, str] = {}

    # ----- finding things the way a person would: by what they read -------------------

    def bot_message(self, contains: str, *, thread: str | None = None) -> Message:
        def find() -> Message | None:
            pool = (
                self.sim.replies(self.channel, thread)
                if thread
                else self.sim.messages(self.channel)
            )
            hits = [m for m in pool if m.is_bot and contains in m.text]
            return hits[-1] if hits else None

        found = self.sim.wait_for(find, message=f"a bot message containing {contains!r}")
        if found is None:  # wait_for raises on timeout; this keeps the type exact
            raise LookupError(contains)
        return found

    def replied_ok(self, channel: str, ts: str) -> None:
        self.sim.wait_for(
            lambda: (
                (m := self.sim.message(channel, ts)) is not None
                and "white_check_mark" in m.reactions
            ),
            timeout=30.0,  # as for the board: a generous bound, not an expectation
            message="the bot's ✅ on a thread reply",
        )

    def next_stage(self, board_ts: str, expect: str) -> None:
        self.ana.click(self.channel, board_ts, label="Next stage →")
        self.sim.wait_for(
            lambda: (
                (m := self.sim.message(self.channel, board_ts)) is not None and expect in m.text
            ),
            message=f"the board to show {expect}",
        )

    # ----- the workshop -----------------------------------------------------------------

    def run(self) -> str:
        """Run the whole workshop; return the ts of the pinned map."""
        start = self.ana.slash(self.channel, "/storymap", "start Delivery tracking")
        if not start.ok:
            raise RuntimeError(f"/storymap start failed: {start.text}")
        self.board_ts = self.bot_message("Delivery tracking").ts
        for stage, expect in (
            (self.persona, "Backbone"),
            (self.activities, "Tasks"),
            (self.tasks, "Story cards"),
            (self.stories, "Voting"),
            (self.voting, "Release slices"),
        ):
            self.narrate(stage())
            self.next_stage(self.board_ts, expect)
        self.narrate(self.slicing())
        return self.publish()

    def persona(self) -> str:
        prompt = self.bot_message("Who is this story map for?")
        self.sim.user("U_BEN").reply(self.channel, prompt.ts, PERSONA)
        self.replied_ok(self.channel, self._reply_ts(prompt.ts, "U_BEN"))
        return "persona"

    def activities(self) -> str:
        # The prompt's own words: the board names the stage too.
        prompt = self.bot_message("Backbone activities: reply")
        self.sim.user("U_CHLOE").reply(self.channel, prompt.ts, "\n".join(BACKBONE))
        self.replied_ok(self.channel, self._reply_ts(prompt.ts, "U_CHLOE"))
        return "activities"

    def tasks(self) -> str:
        dev = self.sim.user("U_DEV")
        prompt = self.bot_message("Tasks: reply with")
        # One prompt for the stage: each line says where it goes (``A1: …``), or a line
        # with only an id puts the lines after it there; one activity's tasks go through
        # the form the prompt's "Add tasks under…" list opens.
        for n, activity in enumerate(BACKBONE, start=1):
            if activity == "Track delivery":
                label = f"A{n} · {activity} (no tasks yet)"
                dev.choose(self.channel, prompt.ts, option=label)
                self.sim.wait_for(lambda: self.sim.modal("U_DEV"), message="the add modal")
                submitted = dev.submit_modal({"items": "\n".join(TASKS[activity])})
                if not submitted.ok:
                    raise RuntimeError(f"the add-tasks modal was refused: {submitted.text}")
                continue
            if n == len(BACKBONE):
                lines = [f"A{n}", *TASKS[activity]]
            else:
                lines = [f"A{n}: {task}" for task in TASKS[activity]]
            dev.reply(self.channel, prompt.ts, "\n".join(lines))
            self.replied_ok(self.channel, self._reply_ts(prompt.ts, "U_DEV"))
        self._wait_board(f"{sum(len(t) for t in TASKS.values())} tasks")
        return "tasks"

    def stories(self) -> str:
        prompt = self.bot_message("Story cards: reply with")
        tasks = [t for activity in BACKBONE for t in TASKS[activity]]
        authors = ("U_BEN", "U_CHLOE", "U_EMI")
        for k, author in enumerate(authors):
            lines: list[str] = []
            for n, task in enumerate(tasks, start=1):
                if n % len(authors) != k:
                    continue
                if len(STORIES[task]) > 1:  # an id alone: the lines after it go there
                    lines += [f"T{n}", *STORIES[task]]
                else:
                    lines += [f"T{n}: {story}" for story in STORIES[task]]
            self.sim.user(author).reply(self.channel, prompt.ts, "\n".join(lines))
        self._wait_board(f"{sum(len(s) for s in STORIES.values())} stories")
        return "stories"

    def voting(self) -> str:
        voting = self.bot_message("Voting is open")
        total = sum(len(s) for s in STORIES.values())
        # Cards are posted at Slack's pace for one channel, about one a second.
        self.sim.wait_for(
            lambda: len(self.sim.replies(self.channel, voting.ts)) >= total,
            timeout=total * 2 + 10,
            message=f"{total} story cards",
        )
        self.cards = {self._card_text(m): m.ts for m in self.sim.replies(self.channel, voting.ts)}
        cast = 0
        for voter, stories in VOTES.items():
            for story in stories:
                self.sim.user(voter).react(self.channel, self.cards[story], "+1")
                cast += 1
                self.on_vote(cast)
        self._wait_board(f"{sum(len(v) for v in VOTES.values())} votes")
        return "voting"

    def slicing(self) -> str:
        self.ana.click(self.channel, self.board_ts, label="Draw release slices")
        self.sim.wait_for(lambda: self.sim.modal(FACILITATOR), message="the slicing modal")
        self.submit_releases()
        return "slicing"

    def submit_releases(self) -> None:
        """Fill the open slicing form with the seed's releases (``RELEASES``) and submit it."""
        ids = {text: self._story_id(ts) for text, ts in self.cards.items()}
        values: dict[str, object] = {}
        for n, (name, stories, outcome) in enumerate(RELEASES, start=1):
            values[f"release_{n}_name"] = name
            values[f"release_{n}_stories"] = [ids[s] for s in stories]
            values[f"release_{n}_outcome"] = outcome
        for n in range(len(RELEASES) + 1, 5):
            values[f"release_{n}_name"] = ""
            values[f"release_{n}_stories"] = []
        sliced = self.ana.submit_modal(values)
        if not sliced.ok:
            raise RuntimeError(f"the slicing form was refused: {sliced.text}")
        self._wait_board(RELEASES[-1][0])

    def publish(self) -> str:
        self.ana.click(self.channel, self.board_ts, label="Publish")

        def question() -> Ephemeral | None:
            shown = self.sim.ephemerals(FACILITATOR, self.channel)
            return next((e for e in shown if "walking skeleton" in e.text), None)

        asked = self.sim.wait_for(question, message="the walking-skeleton question")
        if asked is None:  # wait_for raises on timeout; this keeps the type exact
            raise LookupError("the walking-skeleton question")
        self.ana.click(self.channel, asked.ts, label="Publish anyway")
        pinned = self.sim.wait_for(
            lambda: self.sim.pinned(self.channel) or None, message="the pinned map"
        )
        self.sim.settle()
        self.narrate("published")
        return str(pinned[0].ts) if pinned else ""

    # ----- small helpers --------------------------------------------------------------

    def _reply_ts(self, thread_ts: str, user: str) -> str:
        return [m for m in self.sim.replies(self.channel, thread_ts) if m.user == user][-1].ts

    def _wait_board(self, text: str) -> None:
        # Up to the channel lease (10 s) and a retry's idle time when the replica serving
        # the channel dies, plus Slack's edit pace: a generous bound, not an expectation.
        self.sim.wait_for(
            lambda: (
                (m := self.sim.message(self.channel, self.board_ts)) is not None
                and text in m.text + str(m.blocks)
            ),
            timeout=30.0,
            message=f"the board to show {text}",
        )

    @staticmethod
    def _card_text(card: Message) -> str:
        """``S3 · See the truck move on a map (2 votes)`` -> the story's text."""
        return card.text.split(" · ", 1)[1].rsplit(" (", 1)[0]

    def _story_id(self, card_ts: str) -> str:
        card = self.sim.message(self.channel, card_ts)
        if card is None:
            raise LookupError(f"story card {card_ts} is gone")
        return card.text.split(" · ", 1)[0]


@contextmanager
def seed_channel(
    clock: Callable[[], datetime] | None = None,
) -> Iterator[tuple[SlackSimulator, str, redis.Redis]]:
    """The seed's five people in ``#delivery-team`` of a simulated Slack, served by one
    bot over HTTP on an embedded store (its ``clock``, when given): the simulator, the
    channel's id and a client of the store."""
    from bot.service import utc_now  # noqa: PLC0415 - keep `storymap --help` light
    from bot.slack.main import Bot  # noqa: PLC0415
    from bot.store.embedded import EmbeddedServer  # noqa: PLC0415

    with (
        tempfile.TemporaryDirectory(prefix="storymap-demo-") as data,
        SlackSimulator(rate_limits=RateLimits.slack()) as sim,
        EmbeddedServer(Path(data)) as server,
    ):
        for user_id, (name, tz) in PEOPLE.items():
            sim.add_user(user_id, name, tz=tz)
        channel = sim.add_channel("#delivery-team", members=list(PEOPLE)).id
        client = redis.Redis.from_url(server.url)
        bot = Bot(
            client,
            token=sim.identity.bot_token,
            signing_secret=sim.driver.signing_secret,
            api_url=sim.api_url,
            clock=clock or utc_now,
        )
        sim.set_bot_endpoint(bot.start_http() + "/slack/events")
        try:
            yield sim, channel, client
        finally:
            bot.stop()
            client.close()


class Narrator:
    """Prints what is new in the channel's transcript since the last time, under
    ``heading(stage)``."""

    def __init__(self, sim: SlackSimulator, channel: str, heading: Callable[[str], str]) -> None:
        self.sim, self.channel, self.heading = sim, channel, heading
        self.shown = 0

    def __call__(self, stage: str) -> None:
        self.sim.settle(quiet=0.2)
        lines = self.sim.transcript(self.channel).splitlines()
        print(f"\n===== {self.heading(stage)} =====")
        print("\n".join(lines[self.shown :]))
        self.shown = len(lines)


def print_pinned(sim: SlackSimulator, channel: str, picture: Path) -> None:
    print("\n===== the pinned map =====")
    for pinned in sim.pinned(channel):
        print("\n".join(message_lines(pinned.text, pinned.blocks)))
    print(f"\n===== the map as a picture: {picture} =====")


def main() -> int:
    """Run the demo: print the channel stage by stage, then the pinned map and the path of
    its picture (``PICTURE``)."""
    with seed_channel() as (sim, channel, client):
        narrate = Narrator(sim, channel, lambda stage: f"#delivery-team after the {stage} stage")
        Scenario(sim, channel, narrate).run()
        picture = write_picture(client, sim.identity.team_id, channel)
        print_pinned(sim, channel, picture)
    return 0


if __name__ == "__main__":
    sys.exit(main())
