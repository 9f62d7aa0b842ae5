import CacheAside
import NIOCore
import RESP

/// The page that holds a focused prefix (see ``RedisStore/statistics(_:)``).
extension RedisStore {
    /// How many entries before and after the focused one's rank each partition reads with the
    /// summary. With one partition, the whole page. With more, a page's entries spread over them:
    /// a partition holds about `limit / partitions` of it on each side, and six more so rarely (1 %
    /// of pages with 32 partitions and pages of 50) that the round it then takes to read the page
    /// costs less than reading more on every focus.
    static func focusReach(limit: Int, partitions: Int) -> Int {
        min(limit, limit / max(1, partitions) + 6)
    }

    /// The page around a cut (`ranks`: how many entries of each partition come before the focused
    /// one) that holds `before` entries before it, from each partition's entries around its cut
    /// (`windows`, from the summary); `nil` when a partition may hold an entry of that page it did
    /// not bring.
    ///
    /// The page is the `before` last of the entries ahead of the cuts and the `limit - before`
    /// first of the others, merged from each partition's entries (which come in the order). A
    /// partition that has entries before those it brought holds none of the page while the first
    /// it brought is not after the page's first entry; one that has entries after those it
    /// brought, while the last it brought is not before the page's last.
    static func focusedPage(
        _ windows: [(start: Int, entries: [StatsEntry])], ranks: [Int], sizes: [Int], order: IndexOrder,
        before: Int, limit: Int
    ) -> [StatsEntry]? {
        guard windows.count == ranks.count, windows.count == sizes.count else { return nil }
        // Each partition's brought entries split at its cut: `ahead[p] ..< cuts[p]` before it,
        // `cuts[p] ..< count` after; both in the order, as read.
        var cuts: [Int] = []
        // The first entry brought by each partition that has earlier ones, and the last by each
        // that has later ones: beyond those, a partition's entries are unknown.
        var earliest: [StatsEntry] = []
        var latest: [StatsEntry] = []
        for (partition, window) in windows.enumerated() {
            let rank = ranks[partition]
            let end = window.start + window.entries.count
            cuts.append(min(max(0, rank - window.start), window.entries.count))
            if window.start > 0 {
                guard let first = window.entries.first, window.start < rank else { return nil }
                earliest.append(first)
            }
            if end < sizes[partition] {
                guard let last = window.entries.last, end > rank else { return nil }
                latest.append(last)
            }
        }
        // The page's part before the cuts, from the nearest back; then its part from the cuts on.
        var head: [StatsEntry] = []
        var next = cuts
        while head.count < before {
            var best: Int?
            for partition in windows.indices where next[partition] > 0 {
                let candidate = windows[partition].entries[next[partition] - 1]
                if let chosen = best, !order.precedes(windows[chosen].entries[next[chosen] - 1], candidate) {
                    continue
                }
                best = partition
            }
            guard let chosen = best else { break }
            next[chosen] -= 1
            head.append(windows[chosen].entries[next[chosen]])
        }
        head.reverse()
        var tail: [StatsEntry] = []
        next = cuts
        while tail.count < limit - before {
            var best: Int?
            for partition in windows.indices where next[partition] < windows[partition].entries.count {
                let candidate = windows[partition].entries[next[partition]]
                if let chosen = best, !order.precedes(candidate, windows[chosen].entries[next[chosen]]) { continue }
                best = partition
            }
            guard let chosen = best else { break }
            tail.append(windows[chosen].entries[next[chosen]])
            next[chosen] += 1
        }
        if head.count < before, !earliest.isEmpty { return nil }
        if let first = head.first, earliest.contains(where: { order.precedes(first, $0) }) { return nil }
        if tail.count < limit - before, !latest.isEmpty { return nil }
        if let last = tail.last, latest.contains(where: { order.precedes($0, last) }) { return nil }
        return head + tail
    }

    /// The page around a cut (`ranks`: how many entries of each partition come before the focused
    /// one) that holds `before` entries before it: in one round, each partition's `limit` entries
    /// from `before` ahead of its cut. The `before` last of those ahead of the cuts, merged, and
    /// the `limit - before` first of the others are the page, as no partition can give more of
    /// either.
    func focusWindow(
        _ sort: StatsQuery.Sort, order: IndexOrder, ranks: [Int], before: Int, limit: Int
    ) async throws -> [StatsEntry] {
        let starts = ranks.map { max(0, $0 - before) }
        let answers = try await ranges(sort, order: order, ranks.indices.map { ($0, starts[$0], limit) })
        var ahead: [StatsEntry] = []
        var after: [StatsEntry] = []
        for (partition, answer) in answers.enumerated() {
            for (position, entry) in try Self.entries(answer, partition: partition).enumerated() {
                if starts[partition] + position < ranks[partition] {
                    ahead.append(entry)
                } else {
                    after.append(entry)
                }
            }
        }
        ahead.sort(by: order.precedes)
        after.sort(by: order.precedes)
        return Array(ahead.suffix(before)) + Array(after.prefix(limit - before))
    }

    /// The most entries a focused page reads around its cut in one round (partitions × limit);
    /// with more partitions it starts from a pivot instead.
    static let windowEntries = 4096

}
