import RESP

/// The scripts of a partition's epoch and of the store-wide keys: layout, info, totals of
/// prefixes that could not be listed, and the event ring.
extension RedisScripts {
    /// KEYS the twelve of a partition (`part` tenth); ARGV run id of the Redis answering, epoch the
    /// instance knew for the partition, lifetime (ms), the highest `seq` the instance has seen in
    /// it. The partition's epoch and purge count: `{epoch, seq}`. The epoch moves on when the Redis
    /// answering is not the process that last set it (a restart, possibly from an older snapshot,
    /// or a failover to a replica that may have missed writes), or when its purge count went down
    /// (a snapshot loaded in place: every purge counts), to above every epoch it could have had, so
    /// entries of before are never served. Renews every key's expiry.
    static let epoch = RedisScript(
        """
        #!lua flags=allow-oom
        local part = KEYS[10]
        local held = redis.call('HMGET', part, 'epoch', 'server', 'seq')
        local epoch = held[1]
        local seq = tonumber(held[3] or '0')
        if not epoch or held[2] ~= ARGV[1] or seq < tonumber(ARGV[4]) then
          local t = redis.call('TIME')
          local floor = math.max(tonumber(epoch or '0'), tonumber(ARGV[2])) + 1
          epoch = string.format('%.0f', math.max(floor, tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)))
          redis.call('HSET', part, 'epoch', epoch, 'server', ARGV[1])
          -- Counts go on from the highest ever seen, so a later restore is seen the same way.
          if seq < tonumber(ARGV[4]) then
            seq = tonumber(ARGV[4])
            redis.call('HSET', part, 'seq', string.format('%.0f', seq))
          end
        end
        for i = 1, #KEYS do redis.call('PEXPIRE', KEYS[i], ARGV[3]) end
        return {epoch, seq}
        """)

    /// KEYS layout, then the layout-1 keys epoch and prefixes; ARGV this instance's layout, the
    /// store name, lifetime (ms). Records the layout, or refuses (an error) a store written with
    /// another one: instances of two layouts would miss each other's purges.
    static let layout = RedisScript(
        """
        #!lua flags=allow-oom
        local held = redis.call('GET', KEYS[1])
        if not held and (redis.call('EXISTS', KEYS[2]) == 1 or redis.call('EXISTS', KEYS[3]) == 1) then
          held = '1'
        end
        if held and held ~= ARGV[1] then
          return redis.error_reply('LAYOUT the store ' .. ARGV[2] .. ' in this Redis was written with key layout '
            .. held .. '; this instance uses layout ' .. ARGV[1] .. '. Stop the instances of the other version and '
            .. 'wait for their keys to expire (or delete ' .. KEYS[1] .. ', ' .. KEYS[2] .. ' and ' .. KEYS[3]
            .. '), or give this instance another store name')
        end
        redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
        return 1
        """)

    /// KEYS info, then any other store-wide keys; ARGV creation time, errors outside any prefix,
    /// lifetime (ms). Counts errors, and renews every store-wide key's expiry.
    static let storeWide = RedisScript(
        """
        #!lua flags=allow-oom
        redis.call('HSETNX', KEYS[1], 'created', ARGV[1])
        if tonumber(ARGV[2]) > 0 then redis.call('HINCRBY', KEYS[1], 'errors', ARGV[2]) end
        for i = 1, #KEYS do redis.call('PEXPIRE', KEYS[i], ARGV[3]) end
        return 1
        """)

    /// KEYS totals of a partition; ARGV counter name and increment pairs. Adds counters of
    /// prefixes a full Redis had no room to list to their partition's totals, so totals still
    /// count them.
    static let addTotals = RedisScript(
        """
        #!lua flags=allow-oom
        for i = 1, #ARGV - 1, 2 do redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1]) end
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
