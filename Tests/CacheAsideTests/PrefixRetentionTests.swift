import CacheAside
import TestSupport
import Testing

@Suite("Idle prefix retention")
struct PrefixRetentionTests {
    @Test("an empty prefix idle past the retention is forgotten; one with entries or recent use is kept")
    func idleEmptyPrefixesAreForgotten() async throws {
        let fixture = Fixture()
        _ = try await fixture.read("/k", user: "purged")
        try await fixture.cache.purge(user: "purged")
        _ = try await fixture.read("/k", user: "holder", ttl: .seconds(7200))
        _ = try await fixture.read("/k", user: "recent", ttl: .zero)
        fixture.clock.advance(by: .seconds(3000))
        _ = try await fixture.read("/k", user: "recent", ttl: .zero)
        fixture.clock.advance(by: .seconds(700))
        fixture.store.sweep()

        let snapshot = try await fixture.cache.stats(StatsQuery(sort: .user, order: .ascending))
        #expect(snapshot.prefixes.compactMap(\.user) == ["holder", "recent"])
        #expect(snapshot.totals.purges == 1 && snapshot.totals.misses == 4, "totals keep counting forgotten prefixes")
        #expect(try await fixture.cache.keys(in: fixture.cache.prefix(user: "purged")) == nil)
        #expect(try await fixture.read("/k", user: "holder").computed == false)
    }

    @Test("a computation that outlives its forgotten prefix is still not stored")
    func fencingSurvivesForgetting() async throws {
        let fixture = Fixture()
        let gate = Gate()
        let slow = Task {
            try await fixture.cache.cachedBytes(key: "/k", user: "1") {
                await gate.wait()
                return [0]
            }
        }
        try await gate.waitForArrivals(1)
        try await fixture.cache.purge(user: "1")
        fixture.clock.advance(by: .seconds(7200))
        fixture.store.sweep()
        gate.open()
        _ = try await slow.value
        #expect(try await fixture.totals().staleSetsRejected == 1)
        #expect(try await fixture.read("/k", user: "1", value: [1]).bytes == [1])
    }
}
