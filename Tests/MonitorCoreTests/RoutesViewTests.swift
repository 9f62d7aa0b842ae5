import CacheAdminAPI
import Foundation
import Testing

@testable import MonitorCore

@Suite("Routes view")
struct RoutesViewTests {
    func at(_ seconds: Double) -> Date { Fixtures.start.addingTimeInterval(seconds) }

    static let summary = "GET /api/users/{user}/dashboard/summary"
    static let orders = "GET /api/users/{user}/orders"

    /// Three routes: a costly summary that saves the most, orders, and requests without a template.
    static func routes(at time: Date, saved: Double = 431.9, query: RoutesQuery = RoutesQuery(limit: 35))
        -> RoutesSnapshot
    {
        RoutesSnapshot(
            serverTime: time, instance: "web-1", query: query, routeCount: 3,
            routes: [
                RouteStats(
                    route: summary, hits: 101_480, misses: 9_120, keys: 912, bytes: 1_843_200, computations: 9_120,
                    computeSeconds: 36.5, missCostP50Seconds: 0.0028, verifications: 1_015, staleVerifications: 3),
                RouteStats(
                    route: orders, hits: 40_210, misses: 12_400, keys: 2_310, bytes: 9_461_760, computations: 12_400,
                    computeSeconds: 4.6, missCostP50Seconds: 0.0003, verifications: 402),
                RouteStats(route: RouteStats.other, hits: 12, misses: 30, keys: 3, bytes: 120),
            ], savedSeconds: saved, computeSeconds: 41.2)
    }

    @Test("t opens the routes view and asks for a page as tall as the table; it shows each route's figures")
    func opens() throws {
        var state = Fixtures.liveState()
        let effects = reduce(&state, .key(.character("t"), at: at(1)))
        guard case .fetchRoutes(let query)? = effects.first else {
            Issue.record("t asked for \(effects)")
            return
        }
        #expect(query.limit == state.tableRows)
        #expect(query.sort == .saved)
        _ = reduce(&state, .routesLoaded(Self.routes(at: at(1))))
        let screen = render(state, size: state.size)
        try RenderTests().expectGolden(screen, "routes-120x40")
        let lines = screen.text.split(separator: "\n").map(String.init)
        let row = try #require(lines.first { $0.contains(Self.summary) })
        #expect(row.hasPrefix("▶ "), "the first route is selected")
        #expect(row.contains("101,480") && row.contains("2.8 ms") && row.hasSuffix("3"), "\(row)")
        #expect(screen.text.contains("routes 3"))
        #expect(reduce(&state, .key(.escape, at: at(2))) == [])
        #expect(state.mode == .table)
    }

    @Test("s, r and / sort, reverse and filter the routes, asked of the server")
    func sortAndFilter() {
        var state = Fixtures.liveState()
        _ = reduce(&state, .key(.character("t"), at: at(1)))
        _ = reduce(&state, .routesLoaded(Self.routes(at: at(1))))
        guard case .fetchRoutes(let sorted)? = reduce(&state, .key(.character("s"), at: at(2))).first else {
            Issue.record("s asked for nothing")
            return
        }
        #expect(sorted.sort == .route, "after saved comes the first column")
        guard case .fetchRoutes(let reversed)? = reduce(&state, .key(.character("r"), at: at(2))).first else {
            Issue.record("r asked for nothing")
            return
        }
        #expect(reversed.order == .ascending)
        _ = reduce(&state, .key(.character("/"), at: at(3)))
        for character in "orders" { _ = reduce(&state, .key(.character(character), at: at(3))) }
        #expect(render(state, size: state.size).text.contains("filter \"orders▏\""))
        guard case .fetchRoutes(let filtered)? = reduce(&state, .key(.enter, at: at(4))).first else {
            Issue.record("Enter asked for nothing")
            return
        }
        #expect(filtered.filter == "orders")
        _ = reduce(&state, .key(.escape, at: at(5)))
        #expect(state.routesQuery.filter == nil, "Esc clears the filter first")
        if case .routes = state.mode {} else { Issue.record("and stays in the view") }
    }

    @Test("the header says how much computation the cache saves per second, and how consistent sampled hits were")
    func header() {
        var state = Fixtures.liveState()
        _ = reduce(&state, .routesLoaded(Self.routes(at: at(1), saved: 10)))
        _ = reduce(&state, .routesLoaded(Self.routes(at: at(3), saved: 16.4)))
        var snapshot = Fixtures.snapshot(at: 3, hits: 10_100, misses: 1_010, prefixes: state.page)
        snapshot.totals[.verifications] = 1_000
        snapshot.totals[.staleVerifications] = 3
        _ = reduce(&state, .statsLoaded(snapshot, at: at(3)))
        let header = render(state, size: state.size).lines[2]
        #expect(header.contains("saved 3.2 s/s"), "\(header)")
        #expect(header.contains("consistent 99.7% (3 stale)"), "\(header)")
    }

    @Test("a server without routes is asked once; t then says so")
    func unsupported() {
        var state = Fixtures.liveState()
        _ = reduce(&state, .routesFailed(.rejected(status: 404, error: nil)))
        #expect(reduce(&state, .key(.character("t"), at: at(1))) == [])
        #expect(state.mode == .table)
        #expect(state.status?.text.contains("predates GET /_cache/routes") == true)
        _ = reduce(&state, .tick(at(30)))
        #expect(!pollIfDue(&state).contains { if case .fetchRoutes = $0 { true } else { false } })
    }
}
