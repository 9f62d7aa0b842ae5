/// The monotonic counters kept for the whole store and for each prefix.
struct CounterSet: Sendable, Equatable {
    var hits: UInt64 = 0
    var misses: UInt64 = 0
    var sets: UInt64 = 0
    var staleSetsRejected: UInt64 = 0
    var expirations: UInt64 = 0
    var evictions: UInt64 = 0
    var purges: UInt64 = 0
    var purgedKeys: UInt64 = 0
    var errors: UInt64 = 0

    func totals(keys: Int, bytes: Int, expiringSoon: Int) -> CacheTotals {
        CacheTotals(
            hits: hits, misses: misses, sets: sets, staleSetsRejected: staleSetsRejected, expirations: expirations,
            evictions: evictions, purges: purges, purgedKeys: purgedKeys, errors: errors, keys: keys, bytes: bytes,
            expiringSoon: expiringSoon)
    }
}
