"""Every Lua script of the project, registered once per client (redis-py
``register_script``: EVALSHA, and SCRIPT LOAD on every master when a server does not
know the script yet).

Rules these scripts keep:
- every key a script touches is passed in KEYS and shares one hash tag, so each script
  is single-slot and runs unchanged on one server and on Redis Cluster (the keys are
  named in ``bot.store.keys``);
- every change to the active workshop's document or votes increments the channel's
  ``rev`` counter in the same script: ``SAVE`` writes only if ``rev`` is still what its
  caller read in ``SNAPSHOT``, so a document write never interleaves with another one,
  nor with a vote (compare-and-set without WATCH, which a cluster client may not offer).

The scripts, and who runs them:

======================  ======================================  ===========================
``VOTE``                count or take back one vote             ``bot.store.workshops``
``SNAPSHOT``            read what a compare-and-set decides on  ``bot.store.workshops``
``SAVE``                save a workshop with its effects        ``bot.store.workshops``
``MESSAGE``             what a reaction is about, with meta     ``bot.store.workshops``
``CLAIM_DUE``           claim due members of an index shard     ``bot.store.due``
``SETTLE_DUE``          end a claim                             ``bot.store.due``
``LEASE``               take or renew a lane's lease            ``bot.slack.dispatcher``
``RELEASE_IF_HOLDER``   give up a lease or a posting claim      dispatcher, refs
``RETAIN``              let a finished workshop's refs expire   ``bot.slack.refs``
``EDIT_DONE``           forget a dirty mark once edited         ``bot.slack.performer``
``QUEUE_DUE_JOBS``      move due jobs to the outbox             ``bot.slack.scheduler``
``TAKE_FROM_BUCKET``    take a token from a rate bucket         ``bot.slack.budget``
======================  ======================================  ===========================
"""

from __future__ import annotations

from typing import Final

# Count or take back one dot vote, enforcing the seed's rules atomically.
#
# A voter's votes on one story are ballots numbered from 1 (see BALLOTS below): the
# first is "<story>|<voter>", the n-th "<story>|<voter>|<n>". A cast adds the next
# number, a take-back removes the highest, so a voter with n votes on a story always
# holds ballots 1..n.
#
# KEYS[1] meta          hash: number, stage, budget, cap (most votes of one voter on one
#                       story; 1 when unset)
# KEYS[2] stories       set of story ids of the active workshop
# KEYS[3] ballots       set of numbered ballots
# KEYS[4] used          hash voter -> votes cast
# KEYS[5] seen          the delivery's dedupe key (unused when ARGV[5] is "")
# KEYS[6] outbox        stream of effects
# KEYS[7] rev           counter of changes (incremented when a ballot changes)
# KEYS[8] writing       set while a document writer that kept losing to votes saves
# ARGV[1] workshop number the caller loaded (a vote never lands on a newer workshop)
# ARGV[2] story id      ARGV[3] voter      ARGV[4] "cast" | "withdraw"
# ARGV[5] delivery id or ""                ARGV[6] dedupe TTL in seconds
# ARGV[7] effects JSON appended to the outbox when the vote changes something
#
# Returns {code, detail, on}: code is busy (a writer goes first; nothing done, try
# again shortly) | ok | duplicate | no_workshop | not_voting | no_story | already (at
# a cap of 1) | over_cap (at a cap above 1) | over_budget | not_voted; detail is the
# voter's votes used after the call (ok), the stage (not_voting), the budget
# (over_budget) or the cap (over_cap); on is the voter's votes on the story
# after the call (ok), else "".
VOTE: Final = """
if redis.call('EXISTS', KEYS[8]) == 1 then return {'busy', '', ''} end
if ARGV[5] ~= '' then
  if not redis.call('SET', KEYS[5], '1', 'NX', 'EX', tonumber(ARGV[6])) then
    return {'duplicate', '', ''}
  end
end
local meta = redis.call('HMGET', KEYS[1], 'number', 'stage', 'budget', 'cap')
if meta[1] ~= ARGV[1] then return {'no_workshop', '', ''} end
if meta[2] ~= 'voting' then return {'not_voting', meta[2], ''} end
if redis.call('SISMEMBER', KEYS[2], ARGV[2]) == 0 then return {'no_story', '', ''} end
local cap = tonumber(meta[4] or '1')
local base = ARGV[2] .. '|' .. ARGV[3]
local function ballot(n)
  if n == 1 then return base end
  return base .. '|' .. n
end
local on = 0
while redis.call('SISMEMBER', KEYS[3], ballot(on + 1)) == 1 do on = on + 1 end
local used = tonumber(redis.call('HGET', KEYS[4], ARGV[3]) or '0')
if ARGV[4] == 'cast' then
  if on >= cap then
    if cap == 1 then return {'already', '', ''} end
    return {'over_cap', tostring(cap), ''}
  end
  if used >= tonumber(meta[3]) then return {'over_budget', meta[3], ''} end
  on = on + 1
  redis.call('SADD', KEYS[3], ballot(on))
  used = redis.call('HINCRBY', KEYS[4], ARGV[3], 1)
else
  if on == 0 then return {'not_voted', '', ''} end
  redis.call('SREM', KEYS[3], ballot(on))
  on = on - 1
  used = redis.call('HINCRBY', KEYS[4], ARGV[3], -1)
end
redis.call('XADD', KEYS[6], '*', 'number', ARGV[1], 'effects', ARGV[7])
redis.call('INCR', KEYS[7])
return {'ok', tostring(used), tostring(on)}
"""

