"""The baseline: a bare Bolt app whose listeners only ack, served like ``storymap run``.

``python -m benchmarks.bare`` reads the same variables as ``storymap run`` (HTTP mode)
and serves ``POST /slack/events`` and ``GET /healthz`` with the same waitress setup
(8 threads) through the same WSGI adapter (``bot.slack.http.wsgi_app``), with Bolt in
the same mode (``process_before_response=True``) and the same Web API client. Only the
listeners differ: every command, action and reaction is acked and nothing else happens.
It binds loopback only, where ``storymap run`` binds every interface (a container's port);
the benchmarks reach both on 127.0.0.1.
"""

from __future__ import annotations

import logging
import re
import signal
import sys
from types import FrameType

import redis
from slack_bolt import Ack, App
from waitress.server import create_server

from bot.config import LogSettings, SlackSettings, StoreSettings, load
from bot.slack.app import web_client
from bot.slack.http import wsgi_app


def bare_app(token: str, signing_secret: str, api_url: str) -> App:
    app = App(
        client=web_client(token, api_url),
        signing_secret=signing_secret,
        process_before_response=True,
        logger=logging.getLogger("benchmarks.bare.bolt"),
    )

    @app.command("/storymap")
    def command(ack: Ack) -> None:
        ack()

    @app.action(re.compile(".*"))
    def action(ack: Ack) -> None:
        ack()

    @app.event("reaction_added")
    def reaction(ack: Ack) -> None:
        ack()

    return app


def main() -> int:
    logging.basicConfig(
        level=load(LogSettings).log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    slack = load(SlackSettings)
    store = load(StoreSettings)

    def stop(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    secret = slack.signing_secret.get_secret_value() if slack.signing_secret else ""
    if slack.bot_token is None:
        raise SystemExit("bare Bolt needs SLACK_BOT_TOKEN")
    app = bare_app(slack.bot_token.get_secret_value(), secret, slack.api_url)
    client = redis.Redis.from_url(store.redis_url or "redis://127.0.0.1:6379")
    server = create_server(
        wsgi_app(app, client, signing_secret=secret), host="127.0.0.1", port=slack.port, threads=8
    )
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        client.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
