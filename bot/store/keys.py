"""Every Redis key the project writes, in one place: the key scheme.

Every key starts with ``storymap:``. A key whose family is written together with others
in one script or pipeline carries a hash tag (``{...}``) so they share a slot on Redis
Cluster. The Lua scripts that touch them are in ``bot.store.scripts``.

Per channel, tag ``{<team>:<channel>}`` (``Keys``):

=========================================  =================================================
``rev``                                    counter of changes to the active workshop
                                           (document or votes): the compare-and-set token;
                                           never reset (``bot.store.workshops``)
``seq``                                    the channel's last workshop number
``active``                                 JSON of the active workshop, without votes
``meta``                                   hash number/stage/budget/version/emoji/cap/mode
                                           of the active workshop, read by the vote script
``stories``                                set of the active workshop's story ids
``ballots``                                set of ``<story>|<voter>`` (a voter's first
                                           vote on a story) and ``<story>|<voter>|<n>``
                                           (their n-th): the active votes
``used``                                   hash voter -> votes cast (the budget check)
``archive``                                hash number -> JSON of a finished workshop,
                                           votes included; expires with retention (a
                                           reopened workshop leaves it)
``refs:<n>``                               where workshop n's messages are in Slack
                                           (``bot.slack.refs``); expires with retention,
                                           kept again when the workshop is reopened
``refs:<n>:posting:<name>``                a short claim to post message ``name``
``refs:<n>:in-flight``                     ``<start ms> <poster>`` while a message of
                                           workshop n is posted and not yet recorded
``seen:<delivery id>``                     a Slack delivery already applied (TTL)
``outbox`` / ``urgent``                    streams of effects (``bot.store.outbox``)
``dead``                                   capped stream of entries parked for good
``attempts:<lane>``                        hash entry -> failed attempts, and the error
``done:<entry id>``                        hash effect index -> 1 once performed
``told:<entry id>``                        the facilitator was told of a parked entry
``lease:<lane>``                           the worker serving the lane
                                           (``bot.slack.dispatcher``)
``dirty``                                  sorted set of messages to edit, by when
                                           (``bot.slack.performer``)
``dirty:version``                          hash message -> times marked dirty
``dirty:edited:<n>|<name>``                the message was edited less than a second ago
``jobs``                                   sorted set of scheduled jobs by due time
                                           (``bot.slack.scheduler``)
``nudged:<n>:<stage>:<user>:<date>``       a reminder was sent that day
=========================================  =================================================

Per workspace, and per Enterprise Grid org (``bot.store.installations``):

=========================================  =================================================
``storymap:{team:<T>}:installation``       hash of the workspace's installation records
                                           (``latest``, ``bot``, ``user:<U>``), encrypted
``storymap:{team:<T>}:enterprise``         the org-wide install that serves T
``storymap:{enterprise:<E>}:installation`` the same records for an org-wide install
``storymap:{enterprise:<E>}:teams``        set of the org's workspaces seen in requests
``storymap:{team:<T>}:channels``           set of the team's channels that held a workshop
``storymap:{team:<T>}:home:opened:<U>``   U opened the app's Home tab (TTL): only such
                                           people's Home tabs are refreshed
                                           (``bot.slack.home``)
``storymap:{team:<T>}:home:dirty``         sorted set user -> when their Home tab may be
                                           published again (a change concerned them)
``storymap:{team:<T>}:home:dirty:version`` hash user -> times marked
``storymap:{team:<T>}:home:fresh:<U>``     U's Home tab was published less than the
                                           coalescing interval ago
``storymap:{team:<T>}:home:watch:<C>``     set of people whose Home tab lists channel C
                                           (TTL)
``storymap:<T>:bot-user``                  the bot's user id there (cached a day)
``storymap:<T>:tz:<user>``                 a person's time zone (cached a day)
``storymap:<T>:rate:<method>``             token bucket of a Web API method
``storymap:<T>:rate:post:<channel>``       token bucket of posting in a channel
``storymap:<T>:pause:<method>``            every replica holds off after a 429
=========================================  =================================================

Due-time index shards, tag ``{<index>:team:<T>}`` or ``{<index>:all:<n>}``
(``bot.store.due``; index ``ready``, ``jobs`` or ``home``, whose members are teams
with Home tabs to refresh): ``due`` (sorted set), ``gen`` (hash),
``wake`` (list).

Process-wide: ``storymap:healthz`` (``/healthz`` writes it), ``storymap:signed:<sha256>``
(a signed request seen, against replays), ``storymap:oauth-state:<state>`` (an OAuth
install under way, one use), and ``storymap:channels`` (the list of channels before
dispatch was signalled; emptied by ``adopt_legacy_channels``).

A workspace's keys are found for its purge by three patterns (``team_patterns``): its
channels' (``storymap:{T:*``), its own untagged ones (``storymap:T:*``) and its tagged
ones (``storymap:{team:T}:*``); the ready and jobs shards of the one-workspace scope
(``storymap:{ready:team:T}:*``, ``storymap:{jobs:team:T}:*``,
``storymap:{home:team:T}:*``) are named outright.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Final

#: ``/healthz`` writes it to learn that writes succeed.
HEALTH_KEY: Final = "storymap:healthz"
#: Where every channel with an outbox was listed when dispatchers visited them all.
LEGACY_CHANNELS_KEY: Final = "storymap:channels"


@dataclass(frozen=True)
class Keys:
    """The keys of one channel (all with its hash tag)."""

    team_id: str
    channel_id: str

    @property
    def tag(self) -> str:
        return f"storymap:{{{self.team_id}:{self.channel_id}}}"

    rev = property(lambda self: f"{self.tag}:rev")
    seq = property(lambda self: f"{self.tag}:seq")
    active = property(lambda self: f"{self.tag}:active")
    meta = property(lambda self: f"{self.tag}:meta")
    stories = property(lambda self: f"{self.tag}:stories")
    ballots = property(lambda self: f"{self.tag}:ballots")
    used = property(lambda self: f"{self.tag}:used")
    archive = property(lambda self: f"{self.tag}:archive")
    outbox = property(lambda self: f"{self.tag}:outbox")
    #: Effects that cannot wait behind a stage's postings: notices to one person.
    urgent = property(lambda self: f"{self.tag}:urgent")
    #: Entries of either lane that failed for good (capped, see ``bot.store.outbox``).
    dead = property(lambda self: f"{self.tag}:dead")

    #: Set for a moment by a document writer that keeps losing its compare-and-set to
    #: votes: votes wait while it is there (see ``WorkshopStore.update``).
    writing = property(lambda self: f"{self.tag}:writing")

    @property
    def dirty(self) -> str:
        return f"{self.tag}:dirty"

    @property
    def jobs(self) -> str:
        return f"{self.tag}:jobs"

    def attempts(self, lane: str) -> str:
        """Hash: entry id -> failed attempts, ``<entry id>:error`` -> the last error."""
        return f"{self.tag}:attempts:{lane}"

    def done(self, entry_id: str) -> str:
        """Hash: index of an entry's effect -> 1 once performed (see ``Performer``)."""
        return f"{self.tag}:done:{entry_id}"

    def refs(self, number: int) -> str:
        return f"{self.tag}:refs:{number}"

    def in_flight(self, number: int) -> str:
        """Set while one of workshop ``number``'s messages is being posted: a reply or
        a reaction to a message not recorded yet waits for it (``WorkshopStore.message``)."""
        return f"{self.tag}:refs:{number}:in-flight"

    def seen(self, delivery_id: str) -> str:
        return f"{self.tag}:seen:{delivery_id}"

    def lease(self, lane: str) -> str:
        return f"{self.tag}:lease:{lane}"

    def told(self, entry_id: str) -> str:
        return f"{self.tag}:told:{entry_id}"

    def nudged(self, number: int, stage: str, user: str) -> str:
        """Prefix of the once-a-day reminder marks (the local date follows)."""
        return f"{self.tag}:nudged:{number}:{stage}:{user}:"


