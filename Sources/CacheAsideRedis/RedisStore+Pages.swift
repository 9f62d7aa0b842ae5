import CacheAside
import NIOCore
import RESP

/// Pages of the statistics from the partitions' indexes (see ``RedisStore/statistics(_:)``).
extension RedisStore {
    /// The index a query sorts by in `partition`.
    func index(_ sort: StatsQuery.Sort, _ partition: Int) -> String {
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
    func indexPage(
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
                let answers = try await ranges(
                    sort, order: order,
                    wanted.map { ($0, cut[$0] + read[$0].count, asks[$0]) })
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

    /// Offsets up to this are read from the top of every partition.
    static let shallowOffset = 1000
    /// How many rounds a page read takes at most.
    static let readRounds = 12

    /// A pivot entry ranked at or before `offset`, close to it: each partition's rank of it and
    /// its rank in the whole store; `nil` when none was found in a few rounds. The first probes
    /// are at `seed` (each partition's rank), or else at each partition's share of `offset`.
    func pivotCut(
        _ sort: StatsQuery.Sort, order: IndexOrder, sizes: [Int], offset: Int, seed: [Int]? = nil
    ) async throws -> (cut: [Int], base: Int)? {
        let total = Double(sizes.reduce(0, +))
        var targets = seed ?? sizes.map { Int(Double(offset) * Double($0) / total) }
        let partitions = sizes.indices.filter { sizes[$0] > 0 }
        for _ in 0..<4 {
            let probes = try await ranges(
                sort, order: order,
                partitions.map { ($0, min(max(0, targets[$0]), sizes[$0] - 1), 1) })
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

    /// The `range` script's answers for each read: `count` entries of `partition`'s index from
    /// position `start` in `order`, in one batched call per server.
    func ranges(
        _ sort: StatsQuery.Sort, order: IndexOrder, _ reads: [(partition: Int, start: Int, count: Int)]
    ) async throws -> [RESPValue] {
        try await evaluatePartitions(
            RedisScripts.rangeBatch,
            calls: reads.map { read in
                (
                    keys: [index(sort, read.partition)],
                    arguments: [
                        ByteBuffer(string: order.rawValue), Self.argument(Int64(read.start)),
                        Self.argument(Int64(read.count)),
                    ]
                )
            })
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
}
