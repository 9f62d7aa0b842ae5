import CacheAdminAPI
import RESP

/// The scripts that read the statistics indexes (see `RedisStore+Statistics.swift`).
extension RedisScripts {
    /// What the statistics readers share: the three orders of an index, and member comparison by
    /// bytes (Lua's `<` on strings follows the server's locale; Redis orders members by bytes).
    ///
    /// `fwd` is the index's own order (score up, then member up): the largest value first, as
    /// the indexes hold minus the value. `grp` is score down, then member up: the smallest value
    /// first with ties still in prefix order. `rev` is score down, then member down.
    static let orders = """
        -- Eight bytes of each per call of string.byte: a rank compares a member at every step.
        local function less(x, y)
          local n = math.min(#x, #y)
          local i = 1
          while i <= n do
            local j = math.min(i + 7, n)
            local a1, a2, a3, a4, a5, a6, a7, a8 = string.byte(x, i, j)
            local b1, b2, b3, b4, b5, b6, b7, b8 = string.byte(y, i, j)
            if a1 ~= b1 then return a1 < b1 end
            if a2 ~= b2 then return a2 < b2 end
            if a3 ~= b3 then return a3 < b3 end
            if a4 ~= b4 then return a4 < b4 end
            if a5 ~= b5 then return a5 < b5 end
            if a6 ~= b6 then return a6 < b6 end
            if a7 ~= b7 then return a7 < b7 end
            if a8 ~= b8 then return a8 < b8 end
            i = j + 1
          end
          return #x < #y
        end
        -- Forward ranks of the members with score `score`: first, and how many.
        local function group(key, score)
          return redis.call('ZCOUNT', key, '-inf', '(' .. score), redis.call('ZCOUNT', key, score, score)
        end

        """

    /// The `count` entries from position `start` of an index in an order, as a Lua function
    /// `range_of(key, order, start, count)` returning `{member, score, …}`. O(log n + count) per
    /// group of equal scores met.
    static let rangeFunction = """
        local function range_of(key, order, start, wanted)
          if wanted <= 0 then return {} end
          if order == 'fwd' then return redis.call('ZRANGE', key, start, start + wanted - 1, 'WITHSCORES') end
          if order == 'rev' then return redis.call('ZRANGE', key, start, start + wanted - 1, 'REV', 'WITHSCORES') end
          local size = redis.call('ZCARD', key)
          local result = {}
          local at = start
          while #result < 2 * wanted and at < size do
            local score = redis.call('ZRANGE', key, at, at, 'REV', 'WITHSCORES')[2]
            local first, members = group(key, score)
            -- Groups with higher scores come first in this order.
            local above = size - first - members
            local take = math.min(members - (at - above), wanted - #result / 2)
            local from = first + (at - above)
            local items = redis.call('ZRANGE', key, from, from + take - 1, 'WITHSCORES')
            for i = 1, #items do result[#result + 1] = items[i] end
            at = at + take
          end
          return result
        end

        """

    /// KEYS an index; ARGV order (`fwd`, `grp` or `rev`), start, count.
    /// The `count` entries from position `start` in that order: `{member, score, …}`.
    static let range = RedisScript(
        "#!lua flags=no-writes\n" + orders + rangeFunction + """
            return range_of(KEYS[1], ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]))
            """)

    /// The fields of a partition's totals that statistics read, in the order of their values in
    /// the summary's answer: every counter, then keys, bytes and entries expiring soon.
    static let totalsFields = CacheCounter.allCases.map(\.rawValue) + ["keys", "bytes", "soon"]

    /// KEYS totals, by:user, the sort index of a partition; ARGV order, count, a focused entry's
    /// score and member (both empty for none), reach, a hint (where the last query found the
    /// focused entry's rank in this partition, or empty) and how many entries to read before it
    /// and from it on. One round of a statistics query:
    /// `{totals, prefix count, head, rank, window start, window}`: the ``totalsFields`` joined by
    /// commas (a missing one empty; named in the script, as they are the same for every call),
    /// the first `count` entries of the index in that order (`member, score, …`), how many
    /// entries of the index come before the focused one (0 without one), and the entries around
    /// that rank (the same way) with the position of the first.
    ///
    /// With a hint, the entries around it come first (as many as the last page took from this
    /// partition on each side, and a margin): when the focused entry's place is among them (not
    /// at either end, unless the index ends there), its rank is read off them and they are the
    /// window, one `ZRANGE` instead of a binary search. Otherwise the rank is searched
    /// (``rankFunction``) and the window is the entries from `reach` before it to `reach` after it.
    static let summary = RedisScript(
        "#!lua flags=no-writes\n" + orders + rangeFunction + rankFunction
            + "local fields = {" + totalsFields.map { "'\($0)'" }.joined(separator: ", ") + "}\n" + """
                local order, score, member, reach = ARGV[1], ARGV[3], ARGV[4], tonumber(ARGV[5])
                local rank, start, window = 0, 0, {}
                if score ~= '' then
                  local hint, value = tonumber(ARGV[6]), tonumber(score)
                  local found = false
                  if hint and value then
                    start = math.max(0, hint - tonumber(ARGV[7]))
                    local wanted = hint + tonumber(ARGV[8]) - start
                    window = range_of(KEYS[3], order, start, wanted)
                    -- The window is in the order: count its entries before the focused one.
                    local before, known = 0, true
                    for i = 1, #window - 1, 2 do
                      local entry = tonumber(window[i + 1])
                      if not entry then known = false; break end
                      local ahead
                      if entry ~= value then
                        if order == 'fwd' then ahead = entry < value else ahead = entry > value end
                      elseif window[i] == member then
                        ahead = false
                      elseif order == 'rev' then
                        ahead = less(member, window[i])
                      else
                        ahead = less(window[i], member)
                      end
                      if not ahead then break end
                      before = before + 1
                    end
                    local count = #window / 2
                    if known and (before > 0 or start == 0) and (before < count or count < wanted) then
                      rank = start + before
                      found = true
                    end
                  end
                  if not found then
                    rank = rank_of(KEYS[3], order, score, member)
                    start = math.max(0, rank - reach)
                    window = range_of(KEYS[3], order, start, rank - start + reach)
                  end
                end
                local totals = redis.call('HMGET', KEYS[1], unpack(fields))
                for i = 1, #totals do if not totals[i] then totals[i] = '' end end
                local size = redis.call('ZCARD', KEYS[2])
                return {
                  table.concat(totals, ','), size, range_of(KEYS[3], order, 0, tonumber(ARGV[2])), rank, start, window
                }
                """)

