"""Lua scripts, registered once per client (redis-py ``register_script``: EVALSHA, falls
back to EVAL after a server restart). Every key a script touches is passed in KEYS and
shares the workshop's hash tag, so the scripts run on Redis Cluster too.
"""

from __future__ import annotations

from typing import Final

# Count or take back one dot vote, enforcing the seed's rules atomically.
#
# KEYS[1] meta          hash: number, stage, budget
# KEYS[2] stories       set of story ids of the active workshop
# KEYS[3] ballots       set of "<story>|<voter>"
# KEYS[4] used          hash voter -> votes cast
# KEYS[5] seen          the delivery's dedupe key (unused when ARGV[5] is "")
# KEYS[6] outbox        stream of effects
# ARGV[1] workshop number the caller loaded (a vote never lands on a newer workshop)
# ARGV[2] story id      ARGV[3] voter      ARGV[4] "cast" | "withdraw"
# ARGV[5] delivery id or ""                ARGV[6] dedupe TTL in seconds
# ARGV[7] effects JSON appended to the outbox when the vote changes something
#
# Returns {code, detail}: code is ok | duplicate | no_workshop | not_voting | no_story |
# already | over_budget | not_voted; detail is the voter's votes used after the call
# (ok), the stage (not_voting) or the budget (over_budget).
VOTE: Final = """
if ARGV[5] ~= '' then
  if not redis.call('SET', KEYS[5], '1', 'NX', 'EX', tonumber(ARGV[6])) then
    return {'duplicate', ''}
  end
end
local meta = redis.call('HMGET', KEYS[1], 'number', 'stage', 'budget')
if meta[1] ~= ARGV[1] then return {'no_workshop', ''} end
if meta[2] ~= 'voting' then return {'not_voting', meta[2]} end
if redis.call('SISMEMBER', KEYS[2], ARGV[2]) == 0 then return {'no_story', ''} end
local ballot = ARGV[2] .. '|' .. ARGV[3]
local used = tonumber(redis.call('HGET', KEYS[4], ARGV[3]) or '0')
if ARGV[4] == 'cast' then
  if redis.call('SISMEMBER', KEYS[3], ballot) == 1 then return {'already', ''} end
  if used >= tonumber(meta[3]) then return {'over_budget', meta[3]} end
  redis.call('SADD', KEYS[3], ballot)
  used = redis.call('HINCRBY', KEYS[4], ARGV[3], 1)
else
  if redis.call('SREM', KEYS[3], ballot) == 0 then return {'not_voted', ''} end
  used = redis.call('HINCRBY', KEYS[4], ARGV[3], -1)
end
redis.call('XADD', KEYS[6], '*', 'number', ARGV[1], 'effects', ARGV[7])
return {'ok', tostring(used)}
"""
