import CacheAdminAPI

/// What the monitor asks its runtime to do; the answers come back as ``Action``s.
public enum Effect: Equatable, Sendable {
    case fetchStats(StatsQuery)
    case fetchEvents(after: UInt64, limit: Int)
    case fetchKeys(prefix: String)
    case fetchInstances
    case fetchRoutes(RoutesQuery)
    case purge(prefix: String)
    case verify(prefix: String)
    case quit
}