    /// KEYS a prefix's meta hash. The fields statistics show (`RedisStore.metaFields`, all
    /// numbers) joined by commas, a missing one empty: a page's rows are one string each rather
    /// than twenty values, which the client spent more time reading than Redis writing.
    static let row = RedisScript(
        "#!lua flags=no-writes\nlocal values = redis.call('HMGET', KEYS[1], "
            + RedisStore.metaFields.map { "'\($0)'" }.joined(separator: ", ") + ")\n" + """
                for i = 1, #values do if not values[i] then values[i] = '' end end
                return table.concat(values, ',')
                """)

    /// How many entries of an index come before (`score`, `member`) in an order, as a Lua
    /// function `rank_of(key, order, score, member)`; the member need not be in the index.
    /// O(log² n).
    static let rankFunction = """
        local function rank_of(key, order, score, member)
          local first, members = group(key, score)
          -- Within the group: how many members are below `member` (for `rev`: not above it).
          local low, high = first, first + members
          while low < high do
            local middle = math.floor((low + high) / 2)
            local probe = redis.call('ZRANGE', key, middle, middle)[1]
            local before = less(probe, member)
            if order == 'rev' then before = before or probe == member end
            if before then low = middle + 1 else high = middle end
          end
          local below = low - first
          if order == 'fwd' then return first + below end
          local higher = redis.call('ZCOUNT', key, '(' .. score, '+inf')
          if order == 'grp' then return higher + below end
          return higher + members - below
        end

        """

    /// KEYS an index; ARGV order (`fwd`, `grp` or `rev`), score, member.
    /// How many entries of the index come before (`score`, `member`) in that order (``rankFunction``).
    static let rank = RedisScript(
        "#!lua flags=no-writes\n" + orders + rankFunction + "return rank_of(KEYS[1], ARGV[1], ARGV[2], ARGV[3])\n")

    /// KEYS by:user of a partition, the sort index; ARGV the filter (lower case), start, count,
    /// `user` when sorting by user. Scans `count` members of by:user from rank `start` and
    /// keeps those whose user contains the filter (ignoring ASCII case): `{next start or -1,
    /// member, score, …}`, the member and score of the sort index.
    static let filter = RedisScript(
        """
        #!lua flags=no-writes
        local start, wanted = tonumber(ARGV[2]), tonumber(ARGV[3])
        local items = redis.call('ZRANGE', KEYS[1], start, start + wanted - 1)
        local result = {start + #items}
        if #items < wanted then result[1] = -1 end
        for _, item in ipairs(items) do
          local zero = string.find(item, '%z[^%z]*$')
          if zero and string.find(string.lower(string.sub(item, 1, zero - 1)), ARGV[1], 1, true) then
            if ARGV[4] == 'user' then
              result[#result + 1] = item
              result[#result + 1] = '0'
            else
              local prefix = string.sub(item, zero + 1)
              local score = redis.call('ZSCORE', KEYS[2], prefix)
              if score then
                result[#result + 1] = prefix
                result[#result + 1] = score
              end
            end
          end
        end
        return result
        """)

    /// The statistics readers, batched over the partitions of each server (see
    /// ``PartitionBatch``): each partition's part is short, so the batch holds Redis for a few
    /// milliseconds at most. Not the filter: a scan of a million users would hold it far longer,
    /// so it stays one call per chunk, with other clients' commands in between.
    static let summaryBatch = PartitionBatch(summary)
    /// Every partition's epoch check in one call on a standalone Redis.
    static let epochBatch = PartitionBatch(epoch)
    static let rangeBatch = PartitionBatch(range)
    static let rankBatch = PartitionBatch(rank)
    static let rowBatch = PartitionBatch(row)
}
