import CacheAdminAPI

/// What a prefix's entries in the sorted views were made from, so they can be found and replaced.
struct IndexedFigures: Sendable, Equatable {
    var hits: UInt64
    var misses: UInt64
    var keys: Int
    var bytes: Int
    var expiringSoon: Int
    var lastPurgeAt: Int64?

    /// The entry for `sort` in `order`.
    func entry(
        _ sort: StatsQuery.Sort, _ order: StatsQuery.Order, user: String?, prefix: String, record: Int32
    ) -> PrefixIndexEntry {
        var number: UInt64 = 0
        var text = ""
        switch sort {
        case .user: text = user ?? ""
        case .keys: number = PrefixIndexEntry.ordered(Int64(keys))
        case .bytes: number = PrefixIndexEntry.ordered(Int64(bytes))
        case .hits: number = hits
        case .misses: number = misses
        case .expiringSoon: number = PrefixIndexEntry.ordered(Int64(expiringSoon))
        case .lastPurge: number = PrefixIndexEntry.ordered(lastPurgeAt ?? .min)
        case .hitRatio:
            let lookups = hits + misses
            number = PrefixIndexEntry.ordered(lookups == 0 ? -1 : Double(hits) / Double(lookups))
        }
        let descending = order == .descending
        return PrefixIndexEntry(
            number: descending ? ~number : number, text: text, descendingText: descending, prefix: prefix,
            record: record)
    }
}