def team_tag(team_id: str) -> str:
    """The hash tag of a workspace's own keys."""
    return f"storymap:{{team:{team_id}}}"


def enterprise_tag(enterprise_id: str) -> str:
    return f"storymap:{{enterprise:{enterprise_id}}}"


def team_channels_key(team_id: str) -> str:
    """Set of the team's channel ids that hold or held a workshop."""
    return f"{team_tag(team_id)}:channels"


def home_opened_key(team_id: str, user: str) -> str:
    """Set (with a TTL) once ``user`` opened the app's Home tab in ``team_id``."""
    return f"{team_tag(team_id)}:home:opened:{user}"


def home_dirty_key(team_id: str) -> str:
    """Sorted set: people whose Home tab is due a refresh, by when (seconds)."""
    return f"{team_tag(team_id)}:home:dirty"


def home_version_key(team_id: str) -> str:
    """Hash: person -> times their Home tab was marked for a refresh."""
    return f"{home_dirty_key(team_id)}:version"


def home_fresh_key(team_id: str, user: str) -> str:
    """Set for the coalescing interval after ``user``'s Home tab was published."""
    return f"{team_tag(team_id)}:home:fresh:{user}"


def home_watch_key(team_id: str, channel_id: str) -> str:
    """Set of the people whose last published Home tab listed ``channel_id``."""
    return f"{team_tag(team_id)}:home:watch:{channel_id}"


def installation_key(enterprise_id: str | None, team_id: str | None, org_wide: bool) -> str:
    """Where an installation lives: the org's for an org-wide install, else the team's."""
    if (org_wide or not team_id) and enterprise_id:
        return f"{enterprise_tag(enterprise_id)}:installation"
    if team_id:
        return f"{team_tag(team_id)}:installation"
    raise ValueError("an installation belongs to a team or an enterprise")


def enterprise_link_key(team_id: str) -> str:
    return f"{team_tag(team_id)}:enterprise"


def enterprise_teams_key(enterprise_id: str) -> str:
    return f"{enterprise_tag(enterprise_id)}:teams"


def state_key(state: str) -> str:
    return f"storymap:oauth-state:{state}"


def channels_prefix(team_id: str) -> str:
    """What every key of the team's channels starts with (``storymap:{T:``)."""
    return f"storymap:{{{team_id}:"


def team_patterns(team: str) -> list[str]:
    """SCAN patterns of a workspace's keys (``team``: its id, glob-escaped)."""
    return [f"storymap:{{{team}:*", f"storymap:{team}:*", f"storymap:{{team:{team}}}:*"]


def enterprise_pattern(enterprise: str) -> str:
    return f"storymap:{{enterprise:{enterprise}}}:*"


def bot_user_key(team_id: str) -> str:
    return f"storymap:{team_id}:bot-user"


def tz_key(team_id: str, user: str) -> str:
    return f"storymap:{team_id}:tz:{user}"


def budget_prefix(team_id: str) -> str:
    """Where a workspace's Web API buckets and pauses live (``bot.slack.budget``)."""
    return f"storymap:{team_id}" if team_id else "storymap"


def shard_key(shard: str, part: str) -> str:
    """``due``, ``gen`` or ``wake`` of a due-time index shard."""
    return f"storymap:{{{shard}}}:{part}"


def replay_key(signature: str) -> str:
    return "storymap:signed:" + hashlib.sha256(signature.encode()).hexdigest()
