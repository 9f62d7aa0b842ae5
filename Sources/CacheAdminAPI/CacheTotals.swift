/// Counters and gauges for a whole cache, as returned in ``StatsSnapshot/totals``.
///
/// Counters are monotonic since the store started; a monitor derives rates from the difference
/// between two snapshots (and treats a counter that goes down as a restart).
public struct CacheTotals: Codable, Sendable, Equatable {
    /// Lookups answered from the cache.
    public var hits: UInt64
    /// Lookups that had to compute the value (including those served uncached while the store failed).
    public var misses: UInt64
    /// Values written to the store.
    public var sets: UInt64
    /// Writes dropped because a purge happened while the value was being computed.
    public var staleSetsRejected: UInt64
    /// Entries removed because their time to live ran out.
    public var expirations: UInt64
    /// Entries removed to stay within the byte budget.
    public var evictions: UInt64
    /// Purges of a prefix.
    public var purges: UInt64
    /// Entries removed by purges.
    public var purgedKeys: UInt64
    /// Store operations that failed (the request was still served, uncached).
    public var errors: UInt64
    /// Entries held now.
    public var keys: Int
    /// Bytes held now: keys, values and bookkeeping.
    public var bytes: Int
    /// Entries whose time to live ends within the store's horizon (60 s by default).
    public var expiringSoon: Int

    /// Creates totals; every field defaults to zero.
    public init(
        hits: UInt64 = 0, misses: UInt64 = 0, sets: UInt64 = 0, staleSetsRejected: UInt64 = 0,
        expirations: UInt64 = 0, evictions: UInt64 = 0, purges: UInt64 = 0, purgedKeys: UInt64 = 0,
        errors: UInt64 = 0, keys: Int = 0, bytes: Int = 0, expiringSoon: Int = 0
    ) {
        self.hits = hits
        self.misses = misses
        self.sets = sets
        self.staleSetsRejected = staleSetsRejected
        self.expirations = expirations
        self.evictions = evictions
        self.purges = purges
        self.purgedKeys = purgedKeys
        self.errors = errors
        self.keys = keys
        self.bytes = bytes
        self.expiringSoon = expiringSoon
    }

    /// Hits over hits plus misses, or `nil` before the first lookup.
    public var hitRatio: Double? {
        let lookups = hits + misses
        return lookups == 0 ? nil : Double(hits) / Double(lookups)
    }
}
