import Foundation
import TestSupport
import Testing

@testable import CacheAside

/// Every store counts per route template: lookups, computations and their time, entries held
/// (which purges, expirations and replacements take off again).
@Suite("Routes conformance", .timeLimit(.minutes(2)))
struct RoutesConformanceTests {
    func read(_ fixture: StoreFixture, _ key: String, user: String, route: String?, cost: Duration) async throws {
        _ = try await fixture.cache.lookupOrCompute(key: key, user: user, route: route) {
            fixture.clock.advance(by: cost)
            return ComputedValue(bytes: Array(repeating: 7, count: 100))
        }
    }

    func route(_ fixture: StoreFixture, _ name: String) async throws -> RouteStats? {
        try await fixture.settle()
        return try await fixture.cache.routes(RoutesQuery(limit: 100)).routes.first { $0.route == name }
    }

    @Test(
        "hits, misses, entries, the cost of a miss and the time saved add up per route template",
        arguments: StoreKind.allCases)
    func perRoute(kind: StoreKind) async throws {
        let fixture = try await StoreFixture(kind)
        let orders = "GET /api/users/{user}/orders"
        for user in ["1", "2"] {
            try await read(fixture, "/api/users/\(user)/orders", user: user, route: orders, cost: .milliseconds(20))
            try await read(fixture, "/api/users/\(user)/orders", user: user, route: orders, cost: .milliseconds(20))
        }
        try await read(fixture, "/api/users/1/orders?page=2", user: "1", route: orders, cost: .milliseconds(80))
        try await read(fixture, "/plain", user: "1", route: nil, cost: .milliseconds(1))

        let figures = try #require(try await route(fixture, orders))
        #expect(figures.hits == 2)
        #expect(figures.misses == 3)
        #expect(figures.keys == 3)
        #expect(figures.bytes > 300)
        #expect(figures.computations == 3)
        #expect(abs(figures.computeSeconds - 0.12) < 0.001)
        let median = try #require(figures.missCostP50Seconds)
        #expect(median > 0.02 / 1.5 && median < 0.02 * 1.5, "the median miss cost is about 20 ms: \(median)")
        #expect(abs(figures.savedSeconds - 2 * 0.04) < 0.001, "two hits, each a mean miss of 40 ms saved")
        #expect(try await route(fixture, RouteStats.other)?.keys == 1, "a key without a template counts as other")

        try await fixture.cache.purge(user: "1")
        #expect(try await route(fixture, orders)?.keys == 1, "the purge took user 1's two entries off")
        fixture.clock.advance(by: .seconds(400))
        try await fixture.sweep()
        let swept = try #require(try await route(fixture, orders))
        #expect(swept.keys == 0)
        #expect(swept.bytes == 0)
        #expect(swept.hits == 2, "counters stay")
        let snapshot = try await fixture.cache.routes(RoutesQuery(sort: .misses, limit: 1))
        #expect(snapshot.routes.map(\.route) == [orders])
        #expect(snapshot.routeCount == 2)
    }
}

@Suite("Routes")
struct RoutesTests {
    @Test("the median of a miss's cost is within 12% of the true one, from 2 µs to an hour")
    func medianPrecision() {
        var milliseconds = 0.002
        var last = -1
        while milliseconds < 3_600_000 {
            var figures = RouteFigures()
            figures.countComputation(nanoseconds: Int64(milliseconds * 1e6))
            let median = figures.medianSeconds ?? 0
            #expect(abs(median / (milliseconds / 1000) - 1) <= 0.125, "\(milliseconds) ms gave \(median) s")
            let bucket = RouteFigures.bucket(of: UInt64(milliseconds * 1e6))
            #expect(bucket >= last, "buckets grow with the time")
            last = bucket
            milliseconds *= 1.07
        }
    }

    @Test("past the configured number of templates, new ones count as other; the query sorts, filters and pages")
    func bounded() async throws {
        let cache = CacheAside(store: MemoryStore(), configuration: .init(namespace: "api", maximumRoutes: 2))
        for index in 0..<5 {
            _ = try await cache.lookupOrCompute(key: "/\(index)", user: "1", route: "GET /r\(index)") {
                ComputedValue(bytes: [1])
            }
        }
        let all = try await cache.routes()
        #expect(Set(all.routes.map(\.route)) == ["GET /r0", "GET /r1", RouteStats.other])
        #expect(all.routes.first { $0.route == RouteStats.other }?.misses == 3)
        let filtered = try await cache.routes(RoutesQuery(sort: .route, order: .ascending, filter: "R1"))
        #expect(filtered.routes.map(\.route) == ["GET /r1"])
        let paged = try await cache.routes(RoutesQuery(sort: .route, order: .ascending, limit: 1, offset: 1))
        #expect(paged.routes.map(\.route) == ["GET /r1"])
        #expect(paged.routeCount == 3)
        await #expect(throws: CacheAsideError.self) { try await cache.routes(RoutesQuery(limit: 0)) }
    }
}
