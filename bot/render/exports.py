"""The map as files people take away: a Jira CSV, Markdown, and JSON that comes back in.

Pure functions of a ``Workshop`` (no I/O); ``docs/decisions/0011-exports.md`` says why
each format is shaped as it is, and the README's "Exports" section gives the mappings.

Rules kept:
- ``jira_csv``: RFC 4180 (Python's ``csv`` module, every field quoted, CRLF line ends);
  one Epic row per activity, in narrative order, then one Story row per story, in map
  order (activity → task → priority), whose ``Parent`` is its activity's ``Issue ID``;
  tasks are not rows (Jira's hierarchy is Epic > Story) but a label and a line of the
  description; a cell of user text starting with ``=``, ``+``, ``-``, ``@``, a tab or a
  carriage return is prefixed with ``'`` so a spreadsheet opening it runs no formula;
- ``markdown``: the seed's *Correct* example's shape, then a table per release; user
  text is escaped so it cannot make a link, emphasis, a table cell or a new line;
- ``json_export`` / ``json_import``: the map (schema version ``SCHEMA_VERSION``, see
  ``docs/schema/storymap-map-v1.schema.json``) and back; exporting what was imported
  gives the same bytes. ``json_import`` refuses bad input with one line
  (``MapImportError``) naming what and where.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.domain.model import (
    MAX_VOTE_BUDGET,
    Activity,
    IdCounters,
    Persona,
    ReleaseSlice,
    Stage,
    Story,
    Task,
    UtcDatetime,
    VotingMode,
    Workshop,
    WorkshopSettings,
)
from bot.domain.text import LIMITS, MAX_ITEMS, normalise
from bot.render.index import MapIndex, index
from bot.render.text import file_stem

SCHEMA_VERSION: Final = 1

# ----- Jira CSV -----------------------------------------------------------------------

JIRA_COLUMNS: Final = (
    "Issue ID",
    "Issue Type",
    "Summary",
    "Description",
    "Parent",
    "Priority",
    "Fix Version",
    "Labels",
)
#: A story's rank under its task (1 = top) -> Jira's default priorities; rank 5 and
#: below are ``Lowest``.
PRIORITIES: Final = ("Highest", "High", "Medium", "Low", "Lowest")
#: First characters a spreadsheet may read as the start of a formula (OWASP, "CSV
#: Injection"): such a cell gets a leading ``'``.
FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")
#: Jira's longest summary and label.
SUMMARY_CHARS: Final = 255
LABEL_CHARS: Final = 255
_NOT_IN_LABEL = re.compile(r"[^\w]+")
_LINE_BREAKS = re.compile(r"\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]")


def priority(rank: int) -> str:
    """Jira priority of the story ranked ``rank`` (1 = top) under its task."""
    return PRIORITIES[min(rank, len(PRIORITIES)) - 1]


def task_label(task: Task) -> str:
    """A task as a Jira label (labels cannot hold spaces): its id, then its words joined
    by ``-``; every run of characters that is not a letter, digit or ``_`` becomes one
    ``-``. ``T3`` "View real-time map" -> ``T3-View-real-time-map``. The id keeps two
    tasks of the same name apart and the label from starting with a formula sign."""
    words = _NOT_IN_LABEL.sub("-", task.text).strip("-")
    label = f"{task.id}-{words}" if words else task.id
    return label[:LABEL_CHARS]


def defused(cell: str) -> str:
    """``cell`` with a leading ``'`` if a spreadsheet would read it as a formula."""
    return f"'{cell}" if cell.startswith(FORMULA_STARTS) else cell


def _one_line(text: str) -> str:
    return _LINE_BREAKS.sub(" ", text)


