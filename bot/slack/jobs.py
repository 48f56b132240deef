"""What due jobs do: polite reminders, the time's-up notice, auto-advance, the digest.

Rules this module keeps:
- reminders go only to channel members who have not contributed to the stage and did
  not mute them, only inside *their* working hours (09:00-18:00 on weekdays in their own
  ``tz``), at most once a day per person and stage (a ``SET NX`` per person, stage and
  local date), each with a button that opens the right form;
- someone outside their working hours gets their reminder at their next working-hours
  start, if that is still before the deadline;
- no reminder goes to someone away (``bot.slack.away``: an away status emoji or text,
  or presence "away" with do-not-disturb on), asked of Slack afresh at each attempt, not
  cached; they get it at the start of their next working hours if that is still before
  the deadline, and are asked again then (still away: the same again). Being held back
  does not use up the day's one reminder;
- in a stage given one more working day (``bot.slack.autopilot``) and still blocked, a
  reminder is the word of exactly what is missing, at most one such word a day; a word
  held back until someone's working hours stays that word;
- at the deadline the facilitator hears "time's up" with a button to move on; with
  ``auto`` the workshop moves on by itself when the stage's gate passes (publishes, in the
  slicing stage), and otherwise the facilitator is told exactly what is missing;
- the digest is posted in the board's thread at the facilitator's local 09:00, only when
  something changed since the previous one, then scheduled for the next day;
- people's time zones come from ``users.info`` and are cached for a day.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Final, Protocol

from slack_sdk.errors import SlackApiError

from bot.domain import commands as c
from bot.domain.effects import PlanTheSchedule, ProposePlan
from bot.domain.model import Stage, Workshop
from bot.domain.when import WorkingHours, local_date, next_local_time, slack_date
from bot.render.ids import ACTIVITIES_ANCHOR, ActionId, Ref
from bot.render.message import Message
from bot.render.nudges import digest_text, nudge_message, times_up_message
from bot.service import WorkshopService
from bot.slack.autopilot import FIX, Autopilot
from bot.slack.away import ask_away
from bot.slack.notices import RunJob
from bot.slack.refs import Refs
from bot.slack.scheduler import Job, Scheduler
from bot.slack.zones import TZ_CACHE_SECONDS, zone_of
from bot.store import RedisClient
from bot.store.keys import Keys, bot_user_key

log = logging.getLogger(__name__)

REMINDERS_BEFORE: Final = (timedelta(hours=24), timedelta(hours=2))
DIGEST_HOUR: Final = 9


class SlackCalls(Protocol):
    """The performer's budgeted Web API call."""

    def __call__(self, method: str, **args: object) -> dict[str, object]: ...


