import Foundation

/// Filters, sorts and pages prefix figures as a ``StatsQuery`` asks, for a store that gathers
/// every prefix's ``PrefixStats`` (a shared store such as Redis); ``MemoryStore`` does the same on
/// its own records without building them.
public enum PrefixPage {
    /// The page of `prefixes` that `query` asks for, how many prefixes match its filter, and the
    /// offset of the page (moved to the focused prefix's page when ``StatsQuery/focus`` names one).
    public static func select(
        _ prefixes: [PrefixStats], query: StatsQuery
    ) -> (page: [PrefixStats], matching: Int, offset: Int) {
        let needle = query.filter.flatMap { $0.isEmpty ? nil : $0.lowercased() }
        let matching = prefixes.filter { stats in
            guard let needle else { return true }
            return stats.user?.lowercased().contains(needle) ?? false
        }
        let precedes = ordering(for: query)
        var offset = query.offset
        if let focus = query.focus, let focused = matching.first(where: { $0.prefix == focus }) {
            let rank = matching.reduce(0) { $0 + (precedes($1, focused) ? 1 : 0) }
            offset = rank / query.limit * query.limit
        }
        var best = TopSelection(capacity: offset + query.limit, precedes: precedes)
        for stats in matching { best.offer(stats) }
        return (Array(best.sorted().dropFirst(offset)), matching.count, offset)
    }

    /// "Comes first in the answer", with ties broken by prefix so pages never overlap.
    static func ordering(for query: StatsQuery) -> (PrefixStats, PrefixStats) -> Bool {
        let descending = query.order == .descending
        func compare<Value: Comparable>(
            _ value: @escaping (PrefixStats) -> Value
        ) -> (PrefixStats, PrefixStats) -> Bool {
            { left, right in
                let a = value(left)
                let b = value(right)
                if a != b { return descending ? a > b : a < b }
                return left.prefix < right.prefix
            }
        }
        switch query.sort {
        case .user: return compare { $0.user ?? "" }
        case .keys: return compare(\.keys)
        case .bytes: return compare(\.bytes)
        case .hits: return compare { $0[.hits] }
        case .misses: return compare { $0[.misses] }
        case .expiringSoon: return compare(\.expiringSoon)
        case .lastPurge: return compare { $0.lastPurgeAt ?? .distantPast }
        case .hitRatio: return compare { $0.hitRatio ?? -1 }
        }
    }
}