def jira_csv(w: Workshop) -> str:
    """The map as a CSV for Jira Cloud's CSV importer (and Linear's Jira CSV import)."""
    ix = index(w)
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(JIRA_COLUMNS)
    epic_ids: dict[str, str] = {}
    for n, activity in enumerate(w.activities, 1):
        epic_ids[activity.id] = str(n)
        writer.writerow(
            _cells(
                str(n),
                "Epic",
                _one_line(activity.text)[:SUMMARY_CHARS],
                _epic_description(w, ix, activity),
                "",
                "",
                "",
                "",
            )
        )
    number = len(w.activities)
    for activity in w.activities:
        for task in ix.tasks_of.get(activity.id, []):
            for rank, story in enumerate(ix.stories_of.get(task.id, []), 1):
                number += 1
                release = ix.release_of.get(story.id)
                writer.writerow(
                    _cells(
                        str(number),
                        "Story",
                        _one_line(story.text)[:SUMMARY_CHARS],
                        _story_description(
                            w, story, where=(activity, task), rank=rank, release=release
                        ),
                        epic_ids[activity.id],
                        priority(rank),
                        w.slices[release].name if release is not None else "",
                        task_label(task),
                    )
                )
    return out.getvalue()


def _cells(*cells: str) -> list[str]:
    return [defused(cell) for cell in cells]


def _epic_description(w: Workshop, ix: MapIndex, activity: Activity) -> str:
    tasks = ix.tasks_of.get(activity.id, [])
    lines = [f"Backbone activity {activity.id} of the story map \u201c{w.title}\u201d."]
    if w.persona is not None:
        lines.append(f"Persona: {w.persona.text}")
    if tasks:
        lines.append("Tasks: " + "; ".join(f"{t.id} {t.text}" for t in tasks))
    return "\n".join(lines)


def _story_description(
    w: Workshop, story: Story, *, where: tuple[Activity, Task], rank: int, release: int | None
) -> str:
    activity, task = where
    lines = [
        f"Story {story.id}, priority {rank} under task {task.id} \u201c{task.text}\u201d "
        f"(activity {activity.id} \u201c{activity.text}\u201d).",
        f"Votes: {w.vote_count(story.id)}.",
    ]
    if release is None:
        lines.append("Not in a release yet.")
    else:
        chosen = w.slices[release]
        lines.append(f"Release {release + 1}: {chosen.name}.")
        if chosen.outcome:
            lines.append(f"Release outcome: {chosen.outcome}")
    return "\n".join(lines)


# ----- Markdown -----------------------------------------------------------------------

#: Characters escaped with a backslash wherever user text goes (CommonMark lets any
#: ASCII punctuation be escaped): links, emphasis, code, HTML, table cells, math.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&$#!(){}])")
#: Width of a release line, as in the seed (``── Release 1: … ──────``).
SLICE_LINE_CHARS: Final = 60


def md(text: str) -> str:
    """User text made safe inside a Markdown line or table cell: one line, every
    character Markdown could act on escaped."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", _one_line(text))


def slice_line(label: str) -> str:
    """``── Release 1: View map + ETA ─────…`` padded to ``SLICE_LINE_CHARS``."""
    head = f"── {label} "
    return head + "─" * max(2, SLICE_LINE_CHARS - len(head))


def markdown(w: Workshop) -> str:
    """The map as the seed's *Correct* example writes it, then a table per release."""
    ix = index(w)
    persona = md(w.persona.text) if w.persona else "_none_"
    backbone = " → ".join(f"[{md(a.text)}]" for a in w.activities) or "_none_"
    lines = [
        f"# Story map: {md(w.title)}",
        "",
        f"Workshop output — Persona: {persona}",
        "",
        "Backbone Activities:",
        backbone,
    ]
    for activity in w.activities:
        lines.extend(_activity_lines(w, ix, activity))
    lines.extend(["", "Release slices agreed:"])
    for n, release in enumerate(w.slices):
        lines.extend(["", slice_line(f"Release {n + 1}: {md(release.name)}")])
        if release.outcome:
            lines.extend(["", f"Outcome: {md(release.outcome)}"])
        lines.extend(["", *_table(w, ix, release.story_ids)])
    if not w.slices:
        lines.extend(["", "_No release slices were drawn._"])
    left = [s.id for t in w.tasks for s in ix.stories_of.get(t.id, []) if s.id not in ix.release_of]
    if left:
        lines.extend(["", slice_line("Not in a release yet"), "", *_table(w, ix, left)])
    return "\n".join(lines) + "\n"


