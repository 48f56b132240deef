"""``POST /response/<id>``: the ``response_url`` of slash commands and interactions.

Rules kept:
- each slash command and message interaction gets its own URL; it accepts
  ``SlackLimits.response_url_uses`` (5) posts within ``response_url_ttl`` (30 min):
  unknown -> 404 ``no_service``, expired -> 404 ``expired_url``, used up -> 404 ``used_url``;
  every well-formed post counts as a use, even one then refused for its content;
- the body is JSON (or form ``payload=<json>``) with ``text``/``blocks`` validated like a
  message (400 with ``no_text``, ``invalid_blocks``, ``msg_too_long``...);
- ``delete_original: true`` deletes the message the interaction came from (channel or
  ephemeral); ``replace_original: true`` replaces its content (an edit for a channel
  message, keeping history); otherwise ``response_type: "in_channel"`` posts a bot message
  in the channel (in ``thread_ts`` when given) and anything else posts an ephemeral
  message to the user, which is Slack's default;
- success answers 200 ``{"ok": true}``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs

from slacksim.answers import HttpAnswer
from slacksim.blockids import with_ids
from slacksim.blockkit import BlockKitError, check_message_blocks, decode_json_arg
from slacksim.state import Ephemeral, Message, ResponseUrl, Revision
from slacksim.webapi.context import ApiContext

JsonDict = dict[str, Any]


class ResponseUrlEndpoint:
    def __init__(self, ctx: ApiContext) -> None:
        self._ctx = ctx

    def issue(
        self,
        channel: str,
        user: str,
        message_ts: str | None = None,
        message_is_ephemeral: bool = False,
    ) -> str:
        """Register a new response URL and return it."""
        ctx = self._ctx
        url_id = ctx.ids.secret()
        with ctx.workspace.lock:
            ctx.workspace.response_urls[url_id] = ResponseUrl(
                id=url_id,
                channel=channel,
                user=user,
                issued_at=ctx.now(),
                message_ts=message_ts,
                message_is_ephemeral=message_is_ephemeral,
            )
        return f"{ctx.public_url}response/{url_id}"

    def handle(self, url_id: str, headers: Mapping[str, str], body: bytes) -> HttpAnswer:
        ctx = self._ctx
        with ctx.workspace.lock:
            ctx.workspace.calls["response_url"] += 1
            target = ctx.workspace.response_urls.get(url_id)
            if target is None:
                return HttpAnswer.text(404, "no_service")
            if ctx.now() - target.issued_at > ctx.limits.response_url_ttl:
                return HttpAnswer.text(404, "expired_url")
            if target.uses >= ctx.limits.response_url_uses:
                return HttpAnswer.text(404, "used_url")
            payload = _payload(headers, body)
            if payload is None:
                return HttpAnswer.text(400, "invalid_payload")
            target.uses += 1
            error = self._apply(target, payload)
            if error is not None:
                return HttpAnswer.text(400 if error != "message_not_found" else 404, error)
            return HttpAnswer.json(200, {"ok": True})

    def _apply(self, target: ResponseUrl, payload: JsonDict) -> str | None:
        ctx = self._ctx
        if payload.get("delete_original") is True:
            return self._delete_original(target)
        text = payload.get("text")
        if text is not None and not isinstance(text, str):
            return "invalid_payload"
        if isinstance(text, str) and len(text) > ctx.limits.text_chars:
            return "msg_too_long"
        blocks: list[JsonDict] = []
        if payload.get("blocks") is not None:
            try:
                raw = decode_json_arg(payload["blocks"])
                blocks = with_ids(check_message_blocks(raw, ctx.limits), ctx.ids)
            except json.JSONDecodeError:
                return "invalid_blocks_format"
            except BlockKitError as exc:
                return exc.code
        if not text and not blocks:
            return "no_text"
        if payload.get("replace_original") is True and target.message_ts is not None:
            return self._replace_original(target, text or "", blocks)
        thread_ts = payload.get("thread_ts") if isinstance(payload.get("thread_ts"), str) else None
        if payload.get("response_type") == "in_channel":
            ctx.workspace.add_message(
                Message(
                    channel=target.channel,
                    ts=ctx.ids.ts(),
                    user=ctx.workspace.identity.bot_user_id,
                    text=text or "",
                    blocks=blocks,
                    thread_ts=thread_ts,
                    is_bot=True,
                )
            )
        else:
            ctx.workspace.ephemerals.append(
                Ephemeral(
                    channel=target.channel,
                    ts=ctx.ids.ts(),
                    user=target.user,
                    text=text or "",
                    blocks=blocks,
                    source="response_url",
                    thread_ts=thread_ts,
                )
            )
        return None

    def _delete_original(self, target: ResponseUrl) -> str | None:
        workspace = self._ctx.workspace
        if target.message_is_ephemeral:
            ephemeral = _ephemeral(self._ctx, target)
            if ephemeral is None:
                return "message_not_found"
            ephemeral.deleted = True
            return None
        message = workspace.message(target.channel, target.message_ts or "")
        if message is None:
            return "message_not_found"
        if not message.is_bot:
            return "cant_delete_message"
        message.deleted = True
        message.pinned_by = None
        workspace.pins.get(target.channel, {}).pop(message.ts, None)
        return None

    def _replace_original(
        self, target: ResponseUrl, text: str, blocks: list[JsonDict]
    ) -> str | None:
        if target.message_is_ephemeral:
            ephemeral = _ephemeral(self._ctx, target)
            if ephemeral is None:
                return "message_not_found"
            ephemeral.text, ephemeral.blocks = text, blocks
            return None
        message = self._ctx.workspace.message(target.channel, target.message_ts or "")
        if message is None:
            return "message_not_found"
        if not message.is_bot:
            return "cant_update_message"
        message.history.append(Revision(message.text, message.blocks, self._ctx.ids.ts()))
        message.text, message.blocks = text, blocks
        return None


def _ephemeral(ctx: ApiContext, target: ResponseUrl) -> Ephemeral | None:
    for ephemeral in ctx.workspace.ephemerals:
        if ephemeral.ts == target.message_ts and ephemeral.user == target.user:
            return None if ephemeral.deleted else ephemeral
    return None


def _payload(headers: Mapping[str, str], body: bytes) -> JsonDict | None:
    try:
        text = body.decode()
        if headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            text = parse_qs(text).get("payload", [""])[0]
        decoded = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    return decoded if isinstance(decoded, dict) else None
