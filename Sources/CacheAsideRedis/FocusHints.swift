import CacheAdminAPI

/// Where the last queries found their focused prefixes, by sort, order and prefix: the prefix's
/// score, each partition's rank, and the page's prefixes. The monitor sends the same focus on
/// every refresh while a row is selected, and a rank moves little in a second, so the next summary
/// looks there first (one `ZRANGE` per partition, checked by the script) instead of searching the
/// index (see ``RedisScripts/summary``), and the last page's rows are read at the same time, as
/// most often the page is the same. A hint that is wrong only costs that search, or those rows.
struct FocusHints: Sendable {
    struct Hint: Sendable {
        /// The focused prefix's score in the sort's index.
        var score: String
        /// Whether that score was also the one of the query before.
        var steady = false
        /// Each partition's rank of the focused prefix.
        var ranks: [Int]
        /// The page's prefixes.
        var page: [String]
        /// How many of the page's entries each partition held before the focused one, and from it on.
        var behind: [Int]
        var ahead: [Int]

        /// The hint a focused page leaves: `before` of its entries come before the focused one.
        init(score: String, ranks: [Int], page: [StatsEntry], before: Int) {
            self.score = score
            self.ranks = ranks
            self.page = page.map(\.prefix)
            behind = [Int](repeating: 0, count: ranks.count)
            ahead = behind
            for (position, entry) in page.enumerated() where ranks.indices.contains(entry.partition) {
                if position < before { behind[entry.partition] += 1 } else { ahead[entry.partition] += 1 }
            }
        }

        /// How many entries a partition reads before its hint and from it on: what the last page
        /// took from there, and ``margin`` more each side for the moves since.
        func reads(_ partition: Int) -> (behind: Int, ahead: Int) {
            (behind[partition] + Self.margin, ahead[partition] + Self.margin)
        }

        /// How far, in places, a focused prefix or its page's edges may move in a partition between
        /// two queries and still be read with one `ZRANGE`.
        static let margin = 4
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

    /// The score of `key`'s focused prefix when it was the same the last two times.
    func steadyScore(_ key: String) -> String? {
        guard let hint = entries[key], hint.steady else { return nil }
        return hint.score
    }

    mutating func remember(_ key: String, _ hint: Hint) {
        if entries[key] == nil, entries.count >= Self.capacity { entries.removeAll() }
        var hint = hint
        hint.steady = entries[key]?.score == hint.score
        entries[key] = hint
    }
}
