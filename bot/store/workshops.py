"""Workshops in Redis: one active workshop per channel, finished ones kept as history.

The keys it writes are those of ``bot.store.keys.Keys`` (the whole key scheme is there):
every key of a channel carries the hash tag ``{<team>:<channel>}``, so the Lua scripts
touching several of them are single-slot and run on Redis Cluster.

Rules this module keeps:
- the workshop document changes only by compare-and-set: read a snapshot (the
  ``SNAPSHOT`` script: document, votes and ``rev``), decide in Python, write with the
  ``SAVE`` script, which writes only if ``rev`` is unchanged, else decide again;
- votes are cast and taken back only through the ``VOTE`` Lua script, which enforces
  the stage, the story's existence, the voter's budget and the cap per card atomically
  and increments ``rev``: a concurrent budget change or stage move is a conflict for the document
  writer, so the two never interleave. A ``SAVE`` may only drop votes (a story left the
  map: its ballots go, its story id leaves the stories set and each voter gets the vote
  back in ``used``), or restore a reopened workshop's votes from its archived document;
- a finished workshop reopened (``update(archived=True)``) leaves the archive and is
  the active one again, under its number, with its refs no longer expiring;
- every atomic step is one script on keys of one hash tag, and there is no WATCH or
  MULTI: the same code runs on one server and on Redis Cluster (``RedisClient``);
- a delivery id is marked seen in the same atomic step as its change, with a TTL of
  ``SEEN_TTL_SECONDS``; a delivery seen before changes nothing;
- effects are appended to the channel's outbox stream in that same step, so a change
  is never saved without what Slack must be told about it;
- a step that may append is covered by a signal of the ready index sent with it, and
  one that did append signals the channel's lane due now (``bot.store.due``): that is
  how a dispatcher learns there is work, without visiting channels.
"""

from __future__ import annotations

import json
import random
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, Final, Literal

from pydantic import BaseModel
from redis.cluster import RedisCluster
from redis.exceptions import NoScriptError

from bot.domain.errors import Rejected
from bot.domain.machine import Outcome
from bot.domain.model import Stage, VotingMode, Workshop
from bot.store import scripts
from bot.store.client import RedisClient
from bot.store.due import Ready
from bot.store.keys import Keys, team_channels_key

SEEN_TTL_SECONDS: Final = 15 * 60
#: Days a finished (published or cancelled) workshop's archive and refs are kept.
RETENTION_DAYS: Final = 90
MAX_CAS_ATTEMPTS: Final = 200
#: After this many lost rounds a writer goes first (``Keys.writing``, renewed while it
#: keeps trying, held at most ``WRITER_FIRST_SECONDS`` past its last try): votes and other
#: writers' saves wait meanwhile. Votes bump ``rev`` too, and a stream of them, or of
#: writers quicker to decide, could otherwise win every round. A held-back vote waits,
#: then counts; a held-back save is a conflict, decided again.
CONFLICTS_BEFORE_WRITER_FIRST: Final = 25
WRITER_FIRST_SECONDS: Final = 0.5
# After a lost compare-and-set, a writer waits a random pause before its next try, up to
# a ceiling that doubles per conflict (from 0.5 ms to at most 20 ms): writers that keep
# colliding spread out instead of retrying in lockstep until one gives up.
FIRST_PAUSE_SECONDS: Final = 0.0005
MAX_PAUSE_SECONDS: Final = 0.02
#: Channels whose last-read workshop a process keeps parsed (``ParsedCache``).
PARSED_CHANNELS: Final = 1024
#: Channels whose workshop number a store remembers (``WorkshopStore.message``).
NUMBERS_KEPT: Final = 100_000
#: How long a reply or a reaction to a message being posted waits for its record (a
#: post's claim lasts about as long), how often it looks, and how far Slack's clock
#: (a message's ``ts``) may be behind ours.
RECORD_WAIT_S: Final = 10.0
RECORD_POLL_S: Final = 0.05
CLOCK_SKEW_MS: Final = 5_000


