"""HTTP mode: Slack posts to ``POST /slack/events``; ``GET /healthz`` for load balancers.

Served by waitress (a production WSGI server), not Bolt's development server.
``/healthz`` answers 200 when the store answers PING, else 503, so an orchestrator stops
routing to a replica that cannot save anything.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

import redis
from redis.exceptions import RedisClusterException
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.store import RedisClient

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def _respond(start_response: StartResponse, status: str, body: dict[str, Any]) -> list[bytes]:
    payload = json.dumps(body).encode()
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))]
    )
    return [payload]


def healthy(client: RedisClient) -> bool:
    try:
        return bool(client.ping())
    except (redis.RedisError, RedisClusterException):
        return False


def wsgi_app(app: App | None, client: RedisClient) -> WsgiApp:
    """The bot's WSGI application; with ``app=None`` only ``/healthz`` (Socket Mode)."""
    slack = SlackRequestHandler(app) if app is not None else None

    def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "")
        if path == "/healthz" and method == "GET":
            if healthy(client):
                return _respond(start_response, "200 OK", {"ok": True})
            return _respond(
                start_response, "503 Service Unavailable", {"ok": False, "error": "storage"}
            )
        if path == "/slack/events" and method == "POST" and slack is not None:
            return slack(environ, start_response)
        return _respond(start_response, "404 Not Found", {"ok": False, "error": "not_found"})

    return application
