import Foundation

/// One instance of a fleet, as listed by `GET /_cache/instances`: what it last reported with its
/// heartbeat, and whether that heartbeat is still within its time to live.
///
/// Counters are the instance's own, since it started (not the shared store's totals), so a fleet
/// view shows which instance takes the traffic and which one fails.
public struct InstanceInfo: Codable, Sendable, Equatable {
    /// Identifies the instance: by default `<host>-<pid>-<random>`, or the one it was configured with.
    public var id: String
    /// Where the instance serves, if it said (`CacheAside.Configuration.advertisedURL`).
    public var url: String?
    /// The version the instance runs.
    public var version: String
    /// When the instance started, by its own clock.
    public var startedAt: Date
    /// Seconds the instance had been running at its last heartbeat.
    public var uptimeSeconds: Double
    /// Requests (hits and misses) per second over its last heartbeat interval.
    public var requestsPerSecond: Double
    /// Lookups it answered from the store since it started.
    public var hits: UInt64
    /// Lookups it had to compute since it started, including those served uncached.
    public var misses: UInt64
    /// Store operations that failed in this instance since it started.
    public var storeErrors: UInt64
    /// Whether its circuit breaker was skipping the store at its last heartbeat.
    public var circuitOpen: Bool
    /// When its last heartbeat arrived, by the store's clock.
    public var lastSeen: Date
    /// Whether its last heartbeat is within its time to live; a dead instance stays listed for a
    /// while (ten times that), with the figures it last reported.
    public var alive: Bool
    /// Its near cache, if it has one (an instance of a shared store with `--near-cache`).
    public var near: NearCacheFigures?

    /// Creates the description of one instance.
    public init(
        id: String, url: String? = nil, version: String, startedAt: Date, uptimeSeconds: Double,
        requestsPerSecond: Double = 0, hits: UInt64 = 0, misses: UInt64 = 0, storeErrors: UInt64 = 0,
        circuitOpen: Bool = false, lastSeen: Date, alive: Bool = true, near: NearCacheFigures? = nil
    ) {
        self.near = near
        self.id = id
        self.url = url
        self.version = version
        self.startedAt = startedAt
        self.uptimeSeconds = uptimeSeconds
        self.requestsPerSecond = requestsPerSecond
        self.hits = hits
        self.misses = misses
        self.storeErrors = storeErrors
        self.circuitOpen = circuitOpen
        self.lastSeen = lastSeen
        self.alive = alive
    }

    /// Hits over hits and misses, or `nil` before the first lookup.
    public var hitRatio: Double? {
        let lookups = hits + misses
        return lookups == 0 ? nil : Double(hits) / Double(lookups)
    }
}