VoteCode = Literal[
    "ok",
    "busy",
    "duplicate",
    "no_workshop",
    "not_voting",
    "no_story",
    "already",
    "over_cap",
    "over_budget",
    "not_voted",
]


class StoreConflict(RuntimeError):
    """Compare-and-set kept losing: the workshop changed under us too many times."""


@dataclass(frozen=True)
class Step:
    """What one atomic step did: the outcome, or nothing because the delivery was seen."""

    outcome: Outcome | None
    duplicate: bool = False


@dataclass(frozen=True)
class _Snapshot:
    """What ``update`` decides on: the workshop, and ``rev`` to save against."""

    rev: int
    current: Workshop | None
    seq: int
    seen: bool
    #: The ballots ``current``'s votes were made from.
    ballots: frozenset[bytes | str] = frozenset()
    #: ``current`` is the channel's latest finished workshop, read from the archive
    #: (``update(archived=True)`` with no workshop active); its votes are in its document.
    archived: bool = False


@dataclass(frozen=True)
class Meta:
    """The active workshop's number, stage, vote budget, voting emoji, cap per card and
    voting mode (the last two are 1 and emoji in a meta saved before they existed)."""

    number: int
    stage: Stage
    budget: int
    emoji: str
    cap: int = 1
    mode: VotingMode = VotingMode.EMOJI


@dataclass(frozen=True)
class VoteResult:
    code: VoteCode
    #: ok: the voter's votes used afterwards; not_voting: the stage; over_budget: budget;
    #: over_cap: the cap per card.
    detail: str
    #: ok: the voter's votes on the story afterwards.
    on_card: int = 0


def effects_json(effects: Sequence[BaseModel]) -> str:
    """The outbox payload: a JSON list of effects, each with its ``kind``."""
    return json.dumps([e.model_dump(mode="json") for e in effects])


def _text(value: bytes | str | None) -> str | None:
    return value.decode() if isinstance(value, bytes) else value


def ballot(story_id: str, voter: str, n: int = 1) -> str:
    """A voter's ``n``-th vote on a story as the store keeps it: ``<story>|<voter>`` for
    the first (as every vote was kept before a voter could cast several on one story),
    ``<story>|<voter>|<n>`` for the n-th."""
    return f"{story_id}|{voter}" if n == 1 else f"{story_id}|{voter}|{n}"


def ballots_of(w: Workshop | None) -> set[str]:
    """A workshop's votes as the ballots the store keeps (``ballot``): a voter with n
    votes on a story holds ballots 1..n."""
    if w is None:
        return set()
    return {
        ballot(story_id, voter, n)
        for story_id, voters in w.votes.items()
        for voter in set(voters)
        for n in range(1, voters.count(voter) + 1)
    }


def _votes(ballots: Iterable[bytes | str]) -> dict[str, tuple[str, ...]]:
    """``Workshop.votes`` from ballots: each ballot is one vote of its voter."""
    votes: dict[str, list[str]] = {}
    for member in ballots:
        story_id, _, rest = (_text(member) or "").partition("|")
        voter = rest.partition("|")[0]
        votes.setdefault(story_id, []).append(voter)
    return {sid: tuple(sorted(voters)) for sid, voters in sorted(votes.items())}


