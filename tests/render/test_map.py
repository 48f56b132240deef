"""The published map: the seed's shape and order, and split without losing a story."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from bot.domain import commands as c
from bot.domain.model import Stage, Workshop
from bot.render.map import SLICES_HEADING, published_map
from bot.render.message import Message
from bot.render.text import TIMES
from tests.builders import FACILITATOR, PARTICIPANTS, run, workshop_at
from tests.render.checks import sendable
from tests.render.factory import grown
from tests.support.limits import BLOCK_TEXT_CHARS, MESSAGE_BLOCKS, block_text_chars

BEN, CHLOE, DEV, EMI = PARTICIPANTS
STORY_ID = re.compile(r"\bS\d+\b")


def texts(messages: list[Message]) -> str:
    """The map as one text: every section and context, in order."""
    out: list[str] = []
    for m in messages:
        for block in m.blocks:
            if block["type"] in ("section", "header"):
                out.append(block["text"]["text"])
            elif block["type"] == "context":
                out.extend(e["text"] for e in block["elements"])
    return "\n".join(out)


def body_and_releases(messages: list[Message]) -> tuple[str, str]:
    text = texts(messages)
    start = text.index("*Backbone activities:*")
    split = text.index(SLICES_HEADING)
    return text[start:split], text[split:]


def seed_with_priorities() -> Workshop:
    """The seed walked by real commands: extra stories, votes, an order, two slices."""
    w = workshop_at(Stage.STORIES)
    for task in w.tasks:
        w = run(w, c.AddStory(task_id=task.id, text=f"Story for {task.text}"), DEV)
    for task_id, text in (("T3", "Zoom on the driver"), ("T3", "See traffic"), ("T5", "SMS")):
        w = run(w, c.AddStory(task_id=task_id, text=text), DEV)
    w = run(w, c.Next())
    by_text = {s.text: s.id for s in w.stories}
    # Under T3: "See traffic" gets two votes, "Zoom on the driver" one, the first none.
    w = run(w, c.CastVote(story_id=by_text["See traffic"]), BEN)
    w = run(w, c.CastVote(story_id=by_text["See traffic"]), CHLOE)
    w = run(w, c.CastVote(story_id=by_text["Zoom on the driver"]), EMI)
    # Under T5 the facilitator puts the later "SMS" first, whatever the votes say.
    w = run(w, c.CastVote(story_id=by_text["Story for Receive delay alerts"]), BEN)
    w = run(w, c.OrderStories(task_id="T5", story_ids=(by_text["SMS"],)))
    w = run(w, c.Next())
    w = run(w, c.DefineSlice(name="View map + ETA", story_ids=("S3", "S4")), FACILITATOR)
    w = run(w, c.DefineSlice(name="Delay alerts", story_ids=("S5", by_text["SMS"])))
    return run(w, c.Publish(confirmed=True))


def test_the_map_follows_the_seeds_shape_and_order() -> None:
    w = seed_with_priorities()
    messages = [sendable(m) for m in published_map(w)]
    assert len(messages) == 1
    assert messages[0].blocks[0]["type"] == "header"
    text = texts(messages)
    assert "*Workshop output — Persona:* Operations Manager at a logistics company" in text
    assert "[Plan shipment] → [Assign driver] → [Track delivery] → [Resolve issues]" in text
    headings = re.findall(r"\*(A\d+) · ", text)
    assert headings == ["A1", "A2", "A3", "A4"]
    tasks = re.findall(r"▸ \*(T\d+) · ", text)
    assert tasks == [t.id for t in w.tasks]
    body, _ = body_and_releases(messages)
    under_t3 = body[body.index("*T3 · ") : body.index("*T4 · ")]
    order = STORY_ID.findall(under_t3)
    assert order == [s.id for s in w.prioritised("T3")]
    assert [w.story(sid).text for sid in order] == [  # type: ignore[union-attr]
        "See traffic",
        "Zoom on the driver",
        "Story for View real-time map",
    ]
    assert f"1. S9 · See traffic · :+1: {TIMES} 2" in under_t3
    under_t5 = body[body.index("*T5 · ") : body.index("*T6 · ")]
    assert STORY_ID.findall(under_t5) == ["S10", "S5"]


def test_slice_lines_come_in_release_order_each_with_its_stories() -> None:
    w = seed_with_priorities()
    _, releases = body_and_releases(published_map(w))
    first = releases.index("── Release 1: View map + ETA ──")
    second = releases.index("── Release 2: Delay alerts ──")
    rest = releases.index("── Not in a release yet ──")
    assert first < second < rest
    assert STORY_ID.findall(releases[first:second]) == ["S3", "S4"]
    assert STORY_ID.findall(releases[second:rest]) == ["S5", "S10"]
    assert "• S3 · Story for View real-time map _(T3 “View real-time map”)_" in releases


def test_a_releases_outcome_is_under_its_line_and_release_1s_gaps_are_named() -> None:
    w = seed_with_priorities()
    w = run(w, c.Reopen())
    outcome = "Ops managers answer <where is my truck?> without calling"
    w = run(w, c.DefineSlice(name="View map + ETA", story_ids=(), outcome=outcome))
    _, releases = body_and_releases(published_map(run(w, c.Publish(confirmed=True))))
    first = releases.index("── Release 1: View map + ETA ──")
    second = releases.index("── Release 2: Delay alerts ──")
    release_1 = releases[first:second]
    assert "_For: Ops managers answer &lt;where is my truck?&gt; without calling_" in release_1
    gap = next(line for line in release_1.splitlines() if "walking skeleton" in line)
    assert re.findall(r"A\d+", gap) == ["A1", "A2", "A4"]
    assert "For:" not in releases[second:]  # Release 2 has no outcome


def test_a_walking_skeleton_release_1_has_no_gap_line() -> None:
    w = workshop_at(Stage.SLICING)
    skeleton = tuple(w.prioritised(w.tasks_of(a.id)[0].id)[0].id for a in w.activities)
    w = run(w, c.DefineSlice(name="Skeleton", story_ids=skeleton))
    _, releases = body_and_releases(published_map(run(w, c.Publish())))
    assert "walking skeleton" not in releases


def assert_split_without_loss(w: Workshop) -> list[Message]:
    messages = published_map(w)
    assert len(messages) > 1
    total = len(messages)
    for n, m in enumerate(messages, 1):
        sendable(m)
        assert len(m.blocks) <= MESSAGE_BLOCKS
        assert block_text_chars(m.blocks) <= BLOCK_TEXT_CHARS
        if n == 1:
            assert m.blocks[0]["type"] == "header"
        else:
            assert m.blocks[0]["elements"][0]["text"].endswith(f"(continued, {n}/{total})*")
    body, releases = body_and_releases(messages)
    ids = [s.id for s in w.stories]
    assert Counter(STORY_ID.findall(body)) == Counter(ids)
    assert Counter(STORY_ID.findall(releases)) == Counter(ids)
    return messages


def test_a_60_story_map_is_split_and_nothing_is_lost() -> None:
    long_text = "Long story " + "x" * 180
    w = grown(Stage.SLICING, activities=3, tasks_per_activity=4, stories=60, story_text=long_text)
    w = run(w, c.DefineSlice(name="First", story_ids=("S1", "S2", "S60")))
    messages = assert_split_without_loss(w)
    assert long_text + " 60" in texts(messages)


@pytest.fixture(scope="module")
def huge() -> Workshop:
    w = grown(
        Stage.SLICING,
        activities=20,
        tasks_per_activity=10,
        stories=5000,
        story_text="A story of an ordinary length, the kind people write on a card",
    )
    w = run(
        w, c.DefineSlice(name="Walking skeleton", story_ids=tuple(f"S{n}" for n in range(1, 201)))
    )
    return run(w, c.DefineSlice(name="Later", story_ids=("S4000", "S4999")))


def test_a_5000_story_map_is_split_and_nothing_is_lost(huge: Workshop) -> None:
    messages = assert_split_without_loss(huge)
    assert len(messages) > 20
