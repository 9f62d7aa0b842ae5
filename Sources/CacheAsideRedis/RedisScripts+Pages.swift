import CacheAside
import RESP

/// The scripts that forget idle prefixes and read a page of a prefix's entries.
extension RedisScripts {
    /// KEYS the twenty-one of a prefix; ARGV time, epoch, retention (ms).
    /// Forgets a prefix that holds nothing and was last used more than `retention` ago, and takes
    /// it out of its partition's indexes; its counters stay in the partition's totals, so totals
    /// never go down. A listed prefix whose meta key Redis already dropped is taken out too.
    /// Returns 1 if it forgot the prefix, 0 otherwise.
    static let reclaim = RedisScript(
        "#!lua flags=allow-oom\n" + prelude + """
            local function unlist()
              redis.call('ZREM', KEYS[7], prefix)
              redis.call('ZREM', KEYS[8], user_member())
              for i = 9, 14 do redis.call('ZREM', KEYS[i], prefix) end
              redis.call('ZREM', KEYS[17], prefix)
              redis.call('ZREM', KEYS[18], prefix)
              return 1
            end
            if redis.call('EXISTS', KEYS[1]) == 0 then return unlist() end
            if redis.call('ZCARD', KEYS[3]) > 0 then return 0 end
            local cutoff = now_ms() - tonumber(ARGV[3])
            if tonumber(redis.call('HGET', KEYS[1], 'used') or '0') >= cutoff then return 0 end
            redis.call('UNLINK', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[20])
            return unlist()
            """)

    /// KEYS the twenty-one of a prefix; ARGV time, epoch, offset, limit.
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
}
