"""The map picture: layout order, release lines, determinism, every script, big maps."""

from __future__ import annotations

import hashlib
import io
import struct
from datetime import timedelta

from PIL import Image

from bot.domain.model import ReleaseSlice, Stage, Story, Workshop
from bot.render.picture import ALT_TEXT_LIMIT, alt_text, layout, render_map
from tests.builders import SEED_BACKBONE, workshop_at

OUTCOME = "Ops managers answer 'where is my truck?' without calling the driver"


def seed() -> Workshop:
    """The seed's published map with an outcome on Release 1 and a second release."""
    w = workshop_at(Stage.PUBLISHED)
    first = w.slices[0].model_copy(update={"outcome": OUTCOME})
    second = ReleaseSlice(name="Delay alerts", story_ids=("S5",))
    return w.model_copy(update={"slices": (first, second)})


def pixels(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    image.load()
    return image.convert("RGB")


def test_the_seed_renders_columns_in_backbone_order_and_release_lines_in_order() -> None:
    w = seed()
    laid = layout(w)
    names = {a.id: a.text for a in w.activities}
    xs = [(a.box.x, names[a.id]) for a in laid.activities]
    assert [name for _, name in sorted(xs)] == list(SEED_BACKBONE)
    # Tasks sit beneath their activity, in order, left to right.
    task_xs = [t.box.x for t in laid.tasks]
    assert [t.id for t in laid.tasks] == [t.id for t in w.tasks]
    assert task_xs == sorted(task_xs)
    for task in laid.tasks:
        above = next(a for a in laid.activities if a.id == task.activity_id)
        assert above.box.x <= task.box.x
        assert task.box.right <= above.box.right
        assert task.box.y > above.box.bottom
    # Release lines in release order, then the line for stories in no release.
    lines = laid.releases
    assert [line.index for line in lines] == [0, 1, None]
    assert [line.y for line in lines] == sorted(line.y for line in lines)
    # Each story sits between its release's line and the next one, under its task.
    for card in laid.stories:
        n = [line.index for line in lines].index(card.release)
        assert lines[n].y < card.box.y
        if n + 1 < len(lines):
            assert card.box.bottom < lines[n + 1].y
        task = next(t for t in laid.tasks if t.id == card.task_id)
        assert card.box.x == task.box.x
    assert {c.id: c.release for c in laid.stories}["S3"] == 0
    # The picture has the line drawn where the layout says: a red row across the band.
    image = pixels(render_map(w))
    assert image.size == (laid.width, laid.height)
    for line in lines[:2]:
        row = [image.getpixel((x, line.y)) for x in range(line.x0, line.x1, 50)]
        assert all(p != (255, 255, 255) for p in row)


def test_the_same_map_gives_the_same_bytes() -> None:
    first = render_map(seed())
    again = render_map(seed())
    assert hashlib.sha256(first).digest() == hashlib.sha256(again).digest()
    assert first.startswith(b"\x89PNG")
    changed = seed().model_copy(update={"title": "Delivery tracking v2"})
    assert render_map(changed) != first


def test_alt_text_says_the_map_in_words_within_slacks_limit() -> None:
    text = alt_text(seed())
    assert text.startswith("Story map: Delivery tracking.")
    assert "Operations Manager at a logistics company" in text
    positions = [text.index(name) for name in SEED_BACKBONE]
    assert positions == sorted(positions)
    assert OUTCOME in text
    assert len(text) <= ALT_TEXT_LIMIT


def big(stories: int, activities: int = 10, tasks_per_activity: int = 5) -> Workshop:
    """A published map of any size, built by copying the seed's items (fast at 5,000)."""
    w = workshop_at(Stage.PUBLISHED)
    a0, t0, s0 = w.activities[0], w.tasks[0], w.stories[0]
    acts = tuple(
        a0.model_copy(update={"id": f"A{a + 1}", "text": f"Activity {a + 1}: follow shipments"})
        for a in range(activities)
    )
    tasks = tuple(
        t0.model_copy(
            update={
                "id": f"T{a * tasks_per_activity + t + 1}",
                "activity_id": f"A{a + 1}",
                "text": f"Task {t + 1} of activity {a + 1}",
            }
        )
        for a in range(activities)
        for t in range(tasks_per_activity)
    )
    made: list[Story] = [
        s0.model_copy(
            update={
                "id": f"S{n + 1}",
                "task_id": f"T{n % len(tasks) + 1}",
                "text": f"Story {n + 1}: as an operations manager I see where truck {n} is",
                "created_at": s0.created_at + timedelta(seconds=n),
            }
        )
        for n in range(stories)
    ]
    half = [s.id for s in made[: stories // 2]]
    slices = tuple(
        ReleaseSlice(name=f"Release {r + 1}", story_ids=tuple(half[r::4]), outcome=f"Outcome {r}")
        for r in range(4)
    )
    votes = {s.id: ("UBEN",) for s in made[::5]}
    return w.model_copy(
        update={
            "activities": acts,
            "tasks": tasks,
            "stories": tuple(made),
            "slices": slices,
            "votes": votes,
            "story_order": {},
        }
    )


def test_a_5000_story_map_renders_every_card() -> None:
    w = big(5000)
    laid = layout(w)
    assert len(laid.stories) == 5000
    png = render_map(w)
    # Too many pixels for Pillow to open by default (its decompression-bomb guard): read
    # the size from the PNG header instead.
    assert png.startswith(b"\x89PNG")
    assert struct.unpack(">II", png[16:24]) == (laid.width, laid.height)
    assert len(alt_text(w)) <= ALT_TEXT_LIMIT
