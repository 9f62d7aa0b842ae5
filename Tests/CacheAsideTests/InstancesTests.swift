import CacheAside
import Foundation
import TestSupport
import Testing

@Suite("Instances of a fleet", .timeLimit(.minutes(1)))
struct InstancesTests {
    static func cache(
        _ id: String, store: any CacheStore, clock: ManualClock, url: String? = nil, failureThreshold: Int = 5
    ) -> CacheAside {
        CacheAside(
            store: store,
            configuration: .init(
                namespace: "api", ttlJitter: 0, failureThreshold: failureThreshold, instanceID: id,
                advertisedURL: url, version: "9.9.9", heartbeatInterval: .seconds(1)),
            clock: clock)
    }

    @Test("with a memory store the cache lists the one instance, alive, with its own figures")
    func memoryStoreListsItself() async throws {
        let clock = ManualClock()
        let cache = Self.cache("web-1", store: MemoryStore(clock: clock), clock: clock, url: "http://127.0.0.1:8080")
        _ = try await cache.cachedBytes(key: "/a", user: "1") { [1] }
        _ = try await cache.cachedBytes(key: "/a", user: "1") { [1] }
        clock.advance(by: .seconds(5))
        let list = try await cache.instances()
        #expect(list.instance == "web-1")
        #expect(list.instances.map(\.id) == ["web-1"])
        let own = try #require(list.instances.first)
        #expect(own.alive)
        #expect(own.hits == 1)
        #expect(own.misses == 1)
        #expect(own.url == "http://127.0.0.1:8080")
        #expect(own.version == "9.9.9")
        #expect(own.uptimeSeconds == 5)
    }

    @Test("an instance that stops is listed as dead after its time to live, and forgotten after ten times that")
    func deadThenForgotten() async throws {
        let clock = ManualClock()
        let store = MemoryStore(clock: clock)
        let web1 = Self.cache("web-1", store: store, clock: clock)
        let web2 = Self.cache("web-2", store: store, clock: clock)
        await web2.sendHeartbeat()
        let both = try await web1.instances()
        #expect(both.instances.map(\.id) == ["web-1", "web-2"])
        #expect(both.instances.map(\.alive) == [true, true])

        clock.advance(by: .seconds(3))  // exactly the time to live: three heartbeat intervals
        #expect(try await web1.instances().instances.last?.alive == true)
        clock.advance(by: .milliseconds(1))
        let later = try await web1.instances()
        let dead = try #require(later.instances.last)
        #expect(dead.id == "web-2")
        #expect(!dead.alive)
        #expect(dead.version == "9.9.9", "a dead instance keeps its last report")
        #expect(abs(later.serverTime.timeIntervalSince(dead.lastSeen) - 3.001) < 0.1)
        #expect(later.instances.first?.alive == true, "the instance answering is alive")

        clock.advance(by: .seconds(27))  // 30.001 s: past ten times the time to live
        #expect(try await web1.instances().instances.map(\.id) == ["web-1"])
    }

    /// The store's instances once `condition` holds; bounded (5 s) so a heartbeat that never comes fails.
    func waitForInstances(_ store: MemoryStore, _ condition: ([InstanceInfo]) -> Bool) async throws
        -> [InstanceInfo]
    {
        for _ in 0..<5_000 {
            let listed = try await store.instances()
            if condition(listed) { return listed }
            try await Task.sleep(for: .milliseconds(1))
        }
        let listed = try await store.instances()
        throw NotListed(listed: listed)
    }

    struct NotListed: Error {
        var listed: [InstanceInfo]
    }

    @Test("as a Service it sends a heartbeat at once and then every interval, until cancelled")
    func heartbeatService() async throws {
        let clock = ManualClock()
        let store = MemoryStore(clock: clock)
        let cache = Self.cache("web-1", store: store, clock: clock)
        let running = Task { try await cache.run() }
        let first = try #require(try await waitForInstances(store) { !$0.isEmpty }.first)
        #expect(first.id == "web-1")
        try await waitUntil { clock.sleeperCount > 0 }
        clock.advance(by: .seconds(1))
        _ = try await waitForInstances(store) { listed in
            (listed.first?.lastSeen.timeIntervalSince(first.lastSeen) ?? 0) > 0.5
        }
        running.cancel()
        _ = await running.result
        clock.advance(by: .seconds(3) + .milliseconds(1))
        #expect(try await store.instances().first?.alive == false, "no heartbeat since it stopped")
    }

    @Test("requests per second are the lookups between two heartbeats over the time between them")
    func requestRate() async throws {
        let clock = ManualClock()
        let store = MemoryStore(clock: clock)
        let cache = Self.cache("web-1", store: store, clock: clock)
        await cache.sendHeartbeat()
        for index in 0..<10 { _ = try await cache.cachedBytes(key: "/\(index)", user: "1") { [1] } }
        clock.advance(by: .seconds(2))
        await cache.sendHeartbeat()
        let listed = try await store.instances()
        #expect(listed.first?.requestsPerSecond == 5)
        #expect(listed.first?.misses == 10)
    }

    @Test("store errors and an open circuit show in the instance's row")
    func failingStore() async throws {
        let clock = ManualClock()
        let faulty = FaultyStore(MemoryStore(clock: clock))
        faulty.setFailing(true)
        let cache = Self.cache("web-1", store: faulty, clock: clock, failureThreshold: 1)
        _ = try await cache.cachedBytes(key: "/a", user: "1") { [1] }
        // FaultyStore keeps no registry (the protocol's default): the cache still lists itself.
        let own = try #require(try await cache.instances().instances.first)
        #expect(own.storeErrors == 1)
        #expect(own.misses == 1)
        #expect(own.hits == 0)
        #expect(own.circuitOpen)
    }

    @Test("the default id is host, process id and a random part; a configured one is used as given")
    func instanceIDs() {
        let generated = CacheAside(store: MemoryStore()).instance
        #expect(generated.contains("-\(ProcessInfo.processInfo.processIdentifier)-"))
        #expect(generated.split(separator: "-").last?.count == 4)
        let clock = ManualClock()
        #expect(Self.cache("api-eu-3", store: MemoryStore(clock: clock), clock: clock).instance == "api-eu-3")
    }
}
