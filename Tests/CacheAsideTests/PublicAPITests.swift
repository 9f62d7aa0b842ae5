import CacheAside
import CacheAsideRedis
import RESP
import TestSupport
import Testing

// The README's example, as written, compiled against the public API only (no @testable import).

private struct Summary: Codable, Sendable, Equatable {
    var orders: Int
}

private func computeSummary(user: Int) async throws -> Summary { Summary(orders: user) }
private func render() async throws -> [UInt8] { Array("raw".utf8) }

@Suite("Public API")
struct PublicAPITests {
    @Test("the documented example compiles and behaves as described")
    func documentedExample() async throws {
        let store = MemoryStore(configuration: .init(maxBytes: 256 * 1024 * 1024))
        let cache = CacheAside(store: store, configuration: .init(namespace: "api", defaultTTL: .seconds(300)))

        let summary: Summary = try await cache.cached(key: "/dashboard/summary?page=2", user: "42", ttl: .seconds(60)) {
            try await computeSummary(user: 42)
        }
        let bytes: [UInt8] = try await cache.cachedBytes(key: "/raw", user: "42", ttl: nil) { try await render() }

        let result: PurgeResult = try await cache.purge(user: "42")
        let snapshot: StatsSnapshot = try await cache.stats(StatsQuery(sort: .hits, limit: 50))
        let keys: [KeyInfo] = try await cache.keys(user: "42", limit: 100)
        let events: EventPage = try await cache.events(after: 0, limit: 500)

        #expect(summary == Summary(orders: 42) && bytes == Array("raw".utf8))
        #expect(result.removedKeys == 2 && result.duration >= .zero && result.generation > 0)
        #expect(snapshot.totals[.purgedKeys] == 2 && snapshot.prefixes.first?.prefix == "api:{u:42}")
        #expect(keys.isEmpty)
        #expect(events.events.map(\.kind) == [.purged])
    }

    @Test("the README's Redis example: the same cache over a shared RedisStore")
    func readmeRedisExample() async throws {
        let server = try await RedisServer()
        // As the README, but with timeouts for a loaded test run: the first use connects, asks the
        // node whether it is a cluster and checks the partition epochs, and this test is about the
        // API, not speed.
        let store = RedisStore(
            url: try RedisURL(server.url + "/0"),  // also a Service: run it
            configuration: .init(connectTimeout: .seconds(10), commandTimeout: .seconds(10)))
        let cache = CacheAside(store: store, configuration: .init(namespace: "api"))

        let summary: Summary = try await cache.cached(key: "/dashboard/summary?page=2", user: "42", ttl: .seconds(60)) {
            Summary(orders: 42)
        }
        let again: Summary = try await cache.cached(key: "/dashboard/summary?page=2", user: "42") { Summary(orders: 0) }
        #expect(summary == again, "the second read is a hit")
        #expect(try await cache.purge(user: "42").removedKeys == 1)
        #expect(cache.store.backend == "redis")
        await store.close()
    }
}
