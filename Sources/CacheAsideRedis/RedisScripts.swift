import CacheAside
import RESP

/// The Lua scripts that make every change to a prefix atomic. Each one touches the keys of one
/// prefix and of the prefix's partition, which share the partition's hash tag and so one Redis
/// Cluster slot (see ``RedisKeys``); keys are always passed in `KEYS`, never named inside a script.
///
/// Every prefix script takes the same twenty-one keys, in this order: the prefix's `#m` meta hash
/// (generation, epoch, gauges, counters), `#v` values by route, `#x` deadlines by route (the
/// sweeper's index), `#a` store times by route, `#h` hits by route, `#k` routes in name order (all
/// scores 0: the keys page's index); then its partition's `due`, `by:user`, `by:hits`,
/// `by:misses`, `by:ratio`, `by:keys`, `by:bytes`, `by:purge`, `totals`, `part`, `by:soon` and
/// `soon`; last the prefix's signal key, which a purge, a reset or a store that replaces an entry
/// writes and unlinks, so the instances that track it drop their near copies (see ``NearCache``);
/// then the prefix's `#r` (each entry's route template) and its partition's `routes` (entries and
/// bytes held per route template).
///
/// Every prefix script takes `ARGV[1]` = the time to use instead of Redis's (empty in
/// production; a test's hand-moved clock, see ``RedisStore``) and `ARGV[2]` = the epoch of the
/// prefix's partition the instance knows. Times are Redis's clock (`TIME`), never the instance's,
/// so instances whose clocks disagree still agree on deadlines.
///
/// The scripts that change a prefix's figures keep its partition's statistics up to date in the
/// same step: `totals` by the same increments as the meta hash, and the prefix's entry in each
/// `by:` index rewritten from its meta hash (minus the value, so the largest comes first; no hit
/// ratio yet counts as −1, no purge yet as the oldest).
///
/// Scripts that only remove data or add a few bytes of counters are flagged `allow-oom`: a full
/// Redis still purges, sweeps and reclaims. The store script is not: a full Redis refuses it
/// before it runs, so a refused store changes nothing.
enum RedisScripts {
    /// What every prefix script starts with: Redis's time, the prefix's name, the index upkeep and
    /// the epoch check.
    static let prelude = """
        local function now_ms()
          if ARGV[1] ~= '' then return tonumber(ARGV[1]) end
          local t = redis.call('TIME')
          return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        end
        -- Lua turns big numbers into text like 1.7e+15; Redis needs every digit.
        local function digits(n) return string.format('%.0f', n) end
        -- The prefix, from its meta key's name: `{tag}<prefix>#m`.
        local prefix = string.sub(KEYS[1], string.find(KEYS[1], '}', 1, true) + 1, -3)
        -- Adds to a figure of the prefix and of its partition's totals.
        local function count(field, n)
          redis.call('HINCRBY', KEYS[1], field, n)
          redis.call('HINCRBY', KEYS[15], field, n)
        end
        -- The prefix's member of by:user: the unescaped user (empty for the public prefix), a zero
        -- byte, the prefix.
        local function user_member()
          local escaped = string.match(prefix, '^.*:{u:(.*)}$')
          local user = ''
          if escaped and escaped ~= '-' then
            user = (string.gsub(escaped, '%%(%x%x)', function(h) return string.char(tonumber(h, 16)) end))
          end
          return user .. '\\0' .. prefix
        end
        -- Rewrites the prefix's entry in every index of its partition from its meta hash.
        local function index()
          local m = redis.call('HMGET', KEYS[1], 'hits', 'misses', 'keys', 'bytes', 'lastPurge', 'soon')
          local hits, misses = tonumber(m[1] or '0'), tonumber(m[2] or '0')
          local ratio = -1
          if hits + misses > 0 then ratio = hits / (hits + misses) end
          local purged = '+inf'
          if m[5] then purged = digits(-tonumber(m[5])) end
          redis.call('ZADD', KEYS[8], 0, user_member())
          redis.call('ZADD', KEYS[9], digits(0 - hits), prefix)
          redis.call('ZADD', KEYS[10], digits(0 - misses), prefix)
          redis.call('ZADD', KEYS[11], string.format('%.17g', 0 - ratio), prefix)
          redis.call('ZADD', KEYS[12], digits(0 - tonumber(m[3] or '0')), prefix)
          redis.call('ZADD', KEYS[13], digits(0 - tonumber(m[4] or '0')), prefix)
          redis.call('ZADD', KEYS[14], purged, prefix)
          redis.call('ZADD', KEYS[17], digits(0 - tonumber(m[6] or '0')), prefix)
        end
        -- Expiring soon: the entries whose deadline is at most the prefix's `soonTo`, counted in
        -- its `soon` (and the partition's). Whoever adds an entry recounts them to `now + horizon`
        -- (`refresh_soon`); whoever removes one takes it off; the sweeper recounts a prefix when its
        -- next deadline after `soonTo`, kept in the partition's `soon` set, comes within the horizon.
        local function refresh_soon(to)
          local counted = redis.call('ZCOUNT', KEYS[3], '-inf', digits(to))
          local held = tonumber(redis.call('HGET', KEYS[1], 'soon') or '0')
          if counted ~= held then count('soon', counted - held) end
          redis.call('HSET', KEYS[1], 'soonTo', digits(to))
          local later = redis.call('ZRANGEBYSCORE', KEYS[3], '(' .. digits(to), '+inf', 'WITHSCORES', 'LIMIT', 0, 1)
          if later[2] then
            redis.call('ZADD', KEYS[18], later[2], prefix)
          else
            redis.call('ZREM', KEYS[18], prefix)
          end
        end
        -- Forgets every entry as expiring soon (they are all gone).
        local function clear_soon()
          local held = tonumber(redis.call('HGET', KEYS[1], 'soon') or '0')
          if held ~= 0 then count('soon', 0 - held) end
          redis.call('ZREM', KEYS[18], prefix)
        end
        -- Adds to the entries and bytes held by a route template in the partition.
        local function route_held(template, keys, bytes)
          redis.call('HINCRBY', KEYS[21], template .. '\\0k', keys)
          redis.call('HINCRBY', KEYS[21], template .. '\\0y', bytes)
        end
        -- Takes every entry of the prefix off its route template's figures (before they all go at
        -- once) and forgets their templates.
        local function release_routes()
          local entries = redis.call('HGETALL', KEYS[20])
          local held = {}
          for i = 1, #entries, 2 do
            local route, template = entries[i], entries[i + 1]
            local size = redis.call('HSTRLEN', KEYS[2], route) + #route
            local sum = held[template] or {0, 0}
            held[template] = {sum[1] + 1, sum[2] + size}
          end
          for template, sum in next, held do route_held(template, -sum[1], -sum[2]) end
          redis.call('UNLINK', KEYS[20])
        end
        local function remove_entry(route)
          local deadline = redis.call('ZSCORE', KEYS[3], route)
          if deadline and tonumber(deadline) <= tonumber(redis.call('HGET', KEYS[1], 'soonTo') or '0') then
            count('soon', -1)
          end
          local size = redis.call('HSTRLEN', KEYS[2], route)
          redis.call('HDEL', KEYS[2], route)
          redis.call('ZREM', KEYS[3], route)
          redis.call('HDEL', KEYS[4], route)
          redis.call('HDEL', KEYS[5], route)
          redis.call('ZREM', KEYS[6], route)
          count('bytes', -(size + #route))
          count('keys', -1)
          local template = redis.call('HGET', KEYS[20], route)
          if template then
            redis.call('HDEL', KEYS[20], route)
            route_held(template, -1, -(size + #route))
          end
        end
        -- Tells the instances that track signal keys that the prefix's entries changed: written
        -- and unlinked, so Redis sends an invalidation and keeps nothing.
        local function signal()
          redis.call('SET', KEYS[19], '1')
          redis.call('UNLINK', KEYS[19])
        end
        -- Sets a key's expiry to `at` unless it already expires later.
        local function expire_at_least(key, at)
          if redis.call('PEXPIREAT', key, digits(at), 'GT') == 0 then redis.call('PEXPIREAT', key, digits(at), 'NX') end
        end
        -- What a reset removed, for a purge to report.
        local reset_keys, reset_bytes = 0, 0
        -- The prefix's generation. A prefix that has none yet gets one (from Redis's clock in
        -- microseconds, above any it had before being forgotten) if `lifetime` is given, and is
        -- listed in the indexes; otherwise nothing is written (a full Redis does not grow from
        -- lookups of new users) and the provisional generation is the time now, in microseconds
        -- (see the store script). A prefix written in an earlier epoch of its partition (a
        -- restored snapshot, a failover) is reset first: its entries go, its generation moves past
        -- every one handed out before. Returns nil when the instance's epoch is the older one.
        local function enter(now, lifetime)
          local meta = redis.call('HMGET', KEYS[1], 'gen', 'epoch', 'keys', 'bytes')
          local gen, epoch = meta[1], meta[2]
          if not gen then
            if not lifetime then return digits(now * 1000) end
            gen = digits(now * 1000)
            redis.call('HSET', KEYS[1], 'gen', gen, 'epoch', ARGV[2], 'used', digits(now))
            expire_at_least(KEYS[1], now + lifetime)
            index()
            return gen
          end
          if epoch == ARGV[2] then return gen end
          if tonumber(epoch or '0') > tonumber(ARGV[2]) then return nil end
          reset_keys, reset_bytes = tonumber(meta[3] or '0'), tonumber(meta[4] or '0')
          clear_soon()
          release_routes()
          redis.call('UNLINK', KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6])
          gen = digits(math.max(tonumber(gen) + 1, now * 1000))
          redis.call('HSET', KEYS[1], 'gen', gen, 'epoch', ARGV[2], 'keys', 0, 'bytes', 0)
          redis.call('HINCRBY', KEYS[15], 'keys', 0 - reset_keys)
          redis.call('HINCRBY', KEYS[15], 'bytes', 0 - reset_bytes)
          signal()
          index()
          return gen
        end

        """

