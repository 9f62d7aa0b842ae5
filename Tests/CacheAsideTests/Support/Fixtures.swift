import CacheAside
import TestSupport

/// A cache over a fresh memory store with a hand-moved clock and no jitter, unless told otherwise.
struct Fixture: ReadsThroughCache {
    let clock = ManualClock()
    let store: MemoryStore
    let cache: CacheAside

    init(
        maxBytes: Int = 64 * 1024 * 1024, jitter: Double = 0, defaultTTL: Duration = .seconds(300),
        eventCapacity: Int = 10_000
    ) {
        store = MemoryStore(
            configuration: .init(maxBytes: maxBytes, eventCapacity: eventCapacity), clock: clock)
        cache = CacheAside(
            store: store, configuration: .init(namespace: "api", defaultTTL: defaultTTL, ttlJitter: jitter),
            clock: clock)
    }

    func totals() async throws -> CacheTotals { try await cache.stats().totals }

    func events() async throws -> [CacheEvent] { try await cache.events(after: 0, limit: 10_000).events }
}

/// A test fixture with a cache to read through.
protocol ReadsThroughCache {
    var cache: CacheAside { get }
}

extension ReadsThroughCache {
    /// Reads `key` for `user`, computing `value` on a miss; says which it was.
    func read(_ key: String, user: String?, value: [UInt8] = [1], ttl: Duration? = nil) async throws -> (
        bytes: [UInt8], computed: Bool
    ) {
        let counter = CallCounter()
        let bytes = try await cache.cachedBytes(key: key, user: user, ttl: ttl) {
            counter.increment()
            return value
        }
        return (bytes, counter.value > 0)
    }
}
