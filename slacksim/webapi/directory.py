"""Who and where: ``auth.test``, ``users.info``, ``conversations.info``/``.members``.

Rules kept:
- ``auth.test`` describes the bot token's identity (team, bot user, bot id);
- ``users.info`` knows every added user and the bot (``user_not_found`` otherwise);
- ``conversations.info``/``.members`` work on public channels whether or not the bot is a
  member (Slack allows that with a bot token), not on private channels it is not in;
- ``conversations.members`` paginates with ``limit`` (1-1000, ``invalid_limit``) and an
  opaque ``cursor`` (``invalid_cursor``); the bot is listed when it is a member.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from slacksim.webapi.checks import readable_channel
from slacksim.webapi.context import ApiContext, ApiError, Args
from slacksim.webapi.shapes import channel_json, user_json

JsonDict = dict[str, Any]


def auth_test(ctx: ApiContext, args: Args) -> JsonDict:
    identity = ctx.workspace.identity
    return {
        "url": f"https://{identity.team_domain}.slack.com/",
        "team": identity.team_name,
        "user": identity.bot_name,
        "team_id": identity.team_id,
        "user_id": identity.bot_user_id,
        "bot_id": identity.bot_id,
        "app_id": identity.app_id,
        "is_enterprise_install": False,
    }


def users_info(ctx: ApiContext, args: Args) -> JsonDict:
    user_id = args.get_str("user")
    user = ctx.workspace.users.get(user_id) if user_id else None
    if user is None:
        raise ApiError("user_not_found")
    return {"user": user_json(ctx.workspace, user)}


def conversations_info(ctx: ApiContext, args: Args) -> JsonDict:
    return {"channel": channel_json(readable_channel(ctx, args))}


def conversations_members(ctx: ApiContext, args: Args) -> JsonDict:
    channel = readable_channel(ctx, args)
    limit = args.get_int("limit", 100)
    if not 1 <= limit <= 1000:
        raise ApiError("invalid_limit")
    members = list(channel.members)
    if channel.bot_member:
        members.append(ctx.workspace.identity.bot_user_id)
    start = _decode_cursor(args.get_str("cursor"), len(members))
    page = members[start : start + limit]
    after = start + len(page)
    next_cursor = _encode_cursor(after) if after < len(members) else ""
    return {"members": page, "response_metadata": {"next_cursor": next_cursor}}


def _encode_cursor(offset: int) -> str:
    return base64.b64encode(f"offset:{offset}".encode()).decode()


def _decode_cursor(cursor: str | None, size: int) -> int:
    if cursor is None:
        return 0
    try:
        kind, _, number = base64.b64decode(cursor, validate=True).decode().partition(":")
        offset = int(number)
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise ApiError("invalid_cursor") from exc
    if kind != "offset" or not 0 <= offset <= size:
        raise ApiError("invalid_cursor")
    return offset
