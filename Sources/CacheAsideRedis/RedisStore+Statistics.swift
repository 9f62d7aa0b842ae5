import CacheAside
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import RESP

extension RedisStore {
    /// The figures of every instance together, read from the partitions' totals and statistics
    /// indexes: a few pipelined rounds of one command per partition, so the time grows with the
    /// logarithm of the number of prefixes and with the page, never with every prefix (see
    /// `docs/redis.md`). A filter scans the users server-side within
    /// ``Configuration/filterBudget`` and says `partial` when cut.
    ///
    /// While Redis is down it answers the last figures it read plus the hits, misses and errors
    /// this instance counted since, so an operator still sees its traffic and its failures.
    public func statistics(_ query: StatsQuery) async throws -> StoreStatistics {
        let counted = pending.withLockedValue { $0.countedHere }
        do {
            try await ready()
            let statistics = try await readStatistics(query)
            lastStatistics.withLockedValue { $0 = (statistics, counted) }
            return statistics
        } catch {
            let now = pending.withLockedValue { $0.countedHere }
            guard let (last, countedThen) = lastStatistics.withLockedValue({ $0 }) else {
                return StoreStatistics(
                    totals: CacheTotals(counters: now), prefixCount: 0, prefixes: [], uptimeSeconds: 0, offset: 0)
            }
            // This instance's own traffic since, so its rates and errors stay true during the outage.
            var degraded = last
            for counter in CacheCounter.allCases { degraded.totals[counter] += now[counter] - countedThen[counter] }
            return degraded
        }
    }

    /// A query in as few rounds as it can: for a focus, the focused prefix's score first; then
    /// the store's info and Redis's time (one pipeline) at the same time as the totals, the head
    /// of every partition's index, and for a focus its rank in each with the entries around it
    /// (one batched script per server), which most often hold its page; for a deep page, a pivot
    /// and its ranks (two more); the page's entries; the page's rows.
    ///
    /// A focus whose score is known from before is read with that score at the same time as its
    /// score is read again: when the score has not moved, the page stands and the query took one
    /// round less; when it has, the page is read again with the new score. The score is known
    /// when it was the same the last two times the focus was asked (an idle user, the most common
    /// row), or when the prefix was on the last focused page of the same sort and order (the
    /// selection moved to another row of it), which also tells where to look for it
    /// (``FocusHints/neighbour(_:partitions:)``).
    private func readStatistics(_ query: StatsQuery) async throws -> StoreStatistics {
        let needle = query.filter.flatMap { $0.isEmpty ? nil : $0.lowercased() }
        guard needle == nil, let focus = query.focus else { return try await readStatistics(query, focused: nil) }
        let member = query.sort == .user ? RedisKeys.userMember(focus) : focus
        let key = FocusHints.Key(sort: query.sort, order: Self.indexOrder(query), member: member)
        let (steady, neighbour) = focusHints.withLockedValue {
            ($0.steadyScore(key), $0.neighbour(key, partitions: names.partitionCount))
        }
        if let guess = steady ?? neighbour?.score {
            async let actual = readScore(sort: query.sort, focus: focus)
            let answer = try await readStatistics(query, focused: (guess, member), near: neighbour)
            if try await actual?.score == guess {
                focusHints.withLockedValue { $0.confirm(key, score: guess) }
                return answer
            }
        }
        return try await readStatistics(
            query, focused: try await readScore(sort: query.sort, focus: focus), near: neighbour)
    }

