import CacheAside
import RESP

/// The Lua scripts that make every change to a prefix atomic. Each one touches only the keys of
/// one prefix (`KEYS` all share the prefix's `{u:…}` hash tag), or only the store's global keys,
/// so all of them run unchanged on Redis Cluster.
///
/// The keys of a prefix `P` (see ``RedisKeys``): `P#m` meta hash (generation, gauges, counters),
/// `P#v` values by route, `P#x` deadlines by route (a sorted set: the prefix's index and its
/// expiry index), `P#a` store times by route, `P#h` hits by route. Times are Unix milliseconds
/// from the calling instance's clock.
enum RedisScripts {
    /// Shared by the scripts that remove one entry: forgets `route` and takes it off the gauges.
    private static let removeEntry = """
        local function remove_entry(route)
          local size = redis.call('HSTRLEN', KEYS[2], route)
          redis.call('HDEL', KEYS[2], route)
          redis.call('ZREM', KEYS[3], route)
          redis.call('HDEL', KEYS[4], route)
          redis.call('HDEL', KEYS[5], route)
          redis.call('HINCRBY', KEYS[1], 'bytes', -(size + #route))
          redis.call('HINCRBY', KEYS[1], 'keys', -1)
        end
        """

    /// KEYS m v x a h; ARGV route, now, first generation.
    /// Returns `{1, value}` for a hit, `{0, generation}` for a miss, `{2, generation}` for a miss
    /// on an entry that had just expired (removed and counted here).
    static let lookup = RedisScript(
        removeEntry + """

            local gen = redis.call('HGET', KEYS[1], 'gen')
            if not gen then
              gen = ARGV[3]
              redis.call('HSET', KEYS[1], 'gen', gen, 'used', ARGV[2])
            end
            local deadline = redis.call('ZSCORE', KEYS[3], ARGV[1])
            if not deadline then return {0, gen} end
            if tonumber(deadline) > tonumber(ARGV[2]) then
              local value = redis.call('HGET', KEYS[2], ARGV[1])
              if value then return {1, value} end
              return {0, gen}
            end
            remove_entry(ARGV[1])
            redis.call('HINCRBY', KEYS[1], '\(CacheCounter.expirations.rawValue)', 1)
            return {2, gen}
            """)

    /// KEYS m v x a h; ARGV route, value, deadline, now, generation.
    /// Stores only if the prefix is still in `generation`: returns 1 stored, 0 rejected as stale.
    static let store = RedisScript(
        removeEntry + """

            if redis.call('HGET', KEYS[1], 'gen') ~= ARGV[5] then
              redis.call('HINCRBY', KEYS[1], '\(CacheCounter.staleSetsRejected.rawValue)', 1)
              return 0
            end
            if redis.call('ZSCORE', KEYS[3], ARGV[1]) then remove_entry(ARGV[1]) end
            if tonumber(ARGV[3]) <= tonumber(ARGV[4]) then return 1 end
            redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
            redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
            redis.call('HSET', KEYS[4], ARGV[1], ARGV[4])
            redis.call('HINCRBY', KEYS[1], 'bytes', #ARGV[2] + #ARGV[1])
            redis.call('HINCRBY', KEYS[1], 'keys', 1)
            redis.call('HINCRBY', KEYS[1], '\(CacheCounter.sets.rawValue)', 1)
            return 1
            """)

    /// KEYS m v x a h; ARGV now, first generation.
    /// Moves the prefix to a new generation and unlinks its entries in one step: `{keys, bytes, generation}`.
    static let purge = RedisScript(
        """
        if not redis.call('HGET', KEYS[1], 'gen') then redis.call('HSET', KEYS[1], 'gen', ARGV[2]) end
        local gen = redis.call('HINCRBY', KEYS[1], 'gen', 1)
        local keys = redis.call('ZCARD', KEYS[3])
        local bytes = tonumber(redis.call('HGET', KEYS[1], 'bytes') or '0')
        redis.call('UNLINK', KEYS[2], KEYS[3], KEYS[4], KEYS[5])
        redis.call('HSET', KEYS[1], 'bytes', 0, 'keys', 0, 'lastPurge', ARGV[1], 'used', ARGV[1])
        redis.call('HINCRBY', KEYS[1], '\(CacheCounter.purges.rawValue)', 1)
        redis.call('HINCRBY', KEYS[1], '\(CacheCounter.purgedKeys.rawValue)', keys)
        return {keys, bytes, gen}
        """)

