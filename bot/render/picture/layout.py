"""Where everything goes on the map picture: a pure layout model, drawn by ``draw``.

Rules kept:
- the persona and the title are on top, with a one-line summary;
- activities are columns left to right in narrative order, each as wide as its tasks;
  tasks sit beneath their activity, in order; an activity without tasks still gets one
  column, so the backbone is whole;
- under the tasks, one lane per release in release order, then a lane for the stories in
  no release; each lane opens with a line across the whole band, labelled with the
  release's name and outcome; a task's stories are stacked in its column in priority
  order, each card with its id and vote count;
- a band holds at most ``MAX_COLUMNS`` task columns: a wider map is cut between
  activities into bands stacked top to bottom (an activity with more tasks than a band
  holds is continued in the next band, marked "continued"), each band with its own
  activity and task rows and its own release lines, so text never shrinks;
- when there is a release, every activity ``skeleton_gaps`` names has a red stripe along
  its foot and a "no story in Release 1" mark across its columns in Release 1's lane;
- all text is wrapped to its box, never cut: boxes grow to hold it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from bot.domain.model import Activity, Task, Workshop
from bot.domain.skeleton import skeleton_gaps
from bot.render.picture.glyphs import Face, census, font, wrap

MARGIN: Final = 48
#: A task column's pitch: its card width plus the gutter to the next column.
CARD_W: Final = 210
GUTTER: Final = 18
COLUMN: Final = CARD_W + GUTTER
#: The most task columns side by side; a wider map is wrapped into bands.
MAX_COLUMNS: Final = 12
#: The narrowest picture: room for the title and a release's outcome.
MIN_WIDTH: Final = 960
PAD: Final = 10
CARD_GAP: Final = 10
ROW_GAP: Final = 12
BAND_GAP: Final = 56
#: The red stripe along the foot of an activity Release 1 leaves out.
STRIPE: Final = 6

#: Text sizes in pixels.
TITLE: Final = 36
PERSONA: Final = 21
SUMMARY: Final = 15
ACTIVITY: Final = 19
TASK: Final = 16
STORY: Final = 16
META: Final = 13
RELEASE: Final = 19
OUTCOME: Final = 16
NOTE: Final = 15


def line_height(size: int) -> int:
    return round(size * 1.35)


def ascent(style: Face, size: int) -> int:
    return font(style, size).getmetrics()[0]


@dataclass(frozen=True)
class Box:
    x: int
    y: int
    w: int
    h: int

    @property
    def right(self) -> int:
        return self.x + self.w

    @property
    def bottom(self) -> int:
        return self.y + self.h

    def contains(self, other: Box) -> bool:
        return (
            self.x <= other.x
            and self.y <= other.y
            and other.right <= self.right
            and other.bottom <= self.bottom
        )


@dataclass(frozen=True)
class Text:
    """Wrapped lines drawn from ``x, y`` (top left of the first line)."""

    x: int
    y: int
    lines: tuple[str, ...]
    style: Face
    size: int

    @property
    def height(self) -> int:
        return len(self.lines) * line_height(self.size)


@dataclass(frozen=True)
class Heading:
    box: Box
    title: Text
    persona: Text | None
    summary: Text


@dataclass(frozen=True)
class ActivityBox:
    id: str
    band: int
    box: Box
    text: Text
    #: True for the part of a wide activity carried into the next band.
    continued: bool
    #: Release 1 gives it no story (only when there is a release): a red stripe along
    #: its foot, over the "no story in Release 1" mark in Release 1's lane.
    gap: bool
    stripe: Box | None


@dataclass(frozen=True)
class TaskBox:
    id: str
    activity_id: str
    band: int
    box: Box
    text: Text


@dataclass(frozen=True)
class StoryCard:
    id: str
    task_id: str
    #: The release index (0 is Release 1), None: in no release.
    release: int | None
    votes: int
    band: int
    box: Box
    text: Text
    meta: str


@dataclass(frozen=True)
class ReleaseLine:
    """The line that opens a release's lane in one band; ``index`` None: no release."""

    index: int | None
    band: int
    #: The line itself, drawn across the band at ``y``.
    y: int
    x0: int
    x1: int
    label: Text
    outcome: Text | None


