import CacheAside
import CacheAsideRedis
import Foundation
import RESP
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// What only a shared store does: several instances, one cache; and a real Redis going away.
@Suite("Redis store: many instances, real outages", .serialized, .timeLimit(.minutes(2)))
struct RedisFleetTests {
    /// An API instance: its own store object and cache over a shared Redis.
    struct Instance {
        let store: RedisStore
        let cache: CacheAside

        init(_ server: RedisServer, clock: some Clock<Duration> = ContinuousClock(), coolDown: Duration = .seconds(5))
            throws
        {
            // Generous timeouts: a killed Redis refuses at once, so the outage test does not rely on
            // them, and a loaded or instrumented build may be slow to answer.
            store = RedisStore(
                url: try RedisURL(server.url),
                configuration: .init(connectTimeout: .seconds(10), commandTimeout: .seconds(10)), clock: clock)
            cache = CacheAside(
                store: store,
                configuration: .init(namespace: "api", ttlJitter: 0, failureThreshold: 3, failureCoolDown: coolDown),
                clock: clock)
        }

        func read(_ key: String, user: String, value: String) async throws -> String {
            String(decoding: try await cache.cachedBytes(key: key, user: user) { Array(value.utf8) }, as: UTF8.self)
        }
    }

    @Test("two instances share entries, purges and figures")
    func twoInstances() async throws {
        let server = try await RedisServer()
        let a = try Instance(server)
        let b = try Instance(server)
        #expect(try await a.read("/orders", user: "42", value: "v1") == "v1")
        #expect(try await b.read("/orders", user: "42", value: "other") == "v1", "B is served what A stored")
        _ = try await b.read("/orders", user: "7", value: "seven")

        let purge = try await b.cache.purge(user: "42")
        #expect(purge.removedKeys == 1)
        #expect(try await a.read("/orders", user: "42", value: "v2") == "v2", "A never serves what B purged")
        #expect(try await b.read("/orders", user: "42", value: "v3") == "v2")

        try await a.store.flush()
        try await b.store.flush()
        let seenByA = try await a.cache.stats()
        let seenByB = try await b.cache.stats()
        #expect(seenByA.totals == seenByB.totals && seenByA.prefixes == seenByB.prefixes)
        #expect(seenByA.totals[.hits] == 2 && seenByA.totals[.misses] == 3 && seenByA.totals[.purges] == 1)
        #expect(seenByA.instance != seenByB.instance && seenByA.backend == "redis")
        let eventsA = try await a.cache.events().events
        #expect(eventsA == (try await b.cache.events().events))
        #expect(eventsA.contains { $0.kind == .purged && $0.user == "42" && $0.count == 1 })
    }

    @Test("a purge through one instance fences a computation in flight on another")
    func fencingAcrossInstances() async throws {
        let server = try await RedisServer()
        let a = try Instance(server)
        let b = try Instance(server)
        let gate = Gate()
        let slow = try await a.cache.computationHeld(at: gate, key: "/summary", user: "42", value: Array("old".utf8))
        try await b.cache.purge(user: "42")
        gate.open()
        _ = try await slow.value
        #expect(try await b.read("/summary", user: "42", value: "new") == "new")
        #expect(try await a.read("/summary", user: "42", value: "newer") == "new")
        try await a.store.flush()
        #expect(try await b.cache.stats().totals[.staleSetsRejected] == 1)
    }

    @Test("statistics read at the same time by several callers (monitor, /metrics) agree and stay right")
    func concurrentStatistics() async throws {
        let server = try await RedisServer()
        let instance = try Instance(server)
        for user in 0..<20 { _ = try await instance.read("/k", user: String(user), value: "v") }
        try await instance.store.flush()
        let snapshots = try await withThrowingTaskGroup(of: CacheTotals.self) { group in
            for _ in 0..<8 { group.addTask { try await instance.cache.stats().totals } }
            return try await group.reduce(into: [CacheTotals]()) { $0.append($1) }
        }
        #expect(snapshots.count == 8 && snapshots.allSatisfy { $0[.misses] == 20 && $0.keys == 20 })
        await server.kill()
        let down = try await instance.cache.stats().totals
        #expect(down[.misses] == 20, "the last figures, and no traffic since")
    }

    @Test(
        "every key of a prefix shares its hash tag, and a purge uses neither KEYS nor SCAN",
        arguments: [false, true])
    func keyLayout(cluster: Bool) async throws {
        if cluster {
            let nodes = try await RedisCluster(replicas: false)
            do {
                try await keyLayout(url: nodes.url, nodes: nodes.primaryPorts.map { "redis://127.0.0.1:\($0)" })
            } catch {
                await nodes.stop()
                throw error
            }
            await nodes.stop()
        } else {
            let server = try await RedisServer()
            try await keyLayout(url: server.url, nodes: [server.url])
        }
    }

