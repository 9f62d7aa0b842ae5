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

    /// A query in as few rounds as it can: the store's info, Redis's time and the focused
    /// prefix's score (one pipeline, at the same time as the next unless there is a focus); the
    /// totals, the head of every partition's index and the focused prefix's rank in each (one
    /// batched script per server); for a deep page, a pivot and its ranks (two more); the page's
    /// entries; the page's rows.
    private func readStatistics(_ query: StatsQuery) async throws -> StoreStatistics {
        let started = ContinuousClock.now
        let order = Self.indexOrder(query)
        let needle = query.filter.flatMap { $0.isEmpty ? nil : $0.lowercased() }
        let focus = needle == nil ? query.focus : nil
        // A top page (no filter, focus or deep offset) comes with the totals: each partition's
        // share of it and a margin, read in the same call.
        let shallow = needle == nil && query.focus == nil && query.offset <= Self.shallowOffset
        let share = shallow ? (query.offset + query.limit) / names.partitionCount + Self.pageMargin : 0
        let head: Head
        var summary: Summary
        if focus == nil {
            // Nothing of the first round is needed by the second: both at once.
            async let first = readHead(sort: query.sort, focus: nil)
            async let second = readSummary(sort: query.sort, order: order, count: share, focus: nil)
            (head, summary) = try await (first, second)
        } else {
            head = try await readHead(sort: query.sort, focus: focus)
            summary = try await readSummary(sort: query.sort, order: order, count: share, focus: head.focus)
        }
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
            if head.focus != nil {
                // The focused prefix's ranks are a cut at its place; its page starts up to
                // `limit - 1` entries before: read around the cut in one round when the partitions
                // are few, else from a pivot near it (seeded from that cut).
                let rank = summary.ranks.reduce(0, +)
                offset = rank / query.limit * query.limit
                let before = rank - offset
                if before == 0 {
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
        let rows = try await prefixRows(page.map(\.prefix))
        var statistics = StoreStatistics(
            totals: summary.totals, prefixCount: matching, prefixes: rows,
            uptimeSeconds: Double(max(0, head.now - (head.created ?? head.now))) / 1000, offset: offset)
        statistics.partial = partial
        return statistics
    }

    // MARK: Totals

    /// The first round of a query: the store's creation time and errors outside any prefix,
    /// Redis's time (or the test clock's), and the focused prefix's score in its sort index with
    /// its member there (`nil` when it is not listed).
    private func readHead(sort: StatsQuery.Sort, focus: String?) async throws -> Head {
        var commands = [(key: names.info, command: RESPCommand("HMGET", names.info, "created", "errors"))]
        let testTime = testClockMilliseconds()
        if testTime == nil { commands.append((names.info, RESPCommand("TIME"))) }
        let member = focus.map { sort == .user ? RedisKeys.userMember($0) : $0 }
        if let focus, let member {
            let key = index(sort, names.partition(of: focus))
            commands.append((key, RESPCommand("ZSCORE", key, member)))
        }
        let answers = try await pipeline(commands)
        guard case .array(let infoFields) = answers[0], infoFields.count == 2 else {
            throw RedisError.protocolError("info: \(answers[0])")
        }
        let now = try testTime ?? Self.redisTime(of: answers[1])
        let score = member != nil ? answers.last?.string : nil
        return Head(
            created: infoFields[0].int, errors: infoFields[1].int ?? 0, now: now,
            focus: score.flatMap { score in member.map { (score, $0) } })
    }

    /// What the first round of a query tells.
    struct Head {
        var created: Int64?
        var errors: Int64
        var now: Int64
        var focus: (score: String, member: String)?
    }

    /// What one round over the partitions tells: the totals added up, each partition's number of
    /// prefixes, the head of each partition's index, and the focused prefix's rank in each.
    struct Summary {
        var totals = CacheTotals()
        var sizes: [Int] = []
        var heads: [[StatsEntry]] = []
        var ranks: [Int] = []
    }

    /// One call per partition (``RedisScripts/summary``), batched.
    private func readSummary(
        sort: StatsQuery.Sort, order: IndexOrder, count: Int, focus: (score: String, member: String)?
    ) async throws -> Summary {
        let fields = CacheCounter.allCases.map(\.rawValue) + ["keys", "bytes", "soon"]
        let common =
            [ByteBuffer(string: focus?.score ?? ""), ByteBuffer(string: focus?.member ?? "")]
            + fields.map { ByteBuffer(string: $0) }
        let answers = try await evaluatePartitions(
            RedisScripts.summaryBatch,
            calls: (0..<names.partitionCount).map { partition in
                let keys = names.partitionKeys(partition)
                return (
                    keys: [keys.totals, keys.byUser, index(sort, partition)],
                    arguments: [ByteBuffer(string: order.rawValue), Self.argument(Int64(count))] + common
                )
            })
        var summary = Summary()
        for (partition, answer) in answers.enumerated() {
            if let message = answer.errorMessage { throw RedisError.server(message) }
            guard case .array(let parts) = answer, parts.count == 4, let values = Self.unpacked(parts[0]),
                values.count == fields.count, let head = Self.unpacked(parts[2]), head.count % 2 == 0
            else { throw RedisError.protocolError("summary: \(answer)") }
            var counters = CounterValues()
            for (counter, value) in zip(CacheCounter.allCases, values) {
                counters[counter] = UInt64(max(0, Int64(value) ?? 0))
            }
            summary.totals.counters.add(counters)
            summary.totals.keys += Int(max(0, Int64(values[fields.count - 3]) ?? 0))
            summary.totals.bytes += Int(max(0, Int64(values[fields.count - 2]) ?? 0))
            summary.totals.expiringSoon += Int(max(0, Int64(values[fields.count - 1]) ?? 0))
            summary.sizes.append(Int(parts[1].int ?? 0))
            summary.ranks.append(Int(parts[3].int ?? 0))
            var entries: [StatsEntry] = []
            entries.reserveCapacity(head.count / 2)
            for index in stride(from: 0, to: head.count, by: 2) {
                guard let entry = StatsEntry(member: head[index], scoreText: head[index + 1], partition: partition)
                else { throw RedisError.protocolError("summary: an index entry \(head[index]) \(head[index + 1])") }
                entries.append(entry)
            }
            summary.heads.append(entries)
        }
        return summary
    }

    /// The items of a string of length-prefixed items (`<length>:<bytes>` each); `nil` if it is
    /// not one.
    static func unpacked(_ value: RESPValue) -> [String]? {
        guard case .bulkString(let buffer) = value else { return nil }
        var items: [String] = []
        let bytes = buffer.readableBytesView
        var index = bytes.startIndex
        while index < bytes.endIndex {
            var length = 0
            while index < bytes.endIndex, bytes[index] != UInt8(ascii: ":") {
                let digit = Int(bytes[index]) - 48
                guard (0...9).contains(digit), length < 1 << 40 else { return nil }
                length = length * 10 + digit
                index += 1
            }
            guard index < bytes.endIndex else { return nil }
            index += 1
            guard bytes.endIndex - index >= length else { return nil }
            items.append(String(decoding: bytes[index..<(index + length)], as: UTF8.self))
            index += length
        }
        return items
    }
    /// How many entries past its share of a top page each partition reads with the totals.
    static let pageMargin = 3

    // MARK: Pages from the indexes

    /// The index a query sorts by in `partition`.
    private func index(_ sort: StatsQuery.Sort, _ partition: Int) -> String {
        let keys = names.partitionKeys(partition)
        switch sort {
        case .user: return keys.byUser
        case .hits: return keys.byHits
        case .misses: return keys.byMisses
        case .hitRatio: return keys.byRatio
        case .keys: return keys.byKeys
        case .bytes: return keys.byBytes
        case .lastPurge: return keys.byPurge
        case .expiringSoon: return keys.bySoon
        }
    }

    /// How the query's order reads the indexes: they hold minus the value (largest first), and
    /// `by:user` holds users in ascending order; ties always go by prefix, ascending.
    static func indexOrder(_ query: StatsQuery) -> IndexOrder {
        switch (query.sort, query.order) {
        case (.user, .ascending): .forward
        case (.user, .descending): .reverse
        case (_, .descending): .forward
        case (_, .ascending): .grouped
        }
    }

    /// The entries at positions `offset ..< offset + limit` of the merged order of every
    /// partition's index.
    ///
    /// Deep pages start from a cut: a pivot entry whose rank in every partition is known, found
    /// from each partition's entry at its share of `offset`; the entries after a cut, read from each
    /// partition at its rank and merged, are the entries after the pivot in the whole store. Each
    /// partition is read in proportion to its size, and further only while its last entry read
    /// could still belong to the page. A `known` cut at or before `offset` (the focused prefix's) is
    /// used as it is.
    private func indexPage(
        _ sort: StatsQuery.Sort, order: IndexOrder, sizes: [Int], offset: Int, limit: Int,
        preread: (heads: [[StatsEntry]], count: Int)? = nil, known: (cut: [Int], base: Int)? = nil,
        seed: [Int]? = nil
    ) async throws -> [StatsEntry] {
        let total = sizes.reduce(0, +)
        guard offset < total else { return [] }
        var cut = [Int](repeating: 0, count: sizes.count)
        var base = 0
        if let known, known.base <= offset {
            (cut, base) = known
        } else if offset > Self.shallowOffset,
            let pivot = try await pivotCut(sort, order: order, sizes: sizes, offset: offset, seed: seed)
        {
            (cut, base) = pivot
        }
        let needed = offset - base + limit
        var read = [[StatsEntry]](repeating: [], count: sizes.count)
        var exhausted = sizes.indices.map { cut[$0] >= sizes[$0] }
        var asks = sizes.indices.map { Int((Double(needed) * Double(sizes[$0]) / Double(total)).rounded(.up)) + 8 }
        var merged: [StatsEntry] = []
        // Heads read with the totals (from the top: no cut) need no first round.
        var skipRead = false
        if let preread, base == 0 {
            read = preread.heads
            exhausted = sizes.indices.map { read[$0].count < preread.count || read[$0].count >= sizes[$0] }
            asks = sizes.indices.map { _ in 0 }
            skipRead = true
        }
        for _ in 0..<Self.readRounds {
            let wanted = sizes.indices.filter { !exhausted[$0] && asks[$0] > 0 }
            if wanted.isEmpty && !skipRead { break }
            if skipRead {
                skipRead = false
            } else {
                let answers = try await evaluatePartitions(
                    RedisScripts.rangeBatch,
                    calls: wanted.map { partition in
                        (
                            keys: [index(sort, partition)],
                            arguments: [
                                ByteBuffer(string: order.rawValue),
                                Self.argument(Int64(cut[partition] + read[partition].count)),
                                Self.argument(Int64(asks[partition])),
                            ]
                        )
                    })
                for (partition, answer) in zip(wanted, answers) {
                    let entries = try Self.entries(answer, partition: partition)
                    read[partition] += entries
                    exhausted[partition] =
                        entries.count < asks[partition] || cut[partition] + read[partition].count >= sizes[partition]
                    asks[partition] = 0
                }
            }
            merged = read.flatMap { $0 }.sorted(by: order.precedes)
            // Under traffic an entry can move between rounds and be read twice: keep its first place.
            var seen: Set<String> = []
            var unique: [StatsEntry] = []
            unique.reserveCapacity(merged.count)
            for entry in merged where seen.insert(entry.member).inserted { unique.append(entry) }
            merged = unique
            // Exact up to the smallest last entry of the partitions that have more.
            let open = sizes.indices.filter { !exhausted[$0] }
            let bounds = open.compactMap { read[$0].last }
            if open.count > bounds.count {
                // A partition read nothing yet: it must be read.
                for partition in open where read[partition].isEmpty { asks[partition] = 8 }
                continue
            }
            guard let bound = bounds.min(by: order.precedes) else { break }
            let certain = merged.prefix { !order.precedes(bound, $0) }.count
            if certain >= needed { break }
            let target = merged.count >= needed ? merged[needed - 1] : nil
            for partition in open {
                guard let last = read[partition].last else { continue }
                if let target, order.precedes(target, last) { continue }
                asks[partition] = max(8, read[partition].count)
            }
        }
        let start = min(offset - base, merged.count)
        return Array(merged[start..<min(needed, merged.count)])
    }

    /// The page around a cut (`ranks`: how many entries of each partition come before the focused
    /// one) that holds `before` entries before it: in one round, each partition's `limit` entries
    /// from `before` ahead of its cut. The `before` last of those ahead of the cuts, merged, and
    /// the `limit - before` first of the others are the page, as no partition can give more of
    /// either.
    private func focusWindow(
        _ sort: StatsQuery.Sort, order: IndexOrder, ranks: [Int], before: Int, limit: Int
    ) async throws -> [StatsEntry] {
        let starts = ranks.map { max(0, $0 - before) }
        let answers = try await evaluatePartitions(
            RedisScripts.rangeBatch,
            calls: ranks.indices.map { partition in
                (
                    keys: [index(sort, partition)],
                    arguments: [
                        ByteBuffer(string: order.rawValue), Self.argument(Int64(starts[partition])),
                        Self.argument(Int64(limit)),
                    ]
                )
            })
        var ahead: [StatsEntry] = []
        var after: [StatsEntry] = []
        for (partition, answer) in answers.enumerated() {
            for (position, entry) in try Self.entries(answer, partition: partition).enumerated() {
                if starts[partition] + position < ranks[partition] {
                    ahead.append(entry)
                } else {
                    after.append(entry)
                }
            }
        }
        ahead.sort(by: order.precedes)
        after.sort(by: order.precedes)
        return Array(ahead.suffix(before)) + Array(after.prefix(limit - before))
    }

    /// The most entries a focused page reads around its cut in one round (partitions × limit);
    /// with more partitions it starts from a pivot instead.
    static let windowEntries = 4096

    /// Offsets up to this are read from the top of every partition.
    static let shallowOffset = 1000
    /// How many rounds a page read takes at most.
    static let readRounds = 12

    /// A pivot entry ranked at or before `offset`, close to it: each partition's rank of it and
    /// its rank in the whole store; `nil` when none was found in a few rounds. The first probes
    /// are at `seed` (each partition's rank), or else at each partition's share of `offset`.
    private func pivotCut(
        _ sort: StatsQuery.Sort, order: IndexOrder, sizes: [Int], offset: Int, seed: [Int]? = nil
    ) async throws -> (cut: [Int], base: Int)? {
        let total = Double(sizes.reduce(0, +))
        var targets = seed ?? sizes.map { Int(Double(offset) * Double($0) / total) }
        let partitions = sizes.indices.filter { sizes[$0] > 0 }
        for _ in 0..<4 {
            let probes = try await evaluatePartitions(
                RedisScripts.rangeBatch,
                calls: partitions.map { partition in
                    (
                        keys: [index(sort, partition)],
                        arguments: [
                            ByteBuffer(string: order.rawValue),
                            Self.argument(Int64(min(max(0, targets[partition]), sizes[partition] - 1))),
                            Self.argument(1),
                        ]
                    )
                })
            var candidates: [StatsEntry] = []
            for (partition, answer) in zip(partitions, probes) {
                candidates += try Self.entries(answer, partition: partition)
            }
            candidates.sort(by: order.precedes)
            guard !candidates.isEmpty else { return nil }
            // Below the middle: more often at or before `offset`.
            let pivot = candidates[candidates.count * 3 / 10]
            let ranks = try await evaluatePartitions(
                RedisScripts.rankBatch,
                calls: partitions.map { partition in
                    (
                        keys: [index(sort, partition)],
                        arguments: [
                            ByteBuffer(string: order.rawValue), ByteBuffer(string: pivot.scoreText),
                            ByteBuffer(string: pivot.member),
                        ]
                    )
                })
            var cut = [Int](repeating: 0, count: sizes.count)
            for (partition, answer) in zip(partitions, ranks) {
                if let message = answer.errorMessage { throw RedisError.server(message) }
                cut[partition] = Int(answer.int ?? 0)
            }
            let base = cut.reduce(0, +)
            if base <= offset { return (cut, base) }
            let over = Double(base - offset)
            targets = sizes.indices.map { cut[$0] - Int((over * Double(sizes[$0]) / total).rounded(.up)) - 2 }
        }
        return nil
    }

    /// Reads a `range` or `filter` answer's member and score pairs.
    static func entries(_ answer: RESPValue, partition: Int, from first: Int = 0) throws -> [StatsEntry] {
        if let message = answer.errorMessage { throw RedisError.server(message) }
        guard case .array(let parts) = answer, (parts.count - first) % 2 == 0 else {
            throw RedisError.protocolError("an index answered \(answer)")
        }
        var entries: [StatsEntry] = []
        entries.reserveCapacity((parts.count - first) / 2)
        for index in stride(from: first, to: parts.count, by: 2) {
            guard let member = parts[index].string, let score = parts[index + 1].string,
                let entry = StatsEntry(member: member, scoreText: score, partition: partition)
            else { throw RedisError.protocolError("an index answered \(parts[index]) \(parts[index + 1])") }
            entries.append(entry)
        }
        return entries
    }

    // MARK: Filter and the unindexed order

    /// The prefixes whose user contains `needle`, with their sort scores: every partition's
    /// `by:user` scanned server-side in chunks of ``filterChunk``, ``filterChunksPerRound`` chunks
    /// per round spread over the partitions not done yet (in turns when there are more), until done or until another round would
    /// end after ``Configuration/filterBudget`` from `started` (then `partial`). A chunk is one
    /// script call, so other clients' commands run in between.
    private func filtered(
        _ needle: String, query: StatsQuery, order: IndexOrder, started: ContinuousClock.Instant
    ) async throws -> (entries: [StatsEntry], partial: Bool) {
        var next = [Int](repeating: 0, count: names.partitionCount)
        var found: [StatsEntry] = []
        var slowestRound = Duration.zero
        var turn = 0
        while true {
            let waiting = next.indices.filter { next[$0] >= 0 }
            if waiting.isEmpty { return (found, false) }
            if started.duration(to: .now) + slowestRound > configuration.filterBudget { return (found, true) }
            let roundStarted = ContinuousClock.now
            // At most `filterChunksPerRound` chunks a round, so a round stays short: partitions
            // take turns when there are more.
            let open = (0..<min(waiting.count, Self.filterChunksPerRound)).map {
                waiting[(turn + $0) % waiting.count]
            }
            turn += open.count
            let perPartition = max(1, Self.filterChunksPerRound / open.count)
            let chunks = open.flatMap { partition in
                (0..<perPartition).map { (partition: partition, start: next[partition] + $0 * Self.filterChunk) }
            }
            let answers = try await evaluateAll(
                RedisScripts.filter,
                calls: chunks.map { chunk in
                    let keys = names.partitionKeys(chunk.partition)
                    return (
                        keys: [keys.byUser, index(query.sort, chunk.partition)],
                        arguments: [
                            ByteBuffer(string: needle), Self.argument(Int64(chunk.start)),
                            Self.argument(Int64(Self.filterChunk)),
                            ByteBuffer(string: query.sort == .user ? "user" : "score"),
                        ]
                    )
                })
            for partition in open { next[partition] += perPartition * Self.filterChunk }
            for (chunk, answer) in zip(chunks, answers) {
                guard case .array(let parts) = answer, let following = parts.first?.int else {
                    throw RedisError.protocolError("filter answered \(answer)")
                }
                if following < 0 { next[chunk.partition] = -1 }
                found += try Self.entries(answer, partition: chunk.partition, from: 1)
            }
            slowestRound = max(slowestRound, roundStarted.duration(to: .now))
        }
    }

    /// How many members of `by:user` one filter script looks at.
    static let filterChunk = 1000
    /// How many filter scripts one round sends.
    static let filterChunksPerRound = 64

    /// The page of `entries` (all in memory) the query asks for, and its offset (moved to the
    /// focused prefix's page).
    static func select(
        _ entries: [StatsEntry], order: IndexOrder, query: StatsQuery
    ) -> (page: [StatsEntry], offset: Int) {
        let sorted = entries.sorted(by: order.precedes)
        var offset = query.offset
        if let focus = query.focus, let rank = sorted.firstIndex(where: { $0.prefix == focus }) {
            offset = rank / query.limit * query.limit
        }
        let start = min(offset, sorted.count)
        return (Array(sorted[start..<min(sorted.count, start + query.limit)]), offset)
    }

    // MARK: Rows

    /// The figures of the prefixes of a page, in its order: one pipelined `HMGET` each.
    private func prefixRows(_ prefixes: [String]) async throws -> [PrefixStats] {
        let answers = try await pipeline(
            prefixes.map { prefix in
                let meta = names.meta(prefix)
                return (meta, RESPCommand(strings: ["HMGET", meta] + Self.metaFields))
            })
        var rows: [PrefixStats] = []
        for (raw, answer) in zip(prefixes, answers) {
            guard case .array(let fields) = answer, fields.count == Self.metaFields.count else {
                throw RedisError.protocolError("prefix \(raw): \(answer)")
            }
            rows.append(Self.prefixStats(raw, fields: fields))
        }
        return rows
    }

    /// The fields of a prefix's meta hash that statistics read: its gauges, then every counter by name.
    static let metaFields = ["gen", "keys", "bytes", "lastPurge", "soon"] + CacheCounter.allCases.map(\.rawValue)

    static func prefixStats(_ raw: String, fields: [RESPValue]) -> PrefixStats {
        func number(_ index: Int) -> Int64 { max(0, fields[index].int ?? 0) }
        return PrefixStats(
            prefix: raw, user: RedisKeys.parse(raw)?.user, keys: Int(number(1)), bytes: Int(number(2)),
            counters: counters(CacheCounter.allCases, Array(fields.dropFirst(5))), expiringSoon: Int(number(4)),
            lastPurgeAt: fields[3].int.map { Date(timeIntervalSince1970: Double($0) / 1000) },
            generation: UInt64(number(0)))
    }
}