@dataclass(frozen=True)
class GapMark:
    """Release 1's placeholder under an activity that it gives no story."""

    activity_id: str
    band: int
    box: Box
    text: Text


@dataclass(frozen=True)
class MapLayout:
    width: int
    height: int
    heading: Heading
    bands: tuple[Box, ...]
    activities: tuple[ActivityBox, ...]
    tasks: tuple[TaskBox, ...]
    stories: tuple[StoryCard, ...]
    releases: tuple[ReleaseLine, ...]
    gaps: tuple[GapMark, ...]
    #: Said in place of the map while it has no activity yet.
    empty: Text | None
    #: How many characters no bundled font could draw (shown as the replacement mark).
    missing: int
    #: How many characters are drawn as colour emoji.
    emoji: int
    note: Text | None


#: A column: an activity and one of its tasks (None: the activity has no task yet).
Column = tuple[Activity, Task | None]


def _pack(backbone: list[list[Column]], cap: int) -> list[list[Column]]:
    """Columns in bands of at most ``cap``, cut between activities where one fits."""
    bands: list[list[Column]] = [[]]
    for columns in backbone:
        if len(bands[-1]) + len(columns) > cap and bands[-1]:
            bands.append([])
        for column in columns:
            if len(bands[-1]) == cap:
                bands.append([])
            bands[-1].append(column)
    return bands


