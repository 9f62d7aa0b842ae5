import CacheAdminAPI

/// Sorted views of the prefixes, one per sort column and direction, made at the first query that
/// needs one and kept up to date from then on, so a page, a deep page or the page of one prefix
/// costs O(√prefixes + page) instead of a pass over every prefix.
///
/// The hit path only marks a prefix as changed (a flag and an append); the views take the changes
/// in at the next query or sweep. A view no query has used for ``indexRetentionNanoseconds`` is
/// dropped, so a store nobody watches pays nothing.
extension MemoryStorage {
    static var indexRetentionNanoseconds: Int64 { 600 * 1_000_000_000 }

    /// Where the view of `sort` in `order` lives in ``indexes``.
    static func indexSlot(_ sort: StatsQuery.Sort, _ order: StatsQuery.Order) -> Int {
        let column = StatsQuery.Sort.allCases.firstIndex(of: sort) ?? 0
        return column * 2 + (order == .descending ? 1 : 0)
    }

    static var indexSlotCount: Int { StatsQuery.Sort.allCases.count * 2 }

    private static func column(ofSlot slot: Int) -> (StatsQuery.Sort, StatsQuery.Order) {
        (StatsQuery.Sort.allCases[slot / 2], slot % 2 == 1 ? .descending : .ascending)
    }

    /// The figures of a record as they are now.
    func currentFigures(_ record: Int) -> IndexedFigures {
        let item = records[record]
        return IndexedFigures(
            hits: item.counters[.hits], misses: item.counters[.misses], keys: item.entries.count, bytes: item.bytes,
            expiringSoon: item.expiringSoon, lastPurgeAt: item.lastPurgeAt)
    }

    private func entry(slot: Int, record: Int, figures: IndexedFigures) -> PrefixIndexEntry {
        let (sort, order) = Self.column(ofSlot: slot)
        let item = records[record]
        return figures.entry(sort, order, user: item.prefix.user, prefix: item.prefix.rawValue, record: Int32(record))
    }

    /// Notes that a record's figures changed; O(1), called on the hit path.
    mutating func markChanged(_ record: Int) {
        guard activeIndexes > 0, !records[record].changed else { return }
        records[record].changed = true
        changedRecords.append(Int32(record))
    }

    /// Puts a new record in every view.
    mutating func indexNewRecord(_ record: Int) {
        guard activeIndexes > 0 else { return }
        let figures = currentFigures(record)
        records[record].indexed = figures
        for slot in indexes.indices where indexes[slot] != nil {
            let new = entry(slot: slot, record: record, figures: figures)
            indexes[slot]?.insert(new)
        }
    }

    /// Takes a record out of every view (before it is forgotten or moved).
    mutating func unindex(_ record: Int) {
        guard let figures = records[record].indexed else { return }
        for slot in indexes.indices where indexes[slot] != nil {
            let old = entry(slot: slot, record: record, figures: figures)
            indexes[slot]?.remove(old)
        }
        records[record].indexed = nil
    }

    /// Moves the changed records to their new places in every view.
    mutating func applyChanges() {
        for index in changedRecords {
            let record = Int(index)
            guard record < records.count, records[record].changed else { continue }
            records[record].changed = false
            let figures = currentFigures(record)
            guard let old = records[record].indexed, old != figures else { continue }
            for slot in indexes.indices where indexes[slot] != nil {
                let before = entry(slot: slot, record: record, figures: old)
                let after = entry(slot: slot, record: record, figures: figures)
                indexes[slot]?.remove(before)
                indexes[slot]?.insert(after)
            }
            records[record].indexed = figures
        }
        changedRecords.removeAll(keepingCapacity: changedRecords.count < 65_536)
    }

    /// The view of `sort` in `order`, made now if no query asked for it before.
    mutating func index(_ sort: StatsQuery.Sort, _ order: StatsQuery.Order, now: Int64) -> RankedList<PrefixIndexEntry>
    {
        applyChanges()
        let slot = Self.indexSlot(sort, order)
        indexUsedAt[slot] = now
        if let list = indexes[slot] { return list }
        if activeIndexes == 0 {
            for record in records.indices { records[record].indexed = currentFigures(record) }
        }
        var entries: [PrefixIndexEntry] = []
        entries.reserveCapacity(records.count)
        for record in records.indices {
            entries.append(
                entry(slot: slot, record: record, figures: records[record].indexed ?? currentFigures(record)))
        }
        entries.sort()
        let list = RankedList(sorted: entries)
        indexes[slot] = list
        activeIndexes += 1
        return list
    }

    /// Takes changes in and drops the views no query has used for a while; called by the sweep.
    mutating func maintainIndexes(now: Int64) {
        guard activeIndexes > 0 else { return }
        applyChanges()
        for slot in indexes.indices
        where indexes[slot] != nil && now - indexUsedAt[slot] > Self.indexRetentionNanoseconds {
            indexes[slot] = nil
            activeIndexes -= 1
        }
        guard activeIndexes == 0 else { return }
        for record in records.indices { records[record].indexed = nil }
    }
}
