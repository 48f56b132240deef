"""Socket Mode as Slack speaks it: ``apps.connections.open``, hello, envelopes and acks,
redelivery of an unacknowledged event, ``disconnect`` and reconnection.

Two kinds of app connect here, both over real sockets: a bare WebSocket client (the
``websockets`` library) that shows the frames exactly, and a real Bolt app behind
``slack_sdk``'s built-in Socket Mode client.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from slack_bolt import Ack, App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from slacksim import SlackSimulator
from tests.simulator.conftest import RecordingEndpoint

JsonDict = dict[str, Any]


def open_url(sim: SlackSimulator, client: WebClient) -> str:
    url = client.apps_connections_open(app_token=sim.socket_mode.app_token)["url"]
    assert isinstance(url, str)
    return url


def receive(ws: ClientConnection, timeout: float = 5.0) -> JsonDict:
    decoded = json.loads(ws.recv(timeout=timeout))
    assert isinstance(decoded, dict)
    return decoded


@pytest.fixture
def bolt_socket(sim: SlackSimulator, client: WebClient) -> Iterator[App]:
    """A Bolt app connected in Socket Mode (``slack_sdk``'s built-in client)."""
    app = App(
        client=client,
        signing_secret=sim.signing_secret,
        process_before_response=True,
        token_verification_enabled=False,
    )
    handler = SocketModeHandler(app, sim.socket_mode.app_token)
    handler.connect()  # type: ignore[no-untyped-call]
    sim.socket_mode.wait_connected()
    try:
        yield app
    finally:
        handler.close()  # type: ignore[no-untyped-call]


def test_apps_connections_open_needs_the_app_token(sim: SlackSimulator, client: WebClient) -> None:
    errors = {}
    for name, token in {"wrong": "xapp-1-not-this-app", "bot": sim.identity.bot_token}.items():
        with pytest.raises(SlackApiError) as refused:
            client.apps_connections_open(app_token=token)
        errors[name] = refused.value.response["error"]
    anonymous = WebClient(base_url=sim.api_url)
    with pytest.raises(SlackApiError) as refused:
        anonymous.api_call("apps.connections.open", http_verb="POST")
    errors["none"] = refused.value.response["error"]
    assert errors == {
        "wrong": "invalid_auth",
        "bot": "not_allowed_token_type",
        "none": "not_authed",
    }
    assert sim.calls["apps.connections.open"] == 3
    assert sim.socket_mode.connections_opened == 0


def test_a_ticket_opens_one_connection_once(sim: SlackSimulator, client: WebClient) -> None:
    url = open_url(sim, client)
    with connect(url) as ws:
        assert receive(ws)["type"] == "hello"
    with pytest.raises(InvalidStatus) as reused:
        connect(url)
    assert reused.value.response.status_code == 401
    forged = url.split("?")[0] + "?ticket=forged"
    with pytest.raises(InvalidStatus):
        connect(forged)
    assert sim.socket_mode.connections_opened == 1


def test_hello_comes_first_and_names_the_app(sim: SlackSimulator, client: WebClient) -> None:
    url = open_url(sim, client)
    assert url.startswith(f"ws://127.0.0.1:{sim.socket_mode.port}/link/?ticket=")
    with connect(url) as first, connect(open_url(sim, client)) as second:
        hello = receive(first)
        assert hello["type"] == "hello"
        assert hello["num_connections"] == 1
        assert hello["connection_info"] == {"app_id": sim.identity.app_id}
        assert "approximate_connection_time" in hello["debug_info"]
        assert receive(second)["num_connections"] == 2
        # The server answers the client's pings (the built-in client relies on pongs).
        first.ping(b"still there?").wait(timeout=5)


def test_a_slash_command_ack_payload_is_shown_like_an_http_answer(
    sim: SlackSimulator, bolt_socket: App
) -> None:
    seen: list[JsonDict] = []

    @bolt_socket.command("/storymap")
    def command(ack: Ack, body: JsonDict) -> None:
        seen.append(body)
        ack(text=f"You said: {body['text']}")

    delivery = sim.user("U_ANA").slash("team", "/storymap", "help me")
    assert delivery.ok, delivery
    assert delivery.shown is not None
    assert delivery.shown.text == "You said: help me"
    assert [e.text for e in sim.ephemerals("U_ANA")] == ["You said: help me"]
    envelope = sim.socket_mode.envelopes[-1]
    assert envelope.envelope_id == delivery.envelope_id
    assert envelope.type == "slash_commands"
    assert envelope.accepts_response_payload is True
    assert envelope.ack_payload == {"text": "You said: help me"}
    # The same fields as the HTTP form, and no signature anywhere.
    assert seen[0]["command"] == "/storymap"
    assert seen[0]["channel_id"] == sim.channel("team").id
    assert "X-Slack-Signature" not in delivery.request_headers


def test_a_view_submission_ack_keeps_the_modal_open_with_errors(
    sim: SlackSimulator, client: WebClient, bolt_socket: App
) -> None:
    @bolt_socket.command("/form")
    def open_form(ack: Ack, body: JsonDict) -> None:
        ack()
        client.views_open(
            trigger_id=body["trigger_id"],
            view={
                "type": "modal",
                "callback_id": "form",
                "title": {"type": "plain_text", "text": "Form"},
                "submit": {"type": "plain_text", "text": "Save"},
                "blocks": [
                    {
                        "type": "input",
                        "block_id": "name",
                        "label": {"type": "plain_text", "text": "Name"},
                        "element": {"type": "plain_text_input", "action_id": "value"},
                    }
                ],
            },
        )

    @bolt_socket.view("form")
    def submitted(ack: Ack, view: JsonDict) -> None:
        value = view["state"]["values"]["name"]["value"]["value"]
        if value == "bad":
            ack(response_action="errors", errors={"name": "Not that one"})
        else:
            ack()

    assert sim.user("U_ANA").slash("team", "/form").ok
    sim.wait_for(lambda: sim.modal("U_ANA"), message="the modal")
    refused = sim.user("U_ANA").submit_modal({"name": "bad"})
    assert refused.ok, refused
    assert sim.socket_mode.envelopes[-1].type == "interactive"
    assert sim.socket_mode.envelopes[-1].accepts_response_payload is True
    top = sim.modal("U_ANA")
    assert top is not None
    assert top.errors == {"name": "Not that one"}
    assert sim.user("U_ANA").submit_modal({"name": "good"}).ok
    assert sim.modal("U_ANA") is None


def test_clicks_and_events_arrive_with_the_http_payloads(
    sim: SlackSimulator, client: WebClient, team: str, bolt_socket: App
) -> None:
    got: list[tuple[str, JsonDict]] = []

    @bolt_socket.action("go")
    def clicked(ack: Ack, body: JsonDict) -> None:
        ack()
        got.append(("click", body))

    @bolt_socket.event("reaction_added")
    def reacted(body: JsonDict) -> None:
        got.append(("reaction", body))

    @bolt_socket.event("message")
    def replied(body: JsonDict) -> None:
        got.append(("reply", body))

    posted = client.chat_postMessage(
        channel=team,
        text="Go?",
        blocks=[
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "action_id": "go",
                        "text": {"type": "plain_text", "text": "Go"},
                        "value": "1",
                    }
                ],
            }
        ],
    )
    ts = posted["ts"]
    ana = sim.user("U_ANA")
    assert ana.click("team", ts, label="Go").ok
    assert ana.react("team", ts, "+1").ok
    assert ana.reply("team", ts, "in the thread").ok
    kinds = [e.type for e in sim.socket_mode.envelopes[-3:]]
    assert kinds == ["interactive", "events_api", "events_api"]
    assert [kind for kind, _ in got] == ["click", "reaction", "reply"]
    assert got[0][1]["actions"][0]["value"] == "1"
    assert got[1][1]["event"]["reaction"] == "+1"
    assert got[2][1]["event"]["thread_ts"] == ts
    assert got[2][1]["event_id"] == sim.socket_mode.envelopes[-1].payload["event_id"]


