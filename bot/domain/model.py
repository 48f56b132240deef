"""The workshop as data: frozen pydantic models, persisted as JSON.

Rules this module keeps:
- every model is frozen; a change is a new value (``model_copy(update=...)``);
- item ids are a letter and a number (``A1``, ``T3``, ``S12``) drawn from per-kind
  counters that only grow, so an id is never reused within a workshop;
- votes are a sorted tuple of voters per story, a voter repeated once per vote they put
  on it (at most ``WorkshopSettings.vote_cap``; the cap is 1 in emoji voting, one
  reaction per person per message), so equal states serialise equally;
- in blind voting the counts are hidden (``counts_hidden``) until voting is closed:
  ``vote_count``, ``total_votes`` and the priority by votes are what people may see;
- the priority of the stories under a task is total and deterministic: the
  facilitator's explicit order first, then votes descending, then creation order.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field


class Frozen(BaseModel):
    """Base of every persisted model: immutable, strict about unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Stage(StrEnum):
    PERSONA = "persona"
    ACTIVITIES = "activities"
    TASKS = "tasks"
    STORIES = "stories"
    VOTING = "voting"
    SLICING = "slicing"
    PUBLISHED = "published"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return STAGE_TITLES[self]

    @property
    def is_open(self) -> bool:
        return self not in (Stage.PUBLISHED, Stage.CANCELLED)


#: The stages ``next`` and ``back`` walk through, in the seed's order.
STAGE_ORDER: tuple[Stage, ...] = (
    Stage.PERSONA,
    Stage.ACTIVITIES,
    Stage.TASKS,
    Stage.STORIES,
    Stage.VOTING,
    Stage.SLICING,
)

STAGE_TITLES: dict[Stage, str] = {
    Stage.PERSONA: "Persona",
    Stage.ACTIVITIES: "Backbone activities",
    Stage.TASKS: "Tasks",
    Stage.STORIES: "Story cards",
    Stage.VOTING: "Voting",
    Stage.SLICING: "Release slices",
    Stage.PUBLISHED: "Published",
    Stage.CANCELLED: "Cancelled",
}


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("timestamps must carry a time zone")
    return value


UtcDatetime = Annotated[datetime, AfterValidator(_utc)]


class Persona(Frozen):
    text: str
    author: str
    set_at: UtcDatetime


class Activity(Frozen):
    id: str
    text: str
    author: str
    created_at: UtcDatetime
    #: The ``ts`` of the thread reply that added it, if one did (see ``EditReply``).
    source: str | None = None
    #: The Slack message it was made from ("Add to story map"), as a permalink.
    link: str | None = Field(default=None, exclude_if=lambda v: v is None)


class Task(Frozen):
    id: str
    activity_id: str
    text: str
    author: str
    created_at: UtcDatetime
    source: str | None = None
    link: str | None = Field(default=None, exclude_if=lambda v: v is None)


class Story(Frozen):
    id: str
    task_id: str
    text: str
    author: str
    created_at: UtcDatetime
    source: str | None = None
    link: str | None = Field(default=None, exclude_if=lambda v: v is None)


Item = Activity | Task | Story


class ReleaseSlice(Frozen):
    """A slice line across the map. Its position in ``Workshop.slices`` is its release number."""

    name: str
    story_ids: tuple[str, ...]
    #: What the release is for, in the team's words ("ops managers answer 'where is my
    #: truck?' without calling the driver"); empty until someone says.
    outcome: str = ""


DEFAULT_VOTE_BUDGET = 3
MAX_VOTE_BUDGET = 20


class VotingMode(StrEnum):
    #: A reaction with the voting emoji on a story card is a vote; counts show as cast.
    EMOJI = "emoji"
    #: Vote / Unvote buttons on the cards; counts hidden until voting is closed.
    BLIND = "blind"


