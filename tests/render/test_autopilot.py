"""What a workshop that runs itself says: each message passes Slack's checks and says
what the person needs, every time as Slack's date token."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.domain import commands as c
from bot.domain.machine import apply, blocked
from bot.domain.model import Stage, Workshop
from bot.render.autopilot import (
    ask_message,
    fix_message,
    plan_modal,
    proposal_message,
    schedule_view,
)
from bot.render.ids import ActionId, Ref
from tests.builders import FACILITATOR, workshop_at
from tests.render.checks import sendable
from tests.support.limits import check_view

AT = datetime(2026, 11, 24, 9, tzinfo=UTC)
PLAN = c.SetSchedule(days=10, zones=(("Europe/Berlin", 2),), facilitator_tz="Europe/Berlin")


def planned(stage: Stage) -> Workshop:
    return apply(workshop_at(stage), PLAN, FACILITATOR, AT).state


def buttons(blocks: list[dict[str, object]]) -> dict[str, str]:
    found = {}
    for block in blocks:
        for element in block.get("elements", []):  # type: ignore[attr-defined]
            if element.get("type") == "button":
                found[element["text"]["text"]] = element["action_id"]
    return found


def test_the_schedule_shows_done_current_and_coming_stages_in_each_readers_time() -> None:
    w = planned(Stage.TASKS)
    shown = schedule_view(w)
    assert "✓" not in shown  # planned at tasks: nothing before it is scheduled
    assert "→ *Tasks*" in shown
    assert shown.count("<!date^") == 3
    assert "/storymap schedule voting friday 17:00" in shown
    # One stage on (its tasks in): Tasks is done, Story cards is now.
    ready = apply(workshop_at(Stage.STORIES), c.Back(), FACILITATOR, AT).state
    ready = apply(ready, PLAN, FACILITATOR, AT).state
    on = schedule_view(apply(ready, c.Next(), FACILITATOR, AT).state)
    assert "✓ Tasks: done" in on
    assert "→ *Story cards*" in on
    assert on.count("<!date^") == 2
    assert "has no schedule" in schedule_view(workshop_at(Stage.TASKS))


def test_the_proposal_lists_each_release_and_offers_approve_and_edit() -> None:
    w = apply(planned(Stage.VOTING), c.Next(), FACILITATOR, AT).state
    message = sendable(proposal_message(w))
    assert "*Release 1: Walking skeleton*" in str(message.blocks)
    assert buttons(message.blocks) == {
        "Approve and publish": ActionId.APPROVE_PLAN,
        "Edit": ActionId.OPEN_SLICING_MODAL,
    }
    for block in message.blocks:
        for element in block.get("elements", []):
            if element.get("type") == "button":
                # A button in a direct message names the workshop's channel.
                assert Ref.loads(element["value"]).channel == w.channel_id


def test_the_word_about_a_stuck_stage_says_what_is_missing_and_offers_a_way_in() -> None:
    w = planned(Stage.TASKS)
    found = blocked(w)
    assert found is not None
    way_in = ("Add tasks under A1", ActionId.OPEN_ADD_MODAL.value, Ref(number=1, channel="C1"))
    message = sendable(fix_message(w, found.message, True, way_in))
    assert "Still empty" in str(message.blocks)
    assert "You added one of them" in str(message.blocks)
    assert "Add tasks under A1" in buttons(message.blocks)
    asked = sendable(ask_message(w, found.message))
    assert set(buttons(asked.blocks)) == {"One more working day", "Next stage →"}


def test_the_plan_form_passes_slacks_checks() -> None:
    w = workshop_at(Stage.PERSONA)
    check_view(plan_modal(w, Ref(number=w.number, stage=w.stage)))
