import CacheAdminAPI
import Foundation
import MonitorCore

/// Snapshots and states built by hand, at fixed times, for reducer and renderer tests.
enum Fixtures {
    static let start = Date(timeIntervalSince1970: 1_795_000_000)  // 2026-11-18T…, a fixed instant

    static func prefix(
        _ user: String?, keys: Int = 10, bytes: Int = 4_096, hits: UInt64 = 90, misses: UInt64 = 10,
        expiringSoon: Int = 0, lastPurgeAt: Date? = nil, generation: UInt64 = 1
    ) -> PrefixStats {
        PrefixStats(
            prefix: PrefixFormat.prefix(namespace: "api", user: user), user: user, keys: keys, bytes: bytes,
            counters: [.hits: hits, .misses: misses, .sets: misses], expiringSoon: expiringSoon,
            lastPurgeAt: lastPurgeAt, generation: generation)
    }

    static func snapshot(
        at seconds: Double, hits: UInt64, misses: UInt64, prefixes: [PrefixStats], prefixCount: Int? = nil,
        offset: Int = 0, instance: String = "a1b2", uptime: Double? = nil, query: StatsQuery = StatsQuery()
    ) -> StatsSnapshot {
        var answered = query
        answered.offset = offset
        return StatsSnapshot(
            serverTime: start.addingTimeInterval(seconds), uptimeSeconds: uptime ?? 100 + seconds, backend: "memory",
            instance: instance, namespace: "api",
            totals: CacheTotals(
                counters: [
                    .hits: hits, .misses: misses, .sets: misses, .staleSetsRejected: 2, .expirations: 31, .purges: 17,
                    .purgedKeys: 120,
                ], keys: prefixes.reduce(0) { $0 + $1.keys }, bytes: prefixes.reduce(0) { $0 + $1.bytes },
                expiringSoon: 3),
            prefixCount: prefixCount ?? prefixes.count, query: answered, prefixes: prefixes)
    }

    /// A state that has loaded two snapshots a second apart.
    static func liveState(size: TerminalSize = TerminalSize(columns: 120, rows: 40), monochrome: Bool = false)
        -> MonitorState
    {
        var state = MonitorState(
            configuration: .init(
                url: "http://127.0.0.1:8080", interval: 1, monochrome: monochrome,
                timeZone: TimeZone(secondsFromGMT: 0) ?? .current),
            now: start)
        _ = reduce(&state, .resized(size))
        let users: [PrefixStats] = [
            prefix(
                "42", keys: 118, bytes: 1_258_291, hits: 4_120, misses: 120, expiringSoon: 12,
                lastPurgeAt: start.addingTimeInterval(-180), generation: 7),
            prefix("142", keys: 31, bytes: 317_440, hits: 730, misses: 100, expiringSoon: 2),
            prefix("420", keys: 9, bytes: 90_112, hits: 80, misses: 50, lastPurgeAt: start.addingTimeInterval(-3_600)),
            prefix("日本", keys: 4, bytes: 2_048, hits: 3, misses: 9),
            prefix(nil, keys: 2, bytes: 512, hits: 0, misses: 0),
        ]
        _ = reduce(
            &state,
            .statsLoaded(snapshot(at: 0, hits: 10_000, misses: 1_000, prefixes: users, prefixCount: 10_000), at: start))
        var later = users
        later[0][.hits] += 41
        later[0][.misses] += 1
        later[1][.hits] += 7
        later[1][.misses] += 1
        _ = reduce(
            &state,
            .statsLoaded(
                snapshot(at: 1, hits: 11_130, misses: 1_070, prefixes: later, prefixCount: 10_000),
                at: start.addingTimeInterval(1)))
        _ = reduce(&state, .eventsLoaded(EventPage(events: [], dropped: 0, lastSeq: 0, newestSeq: 0)))
        _ = reduce(
            &state,
            .eventsLoaded(
                EventPage(
                    events: [
                        CacheEvent(
                            seq: 1, time: start.addingTimeInterval(-2), kind: .staleSetRejected, prefix: "api:{u:42}",
                            user: "42", key: "GET /api/users/42/dashboard/summary"),
                        CacheEvent(
                            seq: 2, time: start.addingTimeInterval(-1), kind: .expired, prefix: "api:{u:7}", user: "7",
                            key: "GET /api/users/7/orders?page=2"),
                        CacheEvent(
                            seq: 3, time: start, kind: .purged, prefix: "api:{u:42}", user: "42", count: 118,
                            durationSeconds: 0.0004),
                    ], dropped: 0, lastSeq: 3, newestSeq: 3)))
        return state
    }
}
