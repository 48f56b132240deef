"""``pins.add`` / ``pins.remove`` / ``pins.list``.

Rules kept:
- ``timestamp`` is required (``no_item_specified``) and must name a live message in the
  channel (``message_not_found``); the bot must be in the channel;
- a message is pinned at most once (``already_pinned``); removing a pin that is not there
  is ``no_pin``;
- ``pins.list`` returns the channel's pinned messages, oldest pin first, with who pinned.
"""

from __future__ import annotations

import time
from typing import Any

from slacksim.webapi.checks import existing_message, readable_channel, writable_channel
from slacksim.webapi.context import ApiContext, ApiError, Args
from slacksim.webapi.shapes import message_json

JsonDict = dict[str, Any]


def add(ctx: ApiContext, args: Args) -> JsonDict:
    channel = writable_channel(ctx, args)
    message = existing_message(ctx, channel, args.get_str("timestamp"), "no_item_specified")
    if message.pinned:
        raise ApiError("already_pinned")
    message.pinned_by = ctx.workspace.identity.bot_user_id
    ctx.workspace.pins.setdefault(channel.id, {})[message.ts] = int(time.time())
    return {}


def remove(ctx: ApiContext, args: Args) -> JsonDict:
    channel = writable_channel(ctx, args)
    message = existing_message(ctx, channel, args.get_str("timestamp"), "no_item_specified")
    if not message.pinned:
        raise ApiError("no_pin")
    message.pinned_by = None
    ctx.workspace.pins.get(channel.id, {}).pop(message.ts, None)
    return {}


def list_pins(ctx: ApiContext, args: Args) -> JsonDict:
    channel = readable_channel(ctx, args)
    workspace = ctx.workspace
    items = []
    for ts, created in workspace.pins.get(channel.id, {}).items():
        message = workspace.message(channel.id, ts)
        if message is None or not message.pinned:
            continue
        items.append(
            {
                "type": "message",
                "channel": channel.id,
                "created": created,
                "created_by": message.pinned_by,
                "message": message_json(workspace, message),
            }
        )
    return {"items": items}
