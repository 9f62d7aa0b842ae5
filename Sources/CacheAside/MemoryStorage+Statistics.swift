extension MemoryStorage {
    /// Totals and one page of prefixes in O(prefixes × log(offset + limit)); entries are never visited.
    func statistics(_ query: StatsQuery, now: Int64, clock: CacheClock) -> StoreStatistics {
        let needle = query.filter.flatMap { $0.isEmpty ? nil : $0.lowercased() }
        let precedes = ordering(for: query)
        func matches(_ index: Int) -> Bool {
            guard let needle else { return true }
            return records[index].foldedUser?.contains(needle) ?? false
        }
        var offset = query.offset
        if let focus = query.focus, let focused = prefixIndex[focus].map(Int.init), matches(focused) {
            // The focused prefix's rank is how many matching prefixes come before it: O(prefixes).
            let rank = records.indices.reduce(0) { $0 + (matches($1) && precedes($1, focused) ? 1 : 0) }
            offset = rank / query.limit * query.limit
        }
        var best = TopSelection(capacity: offset + query.limit, precedes: precedes)
        var matching = 0
        for index in records.indices where matches(index) {
            matching += 1
            best.offer(index)
        }
        let page = best.sorted().dropFirst(offset).map { prefixStats($0, clock: clock) }
        return StoreStatistics(
            totals: CacheTotals(counters: totals, keys: keys, bytes: bytes, expiringSoon: expiringSoon),
            prefixCount: matching,
            prefixes: page, uptimeSeconds: Double(now) / 1e9, offset: offset)
    }

    func prefixStats(_ index: Int, clock: CacheClock) -> PrefixStats {
        let record = records[index]
        return PrefixStats(
            prefix: record.prefix.rawValue, user: record.prefix.user, keys: record.entries.count, bytes: record.bytes,
            counters: record.counters, expiringSoon: record.expiringSoon,
            lastPurgeAt: record.lastPurgeAt.map(clock.date(at:)), generation: record.generation)
    }

    /// "Comes first in the answer", with ties broken by prefix so pages never overlap.
    private func ordering(for query: StatsQuery) -> (Int, Int) -> Bool {
        let descending = query.order == .descending
        func compare<Value: Comparable>(_ value: @escaping (PrefixRecord) -> Value) -> (Int, Int) -> Bool {
            { left, right in
                let a = value(records[left])
                let b = value(records[right])
                if a != b { return descending ? a > b : a < b }
                return records[left].prefix.rawValue < records[right].prefix.rawValue
            }
        }
        switch query.sort {
        case .user: return compare { $0.prefix.user ?? "" }
        case .keys: return compare { $0.entries.count }
        case .bytes: return compare { $0.bytes }
        case .hits: return compare { $0.counters[.hits] }
        case .misses: return compare { $0.counters[.misses] }
        case .expiringSoon: return compare { $0.expiringSoon }
        case .lastPurge: return compare { $0.lastPurgeAt ?? .min }
        case .hitRatio:
            return compare { record in
                record.counters.hitRatio ?? -1
            }
        }
    }
}
