"""The message shortcut "Add to story map", end to end: a person chooses it on a message,
the real bot opens a form pre-filled with the message, the submission adds one item
linked back to the message, and the card shows the link. No workshop, or a stage that
takes no items, is explained to the person and changes nothing. Over HTTP and in Socket
Mode, through the simulator, signed as Slack signs.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bot.domain.machine import NO_WORKSHOP
from bot.domain.model import Workshop
from bot.render.from_message import LINK_LABEL
from bot.render.ids import ADD_TO_MAP_SHORTCUT, TARGET_BLOCK, TEXT_BLOCK
from slacksim import Message
from slacksim.render import message_lines
from tests.e2e.conftest import PEOPLE, Workspace, open_workspace
from tests.e2e.test_buttons_shaping import bot_message, open_form, told
from tests.e2e.test_socket_mode import APP_TOKEN
from tests.e2e.test_workshop import slash, walk_to
from tests.support.pacing import QUICK

pytestmark = [pytest.mark.store, pytest.mark.slow]

IDEA = "Customers should get a text when the truck is 10 minutes away"


@pytest.fixture
def socket_workspace(redis_url: str) -> Iterator[Workspace]:
    # The transport is the subject here, not pacing: Slack's buckets refill faster.
    with open_workspace(redis_url, app_token=APP_TOKEN, rate_scale=QUICK) as ws:
        yield ws


def said(ws: Workspace, user: str, text: str, channel: str | None = None) -> Message:
    """``user`` posts ``text``; the message as it stands in the channel."""
    where = channel or ws.channel
    ws.sim.user(user).post(where, text)
    return next(m for m in reversed(ws.sim.messages(where)) if m.text == text)


def use_shortcut(ws: Workspace, user: str, message: Message, channel: str | None = None) -> None:
    delivery = ws.sim.user(user).shortcut(channel or ws.channel, message.ts, ADD_TO_MAP_SHORTCUT)
    assert delivery.ok, delivery.ack_error


def current(ws: Workspace) -> Workshop | None:
    return ws.bot.service.store.load(ws.team_id, ws.channel)


def story_count(ws: Workspace) -> int:
    w = current(ws)
    assert w is not None
    return len(w.stories)


def permalink(ws: Workspace, message: Message) -> str:
    domain = ws.sim.identity.team_domain
    return f"https://{domain}.slack.com/archives/{ws.channel}/p{message.ts.replace('.', '')}"


def field(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    [element] = [b["element"] for b in view["blocks"] if b.get("block_id") == block_id]
    assert isinstance(element, dict)
    return element


def form_text(view: dict[str, Any]) -> str:
    return "\n".join(message_lines("", view["blocks"], readable=True))


def test_a_message_becomes_a_story_linked_to_it_and_its_card_shows_the_link(
    workspace: Workspace,
) -> None:
    walk_to(workspace, "stories")
    message = said(workspace, "U_BEN", IDEA)

    use_shortcut(workspace, "U_CHLOE", message)

    view = open_form(workspace, "U_CHLOE")
    assert field(view, TEXT_BLOCK)["initial_value"] == IDEA
    assert [o["value"] for o in field(view, TARGET_BLOCK)["options"]] == ["T1"]
    assert "Adds one story" in form_text(view)
    [asked] = workspace.sim.calls_to("chat.getPermalink")
    assert asked.status == 200

    assert workspace.sim.user("U_CHLOE").submit_modal().ok  # untouched: as pre-filled

    assert workspace.sim.modal("U_CHLOE") is None
    w = current(workspace)
    assert w is not None
    story = w.stories[-1]
    assert (story.text, story.task_id, story.author) == (IDEA, "T1", "U_CHLOE")
    assert story.link == permalink(workspace, message)
    told(workspace, "U_CHLOE", f"Added {story.id}")

    slash(workspace, "U_ANA", "next")  # voting: every story gets its card
    card = bot_message(workspace, f"{story.id} · ")
    lines = message_lines(card.text, card.blocks, readable=True)
    assert any(f"{LINK_LABEL} ({story.link})" in line for line in lines), lines
    workspace.sim.check_no_live_user_tokens(workspace.channel, [IDEA])


def test_a_long_message_is_cut_to_the_stages_limit_and_the_form_says_so(
    workspace: Workspace,
) -> None:
    walk_to(workspace, "activities")
    long = ("Plan the whole route with every stop and every window " * 3).strip()
    message = said(workspace, "U_DEV", long)

    use_shortcut(workspace, "U_DEV", message)

    view = open_form(workspace, "U_DEV")
    value = field(view, TEXT_BLOCK)["initial_value"]
    assert len(value) <= 60
    assert long.startswith(value)
    assert field(view, TEXT_BLOCK)["max_length"] == 60
    said_so = f"The message has {len(long)} characters and an activity holds at most 60"
    assert said_so in form_text(view)
    assert TARGET_BLOCK not in str(view["blocks"])  # an activity has no parent

    assert workspace.sim.user("U_DEV").submit_modal().ok

    w = current(workspace)
    assert w is not None
    assert [(a.text, a.link) for a in w.activities[-1:]] == [(value, permalink(workspace, message))]


def test_no_workshop_or_a_stage_without_items_is_explained_and_changes_nothing(
    workspace: Workspace,
) -> None:
    sim = workspace.sim
    message = said(workspace, "U_BEN", IDEA)
    use_shortcut(workspace, "U_BEN", message)
    told(workspace, "U_BEN", NO_WORKSHOP)

    # A channel the bot was never invited to: the answer still reaches the person.
    lounge = sim.add_channel("#lounge", members=list(PEOPLE), bot_member=False).id
    elsewhere = said(workspace, "U_EMI", "Let's map this", lounge)
    use_shortcut(workspace, "U_EMI", elsewhere, lounge)
    sim.wait_for(
        lambda: any(e.text == NO_WORKSHOP for e in sim.ephemerals("U_EMI", lounge)),
        message="the explanation in #lounge",
    )

    walk_to(workspace, "voting")
    before = current(workspace)
    assert before is not None
    use_shortcut(workspace, "U_CHLOE", message)
    told(workspace, "U_CHLOE", "is in Voting now, which takes no new items")

    assert sim.modal("U_BEN") is None
    assert sim.modal("U_CHLOE") is None
    assert sim.modal("U_EMI") is None
    assert sim.calls_to("views.open") == []
    after = current(workspace)
    assert after is not None
    assert after.version == before.version


def test_a_refusal_is_shown_on_the_form_and_a_stage_moved_on_adds_nothing(
    workspace: Workspace,
) -> None:
    walk_to(workspace, "stories")
    message = said(workspace, "U_BEN", "See the truck move")  # already S1 under T1
    use_shortcut(workspace, "U_BEN", message)
    open_form(workspace, "U_BEN")

    assert workspace.sim.user("U_BEN").submit_modal().ok

    modal = workspace.sim.modal("U_BEN")
    assert modal is not None
    assert "already" in modal.errors[TEXT_BLOCK]
    assert story_count(workspace) == 2

    # The form was opened for stories; once voting opens it adds nothing.
    slash(workspace, "U_ANA", "next")
    assert workspace.sim.user("U_BEN").submit_modal({TEXT_BLOCK: "Something new"}).ok
    modal = workspace.sim.modal("U_BEN")
    assert modal is not None
    assert set(modal.errors) == {TEXT_BLOCK}
    assert story_count(workspace) == 2


def test_when_slack_gives_no_permalink_the_link_is_built(workspace: Workspace) -> None:
    walk_to(workspace, "tasks")
    message = said(workspace, "U_BEN", "Show the driver's next stop")
    workspace.sim.fail("chat.getPermalink", error="internal_error")

    use_shortcut(workspace, "U_BEN", message)
    open_form(workspace, "U_BEN")
    assert workspace.sim.user("U_BEN").submit_modal({TARGET_BLOCK: "A1"}).ok

    w = current(workspace)
    assert w is not None
    assert (w.tasks[-1].text, w.tasks[-1].link) == (
        "Show the driver's next stop",
        permalink(workspace, message),
    )


def test_the_shortcut_in_socket_mode(socket_workspace: Workspace) -> None:
    ws = socket_workspace
    walk_to(ws, "tasks")
    message = said(ws, "U_CHLOE", "Compare routes before assigning")
    reply_in_thread = ws.sim.user("U_DEV").reply(ws.channel, message.ts, "and weigh traffic")
    assert reply_in_thread.ok
    reply = ws.sim.replies(ws.channel, message.ts)[-1]

    use_shortcut(ws, "U_DEV", reply)
    view = open_form(ws, "U_DEV")
    assert field(view, TEXT_BLOCK)["initial_value"] == "and weigh traffic"
    assert ws.sim.user("U_DEV").submit_modal({TARGET_BLOCK: "A1"}).ok

    w = current(ws)
    assert w is not None
    task = w.tasks[-1]
    assert task.text == "and weigh traffic"
    assert task.link is not None
    assert task.link.startswith(permalink(ws, reply))
    assert f"thread_ts={message.ts}" in task.link
    shortcut_deliveries = [d for d in ws.sim.driver.deliveries if d.kind == "message_action"]
    assert len(shortcut_deliveries) == 1
    assert all(d.envelope_id is not None and d.ok for d in shortcut_deliveries)
    assert {e.type for e in ws.sim.socket_mode.envelopes} == {
        "slash_commands",
        "interactive",
        "events_api",
    }


def test_a_form_slack_does_not_open_is_answered_never_swallowed(workspace: Workspace) -> None:
    walk_to(workspace, "stories")
    message = said(workspace, "U_BEN", IDEA)
    workspace.sim.fail("views.open", error="expired_trigger_id")

    use_shortcut(workspace, "U_BEN", message)

    told(workspace, "U_BEN", "Use the shortcut again.")
    assert workspace.sim.modal("U_BEN") is None
    [refused] = workspace.sim.calls_to("views.open")
    assert refused.response.get("error") == "expired_trigger_id"
    assert story_count(workspace) == 2