    /// A query whose focused prefix, if any, has `focused` as its score and member in the sort's
    /// index (see ``readStatistics(_:)``); `near`: where to look for it when this focus left no
    /// hint.
    private func readStatistics(
        _ query: StatsQuery, focused: (score: String, member: String)?, near: FocusHints.Hint? = nil
    ) async throws -> StoreStatistics {
        let started = ContinuousClock.now
        let order = Self.indexOrder(query)
        let needle = query.filter.flatMap { $0.isEmpty ? nil : $0.lowercased() }
        // A top page (no filter, focus or deep offset) comes with the totals: each partition's
        // share of it and a margin, read in the same call.
        let shallow = needle == nil && query.focus == nil && query.offset <= Self.shallowOffset
        let share = shallow ? (query.offset + query.limit) / names.partitionCount + Self.pageMargin : 0
        let reach = focused == nil ? 0 : Self.focusReach(limit: query.limit, partitions: names.partitionCount)
        // Where the last query on this focus found it: its rank moves little between the
        // monitor's refreshes, so the summary looks there first.
        let hintKey = focused.map { FocusHints.Key(sort: query.sort, order: order, member: $0.member) }
        let hint = hintKey.flatMap { key in
            focusHints.withLockedValue { $0.hint(key, partitions: names.partitionCount) } ?? near
        }
        async let first = readHead()
        async let second = readSummary(
            sort: query.sort, order: order, count: share, focus: focused, reach: reach, hint: hint)
        async let third = prefixRows(hint?.prefixes ?? [])
        let head = try await first
        var summary = try await second
        summary.totals[.errors] += UInt64(max(0, head.errors))
        let sizes = summary.sizes
        var partial = false
        let page: [StatsEntry]
        let matching: Int
        var offset = query.offset
        if let needle {
            let found = try await filtered(needle, query: query, order: order, started: started)
            partial = found.partial
            let selection = Self.select(found.entries, order: order, query: query)
            page = selection.page
            offset = selection.offset
            matching = found.entries.count
        } else {
            matching = sizes.reduce(0, +)
            var known: (cut: [Int], base: Int)?
            var seed: [Int]?
            var window: [StatsEntry]?
            if focused != nil {
                // The focused prefix's ranks are a cut at its place; its page starts up to
                // `limit - 1` entries before. The summary brought each partition's entries around
                // the cut, which hold the page unless a partition has more of it than it brought;
                // then it is read around the cut in one round when the partitions are few, else
                // from a pivot near it (seeded from that cut).
                let rank = summary.ranks.reduce(0, +)
                offset = rank / query.limit * query.limit
                let before = rank - offset
                if let found = Self.focusedPage(
                    summary.windows, ranks: summary.ranks, sizes: sizes, order: order, before: before,
                    limit: query.limit)
                {
                    window = found
                } else if before == 0 {
                    known = (summary.ranks, rank)
                } else if names.partitionCount * query.limit <= Self.windowEntries {
                    window = try await focusWindow(
                        query.sort, order: order, ranks: summary.ranks, before: before, limit: query.limit)
                } else {
                    let total = Double(max(1, matching))
                    seed = sizes.indices.map {
                        summary.ranks[$0] - Int((Double(before) * Double(sizes[$0]) / total).rounded(.up)) - 1
                    }
                }
            }
            if let window {
                page = window
            } else {
                page = try await indexPage(
                    query.sort, order: order, sizes: sizes, offset: offset, limit: query.limit,
                    preread: shallow ? (summary.heads, share) : nil, known: known, seed: seed)
            }
        }
        // The rows of the page: those of the last page on this focus, read with the summary, and
        // the others now.
        let prefixes = page.map(\.prefix)
        var fetched: [String: PrefixStats] = [:]
        for row in try await third { fetched[row.prefix] = row }
        let missing = prefixes.filter { fetched[$0] == nil }
        if !missing.isEmpty {
            for row in try await prefixRows(missing) { fetched[row.prefix] = row }
        }
        let rows = prefixes.compactMap { fetched[$0] }
        if let hintKey {
            let before = summary.ranks.reduce(0, +) - offset
            let left = FocusHints.Hint(
                score: focused?.score ?? "", ranks: summary.ranks, page: page, before: before)
            focusHints.withLockedValue { $0.remember(hintKey, left) }
        }
        var statistics = StoreStatistics(
            totals: summary.totals, prefixCount: matching, prefixes: rows,
            uptimeSeconds: Double(max(0, head.now - (head.created ?? head.now))) / 1000, offset: offset)
        statistics.partial = partial
        return statistics
    }

    // MARK: Totals

