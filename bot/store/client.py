"""One client type for a single server and for a Redis Cluster, chosen by the URL.

Rules this module keeps:

- ``redis+cluster://`` and ``rediss+cluster://`` (TLS) name a Redis Cluster by one seed
  node; the client learns the other nodes and the slot map from it. Any other URL
  (``redis://``, ``rediss://``, ``unix://``) is one server, read by redis-py as usual.
- Code that talks to the store types its client as ``RedisClient`` and uses only what
  works on both kinds: commands on keys of one hash tag, Lua scripts whose keys share
  that tag, non-transactional pipelines. No WATCH, no MULTI, no command whose keys
  span channels (a cluster refuses them with CROSSSLOT).
"""

from __future__ import annotations

from typing import Any, Final, TypeAlias

import redis
from redis.cluster import RedisCluster

#: The client of the store: one server or a cluster. A union rather than a Protocol:
#: redis-py types both classes' commands precisely, so mypy checks every call against
#: both, and a command one of them lacks is an error at the call site.
RedisClient: TypeAlias = redis.Redis | RedisCluster

#: Our cluster scheme -> the scheme redis-py expects for the seed node.
CLUSTER_SCHEMES: Final = {"redis+cluster": "redis", "rediss+cluster": "rediss"}


def is_cluster_url(url: str) -> bool:
    return url.partition("://")[0].lower() in CLUSTER_SCHEMES


def client_from_url(url: str, **options: Any) -> RedisClient:
    """A ``RedisCluster`` for a cluster URL, else a ``redis.Redis``; ``options`` go to both."""
    scheme, _, rest = url.partition("://")
    seed_scheme = CLUSTER_SCHEMES.get(scheme.lower())
    if seed_scheme is None:
        return redis.Redis.from_url(url, **options)
    return RedisCluster.from_url(f"{seed_scheme}://{rest}", **options)


__all__ = ["CLUSTER_SCHEMES", "RedisClient", "client_from_url", "is_cluster_url"]
