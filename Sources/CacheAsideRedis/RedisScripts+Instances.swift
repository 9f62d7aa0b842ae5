import RESP

extension RedisScripts {
    /// KEYS instance hash, instances set; ARGV time (empty for Redis's), time to live (ms), id,
    /// report (JSON).
    /// Records one heartbeat: the hash takes the report, when it came (`seen`, Redis's time) and its
    /// time to live; the set scores the id by `seen`. Both keys live ten times the time to live, so an
    /// instance that stopped stays listed, as dead, with its last report for that long; ids older
    /// than that leave the set here. A few bytes per instance, so a full Redis still takes it.
    /// Returns `seen`.
    static let heartbeat = RedisScript(
        """
        #!lua flags=allow-oom
        local now
        if ARGV[1] ~= '' then
          now = tonumber(ARGV[1])
        else
          local t = redis.call('TIME')
          now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        end
        local kept = tonumber(ARGV[2]) * 10
        local seen = string.format('%.0f', now)
        redis.call('HSET', KEYS[1], 'info', ARGV[4], 'seen', seen, 'ttl', ARGV[2])
        redis.call('PEXPIRE', KEYS[1], string.format('%.0f', kept))
        redis.call('ZADD', KEYS[2], seen, ARGV[3])
        redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. string.format('%.0f', now - kept))
        redis.call('PEXPIRE', KEYS[2], string.format('%.0f', kept))
        return seen
        """)
}