    /// The store's creation time and errors outside any prefix, and Redis's time (or the test
    /// clock's): one pipeline.
    private func readHead() async throws -> Head {
        var commands = [(key: names.info, command: RESPCommand("HMGET", names.info, "created", "errors"))]
        let testTime = testClockMilliseconds()
        if testTime == nil { commands.append((names.info, RESPCommand("TIME"))) }
        let answers = try await pipeline(commands)
        guard case .array(let infoFields) = answers[0], infoFields.count == 2 else {
            throw RedisError.protocolError("info: \(answers[0])")
        }
        let now = try testTime ?? Self.redisTime(of: answers[1])
        return Head(created: infoFields[0].int, errors: infoFields[1].int ?? 0, now: now)
    }

    /// What the store's info tells.
    struct Head {
        var created: Int64?
        var errors: Int64
        var now: Int64
    }

    /// The focused prefix's score in its sort index, with its member there; `nil` when it is not
    /// listed.
    private func readScore(sort: StatsQuery.Sort, focus: String) async throws -> (score: String, member: String)? {
        let member = sort == .user ? RedisKeys.userMember(focus) : focus
        let key = index(sort, names.partition(of: focus))
        let answer = try await pipeline([(key, RESPCommand("ZSCORE", key, member))])
        if let message = answer.first?.errorMessage { throw RedisError.server(message) }
        return answer.first?.string.map { ($0, member) }
    }

    /// What one round over the partitions tells: the totals added up, each partition's number of
    /// prefixes, the head of each partition's index, and the focused prefix's rank in each.
    struct Summary {
        var totals = CacheTotals()
        var sizes: [Int] = []
        var heads: [[StatsEntry]] = []
        var ranks: [Int] = []
        /// Each partition's entries around the focused one's rank and the position of the first
        /// (none without a focus).
        var windows: [(start: Int, entries: [StatsEntry])] = []
    }

    /// One call per partition (``RedisScripts/summary``), batched. `hint`: what the last query
    /// on the same focus found.
    private func readSummary(
        sort: StatsQuery.Sort, order: IndexOrder, count: Int, focus: (score: String, member: String)?,
        reach: Int = 0, hint: FocusHints.Hint? = nil
    ) async throws -> Summary {
        let fields = RedisScripts.totalsFields
        let focused = [
            ByteBuffer(string: focus?.score ?? ""), ByteBuffer(string: focus?.member ?? ""),
            Self.argument(Int64(focus == nil ? 0 : reach)),
        ]
        let noHint = ByteBuffer()
        let answers = try await evaluatePartitions(
            RedisScripts.summaryBatch,
            calls: (0..<names.partitionCount).map { partition in
                let keys = names.partitionKeys(partition)
                var hinted = [noHint, noHint, noHint]
                if let hint {
                    let reads = hint.reads(partition)
                    hinted = [hint.ranks[partition], reads.behind, reads.ahead].map { Self.argument(Int64($0)) }
                }
                return (
                    keys: [keys.totals, keys.byUser, index(sort, partition)],
                    arguments: [ByteBuffer(string: order.rawValue), Self.argument(Int64(count))] + focused + hinted
                )
            })
        var summary = Summary()
        for (partition, answer) in answers.enumerated() {
            if let message = answer.errorMessage { throw RedisError.server(message) }
            guard case .array(let parts) = answer, parts.count == 6,
                let values = Self.numbers(parts[0], count: fields.count), let head = Self.strings(parts[2]),
                head.count % 2 == 0,
                let window = Self.strings(parts[5]), window.count % 2 == 0
            else { throw RedisError.protocolError("summary: \(answer)") }
            summary.totals.counters.add(Self.counters(values))
            summary.totals.keys += Int(max(0, values[fields.count - 3] ?? 0))
            summary.totals.bytes += Int(max(0, values[fields.count - 2] ?? 0))
            summary.totals.expiringSoon += Int(max(0, values[fields.count - 1] ?? 0))
            summary.sizes.append(Int(parts[1].int ?? 0))
            summary.ranks.append(Int(parts[3].int ?? 0))
            summary.heads.append(try Self.entries(paired: head, partition: partition))
            summary.windows.append((Int(parts[4].int ?? 0), try Self.entries(paired: window, partition: partition)))
        }
        return summary
    }

