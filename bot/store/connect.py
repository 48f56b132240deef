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
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import redis

from bot.config import ConfigError, StoreSettings
from bot.store.client import RedisClient, client_from_url, is_cluster_url
from bot.store.embedded import EmbeddedServer


@contextmanager
def store_client(settings: StoreSettings) -> Iterator[RedisClient]:
    """A client for ``REDIS_URL`` (a cluster's too), or for the embedded server."""
    if settings.redis_url:
        client = client_from_url(settings.redis_url)
        try:
            yield client
        finally:
            client.close()
        return
    with EmbeddedServer(settings.data_dir) as server:
        plain = redis.Redis.from_url(server.url)
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