def _activity_lines(w: Workshop, ix: MapIndex, activity: Activity) -> Iterator[str]:
    tasks = ix.tasks_of.get(activity.id, [])
    yield ""
    yield f'Tasks under "{md(activity.text)}":'
    if not tasks:
        yield "- _no tasks_"
    for task in tasks:
        yield f"- {task.id} {md(task.text)}"
    if not tasks:
        return
    yield ""
    yield "Story cards (vertical, priority order):"
    for task in tasks:
        stories = ix.stories_of.get(task.id, [])
        yield f"- {task.id} {md(task.text)}:"
        if not stories:
            yield "  - _no stories_"
        for rank, story in enumerate(stories, 1):
            votes = w.vote_count(story.id)
            tally = f" ({votes} vote{'' if votes == 1 else 's'})" if votes else ""
            yield f"  {rank}. {story.id} {md(story.text)}{tally}"


def _table(w: Workshop, ix: MapIndex, story_ids: Iterable[str]) -> list[str]:
    rows = ["| Story | Text | Task | Activity | Votes |", "| --- | --- | --- | --- | ---: |"]
    for sid in story_ids:
        story = ix.story_by_id.get(sid)
        if story is None:
            continue
        task = ix.task_by_id.get(story.task_id)
        activity = ix.activity_by_id.get(task.activity_id) if task else None
        rows.append(
            f"| {story.id} | {md(story.text)} | "
            f"{f'{task.id} {md(task.text)}' if task else ''} | "
            f"{f'{activity.id} {md(activity.text)}' if activity else ''} | "
            f"{w.vote_count(story.id)} |"
        )
    return rows


# ----- JSON ---------------------------------------------------------------------------


class MapImportError(ValueError):
    """A map file that cannot be imported; the message is one line saying why."""


class _Doc(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)


#: A Slack user id: letters, digits and ``_`` only, so it is safe inside ``<@...>``.
_USER = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_]+$")
#: The Slack message an item was made from ("Add to story map"): a plain https URL.
_LINK = Field(default=None, max_length=500, pattern=r"^https://[^\s<>|]+$")


class PersonaDoc(_Doc):
    text: str = Field(min_length=1, max_length=LIMITS["persona"])
    author: str = _USER
    set_at: UtcDatetime


class ActivityDoc(_Doc):
    id: str = Field(pattern=r"^A[1-9][0-9]{0,5}$")
    text: str = Field(min_length=1, max_length=LIMITS["activity"])
    author: str = _USER
    created_at: UtcDatetime
    link: str | None = _LINK


class TaskDoc(_Doc):
    id: str = Field(pattern=r"^T[1-9][0-9]{0,5}$")
    activity_id: str
    text: str = Field(min_length=1, max_length=LIMITS["task"])
    author: str = _USER
    created_at: UtcDatetime
    link: str | None = _LINK


class StoryDoc(_Doc):
    id: str = Field(pattern=r"^S[1-9][0-9]{0,5}$")
    task_id: str
    text: str = Field(min_length=1, max_length=LIMITS["story"])
    author: str = _USER
    created_at: UtcDatetime
    link: str | None = _LINK


class SliceDoc(_Doc):
    name: str = Field(min_length=1, max_length=LIMITS["release"])
    outcome: str = Field(max_length=LIMITS["outcome"])
    story_ids: tuple[str, ...] = Field(min_length=1)


class SettingsDoc(_Doc):
    vote_budget: int = Field(ge=1, le=MAX_VOTE_BUDGET)
    vote_emoji: str = Field(min_length=1, max_length=100)
    #: Written only when not the default (emoji voting, one vote per person per card).
    voting_mode: VotingMode = VotingMode.EMOJI
    vote_cap: int = Field(default=1, ge=1, le=MAX_VOTE_BUDGET)


class CountersDoc(_Doc):
    A: int = Field(ge=0)
    T: int = Field(ge=0)
    S: int = Field(ge=0)


