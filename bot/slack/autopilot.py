"""A workshop that runs itself, on the Slack side: planning its schedule from where the
channel's members are, a stage stuck at its deadline, and the proposed release plan.

Rules this module keeps:
- a schedule is planned from the time zones of the channel's members (the bot left out),
  each read once a day at most (``bot.slack.zones``): Slack is asked about the first
  ``MAX_ASKED`` members at most, the others count when their zone is cached already;
  someone whose zone cannot be read is left out;
- at a scheduled stage's deadline, when its gate does not pass (``machine.blocked``),
  the deadline moves one working day once (``ExtendDeadline``), and the people who can
  fix it are told exactly what is missing, in their working hours, at most once a day:
  the authors of the empty activities or tasks first, then everyone who has not
  contributed to the stage; at the moved deadline, still stuck, the facilitator is asked
  (one more working day, or move on), in a direct message;
- when voting closes, the facilitator gets one direct message with the proposed plan,
  **Approve and publish** and **Edit**; once the map is published (by Approve or
  otherwise), that message says so and its buttons are gone.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Final

from slack_sdk.errors import SlackApiError

from bot.domain import commands as c
from bot.domain.effects import PlanTheSchedule, ProposePlan
from bot.domain.fair import zones_of
from bot.domain.machine import blocked
from bot.domain.model import Deadline, Workshop
from bot.render.autopilot import (
    ask_message,
    fix_message,
    proposal_message,
    proposal_published,
)
from bot.render.message import Message
from bot.service import WorkshopService
from bot.slack.refs import PROPOSAL, Refs
from bot.slack.zones import zone_of
from bot.store import RedisClient

if TYPE_CHECKING:
    from bot.slack.jobs import JobRunner, SlackCalls

log = logging.getLogger(__name__)

#: The most members whose zone is asked of Slack for one schedule (the rest of a big
#: channel counts by the zones already known).
MAX_ASKED: Final = 200
#: The once-a-day key of the word to people who can unblock a stage (apart from reminders).
FIX: Final = ":fix"


class Autopilot:
    def __init__(
        self,
        jobs: JobRunner,
        client: RedisClient,
        service: WorkshopService,
        call: SlackCalls,
    ) -> None:
        self._jobs = jobs
        self._redis = client
        self._service = service
        self._call = call

    def perform(self, w: Workshop, refs: Refs, effect: PlanTheSchedule | ProposePlan) -> None:
        if isinstance(effect, PlanTheSchedule):
            self.plan(w, effect.days)
        else:
            self.propose(w, refs)

    # ----- planning -----------------------------------------------------------------------

    def plan(self, w: Workshop, days: int) -> None:
        """Read where the members are, then set the schedule as the facilitator."""
        data = self._call("conversations_members", channel=w.channel_id, limit=1000)
        bot = self._jobs.bot_user(w.team_id)
        members = [str(m) for m in data.get("members", []) if m != bot]  # type: ignore[attr-defined]
        asked = [self._zone(w.team_id, m) for m in members[:MAX_ASKED]]
        known = [zone_of(self._redis, w.team_id, m, lambda: None) for m in members[MAX_ASKED:]]
        zones = zones_of(z for z in (*asked, *known) if z is not None)
        facilitator = self._zone(w.team_id, w.facilitator) or "UTC"
        command = c.SetSchedule(days=days, zones=zones, facilitator_tz=facilitator)
        reply = self._service.handle(w.team_id, w.channel_id, w.facilitator, command)
        if not reply.ok:
            self._call(
                "chat_postEphemeral", channel=w.channel_id, user=w.facilitator, text=reply.text
            )

    def _zone(self, team_id: str, user: str) -> str | None:
        def users_info() -> dict[str, object] | None:
            try:
                return self._call("users_info", user=user)
            except SlackApiError as failure:
                log.info("no time zone for %s: %s", user, failure.response.get("error"))
                return None

        return zone_of(self._redis, team_id, user, users_info)

    # ----- a stage stuck at its deadline -------------------------------------------------

    def stuck(self, w: Workshop, deadline: Deadline) -> bool:
        """Handle a scheduled stage whose gate did not pass at ``deadline``; False when it
        was refused for another reason (the caller tells the facilitator as before)."""
        found = blocked(w)
        if found is None:
            return False
        if deadline.extended:
            asked = ask_message(w, found.message)
            self._dm(w.facilitator, asked)
            return True
        extend = c.ExtendDeadline(stage=w.stage, at=deadline.at)
        reply = self._service.handle(w.team_id, w.channel_id, w.facilitator, extend)
        moved = reply.workshop
        if not reply.ok or moved is None:
            return False
        authors = [a for a in found.authors if a not in moved.muted]
        others = [m for m in self._jobs.missing(moved) if m not in authors]
        for user in (*authors, *others):
            try:
                self._tell(moved, user, found.message, authored=user in authors)
            except SlackApiError as failure:  # one person's message must not stop the rest
                log.warning("word to %s failed: %s", user, failure.response.get("error"))
        return True

    def fix_later(self, w: Workshop, user: str, *, missing: bool = False) -> bool:
        """The word held back until ``user``'s working hours (or a reminder in a stage given
        one more working day): said when the stage is still blocked and they can still fix
        it (an author of the empty items, or someone who has not contributed: ``missing``
        says the caller knows they have not), with what is missing now. False when the
        stage is not blocked any more."""
        found = blocked(w)
        if found is None:
            return False
        authored = user in found.authors
        if user not in w.muted and (authored or missing or user in self._jobs.missing(w)):
            self._tell(w, user, found.message, authored=authored)
        return True

    def _tell(self, w: Workshop, user: str, why: str, *, authored: bool) -> None:
        def build() -> Message:
            return fix_message(w, why, authored, self._jobs.way_in(w))

        self._jobs.nudge(w, user, build, about=FIX)

    # ----- the proposed release plan -------------------------------------------------------

    def propose(self, w: Workshop, refs: Refs) -> None:
        sent = self._dm(w.facilitator, proposal_message(w))
        refs.note(PROPOSAL, f"{sent.get('channel', '')}|{sent.get('ts', '')}")

    def published(self, w: Workshop, refs: Refs) -> None:
        """The map is published: the proposal's message says so, its buttons gone."""
        channel, _, ts = (refs.get(PROPOSAL) or "").partition("|")
        if not (channel and ts):
            return
        done = proposal_published(w)
        try:
            self._call("chat_update", channel=channel, ts=ts, text=done.text, blocks=done.blocks)
        except SlackApiError as failure:  # a note on a direct message never holds the map up
            log.warning("proposal not updated: %s", failure.response.get("error"))

    def _dm(self, user: str, message: Message) -> dict[str, object]:
        return self._call(
            "chat_postMessage", channel=user, text=message.text, blocks=message.blocks
        )
