"""``message`` events with a subtype, shaped as Slack sends them over the Events API.

Rules kept (from Slack's event reference):
- ``thread_broadcast``: a thread reply also sent to the channel. One event, carrying
  ``thread_ts`` and ``root`` (the thread's parent with ``reply_count``, ``reply_users``,
  ``reply_users_count``, ``latest_reply``), plus the user's ``text``, rich_text
  ``blocks`` and ``client_msg_id``; no ``parent_user_id``;
- ``file_share``: a message carrying ``files`` (``upload: false``: the file was shared,
  as from the message box), with ``display_as_bot: false``; ``text`` may be empty, and
  ``blocks``/``client_msg_id`` are present only with text; in a thread it carries
  ``thread_ts`` and ``parent_user_id``;
- ``message_changed``: ``hidden: true``, its own ``ts``/``event_ts`` (when the edit
  happened), ``message`` (the message now, with ``edited: {user, ts}``) and
  ``previous_message``; no top-level ``user``;
- ``message_deleted``: ``hidden: true``, its own ``ts``/``event_ts``, ``deleted_ts`` and
  ``previous_message``; no top-level ``user``;
- ``bot_message``: a message from another integration (a legacy webhook): ``bot_id``,
  ``username``, no ``user``; an app posting with its bot token sends no subtype but
  ``bot_id``, ``app_id``, ``bot_profile`` and its bot ``user``;
- a user message's ``client_msg_id`` is the same in every event about it.
"""

from __future__ import annotations

import uuid
from typing import Any

from slacksim.state import Channel, Identity, Message, Workspace
from slacksim.webapi.shapes import message_json

JsonDict = dict[str, Any]

OTHER_APP_BOT_ID = "B0OTHERAPP"
OTHER_APP_ID = "A0OTHERAPP"
OTHER_APP_USER = "U0OTHERBOT"
OTHER_APP_NAME = "another-app"


