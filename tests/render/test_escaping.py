"""User text that looks like Slack markup is shown as typed and pings nobody."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain import commands as c
from bot.domain.errors import Rejected
from bot.domain.machine import apply
from bot.domain.model import Stage, Workshop
from bot.render.ids import ActionId, Ref
from bot.render.map import published_map
from bot.render.message import Message
from bot.render.nudges import nudge_message, times_up_message
from bot.render.status import help_message
from bot.render.text import escape, mention
from tests.builders import FACILITATOR, run, workshop_at
from tests.render.checks import everything
from tests.render.factory import HOSTILE, RAW_MARKUP, grown
from tests.support.limits import check_message

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
        w = run(w, c.Publish(confirmed=True))
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


#: What Slack reads as a token in mrkdwn; any other ``<...>`` would vanish or break.
SLACK_TOKEN = re.compile(
    r"^(?:@[UW][A-Z0-9_]+|#C[A-Z0-9]+(?:\|[^|]*)?|!(?:here|channel|everyone)"
    r"|!subteam\^[A-Z0-9]+(?:\|.*)?|!date\^\d+\^[^|]*(?:\|.*)?"
    r"|(?:https?://|mailto:)\S+(?:\|.*)?)$"
)


def _shown_everywhere(w: Workshop) -> list[str]:
    messages, views = everything(w)
    ref = Ref(number=w.number, stage=w.stage, channel=w.channel_id)
    messages.append(nudge_message(w, "UBEN", ("Add tasks", ActionId.OPEN_ADD_MODAL, ref), "soon"))
    messages.append(times_up_message(w, "Time's up."))
    shown = [s for m in messages for s in (m.text, *displayed(m.blocks))]
    return shown + [s for v in views for s in displayed(v)]


@pytest.mark.parametrize(
    "stage",
    [Stage.PERSONA, Stage.ACTIVITIES, Stage.TASKS, Stage.STORIES, Stage.VOTING, Stage.SLICING],
)
def test_every_angle_bracket_the_bot_writes_is_a_slack_token(stage: Stage) -> None:
    """Usage text such as ``<who>`` is written ``&lt;who&gt;``: Slack would hide it."""
    w = workshop_at(stage)
    bad = {
        token
        for s in _shown_everywhere(w)
        for token in re.findall(r"<([^<>]*)>", s)
        if not SLACK_TOKEN.match(token)
    }
    assert bad == set()


def test_the_help_shows_the_placeholders_as_typed() -> None:
    body = json.dumps(help_message().blocks)
    assert "/storymap persona &lt;text&gt;" in body
    assert "<text>" not in body
    assert "<A#>" not in body


def _times_up_after_refusal(text: str) -> Message:
    """The facilitator's time's-up notice when 29 tasks of 100 characters have no story,
    built as the jobs build it."""
    w = run(None, c.Start(team_id="T1", channel_id="C1", title="Big"))
    w = run(w, c.SetPersona(text="Dispatcher"))
    w = run(w, c.Next())
    w = run(run(w, c.AddActivity(text="Plan")), c.AddActivity(text="Track"))
    w = run(w, c.Next())
    for n in range(30):
        w = run(w, c.AddTask(activity_id=f"A{1 + n % 2}", text=f"{n:02d}{text[:98]}"))
    w = run(w, c.Next())
    w = run(w, c.AddStory(task_id="T1", text="only story"))
    with pytest.raises(Rejected) as refusal:
        apply(w, c.Next(seen_stage=Stage.STORIES), FACILITATOR, w.updated_at)
    lead = f"Time's up for *{w.stage.label}*, but the workshop could not move on: "
    return times_up_message(w, lead + refusal.value.message)


@pytest.mark.parametrize("text", ["t" * 100, "&" * 100, "<!channel>" * 10])
def test_times_up_with_29_long_empty_tasks_is_a_message_slack_accepts(text: str) -> None:
    notice = _times_up_after_refusal(text)
    check_message(notice.blocks, notice.text)
    assert "and 19 more" in notice.text
    assert "<!channel>" not in json.dumps(notice.blocks)


#: User text made of Slack's markup characters, so that tokens form often.
markup_text = st.text(alphabet=st.sampled_from("<>&|!@#^:/ ahU1C\u200b"), min_size=1, max_size=30)


def _workshop_of(text: str) -> Workshop:
    def item(kind: str) -> str:
        return f"{kind} {text}"

    w = run(None, c.Start(team_id="T1", channel_id="C1", title=item("t")))
    w = run(w, c.SetPersona(text=item("p")))
    w = run(w, c.Next())
    w = run(w, c.AddActivity(text=item("a")))
    w = run(w, c.Next())
    w = run(w, c.AddTask(activity_id="A1", text=item("k")))
    w = run(w, c.Next())
    w = run(w, c.AddStory(task_id="T1", text=item("s")))
    w = run(w, c.Next())
    w = run(w, c.Next())
    return run(w, c.DefineSlice(name=item("r"), story_ids=("S1",)))


@settings(max_examples=40, deadline=None)
@given(markup_text)
def test_no_user_text_becomes_a_live_token_in_any_rendered_message(text: str) -> None:
    w = _workshop_of(text)
    own = {f"@{FACILITATOR}", "#C1", "@UBEN"}
    for s in _shown_everywhere(w) + [m.text for m in published_map(w)]:
        tokens = set(re.findall(r"<([^<>]*)>", s))
        assert tokens <= own, (tokens, s)
