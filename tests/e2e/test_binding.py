"""Forms and buttons are bound to their workshop, channel and person.

A form opened on an earlier workshop, a form whose metadata was edited, a form submitted
by someone it was not opened for, and a button clicked in another channel than its own
all change nothing, and the person sees why.
"""

from __future__ import annotations

import json

import pytest

from bot.render.ids import Ref
from bot.slack.listeners.views import FORGED, stale
from bot.store.workshops import WorkshopStore
from tests.e2e.conftest import Workspace
from tests.e2e.test_workshop import board_message, slash, walk_to

pytestmark = [pytest.mark.store, pytest.mark.slow]


def open_add_tasks(ws: Workspace, user: str) -> None:
    """``user`` picks A1 in the tasks prompt's "Add tasks under…" list; waits for the
    form."""
    prompt = ws.sim.wait_for(
        lambda: next(
            (m for m in ws.sim.bot_messages(ws.channel) if m.text.startswith("Tasks: reply")),
            None,
        ),
        message="the tasks prompt",
    )
    assert prompt is not None
    label = next(
        o["text"]["text"]
        for b in prompt.blocks
        for e in b.get("elements", [])
        for o in e.get("options", [])
        if o["text"]["text"].startswith("A1 · ")
    )
    assert ws.sim.user(user).choose(ws.channel, prompt.ts, option=label).ok
    ws.sim.wait_for(lambda: ws.sim.modal(user), message="the add-tasks form")


def store(ws: Workspace) -> WorkshopStore:
    return ws.bot.service.store


def metadata(ws: Workspace, user: str) -> str:
    modal = ws.sim.modal(user)
    assert modal is not None
    return str(modal.view["private_metadata"])


def edit_metadata(ws: Workspace, user: str, metadata: str) -> None:
    """Change the open form's metadata in Slack's own state, so the signed submission
    carries it (what a forged request would do)."""
    with ws.sim.workspace.lock:
        top = ws.sim.workspace.top_view(ws.sim.workspace.user(user).id)
        assert top is not None
        top.view["private_metadata"] = metadata


def form_errors(ws: Workspace, user: str) -> dict[str, str]:
    modal = ws.sim.modal(user)
    assert modal is not None
    return modal.errors


def test_a_form_of_an_earlier_workshop_adds_nothing_to_the_current_one(
    workspace: Workspace,
) -> None:
    walk_to(workspace, "tasks")
    open_add_tasks(workspace, "U_DEV")
    # Meanwhile the facilitator cancels and starts again, up to the same stage.
    assert slash(workspace, "U_ANA", "cancel").startswith("Workshop")
    slash(workspace, "U_ANA", "start Second try")
    slash(workspace, "U_BEN", "persona Dispatcher")
    slash(workspace, "U_ANA", "next")
    slash(workspace, "U_BEN", "add Plan route")
    slash(workspace, "U_ANA", "next")

    submitted = workspace.sim.user("U_DEV").submit_modal({"items": "Pick a truck"})

    assert submitted.ok
    assert form_errors(workspace, "U_DEV") == {"items": stale(1)}
    current = store(workspace).load(workspace.team_id, workspace.channel)
    assert current is not None
    assert (current.number, current.tasks) == (2, ())
    first = store(workspace).get(workspace.team_id, workspace.channel, 1)
    assert first is not None
    assert first.tasks == ()


def test_edited_form_metadata_naming_another_channel_changes_nothing(
    workspace: Workspace,
) -> None:
    other = workspace.sim.add_channel("#elsewhere", members=["U_ANA", "U_BEN"]).id
    walk_to(workspace, "tasks")
    # A workshop at the same stage in a channel U_DEV is not in.
    for user, text in [
        ("U_ANA", "start Elsewhere"),
        ("U_BEN", "persona Someone"),
        ("U_ANA", "next"),
        ("U_BEN", "add Do things"),
        ("U_ANA", "next"),
    ]:
        assert workspace.sim.user(user).slash(other, "/storymap", text).ok
    open_add_tasks(workspace, "U_DEV")
    seal, _, ref = metadata(workspace, "U_DEV").partition(".")
    edit_metadata(workspace, "U_DEV", f"{seal}.{Ref.loads(ref).in_channel(other).dumps()}")

    assert workspace.sim.user("U_DEV").submit_modal({"items": "Sneak in"}).ok

    assert form_errors(workspace, "U_DEV") == {"items": FORGED}
    elsewhere = store(workspace).load(workspace.team_id, other)
    here = store(workspace).load(workspace.team_id, workspace.channel)
    assert elsewhere is not None
    assert here is not None
    assert (elsewhere.tasks, here.tasks) == ((), ())


def test_a_form_submitted_by_someone_else_changes_nothing(workspace: Workspace) -> None:
    walk_to(workspace, "tasks")
    open_add_tasks(workspace, "U_DEV")
    open_add_tasks(workspace, "U_EMI")
    # Emi's request carries the metadata of the form that was opened for Dev.
    edit_metadata(workspace, "U_EMI", metadata(workspace, "U_DEV"))

    assert workspace.sim.user("U_EMI").submit_modal({"items": "Not mine"}).ok

    assert form_errors(workspace, "U_EMI") == {"items": FORGED}
    current = store(workspace).load(workspace.team_id, workspace.channel)
    assert current is not None
    assert current.tasks == ()
    # Dev's own form still works.
    assert workspace.sim.user("U_DEV").submit_modal({"items": "Mine"}).ok
    assert workspace.sim.modal("U_DEV") is None  # closed: accepted
    current = store(workspace).load(workspace.team_id, workspace.channel)
    assert current is not None
    assert [t.text for t in current.tasks] == ["Mine"]


def test_a_button_value_naming_another_channel_is_ignored(workspace: Workspace) -> None:
    other = workspace.sim.add_channel("#elsewhere", members=["U_ANA", "U_BEN"]).id
    for user, text in [("U_ANA", "start Elsewhere"), ("U_BEN", "persona Someone")]:
        assert workspace.sim.user(user).slash(other, "/storymap", text).ok
    walk_to(workspace, "persona")
    board = board_message(workspace)
    # The facilitator's "Next stage" button, its value edited to name the other channel.
    with workspace.sim.workspace.lock:
        live = workspace.sim.workspace.message(workspace.channel, board.ts)
        assert live is not None
        buttons = [
            element
            for block in live.blocks
            for element in block.get("elements", [])
            if element.get("type") == "button" and "Next stage" in json.dumps(element)
        ]
        assert len(buttons) == 1
        buttons[0]["value"] = Ref.loads(buttons[0]["value"]).in_channel(other).dumps()

    assert workspace.sim.user("U_ANA").click(workspace.channel, board.ts, label="Next stage →").ok
    workspace.sim.settle()

    for channel in (workspace.channel, other):
        current = store(workspace).load(workspace.team_id, channel)
        assert current is not None
        assert current.stage.value == "persona", channel


def test_a_non_facilitator_deadline_is_refused_at_once(workspace: Workspace) -> None:
    walk_to(workspace, "activities")

    shown = slash(workspace, "U_BEN", "deadline tomorrow 17:00")

    assert shown == "Only <@U_ANA> (facilitator) can set deadlines."
    workspace.sim.settle()
    current = store(workspace).load(workspace.team_id, workspace.channel)
    assert current is not None
    assert current.deadline is None