class JobRunner:
    def __init__(
        self,
        client: RedisClient,
        service: WorkshopService,
        scheduler: Scheduler,
        call: SlackCalls,
        *,
        clock: Callable[[], datetime],
        hours: WorkingHours | None = None,
    ) -> None:
        self._redis = client
        self._service = service
        self._scheduler = scheduler
        self._call = call
        self._clock = clock
        self._hours = hours or WorkingHours()
        self.autopilot = Autopilot(self, client, service, call)

    # ----- scheduling -----------------------------------------------------------------

    def deadline_set(self, w: Workshop, stage: Stage, at: datetime) -> None:
        now = self._clock()
        for before in REMINDERS_BEFORE:
            if at - before > now:
                job = Job(kind="nudge", number=w.number, due=at - before, stage=stage, deadline=at)
                self._scheduler.schedule(w.team_id, w.channel_id, job)
        job = Job(kind="deadline", number=w.number, due=at, stage=stage, deadline=at)
        self._scheduler.schedule(w.team_id, w.channel_id, job)

    def workshop_started(self, w: Workshop) -> None:
        due = next_local_time(self._clock(), self.tz(w.team_id, w.facilitator), DIGEST_HOUR, 0)
        # The first digest tells everything since the start.
        job = Job(kind="digest", number=w.number, due=due, snapshot={})
        self._scheduler.schedule(w.team_id, w.channel_id, job)

    # ----- running ----------------------------------------------------------------------

    def perform(
        self, w: Workshop, refs: Refs, effect: RunJob | PlanTheSchedule | ProposePlan
    ) -> None:
        """A due job, or the work of a workshop that runs itself (``bot.slack.autopilot``)."""
        if isinstance(effect, RunJob):
            self.run(w, refs, effect.job)
        else:
            self.autopilot.perform(w, refs, effect)

    def run(self, w: Workshop, refs: Refs, job: Job) -> None:
        if not w.stage.is_open:
            return  # jobs of a published or cancelled workshop are dropped
        if job.kind == "digest":
            self._digest(w, refs, job)
            return
        deadline = w.deadline
        if deadline is None or deadline.stage is not job.stage or deadline.at != job.deadline:
            return  # the stage moved on or the deadline changed: this job is stale
        if job.kind == "deadline":
            self._times_up(w, refs)
        elif self._clock() >= deadline.at:
            return  # a reminder run late (after an outage, say) is no use any more
        elif job.kind == "nudge":
            for user in self.missing(w):
                try:
                    self._remind(w, user)
                except SlackApiError as failure:  # one person's DM must not stop the rest
                    log.warning("reminder to %s failed: %s", user, failure.response.get("error"))
        elif job.kind == "nudge_user" and job.user is not None:
            if job.about == FIX:
                self.autopilot.fix_later(w, job.user)
            elif job.user in self.missing(w):
                self._remind(w, job.user)

    def _remind(self, w: Workshop, user: str) -> None:
        """``user``'s reminder (someone who has not contributed); in a stage given one more
        working day and still blocked, the word of what is missing instead (at most one of
        them a day)."""
        extended = w.deadline is not None and w.deadline.extended
        if extended and self.autopilot.fix_later(w, user, missing=True):
            return
        self.nudge(w, user)

    def missing(self, w: Workshop) -> list[str]:
        """Channel members who have not contributed to this stage and did not mute."""
        if w.stage is Stage.SLICING:
            return []  # only the facilitator slices
        data = self._call("conversations_members", channel=w.channel_id, limit=1000)
        members = [str(m) for m in data.get("members", [])]  # type: ignore[attr-defined]
        # The facilitator hears "time's up" instead of reminders.
        done = set(w.contributed(w.stage)) | set(w.muted) | {w.facilitator}
        bot = self.bot_user(w.team_id)
        return [m for m in members if m not in done and m != bot]

    def nudge(
        self,
        w: Workshop,
        user: str,
        build: Callable[[], Message] | None = None,
        *,
        about: str = "",
    ) -> None:
        """``user``'s reminder (or ``build()``'s message, counted apart by ``about``), now
        if it is their working time and they are not away, else later (see the rules)."""
        now = self._clock()
        deadline = w.deadline
        if deadline is None:
            return
        fetched: list[dict[str, object]] = []

        def users_info() -> dict[str, object]:
            data = self._call("users_info", user=user)
            fetched.append(data)
            return data

        tz = zone_of(self._redis, w.team_id, user, users_info) or "UTC"
        if not self._hours.contains(now, tz):
            self._nudge_later(w, user, self._hours.next_start(now, tz), deadline.at, about)
            return
        once = Keys(w.team_id, w.channel_id).nudged(w.number, w.stage.value + about, user)
        once += local_date(now, tz).isoformat()
        if self._redis.exists(once):
            return  # reminded today already: no need to ask Slack whether they are away
        # Asked afresh at every attempt (never cached): a status changes within a day.
        reason = ask_away(self._call, user, now, fetched[0] if fetched else None)
        if reason is not None:
            log.info("reminder to %s held back (%s)", user, reason)
            self._nudge_later(w, user, self._hours.next_shift(now, tz), deadline.at, about)
            return
        if not self._redis.set(once, "1", nx=True, ex=3 * 24 * 3600):
            return
        message = (
            build()
            if build is not None
            else nudge_message(w, user, self.way_in(w), slack_date(deadline.at))
        )
        self._call("chat_postMessage", channel=user, text=message.text, blocks=message.blocks)

    def _nudge_later(
        self, w: Workshop, user: str, at: datetime, deadline: datetime, about: str = ""
    ) -> None:
        """``user``'s own reminder (or word ``about`` something) at ``at``, when that is
        still before the deadline."""
        if at >= deadline:
            return
        job = Job(
            kind="nudge_user",
            number=w.number,
            due=at,
            stage=w.stage,
            deadline=deadline,
            user=user,
            about=about,
        )
        self._scheduler.schedule(w.team_id, w.channel_id, job)

    def way_in(self, w: Workshop) -> tuple[str, str, Ref]:
        """The button of a reminder: the form for the first thing still missing."""
        ref = Ref(number=w.number, stage=w.stage, channel=w.channel_id)
        if w.stage is Stage.PERSONA:
            return "Set persona", ActionId.OPEN_PERSONA_MODAL, ref
        if w.stage is Stage.ACTIVITIES:
            anchor = ACTIVITIES_ANCHOR
            return (
                "Add activities",
                ActionId.OPEN_ADD_MODAL,
                ref.model_copy(update={"anchor": anchor}),
            )
        if w.stage is Stage.TASKS and w.activities:
            target = min(w.activities, key=lambda a: len(w.tasks_of(a.id)))
            label = f"Add tasks under {target.id}"
            return label, ActionId.OPEN_ADD_MODAL, ref.model_copy(update={"anchor": target.id})
        if w.stage is Stage.STORIES and w.tasks:
            target_task = min(w.tasks, key=lambda t: len(w.stories_of(t.id)))
            label = f"Add stories under {target_task.id}"
            return label, ActionId.OPEN_ADD_MODAL, ref.model_copy(update={"anchor": target_task.id})
        return "My votes", ActionId.SHOW_STATUS, ref

    def _times_up(self, w: Workshop, refs: Refs) -> None:
        deadline = w.deadline
        if deadline is None:
            return
        stage = w.stage
        if deadline.auto:
            command: c.Command = (
                c.Publish()
                if stage is Stage.SLICING
                else c.Next(seen_stage=stage, by_deadline=True)
            )
            reply = self._service.handle(w.team_id, w.channel_id, w.facilitator, command)
            if reply.ok:
                return  # the move announces itself in the thread, like any move
            if w.schedule is not None and self.autopilot.stuck(w, deadline):
                return  # moved one working day, or the facilitator asked
            text = (
                f"Time's up for *{stage.label}*, but the workshop could not move on: {reply.text}"
            )
        else:
            text = f"Time's up for *{stage.label}*."
        message = times_up_message(w, text)
        self._call(
            "chat_postEphemeral",
            channel=w.channel_id,
            user=w.facilitator,
            text=message.text,
            blocks=message.blocks,
        )

    def _digest(self, w: Workshop, refs: Refs, job: Job) -> None:
        now = snapshot(w)
        text = digest_text(job.snapshot or {}, now)
        if text is not None and (board := refs.get("board")) is not None:
            self._call("chat_postMessage", channel=w.channel_id, thread_ts=board, text=text)
        due = next_local_time(self._clock(), self.tz(w.team_id, w.facilitator), DIGEST_HOUR, 0)
        following = Job(kind="digest", number=w.number, due=due, snapshot=now)
        self._scheduler.schedule(w.team_id, w.channel_id, following)

    # ----- people -------------------------------------------------------------------------

    def tz(self, team_id: str, user: str) -> str:
        zone = zone_of(self._redis, team_id, user, lambda: self._call("users_info", user=user))
        return zone or "UTC"

    def bot_user(self, team_id: str) -> str:
        key = bot_user_key(team_id)
        cached = self._redis.get(key)
        if cached is not None:
            return cached.decode() if isinstance(cached, bytes) else str(cached)
        user = str(self._call("auth_test").get("user_id", ""))
        self._redis.set(key, user, ex=TZ_CACHE_SECONDS)
        return user


def snapshot(w: Workshop) -> dict[str, Any]:
    return {
        "activities": len(w.activities),
        "tasks": len(w.tasks),
        "stories": len(w.stories),
        "votes": w.total_votes,
        "people": sorted({*w.participants, *w.contributed(Stage.VOTING)}),
    }
