import CacheAside
import CacheAsideRedis
import Foundation
import TestSupport
import Testing

/// Instances whose wall clocks are 30 s off share one Redis (issue 10, item 3): deadlines are
/// Redis's time, so no instance serves an entry past its TTL or drops one early.
@Suite("Clock skew between instances does not change what expires when", .serialized, .timeLimit(.minutes(1)))
struct ClockSkewTests {
    static func instance(_ server: RedisServer, skew seconds: Double) throws -> RedisFixture {
        try RedisFixture(
            server, clock: CacheClock(ContinuousClock(), wallTimeAtStart: Date().addingTimeInterval(seconds)))
    }

    @Test(
        "entries written by an instance 30 s behind or ahead live their TTL, as every instance sees it",
        arguments: [-30.0, 30.0])
    func skewedWriter(skew: Double) async throws {
        let server = try await RedisServer()
        let skewed = try Self.instance(server, skew: skew)
        let correct = try Self.instance(server, skew: 0)
        _ = try await skewed.read("/orders", user: "42", value: "v", ttl: .seconds(10))

        #expect(try await correct.read("/orders", user: "42", value: "other") == ("v", false))
        #expect(try await skewed.read("/orders", user: "42", value: "other") == ("v", false))
        let entry = try #require(try await correct.cache.keys(user: "42").first)
        // 30 s off would show as 40 s or -20 s; the margin below is for a slow machine, not for skew.
        #expect(entry.ttlLeftSeconds <= 10, "the entry would live \(entry.ttlLeftSeconds) s")
        #expect(entry.ttlLeftSeconds > 5)
        #expect(entry.ageSeconds >= 0)
        #expect(entry.ageSeconds < 5)
    }

    @Test("an instance 30 s ahead does not expire the fresh entries of others", arguments: [-30.0, 30.0])
    func skewedReader(skew: Double) async throws {
        let server = try await RedisServer()
        let correct = try Self.instance(server, skew: 0)
        let skewed = try Self.instance(server, skew: skew)
        _ = try await correct.read("/orders", user: "42", value: "v", ttl: .seconds(10))
        #expect(try await skewed.read("/orders", user: "42", value: "other") == ("v", false))
        try await skewed.store.sweep()
        #expect(try await correct.read("/orders", user: "42", value: "other") == ("v", false))
        #expect(try await correct.totals()[.expirations] == 0)
    }
}
