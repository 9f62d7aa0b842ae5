import CacheAside
import RESP

/// The Lua scripts that make every change to a prefix atomic. Each one touches the keys of one
/// prefix (they share the prefix's `{u:…}` hash tag), plus, for a few, store-wide keys that are
/// always passed in `KEYS`, never named inside a script.
///
/// The keys of a prefix `P` (see ``RedisKeys``), in the order every prefix script takes them:
/// `P#m` meta hash (generation, epoch, gauges, counters), `P#v` values by route, `P#x` deadlines
/// by route (the sweeper's index), `P#a` store times by route, `P#h` hits by route, `P#k` routes
/// in name order (all scores 0: the keys page's index).
///
/// Every prefix script takes `ARGV[1]` = the time to use instead of Redis's (empty in
/// production; a test's hand-moved clock, see ``RedisStore``) and `ARGV[2]` = the store epoch the
/// instance knows. Times are Redis's clock (`TIME`), never the instance's, so instances whose
/// clocks disagree still agree on deadlines.
///
/// Scripts that only remove data or add a few bytes of counters are flagged `allow-oom`: a full
/// Redis still purges, sweeps and reclaims. The store script is not: a full Redis refuses it
/// before it runs, so a refused store changes nothing.
enum RedisScripts {
    /// What every prefix script starts with: Redis's time, and the epoch check.
    private static let prelude = """
        local function now_ms()
          if ARGV[1] ~= '' then return tonumber(ARGV[1]) end
          local t = redis.call('TIME')
          return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        end
        -- Lua turns big numbers into text like 1.7e+15; Redis needs every digit.
        local function digits(n) return string.format('%.0f', n) end
        local function remove_entry(route)
          local size = redis.call('HSTRLEN', KEYS[2], route)
          redis.call('HDEL', KEYS[2], route)
          redis.call('ZREM', KEYS[3], route)
          redis.call('HDEL', KEYS[4], route)
          redis.call('HDEL', KEYS[5], route)
          redis.call('ZREM', KEYS[6], route)
          redis.call('HINCRBY', KEYS[1], 'bytes', -(size + #route))
          redis.call('HINCRBY', KEYS[1], 'keys', -1)
        end
        -- Sets a key's expiry to `at` unless it already expires later.
        local function expire_at_least(key, at)
          if redis.call('PEXPIREAT', key, digits(at), 'GT') == 0 then redis.call('PEXPIREAT', key, digits(at), 'NX') end
        end
        -- What a reset removed, for a purge to report.
        local reset_keys, reset_bytes = 0, 0
        -- The prefix's generation. A prefix that has none yet gets one (from Redis's clock in
        -- microseconds, above any it had before being forgotten) if `lifetime` is given; otherwise
        -- nothing is written (a full Redis does not grow from lookups of new users) and the
        -- provisional generation is the time now, in microseconds (see the store script). A prefix
        -- written in an earlier epoch (a restored snapshot, a failover) is reset first: its entries
        -- go, its generation moves past every one handed out before. Returns nil when the
        -- instance's epoch is the older one.
        local function enter(now, lifetime)
          local meta = redis.call('HMGET', KEYS[1], 'gen', 'epoch', 'keys', 'bytes')
          local gen, epoch = meta[1], meta[2]
          if not gen then
            if not lifetime then return digits(now * 1000) end
            gen = digits(now * 1000)
            redis.call('HSET', KEYS[1], 'gen', gen, 'epoch', ARGV[2], 'used', digits(now))
            expire_at_least(KEYS[1], now + lifetime)
            return gen
          end
          if epoch == ARGV[2] then return gen end
          if tonumber(epoch or '0') > tonumber(ARGV[2]) then return nil end
          reset_keys, reset_bytes = tonumber(meta[3] or '0'), tonumber(meta[4] or '0')
          redis.call('UNLINK', KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6])
          gen = digits(math.max(tonumber(gen) + 1, now * 1000))
          redis.call('HSET', KEYS[1], 'gen', gen, 'epoch', ARGV[2], 'keys', 0, 'bytes', 0)
          return gen
        end

        """

    /// KEYS m v x a h k; ARGV time, epoch, route.
    /// `{1, value}` a hit, `{0, generation}` a miss (a provisional generation, the time now, for
    /// a prefix that has none yet: this script never creates one), `{2, generation}` a miss on an
    /// entry that had just expired (removed and counted here), `{3, epoch}` when the instance's
    /// epoch is behind.
    static let lookup = RedisScript(
        "#!lua flags=allow-oom\n" + prelude + """
            local now = now_ms()
            local gen = enter(now, nil)
            if not gen then return {3, redis.call('HGET', KEYS[1], 'epoch')} end
            local deadline = redis.call('ZSCORE', KEYS[3], ARGV[3])
            if not deadline then return {0, gen} end
            if tonumber(deadline) > now then
              local value = redis.call('HGET', KEYS[2], ARGV[3])
              if value then return {1, value} end
              return {0, gen}
            end
            remove_entry(ARGV[3])
            redis.call('HINCRBY', KEYS[1], '\(CacheCounter.expirations.rawValue)', 1)
            return {2, gen}
            """)

