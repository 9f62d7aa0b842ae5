import Foundation

/// What one prefix (one user's slice of the cache) holds and has done.
///
/// In JSON every ``CacheCounter`` is a field of its own, as in ``CacheTotals``.
public struct PrefixStats: Codable, Sendable, Equatable, CounterHolder {
    /// The full prefix, for example `api:{u:42}`.
    public var prefix: String
    /// The user the prefix belongs to, unescaped; `nil` for the shared public prefix.
    public var user: String?
    /// Entries held now.
    public var keys: Int
    /// Bytes held now.
    public var bytes: Int
    /// What this prefix has counted, by name: `stats[.hits]`.
    public var counters: CounterValues
    /// Entries whose time to live ends within the horizon.
    public var expiringSoon: Int
    /// When the prefix was last purged, or `nil` if never.
    public var lastPurgeAt: Date?
    /// The generation now; it changes at every purge.
    public var generation: UInt64

    /// Creates the statistics of one prefix.
    ///
    /// ```swift
    /// PrefixStats(prefix: "api:{u:42}", user: "42", keys: 3, counters: [.hits: 40, .misses: 3])
    /// ```
    public init(
        prefix: String, user: String?, keys: Int = 0, bytes: Int = 0, counters: CounterValues = CounterValues(),
        expiringSoon: Int = 0, lastPurgeAt: Date? = nil, generation: UInt64 = 0
    ) {
        self.prefix = prefix
        self.user = user
        self.keys = keys
        self.bytes = bytes
        self.counters = counters
        self.expiringSoon = expiringSoon
        self.lastPurgeAt = lastPurgeAt
        self.generation = generation
    }

    private enum CodingKeys: String, CodingKey {
        case prefix, user, keys, bytes, expiringSoon, lastPurgeAt, generation
    }

    public init(from decoder: any Decoder) throws {
        counters = try CounterValues(decodingFrom: decoder)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        prefix = try container.decode(String.self, forKey: .prefix)
        user = try container.decodeIfPresent(String.self, forKey: .user)
        keys = try container.decode(Int.self, forKey: .keys)
        bytes = try container.decode(Int.self, forKey: .bytes)
        expiringSoon = try container.decode(Int.self, forKey: .expiringSoon)
        lastPurgeAt = try container.decodeIfPresent(Date.self, forKey: .lastPurgeAt)
        generation = try container.decode(UInt64.self, forKey: .generation)
    }

    public func encode(to encoder: any Encoder) throws {
        try counters.encode(into: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(prefix, forKey: .prefix)
        try container.encodeIfPresent(user, forKey: .user)
        try container.encode(keys, forKey: .keys)
        try container.encode(bytes, forKey: .bytes)
        try container.encode(expiringSoon, forKey: .expiringSoon)
        try container.encodeIfPresent(lastPurgeAt, forKey: .lastPurgeAt)
        try container.encode(generation, forKey: .generation)
    }
}
