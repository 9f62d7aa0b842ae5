import CacheAside
import CacheAsideRedis
import RESP
import TestSupport

/// The stores the conformance suite runs against.
enum StoreKind: String, CaseIterable, Sendable, CustomStringConvertible {
    case memory
    case redis
    /// A Redis Cluster of 3 primaries.
    case cluster
    /// One Redis, with a near cache in front.
    case redisNear

    var description: String { rawValue }
}

/// A cache over a fresh store of one kind, behind a switch that makes it fail, with a hand-moved
/// clock and no jitter. A Redis store gets its own private `redis-server`; a cluster store its own
/// private cluster of 3 primaries.
struct StoreFixture: Sendable, ReadsThroughCache {
    let kind: StoreKind
    let clock = ManualClock()
    let base: any CacheStore
    let faulty: FaultyStore
    let cache: CacheAside
    let server: RedisServer?
    let cluster: RedisCluster?

    init(_ kind: StoreKind, eventCapacity: Int = 10_000, server: RedisServer? = nil) async throws {
        self.kind = kind
        switch kind {
        case .memory:
            self.server = nil
            self.cluster = nil
            base = MemoryStore(configuration: .init(eventCapacity: eventCapacity), clock: clock)
        case .redis, .cluster, .redisNear:
            let url: String
            if kind == .cluster {
                let cluster = try await RedisCluster(replicas: false)
                self.cluster = cluster
                self.server = nil
                url = cluster.url
            } else {
                let server = if let server { server } else { try await RedisServer() }
                self.server = server
                self.cluster = nil
                url = server.url
            }
            // Generous timeouts and filter budget: these tests are about semantics, and may run on a loaded or
            // instrumented (ThreadSanitizer) build where a 500 ms answer is not a failure.
            base = RedisStore(
                url: try RedisURL(url),
                configuration: .init(
                    connectTimeout: .seconds(10), commandTimeout: .seconds(10), eventCapacity: eventCapacity,
                    filterBudget: .seconds(20), nearCacheBytes: kind == .redisNear ? 8 << 20 : 0),
                clock: clock)
        }
        faulty = FaultyStore(base)
        cache = CacheAside(
            store: faulty, configuration: .init(namespace: "api", defaultTTL: .seconds(300), ttlJitter: 0),
            clock: clock)
    }

    /// Makes batched figures visible: a Redis store writes what it counted; a memory store has nothing to do.
    func settle() async throws {
        if let redis = base as? RedisStore { try await redis.flush() }
    }

    /// Runs the store's sweeper once.
    func sweep() async throws {
        switch base {
        case let memory as MemoryStore: memory.sweep()
        case let redis as RedisStore:
            try await redis.flush()
            try await redis.sweep()
            try await redis.flush()
        default: break
        }
    }

    func stats(_ query: StatsQuery = StatsQuery()) async throws -> StatsSnapshot {
        try await settle()
        return try await cache.stats(query)
    }

    func totals() async throws -> CacheTotals { try await stats().totals }

    func events() async throws -> [CacheEvent] {
        try await settle()
        return try await cache.events(after: 0, limit: 10_000).events
    }
}
