"""Acting as the workspace's users: every request goes to the bot exactly as Slack sends it.

Rules kept:
- a user can act only where a real user could: in channels they are a member of, on
  messages that exist, on buttons and menu options that are displayed (``click`` by a
  button's label, ``choose`` by an overflow menu's or a select's option text), in the
  modal that is open on top;
  anything else raises :class:`SimulatorError` before a request is sent;
- what the user does changes the workspace first (a thread reply is posted, a reaction
  added), then the matching request is signed (``signing``) and POSTed to the bot's
  endpoint: slash commands form-encoded, interactions as ``payload=<json>``, events as
  JSON ``event_callback`` envelopes (``payloads``);
- every slash command and interaction gets a fresh ``trigger_id`` the simulator will
  accept for ``SlackLimits.trigger_ttl`` seconds, and message interactions and slash
  commands a fresh ``response_url``;
- the bot's answer is applied as Slack applies it (``acks``) and the whole exchange is
  returned and kept as a :class:`Delivery`; ``retry`` resends a delivery's exact body with
  ``X-Slack-Retry-Num``/``X-Slack-Retry-Reason``, signed afresh;
- once the app has connected in Socket Mode, every request goes over the socket instead
  (``socket_mode``: the same payloads in envelopes, the ack read as the HTTP answer).
"""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from slacksim import acks, home_events, message_events, payloads
from slacksim.delivery import Delivery
from slacksim.errors import SimulatorError
from slacksim.finders import find_button, find_option
from slacksim.modal_values import fill_state
from slacksim.response_url import ResponseUrlEndpoint
from slacksim.signing import signed_headers
from slacksim.state import Channel, Ephemeral, Message, OpenView, Revision, Trigger, User
from slacksim.transport import HttpResult, post
from slacksim.user_driver import UserDriver
from slacksim.webapi.context import ApiContext
from slacksim.webapi.reactions import canonical_reaction
from slacksim.webapi.shapes import message_json

if TYPE_CHECKING:
    from slacksim.socket_mode import SocketModeServer

JsonDict = dict[str, Any]

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


