"""The map picture: layout order, release lines, determinism, every script, big maps."""

from __future__ import annotations

import hashlib
import io
import itertools
import struct
from datetime import timedelta

import pytest
from PIL import Image

from bot.domain.model import ReleaseSlice, Stage, Story, Workshop
from bot.render.picture import ALT_TEXT_LIMIT, alt_text, layout, render_map
from bot.render.picture.glyphs import INVISIBLE, Face, coverage, face_for, runs, width
from bot.render.picture.layout import COLUMN, MARGIN, MAX_COLUMNS, PAD, STORY
from tests.builders import SEED_BACKBONE, workshop_at

OUTCOME = "Ops managers answer 'where is my truck?' without calling the driver"


def seed() -> Workshop:
    """The seed's published map with an outcome on Release 1 and a second release."""
    w = workshop_at(Stage.PUBLISHED)
    first = w.slices[0].model_copy(update={"outcome": OUTCOME})
    second = ReleaseSlice(name="Delay alerts", story_ids=("S5",))
    return w.model_copy(update={"slices": (first, second)})


def rgb(image: Image.Image, x: int, y: int) -> tuple[int, int, int]:
    r, g, b = image.getpixel((x, y))  # type: ignore[misc]  # an RGB image's pixel
    return int(r), int(g), int(b)


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
        row = [rgb(image, x, line.y) for x in range(line.x0, line.x1, 50)]
        assert all(p != (255, 255, 255) for p in row)
    # Each activity's box is drawn where the layout puts it, in the activity colour.
    for activity in laid.activities:
        assert rgb(image, activity.box.right - 3, activity.box.y + 3) == (0x1F, 0x4E, 0x79)
        assert rgb(image, activity.box.right + 3, activity.box.y + 3) == (255, 255, 255)


def test_the_same_map_gives_the_same_bytes() -> None:
    first = render_map(seed())
    again = render_map(seed())
    assert hashlib.sha256(first).digest() == hashlib.sha256(again).digest()
    assert first.startswith(b"\x89PNG")
    changed = seed().model_copy(update={"title": "Delivery tracking v2"})
    assert render_map(changed) != first
    # No metadata chunk (time, software) that could vary: only the image's own.
    chunks, at = [], 8
    while at < len(first):
        (length,) = struct.unpack(">I", first[at : at + 4])
        chunks.append(first[at + 4 : at + 8])
        at += 12 + length
    assert set(chunks) <= {b"IHDR", b"PLTE", b"IDAT", b"IEND"}


@pytest.mark.parametrize("stage", list(Stage))
def test_a_map_at_any_stage_renders(stage: Stage) -> None:
    # `storymap render` draws an active workshop too: before it has activities, it says so.
    w = workshop_at(stage)
    laid = layout(w)
    image = Image.open(io.BytesIO(render_map(w)))
    assert image.size == (laid.width, laid.height)
    assert (laid.empty is not None) is (not w.activities)
    if laid.empty is not None:
        assert laid.empty.lines == ("No backbone activities yet.",)
        assert not laid.bands
    assert alt_text(w).startswith("Story map: Delivery tracking.")


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


SCRIPTS = {
    "accented Latin": "Café résumé: naïve São Paulo, Zürich, Łódź, Ærøskøbing",
    "Cyrillic": "Отследить доставку грузовика на карте",
    "Chinese": "查看实时地图上的卡车",
    "Japanese": "配送を追跡する トラックを地図で見る",
    "Korean": "지도에서 트럭 보기",
    "emoji": "🚚 Track delivery 📦 ✅ ❤️ 👩‍💻",
}


def with_story_texts(texts: list[str]) -> Workshop:
    w = seed()
    stories = tuple(
        s.model_copy(update={"text": texts[n]}) if n < len(texts) else s
        for n, s in enumerate(w.stories)
    )
    return w.model_copy(update={"stories": stories})


