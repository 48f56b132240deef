"""What a revised map and a removed story look like: the changelog posted under a map
published again, a map message no longer needed, a removed story's card, and the line
its voters are told."""

from __future__ import annotations

from bot.render.cards import removed_card, vote_returned
from bot.render.map import (
    CHANGELOG_HEADING,
    CHANGELOG_LINE_CHARS,
    CHANGELOG_LINES,
    changelog,
    retired_page,
)
from bot.render.text import TIMES
from tests.render.checks import sendable
from tests.render.test_board import shown


def test_a_changelog_lists_each_change_as_a_bullet() -> None:
    log = sendable(changelog(["S4 renamed: “a” → “b”", "S7 removed", "A2 moved after A3"]))
    assert shown(log.blocks).splitlines() == [
        CHANGELOG_HEADING,
        "• S4 renamed: “a” → “b”",
        "• S7 removed",
        "• A2 moved after A3",
    ]
    assert log.text == "The map was updated: 3 changes."


def test_a_long_changelog_stays_short_and_counts_the_rest() -> None:
    changes = [f"S{n} renamed: “{'long words ' * 40}”" for n in range(1, 41)]
    log = sendable(changelog(changes))
    lines = shown(log.blocks).splitlines()
    assert len(lines) == 1 + CHANGELOG_LINES + 1
    assert lines[-1] == f"… and {40 - CHANGELOG_LINES} more changes."
    for line in lines[1:-1]:
        assert len(line) <= len("• ") + CHANGELOG_LINE_CHARS
        assert line.endswith("…")
    assert log.text == "The map was updated: 40 changes."


def test_a_cut_line_never_breaks_an_entity_or_a_mention() -> None:
    # Lines come escaped from the workshop's history: a cut must not split "&amp;" or
    # "<@U1>", which Slack would show broken.
    pad = "x" * (CHANGELOG_LINE_CHARS - 4)
    (entity,) = shown(changelog([f"{pad} &amp; more"]).blocks).splitlines()[1:]
    assert entity == f"• {pad}…"
    (who,) = shown(changelog([f"{pad[:-3]} by <@U123456>"]).blocks).splitlines()[1:]
    assert "<@" not in who
    assert who.endswith(" by…")


def test_a_map_message_no_longer_needed_says_so() -> None:
    page = sendable(retired_page())
    assert "moved into the messages above" in shown(page.blocks)


def test_a_removed_storys_card_says_so_without_a_vote_count() -> None:
    card = sendable(removed_card("S4"))
    text = shown(card.blocks)
    assert text.startswith("*S4* was removed from the map")
    assert TIMES not in text
    assert "React" not in text
    assert card.text.startswith("S4 was removed")


def test_a_voter_is_told_their_vote_came_back_in_one_line() -> None:
    line = vote_returned("S4", "Track <!channel> & go", voting=True)
    assert line == (
        "Your vote on S4 “Track &lt;!channel&gt; &amp; go” came back to you: it was removed "
        "from the map. You can cast it on another story."
    )
    assert "\n" not in line
    closed = vote_returned("S4", "Track", voting=False)
    assert closed.endswith("it was removed from the map.")