class MapDocument(_Doc):
    """The file's shape; ``docs/schema/storymap-map-v1.schema.json`` describes the same."""

    schema_version: Literal[1]
    title: str = Field(min_length=1, max_length=LIMITS["title"])
    stage: Stage
    facilitator: str = _USER
    created_at: UtcDatetime
    persona: PersonaDoc | None
    settings: SettingsDoc
    activities: tuple[ActivityDoc, ...] = Field(max_length=MAX_ITEMS["activity"])
    tasks: tuple[TaskDoc, ...] = Field(max_length=MAX_ITEMS["task"])
    stories: tuple[StoryDoc, ...] = Field(max_length=MAX_ITEMS["story"])
    votes: dict[str, tuple[str, ...]]
    story_order: dict[str, tuple[str, ...]]
    slices: tuple[SliceDoc, ...]
    counters: CountersDoc
    participants: tuple[str, ...]


def json_export(w: Workshop) -> str:
    """The map as JSON (UTF-8 text, two-space indent, keys in the schema's order)."""
    document: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "title": w.title,
        "stage": w.stage.value,
        "facilitator": w.facilitator,
        "created_at": _iso(w.created_at),
        "persona": None
        if w.persona is None
        else {
            "text": w.persona.text,
            "author": w.persona.author,
            "set_at": _iso(w.persona.set_at),
        },
        "settings": _settings(w),
        "activities": [
            _linked(
                {"id": a.id, "text": a.text, "author": a.author, "created_at": _iso(a.created_at)},
                a.link,
            )
            for a in w.activities
        ],
        "tasks": [
            _linked(
                {
                    "id": t.id,
                    "activity_id": t.activity_id,
                    "text": t.text,
                    "author": t.author,
                    "created_at": _iso(t.created_at),
                },
                t.link,
            )
            for t in w.tasks
        ],
        "stories": [
            _linked(
                {
                    "id": s.id,
                    "task_id": s.task_id,
                    "text": s.text,
                    "author": s.author,
                    "created_at": _iso(s.created_at),
                },
                s.link,
            )
            for s in w.stories
        ],
        "votes": {}
        if w.counts_hidden  # blind voting: nobody sees votes before voting closes
        else {s.id: sorted(w.votes[s.id]) for s in w.stories if w.votes.get(s.id)},
        "story_order": {t.id: list(w.story_order[t.id]) for t in w.tasks if t.id in w.story_order},
        "slices": [
            {"name": r.name, "outcome": r.outcome, "story_ids": list(r.story_ids)} for r in w.slices
        ],
        "counters": {"A": w.counters.A, "T": w.counters.T, "S": w.counters.S},
        "participants": list(w.participants),
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def _settings(w: Workshop) -> dict[str, Any]:
    """The voting settings; the mode and the per-card cap only when not the default."""
    settings: dict[str, Any] = {
        "vote_budget": w.settings.vote_budget,
        "vote_emoji": w.settings.vote_emoji,
    }
    if w.settings.voting_mode is not VotingMode.EMOJI:
        settings["voting_mode"] = w.settings.voting_mode.value
    if w.settings.vote_cap != 1:
        settings["vote_cap"] = w.settings.vote_cap
    return settings


def _linked(item: dict[str, Any], link: str | None) -> dict[str, Any]:
    """An item's fields, with the message it came from when it came from one."""
    return {**item, "link": link} if link is not None else item


def _iso(value: datetime) -> str:
    return value.isoformat()


def json_import(text: str, *, team_id: str = "", channel_id: str = "") -> Workshop:
    """The workshop a ``json_export`` file describes, in ``team_id``/``channel_id``
    (number and version 0, no history: the store numbers it when it is saved).

    Texts are normalised as the bot stores them (one space between words, no invisible
    characters), so a hand-edited file cannot bring in what the bot would not keep.
    Raises ``MapImportError`` with one line naming the first problem found.
    """
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as bad:
        raise MapImportError(
            f"not JSON: {bad.msg} at line {bad.lineno}, column {bad.colno}"
        ) from None
    if not isinstance(raw, dict):
        raise MapImportError("not a story map: the file must hold one JSON object")
    version = raw.get("schema_version")
    if version is None:
        raise MapImportError("not a story map export: schema_version is missing")
    if version != SCHEMA_VERSION:
        raise MapImportError(
            f"schema_version {json.dumps(version)} is not supported; "
            f"this version of storymap reads {SCHEMA_VERSION}"
        )
    try:
        doc = MapDocument.model_validate_json(text)
    except ValidationError as bad:
        raise MapImportError(_first_problem(bad)) from None
    return _workshop(_checked(doc), team_id, channel_id)