@pytest.mark.parametrize("script", list(SCRIPTS))
def test_every_script_is_drawn_with_a_font_that_has_its_glyphs(script: str) -> None:
    text = SCRIPTS[script]
    for ch in text:
        if ch in INVISIBLE or ch == " ":
            continue
        face = face_for(ch, Face.REGULAR, text[text.index(ch) + 1 : text.index(ch) + 2] == "\ufe0f")
        assert face is not None, f"{ch!r} (U+{ord(ch):04X}) has no font"
        # The glyph is really in the font, not .notdef: FreeType gives it a glyph index.
        assert ord(ch) in coverage(face)
    w = with_story_texts([text])
    laid = layout(w)
    assert laid.missing == 0
    assert laid.note is None
    card = next(c for c in laid.stories if c.id == "S1")
    # Every character is kept (a line may break between CJK characters, where no space is).
    assert "".join(card.text.lines).replace(" ", "") == text.replace(" ", "")
    # Something is drawn in the card's text area (not an empty box).
    image = pixels(render_map(w))
    box = card.box
    inks = {
        image.getpixel((x, y))
        for x in range(box.x + PAD, box.right - PAD)
        for y in range(box.y + PAD, box.y + PAD + card.text.height)
    }
    assert len(inks) > 4


def test_emoji_are_drawn_in_colour_and_the_picture_stays_rgb() -> None:
    w = with_story_texts([SCRIPTS["emoji"]])
    laid = layout(w)
    assert laid.emoji >= 5
    image = Image.open(io.BytesIO(render_map(w)))
    assert image.mode == "RGB"
    # Without emoji the picture is indexed: drawn in the palette's colours only.
    assert Image.open(io.BytesIO(render_map(seed()))).mode == "P"


def test_a_character_no_font_has_is_marked_and_said_on_the_picture() -> None:
    # U+10FFFD is a private-use code point: no bundled font draws it.
    w = with_story_texts(["Ship it \U0010fffd now"])
    laid = layout(w)
    assert laid.missing == 1
    assert laid.note is not None
    assert "1 character could not be drawn" in " ".join(laid.note.lines)
    assert laid.note.y > max(c.box.bottom for c in laid.stories)
    card = next(c for c in laid.stories if c.id == "S1")
    assert [r.text for line in card.text.lines for r in runs(line, Face.REGULAR)] == [
        "Ship it \ufffd now"
    ]
    # The alt text keeps the character itself.
    assert "\U0010fffd" in alt_text(w)


def test_long_text_wraps_inside_its_card_and_nothing_is_lost() -> None:
    long = (
        "As an operations manager I want to see every truck of the fleet on one map with "
        "its estimated arrival so that I can answer customers without calling a driver"
    )
    word = "Supercalifragilisticexpialidocious-antidisestablishmentarianism"
    w = with_story_texts([long, word, "A" * 200])
    laid = layout(w)
    cards = {c.id: c for c in laid.stories}
    assert len(cards["S1"].text.lines) > 3
    assert " ".join(cards["S1"].text.lines) == long
    assert "".join(cards["S2"].text.lines) == word
    assert "".join(cards["S3"].text.lines) == "A" * 200
    for card in cards.values():
        for line in card.text.lines:
            assert width(line, Face.REGULAR, card.text.size) <= card.box.w - 2 * PAD
        assert card.text.y + card.text.height < card.box.bottom
    # Cards under one task do not overlap.
    ordered = sorted(laid.stories, key=lambda c: (c.box.x, c.box.y))
    for a, b in itertools.pairwise(ordered):
        if a.box.x == b.box.x:
            assert a.box.bottom <= b.box.y


