"""Slack's message markup in a thread reply becomes what the person typed."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.text import escape
from bot.slack.incoming import plain_text
from bot.slack.textcmd import Usage, parse


@pytest.mark.parametrize(
    ("slack", "typed"),
    [
        ("<https://x.example>", "https://x.example"),
        ("<https://x.example|label>", "label (https://x.example)"),
        ("<http://x.example|x.example>", "x.example"),
        ("<https://x.example|https://x.example>", "https://x.example"),
        ("<mailto:a@b.c|a@b.c>", "a@b.c"),
        ("<mailto:a@b.c>", "a@b.c"),
        ("<@U123>", "@U123"),
        ("<@U123|ana>", "@ana"),
        ("<#C123|general>", "#general"),
        ("<#C123>", "#C123"),
        ("<#C123|>", "#C123"),
        ("<!here>", "@here"),
        ("<!channel>", "@channel"),
        ("<!everyone>", "@everyone"),
        ("<!subteam^S1|@drivers>", "@drivers"),
        ("<!subteam^S1>", "@S1"),
        ("<!date^1392734382^{date_num}|2014-02-18>", "2014-02-18"),
        ("Fish &amp; chips &lt;3 &gt;_&lt;", "Fish & chips <3 >_<"),
        ("typed &amp;lt; literally", "typed &lt; literally"),
        ("&quot;kept&quot;", "&quot;kept&quot;"),
        (
            "Ask <@U1|ben> about <https://evil.example/login|Reset your password> in <#C9|ops>",
            "Ask @ben about Reset your password (https://evil.example/login) in #ops",
        ),
        ("<https://x.example/?a=1&amp;b=2|a &amp; b>", "a & b (https://x.example/?a=1&b=2)"),
    ],
)
def test_slack_markup_becomes_the_typed_text(slack: str, typed: str) -> None:
    assert plain_text(slack) == typed


@given(st.text(max_size=80))
def test_text_without_tokens_comes_back_as_typed(typed: str) -> None:
    """Slack escapes ``&``, ``<`` and ``>`` in what people type: that is undone exactly."""
    assert plain_text(escape(typed)) == typed


def test_an_unknown_slash_verb_is_repeated_escaped() -> None:
    request = parse("<!channel>", "T1", "C1")
    assert request == Usage(
        "I don't know `&lt;!channel&gt;`. `/storymap help` lists what I understand."
    )
    add = parse("add", "T1", "C1")
    assert isinstance(add, Usage)
    assert "&lt;task&gt;" in add.message
    assert "<task>" not in add.message
