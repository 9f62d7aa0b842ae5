import CacheAside
import CacheAsideRedis
import Foundation
import RESP
import TestSupport
import Testing

/// The key layout is written beside the store, and an instance of another layout (another
/// partition count) refuses the store instead of missing the other instances' purges.
@Suite("Redis key layout: one partition on a single Redis, a set count on a cluster", .timeLimit(.minutes(2)))
struct LayoutTests {
    @Test("a single Redis holds a store of one partition, written down as layout 3 1")
    func standaloneLayout() async throws {
        let server = try await RedisServer()
        let fixture = try RedisFixture(server)
        _ = try await fixture.read("/a", user: "42", value: "v")
        let raw = try await RawRedis(server)
        #expect(try await raw.run("GET", "{cachemon}:layout").string == "3 1")
        let keys = try await raw.allKeys()
        let tags = Set(keys.compactMap { $0.first == "{" ? $0.dropFirst().prefix { $0 != "}" } : nil }.map(String.init))
        #expect(tags == ["cachemon", HashSlot.tag(forSlot: 0)], "\(tags.sorted())")
        await raw.close()
        await fixture.store.close()
    }

    @Test("a store written with layout 2, whose instances tell no near cache of their purges, is refused")
    func layoutTwoRefused() async throws {
        let server = try await RedisServer()
        let raw = try await RawRedis(server)
        _ = try await raw.run("SET", "{cachemon}:layout", "2 1")
        let fixture = try RedisFixture(server)
        var refusal = ""
        do {
            _ = try await fixture.store.lookup(CacheKey(prefix: CachePrefix(namespace: "api", user: "42"), route: "/a"))
        } catch {
            refusal = "\(error)"
        }
        #expect(refusal.contains("layout 3 1") && refusal.contains("2 1"), "\(refusal)")
        await raw.close()
        await fixture.store.close()
    }

    @Test("on a cluster, an instance with another partition count refuses the store and says why")
    func otherPartitionCount() async throws {
        try await ClusterResilienceTests.withCluster { cluster in
            let url = try RedisURL(cluster.url)
            let settings = RedisStore.Configuration(connectTimeout: .seconds(10), commandTimeout: .seconds(10))
            let first = RedisStore(url: url, configuration: settings)
            let key = CacheKey(prefix: CachePrefix(namespace: "api", user: "42"), route: "/a")
            guard case .miss(let generation) = try await first.lookup(key) else {
                Issue.record("a new store has no entry")
                return
            }
            #expect(
                try await first.store(Array("v".utf8), for: key, ttl: .seconds(60), generation: generation) == .stored)

            var fewer = settings
            fewer.clusterPartitions = 64
            let other = RedisStore(url: url, configuration: fewer)
            var refusal = ""
            do {
                _ = try await other.lookup(key)
            } catch {
                refusal = "\(error)"
            }
            #expect(refusal.contains("layout 3 32") && refusal.contains("3 64"), "\(refusal)")

            // The same count shares the store.
            let same = RedisStore(url: url, configuration: settings)
            #expect(try await same.lookup(key) == .hit(Array("v".utf8)))
            await first.close()
            await other.close()
            await same.close()
        }
    }
}
