import RESP

/// The scripts of the per-prefix timelines: one list per prefix, `{t}P#e`, oldest first, in the
/// prefix's slot.
extension RedisScripts {
    /// KEYS the timeline; ARGV length, lifetime (ms), event….
    /// Appends the events and keeps the last `length`; the list goes `lifetime` after its last event.
    /// Not `allow-oom`: a full Redis refuses it, and the events are dropped, not kept for later.
    static let appendTimeline = RedisScript(
        """
        #!lua
        for i = 3, #ARGV do redis.call('RPUSH', KEYS[1], ARGV[i]) end
        redis.call('LTRIM', KEYS[1], -tonumber(ARGV[1]), -1)
        redis.call('PEXPIRE', KEYS[1], ARGV[2])
        return redis.call('LLEN', KEYS[1])
        """)

    /// KEYS the store's route counters; ARGV lifetime (ms), then field and increment pairs.
    static let addRouteCounters = RedisScript(
        """
        #!lua flags=allow-oom
        for i = 2, #ARGV - 1, 2 do redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1]) end
        redis.call('PEXPIRE', KEYS[1], ARGV[1])
        return 1
        """)

    /// KEYS the prefix's values and deadlines; ARGV time (empty for Redis's, as in every prefix
    /// script), route. The entry's value if it is live, without counting a lookup; nil otherwise.
    static let peek = RedisScript(
        """
        #!lua flags=no-writes
        local deadline = redis.call('ZSCORE', KEYS[2], ARGV[2])
        if not deadline then return false end
        local now = tonumber(ARGV[1])
        if ARGV[1] == '' then
          local time = redis.call('TIME')
          now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
        end
        if tonumber(deadline) <= now then return false end
        return redis.call('HGET', KEYS[1], ARGV[2])
        """)

    /// KEYS the timeline, the prefix's meta; ARGV limit.
    /// `{known (0 or 1), event…}`: the last `limit` events, oldest first; known when the prefix has
    /// either.
    static let readTimeline = RedisScript(
        """
        #!lua flags=no-writes
        local events = redis.call('LRANGE', KEYS[1], -tonumber(ARGV[1]), -1)
        local known = (#events > 0 or redis.call('EXISTS', KEYS[2]) == 1) and 1 or 0
        table.insert(events, 1, known)
        return events
        """)
}