def _bands(w: Workshop) -> list[list[Column]]:
    """The fewest bands of at most ``MAX_COLUMNS``, as even in width as whole activities
    allow (so the last band is not a sliver under a wide picture)."""
    backbone: list[list[Column]] = [
        [(a, t) for t in w.tasks_of(a.id)] or [(a, None)] for a in w.activities
    ]
    if not backbone:
        return []
    fewest = len(_pack(backbone, MAX_COLUMNS))
    total = sum(len(columns) for columns in backbone)
    for cap in range(-(-total // fewest), MAX_COLUMNS):
        bands = _pack(backbone, cap)
        if len(bands) <= fewest:
            return bands
    return _pack(backbone, MAX_COLUMNS)


def _text(x: int, y: int, text: str, *, style: Face, size: int, width: int) -> Text:
    return Text(x, y, wrap(text, style, size, width), style, size)


def plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one}" if n == 1 else f"{n} {many or one + 's'}"


def release_label(index: int, name: str) -> str:
    """``Release 2 · Delay alerts``; a release named only by its number is not said twice."""
    number = f"Release {index + 1}"
    return name if name.casefold() == number.casefold() else f"{number} · {name}"


class _Builder:
    """Lays ``w`` out top to bottom; ``y`` is the next free row."""

    def __init__(self, w: Workshop) -> None:
        self.w = w
        self.bands_columns = _bands(w)
        widest = max((len(b) for b in self.bands_columns), default=0)
        self.width = max(MIN_WIDTH, 2 * MARGIN + widest * COLUMN - GUTTER)
        self.inner = self.width - 2 * MARGIN
        self.slice_of = {sid: n for n, s in enumerate(w.slices) for sid in s.story_ids}
        self.gaps = {a.id for a in skeleton_gaps(w)}
        self.prioritised = {t.id: w.prioritised(t.id) for t in w.tasks}
        self.y = MARGIN
        self.activities: list[ActivityBox] = []
        self.tasks: list[TaskBox] = []
        self.stories: list[StoryCard] = []
        self.releases: list[ReleaseLine] = []
        self.marks: list[GapMark] = []
        self.bands: list[Box] = []
        self.seen: set[str] = set()

    def heading(self) -> Heading:
        w = self.w
        title = _text(MARGIN, self.y, w.title, style=Face.BOLD, size=TITLE, width=self.inner)
        self.y += title.height + 4
        persona = None
        if w.persona is not None:
            persona = _text(
                MARGIN,
                self.y,
                f"For: {w.persona.text}",
                style=Face.REGULAR,
                size=PERSONA,
                width=self.inner,
            )
            self.y += persona.height + 4
        counts = " · ".join(
            (
                plural(len(w.activities), "activity", "activities"),
                plural(len(w.tasks), "task"),
                plural(len(w.stories), "story", "stories"),
                plural(w.total_votes, "vote"),
                plural(len(w.slices), "release"),
            )
        )
        summary = _text(MARGIN, self.y, counts, style=Face.REGULAR, size=SUMMARY, width=self.inner)
        self.y += summary.height
        box = Box(MARGIN, MARGIN, self.inner, self.y - MARGIN)
        self.y += BAND_GAP // 2
        return Heading(box, title, persona, summary)

    def band(self, band: int, columns: list[Column]) -> None:
        top = self.y
        right = MARGIN + len(columns) * COLUMN - GUTTER
        if len(self.bands_columns) == 1:
            right = max(right, MARGIN + self.inner)
        self.activity_row(band, columns)
        self.task_row(band, columns)
        for lane in [*range(len(self.w.slices)), None]:
            self.lane(band, columns, lane, right)
        self.bands.append(Box(MARGIN, top, right - MARGIN, self.y - top))

    def activity_row(self, band: int, columns: list[Column]) -> None:
        segments: list[tuple[Activity, int, int]] = []  # activity, first column, count
        for n, (activity, _) in enumerate(columns):
            if segments and segments[-1][0].id == activity.id:
                a, first, count = segments[-1]
                segments[-1] = (a, first, count + 1)
            else:
                segments.append((activity, n, 1))
        y = self.y
        row: list[tuple[Activity, Box, Text, bool]] = []
        for activity, first, count in segments:
            x = MARGIN + first * COLUMN
            box_w = count * COLUMN - GUTTER
            continued = activity.id in self.seen
            self.seen.add(activity.id)
            name = f"{activity.text} (continued)" if continued else activity.text
            text = _text(
                x + PAD, y + PAD, name, style=Face.BOLD, size=ACTIVITY, width=box_w - 2 * PAD
            )
            row.append((activity, Box(x, y, box_w, 0), text, continued))
        height = max(2 * PAD + text.height for _, _, text, _ in row) + STRIPE
        for activity, box, text, continued in row:
            gap = activity.id in self.gaps
            stripe = Box(box.x, y + height - STRIPE, box.w, STRIPE) if gap else None
            self.activities.append(
                ActivityBox(
                    activity.id, band, Box(box.x, y, box.w, height), text, continued, gap, stripe
                )
            )
        self.y += height + ROW_GAP

    def task_row(self, band: int, columns: list[Column]) -> None:
        y = self.y
        texts: list[tuple[Task, int, Text]] = []
        for n, (_, task) in enumerate(columns):
            if task is not None:
                x = MARGIN + n * COLUMN
                text = _text(
                    x + PAD, y + PAD, task.text, style=Face.BOLD, size=TASK, width=CARD_W - 2 * PAD
                )
                texts.append((task, x, text))
        height = max((2 * PAD + t.height for _, _, t in texts), default=2 * PAD)
        for task, x, text in texts:
            box = Box(x, y, CARD_W, height)
            self.tasks.append(TaskBox(task.id, task.activity_id, band, box, text))
        self.y += height + ROW_GAP

    def lane(self, band: int, columns: list[Column], lane: int | None, right: int) -> None:
        w = self.w
        self.y += 8
        width = right - MARGIN
        outcome = None
        if lane is None:
            name = "Not in a release" if w.slices else "Stories"
            label = _text(MARGIN, self.y, name, style=Face.BOLD, size=RELEASE, width=width)
        else:
            release = w.slices[lane]
            name = release_label(lane, release.name)
            label = _text(MARGIN, self.y, name, style=Face.BOLD, size=RELEASE, width=width)
            if release.outcome:
                outcome = _text(
                    MARGIN,
                    self.y + label.height,
                    f"Outcome: {release.outcome}",
                    style=Face.REGULAR,
                    size=OUTCOME,
                    width=width,
                )
        self.y += label.height + (outcome.height if outcome else 0) + 4
        self.releases.append(ReleaseLine(lane, band, self.y, MARGIN, right, label, outcome))
        self.y += 12
        top = self.y
        height = 24
        for n, (_, task) in enumerate(columns):
            if task is None:
                continue
            x = MARGIN + n * COLUMN
            y = top
            for story in self.prioritised[task.id]:
                if self.slice_of.get(story.id) != lane:
                    continue
                text = _text(
                    x + PAD,
                    y + PAD,
                    story.text,
                    style=Face.REGULAR,
                    size=STORY,
                    width=CARD_W - 2 * PAD,
                )
                votes = w.vote_count(story.id)
                box = Box(x, y, CARD_W, PAD + text.height + line_height(META) + PAD)
                meta = f"{story.id} · {plural(votes, 'vote')}"
                self.stories.append(
                    StoryCard(story.id, task.id, lane, votes, band, box, text, meta)
                )
                y = box.bottom + CARD_GAP
            height = max(height, y - top)
        if lane == 0:
            for activity in self.activities:
                if activity.band == band and activity.gap:
                    box = activity.box
                    text = _text(
                        box.x + PAD,
                        top + PAD,
                        "⚠ No story in Release\u00a01",
                        style=Face.BOLD,
                        size=NOTE,
                        width=box.w - 2 * PAD,
                    )
                    mark = Box(box.x, top, box.w, 2 * PAD + text.height)
                    self.marks.append(GapMark(activity.id, band, mark, text))
                    height = max(height, mark.h + CARD_GAP)
        self.y = top + height


def layout(w: Workshop) -> MapLayout:
    """Where every part of ``w``'s map goes on the picture (see the module's rules)."""
    b = _Builder(w)
    heading = b.heading()
    for band, columns in enumerate(b.bands_columns):
        if band:
            b.y += BAND_GAP
        b.band(band, columns)
    empty = None
    if not b.bands_columns:
        empty = _text(
            MARGIN,
            b.y,
            "No backbone activities yet.",
            style=Face.REGULAR,
            size=PERSONA,
            width=b.inner,
        )
        b.y += empty.height
    lost, emoji = _census(w)
    note = None
    if lost:
        b.y += 24
        note = _text(
            MARGIN,
            b.y,
            f"{plural(lost, 'character')} could not be drawn and show as \ufffd; "
            "the alt text and the pinned map have the full text.",
            style=Face.REGULAR,
            size=NOTE,
            width=b.inner,
        )
        b.y += note.height
    return MapLayout(
        width=b.width,
        height=b.y + MARGIN,
        heading=heading,
        bands=tuple(b.bands),
        activities=tuple(b.activities),
        tasks=tuple(b.tasks),
        stories=tuple(b.stories),
        releases=tuple(b.releases),
        gaps=tuple(b.marks),
        empty=empty,
        missing=lost,
        emoji=emoji,
        note=note,
    )


def _census(w: Workshop) -> tuple[int, int]:
    """Characters no font draws, and colour emoji, in all of ``w``'s text."""
    texts = [w.title, w.persona.text if w.persona else ""]
    texts += [a.text for a in w.activities] + [t.text for t in w.tasks]
    texts += [s.text for s in w.stories]
    texts += [f"{s.name} {s.outcome}" for s in w.slices]
    counts = [census(t) for t in texts]
    return sum(lost for lost, _ in counts), sum(emoji for _, emoji in counts)
