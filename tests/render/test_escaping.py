"""User text that looks like Slack markup is shown as typed and pings nobody."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from bot.domain import commands as c
from bot.domain.model import Stage, Workshop
from bot.render.map import published_map
from bot.render.text import escape, mention
from tests.builders import FACILITATOR, run
from tests.render.checks import everything
from tests.render.factory import HOSTILE, RAW_MARKUP, grown

ESCAPED = escape(HOSTILE)


def displayed(node: Any, key: str = "") -> Iterator[str]:
    """Every string Slack shows or parses; an input's ``initial_value`` is what the user
    typed, handed back to them to edit, and is never parsed as markup."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k not in ("initial_value", "value", "private_metadata"):
                yield from displayed(v, k)
    elif isinstance(node, list):
        for item in node:
            yield from displayed(item, key)
    elif isinstance(node, str):
        yield node


def hostile_workshop(stage: Stage) -> Workshop:
    w = grown(Stage.SLICING, text=HOSTILE, title=HOSTILE, activities=2, stories=6)
    w = run(w, c.DefineSlice(name=HOSTILE, story_ids=("S1", "S2")))
    if stage is Stage.PUBLISHED:
        w = run(w, c.Publish())
    return w


def test_escape_replaces_exactly_the_three_reserved_characters() -> None:
    assert escape("a & b < c > d *e* _f_") == "a &amp; b &lt; c &gt; d *e* _f_"
    assert escape("<!channel>") == "&lt;!channel&gt;"
    assert mention("U123") == "<@U123>"


def test_hostile_text_is_escaped_in_every_message_and_modal() -> None:
    for stage in (Stage.SLICING, Stage.PUBLISHED):
        w = hostile_workshop(stage)
        messages, views = everything(w)
        shown = [s for m in messages for s in (m.text, *displayed(m.blocks))]
        shown += [s for v in views for s in displayed(v)]
        leaks = [s for s in shown for raw in RAW_MARKUP if raw in s]
        assert leaks == []
        assert any(ESCAPED in s for s in shown)


def test_each_kind_of_user_text_reaches_the_map_escaped() -> None:
    w = hostile_workshop(Stage.PUBLISHED)
    body = json.dumps([m.blocks for m in published_map(w)], ensure_ascii=False)
    for typed in (
        f"{HOSTILE} persona",
        f"{HOSTILE} activity 1",
        f"{HOSTILE} task 1",
        f"{HOSTILE} 1",
        f"Release 1: {HOSTILE}",
    ):
        assert escape(typed) in body, typed
    assert "<!channel>" not in body


def test_the_facilitator_mention_is_the_only_markup_left() -> None:
    w = hostile_workshop(Stage.PUBLISHED)
    first = published_map(w)[0]
    markup = [s for s in displayed(first.blocks) if "<" in s]
    assert markup
    assert all(s.count("<") == s.count(mention(FACILITATOR)) for s in markup)


def test_hostile_text_survives_the_machine_unchanged() -> None:
    w = hostile_workshop(Stage.SLICING)
    assert w.title == HOSTILE
    assert w.slices[0].name == HOSTILE
    assert w.stories[0].text == f"{HOSTILE} 1"
