"""Who and where: ``auth.test``, ``users.info``, ``users.getPresence``, ``dnd.info``,
``conversations.info``/``.members``.

Rules kept:
- ``auth.test`` describes the bot token's identity (team, bot user, bot id);
- ``users.info`` knows every added user and the bot (``user_not_found`` otherwise); its
  ``profile`` carries the custom status (``status_text``, ``status_emoji``,
  ``status_expiration``), cleared once its expiration passes on the workspace's clock;
- ``users.getPresence`` answers ``presence`` (``active``/``away``) for anyone, and the
  details (``online``, ``auto_away``, ``manual_away``, ``connection_count``,
  ``last_activity``) only for the caller itself, as Slack does; ``user`` defaults to
  the caller;
- ``dnd.info`` answers ``dnd_enabled`` with the scheduled window
  (``next_dnd_start_ts``/``next_dnd_end_ts``, both 1 when there is none) and
  ``snooze_enabled`` (with ``snooze_endtime`` and ``snooze_remaining`` while snoozing);
  ``user`` defaults to the caller;
- ``conversations.info``/``.members`` work on public channels whether or not the bot is a
  member (Slack allows that with a bot token), not on private channels it is not in;
- ``conversations.members`` paginates with ``limit`` (1-1000, ``invalid_limit``) and an
  opaque ``cursor`` (``invalid_cursor``); the bot is listed when it is a member.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from slacksim.state import User
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


def users_get_presence(ctx: ApiContext, args: Args) -> JsonDict:
    user = _user_or_caller(ctx, args)
    if user.id != ctx.workspace.identity.bot_user_id:
        return {"presence": user.presence}
    return {
        "presence": user.presence,
        "online": user.presence == "active",
        "auto_away": False,
        "manual_away": user.presence == "away",
        "connection_count": 1 if user.presence == "active" else 0,
        "last_activity": int(ctx.workspace.clock()),
    }


def dnd_info(ctx: ApiContext, args: Args) -> JsonDict:
    user = _user_or_caller(ctx, args)
    now = int(ctx.workspace.clock())
    body: JsonDict = {
        "dnd_enabled": user.dnd_enabled,
        "next_dnd_start_ts": user.next_dnd_start_ts,
        "next_dnd_end_ts": user.next_dnd_end_ts,
        "snooze_enabled": False,
    }
    if user.snooze_endtime is not None and user.snooze_endtime > now:
        body["snooze_enabled"] = True
        body["snooze_endtime"] = user.snooze_endtime
        body["snooze_remaining"] = user.snooze_endtime - now
    return body


def _user_or_caller(ctx: ApiContext, args: Args) -> User:
    user_id = args.get_str("user") or ctx.workspace.identity.bot_user_id
    user = ctx.workspace.users.get(user_id)
    if user is None:
        raise ApiError("user_not_found")
    return user


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