def _first_problem(error: ValidationError) -> str:
    problems = error.errors(include_url=False)
    first = problems[0]
    where = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in first["loc"])
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return _one_line(f"{where.lstrip('.') or 'the map'}: {first['msg']}{more}")


def _texts(doc: MapDocument) -> MapDocument:
    """``doc`` with every text normalised; refused when one is left empty."""

    def norm(value: str, where: str) -> str:
        cleaned = normalise(value)
        if not cleaned:
            raise MapImportError(f"{where}: the text is empty once spaces are trimmed")
        return cleaned

    return doc.model_copy(
        update={
            "title": norm(doc.title, "title"),
            "persona": None
            if doc.persona is None
            else doc.persona.model_copy(update={"text": norm(doc.persona.text, "persona.text")}),
            "activities": tuple(
                a.model_copy(update={"text": norm(a.text, f"activity {a.id}")})
                for a in doc.activities
            ),
            "tasks": tuple(
                t.model_copy(update={"text": norm(t.text, f"task {t.id}")}) for t in doc.tasks
            ),
            "stories": tuple(
                s.model_copy(update={"text": norm(s.text, f"story {s.id}")}) for s in doc.stories
            ),
            "slices": tuple(
                r.model_copy(
                    update={
                        "name": norm(r.name, f"slices[{n}].name"),
                        "outcome": normalise(r.outcome),
                    }
                )
                for n, r in enumerate(doc.slices)
            ),
        }
    )


def _unique(ids: Sequence[str], what: str) -> None:
    seen: set[str] = set()
    for item_id in ids:
        if item_id in seen:
            raise MapImportError(f"{what}: {item_id} appears twice")
        seen.add(item_id)


def _checked(doc: MapDocument) -> MapDocument:
    """``doc`` normalised, once every reference in it is known to resolve."""
    doc = _texts(doc)
    _unique([a.id for a in doc.activities], "activities")
    _unique([t.id for t in doc.tasks], "tasks")
    _unique([s.id for s in doc.stories], "stories")
    activities = {a.id for a in doc.activities}
    tasks = {t.id: t for t in doc.tasks}
    stories = {s.id: s for s in doc.stories}
    for task in doc.tasks:
        if task.activity_id not in activities:
            raise MapImportError(f"task {task.id}: its activity {task.activity_id} does not exist")
    for story in doc.stories:
        if story.task_id not in tasks:
            raise MapImportError(f"story {story.id}: its task {story.task_id} does not exist")
    _check_votes_and_order(doc, tasks, stories)
    _check_slices(doc, set(stories))
    for kind, items in (("A", doc.activities), ("T", doc.tasks), ("S", doc.stories)):
        highest = max((int(item.id[1:]) for item in items), default=0)
        if highest > getattr(doc.counters, kind):
            raise MapImportError(
                f"counters.{kind} is {getattr(doc.counters, kind)} but {kind}{highest} exists; "
                "ids are handed out from the counter, so it must be at least the highest id"
            )
    _unique(doc.participants, "participants")
    return doc