class ParsedCache:
    """The last workshop read or saved per channel, parsed, so a document is validated
    once per change rather than once per request.

    An entry is the active document's exact bytes and the exact set of ballots it was
    made from; a read reuses it only when Redis returned the same bytes and the same
    ballots, so it never depends on counters (which start again if a channel's keys
    are deleted) and is right whatever another replica wrote. A save primes the entry
    with the state it wrote, which equals what parsing that document gives
    (``tests/store/test_workshops.py`` checks this along a whole workshop); a save that
    took ballots out or restored them drops the entry instead (the next read parses). At most
    ``size`` channels are kept, the least recently used dropped first.
    """

    def __init__(self, size: int = PARSED_CHANNELS) -> None:
        self._size = size
        self._entries: OrderedDict[Keys, tuple[bytes, frozenset[bytes | str], Workshop]]
        self._entries = OrderedDict()
        self._lock = threading.Lock()

    def get(self, keys: Keys, raw: bytes, ballots: frozenset[bytes | str]) -> Workshop | None:
        with self._lock:
            entry = self._entries.get(keys)
            if entry is None or entry[0] != raw or entry[1] != ballots:
                return None
            self._entries.move_to_end(keys)
            return entry[2]

    def put(
        self, keys: Keys, raw: bytes, ballots: frozenset[bytes | str], workshop: Workshop
    ) -> None:
        with self._lock:
            self._entries[keys] = (raw, ballots, workshop)
            self._entries.move_to_end(keys)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)

    def forget(self, keys: Keys) -> None:
        with self._lock:
            self._entries.pop(keys, None)


def conflict_pause(attempt: int, rng: random.Random) -> float:
    """Seconds to wait after the ``attempt``-th lost compare-and-set (0-based): a random
    pause under a ceiling that doubles per conflict, capped at ``MAX_PAUSE_SECONDS``."""
    ceiling = min(MAX_PAUSE_SECONDS, FIRST_PAUSE_SECONDS * 2 ** min(attempt, 16))
    return rng.uniform(0.0, ceiling)


