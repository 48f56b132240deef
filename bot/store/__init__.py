"""Storage: the workshop store on any Redis-protocol server or Redis Cluster, and the
embedded default. ``RedisClient`` is the client type every user of the store takes."""

from bot.store.client import RedisClient

__all__ = ["RedisClient"]
