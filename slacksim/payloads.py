"""The request bodies Slack sends to an app, built from simulator state.

Rules kept (shapes follow Slack's documented payloads):
- slash commands are form fields: token, team_id, team_domain, channel_id, channel_name,
  user_id, user_name, command, text, api_app_id, is_enterprise_install, response_url,
  trigger_id;
- interactions (``block_actions``, ``view_submission``, ``view_closed``) are JSON objects
  the caller form-encodes as ``payload=<json>``; a click in a message carries container
  ``{type: message, message_ts, channel_id, is_ephemeral}``, the channel, the message
  (not for ephemeral messages, as in Slack) and a ``response_url``; a click in a modal
  carries container ``{type: view, view_id}`` and the view; a message shortcut
  (``message_action``) carries callback_id, trigger_id, response_url, message_ts, the
  whole message, the channel, the user and the team;
- events are ``event_callback`` envelopes: token, team_id, api_app_id, event, type,
  event_id, event_time, authorizations (the bot's), is_ext_shared_channel, event_context;
- ``url_verification`` carries token, challenge and type.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from slacksim.message_events import client_msg_id
from slacksim.state import Channel, Identity, Message, User

JsonDict = dict[str, Any]


def user_ref(identity: Identity, user: User) -> JsonDict:
    return {"id": user.id, "username": user.name, "name": user.name, "team_id": identity.team_id}


def team_ref(identity: Identity) -> JsonDict:
    return {"id": identity.team_id, "domain": identity.team_domain}


def slash_command(
    identity: Identity,
    user: User,
    channel: Channel,
    command: str,
    text: str,
    *,
    response_url: str,
    trigger_id: str,
) -> dict[str, str]:
    return {
        "token": identity.verification_token,
        "team_id": identity.team_id,
        "team_domain": identity.team_domain,
        "channel_id": channel.id,
        "channel_name": channel.name,
        "user_id": user.id,
        "user_name": user.name,
        "command": command,
        "text": text,
        "api_app_id": identity.app_id,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }


def button_action(element: JsonDict, block_id: str) -> JsonDict:
    action: JsonDict = {
        "type": "button",
        "action_id": element["action_id"],
        "block_id": block_id,
        "text": element["text"],
        "action_ts": f"{time.time():.6f}",
    }
    for optional in ("value", "style", "url"):
        if optional in element:
            action[optional] = element[optional]
    return action


def option_action(element: JsonDict, block_id: str, option: JsonDict) -> JsonDict:
    """The action Slack sends when an option of an overflow menu or a select is chosen."""
    action: JsonDict = {
        "type": element["type"],
        "action_id": element["action_id"],
        "block_id": block_id,
        "selected_option": {"text": option["text"], "value": option.get("value")},
        "action_ts": f"{time.time():.6f}",
    }
    if "placeholder" in element:
        action["placeholder"] = element["placeholder"]
    return action


def message_block_actions(
    identity: Identity,
    user: User,
    channel: Channel,
    *,
    message_ts: str,
    message: JsonDict | None,
    action: JsonDict,
    trigger_id: str,
    response_url: str,
) -> JsonDict:
    payload: JsonDict = {
        "type": "block_actions",
        "user": user_ref(identity, user),
        "api_app_id": identity.app_id,
        "token": identity.verification_token,
        "container": {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel.id,
            "is_ephemeral": message is None,
        },
        "trigger_id": trigger_id,
        "team": team_ref(identity),
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel.id, "name": channel.name},
        "state": {"values": {}},
        "response_url": response_url,
        "actions": [action],
    }
    if message is not None:
        payload["message"] = message
    return payload


def message_shortcut(
    identity: Identity,
    user: User,
    channel: Channel,
    *,
    callback_id: str,
    message: JsonDict,
    trigger_id: str,
    response_url: str,
) -> JsonDict:
    """A message shortcut chosen from a message's menu (``type: message_action``)."""
    return {
        "type": "message_action",
        "token": identity.verification_token,
        "action_ts": f"{time.time():.6f}",
        "team": team_ref(identity),
        "user": user_ref(identity, user),
        "channel": {"id": channel.id, "name": channel.name},
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": callback_id,
        "trigger_id": trigger_id,
        "response_url": response_url,
        "message_ts": message["ts"],
        "message": message,
    }


def view_block_actions(
    identity: Identity, user: User, view: JsonDict, action: JsonDict, trigger_id: str
) -> JsonDict:
    return {
        "type": "block_actions",
        "user": user_ref(identity, user),
        "api_app_id": identity.app_id,
        "token": identity.verification_token,
        "container": {"type": "view", "view_id": view["id"]},
        "trigger_id": trigger_id,
        "team": team_ref(identity),
        "enterprise": None,
        "is_enterprise_install": False,
        "view": view,
        "actions": [action],
    }


def view_submission(identity: Identity, user: User, view: JsonDict, trigger_id: str) -> JsonDict:
    return {
        "type": "view_submission",
        "team": team_ref(identity),
        "user": user_ref(identity, user),
        "api_app_id": identity.app_id,
        "token": identity.verification_token,
        "trigger_id": trigger_id,
        "view": view,
        "response_urls": [],
        "enterprise": None,
        "is_enterprise_install": False,
    }


def view_closed(identity: Identity, user: User, view: JsonDict, *, is_cleared: bool) -> JsonDict:
    return {
        "type": "view_closed",
        "team": team_ref(identity),
        "user": user_ref(identity, user),
        "api_app_id": identity.app_id,
        "token": identity.verification_token,
        "view": view,
        "is_cleared": is_cleared,
        "enterprise": None,
        "is_enterprise_install": False,
    }


def message_event(
    identity: Identity, channel: Channel, message: Message, parent_user: str | None
) -> JsonDict:
    event: JsonDict = {
        "type": "message",
        "client_msg_id": client_msg_id(message),
        "channel": channel.id,
        "channel_type": "group" if channel.is_private else "channel",
        "user": message.user,
        "text": message.text,
        "ts": message.ts,
        "event_ts": message.ts,
        "team": identity.team_id,
        "blocks": [
            {
                "type": "rich_text",
                "block_id": uuid.uuid4().hex[:5],
                "elements": [
                    {
                        "type": "rich_text_section",
                        "elements": [{"type": "text", "text": message.text}],
                    }
                ],
            }
        ],
    }
    if message.thread_ts is not None:
        event["thread_ts"] = message.thread_ts
        if parent_user is not None:
            event["parent_user_id"] = parent_user
    return event


def reaction_event(
    kind: str,
    *,
    user: User,
    reaction: str,
    item_user: str,
    channel: Channel,
    ts: str,
    event_ts: str,
) -> JsonDict:
    return {
        "type": kind,
        "user": user.id,
        "reaction": reaction,
        "item_user": item_user,
        "item": {"type": "message", "channel": channel.id, "ts": ts},
        "event_ts": event_ts,
    }


def event_callback(identity: Identity, event: JsonDict, event_id: str) -> JsonDict:
    return {
        "token": identity.verification_token,
        "team_id": identity.team_id,
        "api_app_id": identity.app_id,
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": int(time.time()),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": identity.team_id,
                "user_id": identity.bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": f"4-{uuid.uuid4().hex}",
    }


def url_verification(identity: Identity, challenge: str) -> JsonDict:
    return {
        "token": identity.verification_token,
        "challenge": challenge,
        "type": "url_verification",
    }