    /// KEYS m v x a h k due prefixes; ARGV time, epoch, route, value, ttl (ms), generation, prefix,
    /// idle retention (ms), backstop (ms).
    /// Stores only if the prefix is still in `generation` (1 stored, 0 rejected as stale, 3 the
    /// instance's epoch is behind) and, in the same step, records the deadline for the sweeper
    /// and lists the prefix for statistics. Every key gets a Redis expiry past its last deadline,
    /// so Redis frees what no instance sweeps.
    ///
    /// A provisional generation (from a lookup of a prefix that had none) holds while the prefix
    /// still has none, and only if it is younger than the idle retention: a purge gives the prefix
    /// a generation, and it can be forgotten again only once idle for the retention, so a
    /// computation that started before a purge and a forgetting is older than that.
    /// Not `allow-oom`: a full Redis refuses it before anything changes.
    static let store = RedisScript(
        "#!lua\n" + prelude + """
            local now = now_ms()
            local retention, backstop = tonumber(ARGV[8]), tonumber(ARGV[9])
            local new = redis.call('HEXISTS', KEYS[1], 'gen') == 0
            local gen = enter(now, retention + backstop)
            if not gen then return 3 end
            local provisional = new and tonumber(ARGV[6]) >= (now - retention) * 1000
            if gen ~= ARGV[6] and not provisional then
              redis.call('HINCRBY', KEYS[1], '\(CacheCounter.staleSetsRejected.rawValue)', 1)
              return 0
            end
            if redis.call('ZSCORE', KEYS[3], ARGV[3]) then remove_entry(ARGV[3]) end
            local ttl = tonumber(ARGV[5])
            if ttl <= 0 then return 1 end
            local deadline = now + ttl
            redis.call('HSET', KEYS[2], ARGV[3], ARGV[4])
            redis.call('ZADD', KEYS[3], digits(deadline), ARGV[3])
            redis.call('HSET', KEYS[4], ARGV[3], digits(now))
            redis.call('ZADD', KEYS[6], 0, ARGV[3])
            redis.call('HINCRBY', KEYS[1], 'bytes', #ARGV[4] + #ARGV[3])
            redis.call('HINCRBY', KEYS[1], 'keys', 1)
            redis.call('HINCRBY', KEYS[1], '\(CacheCounter.sets.rawValue)', 1)
            redis.call('ZADD', KEYS[7], 'LT', digits(deadline), ARGV[7])
            redis.call('SADD', KEYS[8], ARGV[7])
            -- Store-wide keys, renewed by every flush and sweep, expire even if none ever comes.
            redis.call('PEXPIRE', KEYS[7], digits(retention + backstop), 'NX')
            redis.call('PEXPIRE', KEYS[8], digits(retention + backstop), 'NX')
            for i = 2, 6 do expire_at_least(KEYS[i], deadline + backstop) end
            expire_at_least(KEYS[1], math.max(now + retention, deadline) + backstop)
            return 1
            """)

    /// KEYS m v x a h k; ARGV time, epoch, meta lifetime (ms).
    /// Moves the prefix to a new generation and unlinks its entries in one step:
    /// `{keys, bytes, generation, epoch behind (0 or 1)}`.
    static let purge = RedisScript(
        "#!lua flags=allow-oom\n" + prelude + """
            local now = now_ms()
            local gen = enter(now, tonumber(ARGV[3]))
            if not gen then return {0, 0, 0, 1} end
            gen = digits(math.max(tonumber(gen) + 1, now * 1000))
            -- Entries a reset just removed (written before a restore) count as purged too.
            local keys = redis.call('ZCARD', KEYS[3]) + reset_keys
            local bytes = tonumber(redis.call('HGET', KEYS[1], 'bytes') or '0') + reset_bytes
            redis.call('UNLINK', KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6])
            redis.call('HSET', KEYS[1], 'gen', gen, 'bytes', 0, 'keys', 0, 'lastPurge', digits(now), 'used', digits(now))
            redis.call('HINCRBY', KEYS[1], '\(CacheCounter.purges.rawValue)', 1)
            redis.call('HINCRBY', KEYS[1], '\(CacheCounter.purgedKeys.rawValue)', keys)
            return {keys, bytes, gen, 0}
            """)