def test_an_unacknowledged_event_is_redelivered_with_the_next_retry_attempt(
    sim: SlackSimulator, client: WebClient, team: str
) -> None:
    sim.driver.ack_timeout = 0.5
    with connect(open_url(sim, client)) as ws:
        assert receive(ws)["type"] == "hello"
        ts = client.chat_postMessage(channel=team, text="react to me")["ts"]
        delivery = sim.user("U_ANA").react("team", ts, "tada")
        assert delivery.timed_out
        assert delivery.ack_error == "operation_timeout"
        first = receive(ws)
        assert (first["type"], first["retry_attempt"], first["retry_reason"]) == (
            "events_api",
            0,
            "",
        )
        again = receive(ws)
        assert again["retry_attempt"] == 1
        assert again["retry_reason"] == "timeout"
        assert again["envelope_id"] != first["envelope_id"]
        assert again["payload"] == first["payload"]  # same event_id: the app can dedupe
        ws.send(json.dumps({"envelope_id": again["envelope_id"]}))
        sim.wait_for(
            lambda: any(e.acked for e in sim.socket_mode.envelopes), message="the retry's ack"
        )
        with pytest.raises(TimeoutError):
            ws.recv(timeout=1.0)  # acknowledged: nothing more comes
    attempts = [(e.retry_attempt, e.acked) for e in sim.socket_mode.envelopes]
    assert attempts == [(0, False), (1, True)]