    /// The `count` numbers of a text of numbers joined by commas, one that is empty or not a whole
    /// number `nil` (as a field read alone would be); `nil` if there are not `count` of them.
    static func numbers(_ value: RESPValue, count: Int) -> [Int64?]? {
        guard case .bulkString(let buffer) = value else { return nil }
        var numbers: [Int64?] = []
        numbers.reserveCapacity(count)
        var current: Int64 = 0
        var digits = 0
        var negative = false
        var valid = true
        for byte in buffer.readableBytesView {
            switch byte {
            case UInt8(ascii: ","):
                numbers.append(valid && digits > 0 ? (negative ? -current : current) : nil)
                (current, digits, negative, valid) = (0, 0, false, true)
            case UInt8(ascii: "-") where digits == 0 && !negative:
                negative = true
            case UInt8(ascii: "0")...UInt8(ascii: "9") where digits < 18:
                current = current * 10 + Int64(byte - UInt8(ascii: "0"))
                digits += 1
            default:
                valid = false
            }
        }
        numbers.append(valid && digits > 0 ? (negative ? -current : current) : nil)
        return numbers.count == count ? numbers : nil
    }

    /// The items of an array as text (a missing one, `false` in Lua, empty); `nil` if it is not
    /// an array.
    static func strings(_ value: RESPValue) -> [String]? {
        switch value {
        case .array(let items):
            var texts: [String] = []
            texts.reserveCapacity(items.count)
            for item in items { texts.append(item.string ?? "") }
            return texts
        case .null: return []
        default: return nil
        }
    }

    /// Entries from `member, score` pairs.
    static func entries(paired items: [String], partition: Int) throws -> [StatsEntry] {
        var entries: [StatsEntry] = []
        entries.reserveCapacity(items.count / 2)
        for index in stride(from: 0, to: items.count - 1, by: 2) {
            guard let entry = StatsEntry(member: items[index], scoreText: items[index + 1], partition: partition)
            else { throw RedisError.protocolError("summary: an index entry \(items[index]) \(items[index + 1])") }
            entries.append(entry)
        }
        return entries
    }

    /// How many entries past its share of a top page each partition reads with the totals.
    static let pageMargin = 3

    // MARK: Rows

    /// The figures of the prefixes of a page, in its order: one ``RedisScripts/row`` each,
    /// batched per server.
    private func prefixRows(_ prefixes: [String]) async throws -> [PrefixStats] {
        guard !prefixes.isEmpty else { return [] }
        let answers = try await evaluatePartitions(
            RedisScripts.rowBatch, calls: prefixes.map { (keys: [names.meta($0)], arguments: []) })
        var rows: [PrefixStats] = []
        rows.reserveCapacity(prefixes.count)
        for (raw, answer) in zip(prefixes, answers) {
            if let message = answer.errorMessage { throw RedisError.server(message) }
            guard let fields = Self.numbers(answer, count: Self.metaFields.count) else {
                throw RedisError.protocolError("prefix \(raw): \(answer)")
            }
            rows.append(Self.prefixStats(raw, fields: fields))
        }
        return rows
    }

    /// The fields of a prefix's meta hash that statistics read: its gauges, then every counter by name.
    static let metaFields = ["gen", "keys", "bytes", "lastPurge", "soon"] + CacheCounter.allCases.map(\.rawValue)

    static func prefixStats(_ raw: String, fields: [Int64?]) -> PrefixStats {
        func number(_ index: Int) -> Int64 { max(0, fields[index] ?? 0) }
        return PrefixStats(
            prefix: raw, user: RedisKeys.parse(raw)?.user, keys: Int(number(1)), bytes: Int(number(2)),
            counters: counters(fields.dropFirst(5)), expiringSoon: Int(number(4)),
            lastPurgeAt: fields[3].map { Date(timeIntervalSince1970: Double($0) / 1000) }, generation: UInt64(number(0))
        )
    }
}
