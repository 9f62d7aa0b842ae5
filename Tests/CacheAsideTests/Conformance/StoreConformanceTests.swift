import CacheAside
import Foundation
import TestSupport
import Testing

/// The semantics every store keeps (docs/cache-aside.md), run against ``MemoryStore`` and
/// `RedisStore` (each Redis case on its own private `redis-server`).
@Suite("Store conformance", .timeLimit(.minutes(2)))
struct StoreConformanceTests {
    @Test("stored empty, zero and false values are hits like any other", arguments: StoreKind.allCases)
    func falsyValuesAreHits(kind: StoreKind) async throws {
        let fixture = try await StoreFixture(kind)
        let values = ["", "[]", "{}", "0", "false", "\"\"", "null"].map { Array($0.utf8) }
        for (index, value) in values.enumerated() {
            let first = try await fixture.read("/v\(index)", user: "7", value: value)
            let second = try await fixture.read("/v\(index)", user: "7", value: Array("recomputed".utf8))
            #expect(first.computed && first.bytes == value)
            #expect(!second.computed && second.bytes == value, "\(String(decoding: value, as: UTF8.self)) is a hit")
        }
        let totals = try await fixture.totals()
        #expect(totals[.hits] == UInt64(values.count) && totals[.misses] == UInt64(values.count))
    }

    @Test("a purge of a user whose id looks like a pattern removes only that user", arguments: StoreKind.allCases)
    func globSafePurge(kind: StoreKind) async throws {
        let fixture = try await StoreFixture(kind)
        let users = ["4", "4*", "42", "[12]", "1", "2", "a?c", "abc", "x:y", "x", "}", "%2A", "*"]
        for user in users { _ = try await fixture.read("/dashboard", user: user) }
        for pattern in ["4*", "[12]", "a?c", "x:y", "}", "*"] {
            let result = try await fixture.cache.purge(user: pattern)
            #expect(result.removedKeys == 1, "purging \(pattern) removes its one key")
        }
        for user in users {
            let purged = ["4*", "[12]", "a?c", "x:y", "}", "*"].contains(user)
            let again = try await fixture.read("/dashboard", user: user)
            #expect(again.computed == purged, "user \(user) \(purged ? "was" : "was not") purged")
        }
    }

