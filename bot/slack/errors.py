"""What people see when storage is down: a clear word, never a Slack timeout.

Bolt calls this for any exception a listener raises. When Redis cannot be reached:
- a slash command is answered at once, ephemerally: try again in a moment;
- a modal submission keeps the modal open with that message on its first input, so
  nothing typed is lost;
- a button click is answered through its ``response_url`` (the outbox lives in the
  storage that is down, so this one message goes directly);
- an event (a thread reply, a reaction vote) is answered 503, so Slack delivers it again
  later (up to three retries over about five minutes) instead of it being lost.
Other exceptions keep Bolt's default: logged, HTTP 500.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Final

import redis
from redis.exceptions import RedisClusterException
from slack_bolt import App, BoltResponse
from slack_sdk.webhook import WebhookClient

from bot.store.workshops import StoreConflict

log = logging.getLogger(__name__)

UNAVAILABLE: Final = (
    "Storage is unavailable right now, so nothing was changed. Try again in a moment."
)


def _first_input_block(view: dict[str, Any]) -> str | None:
    for block in view.get("blocks", []):
        if block.get("type") == "input" and block.get("block_id"):
            return str(block["block_id"])
    return None


def storage_down_response(body: dict[str, Any]) -> BoltResponse:
    kind = body.get("type")
    if "command" in body:
        text = json.dumps({"response_type": "ephemeral", "text": UNAVAILABLE})
        return BoltResponse(status=200, body=text, headers={"content-type": "application/json"})
    if kind == "view_submission":
        block = _first_input_block(body.get("view", {}))
        if block is not None:
            answer = json.dumps({"response_action": "errors", "errors": {block: UNAVAILABLE}})
            return BoltResponse(
                status=200, body=answer, headers={"content-type": "application/json"}
            )
    if kind == "block_actions" and body.get("response_url"):
        WebhookClient(body["response_url"]).send(text=UNAVAILABLE, response_type="ephemeral")
        return BoltResponse(status=200, body="")
    # Events: not acknowledged, so Slack retries the delivery later.
    return BoltResponse(status=503, body="storage unavailable")


def register(app: App) -> None:
    @app.error
    def on_error(error: Exception, body: dict[str, Any]) -> BoltResponse | None:
        if isinstance(error, redis.RedisError | RedisClusterException | StoreConflict):
            log.warning("storage unavailable: %s", error)
            return storage_down_response(body)
        log.error("listener failed", exc_info=error)
        return None
