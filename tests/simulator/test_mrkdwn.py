"""mrkdwn as Slack reads it: what the reader sees, which tokens are live, and the check
that user text never becomes one."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from slacksim import LiveTokenError, SlackSimulator, check_no_live_user_tokens, read_mrkdwn
from slacksim.mrkdwn import block_tokens, message_tokens, read_plain

EVIL_LINK = "<https://evil.example/login|Reset your password>"


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("Q&amp;A &lt;draft&gt;", "Q&A <draft>"),
        ("&amp;lt; stays one level deep", "&lt; stays one level deep"),
        ("&quot;only three&quot; &#60;", "&quot;only three&quot; &#60;"),
        ("see <https://x.example>", "see https://x.example"),
        (EVIL_LINK, "Reset your password (https://evil.example/login)"),
        ("<https://x.example/?a=1&amp;b=2|A &amp; B>", "A & B (https://x.example/?a=1&b=2)"),
        ("<mailto:ops@x.example|Mail us>", "Mail us (mailto:ops@x.example)"),
        ("hi <@U_ANA>", "hi @ana"),
        ("hi <@U_NOBODY|someone>", "hi @someone"),
        ("hi <@U_NOBODY>", "hi @U_NOBODY"),
        ("in <#C_TEAM>", "in #team"),
        ("in <#C_ELSE|elsewhere>", "in #elsewhere"),
        ("<!here> <!channel> <!everyone>", "@here @channel @everyone"),
        ("<!subteam^S123|@ops> and <!subteam^S456>", "@ops and @S456"),
        ("<!date^1392734382^{date_num} {time_secs}|Feb 18>", "2014-02-18 2:39:42 PM"),
        ("<!date^1392734382^{date_long}|x>", "Tuesday, February 18th, 2014"),
        ("<!date^1392734382^{date_short} / {date}|x>", "Feb 18, 2014 / February 18th, 2014"),
        ("<!date^1392734382^{ago}|a while ago>", "a while ago"),
        ("<!date^soon^{date}|some day>", "some day"),
        ("reply with <who>", "reply with "),
        ("under <A#> as <task>", "under  as "),
        ("at <when: 5pm>", "at "),
        ("<!nonsense>", ""),
        ("a < b, unclosed", "a < b, unclosed"),
        ("b > a", "b > a"),
        ("raw a < b and c > d is a token", "raw a  d is a token"),
    ],
)
def test_a_reader_sees_mrkdwn_as_slack_shows_it(text: str, shown: str) -> None:
    names = {"U_ANA": "ana", "C_TEAM": "team"}.get
    assert read_mrkdwn(text, names).text == shown


def test_each_token_is_classified() -> None:
    text = f"{EVIL_LINK} <@U1> <#C1> <!here> <!subteam^S1> <!date^0^{{date}}|x> <who> <!odd>"
    kinds = [t.kind for t in read_mrkdwn(text).tokens]
    assert kinds == ["link", "user", "channel", "special", "group", "date", "broken", "broken"]
    assert [t.notifies for t in read_mrkdwn(text).tokens] == [
        False,
        True,
        False,
        True,
        True,
        False,
        False,
        False,
    ]


def test_plain_text_decodes_entities_and_keeps_angle_brackets_literal() -> None:
    reading = read_plain("&lt;@U1&gt; & <!here> <https://x.example|x>")
    assert reading.text == "<@U1> & <!here> <https://x.example|x>"
    assert reading.tokens == ()


def test_only_mrkdwn_fields_hold_tokens() -> None:
    blocks = [
        HeaderBlock(text="<!here> header").to_dict(),
        SectionBlock(
            text=MarkdownTextObject(text="<@U1> section"),
            fields=[MarkdownTextObject(text="<#C1>"), PlainTextObject(text="<!channel>")],
            accessory=ButtonElement(text="<!everyone>", action_id="b"),
        ).to_dict(),
        ContextBlock(
            elements=[MarkdownTextObject(text="<!subteam^S1>"), PlainTextObject(text="<@U2>")]
        ).to_dict(),
        {"type": "markdown", "text": "<https://x.example|md>"},
        {
            "type": "rich_text",
            "elements": [
                {
                    "type": "rich_text_section",
                    "elements": [
                        {"type": "text", "text": "<!here> is literal here"},
                        {"type": "user", "user_id": "U3"},
                        {"type": "broadcast", "range": "channel"},
                    ],
                }
            ],
        },
    ]
    raws = sorted(t.raw for t in message_tokens("top <!here>", blocks))
    assert raws == sorted(
        [
            "<!here>",
            "<@U1>",
            "<#C1>",
            "<!subteam^S1>",
            "<https://x.example|md>",
            "<@U3>",
            "<!channel>",
        ]
    )
    assert block_tokens(HeaderBlock(text="<!here>").to_dict()) == []


def test_the_check_passes_escaped_user_text() -> None:
    typed = ["Tell <!channel> & <@U_BEN>", EVIL_LINK]
    text = "Refused: “Tell &lt;!channel&gt; &amp; &lt;@U_BEN&gt;” and “&lt;https://evil…&gt;”"
    blocks = [SectionBlock(text=f"{text} — <@U_ANA>, try again").to_dict()]
    check_no_live_user_tokens(text, blocks, typed)


@pytest.mark.parametrize(
    ("typed", "sent"),
    [
        (EVIL_LINK, f"Refused: “{EVIL_LINK}”"),
        ("Tell <!channel>", "Refused: “Tell <!channel>”"),
        ("ping <@U_BEN>", "ping <@U_BEN>"),
        ("<!subteam^S1|@ops> now", "Added <!subteam^S1|@ops> now"),
        # As Slack delivers a typed "<!here>": entities; a bot that decodes and does not
        # re-escape makes it live.
        ("&lt;!here&gt; please", "Added <!here> please"),
    ],
)
def test_the_check_fails_user_text_made_live(typed: str, sent: str) -> None:
    with pytest.raises(LiveTokenError, match="became a live"):
        check_no_live_user_tokens("", [SectionBlock(text=sent).to_dict()], [typed])
    with pytest.raises(LiveTokenError, match="became a live"):
        check_no_live_user_tokens(sent, [], [typed])


def test_the_check_fails_a_word_in_angle_brackets_whoever_wrote_it() -> None:
    with pytest.raises(LiveTokenError, match=r"<who> is not a Slack token"):
        check_no_live_user_tokens("", [SectionBlock(text="`/storymap add <who>`").to_dict()])
    check_no_live_user_tokens("", [SectionBlock(text="`/storymap add &lt;who&gt;`").to_dict()])


def test_the_check_leaves_the_bots_own_tokens_alone() -> None:
    blocks = [SectionBlock(text="<@U_ANA> opened <https://x.example|the map>").to_dict()]
    check_no_live_user_tokens("", blocks, ["Plan shipment"])


# -- through the simulator -------------------------------------------------------------------


def test_transcript_shows_what_a_reader_sees_and_raw_what_was_sent(
    sim: SlackSimulator, client: WebClient, team: str
) -> None:
    client.chat_postMessage(
        channel=team,
        text="fallback",
        blocks=[
            HeaderBlock(text="Q&amp;A <draft>").to_dict(),
            SectionBlock(text=f"<@U_ANA> said “{EVIL_LINK}” in <#{team}> &lt;ok&gt;").to_dict(),
            ActionsBlock(elements=[ButtonElement(text="A &amp; B", action_id="a")]).to_dict(),
        ],
    )
    client.chat_postMessage(channel=team, text="<!here> use <who>")
    assert sim.transcript("team") == (
        "#team\n"
        "storymap (bot)\n"
        "  # Q&A <draft>\n"
        "  @ana said “Reset your password (https://evil.example/login)” in #team <ok>\n"
        "  [A & B]\n"
        "storymap (bot)\n"
        "  @here use\n"
    )
    raw = sim.transcript("team", raw=True)
    assert f"<@U_ANA> said “{EVIL_LINK}”" in raw
    assert "  <!here> use <who>\n" in raw


def test_simulator_check_covers_replies_and_ephemerals(
    sim: SlackSimulator, client: WebClient, team: str
) -> None:
    top = client.chat_postMessage(channel=team, text="Reply with one item per line")["ts"]
    sim.check_no_live_user_tokens("team", [EVIL_LINK])
    client.chat_postEphemeral(channel=team, user="U_BEN", text=f"Refused: {EVIL_LINK}")
    client.chat_postMessage(channel=team, thread_ts=top, text="Use `add <who>`")
    with pytest.raises(LiveTokenError) as caught:
        sim.check_no_live_user_tokens("team", [EVIL_LINK])
    assert len(caught.value.problems) == 2
    assert "became a live link" in caught.value.problems[0]
    assert "<who> is not a Slack token" in caught.value.problems[1]
    with pytest.raises(LiveTokenError) as without_ephemerals:
        sim.check_no_live_user_tokens("team", [EVIL_LINK], ephemerals=False)
    assert len(without_ephemerals.value.problems) == 1
    tokens = sim.live_tokens("team", ephemerals=False)
    assert [[t.raw for t in found] for found in tokens.values()] == [["<who>"]]


def test_a_modal_reads_as_a_reader_sees_it(sim: SlackSimulator, client: WebClient) -> None:
    client.views_open(
        trigger_id=sim.issue_trigger("ana"),
        view={
            "type": "modal",
            "title": {"type": "plain_text", "text": "Q&amp;A"},
            "blocks": [SectionBlock(text="<@U_BEN> asks &lt;why&gt;").to_dict()],
        },
    )
    assert sim.render_modal("ana") == "[modal] Q&A\n  @ben asks <why>\n  [Cancel]\n"
    assert "<@U_BEN> asks &lt;why&gt;" in sim.render_modal("ana", raw=True)