class Driver:
    """Sends users' actions to the bot's ``POST /slack/events`` endpoint."""

    def __init__(
        self,
        ctx: ApiContext,
        responses: ResponseUrlEndpoint,
        signing_secret: str,
        endpoint: Callable[[], str | None],
        ack_timeout: float = 3.0,
        *,
        socket: SocketModeServer | None = None,
    ) -> None:
        self._ctx = ctx
        self._socket = socket
        self._responses = responses
        self.signing_secret = signing_secret
        self._endpoint = endpoint
        self.ack_timeout = ack_timeout
        self._lock = threading.Lock()
        self._deliveries: list[Delivery] = []

    @property
    def deliveries(self) -> list[Delivery]:
        with self._lock:
            return list(self._deliveries)

    def issue_trigger(self, user: str) -> str:
        """A fresh trigger id for ``user``, as an interaction would carry."""
        with self._ctx.workspace.lock:
            return self._trigger(self._ctx.workspace.user(user))

    def user(self, user: str) -> UserDriver:
        with self._ctx.workspace.lock:
            return UserDriver(self, self._ctx.workspace.user(user).id)

    # -- commands and interactions -------------------------------------------------------

    def slash(self, user: str, channel: str, command: str, text: str = "") -> Delivery:
        with self._ctx.workspace.lock:
            who, where = self._member(user, channel)
            trigger_id = self._trigger(who)
        response_url = self._responses.issue(where.id, who.id)
        form = payloads.slash_command(
            self._ctx.workspace.identity,
            who,
            where,
            command,
            text,
            response_url=response_url,
            trigger_id=trigger_id,
        )
        delivery, result = self._send("slash_command", urlencode(form).encode(), FORM)
        with self._ctx.workspace.lock:
            shown, error = acks.apply_slash_ack(self._ctx, who, where, result)
        return self._keep(replace(delivery, shown=copy.deepcopy(shown), ack_error=error))

    def click(
        self,
        user: str,
        channel: str | None = None,
        message_ts: str | None = None,
        *,
        label: str,
    ) -> Delivery:
        """Click the button labelled ``label`` in a message, or in the user's open modal
        when no channel is given."""
        with self._ctx.workspace.lock:
            if channel is None:
                payload = self._modal_click(user, label)
            else:
                if message_ts is None:
                    raise SimulatorError("click in a channel needs the message_ts")
                payload = self._message_click(user, channel, message_ts, label)
        body = urlencode({"payload": json.dumps(payload)}).encode()
        delivery, result = self._send("block_actions", body, FORM)
        return self._keep(replace(delivery, ack_error=acks.transport_error(result)))

    def choose(self, user: str, channel: str, message_ts: str, *, option: str) -> Delivery:
        """Open the overflow menu (or static select) of a message that offers ``option``
        and choose it, as its visible text reads."""
        with self._ctx.workspace.lock:
            who, where = self._member(user, channel)
            blocks = self._seen_blocks(who, where, message_ts)
            found = find_option(blocks, option, f"message {message_ts} in #{where.name}")
            action = payloads.option_action(found.element, found.block_id, found.option)
            payload = self._message_action(who, where, message_ts, action)
        body = urlencode({"payload": json.dumps(payload)}).encode()
        delivery, result = self._send("block_actions", body, FORM)
        return self._keep(replace(delivery, ack_error=acks.transport_error(result)))

    def shortcut(self, user: str, channel: str, message_ts: str, callback_id: str) -> Delivery:
        """Choose the app's message shortcut ``callback_id`` from the menu of a message
        (a live one, in a channel the user is in): one ``message_action`` with a fresh
        ``trigger_id`` and ``response_url``."""
        workspace = self._ctx.workspace
        with workspace.lock:
            who, where = self._member(user, channel)
            message = self._message(where, message_ts)
            shown = (
                message_json(workspace, message)
                if message.is_bot
                else message_events.user_message(workspace, message)
            )
            trigger_id = self._trigger(who)
        response_url = self._responses.issue(where.id, who.id)
        payload = payloads.message_shortcut(
            workspace.identity,
            who,
            where,
            callback_id=callback_id,
            message=shown,
            trigger_id=trigger_id,
            response_url=response_url,
        )
        body = urlencode({"payload": json.dumps(payload)}).encode()
        delivery, result = self._send("message_action", body, FORM)
        return self._keep(replace(delivery, ack_error=acks.transport_error(result)))

    def submit_modal(self, user: str, values: Mapping[str, object] | None = None) -> Delivery:
        """Fill the top modal's inputs (by block_id or action_id) and press its submit button."""
        workspace = self._ctx.workspace
        with workspace.lock:
            who = workspace.user(user)
            top = self._top_view(who)
            top.view["state"] = {"values": fill_state(top.view, values or {})}
            top.errors = {}
            payload = payloads.view_submission(
                workspace.identity, who, copy.deepcopy(top.view), self._trigger(who)
            )
        body = urlencode({"payload": json.dumps(payload)}).encode()
        delivery, result = self._send("view_submission", body, FORM)
        with workspace.lock:
            error = acks.apply_submission_ack(self._ctx, who, result)
        return self._keep(replace(delivery, ack_error=error))

    def close_modal(self, user: str) -> Delivery | None:
        """Press the modal's close button; Slack tells the bot only if ``notify_on_close``."""
        workspace = self._ctx.workspace
        with workspace.lock:
            who = workspace.user(user)
            top = self._top_view(who)
            cleared = bool(top.view.get("clear_on_close"))
            stack = workspace.views[who.id]
            if cleared:
                stack.clear()
            else:
                stack.pop()
            if not top.view.get("notify_on_close"):
                return None
            payload = payloads.view_closed(
                workspace.identity, who, copy.deepcopy(top.view), is_cleared=cleared
            )
        body = urlencode({"payload": json.dumps(payload)}).encode()
        delivery, result = self._send("view_closed", body, FORM)
        return self._keep(replace(delivery, ack_error=acks.transport_error(result)))

    # -- the app's Home tab ------------------------------------------------------------------

    def open_home(self, user: str, *, tab: str = "home") -> Delivery:
        """Open the app's Home tab (``tab="messages"``: its Messages tab): Slack sends
        ``app_home_opened``, with the Home view last published for the user, if any."""
        workspace = self._ctx.workspace
        with workspace.lock:
            who = workspace.user(user)
            direct = workspace.channel(who.id)
            event = home_events.app_home_opened(
                who, direct, self._ctx.ids.ts(), workspace.homes.get(who.id), tab=tab
            )
        return self._event(event)

    def click_home(self, user: str, *, label: str) -> Delivery:
        """Click the button labelled ``label`` in the user's published Home tab."""
        workspace = self._ctx.workspace
        with workspace.lock:
            who = workspace.user(user)
            home = workspace.homes.get(who.id)
            if home is None:
                raise SimulatorError(f"{who.name} has no Home tab published")
            button = find_button(home["blocks"], label, f"{who.name}'s Home tab")
            payload = payloads.view_block_actions(
                workspace.identity,
                who,
                copy.deepcopy(home),
                payloads.button_action(button.element, button.block_id),
                self._trigger(who),
            )
        body = urlencode({"payload": json.dumps(payload)}).encode()
        delivery, result = self._send("block_actions", body, FORM)
        return self._keep(replace(delivery, ack_error=acks.transport_error(result)))

    # -- messages and reactions (events) ---------------------------------------------------

    def reply(self, user: str, channel: str, thread_ts: str, text: str) -> Delivery:
        """Post ``text`` in the thread of ``thread_ts`` and send the ``message`` event."""
        workspace = self._ctx.workspace
        with workspace.lock:
            who, where = self._member(user, channel)
            parent = self._message(where, thread_ts)
            root = workspace.messages[where.id][parent.thread_ts or parent.ts]
            message = Message(
                channel=where.id,
                ts=self._ctx.ids.ts(),
                user=who.id,
                text=text,
                blocks=[],
                thread_ts=root.ts,
            )
            workspace.add_message(message)
            event = payloads.message_event(workspace.identity, where, message, root.user)
        return self._event(event)

    def post(self, user: str, channel: str, text: str) -> Delivery:
        """Post a top-level message as ``user`` and send the ``message`` event."""
        workspace = self._ctx.workspace
        with workspace.lock:
            who, where = self._member(user, channel)
            message = Message(
                channel=where.id, ts=self._ctx.ids.ts(), user=who.id, text=text, blocks=[]
            )
            workspace.add_message(message)
            event = payloads.message_event(workspace.identity, where, message, None)
        return self._event(event)

    # -- message subtypes (``message_events``) ----------------------------------------------

    def broadcast_reply(self, user: str, channel: str, thread_ts: str, text: str) -> Delivery:
        """Reply in a thread and also send it to the channel: one ``thread_broadcast``."""
        workspace = self._ctx.workspace
        with workspace.lock:
            who, where = self._member(user, channel)
            root = self._root(where, thread_ts)
            message = Message(
                channel=where.id,
                ts=self._ctx.ids.ts(),
                user=who.id,
                text=text,
                blocks=[],
                thread_ts=root.ts,
                reply_broadcast=True,
            )
            workspace.add_message(message)
            event = message_events.thread_broadcast(workspace, where, message, root)
        return self._event(event)

    def share_file(
        self,
        user: str,
        channel: str,
        thread_ts: str | None = None,
        text: str = "",
        *,
        name: str = "notes.txt",
    ) -> Delivery:
        """Share a file (with or without text), in a thread when ``thread_ts`` is given."""
        workspace = self._ctx.workspace
        with workspace.lock:
            who, where = self._member(user, channel)
            root = self._root(where, thread_ts) if thread_ts is not None else None
            file = message_events.file_object(
                self._ctx.ids.object_id("F"), who.id, name, int(self._ctx.now())
            )
            message = Message(
                channel=where.id,
                ts=self._ctx.ids.ts(),
                user=who.id,
                text=text,
                blocks=[],
                thread_ts=root.ts if root is not None else None,
                files=[file],
            )
            workspace.add_message(message)
            parent_user = root.user if root is not None else None
            event = message_events.file_share(workspace, where, message, parent_user)
        return self._event(event)

    def edit_message(self, user: str, channel: str, ts: str, text: str) -> Delivery:
        """Edit the user's own message and send ``message_changed``."""
        workspace = self._ctx.workspace
        with workspace.lock:
            who, where = self._member(user, channel)
            message = self._own_message(who, where, ts)
            previous = message_events.user_message(workspace, message)
            edited_ts = self._ctx.ids.ts()
            message.history.append(Revision(message.text, message.blocks, edited_ts=edited_ts))
            message.text = text
            current = message_events.user_message(workspace, message)
            event = message_events.message_changed(where, current, previous, edited_ts)
        return self._event(event)

    def delete_message(self, user: str, channel: str, ts: str) -> Delivery:
        """Delete the user's own message and send ``message_deleted``."""
        workspace = self._ctx.workspace
        with workspace.lock:
            who, where = self._member(user, channel)
            message = self._own_message(who, where, ts)
            previous = message_events.user_message(workspace, message)
            message.deleted = True
            message.pinned_by = None
            workspace.pins.get(where.id, {}).pop(message.ts, None)
            event = message_events.message_deleted(where, previous, ts, self._ctx.ids.ts())
        return self._event(event)

    def other_app_post(
        self, channel: str, text: str, thread_ts: str | None = None, *, legacy: bool = False
    ) -> Delivery:
        """Another app posts (``legacy``: a ``bot_message`` webhook post); Slack tells the bot."""
        workspace = self._ctx.workspace
        with workspace.lock:
            where = workspace.channel(channel)
            root = self._root(where, thread_ts) if thread_ts is not None else None
            message = Message(
                channel=where.id,
                ts=self._ctx.ids.ts(),
                user=message_events.OTHER_APP_USER,
                text=text,
                blocks=[],
                thread_ts=root.ts if root is not None else None,
            )
            workspace.add_message(message)
            event = message_events.other_app_message(
                workspace.identity, where, message, legacy=legacy
            )
        return self._event(event)

    def _root(self, channel: Channel, thread_ts: str) -> Message:
        parent = self._message(channel, thread_ts)
        return self._ctx.workspace.messages[channel.id][parent.thread_ts or parent.ts]

    def _own_message(self, user: User, channel: Channel, ts: str) -> Message:
        message = self._message(channel, ts)
        if message.user != user.id or message.is_bot:
            raise SimulatorError(f"{user.name} can edit or delete only their own messages")
        return message

    def react(self, user: str, channel: str, ts: str, name: str) -> Delivery:
        return self._reaction(user, channel, ts, name, added=True)

    def unreact(self, user: str, channel: str, ts: str, name: str) -> Delivery:
        return self._reaction(user, channel, ts, name, added=False)

    def url_verification(self, challenge: str = "sim-challenge") -> Delivery:
        payload = payloads.url_verification(self._ctx.workspace.identity, challenge)
        delivery, _ = self._send("url_verification", json.dumps(payload).encode(), JSON)
        return self._keep(delivery)

    def retry(
        self, delivery: Delivery, retry_num: int = 1, reason: str = "http_timeout"
    ) -> Delivery:
        """Resend ``delivery`` as Slack's retry number ``retry_num``."""
        content_type = delivery.request_headers.get("Content-Type", JSON)
        redelivered, result = self._send(
            delivery.kind,
            delivery.request_body,
            content_type,
            retry_num=retry_num,
            retry_reason=reason,
        )
        return self._keep(
            replace(redelivered, event_id=delivery.event_id, ack_error=acks.transport_error(result))
        )

    # -- internals (callers hold the workspace lock where noted) ------------------------------

    def _reaction(self, user: str, channel: str, ts: str, name: str, *, added: bool) -> Delivery:
        workspace = self._ctx.workspace
        reaction = canonical_reaction(name)
        with workspace.lock:
            who, where = self._member(user, channel)
            message = self._message(where, ts)
            users = message.reactions.get(reaction, [])
            if added == (who.id in users):
                state = "already reacted" if added else "has not reacted"
                raise SimulatorError(f"{who.name} {state} with :{reaction}: on {ts}")
            if added:
                message.reactions.setdefault(reaction, []).append(who.id)
            else:
                users.remove(who.id)
                if not users:
                    del message.reactions[reaction]
            kind = "reaction_added" if added else "reaction_removed"
            event = payloads.reaction_event(
                kind,
                user=who,
                reaction=reaction,
                item_user=message.user,
                channel=where,
                ts=ts,
                event_ts=self._ctx.ids.ts(),
            )
        return self._event(event)

    def app_uninstalled(self) -> Delivery:
        """The workspace uninstalls the app: Slack sends ``app_uninstalled``."""
        return self._event({"type": "app_uninstalled", "event_ts": self._ctx.ids.ts()})

    def tokens_revoked(self, *, bot: Sequence[str] = (), oauth: Sequence[str] = ()) -> Delivery:
        """Tokens were revoked: ``bot`` and ``oauth`` list the users whose tokens went."""
        event = {
            "type": "tokens_revoked",
            "tokens": {"oauth": list(oauth), "bot": list(bot)},
            "event_ts": self._ctx.ids.ts(),
        }
        return self._event(event)

    def _event(self, event: JsonDict) -> Delivery:
        event_id = self._ctx.ids.object_id("Ev")
        envelope = payloads.event_callback(self._ctx.workspace.identity, event, event_id)
        delivery, result = self._send("event_callback", json.dumps(envelope).encode(), JSON)
        return self._keep(
            replace(delivery, event_id=event_id, ack_error=acks.transport_error(result))
        )

    def _modal_click(self, user: str, label: str) -> JsonDict:
        workspace = self._ctx.workspace
        who = workspace.user(user)
        top = self._top_view(who)
        button = find_button(top.view["blocks"], label, f"{who.name}'s open modal")
        return payloads.view_block_actions(
            workspace.identity,
            who,
            copy.deepcopy(top.view),
            payloads.button_action(button.element, button.block_id),
            self._trigger(who),
        )

    def _message_click(self, user: str, channel: str, message_ts: str, label: str) -> JsonDict:
        who, where = self._member(user, channel)
        blocks = self._seen_blocks(who, where, message_ts)
        button = find_button(blocks, label, f"message {message_ts} in #{where.name}")
        action = payloads.button_action(button.element, button.block_id)
        return self._message_action(who, where, message_ts, action)

    def _seen_blocks(self, who: User, where: Channel, message_ts: str) -> list[JsonDict]:
        """The blocks of ``message_ts`` as ``who`` sees it: a message, or their ephemeral."""
        message = self._ctx.workspace.message(where.id, message_ts)
        if message is not None:
            return message.blocks
        ephemeral = self._ephemeral(who, where, message_ts)
        if ephemeral is None:
            raise SimulatorError(f"{who.name} sees no message {message_ts} in #{where.name}")
        return ephemeral.blocks

    def _message_action(
        self, who: User, where: Channel, message_ts: str, action: JsonDict
    ) -> JsonDict:
        workspace = self._ctx.workspace
        message = workspace.message(where.id, message_ts)
        response_url = self._responses.issue(
            where.id, who.id, message_ts, message_is_ephemeral=message is None
        )
        return payloads.message_block_actions(
            workspace.identity,
            who,
            where,
            message_ts=message_ts,
            message=message_json(workspace, message) if message is not None else None,
            action=action,
            trigger_id=self._trigger(who),
            response_url=response_url,
        )

    def _member(self, user: str, channel: str) -> tuple[User, Channel]:
        workspace = self._ctx.workspace
        who, where = workspace.user(user), workspace.channel(channel)
        if not workspace.is_member(where, who.id):
            raise SimulatorError(f"{who.name} is not a member of #{where.name}")
        return who, where

    def _message(self, channel: Channel, ts: str) -> Message:
        message = self._ctx.workspace.message(channel.id, ts)
        if message is None:
            raise SimulatorError(f"no message {ts} in #{channel.name}")
        return message

    def _ephemeral(self, user: User, channel: Channel, ts: str) -> Ephemeral | None:
        for ephemeral in self._ctx.workspace.ephemerals:
            matches = (ephemeral.ts, ephemeral.user, ephemeral.channel) == (ts, user.id, channel.id)
            if matches and not ephemeral.deleted:
                return ephemeral
        return None

    def _top_view(self, user: User) -> OpenView:
        top = self._ctx.workspace.top_view(user.id)
        if top is None:
            raise SimulatorError(f"{user.name} has no modal open")
        return top

    def _trigger(self, user: User) -> str:
        trigger_id = self._ctx.ids.trigger_id()
        self._ctx.workspace.triggers[trigger_id] = Trigger(trigger_id, user.id, self._ctx.now())
        return trigger_id

    def _send(
        self,
        kind: str,
        body: bytes,
        content_type: str,
        *,
        retry_num: int | None = None,
        retry_reason: str | None = None,
    ) -> tuple[Delivery, HttpResult]:
        if self._socket is not None and self._socket.in_use:
            return self._socket.exchange(
                kind,
                body,
                content_type,
                timeout=self.ack_timeout,
                retry_num=retry_num,
                retry_reason=retry_reason,
            )
        url = self._endpoint()
        if url is None:
            raise SimulatorError("no bot endpoint: call set_bot_endpoint(url) first")
        headers = signed_headers(
            self.signing_secret, body, content_type, retry_num=retry_num, retry_reason=retry_reason
        )
        result = post(url, body, headers, self.ack_timeout)
        delivery = Delivery(
            kind=kind,
            url=url,
            request_body=body,
            request_headers=headers,
            status=result.status,
            response_headers=result.headers,
            response_body=result.body,
            elapsed=result.elapsed,
            timed_out=result.timed_out,
        )
        return delivery, result

    def _keep(self, delivery: Delivery) -> Delivery:
        with self._lock:
            self._deliveries.append(delivery)
        return delivery
