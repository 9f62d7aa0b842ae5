import CacheAside
import NIOCore
import RESP

/// The filter of the statistics by user (see ``RedisStore/statistics(_:)``).
extension RedisStore {
    /// The prefixes whose user contains `needle`, with their sort scores: every partition's
    /// `by:user` scanned server-side in chunks of ``filterChunk``, ``filterChunksPerRound`` chunks
    /// per round spread over the partitions not done yet (in turns when there are more), until done or until another round would
    /// end after ``Configuration/filterBudget`` from `started` (then `partial`). A chunk is one
    /// script call, so other clients' commands run in between.
    func filtered(
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
}
