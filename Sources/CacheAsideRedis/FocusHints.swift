import CacheAdminAPI

/// Where the last queries found their focused prefixes, by sort, order and prefix: each
/// partition's rank, and the page's prefixes. The monitor sends the same focus on every refresh
/// while a row is selected, and a rank moves little in a second, so the next summary looks there
/// first (one `ZRANGE` per partition, checked by the script) instead of searching the index (see
/// ``RedisScripts/summary``), and the last page's rows are read at the same time, as most often
/// the page is the same. A hint that is wrong only costs that search, or those rows.
struct FocusHints: Sendable {
    struct Hint: Sendable {
        var ranks: [Int]
        var page: [String]
    }

    private var entries: [String: Hint] = [:]

    /// The most focuses remembered; beyond it the hints start over (a monitor keeps one).
    static let capacity = 64

    static func key(sort: StatsQuery.Sort, order: IndexOrder, member: String) -> String {
        "\(sort.rawValue) \(order.rawValue) \(member)"
    }

    /// What the last query on `key` found, if its ranks cover `partitions` partitions.
    func hint(_ key: String, partitions: Int) -> Hint? {
        guard let hint = entries[key], hint.ranks.count == partitions else { return nil }
        return hint
    }

    mutating func remember(_ key: String, _ hint: Hint) {
        if entries[key] == nil, entries.count >= Self.capacity { entries.removeAll() }
        entries[key] = hint
    }
}
