"""Open the store the settings ask for: ``REDIS_URL``, or the embedded server."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import redis

from bot.config import StoreSettings
from bot.store.embedded import EmbeddedServer


@contextmanager
def redis_client(settings: StoreSettings) -> Iterator[redis.Redis]:
    """A client for ``REDIS_URL``, or for the embedded server in ``STORYMAP_DATA_DIR``.

    The embedded server is shared by every process on the same data dir and stopped by
    the last one to leave (see ``bot.store.embedded``).
    """
    if settings.redis_url:
        client = redis.Redis.from_url(settings.redis_url)
        try:
            yield client
        finally:
            client.close()
        return
    with EmbeddedServer(settings.data_dir) as server:
        client = redis.Redis.from_url(server.url)
        try:
            yield client
        finally:
            client.close()
