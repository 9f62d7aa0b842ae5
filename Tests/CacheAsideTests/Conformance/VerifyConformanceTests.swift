import CacheAside
import Foundation
import TestSupport
import Testing

/// Every store serves what verification needs: the stored bytes without counting a hit, the
/// verification counters, and a `verified` event in the events and the prefix's timeline.
@Suite("Verify conformance", .timeLimit(.minutes(2)))
struct VerifyConformanceTests {
    @Test(
        "verify computes each entry again and says which are fresh, stale or unverifiable",
        arguments: StoreKind.allCases)
    func verify(kind: StoreKind) async throws {
        let fixture = try await StoreFixture(kind)
        _ = try await fixture.read("/fresh", user: "42", value: Array(#"{"n":1,"computedAt":"10:00"}"#.utf8))
        _ = try await fixture.read("/stale", user: "42", value: Array("old".utf8))
        _ = try await fixture.read("/other", user: "42", value: Array("x".utf8))
        let before = try await fixture.totals()
        fixture.cache.registerRecompute(comparison: .json(ignoring: ["computedAt"])) { key, user in
            #expect(user == "42")
            switch key {
            case "/fresh": return Array(#"{"computedAt":"10:05", "n": 1}"#.utf8)
            case "/stale": return Array("new".utf8)
            default: return nil
            }
        }
        fixture.clock.advance(by: .seconds(30))
        let report = try await fixture.cache.verify(user: "42")
        #expect(report.results.map(\.key) == ["/fresh", "/other", "/stale"])
        #expect(report.results.map(\.state) == [.fresh, .unverifiable, .stale])
        #expect(report.results.last?.ageSeconds == 30, "stale for at most its age")
        #expect(report.summary == "1 fresh, 1 stale, 1 unverifiable")
        #expect(!report.timedOut)

        let after = try await fixture.totals()
        #expect(after[.verifications] - before[.verifications] == 2, "fresh and stale were compared")
        #expect(after[.staleVerifications] - before[.staleVerifications] == 1)
        #expect(after[.hits] == before[.hits], "reading the stored values is not a hit")
        #expect(after[.misses] == before[.misses])
        let timeline = try await fixture.cache.timeline(user: "42")
        #expect(timeline.first?.kind == .verified)
        #expect(timeline.first?.message == report.summary)
        #expect(try await fixture.events().contains { $0.kind == .verified })
        #expect(try await fixture.read("/stale", user: "42").computed == false, "verify changes no entry")
    }

    @Test(
        "verify of an empty prefix answers no results; of an unknown one, nil; bad limits are refused",
        arguments: StoreKind.allCases)
    func emptyAndUnknown(kind: StoreKind) async throws {
        let fixture = try await StoreFixture(kind)
        _ = try await fixture.read("/a", user: "7")
        try await fixture.cache.purge(user: "7")
        let empty = try #require(try await fixture.cache.verify(fixture.cache.prefix(user: "7")))
        #expect(empty.results.isEmpty)
        #expect(try await fixture.cache.verify(fixture.cache.prefix(user: "never-seen")) == nil)
        for (limit, concurrency) in [(0, 4), (1001, 4), (10, 0), (10, 65)] {
            await #expect(throws: CacheAsideError.self) {
                try await fixture.cache.verify(user: "7", limit: limit, concurrency: concurrency)
            }
        }
    }
}

extension VerifyConformanceTests {
    @Test(
        "sampled hits are verified after they are served; a stale one counts in the prefix, the route and the events",
        arguments: StoreKind.allCases)
    func sampling(kind: StoreKind) async throws {
        let fixture = try await StoreFixture(kind)
        let cache = CacheAside(
            store: fixture.faulty,
            configuration: .init(namespace: "api", defaultTTL: .seconds(300), ttlJitter: 0, verifySample: 1),
            clock: fixture.clock)
        let current = Locked(Array("v1".utf8))
        cache.registerRecompute { _, _ in current.withLock { $0 } }
        let route = "GET /api/users/{user}/summary"
        func read() async throws -> CachedBytes {
            try await cache.lookupOrCompute(key: "/summary", user: "42", route: route) {
                ComputedValue(bytes: current.withLock { $0 })
            }
        }
        _ = try await read()
        #expect(try await read().source == .hit)
        try await poll { try await fixture.totals()[.verifications] == 1 }
        current.withLock { $0 = Array("v2".utf8) }
        #expect(try await read().bytes == Array("v1".utf8), "the hit is served as stored, at once")
        try await poll { try await fixture.totals()[.staleVerifications] == 1 }
        let prefix = try #require(try await fixture.stats().prefixes.first { $0.user == "42" })
        #expect(prefix[.staleVerifications] == 1)
        let figures = try #require(try await cache.routes().routes.first { $0.route == route })
        #expect(figures.verifications == 2)
        #expect(figures.staleVerifications == 1)
        #expect(try await fixture.events().contains { $0.kind == .staleHit && $0.user == "42" })
    }
}

/// Polls `condition` every 20 ms, for at most 10 s.
func poll(_ condition: () async throws -> Bool) async throws {
    for _ in 0..<500 {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(20))
    }
    Issue.record("the condition did not hold within 10 s")
}

@Suite("Verify")
struct VerifyTests {
    @Test(
        "a computation past the deadline is an error, the ones not started are skipped, and verify does not wait for it"
    )
    func deadline() async throws {
        let cache = CacheAside(store: MemoryStore(), configuration: .init(namespace: "api", ttlJitter: 0))
        for key in 0..<6 { _ = try await cache.cachedBytes(key: "/k\(key)", user: "1") { [1] } }
        let released = Gate()
        cache.registerRecompute { _, _ in
            // Never answers until the test ends, and ignores cancellation.
            await released.wait()
            return [1]
        }
        // It answers at all: the computations are still held, so it did not wait for them.
        let report = try await cache.verify(user: "1", concurrency: 2, timeout: .milliseconds(300))
        #expect(report.timedOut)
        #expect(report.results.count == 2)
        #expect(report.results.allSatisfy { $0.state == .error })
        #expect(report.skipped == 4)
        released.open()
    }

    @Test("JSON comparison ignores the named fields at any depth, key order and spacing; other bodies compare bytes")
    func comparison() {
        let comparison = BodyComparison.json(ignoring: ["computedAt"])
        #expect(
            comparison.matches(
                Array(#"{"a":1,"b":{"computedAt":1,"c":[1]}}"#.utf8),
                Array(#"{ "b": {"c": [1], "computedAt": 2}, "a": 1 }"#.utf8)))
        #expect(!comparison.matches(Array(#"{"a":1}"#.utf8), Array(#"{"a":2}"#.utf8)))
        #expect(!comparison.matches(Array("not json".utf8), Array("not json ".utf8)))
        #expect(BodyComparison.exact.matches([1, 2], [1, 2]))
        #expect(!BodyComparison.exact.matches(Array(#"{"a":1}"#.utf8), Array(#"{ "a":1}"#.utf8)))
    }
}
