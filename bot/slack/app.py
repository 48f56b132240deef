"""The Bolt app: one ``App`` with every listener, talking to ``SLACK_API_URL``.

``process_before_response=True``: listeners do one atomic Redis step and queue the rest
in the outbox, so they finish in milliseconds and can run before the HTTP response;
Bolt's default (ack first, run later in a thread) polls for the ack every 10 ms, which
would put a floor under every response for nothing.
"""

from __future__ import annotations

import logging

from slack_bolt import App
from slack_sdk import WebClient

from bot.slack import errors
from bot.slack.deps import Deps
from bot.slack.listeners import register
from bot.slack.shapes import check_shape


def web_client(token: str, api_url: str) -> WebClient:
    """A Web API client; 429s are handled by the performer (shared pause, then retry)."""
    return WebClient(token=token, base_url=api_url)


def build_app(
    deps: Deps, *, token: str, signing_secret: str, api_url: str, verify_token: bool = True
) -> App:
    app = App(
        client=web_client(token, api_url),
        signing_secret=signing_secret,
        process_before_response=True,
        token_verification_enabled=verify_token,
        logger=logging.getLogger("bot.slack.bolt"),
    )
    app.middleware(check_shape)
    register(app, deps)
    errors.register(app)
    return app