# Read what a compare-and-set decides on, as one snapshot.
#
# KEYS[1] rev           counter of changes to the document and votes
# KEYS[2] active        JSON of the active workshop, without votes
# KEYS[3] ballots       set of numbered ballots (see VOTE)
# KEYS[4] seq           the channel's last workshop number
# KEYS[5] seen          a delivery's dedupe key (any key of the tag when there is none)
# KEYS[6] archive       hash number -> JSON of a finished workshop
# ARGV[1] "archived" to read, when no workshop is active, the finished workshop whose
#         number is seq (the channel's latest); else ""
#
# Returns {rev, active JSON or nil, ballots, seq, 1 if seen exists else 0, archived
# JSON or nil}; rev and seq are "0" when unset.
SNAPSHOT: Final = """
local active = redis.call('GET', KEYS[2])
local seq = redis.call('GET', KEYS[4]) or '0'
local archived = false
if ARGV[1] == 'archived' and not active then archived = redis.call('HGET', KEYS[6], seq) end
return {
  redis.call('GET', KEYS[1]) or '0',
  active,
  redis.call('SMEMBERS', KEYS[3]),
  seq,
  redis.call('EXISTS', KEYS[5]),
  archived,
}
"""

# Save a workshop decided on a SNAPSHOT, with its effects and its delivery's seen mark,
# if nothing changed since that snapshot.
#
# KEYS[1] rev      KEYS[2] seen     KEYS[3] seq      KEYS[4] active   KEYS[5] meta
# KEYS[6] stories  KEYS[7] ballots  KEYS[8] used     KEYS[9] archive  KEYS[10] outbox
# KEYS[11] the workshop's refs hash (where its messages are in Slack)
# KEYS[12] writing: held by a writer that kept losing; others' saves wait while it is
# ARGV[1] rev as read by SNAPSHOT
# ARGV[2] delivery id or ""                ARGV[3] dedupe TTL in seconds
# ARGV[4] workshop number                  ARGV[5] "new" for a new number, else ""
# ARGV[6] "open" (stays active) | "closed" (moves to the archive)
# ARGV[7] workshop JSON: without votes when open, with them when closed
# ARGV[8] stage     ARGV[9] vote budget     ARGV[10] document version
# ARGV[11] vote emoji
# ARGV[12] effects JSON for the outbox, or "" for none
# ARGV[13] retention in seconds: a closed workshop's archive and refs expire after it
# ARGV[14] "reopen" when an archived workshop becomes active again (open only): its
#          archive entry goes and its refs no longer expire; else ""
# ARGV[15] this writer's token for ``writing`` (a save by anyone else is a conflict
#          while another writer holds it)
# ARGV[16] the cap: most votes of one voter on one story    ARGV[17] voting mode
# ARGV[18...] four counted lists, each its length then its members (open only; a closed
#          save sends four zeros):
#   story ids to add to the stories set (those not saved before; all on a reopen),
#   story ids to remove from it (stories that left the workshop),
#   numbered ballots (see VOTE) to add (a reopen restores its votes),
#   ballots to remove (votes that went back to their voters: all of a story's).
#   Each ballot added or removed moves its voter's count in ``used`` by +1 or -1.
#
# Returns "ok", "duplicate" (the delivery was applied meanwhile; nothing written) or
# "conflict" (rev moved: decide again on a fresh snapshot; nothing written).
SAVE: Final = """
if ARGV[2] ~= '' and redis.call('EXISTS', KEYS[2]) == 1 then return 'duplicate' end
if (redis.call('GET', KEYS[1]) or '0') ~= ARGV[1] then return 'conflict' end
local holder = redis.call('GET', KEYS[12])
if holder and holder ~= ARGV[15] then return 'conflict' end
if ARGV[5] == 'new' then
  redis.call('SET', KEYS[3], ARGV[4])
  redis.call('DEL', KEYS[7], KEYS[8], KEYS[6])
end
if ARGV[6] == 'open' then
  redis.call('SET', KEYS[4], ARGV[7])
  redis.call('HSET', KEYS[5], 'number', ARGV[4], 'stage', ARGV[8], 'budget', ARGV[9],
             'version', ARGV[10], 'emoji', ARGV[11], 'cap', ARGV[16], 'mode', ARGV[17])
  if ARGV[14] == 'reopen' then
    redis.call('HDEL', KEYS[9], ARGV[4])
    redis.call('PERSIST', KEYS[11])
  end
  local function voter(ballot)
    local rest = string.sub(ballot, string.find(ballot, '|', 1, true) + 1)
    local bar = string.find(rest, '|', 1, true)
    if bar then return string.sub(rest, 1, bar - 1) end
    return rest
  end
  local at = 18
  local function list()
    local first = at + 1
    local last = at + tonumber(ARGV[at])
    at = last + 1
    return first, last
  end
  local first, last = list()
  -- In slices: unpack puts every value on Lua's C stack, which holds about 8,000.
  for from = first, last, 1000 do
    redis.call('SADD', KEYS[6], unpack(ARGV, from, math.min(from + 999, last)))
  end
  first, last = list()
  for i = first, last do redis.call('SREM', KEYS[6], ARGV[i]) end
  first, last = list()
  for i = first, last do
    if redis.call('SADD', KEYS[7], ARGV[i]) == 1 then
      redis.call('HINCRBY', KEYS[8], voter(ARGV[i]), 1)
    end
  end
  first, last = list()
  for i = first, last do
    if redis.call('SREM', KEYS[7], ARGV[i]) == 1 then
      redis.call('HINCRBY', KEYS[8], voter(ARGV[i]), -1)
    end
  end
else
  redis.call('HSET', KEYS[9], ARGV[4], ARGV[7])
  redis.call('DEL', KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8])
  redis.call('EXPIRE', KEYS[9], tonumber(ARGV[13]))
  redis.call('EXPIRE', KEYS[11], tonumber(ARGV[13]))
end
if ARGV[12] ~= '' then
  redis.call('XADD', KEYS[10], '*', 'number', ARGV[4], 'effects', ARGV[12])
end
if ARGV[2] ~= '' then redis.call('SET', KEYS[2], '1', 'EX', tonumber(ARGV[3])) end
redis.call('INCR', KEYS[1])
return 'ok'
"""

