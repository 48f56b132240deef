"""The Home tab: published when a person opens it, and kept current without storms.

Rules this module keeps:
- a person's Home tab lists the workshops of the channels they are a member of (one
  ``users.conversations`` call, at most ``CHANNEL_PAGES`` pages of 1,000), among the
  team's channels that ever held a workshop (``team_channels_key``): the running ones,
  and each channel's latest published map while it is kept. At most ``READ_MAX``
  workshops are read per publish (running ones first), newest first;
- links are permalinks (``chat.getPermalink``) of the stage's prompt, the board or the
  pinned map, cached in the workshop's refs hash (``link:<ts>``): a message's permalink
  never changes, so each is asked of Slack once;
- opening the Home tab remembers the person for ``REMEMBER_S`` (``home_opened_key``);
  only people remembered so are refreshed after a change, so nobody else costs a call;
- a change that concerns a person (the performer reports every change of a workshop,
  ``changed``) only marks them (a sorted set per team, earliest due time wins, and a
  version per person, as ``bot.slack.refreshes`` does for the board). The people
  concerned are those whose last published Home tab listed the channel
  (``home_watch_key``), and the workshop's facilitator, contributors and voters, among
  those remembered;
- ``flush`` publishes each due person at most once per ``interval`` however many marks
  arrive (``home_fresh_key``, set by every publish, the one on opening included); a mark
  made while a Home tab was being rendered is not cleared by that publish;
- teams with marked people are found through the ``home`` due-time index
  (``bot.store.due``): one refresher thread per shard waits on it, so a team with
  nothing to refresh costs nothing, and a Home refresh never waits behind a channel's
  outbox;
- a 429 puts the person back for ``Retry-After``; any other Slack error is logged and
  the mark dropped (the next opening publishes afresh).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from typing import Any, Final, cast

import redis
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.domain.model import Stage, Workshop
from bot.render.home import MAX_ACTIVE, MAX_MAPS, HomeEntry, home_view, way_in
from bot.slack.clients import TeamClients
from bot.slack.refs import PINNED, Refs, prompt_name
from bot.store import RedisClient, scripts
from bot.store.due import Claim, DueIndex, now_ms
from bot.store.keys import (
    Keys,
    home_dirty_key,
    home_fresh_key,
    home_opened_key,
    home_version_key,
    home_watch_key,
    team_channels_key,
)
from bot.store.workshops import WorkshopStore

log = logging.getLogger(__name__)

#: How long a person who opened the Home tab is kept up to date after their last visit.
REMEMBER_S: Final = 30 * 24 * 3600
#: At most one ``views.publish`` per person per this many seconds (after the first).
INTERVAL_S: Final = 3.0
#: A claimed refresh whose replica died is tried again after this many seconds.
RETRY_S: Final = 10.0
#: Pages of ``users.conversations`` read per publish (1,000 channels each).
CHANNEL_PAGES: Final = 3
#: Workshops read per publish at most.
READ_MAX: Final = MAX_ACTIVE + MAX_MAPS
#: How long a claimed team is not claimed again (if its replica dies mid-flush).
HOLD_MS: Final = 30_000
#: Longest wait on a shard's wake-up list.
WAIT_MAX: Final = 1.0
#: Teams flushed per claim.
BATCH: Final = 50


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _retry_after(failure: SlackApiError) -> float:
    headers: dict[str, Any] = dict(failure.response.headers or {})
    for name, value in headers.items():
        if name.lower() == "retry-after":
            try:
                return float(value[0] if isinstance(value, list) else value)
            except (TypeError, ValueError):
                break
    return 1.0


class HomeTabs:
    def __init__(
        self,
        client: RedisClient,
        store: WorkshopStore,
        *,
        per_team: bool,
        teams: frozenset[str] | None = None,
        interval: float = INTERVAL_S,
    ) -> None:
        self._redis = client
        self._store = store
        self._teams = teams
        self.interval = interval
        self.index = DueIndex(client, "home", per_team=per_team)
        self._done = client.register_script(scripts.EDIT_DONE)
        #: Who publishes the refreshes: set by the bot before ``start``.
        self.clients: TeamClients | None = None
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    # ----- who is kept up to date -------------------------------------------------------

    def opened(self, team_id: str, user: str) -> None:
        self._redis.set(home_opened_key(team_id, user), "1", ex=REMEMBER_S)

    def concerned(self, w: Workshop) -> list[str]:
        """The people a change of ``w`` concerns, among those who opened the Home tab."""
        watchers = {
            _text(m)
            for m in cast(
                "set[bytes]", self._redis.smembers(home_watch_key(w.team_id, w.channel_id))
            )
        }
        people = sorted(watchers | {w.facilitator, *w.participants, *w.contributed(Stage.VOTING)})
        with self._redis.pipeline(transaction=False) as pipe:
            for person in people:
                pipe.exists(home_opened_key(w.team_id, person))
            found = pipe.execute()
        return [person for person, there in zip(people, found, strict=True) if there]

    def changed(self, w: Workshop) -> int:
        """A change of ``w``: mark the Home tabs it concerns; return how many."""
        people = self.concerned(w)
        self.mark(w.team_id, people)
        return len(people)

    def mark(self, team_id: str, people: Iterable[str]) -> None:
        """Due now (an earlier due time stays), and the refresher woken."""
        marked = list(people)
        if not marked:
            return
        now = time.time()
        with self._redis.pipeline(transaction=False) as pipe:
            pipe.zadd(home_dirty_key(team_id), dict.fromkeys(marked, now), nx=True)
            for person in marked:
                pipe.hincrby(home_version_key(team_id), person, 1)
            pipe.execute()
        self.index.signal(self.index.shard(team_id, "home"), [team_id], now_ms(), wake=True)

    # ----- publishing ---------------------------------------------------------------------

    def publish(self, client: WebClient, team_id: str, user: str) -> None:
        """Render ``user``'s Home tab now and publish it (``views.publish``)."""
        view, channels = self.render(client, team_id, user)
        client.views_publish(user_id=user, view=view)
        with self._redis.pipeline(transaction=False) as pipe:
            pipe.set(home_fresh_key(team_id, user), "1", px=max(1, int(self.interval * 1000)))
            for channel_id in channels:
                pipe.sadd(home_watch_key(team_id, channel_id), user)
                pipe.expire(home_watch_key(team_id, channel_id), REMEMBER_S)
            pipe.execute()

    def render(
        self, client: WebClient, team_id: str, user: str
    ) -> tuple[dict[str, Any], list[str]]:
        """The Home view of ``user`` and the channels it lists."""
        workshops = self.workshops(client, team_id, user)
        active = [w for w in workshops if w.stage.is_open]
        maps = [w for w in workshops if w.stage is Stage.PUBLISHED]
        running = [HomeEntry(w, link=self._stage_link(client, w)) for w in active[:MAX_ACTIVE]]
        published = [HomeEntry(w, map_link=self._map_link(client, w)) for w in maps[:MAX_MAPS]]
        listed = [e.workshop.channel_id for e in [*running, *published]]
        return home_view(user, running + _rest(active, MAX_ACTIVE), published), listed

    def workshops(self, client: WebClient, team_id: str, user: str) -> list[Workshop]:
        """The workshops of the channels ``user`` is in (running, or the latest finished
        one while kept), newest first; at most ``READ_MAX`` are read."""
        known = {
            _text(c) for c in cast("set[bytes]", self._redis.smembers(team_channels_key(team_id)))
        }
        if not known:
            return []
        theirs = [c for c in self._channels_of(client, user) if c in known]
        with self._redis.pipeline(transaction=False) as pipe:
            for channel_id in theirs:
                pipe.exists(Keys(team_id, channel_id).active)
            running = pipe.execute() if theirs else []
        ordered = [c for c, r in zip(theirs, running, strict=True) if r] + [
            c for c, r in zip(theirs, running, strict=True) if not r
        ]
        found = [self._store.latest(team_id, c) for c in ordered[:READ_MAX]]
        kept = [w for w in found if w is not None and w.stage is not Stage.CANCELLED]
        return sorted(kept, key=lambda w: w.updated_at, reverse=True)

    def _channels_of(self, client: WebClient, user: str) -> list[str]:
        channels: list[str] = []
        cursor: str | None = None
        for _ in range(CHANNEL_PAGES):
            data = client.users_conversations(
                user=user,
                types="public_channel,private_channel",
                exclude_archived=True,
                limit=1000,
                cursor=cursor,
            ).data
            assert isinstance(data, dict)
            channels += [str(c["id"]) for c in data.get("channels", [])]
            cursor = (data.get("response_metadata") or {}).get("next_cursor") or None
            if cursor is None:
                break
        return channels

    def _stage_link(self, client: WebClient, w: Workshop) -> str | None:
        refs = Refs(self._redis, w.team_id, w.channel_id, w.number)
        ts = refs.get(prompt_name(w.stage.value, None))
        if ts is None and w.stage in (Stage.TASKS, Stage.STORIES):
            # A workshop begun with one tasks (stories) prompt per activity (task).
            form = way_in(w)
            anchor = form[2].anchor if form is not None else None
            ts = refs.get(prompt_name(w.stage.value, anchor)) if anchor else None
        ts = ts or refs.get("board")
        return None if ts is None else self._permalink(client, refs, w.channel_id, ts)

    def _map_link(self, client: WebClient, w: Workshop) -> str | None:
        refs = Refs(self._redis, w.team_id, w.channel_id, w.number)
        ts = refs.get(PINNED) or refs.get("map:1")
        return None if ts is None else self._permalink(client, refs, w.channel_id, ts)

    def _permalink(self, client: WebClient, refs: Refs, channel_id: str, ts: str) -> str | None:
        cached = refs.get(f"link:{ts}")
        if cached is not None:
            return cached
        try:
            link = client.chat_getPermalink(channel=channel_id, message_ts=ts).get("permalink")
        except SlackApiError as failure:
            log.warning("slack: chat.getPermalink failed (%s)", failure.response.get("error"))
            return None
        if not isinstance(link, str):
            return None
        refs.note(f"link:{ts}", link)
        return link

    # ----- coalesced refreshes ------------------------------------------------------------

    def flush(self, team_id: str) -> float | None:
        """Publish the team's due Home tabs (each at most once per ``interval``); return
        when the next one is due (seconds since the epoch), or None."""
        client = self.clients.get(team_id) if self.clients is not None else None
        key, versions = home_dirty_key(team_id), home_version_key(team_id)
        if client is None:
            self._redis.delete(key, versions)  # not installed (any more): nothing to show
            return None
        now = time.time()
        for person in [
            _text(m) for m in cast("list[bytes]", self._redis.zrangebyscore(key, "-inf", now))
        ]:
            wait = self._redis.pttl(home_fresh_key(team_id, person))
            if isinstance(wait, int) and wait > 0:
                self._redis.zadd(key, {person: now + wait / 1000}, xx=True)
                continue
            seen = self._redis.hget(versions, person)
            # Pushed back, not removed: if this replica dies now, another publishes it.
            self._redis.zadd(key, {person: now + RETRY_S}, xx=True)
            try:
                self.publish(client, team_id, person)
            except SlackApiError as failure:
                if failure.response.status_code == 429:
                    self._redis.zadd(key, {person: now + _retry_after(failure)}, xx=True)
                    continue
                log.warning(
                    "slack: the Home tab of %s was not published (%s)",
                    person,
                    failure.response.get("error"),
                )
            self._done(keys=[key, versions], args=[person, seen or 0, now + self.interval])
        first = cast("list[tuple[bytes, float]]", self._redis.zrange(key, 0, 0, withscores=True))
        return float(first[0][1]) if first else None

    def start(self) -> None:
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._serve, args=(shard,), name=f"home-{n}", daemon=True)
            for n, shard in enumerate(self.index.shards(self._teams))
        ]
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(5)
        self._threads = []

    def _serve(self, shard: str) -> None:
        while not self._stop.is_set():
            try:
                claims, earliest = self.index.claim(
                    shard, now=now_ms(), hold_ms=HOLD_MS, limit=BATCH
                )
                for claim in claims:
                    self._flush_claimed(claim)
                if claims:
                    continue
                wait = WAIT_MAX if earliest is None else (earliest - now_ms()) / 1000
                self.index.wait(shard, min(WAIT_MAX, max(0.05, wait)))
            except redis.RedisError as failure:
                log.warning("home tabs: storage unavailable (%s)", failure)
                self._stop.wait(1.0)

    def _flush_claimed(self, claim: Claim) -> None:
        try:
            following = self.flush(claim.member)
        except (SlackApiError, OSError) as failure:
            log.warning("home tabs of %s: %s", claim.member, failure)
            following = time.time() + RETRY_S
        self.index.settle(claim, None if following is None else int(following * 1000))


def _rest(active: list[Workshop], shown: int) -> list[HomeEntry]:
    """The running workshops not shown, so the view can count them."""
    return [HomeEntry(w) for w in active[shown:]]