def _check_votes_and_order(
    doc: MapDocument, tasks: dict[str, TaskDoc], stories: dict[str, StoryDoc]
) -> None:
    for story_id, voters in doc.votes.items():
        if story_id not in stories:
            raise MapImportError(f"votes: story {story_id} does not exist")
        if not voters:
            raise MapImportError(f"votes: story {story_id} has an empty list of voters")
        for voter in set(voters):
            if voters.count(voter) > doc.settings.vote_cap:
                raise MapImportError(
                    f"votes on {story_id}: {voter} has {voters.count(voter)} votes on it, "
                    f"over the per-card cap of {doc.settings.vote_cap}"
                )
    for task_id, order in doc.story_order.items():
        if task_id not in tasks:
            raise MapImportError(f"story_order: task {task_id} does not exist")
        _unique(order, f"story_order of {task_id}")
        for story_id in order:
            found = stories.get(story_id)
            if found is None:
                raise MapImportError(f"story_order of {task_id}: story {story_id} does not exist")
            if found.task_id != task_id:
                raise MapImportError(
                    f"story_order of {task_id}: story {story_id} is under {found.task_id}"
                )


def _check_slices(doc: MapDocument, stories: set[str]) -> None:
    holder: dict[str, str] = {}
    names: set[str] = set()
    for n, release in enumerate(doc.slices, 1):
        folded = release.name.casefold()
        if folded in names:
            raise MapImportError(f"slices: two releases are named \u201c{release.name}\u201d")
        names.add(folded)
        for story_id in release.story_ids:
            if story_id not in stories:
                raise MapImportError(
                    f"release {n} \u201c{release.name}\u201d: story {story_id} does not exist"
                )
            if story_id in holder:
                raise MapImportError(
                    f"release {n} \u201c{release.name}\u201d: story {story_id} is already in "
                    f"\u201c{holder[story_id]}\u201d; a story belongs to one release"
                )
            holder[story_id] = release.name


def _workshop(doc: MapDocument, team_id: str, channel_id: str) -> Workshop:
    persona = doc.persona
    return Workshop(
        team_id=team_id,
        channel_id=channel_id,
        title=doc.title,
        facilitator=doc.facilitator,
        stage=doc.stage,
        created_at=doc.created_at,
        updated_at=doc.created_at,
        settings=WorkshopSettings(
            vote_budget=doc.settings.vote_budget,
            vote_emoji=doc.settings.vote_emoji,
            voting_mode=doc.settings.voting_mode,
            vote_cap=doc.settings.vote_cap,
        ),
        persona=None
        if persona is None
        else Persona(text=persona.text, author=persona.author, set_at=persona.set_at),
        activities=tuple(
            Activity(id=a.id, text=a.text, author=a.author, created_at=a.created_at, link=a.link)
            for a in doc.activities
        ),
        tasks=tuple(
            Task(
                id=t.id,
                activity_id=t.activity_id,
                text=t.text,
                author=t.author,
                created_at=t.created_at,
                link=t.link,
            )
            for t in doc.tasks
        ),
        stories=tuple(
            Story(
                id=s.id,
                task_id=s.task_id,
                text=s.text,
                author=s.author,
                created_at=s.created_at,
                link=s.link,
            )
            for s in doc.stories
        ),
        votes={sid: tuple(sorted(voters)) for sid, voters in doc.votes.items()},
        story_order=dict(doc.story_order),
        slices=tuple(
            ReleaseSlice(name=r.name, story_ids=r.story_ids, outcome=r.outcome) for r in doc.slices
        ),
        counters=IdCounters(A=doc.counters.A, T=doc.counters.T, S=doc.counters.S),
        participants=doc.participants,
    )


# ----- the formats, by the name people type ---------------------------------------

ExportName = Literal["jira", "markdown", "json"]


@dataclass(frozen=True)
class ExportFormat:
    """One way to take the map away: how it is named, and how it is written."""

    name: ExportName
    #: What people call it ("Jira CSV").
    label: str
    extension: str
    render: Callable[[Workshop], str]

    def filename(self, w: Workshop) -> str:
        """``storymap-delivery-tracking-jira.csv``: the title in plain letters."""
        return f"{file_stem(w.title)}-{self.name}.{self.extension}"


FORMATS: Final[dict[str, ExportFormat]] = {
    f.name: f
    for f in (
        ExportFormat("jira", "Jira CSV", "csv", jira_csv),
        ExportFormat("markdown", "Markdown", "md", markdown),
        ExportFormat("json", "JSON", "json", json_export),
    )
}
