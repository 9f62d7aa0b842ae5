/// One entry of a prefix, as listed by `GET /_cache/prefixes/{prefix}/keys`.
///
/// This is what a person reads to answer "why does this user see old data": how old the entry
/// is, how long it has left, and which generation it was written in.
public struct KeyInfo: Codable, Sendable, Equatable {
    /// The route key, for example `GET /api/users/42/orders?page=2` (hashed when very long).
    public var key: String
    /// Bytes of the stored value.
    public var size: Int
    /// Seconds since the value was stored.
    public var ageSeconds: Double
    /// Seconds until it expires.
    public var ttlLeftSeconds: Double
    /// Lookups answered from this entry.
    public var hits: UInt64
    /// The prefix generation the value was computed in.
    public var generation: UInt64

    /// Creates the description of one entry.
    public init(key: String, size: Int, ageSeconds: Double, ttlLeftSeconds: Double, hits: UInt64, generation: UInt64) {
        self.key = key
        self.size = size
        self.ageSeconds = ageSeconds
        self.ttlLeftSeconds = ttlLeftSeconds
        self.hits = hits
        self.generation = generation
    }
}
