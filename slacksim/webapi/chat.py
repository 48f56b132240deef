"""``chat.*`` methods: post, update, ephemeral, delete, permalink.

Rules kept:
- ``chat.postMessage`` needs a channel the bot is in and text or blocks; ``thread_ts`` must
  be well formed (``invalid_thread_ts``) and name a live message (``thread_not_found``;
  real Slack accepts the call and silently drops the reply, which hides bugs, so the
  simulator refuses it); replying to a reply lands in the parent's thread;
- ``chat.update`` edits only the bot's own messages (``cant_update_message``); absent
  ``text`` or ``blocks`` keep their previous value, ``blocks=[]`` removes blocks; every
  edit pushes the previous version onto the message's history;
- ``chat.postEphemeral`` needs a known user (``user_not_found``) who is in the channel
  (``user_not_in_channel``);
- ``chat.delete`` deletes only the bot's own messages (``cant_delete_message``) and unpins;
- ``chat.getPermalink`` works for any live message in a channel the bot can see.
"""

from __future__ import annotations

from typing import Any

from slacksim.state import Ephemeral, Message, Revision
from slacksim.webapi.checks import (
    existing_message,
    is_ts,
    message_content,
    new_message_content,
    readable_channel,
    writable_channel,
)
from slacksim.webapi.context import ApiContext, ApiError, Args
from slacksim.webapi.shapes import message_json

JsonDict = dict[str, Any]


def post_message(ctx: ApiContext, args: Args) -> JsonDict:
    workspace = ctx.workspace
    channel = writable_channel(ctx, args)
    text, blocks = new_message_content(ctx, args)
    thread_ts = args.get_str("thread_ts")
    if thread_ts is not None:
        if not is_ts(thread_ts):
            raise ApiError("invalid_thread_ts")
        parent = workspace.message(channel.id, thread_ts)
        if parent is None:
            raise ApiError("thread_not_found")
        thread_ts = parent.thread_ts or parent.ts
    metadata = args.get_json("metadata", "invalid_metadata_format")
    if metadata is not None and not isinstance(metadata, dict):
        raise ApiError("invalid_metadata_format")
    message = Message(
        channel=channel.id,
        ts=ctx.ids.ts(),
        user=workspace.identity.bot_user_id,
        text=text,
        blocks=blocks,
        thread_ts=thread_ts,
        is_bot=True,
        reply_broadcast=args.get_bool("reply_broadcast") and thread_ts is not None,
        metadata=metadata,
    )
    workspace.add_message(message)
    return {"channel": channel.id, "ts": message.ts, "message": message_json(workspace, message)}


def update(ctx: ApiContext, args: Args) -> JsonDict:
    workspace = ctx.workspace
    channel = writable_channel(ctx, args)
    message = existing_message(ctx, channel, args.get_str("ts"))
    if not message.is_bot:
        raise ApiError("cant_update_message")
    text, blocks = message_content(ctx, args)
    if text is None and blocks is None:
        raise ApiError("no_text")
    message.history.append(Revision(message.text, message.blocks, edited_ts=ctx.ids.ts()))
    if text is not None:
        message.text = text
    if blocks is not None:
        message.blocks = blocks
    return {
        "channel": channel.id,
        "ts": message.ts,
        "text": message.text,
        "message": message_json(workspace, message),
    }


def post_ephemeral(ctx: ApiContext, args: Args) -> JsonDict:
    workspace = ctx.workspace
    channel = writable_channel(ctx, args)
    user_id = args.get_str("user")
    if user_id is None or user_id not in workspace.users:
        raise ApiError("user_not_found")
    if not workspace.is_member(channel, user_id):
        raise ApiError("user_not_in_channel")
    text, blocks = new_message_content(ctx, args)
    thread_ts = args.get_str("thread_ts")
    if thread_ts is not None and not is_ts(thread_ts):
        raise ApiError("invalid_thread_ts")
    ephemeral = Ephemeral(
        channel=channel.id,
        ts=ctx.ids.ts(),
        user=user_id,
        text=text,
        blocks=blocks,
        source="chat.postEphemeral",
        thread_ts=thread_ts,
    )
    workspace.ephemerals.append(ephemeral)
    return {"message_ts": ephemeral.ts}


def delete(ctx: ApiContext, args: Args) -> JsonDict:
    channel = writable_channel(ctx, args)
    message = existing_message(ctx, channel, args.get_str("ts"))
    if not message.is_bot:
        raise ApiError("cant_delete_message")
    message.deleted = True
    message.pinned_by = None
    ctx.workspace.pins.get(channel.id, {}).pop(message.ts, None)
    return {"channel": channel.id, "ts": message.ts}


def get_permalink(ctx: ApiContext, args: Args) -> JsonDict:
    channel = readable_channel(ctx, args)
    message = existing_message(ctx, channel, args.get_str("message_ts"))
    domain = ctx.workspace.identity.team_domain
    link = f"https://{domain}.slack.com/archives/{channel.id}/p{message.ts.replace('.', '')}"
    if message.thread_ts is not None:
        link += f"?thread_ts={message.thread_ts}&cid={channel.id}"
    return {"channel": channel.id, "permalink": link}
