import Foundation

/// The answer to `GET /_cache/routes`: one page of route templates and the totals of them all.
public struct RoutesSnapshot: Codable, Sendable, Equatable {
    /// Always ``CacheStatsSchema.version``.
    public var schemaVersion: Int
    /// When the figures were read, by the server's clock.
    public var serverTime: Date
    /// The instance that answered.
    public var instance: String
    /// The query answered.
    public var query: RoutesQuery
    /// How many routes match the filter.
    public var routeCount: Int
    /// The page.
    public var routes: [RouteStats]
    /// Seconds of computation saved by every route's hits (see ``RouteStats/savedSeconds``).
    public var savedSeconds: Double
    /// Seconds spent computing misses, on every route.
    public var computeSeconds: Double

    /// Creates a snapshot.
    public init(
        serverTime: Date, instance: String, query: RoutesQuery, routeCount: Int, routes: [RouteStats],
        savedSeconds: Double, computeSeconds: Double
    ) {
        self.schemaVersion = CacheStatsSchema.version
        self.serverTime = serverTime
        self.instance = instance
        self.query = query
        self.routeCount = routeCount
        self.routes = routes
        self.savedSeconds = savedSeconds
        self.computeSeconds = computeSeconds
    }
}
