/// Which page of prefixes ``StatsSnapshot`` holds: order, filter and position.
///
/// ```swift
/// let top = StatsQuery(sort: .hits, limit: 50)
/// let mine = StatsQuery(sort: .keys, order: .ascending, filter: "42")
/// ```
public struct StatsQuery: Codable, Sendable, Equatable {
    /// The column prefixes are ordered by.
    public enum Sort: String, Codable, Sendable, CaseIterable {
        case user, keys, bytes, hits, misses, hitRatio, expiringSoon, lastPurge
    }

    /// The direction of the order.
    public enum Order: String, Codable, Sendable, CaseIterable {
        case ascending = "asc"
        case descending = "desc"
    }

    /// The largest page a query may ask for.
    public static let maximumLimit = 1000

    /// The column to sort by.
    public var sort: Sort
    /// The direction; ties are broken by prefix, ascending, so pages are stable.
    public var order: Order
    /// How many prefixes to return, 1 to ``maximumLimit``.
    public var limit: Int
    /// How many prefixes to skip, 0 or more.
    public var offset: Int
    /// Keeps only users whose id contains this text (ignoring case); `nil` or empty keeps all.
    public var filter: String?
    /// A prefix to keep in view: when it matches the filter, the answer is the page (aligned to
    /// `limit`) that holds it, whatever `offset` says. A monitor sends its selection here so the
    /// selection stays on screen across refreshes and re-sorts.
    public var focus: String?

    /// Creates a query; by default the 50 prefixes with the most hits.
    public init(
        sort: Sort = .hits, order: Order = .descending, limit: Int = 50, offset: Int = 0, filter: String? = nil,
        focus: String? = nil
    ) {
        self.sort = sort
        self.order = order
        self.limit = limit
        self.offset = offset
        self.filter = filter
        self.focus = focus
    }

    /// Checks the limits a server enforces.
    ///
    /// - Throws: ``StatsQueryError`` naming the field that is out of range.
    public func validate() throws(StatsQueryError) {
        guard (1...Self.maximumLimit).contains(limit) else { throw .limitOutOfRange(limit) }
        guard offset >= 0 else { throw .negativeOffset(offset) }
    }
}

/// Why a ``StatsQuery`` or a page request was refused.
public enum StatsQueryError: Error, Sendable, Equatable, CustomStringConvertible {
    case limitOutOfRange(Int)
    case negativeOffset(Int)

    public var description: String {
        switch self {
        case .limitOutOfRange(let limit):
            "limit must be between 1 and \(StatsQuery.maximumLimit), got \(limit)"
        case .negativeOffset(let offset):
            "offset must be 0 or more, got \(offset)"
        }
    }
}
