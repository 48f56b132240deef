"""Where a workshop's messages are in Slack: board, prompts, story cards, the map.

One hash per workshop, ``storymap:{T:C}:refs:<number>``, written by the dispatcher when
it posts and read by listeners to know what a thread reply or a reaction is about:

- ``board`` -> ts; ``prompt:<stage>:<anchor or ->`` -> ts; ``card:<story id>`` -> ts;
  ``map:<n>`` -> ts of the n-th message of the published map;
- ``ts:<ts>`` -> the name above, the reverse index;
- ``pinned`` -> ts of the pinned map message, once ``pins.add`` succeeded;
- ``picture:<version>`` -> the id of the map's picture uploaded for that version, in the
  first map message's thread;
- ``map:version`` -> the workshop version the map's messages show (a map published
  again after a reopen is edited in place, see ``Performer``); ``changelog:<version>``
  -> ts of the "what changed" reply posted in the first map message's thread;
- ``storymap:{T:C}:refs:<number>:posting:<name>``: a short claim taken before posting,
  holding the claimant's name, released only by its holder;
- ``storymap:{T:C}:refs:<number>:in-flight``: set with the claim, released with it.
  Between Slack's answer to a post and the ``ts:<ts>`` record there is a moment (long,
  if the poster stalls) in which a fast reply to the new message would find it unknown
  and be passed over; a reply or a reaction to a message newer than the post's start
  waits for the record while this is set (``WorkshopStore.message``).
"""

from __future__ import annotations

import time
from typing import Final

from bot.store import RedisClient, scripts
from bot.store.keys import Keys

#: The map's first message was pinned (a step of its own: a failed pin is retried).
PINNED: Final = "pinned"
#: The map's picture uploaded for a version (``picture:<version>`` -> file id).
PICTURE: Final = "picture:"
#: Which version of the workshop the posted map shows.
MAP_VERSION: Final = "map:version"
#: Where the proposed release plan was sent: ``<direct message channel>|<ts>``.
PROPOSAL: Final = "proposal"


def prompt_name(stage: str, anchor: str | None) -> str:
    return f"prompt:{stage}:{anchor or '-'}"


def prompts_of(anchor: str) -> list[str]:
    """The prompts that show ``anchor`` or the items under it (``RefreshPrompts``).

    ``-`` (the backbone): the activities prompt, and the tasks and stories stages'
    prompts, which name the activities; an activity: the tasks stage's prompt and the
    stories stage's (it heads its tasks there), and its own tasks prompt in a workshop
    begun with one per activity; a task: the stories stage's prompt, and its own stories
    prompt in a workshop begun with one per task. Names never posted are passed over
    when the edit comes (``Refreshes``).
    """
    stages = [prompt_name("tasks", None), prompt_name("stories", None)]
    if anchor == "-":
        return [prompt_name("activities", None), *stages]
    if anchor.startswith("A"):
        return [prompt_name("tasks", anchor), *stages]
    return [prompt_name("stories", anchor), prompt_name("stories", None)]


class Refs:
    def __init__(self, client: RedisClient, team_id: str, channel_id: str, number: int) -> None:
        self._redis = client
        self._release = client.register_script(scripts.RELEASE_IF_HOLDER)
        self._retain = client.register_script(scripts.RETAIN)
        keys = Keys(team_id, channel_id)
        self.key = keys.refs(number)
        self._in_flight = keys.in_flight(number)
        #: The in-flight mark this poster set, per message name (released with the claim).
        self._marks: dict[str, str] = {}
        self.number = number
        self._meta = keys.meta

    def get(self, name: str) -> str | None:
        raw = self._redis.hget(self.key, name)
        return raw.decode() if isinstance(raw, bytes) else raw

    def set(self, name: str, ts: str) -> None:
        self._redis.hset(self.key, mapping={name: ts, f"ts:{ts}": name})

    def note(self, name: str, value: str) -> None:
        """Record a step that is not a message of its own (``PINNED``)."""
        self._redis.hset(self.key, name, value)

    def claim(self, name: str, owner: str, ms: int) -> bool:
        """Take the right to post ``name`` for ``ms``: two dispatchers never post the same
        message at once, even if each believes it serves the channel."""
        if not self._redis.set(f"{self.key}:posting:{name}", owner, nx=True, px=ms):
            return False
        self._marks[name] = mark = f"{int(time.time() * 1000)} {owner}"
        self._redis.set(self._in_flight, mark, px=ms)
        return True

    def claim_left(self, name: str) -> float:
        """Seconds until someone else's claim on ``name`` runs out (0: none)."""
        left = self._redis.pttl(f"{self.key}:posting:{name}")
        return left / 1000 if isinstance(left, int) and left > 0 else 0.0

    def release(self, name: str, owner: str) -> None:
        self._release(keys=[f"{self.key}:posting:{name}"], args=[owner])
        mark = self._marks.pop(name, None)
        if mark is not None:
            self._release(keys=[self._in_flight], args=[mark])

    def retain(self, seconds: int) -> None:
        """A finished workshop's refs expire ``seconds`` after the first call (an expiry
        already set, e.g. when the workshop finished, is kept); not if the workshop is
        active again (reopened since it was read finished)."""
        self._retain(keys=[self.key, self._meta], args=[self.number, seconds])

    def about(self, ts: str) -> str | None:
        """What the message ``ts`` is (``prompt:tasks:A2``, ``card:S3``...), if ours."""
        return self.get(f"ts:{ts}")