def test_a_slash_command_left_unacknowledged_is_not_resent(
    sim: SlackSimulator, client: WebClient
) -> None:
    sim.driver.ack_timeout = 0.3
    with connect(open_url(sim, client)) as ws:
        receive(ws)
        delivery = sim.user("U_ANA").slash("team", "/storymap", "help")
        assert delivery.ack_error == "operation_timeout"
        assert receive(ws)["type"] == "slash_commands"
        with pytest.raises(TimeoutError):
            ws.recv(timeout=1.0)
    assert sim.ephemerals("U_ANA") == []


def test_refresh_requested_the_client_reconnects_and_requests_follow(
    sim: SlackSimulator, bolt_socket: App
) -> None:
    @bolt_socket.command("/storymap")
    def command(ack: Ack, body: JsonDict) -> None:
        ack(text=f"ok {body['text']}")

    assert sim.user("U_ANA").slash("team", "/storymap", "before").ok
    assert sim.socket_mode.disconnect("refresh_requested") == 1
    # The client asks for a new URL, connects, and closes the old connection itself,
    # before the simulator's grace period would (the built-in client takes up to its
    # 3 s receive timeout to let go of the old socket; requests wait meanwhile).
    assert sim.socket_mode.grace > 5
    sim.wait_for(
        lambda: sim.socket_mode.connections_opened == 2 and sim.socket_mode.open_connections == 1,
        timeout=5,
        message="a new connection, the old one closed",
    )
    assert sim.socket_mode.connected == 1
    assert sim.calls["apps.connections.open"] == 2
    delivery = sim.user("U_ANA").slash("team", "/storymap", "after")
    assert delivery.ok, delivery
    assert delivery.shown is not None
    assert delivery.shown.text == "ok after"
    numbers = [e.connection for e in sim.socket_mode.envelopes if e.acked]
    assert numbers == [1, 2]


def test_a_connection_told_to_disconnect_is_closed_after_the_grace_period(
    sim: SlackSimulator, client: WebClient
) -> None:
    sim.socket_mode.grace = 0.2
    with connect(open_url(sim, client)) as ws:
        receive(ws)
        assert sim.socket_mode.disconnect("warning") == 1
        told = receive(ws)
        assert (told["type"], told["reason"]) == ("disconnect", "warning")
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=5)
    sim.wait_for(lambda: sim.socket_mode.open_connections == 0, message="closed")


def test_a_request_waits_for_the_app_to_reconnect(sim: SlackSimulator, client: WebClient) -> None:
    sim.socket_mode.grace = 0.1
    with connect(open_url(sim, client)) as ws:
        receive(ws)
        sim.socket_mode.disconnect()
    sim.wait_for(lambda: sim.socket_mode.open_connections == 0, message="closed")
    answered: list[JsonDict] = []

    def reconnect_later() -> None:
        threading.Event().wait(0.5)
        with connect(open_url(sim, client)) as again:
            receive(again)
            envelope = receive(again)
            answered.append(envelope)
            reply = {"envelope_id": envelope["envelope_id"], "payload": {"text": "back"}}
            again.send(json.dumps(reply))
            sim.wait_for(lambda: sim.socket_mode.envelopes, message="the ack recorded")

    later = threading.Thread(target=reconnect_later)
    later.start()
    delivery = sim.user("U_ANA").slash("team", "/storymap", "help")
    later.join(timeout=10)
    assert delivery.ok, delivery
    assert delivery.shown is not None
    assert delivery.shown.text == "back"
    assert answered[0]["envelope_id"] == delivery.envelope_id
    assert sim.socket_mode.envelopes[0].connection == 2


def test_without_a_socket_connection_the_driver_posts_over_http(
    sim: SlackSimulator, endpoint: RecordingEndpoint
) -> None:
    sim.user("U_ANA").slash("team", "/storymap", "help")
    assert len(endpoint.received) == 1
    assert "X-Slack-Signature" in endpoint.received[0].headers
    assert sim.socket_mode.envelopes == []


def test_a_simulator_that_never_served_closes_at_once() -> None:
    unused = SlackSimulator()
    closing = threading.Thread(target=unused.close, daemon=True)
    closing.start()
    closing.join(timeout=5)
    assert not closing.is_alive()