    /// KEYS m v x a h; ARGV now, limit.
    /// Removes up to `limit` expired entries and counts them: `{next deadline or -1, route…}`.
    static let sweep = RedisScript(
        removeEntry + """

            local routes = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
            for _, route in ipairs(routes) do remove_entry(route) end
            if #routes > 0 then redis.call('HINCRBY', KEYS[1], '\(CacheCounter.expirations.rawValue)', #routes) end
            local first = redis.call('ZRANGE', KEYS[3], 0, 0, 'WITHSCORES')
            local result = {first[2] or '-1'}
            for _, route in ipairs(routes) do result[#result + 1] = route end
            return result
            """)

    /// KEYS m v h; ARGV last use, n, then n counter name and increment pairs, then route and hit
    /// count pairs. Adds one instance's batched counters, each to the field of its name; hits of
    /// entries purged meanwhile are dropped.
    static let flush = RedisScript(
        """
        if tonumber(ARGV[1]) > tonumber(redis.call('HGET', KEYS[1], 'used') or '0') then
          redis.call('HSET', KEYS[1], 'used', ARGV[1])
        end
        local routes = 3 + 2 * tonumber(ARGV[2])
        for i = 3, routes - 1, 2 do redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1]) end
        for i = routes, #ARGV - 1, 2 do
          if redis.call('HEXISTS', KEYS[2], ARGV[i]) == 1 then redis.call('HINCRBY', KEYS[3], ARGV[i], ARGV[i + 1]) end
        end
        return 1
        """)

    /// KEYS m v x a h; ARGV cutoff, counter names.
    /// Forgets a prefix that holds nothing and was last used before `cutoff`, returning the values
    /// of the named counters so the store-wide totals keep them; false otherwise.
    static let reclaim = RedisScript(
        """
        if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('ZCARD', KEYS[3]) > 0 then return false end
        if tonumber(redis.call('HGET', KEYS[1], 'used') or '0') >= tonumber(ARGV[1]) then return false end
        local counters = redis.call('HMGET', KEYS[1], unpack(ARGV, 2))
        redis.call('UNLINK', KEYS[1], KEYS[2], KEYS[4], KEYS[5])
        for i = 1, #counters do counters[i] = counters[i] or '0' end
        return counters
        """)

    /// KEYS m v x a h; ARGV now, offset, limit.
    /// The live entries ordered by route: `{generation, route, deadline, stored at, hits, size, …}`,
    /// or null for a prefix never seen.
    static let keys = RedisScript(
        """
        local gen = redis.call('HGET', KEYS[1], 'gen')
        if not gen then return false end
        local live = redis.call('ZRANGEBYSCORE', KEYS[3], '(' .. ARGV[1], '+inf', 'WITHSCORES')
        local entries = {}
        for i = 1, #live, 2 do entries[#entries + 1] = {live[i], live[i + 1]} end
        table.sort(entries, function(a, b) return a[1] < b[1] end)
        local result = {gen}
        local first = tonumber(ARGV[2]) + 1
        local last = math.min(#entries, tonumber(ARGV[2]) + tonumber(ARGV[3]))
        for i = first, last do
          local route = entries[i][1]
          result[#result + 1] = route
          result[#result + 1] = entries[i][2]
          result[#result + 1] = redis.call('HGET', KEYS[4], route) or '0'
          result[#result + 1] = redis.call('HGET', KEYS[5], route) or '0'
          result[#result + 1] = tostring(redis.call('HSTRLEN', KEYS[2], route))
        end
        return result
        """)

    /// KEYS seq list; ARGV capacity, event….
    /// Appends events to the shared ring, numbering them; returns the newest number.
    static let appendEvents = RedisScript(
        """
        for i = 2, #ARGV do redis.call('RPUSH', KEYS[2], ARGV[i]) end
        local last = redis.call('INCRBY', KEYS[1], #ARGV - 1)
        redis.call('LTRIM', KEYS[2], -tonumber(ARGV[1]), -1)
        return last
        """)

    /// KEYS seq list; ARGV after, limit.
    /// `{newest number, oldest number held, event…}` for the events numbered above `after`.
    static let readEvents = RedisScript(
        """
        local last = tonumber(redis.call('GET', KEYS[1]) or '0')
        local oldest = last - redis.call('LLEN', KEYS[2]) + 1
        local first = math.max(tonumber(ARGV[1]) + 1, oldest)
        local result = {last, oldest}
        if first > last then return result end
        local from = first - oldest
        for _, event in ipairs(redis.call('LRANGE', KEYS[2], from, from + tonumber(ARGV[2]) - 1)) do
          result[#result + 1] = event
        end
        return result
        """)
}
