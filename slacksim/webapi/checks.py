"""Checks shared by Web API methods: channel access, timestamps, message content.

Rules kept:
- an unknown channel, or a private one the bot is not in, is ``channel_not_found``; a
  user id names the bot's direct-message channel with that person;
- methods that write into a channel (post, update, delete, react, pin) need the bot to
  be a member: ``not_in_channel`` (the bot must be invited; it never joins by itself);
- a ``ts`` must look like ``"1700000000.000100"`` (``bad_timestamp`` / ``invalid_thread_ts``)
  and name a live message (``message_not_found``);
- message content: ``text`` at most ``SlackLimits.text_chars`` (``msg_too_long``); blocks
  valid per ``blockkit`` (``invalid_blocks``, ``invalid_blocks_format``,
  ``msg_blocks_too_long``); a new message needs text or blocks (``no_text``); missing
  block and action ids are filled in as Slack does (``blockids``).
"""

from __future__ import annotations

import re
from typing import Any

from slacksim.blockids import with_ids
from slacksim.blockkit import BlockKitError, check_message_blocks
from slacksim.state import Channel, Message
from slacksim.webapi.context import ApiContext, ApiError, Args

JsonDict = dict[str, Any]

_TS = re.compile(r"^\d{1,12}\.\d{1,6}$")


def readable_channel(ctx: ApiContext, args: Args, name: str = "channel") -> Channel:
    ref = args.get_str(name)
    channel = ctx.workspace.channels.get(ref) if ref else None
    if channel is None and ref in ctx.workspace.users:
        # A user id: the bot's direct messages with that person, as Slack does.
        channel = ctx.workspace.channel(ref)
    if channel is None or (channel.is_private and not channel.bot_member):
        raise ApiError("channel_not_found")
    return channel


def writable_channel(ctx: ApiContext, args: Args, name: str = "channel") -> Channel:
    channel = readable_channel(ctx, args, name)
    if not channel.bot_member:
        raise ApiError("not_in_channel")
    return channel


def is_ts(value: str) -> bool:
    return bool(_TS.match(value))


def existing_message(
    ctx: ApiContext, channel: Channel, ts: str | None, missing: str = "message_not_found"
) -> Message:
    if ts is None:
        raise ApiError(missing)
    if not is_ts(ts):
        raise ApiError("bad_timestamp")
    message = ctx.workspace.message(channel.id, ts)
    if message is None:
        raise ApiError("message_not_found")
    return message


def message_content(ctx: ApiContext, args: Args) -> tuple[str | None, list[JsonDict] | None]:
    """The call's ``text`` and validated ``blocks`` (each ``None`` when absent)."""
    text = args.get_str("text")
    if text is not None and len(text) > ctx.limits.text_chars:
        raise ApiError("msg_too_long")
    raw_blocks = args.get_json("blocks", "invalid_blocks_format")
    if raw_blocks is None:
        return text, None
    try:
        blocks = check_message_blocks(raw_blocks, ctx.limits)
    except BlockKitError as exc:
        raise ApiError(exc.code, exc.messages()) from exc
    return text, with_ids(blocks, ctx.ids)


def new_message_content(ctx: ApiContext, args: Args) -> tuple[str, list[JsonDict]]:
    text, blocks = message_content(ctx, args)
    if not text and not blocks:
        raise ApiError("no_text")
    return text or "", blocks or []
