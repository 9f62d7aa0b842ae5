import CacheAside
import CacheAsideRedis
import TestSupport
import Testing

/// Redis at `maxmemory` with `noeviction`, the steady state of a busy cache (issue 10, item 1).
@Suite("A full Redis still purges, and never half-stores", .serialized, .timeLimit(.minutes(1)))
struct FullRedisTests {
    static let full = ["--maxmemory", "4mb", "--maxmemory-policy", "noeviction"]

    @Test("a purge works while Redis is full, and the purged value is not served again")
    func purgeWhenFull() async throws {
        let server = try await RedisServer(arguments: Self.full)
        let fixture = try RedisFixture(server)
        #expect(try await fixture.read("/orders", user: "42", value: "old").computed)
        #expect(try await fixture.read("/orders", user: "42", value: "old") == ("old", false))
        let raw = try await RawRedis(server)
        try await raw.fill()

        let result = try await fixture.cache.purge(user: "42")
        #expect(result.removedKeys == 1)
        let after = try await fixture.read("/orders", user: "42", value: "new")
        #expect(after.value == "new", "the purged value was served again")
        #expect(after.computed)
        // Sweeps and flushes (counters) run too.
        try await fixture.store.flush()
        try await fixture.store.sweep()
        await raw.close()
    }

    @Test("a store refused for memory changes nothing, is counted, and the request is still served")
    func storeRefusedWhole() async throws {
        let server = try await RedisServer(arguments: Self.full)
        let fixture = try RedisFixture(server)
        _ = try await fixture.read("/a", user: "1", value: "first")
        let raw = try await RawRedis(server)
        try await raw.fill()

        // A write over the existing entry, as a recomputation would make: refused before it removes
        // the old entry, which is still the one served.
        let key = CacheKey(prefix: fixture.cache.prefix(user: "1"), route: "/a")
        guard case .hit = try await fixture.store.lookup(key) else {
            Issue.record("the entry stored before Redis was full is gone")
            return
        }
        let generation = try #require(try await fixture.cache.keys(user: "1").first?.generation)
        let outcome = try await fixture.store.store(
            Array("second".utf8), for: key, ttl: .seconds(60), generation: generation)
        #expect(outcome == .refusedForMemory)
        #expect(try await fixture.read("/a", user: "1", value: "third") == ("first", false))

        // A miss while full is computed and served, not stored, and counted as refused, not as an error.
        #expect(try await fixture.read("/b", user: "1", value: "b") == ("b", true))
        #expect(try await fixture.read("/b", user: "1", value: "b2") == ("b2", true))
        let totals = try await fixture.totals()
        #expect(totals[.setsRefusedForMemory] == 3)
        #expect(totals[.errors] == 0)
        #expect(!fixture.cache.isCircuitOpen, "a full Redis is not a failing one")
        await raw.close()
    }

    @Test("lookups of users never seen do not grow a full Redis, and their misses are still counted")
    func newUsersDoNotGrowAFullRedis() async throws {
        let server = try await RedisServer(arguments: Self.full)
        let fixture = try RedisFixture(server)
        _ = try await fixture.read("/a", user: "1", value: "first")
        try await fixture.store.flush()
        let raw = try await RawRedis(server)
        try await raw.fill()
        let keys = Set(try await raw.allKeys())
        for user in 0..<200 { _ = try await fixture.read("/a", user: "new-\(user)", value: "v") }
        let totals = try await fixture.totals()
        // The only keys a full Redis may gain: its partitions' totals hashes (one small hash per
        // partition, ever), where the misses of users it could not list are counted.
        let added = Set(try await raw.allKeys()).subtracting(keys)
        #expect(added.allSatisfy { $0.hasSuffix("#cachemon:totals") }, "new keys past maxmemory: \(added.sorted())")
        #expect(!added.contains { $0.contains("new-") }, "no key of a new user")
        #expect(totals[.misses] == 201)
        #expect(totals[.setsRefusedForMemory] == 200)
        await raw.close()
    }
}
