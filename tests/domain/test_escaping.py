"""User text in the machine's replies and refusals is escaped: it never links or pings."""

from __future__ import annotations

import re
from collections.abc import Callable

from hypothesis import given
from hypothesis import strategies as st

from bot.domain import commands as c
from bot.domain.errors import Rejected
from bot.domain.machine import apply
from bot.domain.model import Stage, Workshop
from bot.domain.text import escape
from tests.builders import FACILITATOR, PARTICIPANTS, T0, workshop_at

BEN = PARTICIPANTS[0]
LINK = "<https://evil.example/login|Reset your password>"
TOKEN = re.compile(r"<[^<>]*>")
#: The only tokens the machine itself writes: mentions of the people involved.
OWN_TOKENS = {f"<@{user}>" for user in (FACILITATOR, *PARTICIPANTS)}


def said(state: Workshop | None, command: c.Command, actor: str = FACILITATOR) -> str:
    """The reply or the refusal ``actor`` would see."""
    try:
        return apply(state, command, actor, T0).reply
    except Rejected as refusal:
        return refusal.message


def live_tokens(message: str) -> list[str]:
    return [t for t in TOKEN.findall(message) if t not in OWN_TOKENS]


def with_activity(text: str) -> Workshop:
    w = apply(workshop_at(Stage.ACTIVITIES), c.AddActivity(text=text), BEN, T0).state
    return apply(w, c.Next(), FACILITATOR, T0).state


def test_a_link_named_as_an_activity_is_not_a_link_in_the_gate_refusal() -> None:
    message = said(with_activity(LINK), c.Next())
    assert message.startswith("Every activity needs a task before stories. Still empty: ")
    assert f"A1 “{escape(LINK)}”" in message
    assert live_tokens(message) == []


def test_group_and_user_mentions_stay_text_in_replies_and_refusals() -> None:
    w = workshop_at(Stage.ACTIVITIES)
    added = apply(w, c.AddActivity(text="<!subteam^S1> and <@U1>"), BEN, T0)
    assert added.reply == "Added A1 “&lt;!subteam^S1&gt; and &lt;@U1&gt;” to the backbone."
    duplicate = said(added.state, c.AddActivity(text="<!SUBTEAM^S1> and <@u1>"), BEN)
    assert duplicate.startswith("“&lt;!SUBTEAM^S1&gt; and &lt;@u1&gt;” is already on the map")
    persona = said(workshop_at(Stage.PERSONA), c.SetPersona(text="<!channel> & co"))
    assert persona == "Persona set: &lt;!channel&gt; &amp; co"
    for message in (added.reply, duplicate, persona):
        assert live_tokens(message) == []


def test_a_mistyped_id_is_repeated_escaped_and_short() -> None:
    voting = workshop_at(Stage.VOTING)
    message = said(voting, c.CastVote(story_id="<!channel>"), BEN)
    assert message == "&lt;!channel&gt; is not a story id; they look like S1."
    long = said(voting, c.CastVote(story_id="<!here>" + "x" * 100), BEN)
    assert long.startswith("&lt;!here&gt;xxxxxxxxxxxx… is not a story id")


def test_a_gate_refusal_names_ten_items_and_counts_the_rest() -> None:
    w = workshop_at(Stage.TASKS)
    for n in range(len(w.activities)):
        w = apply(w, c.AddTask(activity_id=f"A{n + 1}", text="first"), BEN, T0).state
    for n in range(28 - len(w.tasks)):
        w = apply(w, c.AddTask(activity_id="A1", text=f"{n} {'x' * 90}"), BEN, T0).state
    w = apply(w, c.Next(), FACILITATOR, T0).state
    assert len(w.tasks) == 28
    message = said(w, c.Next())
    assert message.count("“") == 10
    assert "and 18 more. Add one with" in message


#: Text built from Slack's markup characters, so tokens form often.
markup = st.text(alphabet=st.sampled_from("<>&|!@#^:/ aUS1\u200b"), min_size=1, max_size=40)


def _paths(text: str) -> list[Callable[[], str]]:
    return [
        lambda: said(None, c.Start(team_id="T", channel_id="C", title=text)),
        lambda: said(workshop_at(Stage.ACTIVITIES), c.Start(team_id="T", channel_id="C")),
        lambda: said(workshop_at(Stage.PERSONA), c.SetPersona(text=text), BEN),
        lambda: said(workshop_at(Stage.ACTIVITIES), c.AddActivity(text=text), BEN),
        lambda: said(with_activity(f"a{text}"), c.Next()),
        lambda: said(with_activity(f"a{text}"), c.AddTask(activity_id="A1", text=text), BEN),
        lambda: said(with_activity(f"a{text}"), c.AddTask(activity_id=text, text=text), BEN),
        lambda: said(workshop_at(Stage.VOTING), c.CastVote(story_id=text), BEN),
        lambda: said(workshop_at(Stage.SLICING), c.DefineSlice(name=text, story_ids=())),
        lambda: said(workshop_at(Stage.SLICING), c.DefineSlice(name=text, story_ids=("S1",))),
        lambda: said(
            workshop_at(Stage.SLICING),
            c.SetSlices(slices=(c.SlicePlan(name=text, story_ids=()),)),
        ),
        lambda: said(workshop_at(Stage.SLICING), c.OrderStories(task_id=text, story_ids=())),
    ]


@given(markup)
def test_no_user_text_becomes_a_live_token_in_any_reply_or_refusal(text: str) -> None:
    for path in _paths(text):
        message = path()
        assert live_tokens(message) == [], message
