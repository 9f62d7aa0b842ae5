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
                return StoreStatistics(
                    totals: CacheTotals(counters: now), prefixCount: 0, prefixes: [], uptimeSeconds: 0, offset: 0)
            }
            // This instance's own traffic since, so its rates and errors stay true during the outage.
            var degraded = last
            for counter in CacheCounter.allCases { degraded.totals[counter] += now[counter] - countedThen[counter] }
            return degraded
        }
    }

    private func readStatistics(_ query: StatsQuery) async throws -> StoreStatistics {
        let horizon = CacheClock.nanoseconds(configuration.expiringSoonHorizon) / 1_000_000
        let connection = try await backgroundPool.connection()
        let now = try await redisMilliseconds(on: connection)
        let members = try await connection.execute(RESPCommand("SMEMBERS", names.prefixes))
        guard case .array(let listed) = members else { throw RedisError.protocolError("prefixes: \(members)") }
        let prefixes = listed.compactMap(\.string)
        let retiredFields = CacheCounter.allCases.map(Self.retiredField)
        var commands = [RESPCommand(strings: ["HMGET", names.info, "created", "errors"] + retiredFields)]
        for prefix in prefixes {
            commands.append(RESPCommand(strings: ["HMGET", RedisKeys.meta(prefix)] + Self.metaFields))
            commands.append(
                RESPCommand("ZCOUNT", RedisKeys.deadlines(prefix), "(\(now)", String(now.saturatingAdd(horizon))))
        }
        let answers = try await connection.pipeline(commands)
        if let message = answers[0].errorMessage { throw RedisError.server(message) }
        guard case .array(let info) = answers[0], info.count == 2 + retiredFields.count else {
            throw RedisError.protocolError("info: \(answers[0])")
        }
        // Errors outside any prefix, and the counters of prefixes forgotten as idle.
        var totals = CacheTotals(counters: Self.counters(CacheCounter.allCases, Array(info.dropFirst(2))))
        totals[.errors] += UInt64(max(0, info[1].int ?? 0))
        var all: [PrefixStats] = []
        all.reserveCapacity(prefixes.count)
        for (index, raw) in prefixes.enumerated() {
            // A prefix this store may not read (an ACL for another namespace) is left out, not fatal.
            if answers[1 + 2 * index].errorMessage != nil { continue }
            guard case .array(let fields) = answers[1 + 2 * index], fields.count == Self.metaFields.count else {
                throw RedisError.protocolError("prefix \(raw): \(answers[1 + 2 * index])")
            }
            let stats = Self.prefixStats(raw, fields: fields, expiringSoon: Int(answers[2 + 2 * index].int ?? 0))
            totals.counters.add(stats.counters)
            totals.keys += stats.keys
            totals.bytes += stats.bytes
            totals.expiringSoon += stats.expiringSoon
            all.append(stats)
        }
        let created = info[0].int ?? now
        let (page, matching, offset) = PrefixPage.select(all, query: query)
        return StoreStatistics(
            totals: totals, prefixCount: matching, prefixes: page, uptimeSeconds: Double(max(0, now - created)) / 1000,
            offset: offset)
    }

    /// The fields of a prefix's meta hash that statistics read: its gauges, then every counter by name.
    static let metaFields = ["gen", "keys", "bytes", "lastPurge"] + CacheCounter.allCases.map(\.rawValue)

    static func prefixStats(_ raw: String, fields: [RESPValue], expiringSoon: Int) -> PrefixStats {
        func number(_ index: Int) -> Int64 { max(0, fields[index].int ?? 0) }
        return PrefixStats(
            prefix: raw, user: RedisKeys.parse(raw)?.user, keys: Int(number(1)), bytes: Int(number(2)),
            counters: counters(CacheCounter.allCases, Array(fields.dropFirst(4))), expiringSoon: expiringSoon,
            lastPurgeAt: fields[3].int.map { Date(timeIntervalSince1970: Double($0) / 1000) },
            generation: UInt64(number(0)))
    }
}

extension Int64 {
    fileprivate func saturatingAdd(_ other: Int64) -> Int64 {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? .max : sum
    }
}
