"""The Home tab view: what each person sees, and that Slack accepts it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bot.domain import commands as c
from bot.domain.model import Stage, Workshop
from bot.render.home import MAX_ACTIVE, MAX_MAPS, HomeEntry, home_view, start_modal, todo
from bot.render.ids import HOME_CHANNEL_BLOCK, ActionId, CallbackId, Ref
from slacksim import SlackLimits
from slacksim.blockkit import check_home
from slacksim.render import message_lines
from tests.builders import T0, run, workshop_at
from tests.render.factory import worst_case
from tests.support.limits import check_view

LINK = "https://example.slack.com/archives/C1/p1700000000000100"


def shown(view: dict[str, Any]) -> str:
    """The view as a reader skims it; also checked as Slack checks a Home view."""
    check_home(view, SlackLimits())
    return "\n".join(message_lines("", view["blocks"]))


def buttons(view: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        e
        for b in view["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["type"] == "button"
    ]


def test_a_contributor_in_voting_sees_their_votes_left_and_the_link_to_the_cards() -> None:
    w = workshop_at(Stage.VOTING)
    w = run(w, c.CastVote(story_id="S1"), "UDEV")
    view = home_view("UDEV", [HomeEntry(w, link=LINK)], [])
    text = shown(view)
    assert "*“Delivery tracking”* in <#C1>" in text
    assert "Stage: *Voting*" in text
    assert "You have *2 of 3* votes left." in text
    (link,) = buttons(view)[1:]
    assert (link["text"]["text"], link["url"], link["action_id"]) == (
        "Vote on the cards",
        LINK,
        ActionId.HOME_LINK,
    )


def test_a_member_who_has_not_contributed_gets_the_stage_form_for_the_channel() -> None:
    w = workshop_at(Stage.TASKS)
    view = home_view("UEMI", [HomeEntry(w, link=LINK)], [])
    text = shown(view)
    assert "You have not added any tasks yet." in text
    assert "[Add tasks under A1] [Go to the prompt]" in text
    form = next(b for b in buttons(view) if b["action_id"] == ActionId.OPEN_ADD_MODAL)
    # The Home tab is not in the channel: the button names it, as a reminder's does.
    assert Ref.loads(form["value"]) == Ref(
        number=w.number, stage=Stage.TASKS, channel="C1", anchor="A1"
    )


def test_someone_who_added_to_the_stage_is_told_so() -> None:
    w = workshop_at(Stage.TASKS)
    assert todo(w, "UCHLOE") == "You have not added any tasks yet."
    w = run(w, c.AddTask(activity_id="A2", text="Call the driver"), "UCHLOE")
    assert todo(w, "UCHLOE") == "You have added to this stage. :white_check_mark:"


def test_the_deadline_shows_in_each_readers_own_time() -> None:
    w = workshop_at(Stage.STORIES)
    at = T0 + timedelta(days=2)
    w = run(w, c.SetDeadline(at=at), "UANA")
    text = shown(home_view("UBEN", [HomeEntry(w)], []))
    unix = int(at.timestamp())
    assert f"deadline <!date^{unix}^{{date_short_pretty}} at {{time}}|" in text
    assert "(the facilitator moves on)" in text


def test_a_published_map_has_a_link_and_no_running_workshop_is_said() -> None:
    w = workshop_at(Stage.PUBLISHED)
    view = home_view("UBEN", [], [HomeEntry(w, map_link=LINK)])
    text = shown(view)
    assert "No workshop is running in the channels you are in." in text
    assert "# Published maps" in text
    assert "*“Delivery tracking”* in <#C1> · published <!date^" in text
    assert [b.get("url") for b in buttons(view)] == [None, LINK]


def test_slicing_shows_the_board_link_only() -> None:
    w = workshop_at(Stage.SLICING)
    view = home_view("UBEN", [HomeEntry(w, link=LINK)], [])
    assert "The facilitator is drawing the release slices." in shown(view)
    assert [b["text"]["text"] for b in buttons(view)] == ["Start a workshop", "Open the board"]


@pytest.mark.parametrize("stage", [s for s in Stage if s.is_open])
def test_every_open_stage_renders_even_at_the_longest_texts(stage: Stage) -> None:
    w = workshop_at(stage)
    shown(home_view("UBEN", [HomeEntry(w, link=LINK)], []))
    if stage in (Stage.STORIES, Stage.VOTING, Stage.SLICING):
        shown(home_view("UBEN", [HomeEntry(worst_case(stage), link=LINK)], []))


def test_many_workshops_are_capped_and_counted() -> None:
    base = worst_case(Stage.STORIES)
    many: list[Workshop] = [
        base.model_copy(update={"channel_id": f"C{n}"}) for n in range(MAX_ACTIVE + 7)
    ]
    published = workshop_at(Stage.PUBLISHED)
    maps = [HomeEntry(published, map_link=LINK) for _ in range(MAX_MAPS + 3)]
    view = home_view("UBEN", [HomeEntry(w, link=LINK) for w in many], maps)
    text = shown(view)
    assert "…and 7 more workshops." in text
    assert "…and 3 more maps." in text
    assert text.count("Stage: *Story cards*") == MAX_ACTIVE
    assert len(view["blocks"]) <= 100


def test_user_text_is_escaped() -> None:
    w = run(None, c.Start(team_id="T1", channel_id="C1", title="<!channel> & <@U1>"))
    text = shown(home_view("UBEN", [HomeEntry(w)], []))
    assert "&lt;!channel&gt; &amp; &lt;@U1&gt;" in text
    assert "<!channel>" not in text


def test_the_start_form_picks_a_channel_without_defaulting_to_one() -> None:
    view = start_modal()
    check_view(view)
    assert view["callback_id"] == CallbackId.HOME_START
    picker = next(b for b in view["blocks"] if b.get("block_id") == HOME_CHANNEL_BLOCK)
    element = picker["element"]
    assert element["type"] == "conversations_select"
    assert element["default_to_current_conversation"] is False
    assert element["filter"] == {"include": ["public", "private"], "exclude_bot_users": True}
