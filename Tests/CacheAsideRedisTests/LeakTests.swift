import CacheAside
import CacheAsideRedis
import Foundation
import RESP
import TestSupport
import Testing

/// Nothing a store writes stays in Redis for ever (issue 10, item 4), and the keys page reads
/// from an index (item 5).
@Suite("What the store writes, Redis can always free", .serialized, .timeLimit(.minutes(1)))
struct LeakTests {
    @Test("an entry stored by an instance that died before its flush is still swept by another")
    func sweptWithoutTheWritersFlush() async throws {
        let server = try await RedisServer()
        let clock = ManualClock()
        // Writes, then is never flushed or run again: as if killed at once.
        let dead = try RedisFixture(server, clock: CacheClock(clock))
        _ = try await dead.read("/orders", user: "42", value: "v", ttl: .seconds(10))
        let survivor = try RedisFixture(server, clock: CacheClock(clock))
        clock.advance(by: .seconds(11))
        try await survivor.store.sweep()

        let totals = try await survivor.totals()
        #expect(totals.keys == 0, "the entry is still counted")
        #expect(totals[.expirations] == 1)
        let raw = try await RawRedis(server)
        #expect(
            try await raw.run("HLEN", RedisFixture.valuesKey("api:{u:42}")) == .integer(0),
            "the value is still in Redis")
        await raw.close()
    }

    @Test("every key the store writes carries a Redis expiry, so an abandoned cache goes by itself")
    func everyKeyExpires() async throws {
        let server = try await RedisServer()
        let fixture = try RedisFixture(server)
        _ = try await fixture.read("/orders", user: "42", value: "v", ttl: .seconds(60))
        _ = try await fixture.read("/orders", user: "42", value: "v", ttl: .seconds(60))
        _ = try await fixture.read("/public", user: "7", value: "v", ttl: .seconds(60))
        _ = try await fixture.cache.purge(user: "7")
        try await fixture.store.flush()
        _ = try await fixture.cache.events(after: 0, limit: 10)

        let raw = try await RawRedis(server)
        let keys = try await raw.allKeys()
        #expect(keys.count >= 10)
        for key in keys {
            let ttl = try await raw.run("PTTL", key).int ?? -3
            #expect(ttl > 0, "\(key) has no expiry (PTTL \(ttl))")
        }
        // An entry's keys outlive its deadline by the backstop, never less.
        let value = try await raw.run("PTTL", RedisFixture.valuesKey("api:{u:42}")).int ?? 0
        #expect(value > 60_000)
        await raw.close()
    }

    @Test("the keys page reads pages by rank from the name index: every entry once, in route order")
    func keysPagedFromIndex() async throws {
        let server = try await RedisServer()
        let fixture = try RedisFixture(server)
        let routes = (0..<250).map { String(format: "/item/%04d", $0) }
        for route in routes.shuffled() { _ = try await fixture.read(route, user: "9", value: "v") }
        var seen: [String] = []
        for page in 0..<6 {
            seen += try await fixture.cache.keys(user: "9", limit: 50, offset: page * 50).map(\.key)
        }
        #expect(seen == routes)
        // A purge empties the index with the entries.
        _ = try await fixture.cache.purge(user: "9")
        #expect(try await fixture.cache.keys(user: "9").isEmpty)
    }
}