def client_msg_id(message: Message) -> str:
    """Stable per message, as Slack's client-chosen id is."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"slacksim:{message.channel}:{message.ts}"))


def rich_text(text: str) -> list[JsonDict]:
    """The rich_text block Slack's client attaches to what a user typed."""
    return [
        {
            "type": "rich_text",
            "block_id": uuid.uuid4().hex[:5],
            "elements": [
                {"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}
            ],
        }
    ]


def channel_type(channel: Channel) -> str:
    return "group" if channel.is_private else "channel"


def user_message(workspace: Workspace, message: Message) -> JsonDict:
    """A user's message as Slack shows it inside another event (``message``, ``root``...)."""
    body: JsonDict = {
        "type": "message",
        "user": message.user,
        "text": message.text,
        "ts": message.ts,
        "team": workspace.identity.team_id,
    }
    if message.text:
        body["client_msg_id"] = client_msg_id(message)
        body["blocks"] = rich_text(message.text)
    if message.files:
        body["files"] = [dict(f) for f in message.files]
        body["upload"] = False
        body["display_as_bot"] = False
    if message.thread_ts is not None:
        body["thread_ts"] = message.thread_ts
        parent = workspace.messages.get(message.channel, {}).get(message.thread_ts)
        if parent is not None:
            body["parent_user_id"] = parent.user
        if message.reply_broadcast:
            body["subtype"] = "thread_broadcast"
    else:
        replies = workspace.replies(message.channel, message.ts)
        if replies:
            users = list(dict.fromkeys(r.user for r in replies))
            body.update(
                thread_ts=message.ts,
                reply_count=len(replies),
                reply_users_count=len(users),
                latest_reply=replies[-1].ts,
                reply_users=users,
                is_locked=False,
            )
    if message.history:
        body["edited"] = {"user": message.user, "ts": message.history[-1].edited_ts}
    return body


def thread_broadcast(
    workspace: Workspace, channel: Channel, message: Message, root: Message
) -> JsonDict:
    return {
        "type": "message",
        "subtype": "thread_broadcast",
        "text": message.text,
        "user": message.user,
        "ts": message.ts,
        "thread_ts": root.ts,
        "root": _root(workspace, root),
        "blocks": rich_text(message.text),
        "client_msg_id": client_msg_id(message),
        "channel": channel.id,
        "event_ts": message.ts,
        "channel_type": channel_type(channel),
    }


def _root(workspace: Workspace, root: Message) -> JsonDict:
    body = message_json(workspace, root) if root.is_bot else user_message(workspace, root)
    users = body.get("reply_users", [])
    body.update(reply_users_count=len(users), is_locked=False)
    return body


def file_share(
    workspace: Workspace, channel: Channel, message: Message, parent_user: str | None
) -> JsonDict:
    event: JsonDict = {
        "type": "message",
        "subtype": "file_share",
        "text": message.text,
        "files": [dict(f) for f in message.files],
        "upload": False,
        "user": message.user,
        "display_as_bot": False,
        "ts": message.ts,
        "channel": channel.id,
        "event_ts": message.ts,
        "channel_type": channel_type(channel),
    }
    if message.text:
        event["blocks"] = rich_text(message.text)
        event["client_msg_id"] = client_msg_id(message)
    if message.thread_ts is not None:
        event["thread_ts"] = message.thread_ts
        if parent_user is not None:
            event["parent_user_id"] = parent_user
    return event


def file_object(file_id: str, user: str, name: str, created: int) -> JsonDict:
    """A shared file as Slack describes it in a ``file_share`` event."""
    kind = name.rsplit(".", 1)[-1].lower() if "." in name else "binary"
    return {
        "id": file_id,
        "created": created,
        "timestamp": created,
        "name": name,
        "title": name,
        "mimetype": "text/plain" if kind == "txt" else "application/octet-stream",
        "filetype": kind,
        "pretty_type": kind.upper(),
        "user": user,
        "editable": False,
        "size": 1024,
        "mode": "hosted",
        "is_external": False,
        "external_type": "",
        "is_public": True,
        "public_url_shared": False,
        "display_as_bot": False,
        "username": "",
        "url_private": f"https://files.slack.com/files-pri/sim-{file_id}/{name}",
        "url_private_download": f"https://files.slack.com/files-pri/sim-{file_id}/download/{name}",
        "permalink": f"https://sim.slack.com/files/{user}/{file_id}/{name}",
        "has_rich_preview": False,
        "file_access": "visible",
    }


def message_changed(
    channel: Channel, current: JsonDict, previous: JsonDict, event_ts: str
) -> JsonDict:
    return {
        "type": "message",
        "subtype": "message_changed",
        "hidden": True,
        "channel": channel.id,
        "ts": event_ts,
        "event_ts": event_ts,
        "channel_type": channel_type(channel),
        "message": current,
        "previous_message": previous,
    }


def message_deleted(
    channel: Channel, previous: JsonDict, deleted_ts: str, event_ts: str
) -> JsonDict:
    return {
        "type": "message",
        "subtype": "message_deleted",
        "hidden": True,
        "channel": channel.id,
        "ts": event_ts,
        "event_ts": event_ts,
        "deleted_ts": deleted_ts,
        "channel_type": channel_type(channel),
        "previous_message": previous,
    }


def other_app_message(
    identity: Identity, channel: Channel, message: Message, *, legacy: bool
) -> JsonDict:
    """A message from another app: ``bot_message`` (legacy) or a bot-token post."""
    text, ts, thread_ts = message.text, message.ts, message.thread_ts
    event: JsonDict = {"type": "message", "text": text, "ts": ts, "bot_id": OTHER_APP_BOT_ID}
    if legacy:
        event.update(subtype="bot_message", username=OTHER_APP_NAME)
    else:
        event.update(
            user=OTHER_APP_USER,
            app_id=OTHER_APP_ID,
            team=identity.team_id,
            bot_profile={
                "id": OTHER_APP_BOT_ID,
                "app_id": OTHER_APP_ID,
                "name": OTHER_APP_NAME,
                "team_id": identity.team_id,
                "deleted": False,
            },
            blocks=rich_text(text),
        )
    if thread_ts is not None:
        event["thread_ts"] = thread_ts
    event.update(channel=channel.id, event_ts=ts, channel_type=channel_type(channel))
    return event
