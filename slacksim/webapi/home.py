"""``views.publish`` (a user's Home tab) and ``users.conversations`` (where a user is).

Rules kept:
- ``views.publish`` needs a ``user_id`` of a person in the workspace (not a bot):
  otherwise ``invalid_arguments`` with Slack's message ``invalid `user_id```;
- the view must be a Home view: ``type`` ``home``, valid blocks, at most
  ``SlackLimits.modal_blocks`` (100) of them (``blockkit.check_home``; ``invalid_arguments``
  with Slack-style ``response_metadata.messages``);
- a ``hash`` that is not the user's current Home view's hash is refused with
  ``hash_conflict`` (nothing changes); without ``hash`` the view is replaced whatever it was;
- the first publish gives the user's Home view an id it keeps; every publish issues a
  new hash; the stored and returned view is the full object Slack returns;
- ``users.conversations`` (bot token, ``user``) lists the channels that user is a member
  of and the bot can see (public ones, and private ones the bot is in), filtered by
  ``types`` (default ``public_channel``), paged with ``limit`` (1 to 1000, default 100)
  and an opaque ``cursor`` like ``conversations.members``; an unknown user is
  ``user_not_found``.
"""

from __future__ import annotations

import copy
from typing import Any

from slacksim.blockids import with_ids
from slacksim.blockkit import BlockKitError, check_home
from slacksim.webapi.context import ApiContext, ApiError, Args
from slacksim.webapi.directory import _decode_cursor, _encode_cursor
from slacksim.webapi.shapes import channel_json
from slacksim.webapi.views import full_view

JsonDict = dict[str, Any]

_TYPES = frozenset({"public_channel", "private_channel", "mpim", "im"})


def publish(ctx: ApiContext, args: Args) -> JsonDict:
    workspace = ctx.workspace
    user_id = args.get_str("user_id")
    person = workspace.users.get(user_id) if user_id else None
    if user_id is None or person is None or person.is_bot:
        raise ApiError("invalid_arguments", ["invalid `user_id`"])
    raw = args.get_json("view", "invalid_arguments")
    if raw is None:
        raise ApiError("invalid_arguments", ["[ERROR] view is required"])
    try:
        view = check_home(raw, ctx.limits)
    except BlockKitError as exc:
        raise ApiError(exc.code, exc.messages()) from exc
    current = workspace.homes.get(user_id)
    expected_hash = args.get_str("hash")
    if expected_hash is not None and (current is None or expected_hash != current["hash"]):
        raise ApiError("hash_conflict")
    shown = copy.deepcopy(view)
    shown["blocks"] = with_ids(view["blocks"], ctx.ids)
    view_id = str(current["id"]) if current is not None else None
    stored = full_view(ctx, shown, view_id=view_id, root_id=view_id, previous_id=None)
    workspace.homes[user_id] = stored
    return {"view": copy.deepcopy(stored)}


def users_conversations(ctx: ApiContext, args: Args) -> JsonDict:
    workspace = ctx.workspace
    user_id = args.get_str("user") or workspace.identity.bot_user_id
    if user_id not in workspace.users:
        raise ApiError("user_not_found")
    types = {t.strip() for t in (args.get_str("types") or "public_channel").split(",")}
    if not types <= _TYPES:
        raise ApiError("invalid_types")
    limit = args.get_int("limit", 100)
    if not 1 <= limit <= 1000:
        raise ApiError("invalid_limit")
    found = [
        channel
        for channel in workspace.channels.values()
        if not channel.id.startswith("D")
        and workspace.is_member(channel, user_id)
        and (not channel.is_private or channel.bot_member)
        and ("private_channel" if channel.is_private else "public_channel") in types
    ]
    start = _decode_cursor(args.get_str("cursor"), len(found))
    page = found[start : start + limit]
    after = start + len(page)
    next_cursor = _encode_cursor(after) if after < len(found) else ""
    return {
        "channels": [channel_json(c) for c in page],
        "response_metadata": {"next_cursor": next_cursor},
    }