    /// KEYS the twenty-one of a prefix; ARGV time, epoch, route.
    /// `{1, value, ms left}` a hit (`{1, value, ms left, generation}` if no hit of the entry is
    /// counted yet), `{0, generation}` a miss (a provisional generation, the time now, for
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
              if value then
                if redis.call('HEXISTS', KEYS[5], ARGV[3]) == 0 then return {1, value, tonumber(deadline) - now, gen} end
                return {1, value, tonumber(deadline) - now}
              end
              return {0, gen}
            end
            remove_entry(ARGV[3])
            count('\(CacheCounter.expirations.rawValue)', 1)
            index()
            return {2, gen}
            """)

    /// KEYS the twenty-one of a prefix; ARGV time, epoch, route, value, ttl (ms), generation,
    /// idle retention (ms), backstop (ms), expiring-soon horizon (ms), route template.
    /// Stores only if the prefix is still in `generation` (1 stored, 2 stored in place of a live
    /// entry, 0 rejected as stale, 3 the instance's epoch is behind) and, in the same step, records the deadline for the sweeper
    /// and updates the partition's figures. Every key gets a Redis expiry past its last deadline,
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
            local retention, backstop = tonumber(ARGV[7]), tonumber(ARGV[8])
            local new = redis.call('HEXISTS', KEYS[1], 'gen') == 0
            local gen = enter(now, retention + backstop)
            if not gen then return 3 end
            -- Partition keys, renewed by every epoch check, expire even if none ever comes.
            local function finish(result)
              for _, i in ipairs({7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 21}) do
                redis.call('PEXPIRE', KEYS[i], digits(retention + backstop), 'NX')
              end
              return result
            end
            local provisional = new and tonumber(ARGV[6]) >= (now - retention) * 1000
            if gen ~= ARGV[6] and not provisional then
              count('\(CacheCounter.staleSetsRejected.rawValue)', 1)
              return finish(0)
            end
            local held = redis.call('ZSCORE', KEYS[3], ARGV[3])
            local stored = 1
            if held then
              remove_entry(ARGV[3])
              -- A live entry replaced: near copies of it are stale.
              if tonumber(held) > now then
                signal()
                stored = 2
              end
            end
            local ttl = tonumber(ARGV[5])
            if ttl <= 0 then
              index()
              return finish(stored)
            end
            local deadline = now + ttl
            redis.call('HSET', KEYS[2], ARGV[3], ARGV[4])
            redis.call('ZADD', KEYS[3], digits(deadline), ARGV[3])
            redis.call('HSET', KEYS[4], ARGV[3], digits(now))
            redis.call('ZADD', KEYS[6], 0, ARGV[3])
            count('bytes', #ARGV[4] + #ARGV[3])
            count('keys', 1)
            count('\(CacheCounter.sets.rawValue)', 1)
            redis.call('HSET', KEYS[20], ARGV[3], ARGV[10])
            route_held(ARGV[10], 1, #ARGV[4] + #ARGV[3])
            redis.call('ZADD', KEYS[7], 'LT', digits(deadline), prefix)
            refresh_soon(now + tonumber(ARGV[9]))
            index()
            for i = 2, 6 do expire_at_least(KEYS[i], deadline + backstop) end
            expire_at_least(KEYS[20], deadline + backstop)
            -- The partition's route figures live as long as its keys are written.
            expire_at_least(KEYS[21], now + retention + backstop)
            expire_at_least(KEYS[1], math.max(now + retention, deadline) + backstop)
            return finish(stored)
            """)

    /// KEYS the twenty-one of a prefix; ARGV time, epoch, meta lifetime (ms).
    /// Moves the prefix to a new generation and unlinks its entries in one step, and counts the
    /// purge in its partition's `part` (`seq`, which a Redis gone back in time has lower):
    /// `{keys, bytes, generation, epoch behind (0 or 1)}`.
    static let purge = RedisScript(
        "#!lua flags=allow-oom\n" + prelude + """
            local now = now_ms()
            local gen = enter(now, tonumber(ARGV[3]))
            if not gen then return {0, 0, 0, 1} end
            gen = digits(math.max(tonumber(gen) + 1, now * 1000))
            local held = redis.call('HMGET', KEYS[1], 'keys', 'bytes')
            local held_keys, held_bytes = tonumber(held[1] or '0'), tonumber(held[2] or '0')
            -- Entries a reset just removed (written before a restore) count as purged too.
            local keys = redis.call('ZCARD', KEYS[3]) + reset_keys
            local bytes = held_bytes + reset_bytes
            clear_soon()
            release_routes()
            redis.call('UNLINK', KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6])
            redis.call('HSET', KEYS[1], 'gen', gen, 'bytes', 0, 'keys', 0, 'lastPurge', digits(now), 'used', digits(now))
            redis.call('HINCRBY', KEYS[15], 'keys', 0 - held_keys)
            redis.call('HINCRBY', KEYS[15], 'bytes', 0 - held_bytes)
            count('\(CacheCounter.purges.rawValue)', 1)
            count('\(CacheCounter.purgedKeys.rawValue)', keys)
            redis.call('HINCRBY', KEYS[16], 'seq', 1)
            signal()
            index()
            -- Partition keys, renewed by every epoch check, expire even if none ever comes.
            for _, i in ipairs({7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 21}) do redis.call('PEXPIRE', KEYS[i], ARGV[3], 'NX') end
            return {keys, bytes, gen, 0}
            """)

    /// KEYS the twenty-one of a prefix; ARGV time, epoch, limit.
    /// Removes up to `limit` expired entries, counts them, and moves the prefix in the due set to
    /// its next deadline (or out of it): `{more due now (0 or 1), route…}`.
    static let sweep = RedisScript(
        "#!lua flags=allow-oom\n" + prelude + """
            local now = now_ms()
            local listed = redis.call('EXISTS', KEYS[1]) == 1
            if listed and not enter(now, nil) then return {0} end
            local routes = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', digits(now), 'LIMIT', 0, ARGV[3])
            for _, route in ipairs(routes) do remove_entry(route) end
            if #routes > 0 then
              count('\(CacheCounter.expirations.rawValue)', #routes)
              index()
            end
            local first = redis.call('ZRANGE', KEYS[3], 0, 0, 'WITHSCORES')
            local result = {0}
            if first[2] then
              redis.call('ZADD', KEYS[7], first[2], prefix)
              if tonumber(first[2]) <= now then result[1] = 1 end
            else
              redis.call('ZREM', KEYS[7], prefix)
            end
            for _, route in ipairs(routes) do result[#result + 1] = route end
            return result
            """)

    /// KEYS the twenty-one of a prefix; ARGV time, epoch, horizon (ms).
    /// Counts the prefix's entries that end within the horizon as expiring soon, for a prefix
    /// whose next deadline came within it (listed in its partition's `soon` set): 1, or 0 for a
    /// prefix that is gone (taken out of the set).
    static let soon = RedisScript(
        "#!lua flags=allow-oom\n" + prelude + """
            local now = now_ms()
            if redis.call('EXISTS', KEYS[1]) == 0 then
              redis.call('ZREM', KEYS[18], prefix)
              return 0
            end
            if not enter(now, nil) then return 0 end
            refresh_soon(now + tonumber(ARGV[3]))
            index()
            return 1
            """)

    /// KEYS the twenty-one of a prefix; ARGV time, meta lifetime (ms), idle (ms since the instance
    /// last used the prefix), n, then n counter name and increment pairs, then route and hit count
    /// pairs. Adds one instance's batched counters, each to the field of its name, in the prefix
    /// and in its partition's totals; hits of entries purged meanwhile are dropped. Marks when the
    /// prefix was last used, in Redis's time. Returns 1, or 0 without writing anything when the
    /// prefix has no meta key (see ``flushCreating``).
    static let flush = RedisScript(
        "#!lua flags=allow-oom\n" + prelude + "if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end\n" + flushBody)

    /// ``flush`` for a prefix that has no meta key yet: the same, creating it and listing it in
    /// its partition's indexes. Not `allow-oom`: a full Redis refuses it whole, and the instance
    /// adds those counters to the partition's totals instead (``addTotals``), so a full Redis does
    /// not grow by one key per new user.
    static let flushCreating = RedisScript("#!lua\n" + prelude + flushBody)

    private static let flushBody = """
        local created = redis.call('EXISTS', KEYS[1]) == 0
        local now = now_ms()
        local used = now - tonumber(ARGV[3])
        if used > tonumber(redis.call('HGET', KEYS[1], 'used') or '0') then
          redis.call('HSET', KEYS[1], 'used', digits(used))
        end
        expire_at_least(KEYS[1], now + tonumber(ARGV[2]))
        local routes = 5 + 2 * tonumber(ARGV[4])
        for i = 5, routes - 1, 2 do count(ARGV[i], ARGV[i + 1]) end
        local counted = false
        for i = routes, #ARGV - 1, 2 do
          if redis.call('HEXISTS', KEYS[2], ARGV[i]) == 1 then
            redis.call('HINCRBY', KEYS[5], ARGV[i], ARGV[i + 1])
            counted = true
          end
        end
        -- The hits go when the values go.
        local values = redis.call('PEXPIRETIME', KEYS[2])
        if counted and values > 0 then expire_at_least(KEYS[5], values) end
        index()
        if created then
          for i = 7, 18 do redis.call('PEXPIRE', KEYS[i], ARGV[2], 'NX') end
        end
        return 1
        """
}
