/// Counters and gauges for a whole cache, as returned in ``StatsSnapshot/totals``.
///
/// Counters are monotonic since the store started; a monitor derives rates from the difference
/// between two snapshots (and treats a counter that goes down as a restart). In JSON every
/// ``CacheCounter`` is a field of its own next to the gauges: `{"hits": 9, "misses": 1, …, "keys": 1}`.
public struct CacheTotals: Codable, Sendable, Equatable, CounterHolder {
    /// Every counter, by name: `totals[.hits]`.
    public var counters: CounterValues
    /// Entries held now.
    public var keys: Int
    /// Bytes held now: keys, values and bookkeeping.
    public var bytes: Int
    /// Entries whose time to live ends within the store's horizon (60 s by default).
    public var expiringSoon: Int

    /// Creates totals; every figure defaults to zero.
    ///
    /// ```swift
    /// CacheTotals(counters: [.hits: 9, .misses: 1], keys: 1)
    /// ```
    public init(counters: CounterValues = CounterValues(), keys: Int = 0, bytes: Int = 0, expiringSoon: Int = 0) {
        self.counters = counters
        self.keys = keys
        self.bytes = bytes
        self.expiringSoon = expiringSoon
    }

    private enum GaugeKeys: String, CodingKey {
        case keys, bytes, expiringSoon
    }

    public init(from decoder: any Decoder) throws {
        counters = try CounterValues(decodingFrom: decoder)
        let container = try decoder.container(keyedBy: GaugeKeys.self)
        keys = try container.decode(Int.self, forKey: .keys)
        bytes = try container.decode(Int.self, forKey: .bytes)
        expiringSoon = try container.decode(Int.self, forKey: .expiringSoon)
    }

    public func encode(to encoder: any Encoder) throws {
        try counters.encode(into: encoder)
        var container = encoder.container(keyedBy: GaugeKeys.self)
        try container.encode(keys, forKey: .keys)
        try container.encode(bytes, forKey: .bytes)
        try container.encode(expiringSoon, forKey: .expiringSoon)
    }
}