def test_the_skeleton_gap_is_marked_under_the_activity_and_in_release_1() -> None:
    w = seed()
    laid = layout(w)
    gaps = {a.id for a in laid.activities if a.gap}
    names = {a.id: a.text for a in w.activities}
    assert sorted(names[g] for g in gaps) == ["Assign driver", "Plan shipment", "Resolve issues"]
    image = pixels(render_map(w))
    for activity in laid.activities:
        assert (activity.stripe is not None) is activity.gap
        if activity.stripe is not None:
            assert activity.box.contains(activity.stripe)
            assert activity.stripe.bottom == activity.box.bottom
            middle = (activity.stripe.x + activity.stripe.w // 2, activity.stripe.y + 2)
            assert rgb(image, *middle) == (0xC6, 0x28, 0x28)
    first = laid.releases[0]
    second = laid.releases[1]
    assert {m.activity_id for m in laid.gaps} == gaps
    for mark in laid.gaps:
        # "Release 1" is never cut between its words, even in a one-task column.
        assert mark.text.lines[-1].endswith("Release\u00a01")
        assert first.y < mark.box.y
        assert mark.box.bottom < second.y
    # The mark is drawn: red ink inside it.
    mark = laid.gaps[0]
    reds = [
        rgb(image, x, y)
        for x in range(mark.box.x, mark.box.right)
        for y in range(mark.box.y, mark.box.bottom)
    ]
    assert any(r > 150 and g < 80 and b < 80 for r, g, b in reds)
    # No release: no gap marks at all.
    unsliced = layout(w.model_copy(update={"slices": ()}))
    assert not unsliced.gaps
    assert not any(a.gap for a in unsliced.activities)


def test_each_release_line_carries_its_name_and_outcome() -> None:
    laid = layout(seed())
    first, second, loose = laid.releases
    assert " ".join(first.label.lines) == "Release 1 · View map + ETA"
    assert first.outcome is not None
    assert " ".join(first.outcome.lines) == f"Outcome: {OUTCOME}"
    assert " ".join(second.label.lines) == "Release 2 · Delay alerts"
    assert second.outcome is None  # no outcome given: none shown
    assert " ".join(loose.label.lines) == "Not in a release"
    for line in (first, second):
        assert line.x0 == laid.bands[0].x
        assert line.x1 == laid.bands[0].right


def test_a_wide_map_is_wrapped_into_bands_and_text_keeps_its_size() -> None:
    w = big(200, activities=10, tasks_per_activity=4)
    laid = layout(w)
    assert len(laid.bands) > 1
    assert laid.width <= 2 * MARGIN + MAX_COLUMNS * COLUMN
    assert {c.text.size for c in laid.stories} == {STORY}
    # Bands run top to bottom, each with every release line, activities in order.
    tops = [b.y for b in laid.bands]
    assert tops == sorted(tops)
    for band in range(len(laid.bands)):
        lines = [r.index for r in laid.releases if r.band == band]
        assert lines == [0, 1, 2, 3, None]
    order = [a.id for a in sorted(laid.activities, key=lambda a: (a.band, a.box.x))]
    assert order == [a.id for a in w.activities]
    assert len(laid.stories) == 200


def test_alt_text_of_a_big_map_keeps_the_backbone_and_releases_within_the_limit() -> None:
    w = big(200, activities=10, tasks_per_activity=4)
    text = alt_text(w)
    assert len(text) <= ALT_TEXT_LIMIT
    assert text.startswith("Story map: Delivery tracking.")
    for n in range(1, 11):
        assert f"Activity {n}: follow shipments" in text
    assert "Release 4, Release 4, for: Outcome 3" in text
    # Too long for every story: the stories are counted, not listed.
    assert "Story 1:" not in text
    # A map whose activities alone are too long is cut with a note, at the limit.
    long = w.model_copy(
        update={
            "activities": tuple(
                a.model_copy(update={"text": "x" * 60 + a.id}) for a in w.activities
            ),
            "title": "t" * 80,
        }
    )
    huge = long.model_copy(
        update={"slices": tuple(s.model_copy(update={"outcome": "o" * 200}) for s in w.slices)}
    )
    cut = alt_text(huge)
    assert len(cut) == ALT_TEXT_LIMIT
    assert cut.endswith("(cut; the pinned map lists everything)")


def test_an_activity_wider_than_a_band_continues_in_the_next() -> None:
    w = big(30, activities=2, tasks_per_activity=MAX_COLUMNS + 3)
    laid = layout(w)
    parts = [(a.id, a.band, a.continued, a.text.lines[-1]) for a in laid.activities]
    first, second = w.activities
    assert parts[0][:3] == (first.id, 0, False)
    assert parts[1][:3] == (first.id, 1, True)
    assert parts[1][3].endswith("(continued)")
    assert parts[2][:3] == (second.id, 2, False)
    # Four bands either way (12, 3, 12, 3 at most 12 a band): the evener cut is taken.
    assert [len([t for t in laid.tasks if t.band == n]) for n in range(4)] == [8, 7, 8, 7]
    assert parts[3][:3] == (second.id, 3, True)
    assert [t.id for t in sorted(laid.tasks, key=lambda t: (t.band, t.box.x))] == [
        t.id for t in w.tasks
    ]
