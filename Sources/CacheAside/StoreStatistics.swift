/// What a store reports for ``CacheStore/statistics(_:)``; ``CacheAside`` turns it into a ``StatsSnapshot``.
public struct StoreStatistics: Sendable, Equatable {
    /// Counters and gauges of the whole store.
    public var totals: CacheTotals
    /// How many prefixes match the query's filter.
    public var prefixCount: Int
    /// The requested page.
    public var prefixes: [PrefixStats]
    /// Seconds since the store started.
    public var uptimeSeconds: Double
    /// The offset of the page returned (moved by ``StatsQuery/focus``).
    public var offset: Int
    /// Whether the store stopped looking before it saw everything (a filter that ran out of
    /// time): ``prefixCount`` is then a lower bound and the page the best found so far.
    public var partial: Bool

    /// Creates store statistics.
    public init(
        totals: CacheTotals, prefixCount: Int, prefixes: [PrefixStats], uptimeSeconds: Double, offset: Int,
        partial: Bool = false
    ) {
        self.totals = totals
        self.prefixCount = prefixCount
        self.prefixes = prefixes
        self.uptimeSeconds = uptimeSeconds
        self.offset = offset
        self.partial = partial
    }
}
