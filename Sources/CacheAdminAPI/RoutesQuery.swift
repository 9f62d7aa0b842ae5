/// Which page of routes ``RoutesSnapshot`` holds.
public struct RoutesQuery: Codable, Sendable, Equatable {
    /// The column routes are ordered by.
    public enum Sort: String, Codable, Sendable, CaseIterable {
        case route, hits, misses, hitRatio, keys, bytes, missCost, saved
    }

    /// The column to sort by.
    public var sort: Sort
    /// The direction; ties are broken by route, ascending.
    public var order: StatsQuery.Order
    /// How many routes to return, 1 to ``StatsQuery/maximumLimit``.
    public var limit: Int
    /// How many to skip.
    public var offset: Int
    /// Keeps only routes whose template contains this text (ignoring case).
    public var filter: String?

    /// Creates a query; by default the 50 routes that save the most computation.
    public init(
        sort: Sort = .saved, order: StatsQuery.Order = .descending, limit: Int = 50, offset: Int = 0,
        filter: String? = nil
    ) {
        self.sort = sort
        self.order = order
        self.limit = limit
        self.offset = offset
        self.filter = filter
    }

    /// Checks the limits a server enforces.
    public func validate() throws(StatsQueryError) {
        guard (1...StatsQuery.maximumLimit).contains(limit) else { throw .limitOutOfRange(limit) }
        guard offset >= 0 else { throw .negativeOffset(offset) }
    }

    /// Sorts, filters and pages `routes`; returns the page and how many matched.
    public func apply(to routes: [RouteStats]) -> (page: [RouteStats], count: Int) {
        let needle = filter?.lowercased() ?? ""
        let kept = needle.isEmpty ? routes : routes.filter { $0.route.lowercased().contains(needle) }
        let sorted = kept.sorted { left, right in
            let (a, b) = order == .ascending ? (left, right) : (right, left)
            switch compare(a, b) {
            case .some(let less): return less
            case .none: return left.route < right.route
            }
        }
        return (Array(sorted.dropFirst(min(offset, sorted.count)).prefix(limit)), kept.count)
    }

    /// Whether `a` orders before `b` by the sort column, or `nil` on a tie.
    private func compare(_ a: RouteStats, _ b: RouteStats) -> Bool? {
        func by<T: Comparable>(_ x: T, _ y: T) -> Bool? { x == y ? nil : x < y }
        switch sort {
        case .route: return by(a.route, b.route)
        case .hits: return by(a.hits, b.hits)
        case .misses: return by(a.misses, b.misses)
        case .hitRatio: return by(a.hitRatio ?? -1, b.hitRatio ?? -1)
        case .keys: return by(a.keys, b.keys)
        case .bytes: return by(a.bytes, b.bytes)
        case .missCost: return by(a.missCostP50Seconds ?? -1, b.missCostP50Seconds ?? -1)
        case .saved: return by(a.savedSeconds, b.savedSeconds)
        }
    }
}