class WorkshopStore:
    """Load, change (compare-and-set) and vote on a channel's workshop."""

    def __init__(
        self,
        client: RedisClient,
        *,
        seen_ttl: int = SEEN_TTL_SECONDS,
        retention_days: float = RETENTION_DAYS,
        ready: Ready | None = None,
    ) -> None:
        """``retention_days``: how long a finished workshop's archive and refs are kept.
        ``ready``: the index signalled when effects are appended (default: per team)."""
        self._redis = client
        self.ready = ready or Ready(client)
        self._seen_ttl = seen_ttl
        self.retention_seconds = max(1, int(retention_days * 24 * 3600))
        self._vote = client.register_script(scripts.VOTE)
        self._snapshot = client.register_script(scripts.SNAPSHOT)
        self._save = client.register_script(scripts.SAVE)
        self._message = client.register_script(scripts.MESSAGE)
        self._hold = client.register_script(scripts.LEASE)
        self._unhold = client.register_script(scripts.RELEASE_IF_HOLDER)
        self._known_channels: set[str] = set()
        self._parsed = ParsedCache()
        #: The workshop number last seen per channel (``message``'s guess; a wrong
        #: guess costs a second read, never a wrong answer).
        self._numbers: dict[Keys, int] = {}
        self._jitter = random.Random()
        self._pause: Callable[[float], None] = time.sleep

    def _register(self, team_id: str, channel_id: str) -> None:
        """Record the channel among its team's (once per process and channel)."""
        channel = f"{team_id}:{channel_id}"
        if channel not in self._known_channels:
            self._redis.sadd(team_channels_key(team_id), channel_id)
            self._known_channels.add(channel)

    def _covered(self, team_id: str, channel_id: str, lane: str, step: Callable[..., Any]) -> Any:
        """Run ``step`` (one command or script, called with ``client=``) with the ready
        signal that covers it (``Ready.before``) in the same round trip; its answer."""
        if isinstance(self._redis, RedisCluster):
            # A cluster pipeline does not load a script a node lacks: two round trips.
            self.ready.before(team_id, channel_id, (lane,))
            return step(client=self._redis)
        loaded = False
        while True:
            with self._redis.pipeline(transaction=False) as pipe:
                self.ready.before(team_id, channel_id, (lane,), client=pipe)
                step(client=pipe)
                # Not checked before each pipeline (redis-py would send SCRIPT EXISTS
                # first, a round trip): loaded when the server answers NOSCRIPT.
                pipe.scripts.clear()
                try:
                    return pipe.execute()[-1]
                except NoScriptError:
                    if loaded:
                        raise
            for script in (self._save, self._vote):
                script.sha = str(self._redis.script_load(script.script))
            loaded = True

    # ----- reading --------------------------------------------------------------------

    def load(self, team_id: str, channel_id: str) -> Workshop | None:
        """The channel's active workshop with its votes, read as one snapshot."""
        return self._read(Keys(team_id, channel_id)).current

    def latest(self, team_id: str, channel_id: str) -> Workshop | None:
        """The active workshop, or else the channel's last one if it finished and is
        still kept (published or cancelled), read as one snapshot."""
        return self._read(Keys(team_id, channel_id), archived=True).current

    def get(self, team_id: str, channel_id: str, number: int) -> Workshop | None:
        """Workshop ``number`` of the channel, active or finished."""
        active = self.load(team_id, channel_id)
        if active is not None and active.number == number:
            return active
        raw = self._redis.hget(Keys(team_id, channel_id).archive, str(number))
        return None if raw is None else Workshop.model_validate_json(raw)

    def history(self, team_id: str, channel_id: str) -> list[Workshop]:
        """Finished workshops of the channel, oldest first."""
        raw = self._redis.hgetall(Keys(team_id, channel_id).archive)
        finished = [Workshop.model_validate_json(doc) for doc in raw.values()]
        return sorted(finished, key=lambda w: w.number)

    def _read(
        self, keys: Keys, delivery_id: str | None = None, *, archived: bool = False
    ) -> _Snapshot:
        rev, raw, ballots, seq, seen, finished = self._snapshot(
            keys=[
                keys.rev,
                keys.active,
                keys.ballots,
                keys.seq,
                keys.seen(delivery_id or "-"),
                keys.archive,
            ],
            args=["archived" if archived else ""],
        )
        if raw is None and finished:
            return _Snapshot(
                rev=int(rev),
                current=Workshop.model_validate_json(finished),
                seq=int(seq),
                seen=bool(delivery_id) and seen == 1,
                archived=True,
            )
        return _Snapshot(
            rev=int(rev),
            current=self._decode(keys, raw, frozenset(ballots)),
            seq=int(seq),
            seen=bool(delivery_id) and seen == 1,
            ballots=frozenset(ballots),
        )

    def _decode(
        self, keys: Keys, raw: bytes | str | None, ballots: frozenset[bytes | str]
    ) -> Workshop | None:
        if raw is None:
            return None
        document = raw.encode() if isinstance(raw, str) else raw
        workshop = self._parsed.get(keys, document, ballots)
        if workshop is None:
            parsed = Workshop.model_validate_json(document)
            workshop = parsed.model_copy(update={"votes": _votes(ballots)})
            self._parsed.put(keys, document, ballots, workshop)
        return workshop

    # ----- changing -------------------------------------------------------------------

    def update(
        self,
        team_id: str,
        channel_id: str,
        decide: Callable[[Workshop | None], Outcome],
        *,
        delivery_id: str | None = None,
        extra_effects: Sequence[BaseModel] = (),
        archived: bool = False,
    ) -> Step:
        """Apply ``decide`` to the current workshop in one compare-and-set step.

        ``decide`` may run several times (once per conflict) and must be pure. When it
        raises ``Rejected`` nothing is written except the delivery's seen mark, so a
        retried delivery is not refused twice.

        ``archived``: when no workshop is active, ``decide`` gets the channel's latest
        finished workshop (the archived one whose number is the channel's ``seq``, with
        its votes) instead of None; if it returns it open, it is active again under the
        same number, with its votes and its refs kept (``scripts.SAVE``'s reopen).

        A saved workshop may hold fewer votes than the current one (its stories left,
        their votes went back): the save takes those ballots out and gives each voter's
        vote back (``used``) in the same step. It never holds votes the current one has
        not: votes are cast only through ``vote``.
        """
        keys = Keys(team_id, channel_id)
        covered = False
        holding = False
        token = uuid.uuid4().hex
        try:
            for attempt in range(MAX_CAS_ATTEMPTS):
                snapshot = self._read(keys, delivery_id, archived=archived)
                if snapshot.seen:
                    return Step(outcome=None, duplicate=True)
                current = snapshot.current
                try:
                    outcome = decide(current)
                except Rejected:
                    if delivery_id:
                        self._redis.set(keys.seen(delivery_id), "1", ex=self._seen_ttl, nx=True)
                    raise
                number = current.number if current else snapshot.seq + 1
                saved = self._stamp(outcome.state, current, number)
                effects = [*outcome.effects, *extra_effects]
                save_args = self._save_args(
                    current, saved, effects, self.retention_seconds, reopen=snapshot.archived
                )
                save = partial(
                    self._save,
                    keys=[*self._save_keys(keys, delivery_id), keys.refs(number), keys.writing],
                    args=[
                        snapshot.rev,
                        delivery_id or "",
                        self._seen_ttl,
                        *save_args[:11],  # ARGV[4..14]
                        token,  # ARGV[15]
                        *save_args[11:],  # ARGV[16...]: cap, mode, the counted lists
                    ],
                )
                if effects and not covered:
                    answer = _text(self._covered(team_id, channel_id, "outbox", save))
                    covered = True
                else:
                    answer = _text(save())
                if answer == "ok":
                    self._landed(keys, snapshot, saved, bool(effects), save_args[3])
                    return Step(outcome=Outcome(saved, outcome.effects, outcome.reply))
                if answer == "duplicate":
                    return Step(outcome=None, duplicate=True)
                # "conflict": the workshop or its votes changed since the snapshot.
                if attempt + 1 >= CONFLICTS_BEFORE_WRITER_FIRST:
                    # Others keep winning (votes, or writers quicker to decide): go first
                    # for a moment, unless another writer already does, so this lands.
                    hold = int(WRITER_FIRST_SECONDS * 1000)
                    holding = bool(self._hold(keys=[keys.writing], args=[token, hold])) or holding
                self._pause(conflict_pause(attempt, self._jitter))
            raise StoreConflict(f"{team_id}:{channel_id} kept changing; gave up after retries")
        finally:
            if holding:
                self._unhold(keys=[keys.writing], args=[token])

    def _landed(
        self, keys: Keys, snapshot: _Snapshot, saved: Workshop, effects: bool, document: str | int
    ) -> None:
        """After a save: signal the outbox, register the channel, keep the parsed copy."""
        if effects:
            self.ready.now(keys.team_id, keys.channel_id, ("outbox",))
        # Registered only once something was saved: a refused command in a channel
        # without a workshop leaves no trace.
        self._register(keys.team_id, keys.channel_id)
        current = snapshot.current
        if snapshot.archived or ballots_of(saved) != ballots_of(current):
            self._parsed.forget(keys)  # the ballots differ from the snapshot's
        else:
            self._prime(keys, current, saved, snapshot.ballots, document)

    def _prime(
        self,
        keys: Keys,
        current: Workshop | None,
        saved: Workshop,
        ballots: frozenset[bytes | str],
        document: str | int,
    ) -> None:
        """Keep ``saved`` as what the next read of ``document`` gives. The ballots are
        the snapshot's (a vote in between would have moved ``rev`` and failed the
        save), or none for a new workshop (SAVE deleted them)."""
        same = current is not None and current.number == saved.number
        if saved.stage.is_open and isinstance(document, str) and (same or not saved.votes):
            self._parsed.put(keys, document.encode(), ballots if same else frozenset(), saved)
        else:
            self._parsed.forget(keys)

    @staticmethod
    def _stamp(state: Workshop, current: Workshop | None, number: int) -> Workshop:
        if current is not None and not ballots_of(state) <= ballots_of(current):
            raise ValueError("votes are cast only through WorkshopStore.vote")
        version = (current.version if current else 0) + 1
        return state.model_copy(update={"number": number, "version": version})

    @staticmethod
    def _save_keys(keys: Keys, delivery_id: str | None) -> list[str]:
        return [
            keys.rev,
            keys.seen(delivery_id or "-"),
            keys.seq,
            keys.active,
            keys.meta,
            keys.stories,
            keys.ballots,
            keys.used,
            keys.archive,
            keys.outbox,
        ]

    @staticmethod
    def _save_args(
        current: Workshop | None,
        saved: Workshop,
        effects: Sequence[BaseModel],
        retention: int,
        *,
        reopen: bool = False,
    ) -> list[str | int]:
        """``SAVE``'s ARGV from the 4th on (see ``scripts.SAVE``). ``reopen``: ``current``
        was read from the archive, so none of its stories or ballots are in Redis."""
        new = current is None or current.number != saved.number
        lists: list[list[str]] = [[], [], [], []]
        if saved.stage.is_open:
            state = "open"
            document = saved.model_copy(update={"votes": {}}).model_dump_json()
            # The stories set and the ballots already hold the current workshop's
            # (written with its document), unless this is a new workshop or a reopened
            # one: only the differences are sent.
            before = current if current is not None and not new and not reopen else None
            known = {s.id for s in before.stories} if before else set()
            kept = {s.id for s in saved.stories}
            held = ballots_of(before) if before else set()
            wanted = ballots_of(saved)
            lists = [
                [s.id for s in saved.stories if s.id not in known],
                sorted(known - kept),
                sorted(wanted - held),
                sorted(held - wanted),
            ]
        else:
            state, document = "closed", saved.model_dump_json()
        counted: list[str | int] = []
        for members in lists:
            counted.extend([len(members), *members])
        return [
            saved.number,
            "new" if new else "",
            state,
            document,
            saved.stage.value,
            saved.settings.vote_budget,
            saved.version,
            saved.settings.vote_emoji,
            effects_json(effects) if effects else "",
            retention,
            "reopen" if reopen and saved.stage.is_open else "",
            saved.settings.vote_cap,
            saved.settings.voting_mode.value,
            *counted,
        ]

    # ----- voting ---------------------------------------------------------------------

    def vote(
        self,
        team_id: str,
        channel_id: str,
        number: int,
        story_id: str,
        voter: str,
        *,
        cast: bool,
        delivery_id: str | None = None,
        effects: Sequence[BaseModel] = (),
    ) -> VoteResult:
        """Cast or take back one vote atomically (budget, stage and story checked)."""
        keys = Keys(team_id, channel_id)
        vote = partial(
            self._vote,
            keys=[
                keys.meta,
                keys.stories,
                keys.ballots,
                keys.used,
                keys.seen(delivery_id or "-"),
                keys.outbox,
                keys.rev,
                keys.writing,
            ],
            args=[
                number,
                story_id,
                voter,
                "cast" if cast else "withdraw",
                delivery_id or "",
                self._seen_ttl,
                effects_json(effects),
            ],
        )
        code, detail, on = self._covered(team_id, channel_id, "outbox", vote)
        waited = 0.0
        while _text(code) == "busy" and waited < WRITER_FIRST_SECONDS * 4:
            # A writer that kept losing goes first (Keys.writing) and usually lands in a
            # few milliseconds; past four holds' length the voter is told "busy".
            pause = self._jitter.uniform(0.001, 0.005)
            self._pause(pause)
            waited += pause
            code, detail, on = vote()
        if _text(code) == "ok":
            self.ready.now(team_id, channel_id, ("outbox",))
            self._register(team_id, channel_id)
        return VoteResult(
            code=_text(code),  # type: ignore[arg-type]
            detail=_text(detail) or "",
            on_card=int(_text(on) or 0),
        )

    def meta(self, team_id: str, channel_id: str) -> Meta | None:
        """What the hot paths need of the active workshop, in one read (no document)."""
        raw = self._redis.hmget(
            Keys(team_id, channel_id).meta, ["number", "stage", "budget", "emoji", "cap", "mode"]
        )
        return self._meta(raw)

    def message(self, team_id: str, channel_id: str, ts: str) -> tuple[Meta | None, str | None]:
        """The active workshop's ``meta`` and what its message ``ts`` is (``card:S3``,
        ``prompt:tasks:A2``..., from the workshop's refs hash, see ``bot.slack.refs``),
        or None for a message that is not one of its own.

        One round trip (the ``MESSAGE`` script) when the channel's workshop number is
        the one this store last saw there; a second read otherwise.
        """
        keys = Keys(team_id, channel_id)
        field = f"ts:{ts}"
        guess = self._numbers.get(keys, 0)
        *raw, about = self._message(keys=[keys.meta, keys.refs(guess)], args=[guess, field])
        meta = self._meta(raw)
        if meta is None:
            return None, None
        if meta.number != guess:
            if len(self._numbers) >= NUMBERS_KEPT:
                self._numbers.clear()
            self._numbers[keys] = meta.number
            about = self._redis.hget(keys.refs(meta.number), field)
        if about:
            return meta, _text(about)
        return meta, self._recorded_soon(keys, meta.number, ts)

    def _recorded_soon(self, keys: Keys, number: int, ts: str) -> str | None:
        """What the unknown message ``ts`` is, if it is one being posted right now.

        A reply can reach us between Slack's answer to the bot's post and the record of
        that post (``bot.slack.refs``). While a post of the workshop is in flight and
        ``ts`` is no older than its start (with ``CLOCK_SKEW_MS`` for Slack's clock),
        look again every ``RECORD_POLL_S``, for at most ``RECORD_WAIT_S``. A message
        older than the post in flight, or any message while nothing is posted, costs
        one more read.
        """
        try:
            sent_ms = int(float(ts) * 1000)
        except ValueError:
            return None
        deadline = time.monotonic() + RECORD_WAIT_S
        while True:
            with self._redis.pipeline(transaction=False) as pipe:
                pipe.get(keys.in_flight(number))  # first: a post ends by its record
                pipe.hget(keys.refs(number), f"ts:{ts}")
                mark, about = pipe.execute()
            if about:
                return _text(about)
            start = _text(mark)
            started = int(start.split(" ", 1)[0]) if start else None
            if started is None or sent_ms < started - CLOCK_SKEW_MS:
                return None
            if time.monotonic() >= deadline:
                return None
            time.sleep(RECORD_POLL_S)

    @staticmethod
    def _meta(raw: Sequence[bytes | str | None]) -> Meta | None:
        number, stage, budget, emoji, cap, mode = (_text(v) for v in raw)
        if number is None or stage is None or budget is None:
            return None
        return Meta(
            int(number),
            Stage(stage),
            int(budget),
            emoji or "+1",
            int(cap or 1),
            VotingMode(mode or VotingMode.EMOJI.value),
        )

    def stage(self, team_id: str, channel_id: str) -> Stage | None:
        raw = self._redis.hget(Keys(team_id, channel_id).meta, "stage")
        return None if raw is None else Stage(raw.decode() if isinstance(raw, bytes) else raw)

    def enqueue(
        self, team_id: str, channel_id: str, number: int, effects: Sequence[BaseModel]
    ) -> None:
        """Queue effects that change no state (a notice) on the urgent stream."""
        self._register(team_id, channel_id)
        entry: dict[Any, Any] = {"number": number, "effects": effects_json(effects)}
        urgent = Keys(team_id, channel_id).urgent

        def append(client: Any) -> Any:
            return client.xadd(urgent, entry)

        self._covered(team_id, channel_id, "urgent", append)
        self.ready.now(team_id, channel_id, ("urgent",))


def decode_entry(fields: Mapping[bytes | str, bytes | str]) -> tuple[int, list[dict[str, Any]]]:
    """An outbox entry (as read with or without ``decode_responses``): number and effects."""
    decoded = {_text(k): v for k, v in fields.items()}
    effects: list[dict[str, Any]] = json.loads(decoded["effects"])
    return int(decoded["number"]), effects


__all__ = [
    "SEEN_TTL_SECONDS",
    "Keys",
    "Meta",
    "ParsedCache",
    "Step",
    "StoreConflict",
    "VoteResult",
    "WorkshopStore",
    "decode_entry",
    "team_channels_key",
]
