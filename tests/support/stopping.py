"""Stopping an in-process bot without waiting out its dispatchers' idle wait.

Rules kept:
- ``stop_promptly(bot)`` is ``bot.stop()``: the same threads are stopped and joined.
- While it runs, a wake-up token (what every writer pushes after an atomic step) is pushed
  on the bot's shards, the outbox dispatchers' and the Home tabs', every 20 ms: a thread
  blocked in its pop for work (up to ``WAIT_MAX``, a second) wakes, sees it is stopping
  and returns, instead of returning at the pop's timeout. A wake-up with nothing due
  claims nothing, so it changes no state.
- The list stays trimmed to ``WAKE_MAX`` tokens, as the writers keep it.
"""

from __future__ import annotations

import threading

from bot.slack.main import Bot
from bot.store.due import WAKE_MAX, DueIndex

WAKE_EVERY_S = 0.02


def stop_promptly(bot: Bot) -> None:
    """``bot.stop()``, its dispatchers woken as they stop."""
    indexes = (bot.ready.index, bot.homes.index)  # the dispatchers' and the Home tabs'
    keys = [DueIndex.wake_key(shard) for index in indexes for shard in index.shards(bot.teams)]
    stopped = threading.Event()

    def wake() -> None:
        while not stopped.wait(WAKE_EVERY_S):
            pipe = bot.redis.pipeline(transaction=False)
            for key in keys:
                pipe.lpush(key, "1")
                pipe.ltrim(key, 0, WAKE_MAX - 1)
            pipe.execute()

    waker = threading.Thread(target=wake, name="test-waker", daemon=True)
    waker.start()
    try:
        bot.stop()
    finally:
        stopped.set()
        waker.join()
