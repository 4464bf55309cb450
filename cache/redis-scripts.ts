/**
 * Lua run inside Redis so that check-and-write and evict-until-under are atomic even with many
 * servers sharing one Redis. Keys: `<prefix>e:<ns>:<hash>` (hash: b body, m meta JSON, z size),
 * `<prefix>lru` (sorted set of `<ns>:<hash>` by last access), `<prefix>bytes` (total body bytes).
 */

/** KEYS: entry, lru, bytes. ARGV: body, meta, size, member, nowMs, hardLimit. → 1 stored, 0 exists, -1 full. */
export const PUT_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local used = tonumber(redis.call('GET', KEYS[3]) or '0')
if used + tonumber(ARGV[3]) > tonumber(ARGV[6]) then return -1 end
redis.call('HSET', KEYS[1], 'b', ARGV[1], 'm', ARGV[2], 'z', ARGV[3])
redis.call('ZADD', KEYS[2], ARGV[5], ARGV[4])
redis.call('INCRBY', KEYS[3], ARGV[3])
return 1
`;

/** KEYS: lru, bytes. ARGV: maxSize, prefix, member to keep. → {entries, bytes} evicted. */
export const EVICT_SCRIPT = `
local n, freed = 0, 0
while tonumber(redis.call('GET', KEYS[2]) or '0') > tonumber(ARGV[1]) do
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 1)
  local victim = oldest[1]
  if victim == ARGV[3] then victim = oldest[2] end
  if not victim then break end
  local key = ARGV[2] .. 'e:' .. victim
  local size = tonumber(redis.call('HGET', key, 'z') or '0')
  redis.call('DEL', key)
  redis.call('ZREM', KEYS[1], victim)
  redis.call('DECRBY', KEYS[2], size)
  n = n + 1
  freed = freed + size
end
return {n, freed}
`;

/** KEYS: entry, lru, bytes. ARGV: member. → 1 deleted, 0 absent. */
export const DELETE_SCRIPT = `
local size = redis.call('HGET', KEYS[1], 'z')
if not size then return 0 end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('DECRBY', KEYS[3], tonumber(size))
return 1
`;
