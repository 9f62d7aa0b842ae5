import Foundation

/// What one prefix (one user's slice of the cache) holds and has done.
public struct PrefixStats: Codable, Sendable, Equatable {
    /// The full prefix, for example `api:{u:42}`.
    public var prefix: String
    /// The user the prefix belongs to, unescaped; `nil` for the shared public prefix.
    public var user: String?
    /// Entries held now.
    public var keys: Int
    /// Bytes held now.
    public var bytes: Int
    /// Lookups answered from this prefix.
    public var hits: UInt64
    /// Lookups in this prefix that had to compute.
    public var misses: UInt64
    /// Values written to this prefix.
    public var sets: UInt64
    /// Late writes dropped by generation fencing.
    public var staleSetsRejected: UInt64
    /// Entries that expired.
    public var expirations: UInt64
    /// Entries evicted to stay within the byte budget.
    public var evictions: UInt64
    /// Times this prefix was purged.
    public var purges: UInt64
    /// Entries whose time to live ends within the horizon.
    public var expiringSoon: Int
    /// When the prefix was last purged, or `nil` if never.
    public var lastPurgeAt: Date?
    /// The generation now; it changes at every purge.
    public var generation: UInt64

    /// Creates the statistics of one prefix.
    public init(
        prefix: String, user: String?, keys: Int = 0, bytes: Int = 0, hits: UInt64 = 0, misses: UInt64 = 0,
        sets: UInt64 = 0, staleSetsRejected: UInt64 = 0, expirations: UInt64 = 0, evictions: UInt64 = 0,
        purges: UInt64 = 0, expiringSoon: Int = 0, lastPurgeAt: Date? = nil, generation: UInt64 = 0
    ) {
        self.prefix = prefix
        self.user = user
        self.keys = keys
        self.bytes = bytes
        self.hits = hits
        self.misses = misses
        self.sets = sets
        self.staleSetsRejected = staleSetsRejected
        self.expirations = expirations
        self.evictions = evictions
        self.purges = purges
        self.expiringSoon = expiringSoon
        self.lastPurgeAt = lastPurgeAt
        self.generation = generation
    }

    /// Hits over hits plus misses, or `nil` before the first lookup.
    public var hitRatio: Double? {
        let lookups = hits + misses
        return lookups == 0 ? nil : Double(hits) / Double(lookups)
    }
}