    /// KEYS m v x a h k due; ARGV time, epoch, limit, prefix.
    /// Removes up to `limit` expired entries, counts them, and moves the prefix in the due set to
    /// its next deadline (or out of it): `{more due now (0 or 1), route…}`.
    static let sweep = RedisScript(
        "#!lua flags=allow-oom\n" + prelude + """
            local now = now_ms()
            if redis.call('EXISTS', KEYS[1]) == 1 and not enter(now, nil) then return {0} end
            local routes = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', digits(now), 'LIMIT', 0, ARGV[3])
            for _, route in ipairs(routes) do remove_entry(route) end
            if #routes > 0 then redis.call('HINCRBY', KEYS[1], '\(CacheCounter.expirations.rawValue)', #routes) end
            local first = redis.call('ZRANGE', KEYS[3], 0, 0, 'WITHSCORES')
            local result = {0}
            if first[2] then
              redis.call('ZADD', KEYS[7], first[2], ARGV[4])
              if tonumber(first[2]) <= now then result[1] = 1 end
            else
              redis.call('ZREM', KEYS[7], ARGV[4])
            end
            for _, route in ipairs(routes) do result[#result + 1] = route end
            return result
            """)

    /// KEYS m v h; ARGV time, meta lifetime (ms), idle (ms since the instance last used the
    /// prefix), n, then n counter name and increment pairs, then route and hit count pairs. Adds
    /// one instance's batched counters, each to the field of its name; hits of entries purged
    /// meanwhile are dropped. Marks when the prefix was last used, in Redis's time. Returns 1, or
    /// 0 without writing anything when the prefix has no meta key (see ``flushCreating``).
    static let flush = RedisScript(
        "#!lua flags=allow-oom\nif redis.call('EXISTS', KEYS[1]) == 0 then return 0 end\n" + flushBody)

    /// ``flush`` for a prefix that has no meta key yet: the same, creating it. Not `allow-oom`:
    /// a full Redis refuses it whole, and the instance adds those counters to the store-wide
    /// totals instead, so a full Redis does not grow by one key per new user.
    static let flushCreating = RedisScript("#!lua\n" + flushBody)

    private static let flushBody = """
        local now = tonumber(ARGV[1])
        if ARGV[1] == '' then
          local t = redis.call('TIME')
          now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        end
        local used = now - tonumber(ARGV[3])
        if used > tonumber(redis.call('HGET', KEYS[1], 'used') or '0') then
          redis.call('HSET', KEYS[1], 'used', string.format('%.0f', used))
        end
        local at = string.format('%.0f', now + tonumber(ARGV[2]))
        if redis.call('PEXPIREAT', KEYS[1], at, 'GT') == 0 then redis.call('PEXPIREAT', KEYS[1], at, 'NX') end
        local routes = 5 + 2 * tonumber(ARGV[4])
        for i = 5, routes - 1, 2 do redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1]) end
        local counted = false
        for i = routes, #ARGV - 1, 2 do
          if redis.call('HEXISTS', KEYS[2], ARGV[i]) == 1 then
            redis.call('HINCRBY', KEYS[3], ARGV[i], ARGV[i + 1])
            counted = true
          end
        end
        -- The hits go when the values go.
        local values = redis.call('PEXPIRETIME', KEYS[2])
        if counted and values > 0 then
          if redis.call('PEXPIREAT', KEYS[3], values, 'GT') == 0 then redis.call('PEXPIREAT', KEYS[3], values, 'NX') end
        end
        return 1
        """

    /// KEYS m v x a h k info prefixes; ARGV time, epoch, retention (ms), prefix, counter names.
    /// Forgets a prefix that holds nothing and was last used more than `retention` ago, and adds
    /// its counters to the store-wide retired counters in the same step, so totals never go
    /// down. Returns 1 if it forgot the prefix, 0 otherwise.
    static let reclaim = RedisScript(
        "#!lua flags=allow-oom\n" + prelude + """
            if redis.call('EXISTS', KEYS[1]) == 0 then
              redis.call('SREM', KEYS[8], ARGV[4])
              return 1
            end
            if redis.call('ZCARD', KEYS[3]) > 0 then return 0 end
            local cutoff = now_ms() - tonumber(ARGV[3])
            if tonumber(redis.call('HGET', KEYS[1], 'used') or '0') >= cutoff then return 0 end
            local counters = redis.call('HMGET', KEYS[1], unpack(ARGV, 5))
            for i = 1, #counters do
              if counters[i] then redis.call('HINCRBY', KEYS[7], 'retired:' .. ARGV[4 + i], counters[i]) end
            end
            redis.call('UNLINK', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6])
            redis.call('SREM', KEYS[8], ARGV[4])
            return 1
            """)

