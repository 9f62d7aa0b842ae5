import CacheAdminAPI

/// Where the last queries found their focused prefixes, by sort, order and prefix: each
/// partition's rank. The monitor sends the same focus on every refresh while a row is selected,
/// and a rank moves little in a second, so the next summary looks there first (one `ZRANGE` per
/// partition, checked by the script) instead of searching the index (see
/// ``RedisScripts/summary``). A hint that is wrong only costs that search.
struct FocusHints: Sendable {
    private var entries: [String: [Int]] = [:]

    /// The most focuses remembered; beyond it the hints start over (a monitor keeps one).
    static let capacity = 64

    static func key(sort: StatsQuery.Sort, order: IndexOrder, member: String) -> String {
        "\(sort.rawValue) \(order.rawValue) \(member)"
    }

    /// The ranks last found for `key`, if they cover `partitions` partitions.
    func ranks(_ key: String, partitions: Int) -> [Int]? {
        guard let ranks = entries[key], ranks.count == partitions else { return nil }
        return ranks
    }

    mutating func remember(_ key: String, ranks: [Int]) {
        if entries[key] == nil, entries.count >= Self.capacity { entries.removeAll() }
        entries[key] = ranks
    }
}
