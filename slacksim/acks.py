"""What Slack does with the bot's answer to a request (its "ack").

Rules kept:
- no answer within the timeout -> ``operation_timeout``; a non-200 answer ->
  ``dispatch_failed``; either way nothing is displayed and an open modal stays open;
- slash command: an empty body shows nothing; a JSON object with ``text``/``blocks`` is
  shown to the invoking user as an ephemeral message, or posted in the channel as the
  bot when ``response_type`` is ``"in_channel"``; a non-JSON body is shown as ephemeral
  text; its content is validated like any message (an invalid ack shows nothing and is
  reported by its Slack error);
- view submission: an empty body or ``{}`` closes the submitted view; ``response_action``
  ``errors`` keeps it open with the messages under the named input blocks (which must
  exist: ``invalid_errors`` otherwise), ``update`` replaces it (same id, new hash),
  ``push`` stacks a new view (at most ``view_stack_depth``: ``push_limit_reached``),
  ``clear`` closes the whole stack; a view in the ack is validated like ``views.open``;
- interaction and event acks are ignored by Slack beyond their status.

Callers hold the workspace lock.
"""

from __future__ import annotations

import json
from typing import Any

from slacksim.blockids import with_ids
from slacksim.blockkit import BlockKitError, check_message_blocks
from slacksim.state import Channel, Ephemeral, Message, OpenView, User
from slacksim.transport import HttpResult
from slacksim.webapi.context import ApiContext, ApiError
from slacksim.webapi.views import full_view, validated_view

JsonDict = dict[str, Any]
Shown = Ephemeral | Message | None


def transport_error(result: HttpResult) -> str | None:
    if result.timed_out:
        return "operation_timeout"
    if result.status != 200:
        return "dispatch_failed"
    return None


def apply_slash_ack(
    ctx: ApiContext, user: User, channel: Channel, result: HttpResult
) -> tuple[Shown, str | None]:
    error = transport_error(result)
    if error is not None or not result.body.strip():
        return None, error
    try:
        decoded: object = json.loads(result.body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        decoded = {"text": result.body.decode(errors="replace")}
    if not isinstance(decoded, dict):
        decoded = {"text": str(decoded)}
    text = decoded.get("text")
    text = text if isinstance(text, str) else ""
    if len(text) > ctx.limits.text_chars:
        return None, "msg_too_long"
    blocks: list[JsonDict] = []
    if decoded.get("blocks") is not None:
        try:
            blocks = with_ids(check_message_blocks(decoded["blocks"], ctx.limits), ctx.ids)
        except BlockKitError as exc:
            return None, exc.code
    if not text and not blocks:
        return None, None
    workspace = ctx.workspace
    if decoded.get("response_type") == "in_channel":
        message = Message(
            channel=channel.id,
            ts=ctx.ids.ts(),
            user=workspace.identity.bot_user_id,
            text=text,
            blocks=blocks,
            is_bot=True,
        )
        workspace.add_message(message)
        return message, None
    ephemeral = Ephemeral(
        channel=channel.id, ts=ctx.ids.ts(), user=user.id, text=text, blocks=blocks, source="ack"
    )
    workspace.ephemerals.append(ephemeral)
    return ephemeral, None


def apply_submission_ack(ctx: ApiContext, user: User, result: HttpResult) -> str | None:
    error = transport_error(result)
    if error is not None:
        return error
    stack = ctx.workspace.views.get(user.id, [])
    if not stack:
        return None
    decoded: object = {}
    if result.body.strip():
        try:
            decoded = json.loads(result.body)
        except (json.JSONDecodeError, UnicodeDecodeError):
            return "invalid_response"
    if not isinstance(decoded, dict):
        return "invalid_response"
    action = decoded.get("response_action")
    if action is None:
        stack.pop()
        return None
    if action == "clear":
        stack.clear()
        return None
    if action == "errors":
        return _show_errors(stack[-1], decoded.get("errors"))
    if action in ("update", "push"):
        return _replace_or_push(ctx, stack, str(action), decoded.get("view"))
    return "invalid_response_action"


def _show_errors(top: OpenView, errors: object) -> str | None:
    if not isinstance(errors, dict) or not errors:
        return "invalid_errors"
    inputs = {b.get("block_id") for b in top.view["blocks"] if b.get("type") == "input"}
    if not set(errors) <= inputs or not all(isinstance(v, str) for v in errors.values()):
        return "invalid_errors"
    top.errors = {str(k): str(v) for k, v in errors.items()}
    return None


def _replace_or_push(
    ctx: ApiContext, stack: list[OpenView], action: str, raw: object
) -> str | None:
    top = stack[-1]
    try:
        view = validated_view(ctx, raw, top if action == "update" else None)
    except ApiError as exc:
        return exc.code
    if action == "update":
        top.view = full_view(
            ctx,
            view,
            view_id=top.id,
            root_id=str(top.view["root_view_id"]),
            previous_id=top.view.get("previous_view_id"),
        )
        top.errors = {}
        return None
    if len(stack) >= ctx.limits.view_stack_depth:
        return "push_limit_reached"
    stored = full_view(
        ctx, view, view_id=None, root_id=str(top.view["root_view_id"]), previous_id=top.id
    )
    stack.append(OpenView(user=top.user, view=stored))
    return None
