"""One Web API call, from HTTP request to Slack-shaped answer.

Rules kept, in order:
1. every call is counted per method (``Workspace.calls``) and logged, whatever its fate;
2. arguments come from the query string and the body, JSON (``application/json``) or
   form-encoded (anything else); a JSON body that is not an object is ``invalid_json``;
3. the token comes from ``Authorization: Bearer ...`` or a ``token`` argument: none ->
   ``not_authed``, not the bot token -> ``invalid_auth`` (HTTP 200, as Slack answers);
4. a method the simulator does not serve is ``unknown_method``;
4a. a fault the test planned (``slacksim.faults``) answers instead of the method;
5. the rate limiter may refuse the call: HTTP 429, ``Retry-After``, body
   ``{"ok": false, "error": "ratelimited"}``, counted in ``Workspace.rate_limited``;
6. the handler runs under the workspace lock, so each call is atomic; a Slack error is
   ``{"ok": false, "error": ...}`` with HTTP 200, success is ``{"ok": true, ...}``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from slacksim.answers import HttpAnswer
from slacksim.faults import Faults
from slacksim.ratelimit import RateLimiter
from slacksim.state import ApiCall
from slacksim.webapi.context import ApiContext, ApiError, Args
from slacksim.webapi.registry import METHODS

JsonDict = dict[str, Any]


class WebApiGateway:
    def __init__(self, ctx: ApiContext, limiter: RateLimiter, faults: Faults | None = None) -> None:
        self._ctx = ctx
        self._limiter = limiter
        self._faults = faults or Faults()

    def handle(
        self, method: str, headers: Mapping[str, str], query: str, body: bytes
    ) -> HttpAnswer:
        workspace = self._ctx.workspace
        with workspace.lock:
            workspace.calls[method] += 1
        try:
            values = _arguments(headers, query, body)
        except ApiError as exc:
            return self._finish(method, {}, 200, exc.body())
        args = Args(values)
        logged_args = {k: v for k, v in values.items() if k != "token"}
        token = _token(headers, args)
        if token is None:
            return self._finish(method, logged_args, 200, ApiError("not_authed").body())
        if token != workspace.identity.bot_token:
            return self._finish(method, logged_args, 200, ApiError("invalid_auth").body())
        handler = METHODS.get(method)
        if handler is None:
            return self._finish(method, logged_args, 200, ApiError("unknown_method").body())
        fault = self._faults.answer(method, args.get_str("channel") or args.get_str("channel_id"))
        if fault is not None:
            return self._finish(method, logged_args, *fault)
        retry_after = self._limiter.retry_after(method, args.get_str("channel"))
        if retry_after is not None:
            with workspace.lock:
                workspace.rate_limited[method] += 1
            return self._finish(
                method,
                logged_args,
                429,
                {"ok": False, "error": "ratelimited"},
                {"Retry-After": str(retry_after)},
            )
        with workspace.lock:
            try:
                response = {"ok": True, **handler(self._ctx, args)}
            except ApiError as exc:
                response = exc.body()
            return self._finish(method, logged_args, 200, response)

    def _finish(
        self,
        method: str,
        args: JsonDict,
        status: int,
        response: JsonDict,
        headers: Mapping[str, str] | None = None,
    ) -> HttpAnswer:
        workspace = self._ctx.workspace
        with workspace.lock:
            workspace.api_log.append(ApiCall(method, args, status, response, time.time()))
        return HttpAnswer.json(status, response, headers)


def _arguments(headers: Mapping[str, str], query: str, body: bytes) -> JsonDict:
    values: JsonDict = dict(parse_qsl(query, keep_blank_values=True))
    content_type = headers.get("content-type", "").split(";")[0].strip().lower()
    if not body:
        return values
    if content_type == "application/json":
        try:
            decoded = json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ApiError("invalid_json") from exc
        if not isinstance(decoded, dict):
            raise ApiError("json_not_object")
        values.update(decoded)
        return values
    try:
        values.update(parse_qsl(body.decode(), keep_blank_values=True, strict_parsing=False))
    except UnicodeDecodeError as exc:
        raise ApiError("invalid_charset") from exc
    return values


def _token(headers: Mapping[str, str], args: Args) -> str | None:
    authorization = headers.get("authorization", "")
    scheme, _, credentials = authorization.partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return credentials.strip()
    return args.get_str("token")
