"""Open the store the settings ask for: ``REDIS_URL``, or the embedded server.

Rules this module keeps:

- ``store_client`` opens any store: one server, or a Redis Cluster for a
  ``redis+cluster://``/``rediss+cluster://`` URL (a ``RedisCluster``, see
  ``bot.store.client``). Code that runs on both types its client as ``RedisClient``.
- ``redis_client`` is for callers that still need a single server (``redis.Redis``):
  the Slack app, whose code types its client so and whose dispatcher is not yet known
  to run on a cluster (a command naming two channels' streams is refused there). It
  turns a cluster URL into a one-line ``ConfigError`` at startup rather than a bot
  that fails later. Once those callers take ``RedisClient`` they move to
  ``store_client`` and this goes.
- The embedded server is shared by every process on the same data dir and stopped by
  the last one to leave (see ``bot.store.embedded``).
- Every client answers or fails within Slack's 3 s: ``CONNECT_TIMEOUT`` (1 s) to
  connect, ``SOCKET_TIMEOUT`` (1.5 s) for a reply, and one retry, only for a broken
  connection (a pooled connection the server closed), none for a timeout. So a listener
  whose store is down or frozen fails fast and answers "Storage is unavailable" itself,
  instead of Slack showing its own timeout (redis-py's defaults, 5 s and three retries,
  exceed that). The outbox dispatchers share the listeners' client: their only
  blocking command waits at most 1 s (``bot.slack.dispatcher.WAIT_MAX``), under the
  reply timeout, so they need no longer one.
- ``store_client`` checks that the store answers before handing out a client, and
  raises ``StoreUnreachable`` (one line naming where it looked) when it does not.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Final
from urllib.parse import urlsplit

import redis
from redis.backoff import NoBackoff
from redis.exceptions import RedisClusterException
from redis.retry import Retry

from bot.config import ConfigError, StoreSettings
from bot.store.client import RedisClient, client_from_url, is_cluster_url
from bot.store.embedded import EmbeddedServer

#: Seconds to connect to the store, and to wait for any reply (see the module's rules).
CONNECT_TIMEOUT: Final = 1.0
SOCKET_TIMEOUT: Final = 1.5


class StoreUnreachable(Exception):
    """The store did not answer when opened; the message says where it was looked for."""


def client_options(*, cluster: bool = False) -> dict[str, Any]:
    """redis-py options for every store client: timeouts under Slack's 3 s."""
    options: dict[str, Any] = {
        "socket_connect_timeout": CONNECT_TIMEOUT,
        "socket_timeout": SOCKET_TIMEOUT,
    }
    if not cluster:  # a cluster client retries through its own slot-map refresh
        options["retry"] = Retry(NoBackoff(), 1, supported_errors=(redis.ConnectionError,))
    return options


def _where(url: str) -> str:
    """``url`` without credentials, for messages."""
    parts = urlsplit(url)
    if parts.scheme == "unix":
        return f"unix://{parts.path}"
    return f"{parts.scheme}://{parts.hostname or ''}" + (f":{parts.port}" if parts.port else "")


def _check(client: RedisClient, where: str) -> None:
    try:
        client.ping()
    except (redis.RedisError, RedisClusterException) as problem:
        client.close()
        raise StoreUnreachable(f"cannot reach Redis at {where}: {problem}") from None


@contextmanager
def store_client(settings: StoreSettings) -> Iterator[RedisClient]:
    """A client for ``REDIS_URL`` (a cluster's too), or for the embedded server."""
    if settings.redis_url:
        cluster = is_cluster_url(settings.redis_url)
        where = f"{_where(settings.redis_url)} (REDIS_URL)"
        try:
            client = client_from_url(settings.redis_url, **client_options(cluster=cluster))
        except (redis.RedisError, RedisClusterException) as problem:
            # A cluster client asks its seed node for the slot map as it is made.
            raise StoreUnreachable(f"cannot reach Redis at {where}: {problem}") from None
        _check(client, where)
        try:
            yield client
        finally:
            client.close()
        return
    with EmbeddedServer(settings.data_dir) as server:
        plain = redis.Redis.from_url(server.url, **client_options())
        _check(plain, f"the embedded server in {settings.data_dir}")
        try:
            yield plain
        finally:
            plain.close()


@contextmanager
def redis_client(settings: StoreSettings) -> Iterator[redis.Redis]:
    """A single-server client for ``REDIS_URL`` or the embedded server; no cluster."""
    if settings.redis_url and is_cluster_url(settings.redis_url):
        raise ConfigError(
            "REDIS_URL names a Redis Cluster, which storymap cannot use yet "
            "(see docs/decisions/0002-redis-cluster.md)"
        )
    with store_client(settings) as client:
        if not isinstance(client, redis.Redis):  # pragma: no cover - excluded just above
            raise TypeError(f"expected a single-server client, got {type(client).__name__}")
        yield client