class WorkshopSettings(Frozen):
    vote_budget: int = Field(default=DEFAULT_VOTE_BUDGET, ge=1, le=MAX_VOTE_BUDGET)
    #: Reaction name (without colons) that counts as a vote on a story card.
    vote_emoji: str = "+1"
    voting_mode: VotingMode = VotingMode.EMOJI
    #: The most votes one person may put on one story (1 in emoji voting).
    vote_cap: int = Field(default=1, ge=1, le=MAX_VOTE_BUDGET)


class Deadline(Frozen):
    """When the current stage should be done; ``auto``: advance by itself if it can."""

    stage: Stage
    at: UtcDatetime
    auto: bool = False
    set_by: str
    #: Moved on one working day because the stage's work was missing at its deadline
    #: (a scheduled stage is moved once by itself; then the facilitator is asked).
    extended: bool = False


class Schedule(Frozen):
    """A workshop that runs itself: each stage's deadline, set once at the start.

    ``deadlines`` holds the stages still to come when it was planned (``bot.domain.fair``
    spreads them over working days, each at a time of day inside working hours for as
    many of the channel's members as possible); every one is ``auto``. ``zones`` is who
    lives where when it was planned (zone name, members), so a deadline moved later lands
    at a fair time too, without asking Slack again.
    """

    days: int
    deadlines: dict[Stage, UtcDatetime]
    zones: tuple[tuple[str, int], ...] = ()
    facilitator_tz: str = "UTC"
    set_by: str


class IdCounters(Frozen):
    """Last number handed out per kind; ids are never reused, even if items go away."""

    A: int = 0
    T: int = 0
    S: int = 0


class Change(Frozen):
    """One entry of the workshop's history: who changed what, when, and how to take it back.

    ``before`` holds each changed slot's value before the change (JSON text; None: the
    slot was empty), which ``undo`` restores; ``after`` holds a digest of each slot's
    value after it, so ``undo`` can tell whether a later change touched the same slot.
    ``places`` says, for each item the change removed or moved, the item it came after
    in its list (None: it was first), so ``undo`` puts it back where it was. Slots are
    ``persona``, an item id (``A3``), ``backbone``, ``tasks:A1``, ``stories:T2`` (the
    order of a list), ``priority:T2`` (the facilitator's order), ``slices``, ``budget``
    (see ``bot.domain.history``).
    """

    seq: int
    actor: str
    at: UtcDatetime
    kind: str
    #: What happened, in words (Slack mrkdwn, user text escaped).
    summary: str
    before: dict[str, str | None] = {}
    after: dict[str, str | None] = {}
    places: dict[str, str | None] = {}
    #: False for stage moves, publishing and undo itself: shown, never taken back.
    undoable: bool = True
    #: The ``seq`` of the undo that took this change back, if one did.
    undone_by: int | None = None


#: How many changes a workshop's history keeps (the oldest go first).
HISTORY_KEPT = 200


