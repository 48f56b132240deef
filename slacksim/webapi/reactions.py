"""``reactions.add`` / ``reactions.remove`` called by the bot.

Rules kept:
- ``channel`` and ``timestamp`` are both required (``no_item_specified``), ``name`` too
  (``invalid_name``; a name is lower-case letters, digits, ``+-_'`` and optional
  ``::skin-tone-N``); surrounding colons are stripped and the aliases ``thumbsup`` /
  ``thumbsdown`` are stored as ``+1`` / ``-1``, the names Slack reports in events;
- the bot reacts once per emoji per message (``already_reacted``) and can remove only a
  reaction it added (``no_reaction``); reaction order per emoji is kept.
"""

from __future__ import annotations

import re
from typing import Any

from slacksim.state import Message
from slacksim.webapi.checks import existing_message, writable_channel
from slacksim.webapi.context import ApiContext, ApiError, Args

JsonDict = dict[str, Any]

_NAME = re.compile(r"^[a-z0-9_+'\-]+(::skin-tone-[2-6])?$")
_ALIASES = {"thumbsup": "+1", "thumbsdown": "-1"}


def canonical_reaction(name: str) -> str:
    """The name Slack stores and reports for ``name`` (``:thumbsup:`` -> ``+1``)."""
    bare = name.strip(":")
    base, sep, tone = bare.partition("::")
    return _ALIASES.get(base, base) + sep + tone


def add(ctx: ApiContext, args: Args) -> JsonDict:
    message, name = _target(ctx, args)
    users = message.reactions.setdefault(name, [])
    bot = ctx.workspace.identity.bot_user_id
    if bot in users:
        raise ApiError("already_reacted")
    users.append(bot)
    return {}


def remove(ctx: ApiContext, args: Args) -> JsonDict:
    message, name = _target(ctx, args)
    users = message.reactions.get(name, [])
    bot = ctx.workspace.identity.bot_user_id
    if bot not in users:
        raise ApiError("no_reaction")
    users.remove(bot)
    if not users:
        del message.reactions[name]
    return {}


def _target(ctx: ApiContext, args: Args) -> tuple[Message, str]:
    if args.get_str("channel") is None or args.get_str("timestamp") is None:
        raise ApiError("no_item_specified")
    name = canonical_reaction(args.get_str("name") or "")
    if not _NAME.match(name):
        raise ApiError("invalid_name")
    channel = writable_channel(ctx, args)
    return existing_message(ctx, channel, args.get_str("timestamp")), name
