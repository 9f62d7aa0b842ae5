import CacheAside
import CacheAsideHummingbird
import Foundation
import Hummingbird

/// The demo dashboard API: per-user reads behind ``ResponseCacheMiddleware``, a write that purges
/// the user's prefix, an uncached health check, and the admin API.
public enum DemoRoutes {
    /// How long each cached route is kept (before the cache's ±10% jitter). Different on purpose, as a
    /// real dashboard's would be: alerts must be fresh, orders change now and then, the summary is costly.
    /// Short enough that a newcomer watching `make demo` sees expirations and "expiring soon" move in
    /// the first minute (the stores count an entry as expiring soon in its last 60 s).
    public static let alertsTTL: Duration = .seconds(30)
    /// See ``alertsTTL``.
    public static let ordersTTL: Duration = .seconds(120)
    /// See ``alertsTTL``.
    public static let summaryTTL: Duration = .seconds(300)

    /// Builds the router of the demo API.
    ///
    /// | route | cached |
    /// |---|---|
    /// | `GET /api/users/{user}/dashboard/summary` | per user, 5 min (``summaryTTL``) |
    /// | `GET /api/users/{user}/orders?page=N` | per user, 2 min (``ordersTTL``) |
    /// | `GET /api/users/{user}/alerts` | per user, 30 s (``alertsTTL``; `[]` for most users: still a hit) |
    /// | `POST /api/users/{user}/orders` | no: adds an order and purges the user's entries |
    /// | `PATCH /api/users/{user}/profile` | no: renames the user and, on purpose, forgets to purge |
    /// | `GET /healthz` | no |
    public static func router(
        cache: CacheAside, database: DemoDatabase, token: String, metrics: CacheMetrics?, cachesResponses: Bool = true
    ) -> Router<BasicRequestContext> {
        let router = Router(options: .autoGenerateHeadEndpoints)
        router.add(middleware: MetricsMiddleware())
        router.get("healthz") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: #"{"status":"ok"}"#)))
        }
        let users = router.group("api/users/:user")
        // One group per time to live: each group's middleware caches only the routes added to it.
        func cached(for ttl: Duration) -> RouterGroup<BasicRequestContext> {
            let group = users.group()
            guard cachesResponses else { return group }
            return group.add(
                middleware: ResponseCacheMiddleware(
                    cache: cache,
                    policy: .init(
                        ttl: ttl, user: { _, context in context.parameters.get("user") },
                        vary: ["Accept", "Accept-Language"],
                        // The summary carries the time it was computed: verification leaves it out.
                        comparison: .json(ignoring: ["computedAt"]))))
        }
        cached(for: summaryTTL).get("dashboard/summary") { _, context in
            try json(database.summary(of: try context.parameters.require("user")))
        }
        cached(for: ordersTTL).get("orders") { request, context in
            let page = request.uri.queryParameters["page"].flatMap { Int($0) } ?? 1
            guard page >= 1 else { throw HTTPError(.badRequest, message: "page must be 1 or more") }
            return try json(database.ordersPage(of: try context.parameters.require("user"), page: page))
        }
        cached(for: alertsTTL).get("alerts") { _, context in
            try json(database.alerts(of: try context.parameters.require("user")))
        }
        users.post("orders") { request, context in
            let user = try context.parameters.require("user")
            var request = request
            let body = try await request.collectBody(upTo: 16 * 1024)
            let new =
                body.readableBytes == 0
                ? NewOrder() : try JSONDecoder().decode(NewOrder.self, from: Data(body.readableBytesView))
            let order = database.addOrder(for: user, amount: new.amount)
            // The post-save hook: the user's cached pages are stale now.
            try await cache.purge(user: user, reason: "order created")
            return try json(order, status: .created)
        }
        users.patch("profile") { request, context in
            let user = try context.parameters.require("user")
            var request = request
            let body = try await request.collectBody(upTo: 16 * 1024)
            let change =
                body.readableBytes == 0
                ? ProfileChange() : try JSONDecoder().decode(ProfileChange.self, from: Data(body.readableBytesView))
            let name = change.displayName ?? "User \(user) (renamed \(Int.random(in: 100...999)))"
            guard !name.isEmpty, name.count <= 100 else {
                throw HTTPError(.badRequest, message: "displayName must be 1 to 100 characters")
            }
            database.rename(user, to: name)
            // The bug this demo carries on purpose, as real code does: the summary shows the name,
            // and this write forgets to purge. Cached summaries stay stale until they expire;
            // verification (`v` in the monitor) finds them, and the timeline shows no purge.
            return try json(ProfileChange(displayName: name))
        }
        CacheAdminRoutes(cache: cache, token: token, metrics: metrics).register(on: router)
        return router
    }

    /// `2026-11-29T08:45:00.123Z`: ISO 8601 in UTC with milliseconds.
    static let timestampStyle = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        // Milliseconds: whole seconds cannot tell a body computed just before a purge from one just after.
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(date.formatted(timestampStyle))
        }
        encoder.outputFormatting = .sortedKeys
        return Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }
}
