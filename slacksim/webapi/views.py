"""``views.open`` / ``views.push`` / ``views.update``: modals.

Rules kept:
- ``views.open``/``views.push`` exchange a ``trigger_id`` the simulator issued with a slash
  command or an interaction: unknown -> ``invalid_trigger_id``, older than
  ``SlackLimits.trigger_ttl`` (3 s) -> ``expired_trigger_id``, already used ->
  ``exchanged_trigger_id`` (Slack's own codes); a trigger is consumed only by a call
  that succeeds;
- the view must pass ``blockkit.check_modal`` (``invalid_arguments`` with Slack-style
  ``response_metadata.messages``); ``external_id`` is unique among open views
  (``duplicate_external_id``);
- ``views.open`` starts the trigger user's stack afresh; ``views.push`` needs an open modal
  (``not_found``) and at most ``SlackLimits.view_stack_depth`` views
  (``push_limit_reached``);
- ``views.update`` finds the view by ``view_id`` or ``external_id`` (``not_found``), refuses
  a stale ``hash`` (``hash_conflict``), keeps the view id, stack position and entered
  state, clears shown errors, and issues a new hash;
- the stored and returned view is the full object Slack returns (id, hash, state,
  root/previous view ids, app and bot ids, defaults for unset fields).
"""

from __future__ import annotations

import copy
from typing import Any

from slacksim.blockids import with_ids
from slacksim.blockkit import BlockKitError, check_modal
from slacksim.state import OpenView, Trigger
from slacksim.webapi.context import ApiContext, ApiError, Args

JsonDict = dict[str, Any]


def open_view(ctx: ApiContext, args: Args) -> JsonDict:
    trigger = _usable_trigger(ctx, args)
    view = validated_view(ctx, args.get_json("view", "invalid_arguments"), None)
    stored = full_view(ctx, view, view_id=None, root_id=None, previous_id=None)
    trigger.exchanged = True
    ctx.workspace.views[trigger.user] = [OpenView(user=trigger.user, view=stored)]
    return {"view": copy.deepcopy(stored)}


def push(ctx: ApiContext, args: Args) -> JsonDict:
    trigger = _usable_trigger(ctx, args)
    stack = ctx.workspace.views.get(trigger.user)
    if not stack:
        raise ApiError("not_found")
    if len(stack) >= ctx.limits.view_stack_depth:
        raise ApiError("push_limit_reached")
    view = validated_view(ctx, args.get_json("view", "invalid_arguments"), None)
    top = stack[-1]
    stored = full_view(
        ctx, view, view_id=None, root_id=str(top.view["root_view_id"]), previous_id=top.id
    )
    trigger.exchanged = True
    stack.append(OpenView(user=trigger.user, view=stored))
    return {"view": copy.deepcopy(stored)}


def update(ctx: ApiContext, args: Args) -> JsonDict:
    view_id, external_id = args.get_str("view_id"), args.get_str("external_id")
    if view_id is None and external_id is None:
        raise ApiError("invalid_arguments", ["[ERROR] view_id or external_id is required"])
    current = ctx.workspace.find_view(view_id, external_id)
    if current is None:
        raise ApiError("not_found")
    expected_hash = args.get_str("hash")
    if expected_hash is not None and expected_hash != current.hash:
        raise ApiError("hash_conflict")
    view = validated_view(ctx, args.get_json("view", "invalid_arguments"), current)
    stored = full_view(
        ctx,
        view,
        view_id=current.id,
        root_id=str(current.view["root_view_id"]),
        previous_id=current.view.get("previous_view_id"),
    )
    stored["state"] = current.view["state"]
    current.view = stored
    current.errors = {}
    return {"view": copy.deepcopy(stored)}


def _usable_trigger(ctx: ApiContext, args: Args) -> Trigger:
    trigger_id = args.get_str("trigger_id")
    if trigger_id is None:
        raise ApiError("invalid_arguments", ["[ERROR] trigger_id is required"])
    trigger = ctx.workspace.triggers.get(trigger_id)
    if trigger is None:
        raise ApiError("invalid_trigger_id")
    if trigger.exchanged:
        raise ApiError("exchanged_trigger_id")
    if ctx.now() - trigger.issued_at > ctx.limits.trigger_ttl:
        raise ApiError("expired_trigger_id")
    return trigger


def validated_view(ctx: ApiContext, raw: object | None, replacing: OpenView | None) -> JsonDict:
    """A copy of ``raw`` checked as a modal, with Slack's generated ids filled in."""
    if raw is None:
        raise ApiError("invalid_arguments", ["[ERROR] view is required"])
    try:
        view = check_modal(raw, ctx.limits)
    except BlockKitError as exc:
        raise ApiError(exc.code, exc.messages()) from exc
    external_id = view.get("external_id")
    if external_id:
        holder = ctx.workspace.find_view(None, str(external_id))
        if holder is not None and holder is not replacing:
            raise ApiError("duplicate_external_id")
    stored = copy.deepcopy(view)
    stored["blocks"] = with_ids(view["blocks"], ctx.ids)
    return stored


def full_view(
    ctx: ApiContext,
    view: JsonDict,
    *,
    view_id: str | None,
    root_id: str | None,
    previous_id: str | None,
) -> JsonDict:
    identity = ctx.workspace.identity
    new_id = view_id or ctx.ids.object_id("V")
    """The view as Slack stores and returns it."""
    return {
        "private_metadata": "",
        "callback_id": "",
        "external_id": "",
        "clear_on_close": False,
        "notify_on_close": False,
        **view,
        "id": new_id,
        "team_id": identity.team_id,
        "state": {"values": {}},
        "hash": ctx.ids.view_hash(),
        "root_view_id": root_id or new_id,
        "previous_view_id": previous_id,
        "app_id": identity.app_id,
        "app_installed_team_id": identity.team_id,
        "bot_id": identity.bot_id,
    }
