import CacheAside
import CacheAsideRedis
import Foundation
import RESP
import TestSupport
import Testing

/// The fleet registry in Redis: every instance's heartbeat in `{cachemon}:instance:<id>`, the ids
/// in `{cachemon}:instances`; who is alive is decided by Redis's clock.
@Suite("Instances registered in Redis", .serialized, .timeLimit(.minutes(1)))
struct RedisInstancesTests {
    /// A heartbeat every 100 ms: alive for 300 ms after the last one, listed as dead for 3 s.
    static let interval = Duration.milliseconds(100)

    struct Instance {
        let store: RedisStore
        let cache: CacheAside
    }

    static func instance(_ server: RedisServer, id: String) throws -> Instance {
        let store = RedisStore(url: try RedisURL(server.url), configuration: RedisFixture.configuration())
        let cache = CacheAside(
            store: store,
            configuration: .init(
                namespace: "api", ttlJitter: 0, instanceID: id, advertisedURL: "http://\(id).internal:8080",
                heartbeatInterval: interval))
        return Instance(store: store, cache: cache)
    }

    /// The list `cache` answers once `condition` holds; bounded so a broken registry fails.
    @discardableResult
    static func waitForList(
        _ cache: CacheAside, within seconds: Double, _ condition: (InstanceList) -> Bool
    ) async throws -> InstanceList {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while true {
            let list = try await cache.instances()
            if condition(list) { return list }
            guard ContinuousClock.now < deadline else {
                throw RedisServer.Failure(
                    description: "not as expected within \(seconds) s: \(list.instances.map { ($0.id, $0.alive) })")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    @Test(
        "two instances sending heartbeats are both listed, alive, by either; one that stops is dead after its time to live, then forgotten"
    )
    func twoInstances() async throws {
        let server = try await RedisServer()
        let a = try Self.instance(server, id: "web-a")
        let b = try Self.instance(server, id: "web-b")
        let runningA = Task { try await a.cache.run() }
        let runningB = Task { try await b.cache.run() }

        try await Self.waitForList(a.cache, within: 15) { list in
            list.instances.map(\.id) == ["web-a", "web-b"] && list.instances.allSatisfy(\.alive)
        }
        _ = try await b.cache.cachedBytes(key: "/orders", user: "42") { [1] }
        let fromB = try await Self.waitForList(b.cache, within: 15) { list in
            list.instances.map(\.id) == ["web-a", "web-b"]
        }
        #expect(fromB.instance == "web-b")
        #expect(fromB.instances.first?.url == "http://web-a.internal:8080", "web-a's report, read from Redis")
        #expect(fromB.instances.allSatisfy { $0.alive })
        // web-b's miss reaches the others with its next heartbeat.
        try await Self.waitForList(a.cache, within: 15) { list in
            list.instances.first { $0.id == "web-b" }?.misses == 1
        }

        runningB.cancel()
        _ = await runningB.result
        let stopped = ContinuousClock.now
        let afterStop = try await Self.waitForList(a.cache, within: 15) { list in
            list.instances.first { $0.id == "web-b" }?.alive == false
        }
        #expect(stopped.duration(to: .now) >= .milliseconds(100), "not dead before its time to live (300 ms) ran out")
        let dead = try #require(afterStop.instances.first { $0.id == "web-b" })
        #expect(dead.url == "http://web-b.internal:8080", "a dead instance keeps its last report")
        #expect(dead.misses == 1)
        #expect(afterStop.instances.first { $0.id == "web-a" }?.alive == true)

        // Ten times the time to live (3 s) after its last heartbeat, it is no longer listed.
        try await Self.waitForList(a.cache, within: 10) { list in !list.instances.contains { $0.id == "web-b" } }
        let raw = try await RawRedis(server)
        #expect(try await raw.run("ZSCORE", "{cachemon}:instances", "web-b") == .null)
        #expect(try await raw.run("EXISTS", "{cachemon}:instance:web-b") == .integer(0))
        #expect(try await raw.run("ZSCORE", "{cachemon}:instances", "web-a") != .null)
        let expiry = try await raw.run("PTTL", "{cachemon}:instance:web-a").int ?? -1
        #expect(expiry > 0, "the heartbeat key has a Redis expiry")
        #expect(expiry <= 3_000, "of ten times the time to live at most")
        await raw.close()

        runningA.cancel()
        _ = await runningA.result
        await a.store.close()
        await b.store.close()
    }

    @Test("every key of the registry is under the store's hash tag, so the heartbeat script touches one cluster slot")
    func oneHashTag() async throws {
        let server = try await RedisServer()
        let a = try Self.instance(server, id: "web-a")
        await a.cache.sendHeartbeat()
        let raw = try await RawRedis(server)
        // (The store's other keys, such as its epoch, are there too: only the registry's are looked at.)
        let keys = try await raw.allKeys().filter { $0.contains(":instance") }.sorted()
        #expect(keys == ["{cachemon}:instance:web-a", "{cachemon}:instances"])
        #expect(try await raw.run("ZSCORE", "{cachemon}:instances", "web-a") != .null)
        await raw.close()
        await a.store.close()
    }
}