class Workshop(Frozen):
    team_id: str
    channel_id: str
    title: str
    facilitator: str
    stage: Stage
    created_at: UtcDatetime
    updated_at: UtcDatetime
    #: The channel's workshop number (1, 2, ...), given by the store when it is first saved.
    number: int = 0
    #: Bumped by the store on every saved change; the compare-and-set token.
    version: int = 0
    settings: WorkshopSettings = WorkshopSettings()
    persona: Persona | None = None
    activities: tuple[Activity, ...] = ()
    tasks: tuple[Task, ...] = ()
    stories: tuple[Story, ...] = ()
    #: story id -> voters (sorted), each repeated once per vote they put on the story;
    #: a story without votes has no entry.
    votes: dict[str, tuple[str, ...]] = {}
    #: task id -> story ids in the facilitator's chosen order (overrides votes).
    story_order: dict[str, tuple[str, ...]] = {}
    slices: tuple[ReleaseSlice, ...] = ()
    counters: IdCounters = IdCounters()
    #: Everyone who has added something or voted, in order of first contribution.
    participants: tuple[str, ...] = ()
    #: stage -> who added something in it (votes are counted from ``votes``).
    contributors: dict[Stage, tuple[str, ...]] = {}
    #: The current stage's deadline, if the facilitator set one (cleared on a move, then
    #: taken from ``schedule`` when the new stage has one there).
    deadline: Deadline | None = None
    #: Each stage's deadline, when the workshop was planned to run itself.
    schedule: Schedule | None = None
    #: People who asked for no reminders (``/storymap mute``).
    muted: tuple[str, ...] = ()
    #: The last ``HISTORY_KEPT`` changes, oldest first (``/storymap history``, ``undo``).
    history: tuple[Change, ...] = ()
    #: The ``seq`` of the last change recorded (numbers only grow).
    changes_made: int = 0
    #: The ``changes_made`` at the last publish: what changed since goes in the changelog.
    published_at_change: int | None = None

    # ----- lookups -------------------------------------------------------------

    def activity(self, activity_id: str) -> Activity | None:
        return next((a for a in self.activities if a.id == activity_id), None)

    def task(self, task_id: str) -> Task | None:
        return next((t for t in self.tasks if t.id == task_id), None)

    def story(self, story_id: str) -> Story | None:
        return next((s for s in self.stories if s.id == story_id), None)

    def tasks_of(self, activity_id: str) -> tuple[Task, ...]:
        return tuple(t for t in self.tasks if t.activity_id == activity_id)

    def stories_of(self, task_id: str) -> tuple[Story, ...]:
        return tuple(s for s in self.stories if s.task_id == task_id)

    def contributed(self, stage: Stage) -> tuple[str, ...]:
        """Who has contributed to ``stage``: added something, or voted in the voting stage."""
        if stage is Stage.VOTING:
            return tuple(sorted({v for voters in self.votes.values() for v in voters}))
        return self.contributors.get(stage, ())

    # ----- votes ---------------------------------------------------------------

    @property
    def counts_hidden(self) -> bool:
        """Blind voting until the facilitator closes voting (moves on to slicing): no
        one may see how many votes a story has, nor an order that follows from it."""
        return (
            self.settings.voting_mode is VotingMode.BLIND
            and self.stage in STAGE_ORDER[: STAGE_ORDER.index(Stage.VOTING) + 1]
        )

    def vote_count(self, story_id: str) -> int:
        """The votes on a story as shown to people: 0 while ``counts_hidden``."""
        return 0 if self.counts_hidden else len(self.votes.get(story_id, ()))

    def votes_on(self, story_id: str, user: str) -> int:
        """How many of ``user``'s votes are on the story (what they may see of it)."""
        return self.votes.get(story_id, ()).count(user)

    def votes_used(self, user: str) -> int:
        return sum(voters.count(user) for voters in self.votes.values())

    def votes_left(self, user: str) -> int:
        return self.settings.vote_budget - self.votes_used(user)

    @property
    def total_votes(self) -> int:
        """All votes cast as shown to people: 0 while ``counts_hidden``."""
        if self.counts_hidden:
            return 0
        return sum(len(voters) for voters in self.votes.values())

    # ----- priority and slices -------------------------------------------------

    def prioritised(self, task_id: str) -> tuple[Story, ...]:
        """Stories under ``task_id``, highest priority first (total, deterministic)."""
        stories = self.stories_of(task_id)
        creation = {s.id: n for n, s in enumerate(self.stories)}
        chosen = [sid for sid in self.story_order.get(task_id, ()) if sid in creation]
        rank = {sid: n for n, sid in enumerate(chosen)}
        return tuple(
            sorted(
                stories,
                key=lambda s: (
                    rank.get(s.id, len(rank)),
                    -self.vote_count(s.id),
                    creation[s.id],
                ),
            )
        )

    def slice_of(self, story_id: str) -> int | None:
        """Index of the release slice holding ``story_id``, if any."""
        for n, release in enumerate(self.slices):
            if story_id in release.story_ids:
                return n
        return None