    @Test("concurrent misses on one key compute once", arguments: StoreKind.allCases)
    func singleFlight(kind: StoreKind) async throws {
        let fixture = try await StoreFixture(kind)
        // Connected before the race, so no caller waits for a connection (and its checks) to open.
        _ = try await fixture.read("/warm", user: "9")
        let gate = Gate()
        let computations = CallCounter()
        let started = CallCounter()
        let sources = try await withThrowingTaskGroup(of: CachedBytes.Source.self) { group in
            for _ in 0..<40 {
                group.addTask {
                    started.increment()
                    let result = try await fixture.cache.lookupOrCompute(key: "/slow", user: "9") {
                        computations.increment()
                        await gate.wait()
                        return ComputedValue(bytes: [42])
                    }
                    #expect(result.bytes == [42])
                    return result.source
                }
            }
            try await gate.waitForArrivals(1)
            // Let the other callers find the miss and join the flight before it completes: every
            // lookup answered (a slow one, on a loaded machine, would otherwise come back after
            // the flight ended and start a second), then time to join.
            try await waitUntil { started.value == 40 }
            for _ in 0..<500 {
                if try await fixture.totals()[.misses] >= 41 { break }
                try await Task.sleep(for: .milliseconds(10))
            }
            for _ in 0..<200 { await Task.yield() }
            try await Task.sleep(for: .milliseconds(100))
            gate.open()
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let storeErrors = try await fixture.events().filter { $0.kind == .storeError }.prefix(3)
        #expect(computations.value == 1, "\(storeErrors)")
        // They overlapped: one computed and the others waited for it. On a loaded machine a caller
        // may look up only after the value was stored, and get a plain hit: still one computation.
        #expect(sources.filter { $0 == .computed }.count == 1)
        #expect(sources.filter { $0 == .shared }.count + sources.filter { $0 == .hit }.count == 39, "\(sources)")
        #expect(sources.filter { $0 == .shared }.count >= 30, "most callers joined the computation: \(sources)")
        #expect(try await fixture.read("/slow", user: "9").computed == false)
    }

    @Test("a purge during a computation drops its late write, counts it and emits it", arguments: StoreKind.allCases)
    func fencing(kind: StoreKind) async throws {
        let fixture = try await StoreFixture(kind)
        let gate = Gate()
        let slow = try await fixture.cache.computationHeld(
            at: gate, key: "/summary", user: "42", value: Array("before purge".utf8))
        let purge = try await fixture.cache.purge(user: "42")
        gate.open()
        #expect(try await slow.value == Array("before purge".utf8))
        let after = try await fixture.read("/summary", user: "42", value: Array("after purge".utf8))
        #expect(after.computed && after.bytes == Array("after purge".utf8), "the stale value was never stored")
        #expect(try await fixture.totals()[.staleSetsRejected] == 1)
        #expect(try await fixture.events().contains { $0.kind == .staleSetRejected && $0.user == "42" })
        let keys = try await fixture.cache.keys(user: "42")
        #expect(keys.count == 1 && keys.allSatisfy { $0.generation == purge.generation })
    }

    @Test(
        "a reader arriving after a purge does not join a computation that started before it",
        arguments: StoreKind.allCases)
    func noJoiningAcrossGenerations(kind: StoreKind) async throws {
        let fixture = try await StoreFixture(kind)
        let gate = Gate()
        let slow = try await fixture.cache.computationHeld(at: gate, key: "/k", user: "1", value: [0])
        try await fixture.cache.purge(user: "1")
        let fresh = try await fixture.read("/k", user: "1", value: [1])
        gate.open()
        _ = try await slow.value
        #expect(fresh.computed && fresh.bytes == [1])
        #expect(try await fixture.read("/k", user: "1").bytes == [1])
    }

    @Test("randomized: after every purge, no value computed before it is ever served", arguments: StoreKind.allCases)
    func randomizedFencing(kind: StoreKind) async throws {
        let fixture = try await StoreFixture(kind)
        let cache = fixture.cache
        let users = ["1", "2", "3"]
        let versions = Locked([String: Int]())
        let guaranteed = Locked([String: Int]())
        let violations = CallCounter()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    var generator = SplitMix(seed: UInt64(worker + 11))
                    for _ in 0..<500 {
                        let user = users[Int(generator.next() % 3)]
                        if generator.next() % 5 == 0 {
                            let written = versions.withLock { versions -> Int in
                                versions[user, default: 0] += 1
                                return versions[user, default: 0]
                            }
                            try await cache.purge(user: user)
                            guaranteed.withLock { $0[user] = max($0[user, default: 0], written) }
                        } else {
                            let required = guaranteed.withLock { $0[user, default: 0] }
                            let delay = Int(generator.next() % 4)
                            let bytes = try await cache.cachedBytes(key: "/k\(generator.next() % 2)", user: user) {
                                let seen = versions.withLock { $0[user, default: 0] }
                                for _ in 0..<delay { await Task.yield() }
                                return Array(String(seen).utf8)
                            }
                            let served = Int(String(decoding: bytes, as: UTF8.self)) ?? -1
                            if served < required { violations.increment() }
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(violations.value == 0)
        let totals = try await fixture.totals()
        #expect(totals[.purges] > 200 && totals[.hits] > 0)
        #expect(totals[.staleSetsRejected] > 0, "the run must have raced purges against computations")
    }

    @Test(
        "an entry is served until its time to live ends, then never; each expiration is counted once",
        arguments: StoreKind.allCases)
    func expiry(kind: StoreKind) async throws {
        let fixture = try await StoreFixture(kind)
        _ = try await fixture.read("/looked-up", user: "5", ttl: .seconds(10))
        _ = try await fixture.read("/swept", user: "5", ttl: .seconds(10))
        _ = try await fixture.read("/long", user: "5", ttl: .seconds(100))
        fixture.clock.advance(by: .seconds(9))
        #expect(try await fixture.read("/looked-up", user: "5").computed == false)
        #expect(try await fixture.stats().totals.expiringSoon == 2, "two of three end within the 60 s horizon")
        fixture.clock.advance(by: .seconds(2))
        #expect(
            try await fixture.read("/looked-up", user: "5", value: [2]).bytes == [2], "an expired entry is not served")
        try await fixture.sweep()
        try await fixture.sweep()
        let totals = try await fixture.totals()
        #expect(totals[.expirations] == 2)
        #expect(totals.keys == 2, "/looked-up again and /long")
        let expired = try await fixture.events().filter { $0.kind == .expired }.compactMap(\.key)
        #expect(expired.sorted() == ["/looked-up", "/swept"])
        #expect(try await fixture.read("/long", user: "5").computed == false)
    }

    @Test(
        "expiring soon: entries that end within the horizon, counted as they come into it, sorted by it, gone with a purge",
        arguments: StoreKind.allCases)
    func expiringSoon(kind: StoreKind) async throws {
        let fixture = try await StoreFixture(kind)
        _ = try await fixture.read("/short", user: "1", ttl: .seconds(30))
        _ = try await fixture.read("/long", user: "1", ttl: .seconds(120))
        _ = try await fixture.read("/other", user: "2", ttl: .seconds(100))
        _ = try await fixture.read("/later", user: "3", ttl: .seconds(200))
        try await fixture.sweep()
        #expect(try await fixture.totals().expiringSoon == 1, "only /short ends within the 60 s horizon")

        // 61 s later /long and /other are within the horizon, /short has expired.
        fixture.clock.advance(by: .seconds(61))
        try await fixture.sweep()
        var snapshot = try await fixture.stats(StatsQuery(sort: .expiringSoon, order: .descending))
        #expect(snapshot.totals.expiringSoon == 2)
        #expect(snapshot.prefixes.map(\.user) == ["1", "2", "3"], "ties of one go by prefix, then the zero")
        #expect(snapshot.prefixes.map(\.expiringSoon) == [1, 1, 0])
        snapshot = try await fixture.stats(StatsQuery(sort: .expiringSoon, order: .ascending, limit: 1))
        #expect(snapshot.prefixes.map(\.user) == ["3"])

        _ = try await fixture.cache.purge(user: "2")
        try await fixture.settle()
        #expect(try await fixture.totals().expiringSoon == 1, "the purge took user 2's entry with it")
        // A new entry that ends within the horizon counts at once.
        _ = try await fixture.read("/soon", user: "3", ttl: .seconds(10))
        try await fixture.settle()
        snapshot = try await fixture.stats(StatsQuery(sort: .expiringSoon, order: .descending, limit: 1))
        #expect(snapshot.totals.expiringSoon == 2)
        #expect(snapshot.prefixes.first?.user == "1" && snapshot.prefixes.first?.expiringSoon == 1)
    }

    @Test("counters, gauges, per-prefix figures and the keys of a prefix", arguments: StoreKind.allCases)
    func counters(kind: StoreKind) async throws {
        let fixture = try await StoreFixture(kind)
        for key in ["/c", "/a", "/b"] { _ = try await fixture.read(key, user: "1", value: Array("value".utf8)) }
        _ = try await fixture.read("/a", user: "1")
        _ = try await fixture.read("/a", user: "1")
        _ = try await fixture.read("/x", user: "2")
        _ = try await fixture.read("/public", user: nil)
        let purge = try await fixture.cache.purge(user: "2")
        #expect(purge.removedKeys == 1 && purge.removedBytes > 0)

        let snapshot = try await fixture.stats(StatsQuery(sort: .hits))
        let totals = snapshot.totals
        #expect(totals[.hits] == 2 && totals[.misses] == 5 && totals[.sets] == 5)
        #expect(totals[.purges] == 1 && totals[.purgedKeys] == 1 && totals.keys == 4 && totals.bytes > 0)
        #expect(snapshot.prefixCount == 3)
        let first = try #require(snapshot.prefixes.first)
        #expect(first.user == "1" && first.keys == 3 && first[.hits] == 2 && first[.misses] == 3 && first[.sets] == 3)
        let two = try #require(snapshot.prefixes.first { $0.user == "2" })
        #expect(two.keys == 0 && two[.purges] == 1 && two.lastPurgeAt != nil && two.generation == purge.generation)

        let filtered = try await fixture.stats(StatsQuery(filter: "2"))
        #expect(filtered.prefixCount == 1 && filtered.prefixes.map(\.user) == ["2"])

        let keys = try await fixture.cache.keys(user: "1")
        #expect(keys.map(\.key) == ["/a", "/b", "/c"])
        #expect(keys.map(\.hits) == [2, 0, 0])
        #expect(keys.allSatisfy { $0.size == 5 && $0.ttlLeftSeconds > 290 && $0.ttlLeftSeconds <= 300 })
        #expect(try await fixture.cache.keys(in: CachePrefix(namespace: "api", user: "never")) == nil)
    }

    @Test("events are numbered; a poller that fell behind learns how many it missed", arguments: StoreKind.allCases)
    func eventNumbering(kind: StoreKind) async throws {
        let fixture = try await StoreFixture(kind, eventCapacity: 5)
        for user in 1...8 { try await fixture.cache.purge(user: String(user)) }
        try await fixture.settle()
        let page = try await fixture.cache.events(after: 0, limit: 100)
        #expect(page.dropped == 3 && page.events.map(\.seq) == [4, 5, 6, 7, 8] && page.newestSeq == 8)
        #expect(page.events.map(\.user) == ["4", "5", "6", "7", "8"])
        let next = try await fixture.cache.events(after: 6, limit: 1)
        #expect(next.events.map(\.seq) == [7] && next.lastSeq == 7 && next.dropped == 0)
        let none = try await fixture.cache.events(after: 8, limit: 10)
        #expect(none.events.isEmpty && none.lastSeq == 8)
        let beyond = try await fixture.cache.events(after: .max, limit: 10)
        #expect(beyond.events.isEmpty && beyond.lastSeq == 8 && beyond.dropped == 0, "a poller ahead of the store")
    }

    @Test(
        "a failing store is served around, counted, skipped by the breaker, and used again",
        arguments: StoreKind.allCases)
    func failOpen(kind: StoreKind) async throws {
        let fixture = try await StoreFixture(kind)
        _ = try await fixture.read("/k", user: "1", value: [1])
        fixture.faulty.setFailing(true)
        for _ in 0..<5 { #expect(try await fixture.read("/k", user: "1", value: [9]) == ([9], true)) }
        #expect(fixture.cache.isCircuitOpen)
        let attempts = fixture.faulty.attempts
        #expect(try await fixture.read("/k", user: "1", value: [9]).computed)
        #expect(fixture.faulty.attempts == attempts, "an open circuit does not touch the store")
        await #expect(throws: CacheAsideError.self) { try await fixture.cache.purge(user: "1") }

        let snapshot = try await fixture.stats()
        #expect(snapshot.circuitOpen && snapshot.totals[.errors] >= 5)
        #expect(try await fixture.events().contains { $0.kind == .storeError && $0.user == "1" })

        fixture.faulty.setFailing(false)
        fixture.clock.advance(by: .seconds(5))
        #expect(try await fixture.read("/k", user: "1", value: [2]) == ([1], false), "the entry survived the outage")
        #expect(!fixture.cache.isCircuitOpen)
    }

    @Test(
        "an empty prefix idle past the retention is forgotten; one with entries or recent use is kept",
        arguments: StoreKind.allCases)
    func idleEmptyPrefixesAreForgotten(kind: StoreKind) async throws {
        let fixture = try await StoreFixture(kind)
        _ = try await fixture.read("/k", user: "purged")
        try await fixture.cache.purge(user: "purged")
        _ = try await fixture.read("/k", user: "holder", ttl: .seconds(7200))
        _ = try await fixture.read("/k", user: "recent", ttl: .zero)
        fixture.clock.advance(by: .seconds(3000))
        _ = try await fixture.read("/k", user: "recent", ttl: .zero)
        fixture.clock.advance(by: .seconds(700))
        try await fixture.sweep()

        let snapshot = try await fixture.stats(StatsQuery(sort: .user, order: .ascending))
        #expect(snapshot.prefixes.compactMap(\.user) == ["holder", "recent"])
        #expect(
            snapshot.totals[.purges] == 1 && snapshot.totals[.misses] == 4, "totals keep counting forgotten prefixes")
        #expect(try await fixture.cache.keys(in: fixture.cache.prefix(user: "purged")) == nil)
        #expect(try await fixture.read("/k", user: "holder").computed == false)
    }

    @Test("a computation that outlives its forgotten prefix is still not stored", arguments: StoreKind.allCases)
    func fencingSurvivesForgetting(kind: StoreKind) async throws {
        let fixture = try await StoreFixture(kind)
        let gate = Gate()
        let slow = try await fixture.cache.computationHeld(at: gate, key: "/k", user: "1", value: [0])
        try await fixture.cache.purge(user: "1")
        fixture.clock.advance(by: .seconds(7200))
        try await fixture.sweep()
        #expect(try await fixture.stats().prefixCount == 0, "the purged, idle prefix was forgotten")
        gate.open()
        _ = try await slow.value
        #expect(try await fixture.totals()[.staleSetsRejected] == 1)
        #expect(try await fixture.read("/k", user: "1", value: [1]).bytes == [1])
    }
}