# Claim due members: each is due again ARGV[2] ms later while it is served.
# KEYS[1] due   KEYS[2] gen
# ARGV[1] now (ms)   ARGV[2] hold (ms)   ARGV[3] most members to claim
# Returns {member, generation, member, generation, ..., earliest due time or ""}: the
# earliest due time is read after the claim (when to look again).
CLAIM_DUE: Final = """
local now = tonumber(ARGV[1])
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[3]))
local out = {}
for _, member in ipairs(due) do
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), member)
  out[#out + 1] = member
  out[#out + 1] = redis.call('HGET', KEYS[2], member) or '0'
end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
out[#out + 1] = first[2] or ''
return out
"""

# End a claim. A member without a generation that had one when claimed was removed
# meanwhile (settled by another claim, or its workspace purged): it stays out.
# KEYS[1] due   KEYS[2] gen
# ARGV[1] member   ARGV[2] generation seen by the claim   ARGV[3] next due time or ""
# Returns 1 if the member is still in the index.
SETTLE_DUE: Final = """
local generation = redis.call('HGET', KEYS[2], ARGV[1])
if generation == false and ARGV[2] ~= '0' then
  redis.call('ZREM', KEYS[1], ARGV[1])
  return 0
end
if (generation or '0') == ARGV[2] then
  if ARGV[3] == '' then
    redis.call('ZREM', KEYS[1], ARGV[1])
    redis.call('HDEL', KEYS[2], ARGV[1])
    return 0
  end
  redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
  return 1
end
if ARGV[3] ~= '' then redis.call('ZADD', KEYS[1], 'LT', ARGV[3], ARGV[1]) end
return 1
"""