    /// Layout 2: on a cluster a user's keys start with its partition's tag (32 partitions: slot of
    /// `u:42` 8980 / 512 → 17 → slot 8704 → `265`); a single Redis has one partition, whose tag is
    /// slot 0's.
    func keyLayout(url: String, nodes: [String]) async throws {
        let store = RedisStore(
            url: try RedisURL(url), configuration: .init(connectTimeout: .seconds(10), commandTimeout: .seconds(10)))
        let cache = CacheAside(store: store, configuration: .init(namespace: "api", ttlJitter: 0))
        for user in ["42", "4*", "x:y"] {
            for route in ["/a", "/b"] {
                _ = try await cache.cachedBytes(key: route, user: user) { Array("v".utf8) }
            }
        }
        try await store.flush()
        try await cache.purge(user: "4*")
        var keys: [String] = []
        var commands: [String] = []
        for node in nodes {
            let connection = try await RedisConnection.connect(to: RedisURL(node))
            let answer = try await connection.execute(RESPCommand("KEYS", "*"))
            guard case .array(let names) = answer else {
                throw RedisServer.Failure(description: "KEYS answered \(answer)")
            }
            keys += names.compactMap(\.string)
            commands.append(try await connection.execute(RESPCommand("INFO", "commandstats")).string ?? "")
            await connection.close()
        }
        await store.close()
        let expected =
            nodes.count > 1
            ? [("42", "265"), ("4%2A", "7ys"), ("x%3Ay", "5j7")]
            : [
                ("42", HashSlot.tag(forSlot: 0)), ("4%2A", HashSlot.tag(forSlot: 0)),
                ("x%3Ay", HashSlot.tag(forSlot: 0)),
            ]
        for (user, tag) in expected {
            let own = keys.filter { $0.contains(":{u:\(user)}#") }
            #expect(!own.isEmpty && own.allSatisfy { Self.hashTag($0) == tag }, "\(user): \(own)")
        }
        let tags = Set(keys.map(Self.hashTag))
        #expect(tags.contains("cachemon"), "the store-wide keys share one slot")
        #expect(
            tags.allSatisfy { $0 == "cachemon" || ($0.count <= 4 && $0.allSatisfy { $0.isNumber || $0.isLowercase }) },
            "every other key is under a partition tag: \(tags.sorted())")
        #expect(nodes.count > 1 || tags.count == 2, "one partition on a single Redis: \(tags.sorted())")
        for stats in commands {
            #expect(stats.contains("cmdstat_unlink") || stats.contains("cmdstat_evalsha"))
            // Only this test's KEYS above may appear; no SCAN at all.
            #expect(!stats.contains("cmdstat_scan"))
            #expect(stats.components(separatedBy: "cmdstat_keys:calls=1,").count == 2)
        }
    }

    @Test("Redis killed during traffic: requests are served uncached, errors show, purge fails, caching resumes")
    func outage() async throws {
        let server = try await RedisServer()
        let port = server.port
        let instance = try Instance(server, coolDown: .seconds(2))
        #expect(try await instance.read("/k", user: "1", value: "cached") == "cached")
        #expect(try await instance.read("/k", user: "1", value: "fresh") == "cached")
        try await instance.store.flush()
        let before = try await instance.cache.stats()

        await server.kill()
        // Traffic keeps being served, computed each time, and no request waits long.
        for index in 0..<20 {
            let started = ContinuousClock.now
            #expect(try await instance.read("/k", user: "1", value: "down \(index)") == "down \(index)")
            #expect(started.duration(to: .now) < .seconds(5), "a request does not wait for a dead store")
        }
        #expect(instance.cache.isCircuitOpen)
        let during = try await instance.cache.stats()
        #expect(
            during.circuitOpen && during.totals[.errors] >= 3, "the stats answer from the last figures, with the errors"
        )
        #expect(during.totals[.misses] >= before.totals[.misses] + 20, "and with this instance's traffic since")
        #expect(during.totals[.hits] == before.totals[.hits])
        await #expect(throws: CacheAsideError.self, "a purge while Redis is down is an error") {
            try await instance.cache.purge(user: "1")
        }
        // A flush while Redis is down fails and must keep what it took for the next one.
        await #expect(throws: (any Error).self) { try await instance.store.flush() }
        await #expect(throws: (any Error).self) { try await instance.store.flush() }
        let errorsDuringOutage = during.totals[.errors] - before.totals[.errors]
        let missesDuringOutage = during.totals[.misses] - before.totals[.misses]

        let again = try await RedisServer(port: port)
        // Caching resumes by itself within 10 s of Redis returning (bounded loop).
        var resumed = false
        for _ in 0..<100 where !resumed {
            try await Task.sleep(for: .milliseconds(100))
            _ = try await instance.read("/k", user: "1", value: "back")
            resumed = try await instance.read("/k", user: "1", value: "not cached") == "back"
        }
        #expect(resumed)
        try await instance.store.flush()
        let after = try await instance.cache.stats()
        // The restarted Redis is empty: what it holds of the outage came from the figures kept
        // through the failed flushes.
        #expect(after.totals[.errors] >= errorsDuringOutage, "errors counted during the outage were written")
        #expect(after.totals[.misses] >= missesDuringOutage, "misses counted during the outage were written")
        _ = again
    }

    /// The hash tag Redis Cluster would hash: the text between the first `{` and the next `}`.
    static func hashTag(_ key: String) -> String {
        guard let open = key.firstIndex(of: "{"),
            let close = key[key.index(after: open)...].firstIndex(of: "}"), close > key.index(after: open)
        else { return key }
        return String(key[key.index(after: open)..<close])
    }
}
