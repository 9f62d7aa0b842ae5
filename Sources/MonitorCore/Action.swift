import CacheAdminAPI
import Foundation

/// Everything that can happen to the monitor: time passing, keys, answers from the server.
public enum Action: Sendable {
    case tick(Date)
    case key(KeyPress, at: Date)
    case resized(TerminalSize)
    case statsLoaded(StatsSnapshot, at: Date)
    case statsFailed(AdminClientError, at: Date)
    case eventsLoaded(EventPage)
    case keysLoaded(prefix: String, [KeyInfo])
    case keysFailed(prefix: String, AdminClientError)
    /// The prefix's latest events, newest first, for the keys view's timeline.
    case timelineLoaded(prefix: String, [CacheEvent])
    case routesLoaded(RoutesSnapshot)
    case routesFailed(AdminClientError)
    case instancesLoaded(InstanceList, at: Date)
    case instancesFailed(AdminClientError, at: Date)
    case purgeFinished(prefix: String, Result<PurgeResult, AdminClientError>, at: Date)
    case verifyFinished(prefix: String, Result<VerifyReport, AdminClientError>, at: Date)
}
