/// Something that carries a value for every ``CacheCounter``: the totals of a cache and the
/// figures of one prefix. Gives both the same reading by name.
///
/// ```swift
/// snapshot.totals[.hits]
/// snapshot.prefixes[0][.staleSetsRejected]
/// ```
public protocol CounterHolder {
    /// Every counter, by name.
    var counters: CounterValues { get set }
}

extension CounterHolder {
    /// The value of one counter.
    public subscript(counter: CacheCounter) -> UInt64 {
        get { counters[counter] }
        set { counters[counter] = newValue }
    }

    /// Hits over hits plus misses, or `nil` before the first lookup.
    public var hitRatio: Double? { counters.hitRatio }
}