    /// KEYS m v x a h k; ARGV time, epoch, offset, limit.
    /// One page of the live entries in route order, read by rank from the name index:
    /// `{generation, now, route, deadline, stored at, hits, size, …}`, or null for a prefix never
    /// seen. Entries of the page that expired but are not swept yet are left out.
    static let keys = RedisScript(
        "#!lua flags=allow-oom\n" + prelude + """
            if redis.call('EXISTS', KEYS[1]) == 0 then return false end
            local now = now_ms()
            local gen = enter(now, nil)
            if not gen then gen = redis.call('HGET', KEYS[1], 'gen') or '0' end
            local result = {gen, digits(now)}
            local first = tonumber(ARGV[3])
            local routes = redis.call('ZRANGE', KEYS[6], first, first + tonumber(ARGV[4]) - 1)
            for _, route in ipairs(routes) do
              local deadline = redis.call('ZSCORE', KEYS[3], route)
              if deadline and tonumber(deadline) > now then
                result[#result + 1] = route
                result[#result + 1] = deadline
                result[#result + 1] = redis.call('HGET', KEYS[4], route) or '0'
                result[#result + 1] = redis.call('HGET', KEYS[5], route) or '0'
                result[#result + 1] = tostring(redis.call('HSTRLEN', KEYS[2], route))
              end
            end
            return result
            """)

    /// KEYS epoch server seq, then the other store-wide keys; ARGV run id of the Redis answering,
    /// epoch the instance knew, lifetime (ms), the highest event number the instance has seen.
    /// The store epoch, and the newest event number: `{epoch, seq}`. The epoch moves on when the
    /// Redis answering is not the process that last set it (a restart, possibly from an older
    /// snapshot, or a failover to a replica that may have missed writes), or when its event number
    /// went down (a snapshot loaded in place: every purge adds an event), to above every epoch it
    /// could have had, so entries of before are never served. Renews every key's expiry.
    static let epoch = RedisScript(
        """
        #!lua flags=allow-oom
        local epoch = redis.call('GET', KEYS[1])
        local seq = tonumber(redis.call('GET', KEYS[3]) or '0')
        if not epoch or redis.call('GET', KEYS[2]) ~= ARGV[1] or seq < tonumber(ARGV[4]) then
          local t = redis.call('TIME')
          local floor = math.max(tonumber(epoch or '0'), tonumber(ARGV[2])) + 1
          epoch = string.format('%.0f', math.max(floor, tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)))
          redis.call('SET', KEYS[1], epoch)
          redis.call('SET', KEYS[2], ARGV[1])
          -- Numbers go on from the highest ever seen, so a later restore is seen the same way.
          if seq < tonumber(ARGV[4]) then
            seq = tonumber(ARGV[4])
            redis.call('SET', KEYS[3], string.format('%.0f', seq))
          end
        end
        for i = 1, #KEYS do redis.call('PEXPIRE', KEYS[i], ARGV[3]) end
        return {epoch, seq}
        """)

    /// KEYS info prefixes, then any other store-wide keys; ARGV creation time, errors outside any
    /// prefix, lifetime (ms), n, then n counter name and increment pairs (counters of prefixes a
    /// full Redis had no room to list, added to the retired totals), then prefixes seen. Registers
    /// prefixes (unless Redis is full) and counts errors, and renews every store-wide key's expiry.
    static let storeWide = RedisScript(
        """
        #!lua flags=allow-oom
        redis.call('HSETNX', KEYS[1], 'created', ARGV[1])
        if tonumber(ARGV[2]) > 0 then redis.call('HINCRBY', KEYS[1], 'errors', ARGV[2]) end
        local prefixes = 5 + 2 * tonumber(ARGV[4])
        for i = 5, prefixes - 1, 2 do redis.call('HINCRBY', KEYS[1], 'retired:' .. ARGV[i], ARGV[i + 1]) end
        for i = prefixes, #ARGV do redis.call('SADD', KEYS[2], ARGV[i]) end
        for i = 1, #KEYS do redis.call('PEXPIRE', KEYS[i], ARGV[3]) end
        return 1
        """)

    /// KEYS seq list; ARGV capacity, lifetime (ms), event….
    /// Appends events to the shared ring, numbering them; returns the newest number.
    static let appendEvents = RedisScript(
        """
        #!lua flags=allow-oom
        for i = 3, #ARGV do redis.call('RPUSH', KEYS[2], ARGV[i]) end
        local last = redis.call('INCRBY', KEYS[1], #ARGV - 2)
        redis.call('LTRIM', KEYS[2], -tonumber(ARGV[1]), -1)
        redis.call('PEXPIRE', KEYS[1], ARGV[2], 'NX')
        redis.call('PEXPIRE', KEYS[2], ARGV[2], 'NX')
        return last
        """)

    /// KEYS seq list; ARGV after, limit.
    /// `{newest number, oldest number held, event…}` for the events numbered above `after`.
    static let readEvents = RedisScript(
        """
        #!lua flags=no-writes
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
