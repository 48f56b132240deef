"""The method table: Web API method name -> handler.

Rules kept: a method not in this table answers ``unknown_method``, as Slack does; the
table lists exactly the methods the bot uses (``conversations.join`` is deliberately
absent: the bot must be invited). ``files.upload`` is listed only to answer
``method_deprecated``, as Slack has since retiring it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from slacksim.webapi import chat, directory, files, home, pins, reactions, views
from slacksim.webapi.context import ApiContext, Args

Handler = Callable[[ApiContext, Args], dict[str, Any]]

METHODS: Mapping[str, Handler] = MappingProxyType(
    {
        "auth.test": directory.auth_test,
        "users.info": directory.users_info,
        "conversations.info": directory.conversations_info,
        "conversations.members": directory.conversations_members,
        "chat.postMessage": chat.post_message,
        "chat.update": chat.update,
        "chat.postEphemeral": chat.post_ephemeral,
        "chat.delete": chat.delete,
        "chat.getPermalink": chat.get_permalink,
        "reactions.add": reactions.add,
        "reactions.remove": reactions.remove,
        "pins.add": pins.add,
        "pins.remove": pins.remove,
        "pins.list": pins.list_pins,
        "views.open": views.open_view,
        "views.push": views.push,
        "views.update": views.update,
        "files.getUploadURLExternal": files.get_upload_url,
        "files.completeUploadExternal": files.complete_upload,
        "files.upload": files.retired_upload,
        "users.getPresence": directory.users_get_presence,
        "dnd.info": directory.dnd_info,
        "views.publish": home.publish,
        "users.conversations": home.users_conversations,
    }
)
