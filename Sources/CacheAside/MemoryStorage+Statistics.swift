extension MemoryStorage {
    /// Totals and one page of prefixes from the sorted view of the query's column: O(√prefixes +
    /// page) for a page at any offset and for the page of a focused prefix. A filter costs one
    /// pass over the prefixes' user ids and a walk of the view up to the page; entries are never visited.
    mutating func statistics(_ query: StatsQuery, now: Int64, clock: CacheClock) -> StoreStatistics {
        let view = index(query.sort, query.order, now: now)
        let needle = query.filter.flatMap { $0.isEmpty ? nil : $0.lowercased() }
        let focused: PrefixIndexEntry? = query.focus.flatMap { focus in
            guard let record = prefixIndex[focus].map(Int.init), let figures = records[record].indexed else {
                return nil
            }
            return entry(for: query, record: record, figures: figures)
        }
        var offset = query.offset
        var page: [Int] = []
        let matching: Int
        if let needle {
            var matches = [Bool](repeating: false, count: records.count)
            var count = 0
            for record in records.indices where records[record].foldedUser?.contains(needle) ?? false {
                matches[record] = true
                count += 1
            }
            matching = count
            if let focused, matches[Int(focused.record)] {
                // The focused prefix's rank among the matching ones: a walk of the view up to it.
                var rank = 0
                view.forEach(from: 0) { entry in
                    guard entry != focused else { return false }
                    if matches[Int(entry.record)] { rank += 1 }
                    return true
                }
                offset = rank / query.limit * query.limit
            }
            var skipped = 0
            view.forEach(from: 0) { entry in
                guard matches[Int(entry.record)] else { return true }
                if skipped < offset {
                    skipped += 1
                } else {
                    page.append(Int(entry.record))
                }
                return page.count < query.limit
            }
        } else {
            matching = records.count
            if let focused {
                offset = view.rank(of: focused) / query.limit * query.limit
            }
            page = view.elements(from: offset, limit: query.limit).map { Int($0.record) }
        }
        return StoreStatistics(
            totals: CacheTotals(counters: totals, keys: keys, bytes: bytes, expiringSoon: expiringSoon),
            prefixCount: matching,
            prefixes: page.map { prefixStats($0, clock: clock) }, uptimeSeconds: Double(now) / 1e9, offset: offset)
    }

    private func entry(for query: StatsQuery, record: Int, figures: IndexedFigures) -> PrefixIndexEntry {
        let item = records[record]
        return figures.entry(
            query.sort, query.order, user: item.prefix.user, prefix: item.prefix.rawValue, record: Int32(record))
    }

    func prefixStats(_ index: Int, clock: CacheClock) -> PrefixStats {
        let record = records[index]
        return PrefixStats(
            prefix: record.prefix.rawValue, user: record.prefix.user, keys: record.entries.count, bytes: record.bytes,
            counters: record.counters, expiringSoon: record.expiringSoon,
            lastPurgeAt: record.lastPurgeAt.map(clock.date(at:)), generation: record.generation)
    }
}
