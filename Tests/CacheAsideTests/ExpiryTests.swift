import CacheAside
import ServiceLifecycle
import TestSupport
import Testing

@Suite("Time to live and expiry")
struct ExpiryTests {
    @Test("an expired entry is never served, even before the sweeper runs")
    func expiredNotServed() async throws {
        let fixture = Fixture()
        _ = try await fixture.read("/k", user: "1", value: [1], ttl: .seconds(10))
        fixture.clock.advance(by: .seconds(9))
        #expect(try await fixture.read("/k", user: "1").computed == false)
        fixture.clock.advance(by: .seconds(1))
        let after = try await fixture.read("/k", user: "1", value: [2], ttl: .seconds(10))
        #expect(after.computed && after.bytes == [2])
        #expect(try await fixture.totals()[.expirations] == 1)
        #expect(try await fixture.events().filter { $0.kind == .expired }.map(\.key) == ["/k"])
    }

    @Test("the sweeper removes expired entries, counts them per prefix and emits expired events")
    func sweeperCountsAndEmits() async throws {
        let fixture = Fixture()
        for index in 0..<5 { _ = try await fixture.read("/k\(index)", user: "1", ttl: .seconds(30)) }
        _ = try await fixture.read("/long", user: "2", ttl: .seconds(600))
        fixture.clock.advance(by: .seconds(31))
        fixture.store.sweep()
        let snapshot = try await fixture.cache.stats(StatsQuery(sort: .user, order: .ascending))
        #expect(snapshot.totals[.expirations] == 5)
        #expect(snapshot.totals.keys == 1)
        #expect(snapshot.prefixes.map { $0[.expirations] } == [5, 0])
        let expired = try await fixture.events().filter { $0.kind == .expired }
        #expect(expired.count == 5 && expired.allSatisfy { $0.user == "1" && $0.prefix == "api:{u:1}" })
    }

    @Test(
        "the sweeper runs as a Service on the injected clock and stops when cancelled", .timeLimit(.minutes(1)))
    func sweeperService() async throws {
        let fixture = Fixture()
        _ = try await fixture.read("/k", user: "1", ttl: .seconds(5))
        let stopped = Locked(false)
        // Unstructured, so that a sweeper that ignores cancellation fails this test instead of hanging
        // it: a task group would wait for its child forever.
        let service = Task {
            try? await fixture.store.run()
            stopped.withLock { $0 = true }
        }
        var swept = false
        for _ in 0..<2_000 where !swept {
            if fixture.clock.sleeperCount > 0 { fixture.clock.advance(by: .seconds(1)) }
            try await Task.sleep(for: .milliseconds(1))
            swept = try await fixture.totals()[.expirations] == 1
        }
        #expect(swept, "the sweeper removed the entry once its time had passed")
        service.cancel()
        var stoppedInTime = false
        for _ in 0..<200 where !stoppedInTime {  // at most about 2 s
            try await Task.sleep(for: .milliseconds(10))
            stoppedInTime = stopped.withLock { $0 }
        }
        #expect(stoppedInTime, "the sweeper stopped within 2 s of being cancelled")
    }

    @Test("jitter spreads times to live by the configured fraction; zero jitter keeps them exact")
    func jitter() async throws {
        let jittered = Fixture(jitter: 0.1)
        for index in 0..<200 { _ = try await jittered.read("/k\(index)", user: "1", ttl: .seconds(100)) }
        let ttls = try await jittered.cache.keys(user: "1", limit: 1000).map(\.ttlLeftSeconds)
        #expect(ttls.allSatisfy { (90...110).contains($0) })
        #expect(ttls.max()! - ttls.min()! > 5, "200 entries stored together do not share one deadline")

        let exact = Fixture(jitter: 0)
        for index in 0..<20 { _ = try await exact.read("/k\(index)", user: "1", ttl: .seconds(100)) }
        #expect(try await exact.cache.keys(user: "1").allSatisfy { $0.ttlLeftSeconds == 100 })
    }

    @Test("expiringSoon counts entries whose time to live is under the horizon, per prefix and in total")
    func expiringSoon() async throws {
        let fixture = Fixture()
        _ = try await fixture.read("/short", user: "1", ttl: .seconds(30))
        _ = try await fixture.read("/long", user: "1", ttl: .seconds(120))
        _ = try await fixture.read("/other", user: "2", ttl: .seconds(100))
        fixture.store.sweep()
        #expect(try await fixture.totals().expiringSoon == 1)
        fixture.clock.advance(by: .seconds(61))
        fixture.store.sweep()
        let snapshot = try await fixture.cache.stats(StatsQuery(sort: .user, order: .ascending))
        #expect(snapshot.totals.expiringSoon == 2)
        #expect(snapshot.prefixes.map(\.expiringSoon) == [1, 1])
        try await fixture.cache.purge(user: "2")
        #expect(try await fixture.totals().expiringSoon == 1)
    }

    @Test("keys report age and time left from the injected clock")
    func keyAges() async throws {
        let fixture = Fixture()
        _ = try await fixture.read("/k", user: "1", value: [1, 2, 3], ttl: .seconds(60))
        fixture.clock.advance(by: .seconds(15))
        _ = try await fixture.read("/k", user: "1")
        let info = try #require(try await fixture.cache.keys(user: "1").first)
        #expect(info.key == "/k" && info.size == 3 && info.hits == 1)
        #expect(info.ageSeconds == 15 && info.ttlLeftSeconds == 45)
    }
}
