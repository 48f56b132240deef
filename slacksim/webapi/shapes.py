"""The JSON shapes Slack uses for messages, users and channels.

Rules kept:
- a message posted with the bot token carries the bot's ``user``, ``bot_id``, ``app_id``
  and ``bot_profile``; user messages carry only ``user``;
- a thread parent shows ``thread_ts`` (its own ts), ``reply_count``, ``reply_users`` and
  ``latest_reply``; a reply shows its parent's ``thread_ts`` and ``parent_user_id``;
- a message carrying files lists them in ``files``; a thread reply also sent to the
  channel has subtype ``thread_broadcast``;
- an edited message shows ``edited: {user, ts}``; reactions show as
  ``[{name, users, count}]``; a pinned message lists the channel in ``pinned_to``;
- users carry ``tz``, ``tz_offset``, ``real_name`` and ``profile.display_name``.
"""

from __future__ import annotations

from typing import Any

from slacksim.state import Channel, Message, User, Workspace

JsonDict = dict[str, Any]


def message_json(workspace: Workspace, message: Message) -> JsonDict:
    identity = workspace.identity
    body: JsonDict = {
        "type": "message",
        "ts": message.ts,
        "user": message.user,
        "text": message.text,
        "team": identity.team_id,
    }
    if message.blocks:
        body["blocks"] = message.blocks
    if message.files:
        body["files"] = [dict(f) for f in message.files]
        body["upload"] = False
    if message.reply_broadcast:
        body["subtype"] = "thread_broadcast"
    if message.is_bot:
        body["bot_id"] = identity.bot_id
        body["app_id"] = identity.app_id
        body["bot_profile"] = {
            "id": identity.bot_id,
            "app_id": identity.app_id,
            "name": identity.bot_name,
            "team_id": identity.team_id,
            "deleted": False,
        }
    if message.thread_ts is not None:
        body["thread_ts"] = message.thread_ts
        parent = workspace.messages.get(message.channel, {}).get(message.thread_ts)
        if parent is not None:
            body["parent_user_id"] = parent.user
    else:
        replies = workspace.replies(message.channel, message.ts)
        if replies:
            body["thread_ts"] = message.ts
            body["reply_count"] = len(replies)
            body["reply_users"] = list(dict.fromkeys(r.user for r in replies))
            body["latest_reply"] = replies[-1].ts
    if message.history:
        body["edited"] = {"user": message.user, "ts": message.history[-1].edited_ts}
    if message.reactions:
        body["reactions"] = [
            {"name": name, "users": list(users), "count": len(users)}
            for name, users in message.reactions.items()
        ]
    if message.pinned:
        body["pinned_to"] = [message.channel]
    if message.metadata is not None:
        body["metadata"] = message.metadata
    return body


def user_json(workspace: Workspace, user: User) -> JsonDict:
    return {
        "id": user.id,
        "team_id": workspace.identity.team_id,
        "name": user.name,
        "deleted": False,
        "real_name": user.real_name,
        "tz": user.tz,
        "tz_label": user.tz,
        "tz_offset": user.tz_offset,
        "is_bot": user.is_bot,
        "is_admin": False,
        "is_app_user": False,
        "profile": {
            "real_name": user.real_name,
            "real_name_normalized": user.real_name,
            "display_name": user.display_name,
            "display_name_normalized": user.display_name,
            "team": workspace.identity.team_id,
            **status_json(workspace, user),
        },
    }


def status_json(workspace: Workspace, user: User) -> JsonDict:
    """The profile's custom status; Slack clears it once ``status_expiration`` passes."""
    expired = 0 < user.status_expiration <= workspace.clock()
    return {
        "status_text": "" if expired else user.status_text,
        "status_emoji": "" if expired else user.status_emoji,
        "status_emoji_display_info": [],
        "status_expiration": 0 if expired else user.status_expiration,
    }


def channel_json(channel: Channel) -> JsonDict:
    return {
        "id": channel.id,
        "name": channel.name,
        "name_normalized": channel.name,
        "is_channel": not channel.is_private,
        "is_group": channel.is_private,
        "is_im": False,
        "is_mpim": False,
        "is_private": channel.is_private,
        "is_archived": False,
        "is_general": False,
        "is_member": channel.bot_member,
        "created": channel.created,
        "num_members": len(channel.members) + (1 if channel.bot_member else 0),
        "topic": {"value": "", "creator": "", "last_set": 0},
        "purpose": {"value": "", "creator": "", "last_set": 0},
    }
