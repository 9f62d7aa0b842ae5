extension MemoryStorage {
    /// Totals and one page of prefixes from the sorted view of the query's column: O(√prefixes +
    /// page) for a page at any offset and for the page of a focused prefix. A filter costs one
    /// pass over the prefixes' user ids, then a sort of the matches when they are few, or a walk of
    /// the view up to the page when they are many; entries are never visited.
    mutating func statistics(_ query: StatsQuery, now: Int64, clock: CacheClock) -> StoreStatistics {
        let view = index(query.sort, query.order, now: now)
        let filter = UserFilter(query.filter)
        let focused: PrefixIndexEntry? = query.focus.flatMap { focus in
            guard let record = prefixIndex[focus].map(Int.init), let figures = records[record].indexed else {
                return nil
            }
            return entry(for: query, record: record, figures: figures)
        }
        var offset = query.offset
        var page: [Int] = []
        let matching: Int
        if let filter {
            var matches = [Bool](repeating: false, count: records.count)
            var matched: [Int32] = []
            for record in records.indices where filter.matches(records[record].foldedUser) {
                matches[record] = true
                matched.append(Int32(record))
            }
            matching = matched.count
            if matched.count <= sortedFilterLimit {
                // Few matches: sort them, instead of walking the whole view to find them.
                var entries: [PrefixIndexEntry] = []
                entries.reserveCapacity(matched.count)
                for record in matched.map(Int.init) {
                    entries.append(
                        entry(for: query, record: record, figures: records[record].indexed ?? currentFigures(record)))
                }
                entries.sort()
                if let focused, matches[Int(focused.record)], let rank = entries.firstIndex(of: focused) {
                    offset = rank / query.limit * query.limit
                }
                page = entries.dropFirst(offset).prefix(query.limit).map { Int($0.record) }
            } else if let focused, matches[Int(focused.record)] {
                // The focused prefix's rank among the matching ones: a walk of the view up to it.
                var rank = 0
                view.forEach(from: 0) { entry in
                    guard entry != focused else { return false }
                    if matches[Int(entry.record)] { rank += 1 }
                    return true
                }
                offset = rank / query.limit * query.limit
            }
            if matched.count > sortedFilterLimit {
                page = walk(view, matches: matches, offset: offset, limit: query.limit)
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

    /// Up to this many matches of a filter are sorted on their own; more are found by walking the
    /// view (a walk costs a few nanoseconds per prefix, a sort about a hundred per match and level).
    var sortedFilterLimit: Int { min(50_000, max(64, records.count / 8)) }

    /// The records of the page after the first `offset` matching ones, in the view's order.
    private func walk(_ view: RankedList<PrefixIndexEntry>, matches: [Bool], offset: Int, limit: Int) -> [Int] {
        var page: [Int] = []
        var skipped = 0
        view.forEach(from: 0) { entry in
            guard matches[Int(entry.record)] else { return true }
            if skipped < offset {
                skipped += 1
            } else {
                page.append(Int(entry.record))
            }
            return page.count < limit
        }
        return page
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
