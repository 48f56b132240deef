"""The driver against a real Bolt app behind a real WSGI server: every kind of request reaches its
listener, Bolt's own signature check passes, and acks are applied as Slack applies them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from slack_bolt import Ack, BoltRequest, Respond
from slack_sdk import WebClient
from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    CheckboxesElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from slacksim import SimulatorError, SlackSimulator

if TYPE_CHECKING:
    from tests.simulator.conftest import BoltBot


def add_modal(**extra: Any) -> dict[str, Any]:
    view = View(
        type="modal",
        callback_id="add_story",
        title="Add a story",
        submit="Add",
        private_metadata="T3",
        blocks=[
            InputBlock(
                block_id="story",
                label="Story",
                element=PlainTextInputElement(action_id="text", max_length=120),
            ),
            InputBlock(
                block_id="size",
                label="Size",
                element=StaticSelectElement(
                    action_id="pick",
                    placeholder="Pick a size",
                    options=[Option(value="s", text="Small"), Option(value="l", text="Large")],
                ),
            ),
            InputBlock(
                block_id="tags",
                label="Tags",
                optional=True,
                element=CheckboxesElement(
                    action_id="check",
                    options=[Option(value="mvp", text="MVP"), Option(value="ux", text="UX")],
                ),
            ),
            ActionsBlock(
                block_id="more",
                elements=[ButtonElement(text="More options", action_id="more")],
            ),
        ],
    ).to_dict()
    view.update(extra)
    return view


def prompt(client: WebClient, channel: str) -> str:
    blocks = [
        SectionBlock(text="*Stories stage*", block_id="intro"),
        ActionsBlock(
            block_id="stage",
            elements=[ButtonElement(text="Add a story", action_id="open_add", value="T3")],
        ),
    ]
    return str(client.chat_postMessage(channel=channel, text="Stories", blocks=blocks)["ts"])


def test_slash_command_ack_is_shown_to_the_user(sim: SlackSimulator, bolt: BoltBot) -> None:
    def command(ack: Ack, command: dict[str, Any]) -> None:
        bolt.seen.append(("command", command["text"]))
        if command["text"] == "start":
            ack(response_type="in_channel", text="Workshop started")
        else:
            ack(text="Usage: /storymap start")

    bolt.app.command("/storymap")(command)

    private = sim.user("ana").slash("team", "/storymap", "help")
    public = sim.user("ana").slash("team", "/storymap", "start")
    assert private.ok
    assert public.ok
    assert bolt.seen == [("command", "help"), ("command", "start")]
    assert [e.text for e in sim.ephemerals("ana", "team")] == ["Usage: /storymap start"]
    assert private.shown is not None
    assert private.shown.text == "Usage: /storymap start"
    assert [m.text for m in sim.bot_messages("team")] == ["Workshop started"]


def test_bolt_rejects_a_wrong_signature(sim: SlackSimulator, bolt: BoltBot) -> None:
    def command(ack: Ack) -> None:
        bolt.seen.append(("command", None))
        ack()

    bolt.app.command("/storymap")(command)

    sim.driver.signing_secret = "not-the-app-secret"
    refused = sim.user("ana").slash("team", "/storymap", "help")
    assert refused.status == 401
    assert refused.ack_error == "dispatch_failed"
    assert bolt.seen == []


def test_click_open_modal_submit_with_errors_then_success(
    sim: SlackSimulator, bolt: BoltBot, client: WebClient, team: str
) -> None:
    def open_add(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        bolt.seen.append(("click", body["actions"][0]["value"]))
        client.views_open(trigger_id=body["trigger_id"], view=add_modal())

    bolt.app.action("open_add")(open_add)

    def submitted(ack: Ack, view: dict[str, Any]) -> None:
        values = view["state"]["values"]
        story = values["story"]["text"]["value"]
        bolt.seen.append(("submit", (story, values["size"]["pick"]["selected_option"]["value"])))
        bolt.seen.append(
            ("tags", [o["value"] for o in values["tags"]["check"]["selected_options"]])
        )
        if "@channel" in story:
            ack(response_action="errors", errors={"story": "No mass mentions, please"})
        else:
            ack()

    bolt.app.view("add_story")(submitted)

    ts = prompt(client, team)
    assert sim.user("ben").click("team", ts, label="Add a story").ok
    opened = sim.modal("ben")
    assert opened is not None
    assert opened.private_metadata == "T3"

    refused = sim.user("ben").submit_modal({"story": "Ping @channel", "size": "Small"})
    assert refused.ok
    still_open = sim.modal("ben")
    assert still_open is not None
    assert still_open.errors == {"story": "No mass mentions, please"}
    assert "⚠ No mass mentions, please" in sim.render_modal("ben")

    accepted = sim.user("ben").submit_modal({"text": "See ETA", "pick": "l", "tags": ["MVP"]})
    assert accepted.ok
    assert sim.modal("ben") is None
    assert bolt.seen == [
        ("click", "T3"),
        ("submit", ("Ping @channel", "s")),
        ("tags", []),
        ("submit", ("See ETA", "l")),
        ("tags", ["mvp"]),
    ]


def test_modal_button_push_update_and_clear(
    sim: SlackSimulator, bolt: BoltBot, client: WebClient
) -> None:
    def more(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        bolt.seen.append(("container", body["container"]["type"]))
        second = add_modal(callback_id="second", blocks=add_modal()["blocks"][:1])
        client.views_push(trigger_id=body["trigger_id"], view=second)

    bolt.app.action("more")(more)

    def second(ack: Ack) -> None:
        ack(response_action="update", view=add_modal(callback_id="third"))

    bolt.app.view("second")(second)

    def third(ack: Ack) -> None:
        ack(response_action="clear")

    bolt.app.view("third")(third)

    client.views_open(trigger_id=sim.issue_trigger("ana"), view=add_modal())
    assert sim.user("ana").click(label="More options").ok
    assert [v.callback_id for v in sim.modals("ana")] == ["add_story", "second"]
    pushed_id = sim.modals("ana")[1].id
    assert sim.user("ana").submit_modal({"story": "x"}).ok
    assert [v.callback_id for v in sim.modals("ana")] == ["add_story", "third"]
    assert sim.modals("ana")[1].id == pushed_id  # an update keeps the view id
    assert sim.user("ana").submit_modal({"story": "x", "size": "s"}).ok
    assert sim.modals("ana") == []
    assert bolt.seen == [("container", "view")]


def test_closing_a_modal_notifies_only_when_asked(
    sim: SlackSimulator, bolt: BoltBot, client: WebClient
) -> None:
    def closed(ack: Ack, view: dict[str, Any]) -> None:
        ack()
        bolt.seen.append(("closed", view["private_metadata"]))

    bolt.app.view_closed("add_story")(closed)

    client.views_open(trigger_id=sim.issue_trigger("ana"), view=add_modal())
    assert sim.user("ana").close_modal() is None
    client.views_open(trigger_id=sim.issue_trigger("ana"), view=add_modal(notify_on_close=True))
    delivery = sim.user("ana").close_modal()
    assert delivery is not None
    assert delivery.ok
    assert bolt.seen == [("closed", "T3")]
    assert sim.modal("ana") is None


def test_thread_replies_and_reactions_reach_event_listeners(
    sim: SlackSimulator, bolt: BoltBot, client: WebClient, team: str
) -> None:
    def message(event: dict[str, Any]) -> None:
        bolt.seen.append(("message", (event.get("thread_ts"), event["text"])))

    bolt.app.event("message")(message)

    def added(event: dict[str, Any]) -> None:
        bolt.seen.append(("added", event["reaction"]))

    bolt.app.event("reaction_added")(added)

    def removed(event: dict[str, Any]) -> None:
        bolt.seen.append(("removed", event["reaction"]))

    bolt.app.event("reaction_removed")(removed)

    ts = prompt(client, team)
    assert sim.user("ana").reply("team", ts, "Plan shipment").ok
    assert sim.user("ben").react("team", ts, "+1").ok
    assert sim.user("ben").unreact("team", ts, "+1").ok
    assert bolt.seen == [("message", (ts, "Plan shipment")), ("added", "+1"), ("removed", "+1")]


def test_respond_through_response_url(
    sim: SlackSimulator, bolt: BoltBot, client: WebClient, team: str
) -> None:
    def command(ack: Ack, respond: Respond) -> None:
        ack()
        respond(text="Thinking…")
        respond(text="Board posted", response_type="in_channel")

    bolt.app.command("/storymap")(command)

    def clicked(ack: Ack, respond: Respond) -> None:
        ack()
        respond(text="Replaced", replace_original=True)

    bolt.app.action("open_add")(clicked)

    quiet = sim.user("ana").slash("team", "/storymap", "status")
    assert quiet.ok
    assert quiet.shown is None  # an empty ack shows nothing
    assert [e.text for e in sim.ephemerals("ana")] == ["Thinking…"]
    assert sim.bot_messages("team")[-1].text == "Board posted"

    ts = prompt(client, team)
    sim.user("ben").click("team", ts, label="Add a story")
    replaced = sim.message("team", ts)
    assert replaced is not None
    assert (replaced.text, replaced.blocks, replaced.edit_count) == ("Replaced", [], 1)


def test_event_retries_reach_bolt_with_retry_headers(sim: SlackSimulator, bolt: BoltBot) -> None:
    def message(event: dict[str, Any], request: BoltRequest) -> None:
        bolt.seen.append((event["text"], request.headers.get("x-slack-retry-num")))

    bolt.app.event("message")(message)

    first = sim.user("ana").post("team", "hello")
    retried = sim.driver.retry(first, retry_num=1, reason="http_timeout")
    assert first.ok
    assert retried.ok
    assert retried.request_headers["X-Slack-Retry-Num"] == "1"
    assert bolt.seen == [("hello", None), ("hello", ["1"])]


def test_a_message_shortcut_reaches_bolts_shortcut_listener(
    sim: SlackSimulator, bolt: BoltBot, client: WebClient, team: str
) -> None:
    def shortcut(ack: Ack, shortcut: dict[str, Any], respond: Respond, client: WebClient) -> None:
        ack()
        bolt.seen.append(("shortcut", shortcut))
        client.views_open(trigger_id=shortcut["trigger_id"], view=add_modal())
        respond(text="Opened the form")

    bolt.app.shortcut("add_to_map")(shortcut)

    sim.user("ben").post("team", "We should text the driver's ETA")  # no listener for it
    ts = next(m.ts for m in sim.messages("team") if m.text == "We should text the driver's ETA")
    delivery = sim.user("ana").shortcut("team", ts, "add_to_map")

    assert delivery.ok
    [(kind, payload)] = bolt.seen
    assert kind == "shortcut"
    assert isinstance(payload, dict)
    assert payload["type"] == "message_action"
    assert payload["callback_id"] == "add_to_map"
    assert payload["channel"]["id"] == team
    assert payload["user"]["id"] == "U_ANA"
    assert payload["team"]["id"] == sim.identity.team_id
    assert payload["message_ts"] == ts
    assert payload["message"]["ts"] == ts
    assert payload["message"]["user"] == "U_BEN"
    assert payload["message"]["text"] == "We should text the driver's ETA"
    modal = sim.modal("ana")
    assert modal is not None
    assert modal.view["callback_id"] == "add_story"
    assert [e.text for e in sim.ephemerals("ana", "team")] == ["Opened the form"]
    # A shortcut is offered only on a live message, to someone in the channel.
    with pytest.raises(SimulatorError):
        sim.user("ben").shortcut("lobby", ts, "add_to_map")
    with pytest.raises(SimulatorError):
        sim.user("ana").shortcut("team", "1.000001", "add_to_map")
