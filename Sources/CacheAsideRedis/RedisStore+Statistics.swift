import CacheAside
import Foundation
import NIOConcurrencyHelpers
import RESP

extension RedisStore {
    /// The figures of every instance together, read from Redis in one pipeline of two commands per
    /// prefix: time proportional to the number of prefixes, never to the number of entries.
    ///
    /// While Redis is down it answers the last figures it read plus the hits, misses and errors
    /// this instance counted since, so an operator still sees its traffic and its failures.
    public func statistics(_ query: StatsQuery) async throws -> StoreStatistics {
        let counted = pending.withLockedValue { $0.countedHere }
        do {
            let statistics = try await readStatistics(query)
            lastStatistics.withLockedValue { $0 = (statistics, counted) }
            return statistics
        } catch {
            let now = pending.withLockedValue { $0.countedHere }
            guard let (last, countedThen) = lastStatistics.withLockedValue({ $0 }) else {
                return StoreStatistics(totals: now, prefixCount: 0, prefixes: [], uptimeSeconds: 0, offset: 0)
            }
            // This instance's own traffic since, so its rates and errors stay true during the outage.
            var degraded = last
            degraded.totals.hits += now.hits - countedThen.hits
            degraded.totals.misses += now.misses - countedThen.misses
            degraded.totals.errors += now.errors - countedThen.errors
            return degraded
        }
    }

    private func readStatistics(_ query: StatsQuery) async throws -> StoreStatistics {
        let now = unixMilliseconds()
        let horizon = CacheClock.nanoseconds(configuration.expiringSoonHorizon) / 1_000_000
        let connection = try await pool.connection()
        let members = try await connection.execute(RESPCommand("SMEMBERS", names.prefixes))
        guard case .array(let listed) = members else { throw RedisError.protocolError("prefixes: \(members)") }
        let prefixes = listed.compactMap(\.string)
        var commands = [
            RESPCommand(
                strings: ["HMGET", names.info, "created", "errors"] + Self.retiredFields.map { "retired:" + $0 })
        ]
        for prefix in prefixes {
            commands.append(RESPCommand(strings: ["HMGET", RedisKeys.meta(prefix)] + Self.metaFields))
            commands.append(
                RESPCommand("ZCOUNT", RedisKeys.deadlines(prefix), "(\(now)", String(now.saturatingAdd(horizon))))
        }
        let answers = try await connection.pipeline(commands)
        if let message = answers.lazy.compactMap(\.errorMessage).first { throw RedisError.server(message) }
        guard case .array(let info) = answers[0], info.count == 2 + Self.retiredFields.count else {
            throw RedisError.protocolError("info: \(answers[0])")
        }
        // Errors outside any prefix, and the counters of prefixes forgotten as idle.
        func retired(_ index: Int) -> UInt64 { UInt64(max(0, info[2 + index].int ?? 0)) }
        var totals = CacheTotals(
            hits: retired(0), misses: retired(1), sets: retired(2), staleSetsRejected: retired(3),
            expirations: retired(4), purges: retired(5), purgedKeys: retired(6),
            errors: UInt64(max(0, info[1].int ?? 0)) + retired(7))
        var all: [PrefixStats] = []
        all.reserveCapacity(prefixes.count)
        for (index, raw) in prefixes.enumerated() {
            guard case .array(let fields) = answers[1 + 2 * index], fields.count == Self.metaFields.count else {
                throw RedisError.protocolError("prefix \(raw): \(answers[1 + 2 * index])")
            }
            let stats = Self.prefixStats(raw, fields: fields, expiringSoon: Int(answers[2 + 2 * index].int ?? 0))
            totals.add(
                stats, purgedKeys: UInt64(max(0, fields[9].int ?? 0)), errors: UInt64(max(0, fields[10].int ?? 0)))
            all.append(stats)
        }
        let created = info[0].int ?? now
        let (page, matching, offset) = PrefixPage.select(all, query: query)
        return StoreStatistics(
            totals: totals, prefixCount: matching, prefixes: page, uptimeSeconds: Double(max(0, now - created)) / 1000,
            offset: offset)
    }

    static let metaFields = [
        "gen", "keys", "bytes", "hits", "misses", "sets", "staleSetsRejected", "expirations", "purges", "purgedKeys",
        "errors", "lastPurge",
    ]

    static func prefixStats(_ raw: String, fields: [RESPValue], expiringSoon: Int) -> PrefixStats {
        func number(_ index: Int) -> Int64 { max(0, fields[index].int ?? 0) }
        return PrefixStats(
            prefix: raw, user: RedisKeys.parse(raw)?.user, keys: Int(number(1)), bytes: Int(number(2)),
            hits: UInt64(number(3)), misses: UInt64(number(4)), sets: UInt64(number(5)),
            staleSetsRejected: UInt64(number(6)), expirations: UInt64(number(7)), purges: UInt64(number(8)),
            expiringSoon: expiringSoon,
            lastPurgeAt: fields[11].int.map { Date(timeIntervalSince1970: Double($0) / 1000) },
            generation: UInt64(number(0)))
    }
}

extension CacheTotals {
    /// Adds one prefix's figures; `purgedKeys` and `errors` are not part of ``PrefixStats``.
    fileprivate mutating func add(_ stats: PrefixStats, purgedKeys: UInt64, errors: UInt64) {
        hits += stats.hits
        misses += stats.misses
        sets += stats.sets
        staleSetsRejected += stats.staleSetsRejected
        expirations += stats.expirations
        evictions += stats.evictions
        purges += stats.purges
        self.purgedKeys += purgedKeys
        self.errors += errors
        keys += stats.keys
        bytes += stats.bytes
        expiringSoon += stats.expiringSoon
    }
}

extension Int64 {
    fileprivate func saturatingAdd(_ other: Int64) -> Int64 {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? .max : sum
    }
}
