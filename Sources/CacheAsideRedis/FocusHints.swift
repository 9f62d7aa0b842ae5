import CacheAdminAPI

/// Where the last queries found their focused prefixes, by sort, order and prefix: the prefix's
/// score, each partition's rank, and the page. The monitor sends the same focus on every refresh
/// while a row is selected, and a rank moves little in a second, so the next summary looks there
/// first (one `ZRANGE` per partition, checked by the script) instead of searching the index (see
/// ``RedisScripts/summary``), and the last page's rows are read at the same time, as most often
/// the page is the same. A selection moved to another row of the same page (an arrow key) finds
/// its place from the last page of that sort and order (``neighbour(_:partitions:)``). A hint
/// that is wrong only costs that search, or those rows.
struct FocusHints: Sendable {
    /// A focus: the sort and order, and the focused prefix's member in the sort's index.
    struct Key: Hashable, Sendable {
        var sort: StatsQuery.Sort
        var order: IndexOrder
        var member: String
    }

    struct Hint: Sendable {
        /// The focused prefix's score in the sort's index.
        let score: String
        /// Whether that score was also the one read the time before.
        var steady = false
        /// Each partition's rank of the focused prefix.
        let ranks: [Int]
        /// The page's entries, and how many of them come before the focused one.
        let page: [StatsEntry]
        let before: Int
        /// How many of the page's entries each partition held before the focused one, and from it
        /// on: made from `page` and `before` once, as every query reads them for each partition.
        let behind: [Int]
        let ahead: [Int]

        /// The hint a focused page leaves: `before` of its entries come before the focused one.
        init(score: String, ranks: [Int], page: [StatsEntry], before: Int) {
            self.score = score
            self.ranks = ranks
            self.page = page
            self.before = before
            var behind = [Int](repeating: 0, count: ranks.count)
            var ahead = behind
            for (position, entry) in page.enumerated() where ranks.indices.contains(entry.partition) {
                if position < before { behind[entry.partition] += 1 } else { ahead[entry.partition] += 1 }
            }
            self.behind = behind
            self.ahead = ahead
        }

        /// The page's prefixes.
        var prefixes: [String] { page.map(\.prefix) }

        /// The hint for the page's entry at `position` instead, as the same query would have left
        /// it: that entry's score, and each partition's rank moved by the page's entries between
        /// the two.
        func moved(to position: Int) -> Hint {
            var ranks = ranks
            // `before` may pass the page's end when the focused prefix left the index meanwhile.
            let between = min(position, before, page.count)..<min(max(position, before), page.count)
            for entry in page[between] where ranks.indices.contains(entry.partition) {
                ranks[entry.partition] += position > before ? 1 : -1
            }
            return Hint(score: page[position].scoreText, ranks: ranks, page: page, before: position)
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

    private var entries: [Key: Hint] = [:]
    /// The focus remembered last in each sort and order (keyed with an empty member).
    private var latest: [Key: Key] = [:]

    /// The most focuses remembered; beyond it the hints start over (a monitor keeps one).
    static let capacity = 64

    /// What the last query on `key` found, if its ranks cover `partitions` partitions.
    func hint(_ key: Key, partitions: Int) -> Hint? {
        guard let hint = entries[key], hint.ranks.count == partitions else { return nil }
        return hint
    }

    /// For a focus not remembered whose prefix was on the page of the focus remembered last in
    /// the same sort and order (the selection moved within the page): the hint that page gives
    /// for it, with the score it had there.
    func neighbour(_ key: Key, partitions: Int) -> Hint? {
        guard entries[key] == nil, let last = latest[Self.group(key)], let hint = entries[last],
            hint.ranks.count == partitions, let position = hint.page.firstIndex(where: { $0.member == key.member })
        else { return nil }
        return hint.moved(to: position)
    }

    /// The score of `key`'s focused prefix when it was the same the last two times it was read.
    func steadyScore(_ key: Key) -> String? {
        guard let hint = entries[key], hint.steady else { return nil }
        return hint.score
    }

    mutating func remember(_ key: Key, _ hint: Hint) {
        if entries[key] == nil, entries.count >= Self.capacity {
            entries.removeAll()
            latest.removeAll()
        }
        var hint = hint
        hint.steady = entries[key]?.score == hint.score
        entries[key] = hint
        latest[Self.group(key)] = key
    }

    /// `score`, read again, is the one `key` was last remembered with (read earlier on a
    /// neighbour's page): the score held still.
    mutating func confirm(_ key: Key, score: String) {
        if entries[key]?.score == score { entries[key]?.steady = true }
    }

    private static func group(_ key: Key) -> Key { Key(sort: key.sort, order: key.order, member: "") }
}
