import CacheAside
import TestSupport
import Testing

@Suite("Byte budget and eviction")
struct BudgetTests {
    static let entry = 1_000 + MemoryStore.entryOverhead + "/k00".utf8.count

    @Test("the least recently used entries are evicted to stay within the budget, counted and emitted")
    func lruEviction() async throws {
        let fixture = Fixture(maxBytes: Self.entry * 3)
        let value = [UInt8](repeating: 1, count: 1_000)
        for index in 0..<3 { _ = try await fixture.read("/k0\(index)", user: "1", value: value) }
        _ = try await fixture.read("/k00", user: "1")  // k00 is now the most recently used
        _ = try await fixture.read("/k03", user: "2", value: value)
        let totals = try await fixture.totals()
        #expect(totals[.evictions] == 1 && totals.keys == 3 && totals.bytes <= Self.entry * 3)
        #expect(try await fixture.cache.keys(user: "1").map(\.key) == ["/k00", "/k02"])
        let evicted = try await fixture.events().filter { $0.kind == .evicted }
        #expect(evicted.map(\.key) == ["/k01"] && evicted.first?.user == "1")
        let prefixes = try await fixture.cache.stats(StatsQuery(sort: .user, order: .ascending)).prefixes
        #expect(prefixes.map { $0[.evictions] } == [1, 0])
    }

    @Test("a value larger than the whole budget is served but not stored")
    func oversizedValue() async throws {
        let fixture = Fixture(maxBytes: 4_096)
        let huge = [UInt8](repeating: 2, count: 10_000)
        #expect(try await fixture.read("/big", user: "1", value: huge).bytes == huge)
        #expect(try await fixture.read("/big", user: "1", value: huge).computed)
        let totals = try await fixture.totals()
        #expect(totals.keys == 0 && totals[.evictions] == 0)
    }

    @Test("bytes count key, value and bookkeeping, and go back to zero when entries go")
    func byteAccounting() async throws {
        let fixture = Fixture()
        _ = try await fixture.read("/abc", user: "1", value: [UInt8](repeating: 0, count: 100))
        #expect(try await fixture.totals().bytes == 100 + 4 + MemoryStore.entryOverhead)
        _ = try await fixture.cache.cachedBytes(key: "/abc", user: "1", ttl: .seconds(1)) { [] }
        try await fixture.cache.purge(user: "1")
        let totals = try await fixture.totals()
        #expect(totals.bytes == 0 && totals.keys == 0)
    }
}