# Take the lease if free, or renew it if it is ours.
# KEYS[1] lease   ARGV[1] our consumer name   ARGV[2] lease in ms   Returns 1 if ours.
LEASE: Final = """
local holder = redis.call('GET', KEYS[1])
if holder == false or holder == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', tonumber(ARGV[2]))
  return 1
end
return 0
"""

# Give a lease or a posting claim up if it is ours (it may have run out and been taken).
# KEYS[1] lease or claim   ARGV[1] our name
RELEASE_IF_HOLDER: Final = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""

# Let a finished workshop's refs expire, unless an expiry is set already or the workshop
# is active (reopened since the caller read it finished: its refs must stay).
# KEYS[1] refs   KEYS[2] meta   ARGV[1] workshop number   ARGV[2] seconds
# Returns 1 if an expiry was set.
RETAIN: Final = """
if redis.call('HGET', KEYS[2], 'number') == ARGV[1] then return 0 end
if redis.call('TTL', KEYS[1]) ~= -1 then return 0 end
return redis.call('EXPIRE', KEYS[1], tonumber(ARGV[2]))
"""

# An edit is done: forget the mark, unless it was marked again while rendering (then it
# is due again after the edit interval).
# KEYS[1] dirty set   KEYS[2] mark versions   ARGV[1] member   ARGV[2] version seen
# ARGV[3] when it is due again if marked meanwhile
EDIT_DONE: Final = """
if (redis.call('HGET', KEYS[2], ARGV[1]) or '0') == ARGV[2] then
  redis.call('ZREM', KEYS[1], ARGV[1])
  redis.call('HDEL', KEYS[2], ARGV[1])
else
  redis.call('ZADD', KEYS[1], 'XX', ARGV[3], ARGV[1])
end
return 1
"""

# Move a channel's due jobs to its outbox as ``run_job`` effects.
# Move a channel's due jobs to its outbox as run_job effects.
# KEYS[1] jobs (sorted set)  KEYS[2] outbox stream
# ARGV[1] now (unix seconds)  ARGV[2] most jobs to claim
# Returns {how many jobs were claimed and queued, when the next one is due or ""}.
QUEUE_DUE_JOBS: Final = """
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, job in ipairs(due) do
  redis.call('ZREM', KEYS[1], job)
  local number = cjson.decode(job)['number']
  redis.call('XADD', KEYS[2], '*', 'number', tostring(number),
    'effects', '[{"kind":"run_job","job":' .. job .. '}]')
end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {#due, first[2] or ''}
"""

# Take one token if the bucket holds more than ARGV[4] after refilling.
# KEYS[1] bucket hash {tokens, at}   ARGV[1] capacity   ARGV[2] refill per second
# ARGV[3] now (seconds, float)       ARGV[4] tokens to keep in reserve
# Returns 0 when a token was taken, else the seconds to wait (as a string).
TAKE_FROM_BUCKET: Final = """
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local reserve = tonumber(ARGV[4])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or capacity
local at = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - at) * rate)
if tokens - reserve >= 1 then
  redis.call('HSET', KEYS[1], 'tokens', tostring(tokens - 1), 'at', tostring(now))
  redis.call('EXPIRE', KEYS[1], 3600)
  return 0
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('EXPIRE', KEYS[1], 3600)
return tostring((1 + reserve - tokens) / rate)
"""

# What a reaction is about, in one call: the active workshop's meta and, when the
# workshop is the one the caller guessed, what the reacted-to message is.
#
# KEYS[1] meta          hash: number, stage, budget, emoji, cap, mode
# KEYS[2] refs          the guessed workshop's refs hash (see ``bot.slack.refs``)
# ARGV[1] the guessed workshop number     ARGV[2] the refs field (``ts:<ts>``)
#
# Returns {number, stage, budget, emoji, cap, mode, field value}; the last is false
# (nil) when the guess was wrong or the field is unset, and all are nil when there is no
# workshop (cap and mode are nil in a meta written before they existed).
MESSAGE: Final = """
local meta = redis.call('HMGET', KEYS[1], 'number', 'stage', 'budget', 'emoji', 'cap', 'mode')
local about = false
if meta[1] == ARGV[1] then about = redis.call('HGET', KEYS[2], ARGV[2]) end
return {meta[1], meta[2], meta[3], meta[4], meta[5], meta[6], about}
"""
